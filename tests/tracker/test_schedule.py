"""`tracker schedule`: cron lines as cron reads them, one crawl at a time, missed runs
coalesced, every run logged, and a clean exit on SIGTERM/SIGINT.

The job is called directly with a fake clock; the real APScheduler runs with its clock
replaced by the same fake one (no waiting for real cron times); and one real scheduler runs
in a child process that a signal ends.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import threading
from datetime import UTC, datetime, timedelta

import apscheduler.schedulers.base
import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from db.lock import CrawlLocked, crawl_lock
from db.models import CrawlRun
from db.session import open_database
from tests.fakes.scripted import ScriptedCrawler, family
from tests.helpers.subproc import Child
from tracker.cli_errors import describe
from tracker.config import ConfigError, load_config
from tracker.cron import cron_trigger, validate_cron
from tracker.errors import EXIT_USAGE
from tracker.schedule import JOB_ID, ScheduledCrawl, run_scheduler, scheduled_crawl

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a Monday, an hour before the 04:00 crawl
WAIT = 30.0


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# --- cron lines ---------------------------------------------------------------------------


def fire_times(line: str, count: int = 4, start: datetime = T0) -> list[str]:
    trigger, previous, out = cron_trigger(line), None, []
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, previous or start)
        out.append(previous.strftime("%a %d %H:%M"))
    return out


def test_cron_weekdays_count_from_sunday_as_in_crontab():
    # APScheduler 3 alone would read 0 as Monday.
    assert fire_times("0 4 * * 0", 2) == ["Sun 29 04:00", "Sun 06 04:00"]
    assert fire_times("0 4 * * 7", 1) == ["Sun 29 04:00"]
    assert fire_times("0 4 * * 1-5", 6)[-1] == "Mon 30 04:00"
    assert fire_times("0 4 * * fri-sun", 3) == ["Fri 27 04:00", "Sat 28 04:00", "Sun 29 04:00"]
    assert fire_times("0 4 * * */2", 4) == [
        "Tue 24 04:00",
        "Thu 26 04:00",
        "Sat 28 04:00",
        "Sun 29 04:00",
    ]


def test_cron_day_of_month_or_weekday_as_in_crontab():
    # "the 1st, and every Monday": cron fires on either, not only on Mondays the 1st.
    assert fire_times("0 4 1 * 1", 3) == ["Mon 23 04:00", "Mon 30 04:00", "Tue 01 04:00"]


def test_cron_follows_the_configured_time_zone():
    trigger = cron_trigger("0 4 * * *", "Europe/Berlin")
    # 03:00 UTC is 04:00 in Berlin; a minute later, the next 04:00 there is tomorrow's.
    assert trigger.get_next_fire_time(None, T0).astimezone(UTC) == T0
    later = trigger.get_next_fire_time(None, T0 + timedelta(minutes=1))
    assert later.astimezone(UTC) == T0 + timedelta(days=1)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("0 4 * *", "has 4 fields; expected 5 fields: minute hour day-of-month month"),
        ("0 25 * * *", "(25) is higher than the maximum value (23)"),
        ("0 4 * * 8", "day-of-week '8' is not 0-7 or sun..sat"),
        ("0 4 * * fri-mon", "runs backwards"),
        ("every day", "has 2 fields"),
    ],
)
def test_bad_cron_line_is_one_clear_error(line, says):
    with pytest.raises(ValueError) as bad:
        validate_cron(line)
    assert says in str(bad.value)
    assert f'schedule.cron "{line}"' in str(bad.value)
    assert "\n" not in str(bad.value)


def test_bad_time_zone_is_one_clear_error():
    with pytest.raises(ValueError, match="schedule.timezone 'Mars/Olympus' is not a known"):
        validate_cron("0 4 * * *", "Mars/Olympus")


# --- the job, called directly ----------------------------------------------------------------


def test_each_run_is_logged_with_start_end_status_and_exit_code(caplog):
    clock = FakeClock()

    def crawl(stop: threading.Event) -> int:
        clock.advance(minutes=12, seconds=3)
        return 3

    caplog.set_level(logging.INFO, "tracker.schedule")
    outcome = ScheduledCrawl(crawl, threading.Event(), clock=clock)()
    assert (outcome.status, outcome.exit_code) == ("partial", 3)
    assert (outcome.started, outcome.finished) == (T0, T0 + timedelta(minutes=12, seconds=3))
    assert "crawl started at 2026-11-23 03:00:00 UTC" in caplog.text
    assert (
        "crawl finished: status=partial exit=3 started=2026-11-23 03:00:00 UTC "
        "ended=2026-11-23 03:12:03 UTC (723.0 s)"
    ) in caplog.text


def test_a_locked_database_and_a_crash_are_logged_runs_not_scheduler_deaths(caplog):
    def locked(stop):
        raise CrawlLocked("another crawl holds the database: box:42 since 2026-11-23 04:00 UTC")

    def crashing(stop):
        raise KeyError("bug")

    job = ScheduledCrawl(locked, threading.Event(), clock=FakeClock())
    assert job().status == "locked" and job.outcomes[-1].exit_code == 4
    assert "status=locked exit=4" in caplog.text and "box:42 since" in caplog.text
    job = ScheduledCrawl(crashing, threading.Event(), clock=FakeClock())
    assert (job().status, job.outcomes[-1].exit_code) == ("failed", 1)
    assert "status=failed exit=1" in caplog.text and "KeyError" in caplog.text
    job = ScheduledCrawl(lambda stop: exit(3), threading.Event(), clock=FakeClock())
    assert (job().status, job.outcomes[-1].exit_code) == ("partial", 3)


def test_never_two_crawls_at_once(caplog):
    inside, release = threading.Event(), threading.Event()
    calls: list[datetime] = []
    clock = FakeClock()

    def slow_crawl(stop):
        calls.append(clock())
        inside.set()
        assert release.wait(WAIT)
        return 0

    job = ScheduledCrawl(slow_crawl, threading.Event(), clock=clock)
    first = threading.Thread(target=job)
    first.start()
    assert inside.wait(WAIT)
    clock.advance(days=1)
    assert job() is None  # the next cron time comes while the first crawl runs
    assert "crawl skipped: the previous crawl is still running" in caplog.text
    release.set()
    first.join(WAIT)
    assert len(calls) == 1 and not job.running
    assert job().status == "ok" and len(calls) == 2  # the next one runs normally


def test_no_new_crawl_once_stopping():
    stop = threading.Event()
    stop.set()
    job = ScheduledCrawl(lambda s: pytest.fail("crawled while stopping"), stop)
    assert job() is None


def test_a_bad_cron_line_stops_the_scheduler_with_exit_2_before_it_starts():
    # validated with the rest of the config, so no command starts with a bad line
    with pytest.raises(ConfigError) as bad:
        config = load_config(overrides={"schedule.cron": "0 25 * * *"})
        run_scheduler(config, lambda stop: 0, install_signals=False)
    code, message = describe(bad.value)
    assert code == EXIT_USAGE
    assert message.startswith('config: schedule.cron "0 25 * * *" is not a valid cron line')


# --- the pipeline's crawl as the scheduled job --------------------------------------------


def test_scheduled_crawl_records_a_run_and_yields_to_another_crawl(db_url, caplog):
    config = load_config(overrides={"database.url": db_url})
    crawler = ScriptedCrawler(family())
    job = ScheduledCrawl(
        scheduled_crawl(config, hubs=["huggingface"], crawler_factory=lambda hub, cfg: crawler),
        threading.Event(),
    )
    assert (job().status, job.outcomes[-1].exit_code) == ("ok", 0)
    engine = open_database(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(CrawlRun.status)).scalars().all() == ["ok"]
        # A crawl started by cron or by a person holds the database: this run yields.
        with crawl_lock(engine, "cron@box:4242", heartbeat_every=None):
            assert (job().status, job.outcomes[-1].exit_code) == ("locked", 4)
        assert re.search(
            r"status=locked exit=4 .*: another crawl holds the database: cron@box:4242 since",
            caplog.text,
        )
        assert job().status == "ok"
    finally:
        engine.dispose()


# --- the real APScheduler on a fake clock -------------------------------------------------


class Harness:
    """run_scheduler in a thread with a background APScheduler whose clock is `clock`."""

    def __init__(self, monkeypatch, crawl, clock: FakeClock, *, run_now=False):
        # The clock is the test's, made before the scheduler: a --run-now crawl may start
        # before this constructor returns.
        self.clock = clock

        class FakeNow(datetime):
            @classmethod
            def now(cls, tz=None):
                return clock().astimezone(tz)

        monkeypatch.setattr(apscheduler.schedulers.base, "datetime", FakeNow)
        self.events: queue.Queue = queue.Queue()
        self.started = threading.Event()
        self.stop = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        config = load_config(overrides={"schedule.cron": "0 4 * * *"})

        def factory(zone):
            self.scheduler = BackgroundScheduler(timezone=zone)
            self.scheduler.add_listener(
                self.events.put, EVENT_JOB_EXECUTED | EVENT_JOB_MAX_INSTANCES
            )
            return self.scheduler

        self.result: list[int] = []
        self.thread = threading.Thread(
            target=lambda: self.result.append(
                run_scheduler(
                    config,
                    crawl,
                    run_now=run_now,
                    scheduler_factory=factory,
                    install_signals=False,
                    stop=self.stop,
                    clock=self.clock,
                )
            )
        )
        self.thread.start()

    def next_event(self):
        return self.events.get(timeout=WAIT)

    def travel(self, **delta):
        """Move the clock on and let the scheduler look at it."""
        self.clock.advance(**delta)
        self.scheduler.wakeup()

    def next_run(self) -> datetime:
        return self.scheduler.get_job(JOB_ID).next_run_time.astimezone(UTC)

    def finish(self) -> int:
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()
        return self.result[0]


def wait_for_scheduler(harness: Harness) -> None:
    for _ in range(int(WAIT / 0.01)):
        if harness.scheduler is not None and harness.scheduler.running:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the scheduler did not start")


def test_missed_cron_times_are_coalesced_into_one_crawl(monkeypatch):
    runs: list[datetime] = []
    clock = FakeClock()
    harness = Harness(monkeypatch, lambda stop: runs.append(clock()) or 0, clock)
    wait_for_scheduler(harness)
    assert harness.next_run() == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    # The machine slept through four 04:00 crawls; it wakes on the 26th at 05:00.
    harness.travel(days=3, hours=2)
    event = harness.next_event()
    assert event.code == EVENT_JOB_EXECUTED
    assert event.scheduled_run_time.astimezone(UTC) == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
    assert harness.next_run() == datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    assert runs == [datetime(2026, 11, 26, 5, 0, tzinfo=UTC)]  # one crawl, not four
    assert harness.finish() == 0


def test_a_cron_time_during_a_long_crawl_is_skipped_not_queued(monkeypatch):
    inside, release = threading.Event(), threading.Event()
    runs: list[datetime] = []
    clock = FakeClock()

    def crawl(stop):
        runs.append(clock())
        inside.set()
        assert release.wait(WAIT)
        return 0

    harness = Harness(monkeypatch, crawl, clock, run_now=True)
    assert inside.wait(WAIT)  # --run-now: the first crawl starts without a cron time
    assert runs == [T0]
    harness.travel(hours=1, minutes=1)  # 04:00 passes while that crawl still runs
    assert harness.next_event().code == EVENT_JOB_MAX_INSTANCES
    release.set()
    assert harness.next_event().code == EVENT_JOB_EXECUTED
    assert runs == [T0]
    assert harness.next_run() == datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    harness.travel(days=1)
    assert harness.next_event().code == EVENT_JOB_EXECUTED
    assert len(runs) == 2
    assert harness.finish() == 0


def test_stop_waits_for_the_running_crawl_to_finish_its_transaction(monkeypatch):
    inside = threading.Event()
    committed: list[str] = []

    def crawl(stop):
        inside.set()
        assert stop.wait(WAIT)  # the crawl sees the flag between two batches
        committed.append("last batch")
        return 3

    harness = Harness(monkeypatch, crawl, FakeClock(), run_now=True)
    assert inside.wait(WAIT)
    assert harness.finish() == 0
    assert committed == ["last batch"]


# --- a real scheduler in a child process, ended by a signal --------------------------------

SCHEDULER_SCRIPT = """
    import logging, sys
    from tracker.config import load_config
    from tracker.logsetup import setup_logging
    from tracker.schedule import run_scheduler

    config = load_config(sys.argv[1])
    setup_logging(config)

    def crawl(stop):
        token = config.hubs["huggingface"].token
        logging.getLogger("tracker.crawl").info("crawling with token %s", token)
        print("CRAWLING", flush=True)
        stop.wait(60)  # a crawl checks its stop flag between batches
        print("STOPPING", "yes" if stop.is_set() else "no", flush=True)
        return 0

    sys.exit(run_scheduler(config, crawl, run_now=True))
"""


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_scheduler_cleanly(tmp_path, signum):
    log_file = tmp_path / "logs" / "tracker.log"
    config = tmp_path / "config.toml"
    config.write_text(f'[schedule]\ncron = "0 4 * * *"\n\n[logging]\nfile = "{log_file}"\n')
    token = "hf_SecretTokenValue0123456789"
    env = {**os.environ, "HF_TOKEN": token}
    with Child(SCHEDULER_SCRIPT, str(config), env=env) as child:
        child.expect("CRAWLING")
        child.signal(signum)
        assert child.expect("STOPPING") == "yes"
        assert child.wait() == 0, child.stderr
    name = signal.Signals(signum).name
    for text in (child.stderr, log_file.read_text()):
        assert "scheduler started: cron '0 4 * * *' (UTC), crawling now" in text
        assert "crawl started at" in text
        assert f"{name} received: stopping after the current transaction" in text
        assert "crawl finished: status=ok exit=0" in text
        assert "scheduler stopped" in text
        assert "crawling with token ***" in text
        assert token not in text
