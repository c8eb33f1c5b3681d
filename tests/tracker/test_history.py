"""History across crawls: `tracker changes`, the `show` timeline, `export --at`, and what a
partial run may not do; on SQLite and PostgreSQL.

The world changes between two daily crawls: a new quantization appears, a fine-tune is
deleted (the hub answers 404), an adapter is renamed (the hub redirects), a quantization is
relicensed, a fine-tune becomes gated, and an edge's relation is corrected. The crawler is the
scripted in-process kind of test_pipeline (what the pipeline does with a hub's answers is the
point, not HTTP); clocks are injected, nothing sleeps.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import networkx as nx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from crawlers.base import RepoRecord
from db.models import CrawlRun, Edge, Node, NodeHistory
from db.session import open_database, session_scope
from tests.fakes.scripted import claim, rec
from tests.fakes.two_days import CHECKS_DAY2, Hub, files, world_day1, world_day2
from tests.helpers.clock import DAY1, DAY2, DAY3, ticking
from tracker.cli import cli
from tracker.cli_errors import crawl_exit_code
from tracker.config import load_config
from tracker.history import changes
from tracker.pipeline import crawl


def crawl_with(config, hub: Hub, start: datetime):
    return crawl(
        config, hubs=["huggingface"], crawler_factory=lambda h, c: hub, clock=ticking(start)
    )


@pytest.fixture
def config(db_url):
    return load_config(overrides={"database.url": db_url})


@pytest.fixture
def two_days(config):
    """The world crawled on day 1 and again, changed, on day 2."""
    first = crawl_with(config, Hub(world_day1()), DAY1)
    hub = Hub(world_day2(), checks=CHECKS_DAY2)
    second = crawl_with(config, hub, DAY2)
    assert first.status == "ok" and second.status == "ok"
    return config, first, second, hub


def invoke(config, *args):
    result = CliRunner().invoke(
        cli, ["--database", config.database_url, *args], catch_exceptions=False
    )
    return result


def keys(items):
    return [i["node"] for i in items]


# --- the runs and the stamps ------------------------------------------------------------------


def test_runs_record_interval_status_scope_counts_and_requests(two_days):
    config, first, second, hub = two_days
    assert sorted(hub.checked) == ["alice/grok-1-ft", "bob/grok-1-lora"]
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        runs = s.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [r.status for r in runs] == ["ok", "ok"]
        assert runs[1].started_at >= DAY2 and runs[1].finished_at > runs[1].started_at
        assert runs[1].roots == ["grok-1", "grok-2"] and runs[1].hubs == ["huggingface"]
        assert runs[1].counts["grok-1"]["new"] == 1
        assert runs[1].counts["grok-1"]["removed"] == 1
        assert runs[1].counts["grok-1"]["renamed"] == 1
        # the two direct lookups are requests too
        assert runs[1].requests == {"listing": 14, "model_info": 2}
        assert runs[1].errors == []
    engine.dispose()


def test_first_and_last_seen_of_nodes_and_edges(two_days):
    config, *_ = two_days
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        nodes = {n.key: n for n in s.scalars(select(Node))}
        day1 = (DAY1, DAY1 + timedelta(minutes=1))
        day2 = (DAY2, DAY2 + timedelta(minutes=1))

        def on(value, day):
            return day[0] <= value <= day[1]

        keyfan = nodes["huggingface:keyfan/grok-1-hf"]
        assert on(keyfan.first_seen, day1) and on(keyfan.last_seen, day2)
        gone = nodes["huggingface:alice/grok-1-ft"]
        assert gone.status == "removed" and on(gone.last_seen, day1)  # not seen since
        renamed = nodes["huggingface:bob/grok-1-lora-v2"]
        assert on(renamed.first_seen, day1) and on(renamed.last_seen, day2)
        assert "huggingface:bob/grok-1-lora" not in nodes  # one node, the old id an alias
        new = nodes["huggingface:someone/grok-1-Q8-GGUF"]
        assert on(new.first_seen, day2)
        ids = {n.id: k for k, n in nodes.items()}
        edges = {(ids[e.parent_id], ids[e.child_id]): e for e in s.scalars(select(Edge))}
        kept = edges["huggingface:xai-org/grok-1", "huggingface:keyfan/grok-1-hf"]
        assert on(kept.first_seen, day1) and on(kept.last_seen, day2)
        lost = edges["huggingface:keyfan/grok-1-hf", "huggingface:alice/grok-1-ft"]
        assert on(lost.last_seen, day1)
    engine.dispose()


def test_history_keeps_every_change_with_readable_values(two_days):
    config, *_ = two_days
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        keys_by_id = dict(s.execute(select(Node.id, Node.key)).all())
        rows = {
            (keys_by_id[h.node_id], h.field): (h.old, h.new) for h in s.scalars(select(NodeHistory))
        }
    engine.dispose()
    assert rows["huggingface:carol/grok-1-mlx", "license"] == ("apache-2.0", "mit")
    assert rows["huggingface:carol/grok-1-mlx", "downloads"] == ("10", "25")
    assert rows["huggingface:alice/grok-1-ft", "status"] == ("active", "removed")
    assert rows["huggingface:dave/grok-1-instruct", "status"] == ("active", "gated")
    assert rows["huggingface:bob/grok-1-lora-v2", "repo_id"] == (
        "huggingface:bob/grok-1-lora",
        "huggingface:bob/grok-1-lora-v2",
    )
    # a relation change names the parent by key, not by row id
    assert rows["huggingface:eve/grok-2-fp8", "relation"] == (
        "conversion of huggingface:xai-org/grok-2",
        "quantization of huggingface:xai-org/grok-2",
    )


# --- tracker changes ----------------------------------------------------------------------------


def test_changes_default_compares_the_last_two_complete_runs(two_days):
    config, first, second, _ = two_days
    result = changes(config)
    g1 = result["roots"]["grok-1"]
    assert g1["since_run"]["id"] == first.run_id
    assert [r["id"] for r in g1["runs"]] == [second.run_id]
    assert keys(g1["new"]) == ["huggingface:someone/grok-1-Q8-GGUF"]
    assert g1["new"][0]["relation"] == "quantization"
    assert g1["new"][0]["parent"] == "huggingface:keyfan/grok-1-hf"
    assert keys(g1["removed"]) == ["huggingface:alice/grok-1-ft"]
    assert [(r["old"], r["new"]) for r in g1["renamed"]] == [
        ("huggingface:bob/grok-1-lora", "huggingface:bob/grok-1-lora-v2")
    ]
    assert keys(g1["gated"]) == ["huggingface:dave/grok-1-instruct"]
    assert [(c["node"], c["old"], c["new"]) for c in g1["license_changes"]] == [
        ("huggingface:carol/grok-1-mlx", "apache-2.0", "mit")
    ]
    assert g1["relation_changes"] == [] and g1["status_changes"] == []
    g2 = result["roots"]["grok-2"]
    assert g2["new"] == [] and g2["removed"] == []
    assert [(c["node"], c["parent"], c["old"], c["new"]) for c in g2["relation_changes"]] == [
        ("huggingface:eve/grok-2-fp8", "huggingface:xai-org/grok-2", "conversion", "quantization")
    ]
    assert g2["counts"]["relation_changes"] == 1


def test_changes_cli_text_reads_like_a_morning_report(two_days):
    config, *_ = two_days
    result = invoke(config, "changes")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("grok-1: changes since run 1 (ok, 2026-11-20 04:")
    lines = out.splitlines()
    assert "  new derivatives (1):" in lines
    assert (
        "    + huggingface:someone/grok-1-Q8-GGUF  quantization of "
        "huggingface:keyfan/grok-1-hf  [no license]"
    ) in lines
    assert any(
        line.startswith("    - huggingface:alice/grok-1-ft  gone from the hub") for line in lines
    )
    assert "    ~ huggingface:bob/grok-1-lora -> huggingface:bob/grok-1-lora-v2" in lines
    assert "    ! huggingface:dave/grok-1-instruct  now gated (access needs approval)" in lines
    assert "    huggingface:carol/grok-1-mlx  apache-2.0 -> mit" in lines
    assert (
        "    huggingface:eve/grok-2-fp8  conversion -> quantization "
        "(parent huggingface:xai-org/grok-2)"
    ) in lines


def test_changes_cli_json_root_filter_and_since_date(two_days):
    config, *_ = two_days
    data = json.loads(invoke(config, "changes", "--format", "json", "--root", "grok-2").stdout)
    assert list(data["roots"]) == ["grok-2"]
    # --since a date before the first crawl: everything crawled is new
    data = json.loads(invoke(config, "changes", "--since", "2026-11-20", "--format", "json").stdout)
    g1 = data["roots"]["grok-1"]
    assert g1["since"] == "2026-11-20T00:00:00+00:00" and g1["since_run"] is None
    # six derivatives on day 1 (Bob's under his current id) and one on day 2; the root
    # itself is no derivative of itself (issue 11)
    assert len(g1["new"]) == 7
    assert "huggingface:xai-org/grok-1" not in keys(g1["new"])
    assert "huggingface:bob/grok-1-lora-v2" in keys(g1["new"])
    assert keys(g1["removed"]) == ["huggingface:alice/grok-1-ft"]
    # --since after day 2: nothing
    data = json.loads(
        invoke(config, "changes", "--since", "2026-11-21T12:00", "--format", "json").stdout
    )
    assert all(not any(r["counts"].values()) for r in data["roots"].values())
    assert "no changes" in invoke(config, "changes", "--since", "2026-11-21T12:00").stdout


def test_changes_bad_arguments_exit_2_with_one_line(two_days):
    config, *_ = two_days
    result = invoke(config, "changes", "--root", "grok-9")
    assert result.exit_code == 2 and "unknown root 'grok-9'" in result.output
    result = CliRunner().invoke(
        cli, ["--database", config.database_url, "changes", "--since", "last tuesday"]
    )
    assert result.exit_code == 2 and "not a date" in result.output


def test_changes_before_any_crawl_says_so(config):
    result = invoke(config, "changes")  # no database yet: a read command creates none
    assert result.exit_code == 2
    assert "run `tracker crawl` first" in result.output
    open_database(config.database_url).dispose()  # a database, no crawl of these roots yet
    result = invoke(config, "changes")
    assert result.exit_code == 0
    assert "grok-1: not crawled yet; run `tracker crawl --root grok-1`" in result.output


# --- a partial run ------------------------------------------------------------------------------


def test_partial_run_marks_nothing_removed_and_changes_says_why(two_days):
    config, _, second, _ = two_days
    # day 3: grok-1's listing fails at once; nobody from grok-1 is seen, nobody is checked
    hub = Hub(world_day2(), checks=CHECKS_DAY2, fail_roots=("grok-1",))
    report = crawl_with(config, hub, DAY3)
    assert report.status == "partial" and crawl_exit_code(report) == 3
    assert hub.checked == []
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        statuses = {n.key: n.status for n in s.scalars(select(Node))}
        run = s.get(CrawlRun, report.run_id)
        assert run.status == "partial" and "grok-1 on huggingface" in run.errors[0]
        assert run.counts["grok-1"]["removed"] == 0
    engine.dispose()
    assert [k for k, v in statuses.items() if v == "removed"] == ["huggingface:alice/grok-1-ft"]
    # the default window now starts after day 2 (the last complete run before the partial)
    result = changes(config)
    g1 = result["roots"]["grok-1"]
    assert g1["since_run"]["id"] == second.run_id
    assert [r["status"] for r in g1["runs"]] == ["partial"]
    assert not any(g1["counts"].values())
    text = invoke(config, "changes").stdout
    assert "removals are proved only by complete runs" in text


# --- tracker show ---------------------------------------------------------------------------


def test_show_timeline_reads_first_seen_rename_and_changes(two_days):
    config, *_ = two_days
    out = invoke(config, "show", "huggingface:bob/grok-1-lora").stdout  # the former id
    timeline = out[out.index("timeline:") :].splitlines()
    assert timeline[1].startswith("  2026-11-20 04:") and timeline[1].endswith("first seen")
    assert any(
        "renamed from huggingface:bob/grok-1-lora to huggingface:bob/grok-1-lora-v2" in line
        for line in timeline
    )
    out = invoke(config, "show", "huggingface:carol/grok-1-mlx").stdout
    timeline = out[out.index("timeline:") :]
    assert "license: apache-2.0 -> mit" in timeline
    assert "downloads" not in timeline.split("counts")[0]  # daily counts are summarized
    out = invoke(config, "show", "huggingface:alice/grok-1-ft").stdout
    assert "removed: gone from the hub (404); kept in the graph" in out
    out = invoke(config, "show", "huggingface:eve/grok-2-fp8").stdout
    assert "relation to huggingface:xai-org/grok-2: conversion -> quantization" in out


# --- export --at ----------------------------------------------------------------------------


def test_export_at_the_earlier_date_is_the_graph_of_day1(two_days, tmp_path):
    config, *_ = two_days
    path = tmp_path / "day1.graphml"
    result = invoke(
        config, "export", "--format", "graphml", "--at", "2026-11-20T12:00", "--output", str(path)
    )
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(path)
    assert set(graph) == {
        "huggingface:xai-org/grok-1",
        "huggingface:keyfan/grok-1-hf",
        "huggingface:someone/grok-1-hf-GGUF",
        "huggingface:alice/grok-1-ft",
        "huggingface:bob/grok-1-lora",  # its id then
        "huggingface:carol/grok-1-mlx",
        "huggingface:dave/grok-1-instruct",
        "huggingface:xai-org/grok-2",
        "huggingface:eve/grok-2-fp8",
    }
    bob = graph.nodes["huggingface:bob/grok-1-lora"]
    assert bob["repo_id"] == "bob/grok-1-lora" and bob["aliases"] == ""
    assert bob["url"] == "https://huggingface.co/bob/grok-1-lora"
    assert graph.nodes["huggingface:alice/grok-1-ft"]["status"] == "active"
    assert graph.nodes["huggingface:dave/grok-1-instruct"]["status"] == "active"
    carol = graph.nodes["huggingface:carol/grok-1-mlx"]
    assert carol["license"] == "apache-2.0" and carol["downloads"] == 10
    assert carol["last_seen"] < "2026-11-20T12:00"
    assert (
        graph.edges["huggingface:xai-org/grok-2", "huggingface:eve/grok-2-fp8"]["relation"]
        == "conversion"
    )
    assert all(d["first_seen"] < "2026-11-20T12:00" for *_, d in graph.edges(data=True))
    # today's export has the day-2 world
    today = tmp_path / "today.graphml"
    invoke(config, "export", "--format", "graphml", "--output", str(today))
    now = nx.read_graphml(today)
    assert "huggingface:someone/grok-1-Q8-GGUF" in now
    assert now.nodes["huggingface:bob/grok-1-lora-v2"]["aliases"] == "huggingface:bob/grok-1-lora"
    assert now.nodes["huggingface:alice/grok-1-ft"]["status"] == "removed"
    assert now.nodes["huggingface:carol/grok-1-mlx"]["license"] == "mit"


def test_export_at_a_date_means_the_end_of_that_day_and_before_any_crawl_is_empty(
    two_days, tmp_path
):
    config, *_ = two_days
    path = tmp_path / "day2.graphml"
    invoke(config, "export", "--at", "2026-11-21", "--output", str(path))
    graph = nx.read_graphml(path)
    assert "huggingface:someone/grok-1-Q8-GGUF" in graph  # crawled at 04:00 that day
    assert graph.nodes["huggingface:alice/grok-1-ft"]["status"] == "removed"
    path = tmp_path / "before.graphml"
    invoke(config, "export", "--at", "2026-11-01", "--output", str(path))
    assert nx.read_graphml(path).number_of_nodes() == 0


# --- bugs found on the way (each failed before its fix) ---------------------------------------


def test_a_gate_found_by_a_direct_lookup_keeps_what_was_known(config):
    """A lookup behind a gate sees no card and no files (the HF crawler's `check` returns a
    bare record); the node becomes gated but keeps its license, sha and formats."""
    crawl_with(config, Hub(world_day1()), DAY1)
    day2 = world_day1()
    day2["grok-1"] = [
        i
        for i in day2["grok-1"]
        if "dave/" not in getattr(i, "repo_id", "") and "dave/" not in getattr(i, "child", "")
    ]
    gate = RepoRecord(hub="huggingface", repo_id="dave/grok-1-instruct", status="gated", gated=True)
    report = crawl_with(config, Hub(day2, checks={"dave/grok-1-instruct": gate}), DAY2)
    assert report.status == "ok"
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        dave = s.scalar(select(Node).where(Node.key == "huggingface:dave/grok-1-instruct"))
        assert dave.status == "gated"
        assert dave.license == "apache-2.0" and dave.sha == "a" * 40
    engine.dispose()
    g1 = changes(config)["roots"]["grok-1"]
    assert keys(g1["gated"]) == ["huggingface:dave/grok-1-instruct"]
    assert g1["license_changes"] == [] and g1["updated"] == []


def test_a_rename_whose_new_id_was_listed_first_keeps_one_node(config):
    """The listing shows the new id (a new node) before the lookup of the old id proves the
    redirect: the two become one node under the new id, the old id an alias."""
    crawl_with(config, Hub(world_day1()), DAY1)
    day2 = world_day2()
    day2["grok-1"] += [
        rec("bob/grok-1-lora-v2", files=files("e")),
        claim("xai-org/grok-1", "bob/grok-1-lora-v2", "adapter"),
    ]
    report = crawl_with(config, Hub(day2, checks=CHECKS_DAY2), DAY2)
    assert report.status == "ok" and report.roots["grok-1"].renamed == 1
    assert report.roots["grok-1"].new == 1  # the Q8 GGUF; Bob's new id is not new
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        bobs = s.scalars(select(Node).where(Node.repo_id.like("bob/%"))).all()
        assert [(n.key, n.status) for n in bobs] == [("huggingface:bob/grok-1-lora-v2", "active")]
        assert bobs[0].first_seen < DAY2  # the node that has the history survives
        edge = s.scalar(select(Edge).where(Edge.child_id == bobs[0].id))
        assert edge.first_seen < DAY2 and edge.last_seen > DAY2  # one link, seen both days
    engine.dispose()
    g1 = changes(config)["roots"]["grok-1"]
    assert "huggingface:bob/grok-1-lora-v2" not in keys(g1["new"])
    assert [r["old"] for r in g1["renamed"]] == ["huggingface:bob/grok-1-lora"]
    out = invoke(config, "lineage", "huggingface:bob/grok-1-lora", "--format", "json").stdout
    assert [n["node"] for n in json.loads(out)["nodes"]] == ["huggingface:bob/grok-1-lora-v2"]


def test_a_node_listed_under_another_root_is_not_looked_up_again(config):
    """A merge of grok-1 and grok-2 belongs to both families; listed under grok-2, it was seen
    by the run and costs no direct lookup for grok-1."""
    day = world_day1()
    day["grok-2"] += [
        rec("mix/grok-1-2-merge", files=files("9")),
        claim("xai-org/grok-2", "mix/grok-1-2-merge", "merge"),
        claim("keyfan/grok-1-hf", "mix/grok-1-2-merge", "merge"),
    ]
    crawl_with(config, Hub(day), DAY1)
    hub = Hub(day)
    report = crawl_with(config, hub, DAY2)
    assert report.status == "ok" and hub.checked == []
    assert "model_info" not in report.requests


def test_a_root_renamed_before_its_first_crawl_still_resolves_by_its_configured_id(config):
    """config names huggingface:xai-org/grok-1; the hub redirects it to a new id on the very
    first crawl. The configured id must become an alias, or the root has no members."""
    day = world_day1()
    day["grok-1"][0] = rec("xai-org/grok-1-base", renamed_from="xai-org/grok-1", files=files("a"))
    day["grok-1"] = [
        claim("xai-org/grok-1-base", i.child.split(":", 1)[1], i.relation)
        if getattr(i, "parent", "") == "huggingface:xai-org/grok-1"
        else i
        for i in day["grok-1"]
    ]
    crawl_with(config, Hub(day), DAY1)
    out = invoke(config, "lineage", "grok-1", "--format", "json").stdout
    nodes = [n["node"] for n in json.loads(out)["nodes"]]
    assert nodes[0] == "huggingface:xai-org/grok-1-base" and len(nodes) == 7
    out = invoke(config, "show", "huggingface:xai-org/grok-1").stdout
    assert out.startswith("huggingface:xai-org/grok-1-base")
