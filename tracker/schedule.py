"""`tracker schedule`: crawls on the `[schedule]` cron line, in the foreground, until stopped.

APScheduler 3 runs one job, the crawl, on a `CronTrigger`: missed times are coalesced into
one run (a machine that slept through three mornings crawls once when it wakes), and a run
never starts while the previous one is still going (`max_instances=1`, and `ScheduledCrawl`
refuses a second entry itself). Another process's crawl is kept out by the database's crawl
lock, which the crawl job takes; a run that finds it held is logged as `locked`.

SIGINT and SIGTERM set a stop flag that the crawl checks between batches, so the current
transaction commits and the run ends early; then the scheduler exits 0. A second signal
while waiting for that uses the default action (a second Ctrl-C interrupts at once).

What a cron line means is `tracker.cron`'s business; this module only runs the job on it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_SCHEDULER_STARTED
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from tracker.cli_errors import crawl_exit_code, describe
from tracker.config import Config
from tracker.cron import cron_trigger, time_zone
from tracker.errors import EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL, ConfigError
from tracker.pipeline import crawl
from tracker.report import findings, unreachable_line
from tracker.signals import install_stop_handlers as _install_signal_handlers

log = logging.getLogger("tracker.schedule")

Clock = Callable[[], datetime]
CrawlJob = Callable[[threading.Event], int]
JOB_ID = "crawl"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "never"


# --- the job ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOutcome:
    started: datetime
    finished: datetime
    status: str  # ok, partial, locked, interrupted, failed
    exit_code: int


def status_of(exit_code: int) -> str:
    if exit_code == EXIT_OK:
        return "ok"
    if exit_code == EXIT_PARTIAL:
        return "partial"
    if exit_code == EXIT_LOCKED:
        return "locked"
    if exit_code == EXIT_INTERRUPTED:
        return "interrupted"
    return "failed"


class ScheduledCrawl:
    """The scheduler's job: one crawl at a time, each logged with start, end, status, exit."""

    def __init__(self, crawl_job: CrawlJob, stop: threading.Event, *, clock: Clock = utcnow):
        self.crawl_job, self.stop, self.clock = crawl_job, stop, clock
        self.outcomes: deque[RunOutcome] = deque(maxlen=100)  # the latest runs, for callers
        self._running = threading.Lock()  # held by the crawl, and for good by close()
        self._closed = False

    @property
    def running(self) -> bool:
        """Whether a crawl is under way now."""
        return self._running.locked() and not self._closed

    def __call__(self) -> RunOutcome | None:
        """Run one crawl; None when skipped (one is running already, or stopping)."""
        if not self._running.acquire(blocking=False):
            if self.stop.is_set():
                log.info("crawl skipped: the scheduler is stopping")
            else:
                log.warning("crawl skipped: the previous crawl is still running")
            return None
        try:
            if self.stop.is_set():
                log.info("crawl skipped: the scheduler is stopping")
                return None
            return self._run()
        finally:
            self._running.release()

    def _run(self) -> RunOutcome:
        started = self.clock()
        log.info("crawl started at %s", _when(started))
        try:
            exit_code = int(self.crawl_job(self.stop))
            detail = ""
        except SystemExit as exc:  # a job built from CLI code may exit instead of return
            exit_code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            detail = ""
        except Exception as exc:
            known = describe(exc)
            if known is None:
                log.exception("crawl crashed")
                exit_code, detail = 1, f"{type(exc).__name__}: {exc}"
            else:
                exit_code, detail = known
        finished = self.clock()
        outcome = RunOutcome(started, finished, status_of(exit_code), exit_code)
        self.outcomes.append(outcome)
        seconds = (finished - started).total_seconds()
        level = {"ok": logging.INFO, "partial": logging.WARNING, "locked": logging.WARNING}.get(
            outcome.status, logging.ERROR
        )
        log.log(
            level,
            "crawl finished: status=%s exit=%d started=%s ended=%s (%.1f s)%s",
            outcome.status,
            exit_code,
            _when(started),
            _when(finished),
            seconds,
            f": {detail}" if detail else "",
        )
        return outcome

    def close(self, timeout: float | None = None) -> bool:
        """Wait for the running crawl (if any) to end and refuse every later one.

        Set `stop` first, so that the crawl ends after its current transaction. False if
        `timeout` passed first.
        """
        self._closed = self._running.acquire(timeout=-1 if timeout is None else timeout)
        return self._closed


# --- the scheduler ------------------------------------------------------------------------


def scheduled_crawl(config: Config, **crawl_options: Any) -> CrawlJob:
    """The job `tracker schedule` runs: one crawl of every root on every hub per call.

    `crawl_options` go to `tracker.pipeline.crawl` (roots, hubs, crawler_factory, ...).
    The crawl takes the database's crawl lock itself, so a crawl started by cron or by a
    person meanwhile makes this run `locked` (exit 4) instead of a second writer.
    """

    own = [key for root in config.roots.values() for key in root.nodes]

    def crawl_job(stop: threading.Event) -> int:
        report = crawl(config, stop=stop, **crawl_options)
        log.info("%s", findings(report, own))  # the crawl's own summary goes nowhere here
        if report.unreachable:
            log.error("%s", unreachable_line(report, config))
        return crawl_exit_code(report)

    return crawl_job


def blocking_scheduler(timezone: tzinfo) -> BaseScheduler:
    return BlockingScheduler(timezone=timezone)


def add_crawl_job(
    scheduler: BaseScheduler, trigger: BaseTrigger, job: ScheduledCrawl, *, first_run: Any
) -> None:
    """The one crawl job with the settings the module docstring promises."""
    scheduler.add_job(
        job,
        trigger,
        id=JOB_ID,
        name="crawl",
        coalesce=True,  # many missed times: one run
        max_instances=1,  # never two at once
        # No deadline: a crawl missed while the machine slept runs (once) when it wakes;
        # a late crawl beats a lost day.
        misfire_grace_time=None,
        replace_existing=True,
        **({"next_run_time": first_run} if first_run is not None else {}),
    )


def run_scheduler(
    config: Config,
    crawl_job: CrawlJob,
    *,
    run_now: bool = False,
    scheduler_factory: Callable[[tzinfo], BaseScheduler] = blocking_scheduler,
    install_signals: bool = True,
    stop: threading.Event | None = None,
    clock: Clock = utcnow,
) -> int:
    """Run `crawl_job(stop)` on the configured cron until `stop` is set (SIGINT/SIGTERM).

    `crawl_job` takes the stop flag, must check it between batches, and returns the crawl's
    exit code (0 ok, 3 partial, ...) or raises one of our errors. Returns 0 after a clean stop.
    Raises ConfigError (exit 2) for a bad cron line or time zone.
    """
    cron_line = str(config.get("schedule.cron"))
    zone_name = str(config.get("schedule.timezone"))
    try:
        zone = time_zone(zone_name)
        trigger = cron_trigger(cron_line, zone)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    stop = stop or threading.Event()
    job = ScheduledCrawl(crawl_job, stop, clock=clock)
    scheduler = scheduler_factory(zone)
    add_crawl_job(scheduler, trigger, job, first_run=clock() if run_now else None)

    def next_run() -> str:
        found = scheduler.get_job(JOB_ID)
        return _when(found.next_run_time if found else None)

    received: list[str] = []

    def stop_when_asked() -> None:
        stop.wait()
        if received:
            log.info("%s received: stopping after the current transaction", received[0])
        try:
            scheduler.shutdown(wait=False)
        except SchedulerNotRunningError:
            pass

    watcher = threading.Thread(target=stop_when_asked, name="scheduler-stop", daemon=True)

    # Started only once the scheduler runs, so that its shutdown() cannot come too early.
    def on_start(_event: object) -> None:
        watcher.start()
        log.info("next crawl at %s", next_run())

    scheduler.add_listener(on_start, EVENT_SCHEDULER_STARTED)
    scheduler.add_listener(
        lambda _event: log.info("next crawl at %s", next_run()), EVENT_JOB_EXECUTED
    )

    restore = _install_signal_handlers(stop, received) if install_signals else (lambda: None)
    try:
        log.info(
            "scheduler started: cron %r (%s)%s",
            cron_line,
            zone_name,
            ", crawling now" if run_now else "",
        )
        scheduler.start()  # a BlockingScheduler returns only after shutdown()
        if scheduler.running:  # a background scheduler (tests) returns at once
            stop.wait()
        if job.running:
            log.info("waiting for the current crawl to finish its transaction")
        job.close()
    finally:
        stop.set()  # also ends the watcher if start() failed
        restore()
    log.info("scheduler stopped")
    return EXIT_OK
