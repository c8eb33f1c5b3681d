"""A crawl's end: the run's record, the license audit, its alert events and their delivery.

The end of the run, the license audit, what the audit changed and the run's alert events go
in one transaction, so a run recorded as ended has its events. A failing audit must not cost
the run its record: then the end is recorded alone, and the next run derives the events this
one could not. Delivery follows; a sink that fails is one line in the run's errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from db import outbox
from db import repository as repo
from db.session import Engine, Session, session_scope
from tracker import alerts
from tracker.config import Config
from tracker.report import CrawlReport

log = logging.getLogger("tracker.crawl")


def finish_run(
    config: Config,
    engine: Engine,
    run_id: int,
    report: CrawlReport,
    *,
    clock: Callable[[], datetime],
    roots: Collection[str] | None = None,
) -> None:
    """Record the run's end with its audit and events, then deliver what is due; the license
    issues (of the crawled `roots`, or of all) and the alerts sent go into `report`."""
    ended = clock()

    def record_end(session: Session) -> None:
        repo.finish_run(
            session,
            run_id,
            now=ended,
            status=report.status,
            counts={n: vars(c) for n, c in report.roots.items()},
            requests=report.requests,
            errors=report.errors,
        )

    try:
        with session_scope(engine) as session:
            record_end(session)
            audit = alerts.after_run(
                session,
                run_id,
                roots=config.roots,
                rules_path=config.get("licenses.rules") or None,
                now=clock(),
                count_roots=roots,
            )
            report.license_issues, report.new_issues = audit.counts, audit.new
    except Exception as exc:
        log.warning("license audit after the crawl failed: %s", exc)
        with session_scope(engine) as session:
            record_end(session)
    _deliver_alerts(config, engine, run_id, report, clock=clock)


def _deliver_alerts(
    config: Config,
    engine: Engine,
    run_id: int,
    report: CrawlReport,
    *,
    clock: Callable[[], datetime],
) -> None:
    """Send what is due; a sink that fails is one line in the run's errors, never more."""
    results = alerts.deliver(config, engine, run_id=run_id, clock=clock)
    failed = [r.line() for r in results if r.error]
    report.alerts = [r.line() for r in results if not r.error]
    if failed:
        report.errors.extend(failed)
        with session_scope(engine) as session:
            outbox.add_run_errors(session, run_id, failed)
