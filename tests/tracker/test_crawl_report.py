"""What `tracker crawl` reports, as a user reads it: the license issues of the roots it
crawled, and in JSON the keys behind every count (issue 11)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.fakes import grok_world
from tests.fakes.grok_history import child, world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import FakeFile
from tracker.cli import cli


def crawl(db: str, hub: FakeHub, *args: str):
    return CliRunner().invoke(cli, ["--database", db, "crawl", "--hub", "huggingface", *args],
                              env={"HF_ENDPOINT": hub.url}, catch_exceptions=False)


def test_a_crawl_of_one_root_reports_only_that_roots_license_issues(tmp_path):
    db = f"sqlite:///{tmp_path / 'tracker.db'}"
    with FakeHub(grok_world.fake_repos()) as hub:
        both = crawl(db, hub)
        assert both.exit_code == 0, both.output
        assert "license issues: 9 attribution, 15 missing" in both.stdout
        # grok-1's terms ask no attribution; 8 of its derivatives declare no license
        one = crawl(db, hub, "--root", "grok-1")
        assert one.exit_code == 0, one.output
        assert "license issues: 8 missing" in one.stdout
        data = json.loads(crawl(db, hub, "--root", "grok-2", "--format", "json").stdout)
    assert list(data["roots"]) == ["grok-2"]
    assert data["license_issues"] == {"attribution": 9, "missing": 7}


def test_crawl_json_names_the_new_changed_removed_and_renamed_nodes(tmp_path):
    db = f"sqlite:///{tmp_path / 'tracker.db'}"
    hub_world = world()
    with FakeHub(hub_world) as hub:
        first = json.loads(crawl(db, hub, "--root", "grok-1", "--format", "json").stdout)
        g1 = first["roots"]["grok-1"]
        assert len(g1["nodes"]["new"]) == g1["new"] > 0
        assert "huggingface:alice/grok-1-ft" in g1["nodes"]["new"]
        hub_world.add(child("someone/grok-1-Q8-GGUF", "keyfan/grok-1-hf", "quantized",
                            files=[FakeFile("grok-1.Q8_0.gguf", 9_000, "d" * 64)]))
        hub_world.delete("alice/grok-1-ft")
        hub_world.rename("bob/grok-1-chat", "bob/grok-1-chat-v2")
        hub_world.update("carol/grok-1-tuned",
                         card={"license": "mit", "base_model": "keyfan/grok-1-hf"})
        second = json.loads(crawl(db, hub, "--root", "grok-1", "--format", "json").stdout)
    g1 = second["roots"]["grok-1"]
    assert g1["nodes"]["new"] == ["huggingface:someone/grok-1-Q8-GGUF"]
    assert g1["nodes"]["removed"] == ["huggingface:alice/grok-1-ft"]
    assert g1["nodes"]["renamed"] == [{"from": "huggingface:bob/grok-1-chat",
                                       "to": "huggingface:bob/grok-1-chat-v2"}]
    assert "huggingface:carol/grok-1-tuned" in g1["nodes"]["changed"]
    assert len(g1["nodes"]["changed"]) == g1["changed"]
