"""A fault costs a retry, never data: faults injected on the fake Hub during a real crawl.

Each test runs `tracker.pipeline.crawl` with the real Hugging Face crawler against the Grok
fixture world on the fake Hub (real HTTP on 127.0.0.1, small pages so listings and trees page),
with a fault queued on one kind of request, and asserts the FINAL GRAPH in the database
(nodes, edges, files, aliases, root members) equals that of a clean crawl of the same world.
Waits go through an injected sleep function that advances a fake clock: a 429 must be waited
out for exactly the seconds the hub names, a 5xx, a timeout, a reset or truncated JSON must
be backed off exponentially with jitter, and nothing may sleep on the wall clock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from db.models import CrawlRun
from db.session import make_engine, session_scope
from tests.fakes.hf_hub import (
    Hang,
    Reply,
    Request,
    Reset,
    Truncate,
    rate_limited,
    retry_after,
    server_error,
)
from tests.helpers.faulty_crawl import (
    JITTER,
    FakeClock,
    assert_same_graph,
    config_for,
    new_hub,
    run_crawl,
)
from tests.helpers.snapshot import Snapshot, graph_snapshot
from tracker.cli_errors import crawl_exit_code
from tracker.errors import EXIT_HUB, EXIT_PARTIAL


@pytest.fixture(autouse=True)
def no_wall_clock_sleep(monkeypatch):
    """Nothing in a crawl may wait on the wall clock (huggingface_hub's http_backoff would)."""
    real = time.sleep
    long_sleeps: list[float] = []

    def guarded(seconds: float) -> None:
        if seconds >= 0.5:
            long_sleeps.append(seconds)
        real(min(seconds, 0.05))

    monkeypatch.setattr(time, "sleep", guarded)
    yield
    assert not long_sleeps, f"slept on the wall clock: {long_sleeps}"


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Snapshot:
    """The graph of a crawl that met no fault."""
    url = f"sqlite:///{tmp_path_factory.mktemp('clean') / 'clean.db'}"
    with new_hub() as hub:
        report = run_crawl(config_for(hub, url), FakeClock(), workers=4)
        assert report.status == "ok", report.errors
        snap = graph_snapshot(url, hub.url)
    assert len(snap.nodes) > 30 and len(snap.edges) > 30 and len(snap.files) > 100
    return snap


@pytest.fixture
def hub():
    with new_hub() as hub:
        yield hub


def first_page(kind: str):
    return lambda r: r.kind == kind and "cursor" not in r.query


def later_page(kind: str):
    return lambda r: r.kind == kind and "cursor" in r.query


def search_listing(r: Request) -> bool:
    return r.kind == "listing" and "search" in r.query


def backoffs(n: int) -> list[float]:
    return [(0.5 + JITTER / 2) * 2**i for i in range(n)]


def http_date(seconds: float) -> str:
    return format_datetime(datetime.fromtimestamp(seconds, UTC), usegmt=True)


NOW = 1_800_000_000.0  # the fake hub's clock for HTTP-date headers
# this machine's wall clock runs 5 s ahead of the hub's (injected: never the real one)
AHEAD = 5.0

# name -> (matcher, faults, the exact waits the crawl must have made)
CASES = {
    "429 RateLimit header, children listing": (
        first_page("listing"),
        [rate_limited(reset=17)],
        [17.0],
    ),
    "429 RateLimit header, a later listing page": (
        later_page("listing"),
        [rate_limited(reset=9), rate_limited(reset=4)],
        [9.0, 4.0],
    ),
    "429 Retry-After seconds, tree page": (later_page("tree"), [retry_after(12)], [12.0]),
    "429 Retry-After HTTP date, model_info": (
        "model_info",
        [Reply(429, {"Retry-After": http_date(NOW + 42), "Date": http_date(NOW)}, {})],
        [42.0],  # read against the hub's own Date: exactly what it asked for
    ),
    "429 Retry-After HTTP date without a Date header, model_info": (
        "model_info",
        [Reply(429, {"Retry-After": http_date(NOW + 42)}, {})],
        [42.0 - AHEAD],  # read against our (injected) wall clock
    ),
    "429 Retry-After seconds, file read": ("file", [retry_after(3)], [3.0]),
    "429 RateLimit header, discovery search": (search_listing, [rate_limited(reset=8)], [8.0]),
    "5xx burst, children listing": (
        first_page("listing"),
        [server_error(500), server_error(502), server_error(503)],
        backoffs(3),
    ),
    "5xx burst, tree": ("tree", [server_error(503), server_error(504)], backoffs(2)),
    "5xx, model_info": ("model_info", [server_error(500)], backoffs(1)),
    "5xx, file read": ("file", [server_error(502), server_error(500)], backoffs(2)),
    "hanging answer, tree page": (later_page("tree"), [Hang(10)], backoffs(1)),
    "hanging answer, listing": (later_page("listing"), [Hang(10)], backoffs(1)),
    "hanging answer, model_info": ("model_info", [Hang(10)], backoffs(1)),
    "hanging answer, file read": ("file", [Hang(10)], backoffs(1)),
    "503 with Retry-After, tree": ("tree", [retry_after(20, status=503)], [20.0]),
    "connection reset, tree page": (later_page("tree"), [Reset()], backoffs(1)),
    "connection reset, listing": (first_page("listing"), [Reset(), Reset()], backoffs(2)),
    "connection reset, model_info": ("model_info", [Reset()], backoffs(1)),
    "connection reset, file read": ("file", [Reset()], backoffs(1)),
    "truncated JSON, listing page": (later_page("listing"), [Truncate(0.5)], backoffs(1)),
    "truncated JSON, tree": ("tree", [Truncate(0.3), Truncate(0.9)], backoffs(2)),
    "truncated JSON, model_info": ("model_info", [Truncate(0.5), Truncate(0.7)], backoffs(2)),
    "connection ends early, listing": (
        first_page("listing"),
        [Truncate(0.5, honest_length=False)],
        backoffs(1),
    ),
    "connection ends early, file read": (
        "file",
        [Truncate(0.5, honest_length=False)],
        backoffs(1),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_fault_costs_a_retry_never_data(case, hub, clean, sqlite_url):
    matcher, faults, waits = CASES[case]
    hub.faults.add(matcher, *faults)
    clock = FakeClock(epoch=NOW + AHEAD)
    report = run_crawl(config_for(hub, sqlite_url), clock)
    assert report.status == "ok", report.errors
    assert hub.faults.pending() == 0, "the fault was never met"
    assert clock.sleeps == waits
    assert_same_graph(sqlite_url, hub, clean)


class FailsOnce:
    """Matches the first attempt of every distinct request: the whole crawl meets a fault
    on every call it makes, and must still come out whole."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, r: Request) -> bool:
        key = (r.method, r.path, repr(sorted(r.query.items())))
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


@pytest.mark.slow
def test_every_call_is_retried(hub, clean, db_url):
    # a body cut short: the connection ends before its Content-Length (an honest length on a
    # raw file is just a shorter file; JSON cut short is in CASES above)
    cut = Truncate(0.5, honest_length=False)
    kinds = [server_error(503), Reset(), cut, rate_limited(reset=2), server_error(502)]
    first_attempts = FailsOnce()
    hub.faults.add(first_attempts, *(kinds * 200))
    clock = FakeClock()
    report = run_crawl(config_for(hub, db_url), clock, workers=4)
    assert report.status == "ok", report.errors
    met = 1000 - hub.faults.pending()
    assert met == len(first_attempts.seen) > 50
    # every kind of request the crawl makes met a fault and was retried
    failed_kinds = {kind for kind, _, _, status in hub.log if status in (0, 429, 502, 503)}
    assert failed_kinds >= {"listing", "model_info", "tree", "file"}
    # each fault waited, but a model_info huggingface_hub could not read is asked again raw
    assert len(clock.sleeps) >= met - hub.requests["model_info"]
    assert_same_graph(db_url, hub, clean)


def test_a_rate_limit_beyond_the_ceiling_is_a_partial_run_that_keeps_what_it_found(
    hub, clean, db_url
):
    # grok-1 is crawled; the first tree page of a grok-2 member asks for an hour
    grok2_tree = lambda r: r.kind == "tree" and "grok-2" in r.path.lower()  # noqa: E731
    hub.faults.add(grok2_tree, rate_limited(reset=3600))
    clock = FakeClock()
    report = run_crawl(config_for(hub, db_url, **{"crawl.max_retry_wait": 60}), clock)
    assert (report.status, crawl_exit_code(report)) == ("partial", EXIT_PARTIAL)
    assert "crawl.max_retry_wait" in " ".join(report.errors)
    assert clock.sleeps == []  # never waited: the hub asked for more than the ceiling
    partial = graph_snapshot(db_url, hub.url)
    grok1 = {k for r, k, _ in clean.roots if r == "grok-1"}
    assert grok1 <= partial.keys() < clean.keys()
    # the next crawl, with the quota back, completes the graph
    report = run_crawl(config_for(hub, db_url), FakeClock())
    assert report.status == "ok", report.errors
    assert_same_graph(db_url, hub, clean)


def test_a_rate_limit_mid_family_keeps_what_was_found_and_the_run_is_partial(
    hub, clean, sqlite_url
):
    # the hub's quota runs out during grok-1, the first root: nothing more can be asked
    listings = iter(range(1000))
    late = lambda r: r.kind == "listing" and next(listings) == 6  # noqa: E731
    hub.faults.add(late, rate_limited(reset=3600))
    report = run_crawl(config_for(hub, sqlite_url, **{"crawl.max_retry_wait": 60}), FakeClock())
    assert (report.status, crawl_exit_code(report)) == ("partial", EXIT_PARTIAL)
    found = graph_snapshot(sqlite_url, hub.url)
    assert "huggingface:xai-org/grok-1" in found.keys()
    assert len(found.nodes) > 1
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "ok", report.errors
    assert_same_graph(sqlite_url, hub, clean)


def test_a_rate_limit_before_anything_was_found_fails_the_run_with_exit_6(hub, sqlite_url):
    hub.faults.add("model_info", *[rate_limited(reset=3600)] * 2)
    report = run_crawl(config_for(hub, sqlite_url, **{"crawl.max_retry_wait": 60}), FakeClock())
    assert (report.status, crawl_exit_code(report)) == ("failed", EXIT_HUB)
    assert graph_snapshot(sqlite_url).nodes == []
    engine = make_engine(sqlite_url)
    with session_scope(engine) as s:
        assert s.scalar(select(CrawlRun.status)) == "failed"
    engine.dispose()


def test_persistent_server_errors_on_one_call_end_the_hub_not_the_data(hub, clean, sqlite_url):
    # one member's tree answers 500 beyond every retry: the hub is given up for this run
    target = lambda r: r.kind == "tree" and "hpcai-tech" in r.path  # noqa: E731
    hub.faults.add(target, *[server_error(500)] * 6)
    clock = FakeClock()
    report = run_crawl(config_for(hub, sqlite_url, **{"crawl.retries": 5}), clock)
    assert report.status == "partial" and crawl_exit_code(report) == EXIT_PARTIAL
    assert clock.sleeps == backoffs(5)[:5]
    assert any("gave up after 5 retries" in e for e in report.errors)
    report = run_crawl(config_for(hub, sqlite_url), FakeClock())
    assert report.status == "ok", report.errors
    assert_same_graph(sqlite_url, hub, clean)
