"""`tracker resolve` and the license audit that ends it (issue 10: a resolve that moves
nothing takes its audit from the last one instead of auditing every node again).

Reusing it must never show a stale flag: a change of the rules file, of a root's license, or
a crawl in between (even one that died before its own audit) makes the next resolve audit
again, and `tracker lineage` shows what the new audit found. A real SQLite file, the real
crawler against the fake Hub over HTTP. And its text: a first resolve adds every edge, so
it lists the first twenty moves and counts the rest.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from tests.fakes import kinds_world as kw
from tests.fakes.grok_repo import card
from tests.fakes.grok_world import as_fake_repos
from tests.fakes.hf_hub import FakeHub
from tracker import alerts
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl
from tracker.render_explain import resolve_summary
from tracker.resolution import ResolveReport

ZH = "zhlab/grok-1-chat-zh"
ONLY_MIT = """version = 1
[default]
name = "the root's license"
allow = ["*"]
require_license = true
attribution = ""
[licenses."apache-2.0"]
name = "Apache License 2.0"
allow = ["mit"]
require_license = true
attribution = ""
"""


def _crawl(db_url, repos) -> None:
    with FakeHub(as_fake_repos(repos), page_size=3) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": db_url})
        crawl(config, hubs=["huggingface"])


def _flags(db_url, env=None) -> dict[str, str]:
    """repo id -> its stored license issue codes, as `tracker lineage grok-1` shows them."""
    runner = CliRunner()
    out = runner.invoke(cli, ["--database", db_url, "lineage", "grok-1", "--format", "json"],
                        env=env)
    assert out.exit_code == 0, out.output
    return {n["node"].split(":", 1)[1]: n["license_issues"]
            for n in json.loads(out.stdout)["nodes"]}


def _resolve(db_url, env=None) -> None:
    out = CliRunner().invoke(cli, ["--database", db_url, "resolve"], env=env)
    assert out.exit_code == 0, out.output


def _without_license(repo_id: str):
    world = kw.kinds_world()
    for i, r in enumerate(world):
        if r.repo_id == repo_id:
            world[i] = replace(r, card=card({}, "# Grok-1 中文对话\n\n本模型基于 xai-org/grok-1 "
                                               "在中文对话数据上微调。\n"))
    return world


@pytest.fixture()
def crawled(tmp_path):
    db = f"sqlite:///{tmp_path / 't.db'}"
    _crawl(db, kw.kinds_world())
    _resolve(db)
    return db


def test_a_changed_rules_file_is_audited_by_the_next_resolve(crawled, tmp_path):
    _resolve(crawled)  # nothing moved, nothing changed: the last audit stands
    assert "incompatible" not in _flags(crawled)[ZH]
    rules = tmp_path / "rules.toml"
    rules.write_text(ONLY_MIT)
    env = {"TRACKER_LICENSE_RULES": str(rules)}
    _resolve(crawled, env)
    assert "incompatible" in _flags(crawled, env)[ZH]
    _resolve(crawled)  # the shipped rules again
    assert "incompatible" not in _flags(crawled)[ZH]


def test_a_changed_root_license_is_audited_by_the_next_resolve(crawled, tmp_path):
    config = tmp_path / "config.toml"
    # the same roots, only grok-1's license differs: no edge moves
    config.write_text('[roots.grok-1]\n'
                      'nodes = ["huggingface:xai-org/grok-1", "github:xai-org/grok-1"]\n'
                      'license = "grok-2"\n'
                      '[roots.grok-2]\nnodes = ["huggingface:xai-org/grok-2"]\n'
                      'license = "grok-2"\n')
    out = CliRunner().invoke(cli, ["--config", str(config), "--database", crawled, "resolve",
                                   "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["added"] == json.loads(out.stdout)["removed"] == []
    runner = CliRunner()
    out = runner.invoke(cli, ["--config", str(config), "--database", crawled, "lineage",
                              "grok-1", "--format", "json"])
    flags = {n["node"].split(":", 1)[1]: n["license_issues"]
             for n in json.loads(out.stdout)["nodes"]}
    assert "incompatible" in flags[ZH]  # apache-2.0 under grok-2's terms


def test_a_crawl_that_died_before_its_audit_is_audited_by_the_next_resolve(
    crawled, monkeypatch
):
    assert "missing" not in _flags(crawled)[ZH]

    def audit_dies(*args, **kwargs):
        raise RuntimeError("killed during the audit")

    with monkeypatch.context() as patch:
        patch.setattr(alerts, "after_run", audit_dies)
        _crawl(crawled, _without_license(ZH))  # the card lost its license; no audit ran
    assert "missing" not in _flags(crawled)[ZH]
    _resolve(crawled)
    assert "missing" in _flags(crawled)[ZH]


def test_a_resolve_that_adds_thousands_of_edges_lists_twenty_and_counts_the_rest():
    report = ResolveReport(
        added=[("huggingface:xai-org/grok-1", f"huggingface:u/m{i}") for i in range(5000)],
        members={"grok-1": 5000},
    )
    text = resolve_summary(7, report)
    assert "edges: 5000 added, 0 removed" in text
    assert text.count("+ huggingface:u/m") == 20
    assert text.splitlines()[-1] == "  ... and 4980 more (--format json lists all)"
    assert max(len(line) for line in text.splitlines()) <= 80
