"""The crawl pipeline on a real database (SQLite file and PostgreSQL) with a scripted crawler.

The crawler here is a plain in-process implementation of `crawlers.base.Crawler`: the point
is what the pipeline does with what a hub yields (runs, batches, history, partial runs), not
HTTP; the HTTP crawlers have their own tests against fake hubs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crawlers.base import (
    FileRecord,
    HubUnavailable,
)
from db.models import CrawlRun, Edge, Node, NodeHistory, Observation
from db.session import open_database, session_scope
from tests.fakes.scripted import ScriptedCrawler, claim, family, rec, run
from tracker.cli_errors import crawl_exit_code
from tracker.config import load_config
from tracker.pipeline import crawl
from tracker.service import lineage


@pytest.fixture
def config(db_url, tmp_path):
    return load_config(overrides={"database.url": db_url})


def count(engine, model):
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_first_crawl_records_run_nodes_edges_and_lineage(config):
    report = run(config, family())
    assert report.status == "ok" and crawl_exit_code(report) == 0
    assert report.roots["grok-1"].new == 3 and report.roots["grok-2"].new == 1
    assert report.warnings == 1
    result = lineage(config, "grok-1")
    by_key = {n.key: n for n in result.nodes.values()}
    assert by_key["huggingface:someone/grok-1-hf-GGUF"].depth == 2
    assert by_key["huggingface:someone/grok-1-hf-GGUF"].relation == "quantization"
    assert by_key["huggingface:someone/grok-1-hf-GGUF"].license == ""


def test_unchanged_second_crawl_rewrites_nothing_and_keeps_history(config):
    run(config, family())
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        before = {n.key: n.fingerprint for n in s.scalars(select(Node))}
    report = run(config, family(), clock=lambda: datetime(2026, 11, 21, 4, tzinfo=UTC))
    assert report.roots["grok-1"].new == 0 and report.roots["grok-1"].changed == 0
    assert count(engine, NodeHistory) == 0
    assert count(engine, Observation) == 8  # 4 nodes seen by each of two runs
    with session_scope(engine) as s:
        assert {n.key: n.fingerprint for n in s.scalars(select(Node))} == before
        seen = s.scalar(select(Node.last_seen).where(Node.key == "huggingface:xai-org/grok-1"))
        assert seen == datetime(2026, 11, 21, 4, tzinfo=UTC)
    engine.dispose()


def test_license_change_goes_to_history_not_overwritten(config):
    run(config, family())
    world = family()
    world["grok-1"][1] = rec(
        "keyfan/grok-1-hf",
        license_raw={"license": "mit"},
        files=(FileRecord("a.safetensors", 5, "b" * 64),),
    )
    report = run(config, world, clock=lambda: datetime(2026, 11, 21, tzinfo=UTC))
    assert report.roots["grok-1"].changed == 1
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        rows = s.execute(select(NodeHistory.field, NodeHistory.old, NodeHistory.new)).all()
    assert ("license", "apache-2.0", "mit") in rows
    engine.dispose()


def test_hub_failure_makes_a_partial_run_that_keeps_what_was_found(config):
    report = run(config, family(), fail_roots=("grok-1",))
    assert report.status == "partial" and crawl_exit_code(report) == 3
    assert "grok-1 on huggingface" in report.errors[0]
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        keys = set(s.scalars(select(Node.key)))
        assert s.scalar(select(CrawlRun.status)) == "partial"
    assert {"huggingface:xai-org/grok-1", "huggingface:xai-org/grok-2"} <= keys
    engine.dispose()


def test_a_crawler_bug_fails_its_root_only_and_the_run_still_resolves(config, caplog):
    """An exception from a crawler's own code (a bug, not the hub) half-way through one root
    used to crash the whole run: later roots uncrawled, no resolve, so the members already
    stored had no edges and `tracker lineage` showed an empty family."""
    report = run(config, family(), bug_roots=("grok-1",))
    assert report.status == "partial" and crawl_exit_code(report) == 3
    assert any("grok-1 on huggingface: internal error" in e and "ValueError" in e
               for e in report.errors), report.errors
    assert report.roots["grok-2"].new == 1  # the next root was crawled
    nodes = {n.key: n for n in lineage(config, "grok-1").nodes.values()}
    assert nodes["huggingface:keyfan/grok-1-hf"].relation == "conversion"  # resolved
    assert "Traceback" in caplog.text  # the bug's traceback, for its report


def test_partial_run_never_marks_removed_but_complete_run_proves_removal(config):
    run(config, family())
    shrunk = family()
    del shrunk["grok-1"][3:5]  # the GGUF and its edge vanish from the listing
    later = datetime(2026, 11, 22, tzinfo=UTC)
    report = run(config, shrunk, clock=lambda: later, fail_roots=("grok-2",))
    assert report.status == "partial" and report.roots["grok-1"].removed == 0
    report = run(config, shrunk, clock=lambda: later + timedelta(days=1))
    assert report.status == "ok" and report.roots["grok-1"].removed == 1
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        node = s.scalar(select(Node).where(Node.key == "huggingface:someone/grok-1-hf-GGUF"))
        assert node.status == "removed"  # kept, never deleted
        assert s.scalar(select(func.count()).select_from(Edge)) == 2
    engine.dispose()


def test_rename_keeps_one_node_and_the_old_id_resolves(config):
    run(config, family())
    world = family()
    world["grok-1"][1] = rec("keyfan/grok-1-pt", renamed_from="keyfan/grok-1-hf")
    world["grok-1"][2] = claim("xai-org/grok-1", "keyfan/grok-1-pt", "conversion")
    world["grok-1"][4] = claim("keyfan/grok-1-pt", "someone/grok-1-hf-GGUF", "quantization")
    report = run(config, world, clock=lambda: datetime(2026, 11, 21, tzinfo=UTC))
    assert report.roots["grok-1"].renamed == 1 and report.roots["grok-1"].new == 0
    result = lineage(config, "huggingface:keyfan/grok-1-hf")  # the former id still resolves
    assert [n.key for n in result.nodes.values()][0] == "huggingface:keyfan/grok-1-pt"
    assert len(result.nodes) == 2


def test_a_renamed_repo_is_active_and_does_not_flap_on_the_next_run(config):
    """SPEC: a live renamed repo is `active` under its new id (issue 11, bug 4)."""
    run(config, family())
    world = family()
    world["grok-1"][1] = rec("keyfan/grok-1-pt", renamed_from="keyfan/grok-1-hf",
                             status="renamed")
    world["grok-1"][2] = claim("xai-org/grok-1", "keyfan/grok-1-pt", "conversion")
    run(config, world, clock=lambda: datetime(2026, 11, 21, tzinfo=UTC))
    world["grok-1"][1] = rec("keyfan/grok-1-pt")  # listed under its new id, no redirect
    report = run(config, world, clock=lambda: datetime(2026, 11, 22, tzinfo=UTC))
    assert report.roots["grok-1"].changed == 0
    node = lineage(config, "huggingface:keyfan/grok-1-hf").nodes
    assert [n.status for n in node.values()][0] == "active"


def test_an_unreachable_hub_is_not_waited_on_again_for_later_roots(config):
    class Down(ScriptedCrawler):
        def crawl(self, ctx):
            self.requests["listing"] += 1
            raise HubUnavailable("cannot reach the hub (gave up after 5 retries)")
            yield

    crawler = Down({})
    report = crawl(config, hubs=["huggingface"], crawler_factory=lambda hub, cfg: crawler)
    assert report.status == "failed" and crawl_exit_code(report) == 6  # EXIT_HUB: nothing reached
    assert crawler.requests["listing"] == 1  # grok-2 did not try again
    assert report.errors == ["grok-1 on huggingface: cannot reach the hub (gave up after 5 "
                             "retries) (not tried for grok-2)"]
