"""One clear line and a distinct exit code for each way a run cannot go on.

2 config invalid, 4 the database is locked by another crawl, 5 the database is unreachable or
unusable, 6 the hub endpoint is unreachable, 7 the hub rejected the token. Each is checked at
the CLI as a user meets it: the exit code, nothing on stdout for a refusal, exactly one line
on stderr that starts with "tracker:", and never a traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

from db.lock import crawl_lock
from db.session import open_database
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import FakeFile, FakeRepo, World
from tracker.cli import cli
from tracker.cli_errors import describe

REPO = Path(__file__).resolve().parents[2]


def tracker(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def one_line(result, code: int) -> str:
    """The single `tracker:` line of a refused command (asserting how it was refused)."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("tracker: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- 2: config ------------------------------------------------------------------------------

BAD_CONFIGS = {
    "not TOML": ("[crawl\nretries = 1\n", "is not valid TOML"),
    "unknown section": ("[databse]\nurl = 'x'\n", "unknown section [databse]"),
    "wrong type": ("[crawl]\nmax_retry_wait = 'soon'\n", "crawl.max_retry_wait must be a number"),
    "negative": ("[crawl]\nretries = -1\n", "must not be negative"),
    "node not owner/name": (
        "[roots.x]\nnodes = ['huggingface:../../etc']\nlicense = 'mit'\n",
        "not an owner/name id",
    ),
    "unknown hub": ("[roots.x]\nnodes = ['gitlab:a/b']\nlicense = 'mit'\n", "expected <hub>"),
    "bad endpoint": ("[hubs.huggingface]\nendpoint = 'ftp://x'\n", "must be an http(s) URL"),
    "bad cron": ("[schedule]\ncron = '61 * * * *'\n", "cron"),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_an_invalid_config_is_exit_2(case, tmp_path):
    body, says = BAD_CONFIGS[case]
    path = tmp_path / "config.toml"
    path.write_text(body)
    command = "schedule" if case == "bad cron" else "crawl"  # each checks what it uses
    line = one_line(tracker("--config", str(path), command), 2)
    assert line.startswith("tracker: config:") and says in line
    assert str(path) in line or "config" in line


def test_a_bad_environment_value_and_a_missing_file_are_exit_2(tmp_path):
    line = one_line(tracker("crawl", env={"TRACKER_MAX_RETRY_WAIT": "abc"}), 2)
    assert "TRACKER_MAX_RETRY_WAIT" in line
    line = one_line(tracker("--config", str(tmp_path / "nope.toml"), "crawl"), 2)
    assert "does not exist" in line
    result = tracker("crawl", "--root", "grok-9", env={"TRACKER_DATABASE_URL": "sqlite://"})
    assert "unknown root 'grok-9'" in one_line(result, 2)


# --- 5: database unreachable or unusable ----------------------------------------------------


def unusable_databases(tmp_path: Path) -> dict[str, str]:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database, it is a text file\n" * 100)
    folder = tmp_path / "folder.db"
    folder.mkdir()
    return {
        "PostgreSQL on a closed port": f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/x",
        "PostgreSQL database missing": "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_db",
        "SQLite under a path that cannot exist": "sqlite:////proc/no/such/dir/tracker.db",
        "SQLite file that is not a database": f"sqlite:///{garbage}",
        "SQLite path that is a directory": f"sqlite:///{folder}",
        "not a URL": "not a url",
        "no driver": "mysql://x@127.0.0.1:1/db",
    }


@pytest.mark.parametrize("command", [["crawl", "--hub", "huggingface"], ["lineage", "grok-1"]])
def test_an_unusable_database_is_exit_5(command, tmp_path):
    for case, url in unusable_databases(tmp_path).items():
        result = tracker("--database", url, *command, env={"HF_ENDPOINT": "http://127.0.0.1:1"})
        if command[0] == "lineage" and case == "SQLite under a path that cannot exist":
            # a read command creates nothing: no database there is a usage error (issue 11)
            assert one_line(result, 2).endswith("run `tracker crawl` first")
            continue
        line = one_line(result, 5)
        assert "database" in line, (case, line)
        assert result.stdout == "", case


def test_a_database_error_mid_run_is_one_line_not_a_traceback():
    """Whatever the driver says once the database is open (connection dropped, disk full,
    SQLite busy past its timeout) maps to 5, or 4 for a lock held by another process."""
    dropped = OperationalError("INSERT ...", {}, Exception("server closed the connection\nmore"))
    assert describe(dropped) == (
        5,
        "database error: server closed the connection. Tip: check [database].url or "
        "TRACKER_DATABASE_URL.",
    )
    busy = OperationalError("INSERT ...", {}, Exception("database is locked"))
    code, message = describe(busy)
    assert code == 4 and "locked" in message


# --- 4: locked by another crawl ---------------------------------------------------------


def test_a_database_held_by_another_crawl_is_exit_4(db_url):
    engine = open_database(db_url)
    try:
        with crawl_lock(engine, "cron@elsewhere:4242", heartbeat_every=None):
            result = tracker("--database", db_url, "crawl", "--hub", "huggingface")
    finally:
        engine.dispose()
    line = one_line(result, 4)
    assert "another crawl holds the database: cron@elsewhere:4242 since" in line
    assert result.stdout == ""


# --- 6 and 7: the hub -----------------------------------------------------------------------


def test_an_unreachable_endpoint_is_exit_6(sqlite_url, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[database]\nurl = '{sqlite_url}'\n[crawl]\nretries = 0\ntimeout = 2.0\n")
    endpoint = f"http://127.0.0.1:{closed_port()}"
    result = tracker(
        "--config", str(cfg), "crawl", "--hub", "huggingface", env={"HF_ENDPOINT": endpoint}
    )
    line = one_line(result, 6)
    assert f"cannot reach {endpoint}" in line and "HF_ENDPOINT" in line


def test_a_rejected_token_is_exit_7(sqlite_url):
    world = World([FakeRepo("xai-org/grok-1", files=[FakeFile("a.bin", 1, "a" * 64)])])
    with FakeHub(world, tokens={"the-right-one"}) as hub:
        result = tracker(
            "--database",
            sqlite_url,
            "crawl",
            "--hub",
            "huggingface",
            env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "a-wrong-one"},
        )
    line = one_line(result, 7)
    assert "rejected the token (HTTP 401)" in line and "a-wrong-one" not in result.output


@pytest.mark.slow
def test_the_installed_command_exits_with_the_same_codes(tmp_path):
    """The same refusals from a real process: the exit status a cron job sees."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cases = [
        (["--config", str(tmp_path / "nope.toml"), "crawl"], {}, 2),
        (["--database", "sqlite:////proc/no/such/dir/t.db", "crawl"], {}, 5),
        (
            ["--database", f"sqlite:///{tmp_path / 't.db'}", "crawl", "--hub", "huggingface"],
            {"HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}", "TRACKER_HUBS": "huggingface"},
            6,
        ),
    ]
    cfg = tmp_path / "fast.toml"
    cfg.write_text("[crawl]\nretries = 0\n")
    cases[2][0][:0] = ["--config", str(cfg)]
    for args, extra, code in cases:
        proc = subprocess.run(
            [sys.executable, "-m", "tracker", *args],
            env={**env, **extra},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == code, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert sum(line.startswith("tracker: ") for line in proc.stderr.splitlines()) == 1
