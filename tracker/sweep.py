"""`tracker sweep`: list every model of a hub into the light tables, page by page, resumably.

The listing is read newest change first (crawlers/huggingface/sweep). Each page is one transaction
holding its light rows, their declared edges and the cursor of the next page (db/sweep.py), so
a sweep killed, rate-limited beyond `crawl.max_retry_wait` or answered 5xx past the retries
stops with everything before it kept, and the next `tracker sweep` resumes at that page. The
next page is fetched while the current one is written. A sweep after a complete one stops at
its watermark: the daily update costs a handful of requests. One sweep runs per database at a
time (the crawl lock under the name "sweep"; crawls are not blocked).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawlers.base import HubError, TokenRejected
from crawlers.huggingface.sweep import SweptModel, first_page, parse_item
from db import sweep as store
from db import swept_family
from db.session import DriverError, Engine, driver_reason, open_database, session_scope
from tracker.config import Config
from tracker.errors import PageNotStored
from tracker.hub_crawlers import default_crawler_factory
from tracker.pipeline import holder_name
from tracker.report import Observer, Silent
from tracker.sweep_listing import LinkLost, ListingGuard

log = logging.getLogger("tracker.sweep")
SWEEP_HUBS = ("huggingface",)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SweepReport:
    hub: str
    sweep: int
    status: str  # complete, interrupted
    full: bool
    resumed: bool
    pages: int = 0  # this invocation
    models: int = 0
    new: int = 0
    changed: int = 0
    requests: int = 0
    skipped: int = 0  # listing items naming no valid repo
    stored: dict[str, int] = field(default_factory=dict)  # models, edges in the database
    watermark: str | None = None
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items()}


def sweep(
    config: Config,
    *,
    hub: str = "huggingface",
    full: bool = False,
    observer: Observer | None = None,
    crawler_factory: Callable[[str, Config], Any] = default_crawler_factory,
    clock: Callable[[], datetime] = utcnow,
) -> SweepReport:
    """Run (or resume) one sweep of `hub`; every page read is committed before the next."""
    from db.lock import crawl_lock

    observer = observer or Silent()
    # no memory map: the end of a first sweep walks every big family, and each page of the
    # file read through the map stayed in the process's resident memory (678 MB at 1,000,000
    # models on SQLite, the target being 500 MB)
    engine = open_database(config.database_url, mapped=False)
    began = time.monotonic()
    try:
        with crawl_lock(engine, holder_name(), name="sweep"):
            _finish_unrefreshed(engine, hub)
            with session_scope(engine) as session:
                state, resumed = store.begin_sweep(session, hub, full=full, now=clock())
                number, cursor, stop_at = state.sweep, state.cursor, state.stop_at
                full = state.full
            report = SweepReport(hub, number, "interrupted", full, resumed)
            what = "resuming" if resumed else ("full" if full else f"since {stop_at}")
            log.info("sweep %d of %s: %s", number, hub, what)
            observer.stage(f"the {hub} listing ({what})")
            crawler = crawler_factory(hub, config)
            try:
                _pages(
                    engine, crawler, hub, cursor or first_page(), stop_at, report, observer, clock
                )
                report.status = "complete"
            except TokenRejected:
                raise
            except HubError as exc:
                report.error = " ".join(str(exc).split())
                log.error(
                    "sweep %d stopped: %s (run `tracker sweep` again to resume)",
                    number,
                    report.error,
                )
            finally:
                crawler.close()
                report.requests = sum(crawler.requests.values())  # the failed one too
            if report.new + report.changed >= store.BIG_LOAD or report.status == "complete":
                store.analyze(engine)
            if report.status == "complete":  # big families stored together again
                swept_family.refresh(engine, hub, number)
                with session_scope(engine) as session:
                    store.family_refreshed(session, hub)
            with session_scope(engine) as session:
                report.stored = store.counts(session, hub)
                last = store.sweep_state(session, hub)
                report.watermark = last.watermark if last else None
    finally:
        engine.dispose()
    report.seconds = round(time.monotonic() - began, 3)
    return report


def _finish_unrefreshed(engine: Engine, hub: str) -> None:
    """A sweep killed after its last page and before its family refresh left swept_family
    behind its rows, and the next sweep refreshes only what it writes itself: the table is
    rebuilt whole first (set-based, safe to repeat if this dies too)."""
    with session_scope(engine) as session:
        number = store.unrefreshed_sweep(session, hub)
    if number is None:
        return
    log.warning("sweep %d of %s stopped before storing its big families together: "
                "rebuilding them now", number, hub)
    swept_family.rebuild(engine, hub)
    with session_scope(engine) as session:
        store.family_refreshed(session, hub)


@contextmanager
def _collections_spaced() -> Iterator[None]:
    """Python's cycle collector, spaced out during a sweep: each page decodes into some
    10,000 dicts and lists, freed by reference counting a page later (no cycles), and the
    collections their allocations triggered (every 700) rescanned the objects of start-up
    again and again: a fifth of the sweep's CPU. Start-up's objects are frozen out of
    collection and the threshold is 100,000; a session's cycles are still collected."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@_collections_spaced()
def _pages(
    engine: Engine,
    crawler: Any,  # what crawler_factory made: the hub's crawler (get_page, requests)
    hub: str,
    path: str,
    stop_at: str | None,  # an ISO time: models changed before it were seen by the last sweep
    report: SweepReport,
    observer: Observer,
    clock: Callable[[], datetime],
) -> None:
    """Fetch and parse page n+1 while page n is written (SQLite and the network release the
    GIL); stop after the page that reaches `stop_at`.

    The Hub's `Link` is trusted neither to end nor to move on (tracker/sweep_listing.py): a
    next link whose cursor this run followed before, or a page listing the very models of one
    before, stops the sweep as interrupted after storing what is new (without this a full
    sweep asked for the same page for ever); a full page without a next link is checked
    before it is taken as the end, and stored as the page to resume at when the check finds
    no link either (a first sweep ending there would set a watermark above every model it
    never listed)."""
    counted = 0
    guard = ListingGuard(hub, path)

    def fetch(p: str) -> tuple[list[SweptModel | None], str | None]:
        items, next_path = crawler.get_page(p)
        return [parse_item(item) for item in items], next_path

    with ThreadPoolExecutor(1, thread_name_prefix="sweep-fetch") as pool:
        future = pool.submit(fetch, path)
        while True:
            parsed, next_path = future.result()
            number = report.pages + 1
            guard.read(number, parsed)
            models = []
            reached = False
            for m in parsed:
                if m is None:
                    report.skipped += 1
                elif stop_at and m.last_modified and m.last_modified < stop_at:
                    reached = True  # older than the last complete sweep: seen then
                else:
                    models.append(m)
            models = guard.unlisted(models)  # what an end check made the Hub list again
            full = guard.full(path, len(parsed))
            lost: LinkLost | None = None
            if next_path is not None:
                guard.went_on()
            elif full and not reached:  # the end, or a lost link? (one small request)
                try:
                    next_path = guard.check_end(crawler, path, number, len(parsed))
                except LinkLost as exc:
                    lost = exc
            looped = next_path is not None and not guard.follow(next_path)
            done = reached or (next_path is None and lost is None)
            if not done and next_path is not None and not looped:
                future = pool.submit(fetch, next_path)
            total = sum(crawler.requests.values())
            try:
                with session_scope(engine) as session:
                    new, changed = store.store_page(
                        session,
                        hub,
                        models,
                        cursor=path if lost else next_path,  # lost: this page read again
                        done=done,
                        requests=total - counted,
                        now=clock(),
                    )
            except DriverError as exc:
                if "database is locked" in driver_reason(exc):
                    raise  # the CLI's own message: another process holds the file
                # the generic "check [database].url" sends a user with a full disk astray
                raise PageNotStored(
                    f"database error: {driver_reason(exc)}; the sweep could not write page "
                    f"{number} (every page before it is kept): free disk space or "
                    "make the database writable, then run `tracker sweep` again to resume"
                ) from exc
            counted = total
            report.pages += 1
            report.models += len(models)
            report.new += new
            report.changed += changed
            observer.advance(len(parsed))
            if done:
                return
            if lost is not None:
                raise lost
            if looped:
                raise HubError(f"the next link of page {number} leads back to a page "
                               "already read (a loop); stopped there", hub=hub)
            assert next_path is not None
            path = next_path
