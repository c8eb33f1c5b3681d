"""Where `tracker export -o PATH` writes (issue 17, item 14): regular files through a temporary
file and a rename, FIFOs and devices as a stream, symlinks followed, the database refused.

Before, the temporary file was renamed over whatever PATH was: a FIFO or `/dev/full` became a
regular file (as root, the device node was gone), a symlink was replaced by a file, and the
tracker's own SQLite database could be overwritten by its export.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from db.session import open_database
from tracker.cli import cli


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    open_database(url).dispose()  # migrated, empty: an export of 0 nodes is still a file
    return url


def export(url: str, *args: str):
    return CliRunner().invoke(cli, ["--database", url, "export", *args])


def test_an_existing_regular_file_is_replaced_keeping_its_mode(db, tmp_path):
    out = tmp_path / "grok.graphml"
    out.write_text("old")
    out.chmod(0o640)
    result = export(db, "--format", "graphml", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"<?xml")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_symlink_is_followed_and_its_target_written(db, tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = export(db, "--format", "json", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("{")


def test_a_fifo_gets_the_export_as_a_stream(db, tmp_path):
    fifo = tmp_path / "pipe.graphml"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = export(db, "--format", "graphml", "-o", str(fifo))
    reader.join(30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a file"
    graph = nx.parse_graphml(got[0].decode())
    assert graph.number_of_nodes() == 0


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device node of our own (1, minor: 3 null, 7 full), so a writer that gets
    it wrong replaces a node in tmp_path, never the machine's /dev/null."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, AttributeError):
        pytest.skip("device nodes need root")
    return path


def test_a_device_is_written_as_a_stream_and_a_full_one_is_one_line(db, tmp_path):
    null, full = device(tmp_path, "null", 3), device(tmp_path, "full", 7)
    result = export(db, "--format", "json", "-o", str(null))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(null.stat().st_mode), "the device node was replaced by a file"
    result = export(db, "--format", "json", "-o", str(full))
    assert stat.S_ISCHR(full.stat().st_mode), "the device node was replaced by a file"
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.stderr and "Traceback" not in result.output


def test_the_database_is_never_overwritten(db, tmp_path):
    path = tmp_path / "tracker.db"
    before = path.read_bytes()
    link = tmp_path / "export.graphml"
    link.symlink_to(path)
    for out in (path, link):
        result = export(db, "--format", "graphml", "-o", str(out))
        assert result.exit_code == 2, result.output
        assert "is an SQLite database" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before
