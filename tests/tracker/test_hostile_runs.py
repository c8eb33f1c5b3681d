"""One bad answer for one repo loses one repo, visibly, never more (issue 17, items 5, 6, 8).

Real crawls of the Grok world on the fake Hub (tests/helpers/faulty_crawl.py: small pages, a
fake clock for every wait) with hostile answers for chosen routes, each compared with
a clean crawl's graph. Before: a truncated listing dropped nodes in an `ok` run, an unreadable
root lost its license and dates (and `tracker changes` reported a relicense), a cut-off body
marked the hub down for every later root, a 429 on every second request ended the run partial
(10 waits a call, a renamed repo paying its redirect on every attempt), and a proven removal
was undone by a stale listing.
"""

from __future__ import annotations

import pytest

from db import repository as repo
from db.session import make_engine, session_scope
from tests.fakes.hf_hub import Truncate, rate_limited
from tests.helpers.faulty_crawl import FakeClock, assert_same_graph, config_for, new_hub, run_crawl
from tests.helpers.snapshot import Snapshot, graph_snapshot

ROOT = "xai-org/grok-1"
MEMBER = "keyfan/grok-1-hf"  # a member with children of its own
LEAF = "bartowski/grok-1-hf-GGUF"  # a declared quantization of MEMBER


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Snapshot:
    """The graph of a crawl that met no fault."""
    url = f"sqlite:///{tmp_path_factory.mktemp('clean') / 'clean.db'}"
    with new_hub() as hub:
        report = run_crawl(config_for(hub, url), FakeClock(), workers=4)
        assert report.status == "ok", report.errors
        return graph_snapshot(url, hub.url)


@pytest.fixture
def hub():
    with new_hub() as hub:
        yield hub


def node(url: str, key: str):
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            found = repo.resolve_key(s, key)
            if found is not None:
                s.expunge(found)
            return found
    finally:
        engine.dispose()


def children_of(repo_id: str):
    return lambda r: r.kind == "listing" and r.query.get("filter") == [f"base_model:{repo_id}"]


# --- item 5 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("honest", [True, False], ids=["truncated JSON", "cut-off body"])
def test_an_unreadable_children_listing_loses_that_listing_visibly(hub, clean, sqlite_url,
                                                                   honest):
    hub.faults.storm(children_of(MEMBER), Truncate(0.5, honest_length=honest), every=1)
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "partial", report.errors
    assert any(MEMBER in e and "children listing skipped" in e for e in report.errors)
    assert not any("not tried for" in e for e in report.errors), "the hub was marked down"
    got = graph_snapshot(sqlite_url, hub.url)
    grok2 = {k for r, k, _ in clean.roots if r == "grok-2"}
    assert grok2 <= got.keys(), "a later root lost members"
    hub.faults.clear()
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "ok", report.errors
    assert_same_graph(sqlite_url, hub, clean)


def test_an_unreadable_root_keeps_its_license_and_dates(hub, clean, sqlite_url):
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "ok", report.errors
    before = node(sqlite_url, f"huggingface:{ROOT}")
    hub.faults.storm(f"/api/models/{ROOT}", Truncate(0.4, honest_length=False), every=1)
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "partial"
    assert any(ROOT in e and "unreadable metadata" in e for e in report.errors), report.errors
    after = node(sqlite_url, f"huggingface:{ROOT}")
    assert (after.license, after.created_at, after.last_modified, after.sha) == (
        before.license, before.created_at, before.last_modified, before.sha
    )
    assert_same_graph(sqlite_url, hub, clean)  # and every member is still there


@pytest.mark.parametrize("member", [MEMBER, LEAF], ids=["found by discovery", "declared"])
def test_a_cut_off_tree_is_that_repo_unread_not_the_hub_down(hub, clean, sqlite_url, member):
    tree = lambda r: r.kind == "tree" and member in r.path  # noqa: E731
    hub.faults.storm(tree, Truncate(0.5, honest_length=False), every=1)
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "partial"
    assert any(member in e for e in report.errors), report.errors
    assert not any("not tried for" in e for e in report.errors), "the hub was marked down"
    grok2 = {k for r, k, _ in clean.roots if r == "grok-2"}
    assert grok2 <= graph_snapshot(sqlite_url, hub.url).keys(), "a later root lost members"


# --- item 6 ----------------------------------------------------------------------------------


class AfterRedirect:
    """Matches the request that follows a redirect of `old`: a renamed repo whose every attempt
    pays the redirect again meets a 429 on every attempt (what a storm on every second request
    does to it)."""

    def __init__(self, old: str) -> None:
        self.old, self.armed = f"/api/models/{old}", False

    def __call__(self, r) -> bool:
        if r.path == self.old:
            self.armed = True
            return False
        fire, self.armed = self.armed, False
        return fire


def test_a_429_storm_ends_with_the_graph_of_a_clean_crawl(hub, sqlite_url, tmp_path):
    renamed = "keyfan/grok-1-hf-v2"
    # the reference: the same two crawls, around the same rename, with no storm
    with new_hub() as plain:
        url = f"sqlite:///{tmp_path / 'plain.db'}"
        assert run_crawl(config_for(plain, url), FakeClock()).status == "ok"
        plain.world.rename(MEMBER, renamed)
        assert run_crawl(config_for(plain, url), FakeClock()).status == "ok"
        reference = graph_snapshot(url, plain.url)
    hub.faults.storm(lambda r: True, rate_limited(reset=2), every=2)
    clock = FakeClock()
    report = run_crawl(config_for(hub, sqlite_url), clock, workers=4)
    assert report.status == "ok", report.errors
    assert len(clock.sleeps) > 40 and set(clock.sleeps) == {2.0}
    hub.world.rename(MEMBER, renamed)  # the next crawl asks the old id: a redirect
    hub.faults.clear()
    hub.faults.storm(AfterRedirect(MEMBER), rate_limited(reset=2), every=1)
    hub.faults.storm(lambda r: True, rate_limited(reset=2), every=2)
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "ok", report.errors
    got = graph_snapshot(sqlite_url, hub.url)
    assert got == reference, got.diff(reference)


def test_one_call_that_gives_up_does_not_end_the_hub(hub, clean, sqlite_url):
    # one children listing is rate limited past crawl.max_retry_wait in total (waits of 20 s,
    # 60 s allowed): that listing is unread, the rest of the crawl goes on
    hub.faults.storm(children_of(MEMBER), rate_limited(reset=20), every=1)
    report = run_crawl(config_for(hub, sqlite_url, **{"crawl.max_retry_wait": 60}), FakeClock())
    assert report.status == "partial"
    assert any(MEMBER in e and "rate limited" in e for e in report.errors), report.errors
    assert not any("not tried for" in e for e in report.errors)
    grok2 = {k for r, k, _ in clean.roots if r == "grok-2"}
    assert grok2 <= graph_snapshot(sqlite_url, hub.url).keys()


# --- item 8 ----------------------------------------------------------------------------------


def test_a_proven_removal_outranks_a_stale_listing(hub, clean, sqlite_url):
    assert run_crawl(config_for(hub, sqlite_url), FakeClock()).status == "ok"
    hub.world.delete(LEAF)
    assert run_crawl(config_for(hub, sqlite_url), FakeClock()).status == "ok"
    assert node(sqlite_url, f"huggingface:{LEAF}").status == "removed"
    hub.world.delete(LEAF, still_listed=True)  # the listing index shows it again, same sha
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "ok", report.errors
    assert node(sqlite_url, f"huggingface:{LEAF}").status == "removed"
