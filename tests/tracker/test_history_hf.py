"""History end to end through the fake Hugging Face hub and the real crawler (HTTP on
127.0.0.1): the hub's world changes between two crawls and `tracker changes`, the history and
`export --at` tell what happened."""

from __future__ import annotations

import json

import networkx as nx
from click.testing import CliRunner

from tests.fakes.grok_history import child, world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import FakeFile
from tests.helpers.clock import DAY1, DAY2, ticking
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl


def run_crawl(config, start):
    return crawl(config, roots=["grok-1"], hubs=["huggingface"], clock=ticking(start))


def test_two_crawls_through_the_fake_hub(db_url, tmp_path):
    hub_world = world()
    with FakeHub(hub_world) as hub:
        config = load_config(
            overrides={"database.url": db_url, "hubs.huggingface.endpoint": hub.url}
        )
        assert run_crawl(config, DAY1).status == "ok"
        hub_world.add(
            child(
                "someone/grok-1-Q8-GGUF",
                "keyfan/grok-1-hf",
                "quantized",
                files=[FakeFile("grok-1.Q8_0.gguf", 9_000, "d" * 64)],
            )
        )
        hub_world.delete("alice/grok-1-ft")
        hub_world.rename("bob/grok-1-chat", "bob/grok-1-chat-v2")
        hub_world.update(
            "carol/grok-1-tuned", card={"license": "mit", "base_model": "keyfan/grok-1-hf"}
        )
        hub_world.update("dave/grok-1-instruct", gated="manual")
        report = run_crawl(config, DAY2)
        assert report.status == "ok", report.errors
        counts = report.roots["grok-1"]
        assert (counts.seen, counts.new, counts.removed, counts.renamed) == (7, 1, 1, 1)
    runner = CliRunner()
    out = runner.invoke(
        cli,
        ["--database", db_url, "changes", "--root", "grok-1", "--format", "json"],
        catch_exceptions=False,
    ).stdout
    g1 = json.loads(out)["roots"]["grok-1"]
    assert [n["node"] for n in g1["new"]] == ["huggingface:someone/grok-1-Q8-GGUF"]
    assert [n["node"] for n in g1["removed"]] == ["huggingface:alice/grok-1-ft"]
    assert [(r["old"], r["new"]) for r in g1["renamed"]] == [
        ("huggingface:bob/grok-1-chat", "huggingface:bob/grok-1-chat-v2")
    ]
    assert [n["node"] for n in g1["gated"]] == ["huggingface:dave/grok-1-instruct"]
    assert [(c["node"], c["old"], c["new"]) for c in g1["license_changes"]] == [
        ("huggingface:carol/grok-1-tuned", "apache-2.0", "mit")
    ]
    path = tmp_path / "day1.graphml"
    runner.invoke(
        cli,
        [
            "--database",
            db_url,
            "export",
            "--root",
            "grok-1",
            "--at",
            DAY1.date().isoformat(),
            "--output",
            str(path),
        ],
        catch_exceptions=False,
    )
    graph = nx.read_graphml(path)
    assert "huggingface:someone/grok-1-Q8-GGUF" not in graph
    assert "huggingface:bob/grok-1-chat" in graph
    assert graph.nodes["huggingface:alice/grok-1-ft"]["status"] == "active"
    assert graph.nodes["huggingface:carol/grok-1-tuned"]["license"] == "apache-2.0"
