"""Security: tokens stay secret, hub data is never executed, ids are checked before they become
URLs, and SQL never mixes data into statements.

- A real `tracker crawl` runs with HF_TOKEN set (at DEBUG level, logging to a file too) against
  a fake Hub that accepts the token, then every read command and export runs; the token must
  not appear in the database (every table, and the SQLite file's bytes), the log file, any
  command's output or error. A hub that rejects the token gets exit 7 and a line without it.
- A candidate whose README front matter and mergekit config carry `!!python/object` tags, and
  whose config asks for remote code, is crawled: nothing is constructed or run.
- Ids that are not `owner/name` (from cards, listings, config, the command line) never reach
  the hub as a URL.
- Strings with quotes and SQL metacharacters, and LIKE wildcards, pass through intact.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, select

from crawlers.base import HubError
from crawlers.content import parse_card, safe_yaml
from crawlers.huggingface.crawler import HuggingFaceCrawler
from crawlers.huggingface.parse import parse_repo
from db import repository as repo
from db.models import Node, RootMember
from db.session import make_engine, open_database, session_scope
from tests.fakes.hf_hub import FakeHub, Request
from tests.fakes.hf_world import FakeFile, FakeRepo, World
from tracker.cli import cli
from tracker.config import ConfigError, load_config
from tracker.pipeline import crawl

REPO = Path(__file__).resolve().parents[2]
TOKEN = "secret-token-value"
ROOT = "xai-org/grok-1"


def world() -> World:
    return World(
        [
            FakeRepo(
                ROOT, card={"license": "apache-2.0"}, files=[FakeFile("ckpt-0/t", 9, "a" * 64)]
            ),
            FakeRepo(
                "fan/grok-1-ft",
                card={"base_model": ROOT, "license": "apache-2.0"},
                files=[FakeFile("model.safetensors", 10, "b" * 64)],
            ),
        ]
    )


def everything_in(url: str) -> str:
    """Every value of every table, as text (both backends), plus the SQLite files' bytes."""
    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        parts = []
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                parts += [repr(tuple(row)) for row in conn.execute(select(table))]
    finally:
        engine.dispose()
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        for f in path.parent.glob(path.name + "*"):  # the file, its WAL and SHM
            parts.append(f.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def test_the_token_is_used_but_never_shown_or_stored(db_url, tmp_path):
    sent: list[str] = []

    def auth_seen(r: Request) -> bool:
        sent.append(r.headers.get("authorization", ""))
        return False  # observe only

    log_file = tmp_path / "tracker.log"
    with FakeHub(world(), tokens={TOKEN}) as hub:
        hub.faults.add(auth_seen, object())
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "HF_TOKEN": TOKEN,
            "HF_ENDPOINT": hub.url,
            "TRACKER_DATABASE_URL": db_url,
            "TRACKER_LOG_LEVEL": "DEBUG",
            "TRACKER_LOG_FILE": str(log_file),
            "HF_DEBUG": "1",  # huggingface_hub logs each request as a curl command
        }
        proc = subprocess.run(
            [sys.executable, "-m", "tracker", "crawl", "--hub", "huggingface", "--root", "grok-1"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    assert sent and all(a == f"Bearer {TOKEN}" for a in sent)  # the token was really used
    outputs = [proc.stdout, proc.stderr, log_file.read_text()]
    assert "DEBUG" in outputs[2]  # the log was as talkative as it gets

    runner = CliRunner()
    env = {"HF_TOKEN": TOKEN, "TRACKER_DATABASE_URL": db_url, "TRACKER_LOG_LEVEL": "DEBUG"}
    commands = [
        ["lineage", "grok-1", "--format", "json"],
        ["show", f"huggingface:{ROOT}", "--format", "json"],
        ["licenses", "--format", "json"],
        ["changes", "--format", "json"],
    ]
    for fmt in ("graphml", "gexf", "json", "csv", "cyclonedx"):
        out = tmp_path / f"graph.{fmt}"
        commands.append(["export", "--format", fmt, "--output", str(out)])
    for args in commands:
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 0, (args, result.output)
        outputs += [result.stdout, result.stderr]
    outputs += [p.read_bytes().decode("latin-1") for p in tmp_path.glob("graph.*")]
    outputs.append(everything_in(db_url))
    assert "fan/grok-1-ft" in outputs[-1]  # the crawl stored something to search in
    for text in outputs:
        assert TOKEN not in text


def test_a_rejected_token_is_exit_7_in_one_line_without_the_token(sqlite_url):
    with FakeHub(world(), tokens={"another-token"}) as hub:
        result = CliRunner().invoke(
            cli,
            ["crawl", "--hub", "huggingface"],
            env={"HF_TOKEN": TOKEN, "HF_ENDPOINT": hub.url, "TRACKER_DATABASE_URL": sqlite_url},
        )
    assert result.exit_code == 7, result.output
    assert result.stdout == ""
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("tracker: ") and "rejected the token" in line and "HF_TOKEN" not in line
    assert TOKEN not in result.output and TOKEN not in everything_in(sqlite_url)


# --- nothing from a hub is executed ------------------------------------------------------

HOSTILE_YAML = """\
---
license: apache-2.0
base_model: !!python/object/apply:os.system ["touch {marker}"]
pwn: !!python/object/new:subprocess.Popen [["touch", "{marker}"]]
---
# grok-1 merge
"""
HOSTILE_MERGEKIT = """\
merge_method: slerp
base_model: !!python/object/apply:os.system ["touch {marker}"]
slices:
  - sources:
      - model: xai-org/grok-1
"""


def test_yaml_from_a_hub_never_builds_objects(tmp_path):
    marker = tmp_path / "pwned"
    assert safe_yaml(HOSTILE_MERGEKIT.format(marker=marker)) is None
    meta, body = parse_card(HOSTILE_YAML.format(marker=marker))
    assert meta == {} and "grok-1 merge" in body
    assert not marker.exists()


def test_a_crawl_never_runs_what_a_repo_holds(tmp_path, sqlite_url):
    marker = tmp_path / "pwned"
    hostile = FakeRepo(
        "evil/grok-1-slerp",  # named like Grok: discovery reads its README and configs
        files=[
            FakeFile("README.md", 0, None, HOSTILE_YAML.format(marker=marker).encode()),
            FakeFile(
                "mergekit_config.yml", 0, None, HOSTILE_MERGEKIT.format(marker=marker).encode()
            ),
            FakeFile(
                "config.json",
                0,
                None,
                b'{"auto_map": {"AutoModelForCausalLM": "modeling_evil.Evil"}, '
                b'"architectures": ["Grok1ModelForCausalLM"]}',
            ),
            FakeFile("modeling_evil.py", 0, None, f"open({str(marker)!r}, 'w')\n".encode()),
            FakeFile("model.safetensors", 10, "c" * 64),
        ],
    )
    w = world()
    w.add(hostile)
    with FakeHub(w) as hub:
        config = load_config(
            environ={"HF_ENDPOINT": hub.url}, overrides={"database.url": sqlite_url}
        )
        report = crawl(config, roots=["grok-1"], hubs=["huggingface"])
        read = [path for kind, _, path, _ in hub.log if kind == "file"]
    assert report.status == "ok", report.errors
    assert any("evil/grok-1-slerp" in p for p in read)  # it was read, as data
    assert not marker.exists()
    assert not any("modeling_evil.py" in p for p in read)  # code is never even fetched


SOURCES = ("crawlers", "tracker", "graph", "db")


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            yield name, node


def _sql_constants(tree: ast.AST) -> set[str]:
    """Names bound only to string literals, or to expressions of such names (`A + B`,
    `A if x else B`): SQL written in the source, never built from data."""
    names: set[str] = set()

    def literal(expr: ast.AST) -> bool:
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, str)
        if isinstance(expr, ast.Name):
            return expr.id in names
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return literal(expr.left) and literal(expr.right)
        if isinstance(expr, ast.IfExp):
            return literal(expr.body) and literal(expr.orelse)
        return False

    assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)]
    for _ in range(3):  # names defined from names defined earlier
        for n in assigns:
            if literal(n.value):
                names.update(t.id for t in n.targets if isinstance(t, ast.Name))
    return names


def test_no_code_path_can_execute_hub_data_or_build_sql_from_strings():
    """Static guard over the source: safe_load only, no remote code, no eval/pickle, and every
    raw SQL text a literal (values go in as bound parameters)."""
    for package in SOURCES:
        for path in (REPO / package).rglob("*.py"):
            source = path.read_text()
            assert "trust_remote_code=True" not in source, path
            tree = ast.parse(source)
            sql_text = any(  # `text` here is SQLAlchemy's, not a crawler's string helper
                isinstance(n, ast.ImportFrom)
                and n.module == "sqlalchemy"
                and any(a.name == "text" for a in n.names)
                for n in ast.walk(tree)
            )
            constants = _sql_constants(tree)
            for name, call in _calls(tree):
                where = f"{path.relative_to(REPO)}:{call.lineno}"
                assert name not in ("eval", "exec", "unsafe_load", "full_load"), where
                if name == "load" and isinstance(call.func, ast.Attribute):
                    owner = getattr(call.func.value, "id", "")
                    assert owner not in ("yaml", "pickle", "marshal"), where
                if (name == "exec_driver_sql" or (name == "text" and sql_text)) and call.args:
                    arg = call.args[0]
                    literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    assert literal or (isinstance(arg, ast.Name) and arg.id in constants), where


# --- ids are checked before they become URLs -------------------------------------------


@pytest.mark.parametrize("bad", ["../../api/whoami-v2", "a/b/c", "xai-org/grok-1?x=1", "a b/c"])
def test_an_id_that_is_not_owner_name_is_refused_before_any_request(bad):
    with FakeHub(world()) as hub:
        c = HuggingFaceCrawler(endpoint=hub.url, sleep=lambda s: None)
        with pytest.raises(HubError, match="not a repo id"):
            c.check(bad)
        assert hub.total == 0
    with pytest.raises(ConfigError):
        _config_with_root(bad)
    with pytest.raises(ValueError):
        parse_repo({"id": bad}, hub_url="https://huggingface.co")


def _config_with_root(repo_id: str):
    path = Path("config.toml")
    path.write_text(f'[roots.x]\nnodes = ["huggingface:{repo_id}"]\nlicense = "mit"\n')
    return load_config(path)


def test_hostile_ids_from_cards_and_listings_never_reach_the_hub(sqlite_url):
    w = world()
    w.add(
        FakeRepo(
            "fan/grok-1-hostile",
            card={"base_model": ROOT},
            json_overrides={
                "cardData": {"base_model": [ROOT, "../../api/whoami-v2", "x/../../y"]},
            },
        ),
        FakeRepo(
            "fan/listed-traversal",
            card={"base_model": ROOT},
            json_overrides={"id": "../../api/whoami-v2", "modelId": "../../api/whoami-v2"},
        ),
    )
    with FakeHub(w) as hub:
        config = load_config(
            environ={"HF_ENDPOINT": hub.url}, overrides={"database.url": sqlite_url}
        )
        report = crawl(config, roots=["grok-1"], hubs=["huggingface"])
        paths = [path for _, _, path, _ in hub.log]
    assert report.status == "ok", report.errors
    assert not hub.unexpected
    assert not any("whoami" in p or ".." in p or "%2e%2e" in p.lower() for p in paths), paths


# --- SQL: data stays data ----------------------------------------------------------------

NASTY = "o'brien\"; DROP TABLE nodes; --"


def test_quotes_and_sql_metacharacters_pass_through_intact(db_url, tmp_path):
    w = world()
    w.update(
        "fan/grok-1-ft",
        card={"base_model": ROOT, "license": "other", "license_name": NASTY},
        card_text=f"# {NASTY}\n",
    )
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"[database]\nurl = {db_url!r}\n\n"
        f'[roots.{json.dumps(NASTY)}]\nnodes = ["huggingface:{ROOT}"]\n'
        'license = "mit"\n'  # a root's license must be a known id (issue 11, bug 7)
    )
    with FakeHub(w) as hub:
        config = load_config(cfg, environ={"HF_ENDPOINT": hub.url})
        report = crawl(config, hubs=["huggingface"])
    assert report.status == "ok", report.errors
    engine = open_database(db_url)
    with session_scope(engine) as s:
        roots = s.execute(select(RootMember.root, RootMember.license)).all()
        child = s.scalar(select(Node).where(Node.repo_id == "fan/grok-1-ft"))
        assert s.scalar(select(Node.key).where(Node.repo_id == ROOT))  # the table is there
    engine.dispose()
    assert [r for r, _ in roots] == [NASTY]
    assert child.license_raw.get("license_name") == NASTY
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(cfg), "lineage", NASTY, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "fan/grok-1-ft" in result.stdout
    for target in (f"huggingface:{ROOT}' OR '1'='1", "x'; DROP TABLE nodes; --"):
        result = runner.invoke(cli, ["--config", str(cfg), "show", target])
        assert result.exit_code == 2, result.output  # unknown: the quote is part of the name


def test_like_wildcards_in_names_match_only_themselves(db_url):
    from datetime import UTC, datetime

    engine = open_database(db_url)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with session_scope(engine) as s:
        repo.save_cache(s, "huggingface", {"rejected:grok_1": {"a/b": "1"}}, now=now)
        repo.save_cache(s, "huggingface", {"rejected:grokx1": {"c/d": "2"}}, now=now)
        repo.save_cache(s, "huggingface", {"rejected:100%": {"e/f": "3"}}, now=now)
        repo.save_cache(s, "huggingface", {"rejected:1000": {"g/h": "4"}}, now=now)
    with session_scope(engine) as s:
        assert list(repo.load_cache(s, "huggingface", "rejected:grok_1")) == ["rejected:grok_1"]
        assert list(repo.load_cache(s, "huggingface", "rejected:100%")) == ["rejected:100%"]
    engine.dispose()
