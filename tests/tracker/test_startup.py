"""Start-up (issue 11): `tracker lineage ROOT` on a small SQLite database answers without
importing SQLAlchemy (its engine and ORM were most of the 1.3 s of CPU measured before), nor
rich on a terminal when nothing is logged; the sqlite3 read path (db/lite.py) answers exactly
what the full path answers, and leaves every other case to it.
"""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys

import pytest

from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tracker import service
from tracker.config import load_config
from tracker.pipeline import crawl


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    path = tmp_path_factory.mktemp("startup") / "tracker.db"
    with FakeHub(grok_world.fake_repos()) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": f"sqlite:///{path}"})
        assert crawl(config, hubs=["huggingface"]).status == "ok"
    return path


@pytest.fixture
def config(crawled, tmp_path):
    path = tmp_path / "tracker.db"
    shutil.copy(crawled, path)
    return load_config(environ={}, overrides={"database.url": f"sqlite:///{path}"})


LOADED = (
    "import sys\n"
    "from tracker.cli import main\n"
    "try:\n"
    "    main(['--database', {url!r}, 'lineage', 'grok-1'])\n"
    "except SystemExit as stop:\n"
    "    assert not stop.code, stop.code\n"
    "heavy = {{'sqlalchemy', 'alembic', 'rich', 'networkx', 'apscheduler'}}\n"
    "found = sorted(heavy & {{m.split('.')[0] for m in sys.modules}})\n"
    "open({out!r}, 'w').write(repr(found))\n"
)


def test_lineage_of_a_root_loads_no_sqlalchemy_and_on_a_terminal_no_rich(config, tmp_path):
    out = tmp_path / "loaded.txt"
    code = LOADED.format(url=config.database_url, out=str(out))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "17 descendants" in done.stdout
    assert out.read_text() == "[]"
    # the same with stdout and stderr on a terminal (a pseudo-terminal)
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        os.execv(sys.executable, [sys.executable, "-c", code])
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child ended: the terminal is closed
            break
        if not chunk:
            break
        shown += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, shown.decode(errors="replace")
    assert b"17 descendants" in shown
    assert out.read_text() == "[]"


@pytest.mark.parametrize(("target", "depth"), [
    ("grok-1", None), ("grok-2", 1), ("GROK-2", None), ("huggingface:keyfan/grok-1-hf", None),
    ("huggingface:keyfan/grok-1-hf", 0),
])
def test_the_sqlite3_path_answers_what_the_full_path_answers(config, target, depth):
    lite = service._lineage_lite(config, target, depth)
    full = service._lineage_store(config, target, depth)
    assert lite is not None
    assert (lite.label, lite.start, lite.order) == (full.label, full.start, full.order)
    assert lite.nodes == full.nodes


def test_a_name_the_database_does_not_hold_is_left_to_the_full_path(config):
    # bare ids, other cases and pasted URLs are answered here too (test_lineage_fast_path.py)
    assert service._lineage_lite(config, "grok-3", None) is None  # its "did you mean"


def test_a_database_this_version_cannot_read_as_it_is_is_left_to_the_full_path(config):
    import sqlite3

    path = config.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0006'")
    assert service._lineage_lite(config, "grok-1", None) is None
    with pytest.raises(Exception, match="older than this version reads"):
        service.lineage(config, "grok-1")


RESOLVE_LOADED = (
    "import sys\n"
    "from tracker.cli import main\n"
    "try:\n"
    "    main(['--database', {url!r}, 'resolve'])\n"
    "except SystemExit as stop:\n"
    "    assert not stop.code, stop.code\n"
    "heavy = {{'yaml', 'networkx', 'requests', 'smtplib', 'apscheduler', 'rich'}}\n"
    "found = sorted(heavy & {{m.split('.')[0] for m in sys.modules}})\n"
    "open({out!r}, 'w').write(repr(found))\n"
)


def test_a_resolve_that_moves_nothing_loads_no_parser_graph_library_or_http_client(
    config, tmp_path
):
    """`tracker resolve` decides from stored rows: PyYAML (cards), NetworkX (cycles only),
    requests and smtplib (alerts with nothing to send) are start-up it does not need."""
    out = tmp_path / "loaded.txt"
    code = RESOLVE_LOADED.format(url=config.database_url, out=str(out))
    for _ in range(2):  # the first resolve audits; the second reuses the audit
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert "0 added, 0 removed" in done.stdout
    assert out.read_text() == "[]"
