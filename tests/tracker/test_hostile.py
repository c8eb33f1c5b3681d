"""A hub's content never stops or hangs a crawl (issue 17, items 1-4).

Real crawls (`tracker.pipeline.crawl` with the real Hugging Face crawler) against fake hubs on
127.0.0.1 serving hostile worlds (tests/fakes/hostile.py): a declared chain deeper than
Python's recursion limit, a "billion laughs" mergekit config, `Link` headers that loop (exactly,
or with a parameter that changes each time), and redirects to another host. Each test failed
before its fix: a RecursionError, a crawl busy for good, 1,729 listing requests in two minutes,
a foreign host's JSON stored as our repo's metadata.
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from crawlers.content import safe_yaml
from crawlers.huggingface.crawler import HuggingFaceCrawler
from db import repository as repo
from db.session import make_engine, session_scope
from tests.fakes.hf_hub import FakeHub, Relink
from tests.fakes.hf_world import FakeRepo, World, _weights
from tests.fakes.hostile import (
    BILLION_LAUGHS,
    ROOT,
    declared_chain,
    grok_root,
    off_host,
    yaml_bomb_repo,
)
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl


def run(hub: FakeHub, url: str, **settings):
    overrides = {"database.url": url, "crawl.timeout": 5}
    overrides.update(settings)
    config = load_config(environ={"HF_ENDPOINT": hub.url}, overrides=overrides)

    def factory(name, cfg):
        return HuggingFaceCrawler(
            endpoint=cfg.hubs[name].endpoint,
            retries=1,
            timeout=5,
            workers=4,
            max_pages=cfg.values.get("crawl.max_pages"),
            sleep=lambda s: None,
        )

    return crawl(config, roots=["grok-1"], hubs=["huggingface"], crawler_factory=factory)


def run_bounded(hub: FakeHub, url: str, seconds: float = 60, **settings):
    """`run`, failing the test if the crawl is still busy after `seconds` (a hang or an
    endless listing); the hub then stops, which ends the crawl."""
    done: dict = {}

    def target() -> None:
        try:
            done["report"] = run(hub, url, **settings)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            done["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"the crawl is still busy after {seconds}s"
    if "error" in done:
        raise done["error"]
    return done["report"]


def warnings_of(url: str, run_id: int) -> list[tuple[str | None, str]]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            return repo.run_warnings(s, run_id)
    finally:
        engine.dispose()


def lineage_json(url: str) -> dict:
    result = CliRunner().invoke(
        cli, ["--database", url, "lineage", "grok-1", "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    import json

    return json.loads(result.stdout)


# --- item 1: depth -----------------------------------------------------------------------------


def test_a_chain_deeper_than_the_recursion_limit_is_crawled_and_listed(sqlite_url):
    n = 1_100  # Python's recursion limit is 1,000: the depth fix-up was recursive
    with FakeHub(declared_chain(n)) as hub:
        report = run(hub, sqlite_url)
    assert report.status == "ok", report.errors
    assert report.roots["grok-1"].seen == n + 1
    data = lineage_json(sqlite_url)
    depths = {n["node"]: n["depth"] for n in data["nodes"]}
    assert depths[f"huggingface:chain/link-{n - 1}"] == n


def test_a_chain_past_crawl_max_depth_is_cut_with_a_warning_and_the_run_partial(sqlite_url):
    with FakeHub(declared_chain(30)) as hub:
        report = run(hub, sqlite_url, **{"crawl.max_depth": 10})
    assert report.status == "partial"
    assert any("crawl.max_depth = 10" in e for e in report.errors), report.errors
    assert report.roots["grok-1"].seen == 11  # the root and ten links
    assert any("crawl.max_depth" in m for _, m in warnings_of(sqlite_url, report.run_id))


def test_a_family_past_crawl_max_members_is_cut_with_a_warning(sqlite_url):
    world = [grok_root()] + [
        FakeRepo(f"wide/child-{i}", card={"base_model": ROOT}, files=_weights(f"w{i}", 2, "gguf"))
        for i in range(12)
    ]
    with FakeHub(world) as hub:
        report = run(hub, sqlite_url, **{"crawl.max_members": 5})
    assert report.status == "partial"
    assert any("crawl.max_members = 5" in e for e in report.errors), report.errors
    assert report.roots["grok-1"].seen == 5


# --- item 2: YAML bombs ------------------------------------------------------------------------


def test_a_billion_laughs_is_refused_at_once():
    assert len(BILLION_LAUGHS) < 1_500
    assert safe_yaml(BILLION_LAUGHS) is None
    # a config with a few anchors (mergekit users write `<<: *defaults`) still reads
    assert safe_yaml("d: &d {weight: 1}\nmodels:\n  - model: a/b\n    parameters: *d\n") == {
        "d": {"weight": 1},
        "models": [{"model": "a/b", "parameters": {"weight": 1}}],
    }


def test_a_yaml_bomb_in_a_candidates_mergekit_config_does_not_hang_the_crawl(sqlite_url):
    world = World([grok_root(), yaml_bomb_repo()])
    with FakeHub(world) as hub:
        report = run_bounded(hub, sqlite_url)
        assert any("mergekit_config.yml" in line[2] for line in hub.log), "never read"
    assert report.status == "ok", report.errors


# --- item 3: Link loops ------------------------------------------------------------------------


@pytest.mark.parametrize("changing", [False, True], ids=["exact", "changing parameter"])
@pytest.mark.parametrize("kind", ["listing", "tree"])
def test_a_looping_next_link_ends_the_listing_with_a_warning(sqlite_url, kind, changing):
    with FakeHub(declared_chain(3)) as hub:
        hub.faults.storm(kind, Relink(changing=changing), every=1)
        report = run_bounded(hub, sqlite_url, seconds=30)
        asked = hub.requests[kind]
    assert report.status == "ok", report.errors
    assert report.roots["grok-1"].seen == 4  # nothing lost
    assert asked < 60, f"{asked} {kind} requests for a 4-repo family"
    messages = [m for _, m in warnings_of(sqlite_url, report.run_id)]
    assert any("loops back" in m or "page" in m and "again" in m for m in messages), messages


def test_a_listing_stops_at_the_page_budget_with_a_warning(sqlite_url):
    world = [grok_root()] + [
        FakeRepo(f"many/child-{i}", card={"base_model": ROOT}, files=_weights(f"m{i}", 2, "gguf"))
        for i in range(9)
    ]
    with FakeHub(world, page_size=2) as hub:
        report = run(hub, sqlite_url, **{"crawl.max_pages": 3})
    messages = [m for _, m in warnings_of(sqlite_url, report.run_id)]
    assert any("stopped after 3 pages (crawl.max_pages)" in m for m in messages), messages


# --- item 4: off-host redirects ----------------------------------------------------------------


def test_an_answer_from_another_host_is_not_data_about_our_repo(sqlite_url):
    evil = FakeRepo(ROOT, card={"license": "mit"}, files=_weights("evil", 2, "safetensors"))
    intruder = FakeRepo("intruder/grok-1-evil", card={"base_model": ROOT, "license": "mit"})
    with FakeHub(World([evil, intruder])) as other, FakeHub(declared_chain(2)) as hub:
        hub.faults.add(f"/api/models/{ROOT}", off_host(other.url, f"/api/models/{ROOT}"))
        hub.faults.add(
            lambda r: r.kind == "listing" and r.query.get("filter") == [f"base_model:{ROOT}"],
            off_host(other.url, "/api/models", f"filter=base_model:{ROOT}"),
        )
        report = run(hub, sqlite_url)
        assert other.requests["model_info"] + other.requests["listing"] >= 1
    engine = make_engine(sqlite_url)
    try:
        with session_scope(engine) as s:
            asked = [f"huggingface:{ROOT}", "huggingface:intruder/grok-1-evil"]
            keys = set(repo.node_ids(s, asked))
            root = repo.resolve_key(s, f"huggingface:{ROOT}")
            # unread this time, and never the other host's word (a first crawl has no record
            # of it yet: the run is partial and says so)
            assert root is None or root.license != "mit"
    finally:
        engine.dispose()
    assert "huggingface:intruder/grok-1-evil" not in keys
    assert report.status == "partial" and any("another host" in e for e in report.errors)
    messages = [m for _, m in warnings_of(sqlite_url, report.run_id)]
    assert any("another host" in m for m in messages), messages


# --- item 15: a card beyond the read limit -----------------------------------------------------


def test_a_card_longer_than_the_read_limit_is_not_checked_not_lacking(sqlite_url, monkeypatch):
    monkeypatch.setattr("crawlers.huggingface.client._CARD_LIMIT", 4096)
    grok2 = {"license": "other", "license_name": "grok-2"}
    world = [
        FakeRepo("xai-org/grok-2", card=grok2, card_text="# Grok 2\n\nPowered by xAI\n",
                 files=_weights("g2", 2, "safetensors")),
        FakeRepo("long/grok-2-ft", card={**grok2, "base_model": "xai-org/grok-2"},
                 card_text="# A fine-tune\n" + "words " * 2000 + "\n\nPowered by xAI\n",
                 files=_weights("long", 2, "safetensors")),
        FakeRepo("short/grok-2-ft", card={**grok2, "base_model": "xai-org/grok-2"},
                 card_text="# A fine-tune without the notice\n",
                 files=_weights("short", 2, "safetensors")),
    ]
    with FakeHub(world) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": sqlite_url})
        report = crawl(config, roots=["grok-2"], hubs=["huggingface"])
    assert report.status == "ok", report.errors
    engine = make_engine(sqlite_url)
    try:
        with session_scope(engine) as s:
            long = repo.resolve_key(s, "huggingface:long/grok-2-ft")
            short = repo.resolve_key(s, "huggingface:short/grok-2-ft")
            assert (long.attribution, short.attribution) == (None, False)
    finally:
        engine.dispose()
    result = CliRunner().invoke(cli, ["--database", sqlite_url, "licenses", "grok-2"])
    lacking = [line for line in result.output.splitlines() if "does not display" in line]
    assert any("short/grok-2-ft" in line for line in lacking), result.output
    assert not any("long/grok-2-ft" in line for line in lacking), result.output
