"""Families resolved from all the evidence at once, end to end: the fake Hub over HTTP, the real
crawler and pipeline, a database on SQLite and PostgreSQL (tests/fakes/kinds_world.py).

Every member reaches its root through exactly the expected parents and relations, no cycle,
nothing lost below a wrong choice, the preset linking the release stays out, the same graph
whatever order the Hub lists in, and `tracker resolve` / `tracker explain` tell why.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import networkx as nx
from click.testing import CliRunner

from tests.fakes import kinds_world as kw
from tests.fakes.grok_world import as_fake_repos
from tests.fakes.hf_hub import FakeHub
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl


def _edges(db_url) -> set[tuple[str, str, str]]:
    out = CliRunner().invoke(cli, ["--database", db_url, "export", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    return {
        (e["parent"].split(":", 1)[1], e["child"].split(":", 1)[1], e["relation"])
        for e in data["edges"]
    }


def _crawl(repos, db_url):
    with FakeHub(as_fake_repos(repos), page_size=3) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": db_url})
        report = crawl(config, hubs=["huggingface"])
        assert report.status == "ok", report.errors
    return config


def test_every_kind_lands_under_its_closest_parent_with_no_cycle(db_url):
    _crawl(kw.kinds_world(), db_url)
    edges = _edges(db_url)
    assert edges == kw.expected_edges()
    graph = nx.DiGraph((p, c) for p, c, _ in edges)
    assert nx.is_directed_acyclic_graph(graph)
    for root in ("grok-1", "grok-2"):
        out = CliRunner().invoke(cli, ["--database", db_url, "lineage", root, "--format", "json"])
        ids = {n["node"].split(":", 1)[1] for n in json.loads(out.stdout)["nodes"]}
        assert ids == kw.members(root)


def test_the_graph_does_not_depend_on_the_order_the_hub_lists_in(tmp_path):
    first = f"sqlite:///{tmp_path / 'a.db'}"
    second = f"sqlite:///{tmp_path / 'b.db'}"
    _crawl(kw.kinds_world(), first)
    _crawl(list(reversed(kw.kinds_world())), second)
    assert _edges(first) == _edges(second)


def test_resolve_moves_nothing_on_unchanged_evidence_and_explain_says_why(tmp_path):
    db = f"sqlite:///{tmp_path / 't.db'}"
    _crawl(kw.kinds_world(), db)
    runner = CliRunner()
    out = runner.invoke(cli, ["--database", db, "resolve", "--format", "json"])
    assert out.exit_code == 0, out.output
    moved = json.loads(out.stdout)
    assert moved["added"] == [] and moved["removed"] == []
    out = runner.invoke(cli, ["--database", db, "explain", "huggingface:cyc/grok-1-beta"])
    assert out.exit_code == 0, out.output
    assert "parent" in out.stdout and "cyc/grok-1-alpha" in out.stdout
    out = runner.invoke(cli, ["--database", db, "explain", "cyc/grok-1-alpha", "--format", "json"])
    data = json.loads(out.stdout)
    verdicts = {(e["parent"], e["kind"]): e["verdict"] for e in data["evidence"]}
    assert verdicts[("huggingface:xai-org/grok-1", "card_text")] == "parent"
    assert "cycle" in verdicts[("huggingface:cyc/grok-1-beta", "card_base_model")]
    out = runner.invoke(cli, ["--database", db, "explain", "ptlab/grok1-pytorch", "--format",
                              "json"])
    kinds = {e["kind"] for e in json.loads(out.stdout)["evidence"]}
    assert {"card_text", "tokenizer"} <= kinds
    out = runner.invoke(cli, ["--database", db, "explain", "uikit/grok-1-chat-preset"])
    assert out.exit_code == 0, out.output
    assert "holds no weights" in out.stdout


def test_a_closer_parent_found_later_moves_the_node_with_history(tmp_path):
    db = f"sqlite:///{tmp_path / 't.db'}"
    world = {r.repo_id: r for r in kw.kinds_world()}
    quant = "aaa-quants/grok1-pytorch-Q4_K_M-GGUF"
    day1 = [world["xai-org/grok-1"], world["xai-org/grok-2"], world[quant]]
    _crawl(day1, db)
    assert ("xai-org/grok-1", quant, "quantization") in _edges(db)
    _crawl([*day1, world[kw.CONV]], db)  # the conversion it names appears
    assert (kw.CONV, quant, "quantization") in _edges(db)
    assert not any(c == quant and p == "xai-org/grok-1" for p, c, _ in _edges(db))
    out = CliRunner().invoke(cli, ["--database", db, "changes", "--format", "json"])
    moves = json.loads(out.stdout)["roots"]["grok-1"]["relation_changes"]
    assert [(m["node"], m["old"], m["new"]) for m in moves] == [(
        f"huggingface:{quant}",
        "quantization of huggingface:xai-org/grok-1",
        f"quantization of huggingface:{kw.CONV}",
    )]


def test_a_past_graph_shows_the_parent_a_node_had_before_the_resolver_moved_it(tmp_path):
    db = f"sqlite:///{tmp_path / 't.db'}"
    world = {r.repo_id: r for r in kw.kinds_world()}
    quant = "aaa-quants/grok1-pytorch-Q4_K_M-GGUF"
    day1 = [world["xai-org/grok-1"], world["xai-org/grok-2"], world[quant]]
    _crawl(day1, db)
    _crawl([*day1, world[kw.CONV]], db)
    out = CliRunner().invoke(cli, ["--database", db, "changes", "--format", "json"])
    moved = json.loads(out.stdout)["roots"]["grok-1"]["relation_changes"][0]["at"]
    before = (datetime.fromisoformat(moved) - timedelta(microseconds=1)).isoformat()
    out = CliRunner().invoke(cli, ["--database", db, "export", "--format", "json", "--at",
                                   before])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    edges = {(e["parent"].split(":", 1)[1], e["child"].split(":", 1)[1]) for e in data["edges"]}
    assert ("xai-org/grok-1", quant) in edges and (kw.CONV, quant) not in edges
