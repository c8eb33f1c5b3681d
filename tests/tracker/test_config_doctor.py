"""`tracker config` and `tracker doctor` as a user meets them.

`config`: each value's origin (flag, environment, file, default), secrets never shown, and the
TOML loads back. `doctor`: the fake Hub over real HTTP on 127.0.0.1 (with a token list), a
GitHub fake on pytest-httpserver, a port nobody listens on for a hub that is down, and real
databases (a SQLite file, a PostgreSQL schema), the crawl lock held by a real `crawl_lock`.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import time

import pytest
from click.testing import CliRunner

from db.lock import crawl_lock
from db.session import open_database
from tests.fakes import grok_world
from tests.fakes.github_api import repo as gh_repo
from tests.fakes.hf_hub import FakeHub
from tests.fakes.scripted import family, run
from tracker.cli import cli
from tracker.config import SETTINGS, load_config

SECRET = "hf_this_is_very_secret"


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def fits(text: str) -> bool:
    return all(len(line) <= 80 for line in text.splitlines())


# --- config ----------------------------------------------------------------------------------


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[crawl]\nretries = 3\n\n'
        '[roots.grok-1]\nnodes = ["huggingface:xai-org/grok-1"]\nlicense = "apache-2.0"\n\n'
        '[[alerts.webhooks]]\nname = "audit"\nurl = "https://hooks.example.org/T0/B1/'
        'XXXXsecretpath"\nformat = "slack"\n\n'
        '[alerts.email]\nsmtp_url = "smtp://mail:pw-secret@mail.example.org:587"\n'
        'from = "t@example.org"\nto = ["a@example.org"]\npassword_env = "SMTP_PW"\n'
    )
    return path


def test_config_says_where_each_value_came_from(config_file, tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = invoke("--config", str(config_file), "--database", db, "config", "--format",
                    "json", env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    settings = data["settings"]
    assert list(settings) == [s.key for s in SETTINGS]  # every setting, in declared order
    assert settings["database.url"] == {"value": db, "origin": "flag", "source": ""}
    assert settings["hubs.huggingface.endpoint"] == {
        "value": "http://127.0.0.1:9", "origin": "environment", "source": "HF_ENDPOINT"}
    assert settings["crawl.retries"] == {"value": 3, "origin": "file",
                                         "source": str(config_file)}
    assert settings["crawl.timeout"] == {"value": 30.0, "origin": "default", "source": ""}
    assert data["roots_origin"] == "file" and list(data["roots"]) == ["grok-1"]
    assert data["config_file"] == str(config_file)


def test_config_never_shows_a_secret(config_file):
    env = {"HF_TOKEN": SECRET, "SMTP_PW": "mail-password-secret"}
    for fmt in ("toml", "json"):
        result = invoke("--config", str(config_file), "--database",
                        "postgresql+psycopg://me:db-password@127.0.0.1/x", "config",
                        "--format", fmt, env=env)
        assert result.exit_code == 0, result.output
        for secret in (SECRET, "mail-password-secret", "db-password", "pw-secret",
                       "XXXXsecretpath"):
            assert secret not in result.stdout, (fmt, secret)
    data = json.loads(result.stdout)
    assert data["tokens"]["huggingface"] == {"variable": "HF_TOKEN", "set": True}
    assert data["tokens"]["github"] == {"variable": "GITHUB_TOKEN", "set": False}
    assert data["settings"]["database.url"]["value"] == (
        "postgresql+psycopg://me:***@127.0.0.1/x")
    assert data["webhooks"][0]["url"] == "https://hooks.example.org/…"
    assert data["email"]["password_set"] is True
    toml = invoke("--config", str(config_file), "config", env=env).stdout
    assert "# token: set in HF_TOKEN (hidden)" in toml
    assert "# token: not set in GITHUB_TOKEN" in toml


def test_config_toml_loads_back_as_the_same_settings(config_file, tmp_path):
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "TRACKER_LOG_LEVEL": "debug"}
    result = invoke("--config", str(config_file), "config", env=env)
    assert result.exit_code == 0, result.output
    # every line fits but the one naming the file (tmp_path is longer than a line)
    assert fits("\n".join(x for x in result.stdout.splitlines() if not x.startswith("# file:")))
    assert "endpoint = \"http://127.0.0.1:9\"  # environment HF_ENDPOINT" in result.stdout
    assert "retries = 3  # file\n" in result.stdout
    assert f"# file: {config_file}\n" in result.stdout
    written = tmp_path / "written.toml"
    written.write_text(result.stdout)
    again = load_config(written, environ={})
    first = load_config(config_file, environ=env)
    assert again.values == first.values
    assert again.roots == first.roots


def test_config_with_the_built_in_defaults_says_default_everywhere():
    data = json.loads(invoke("config", "--format", "json").stdout)
    assert {e["origin"] for e in data["settings"].values()} == {"default"}
    assert data["roots_origin"] == "default" and data["config_file"] == ""


def test_a_bad_config_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[crawl]\nretries = 'many'\n")
    result = invoke("--config", str(bad), "config")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "crawl.retries" in result.stderr


# --- doctor ----------------------------------------------------------------------------------


def refused_url() -> str:
    """An endpoint on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def hub():
    with FakeHub(grok_world.fake_repos(), tokens={"hf_good"}) as fake:
        yield fake


@pytest.fixture
def crawled(db_url):
    run(load_config(overrides={"database.url": db_url}), family())
    return db_url


def doctor(db, *args, hubs="huggingface", env=None):
    base = {"TRACKER_HUBS": hubs, "GITHUB_API_URL": refused_url(),
            "MODELSCOPE_ENDPOINT": refused_url()}
    return invoke("--database", db, "doctor", *args, env={**base, **(env or {})})


def lines(result) -> dict[str, str]:
    """check name -> its line's status, from the text output."""
    data = json.loads(result.stdout)
    return {c["check"]: c["status"] for c in data["checks"]}


def test_doctor_all_good(crawled, hub):
    result = doctor(crawled, env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_good"})
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert out[0].startswith("ok    config")
    assert out[1].startswith("ok    database")
    assert "(current), writable" in " ".join(result.stdout.split())  # a long path wraps
    assert any(line.split()[:4] == ["ok", "crawl", "lock", "free"] for line in out)
    assert any(line.startswith("ok    huggingface ") and hub.url in line for line in out)
    assert any(line.split()[:3] == ["ok", "huggingface", "token"] for line in out)
    assert any(line.split()[:2] == ["skip", "github"] for line in out)
    assert out[-1] == "0 failed, 0 warnings, 2 skipped, 6 ok"
    # only a database path or URL longer than a line (tmp_path's, the test schema's) may
    # stick out: it is never cut
    assert fits("\n".join(line for line in out if max(map(len, line.split()), default=0) < 60))


def test_doctor_fails_on_a_rejected_token_and_warns_on_none(crawled, hub):
    result = doctor(crawled, "--format", "json",
                    env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_wrong"})
    assert result.exit_code == 1
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["huggingface"]["status"] == "ok"
    assert checks["huggingface token"]["status"] == "fail"
    assert "HF_TOKEN was rejected" in checks["huggingface token"]["detail"]
    assert "hf_wrong" not in result.stdout
    result = doctor(crawled, "--format", "json", env={"HF_ENDPOINT": hub.url})
    assert result.exit_code == 0
    assert lines(result)["huggingface token"] == "warn"


def test_doctor_names_a_hub_that_cannot_be_reached_and_fails_fast(crawled, hub):
    began = time.monotonic()
    result = doctor(crawled, hubs="huggingface,github",
                    env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_good"})
    assert time.monotonic() - began < 10  # refused at once: no retry, no wait
    assert result.exit_code == 1
    github = [line for line in result.stdout.splitlines() if line.startswith("fail  github")]
    assert github and "cannot reach" in result.stdout and "(hubs.github.endpoint)" in \
        result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 failed")


def test_doctor_asks_github_through_its_client_and_its_token(crawled, httpserver):
    httpserver.expect_request(
        "/repos/xai-org/grok-1", headers={"Authorization": "Bearer ghp_good"}
    ).respond_with_json(gh_repo("xai-org/grok-1"))
    httpserver.expect_request("/repos/xai-org/grok-1").respond_with_json(
        {"message": "Bad credentials"}, status=401)
    url = httpserver.url_for("").rstrip("/")
    good = doctor(crawled, "--format", "json", hubs="github",
                  env={"GITHUB_API_URL": url, "GITHUB_TOKEN": "ghp_good"})
    assert lines(good)["github"] == "ok" and lines(good)["github token"] == "ok", good.output
    bad = doctor(crawled, "--format", "json", hubs="github",
                 env={"GITHUB_API_URL": url, "GITHUB_TOKEN": "ghp_bad"})
    assert bad.exit_code == 1 and lines(bad)["github token"] == "fail"


def test_doctor_shows_who_holds_the_crawl_lock(crawled, hub):
    engine = open_database(crawled)
    try:
        with crawl_lock(engine, "tester@box:42", heartbeat_every=None):
            result = doctor(crawled, env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_good"})
    finally:
        engine.dispose()
    assert result.exit_code == 0, result.output  # a running crawl is no failure
    held = [line for line in result.stdout.splitlines() if "crawl lock" in line]
    assert held[0].startswith("warn  crawl lock") and "held by tester@box:42 since" in held[0]
    after = doctor(crawled, env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_good"})
    assert any(line.split()[:4] == ["ok", "crawl", "lock", "free"]
               for line in after.stdout.splitlines())


def test_doctor_before_the_first_crawl_warns_and_creates_nothing(tmp_path, hub):
    db = f"sqlite:///{tmp_path / 'new.db'}"
    result = doctor(db, env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_good"})
    assert result.exit_code == 0, result.output
    assert "no database at" in result.stdout and "`tracker crawl` creates it" in result.stdout
    assert not (tmp_path / "new.db").exists()


def test_doctor_fails_on_a_schema_it_does_not_know_and_leaves_it(tmp_path, hub):
    path = tmp_path / "newer.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = doctor(f"sqlite:///{path}", env={"HF_ENDPOINT": hub.url})
    assert result.exit_code == 1
    assert "schema 9999_from_the_future is unknown to this version" in " ".join(
        result.stdout.split())
    assert path.read_bytes() == before


def test_doctor_fails_on_a_database_it_cannot_read(tmp_path, hub):
    path = tmp_path / "other.db"
    path.write_text("not a database at all, just text")
    result = doctor(f"sqlite:///{path}", env={"HF_ENDPOINT": hub.url})
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].startswith("fail  database")
    assert path.read_text() == "not a database at all, just text"  # untouched
    result = doctor("postgresql+psycopg://nobody@127.0.0.1:1/none",
                    env={"HF_ENDPOINT": hub.url})
    assert result.exit_code == 1 and "fail  database" in result.stdout
    assert "***" not in result.stdout or "nobody" in result.stdout
