"""The crawl lock: one crawl per database, across real processes, on SQLite and PostgreSQL.

A child process takes the lock and waits for a line on its stdin; the test process is the
second crawl. Waits are bounded polls for what the child prints, never sleeps.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from db.lock import (
    CrawlLocked,
    LockLost,
    crawl_lock,
    machine_id,
    process_alive,
    process_started,
)
from db.models import CrawlLock
from db.session import open_database
from tests.helpers.subproc import Child
from tracker.cli_errors import describe
from tracker.errors import EXIT_LOCKED

HOLDER_SCRIPT = """
    import sys
    from db.session import open_database
    from db.lock import crawl_lock

    engine = open_database(sys.argv[1])
    with crawl_lock(engine, sys.argv[2]) as lock:
        print("LOCKED", lock.acquired_at.strftime("%Y-%m-%d %H:%M UTC"), flush=True)
        sys.stdin.readline()  # hold the lock until the test says go
    print("RELEASED", flush=True)
"""

T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def engine(db_url):
    engine = open_database(db_url)  # migrate before any child opens the same database
    yield engine
    engine.dispose()


def lock_row(engine):
    with engine.connect() as conn:
        return conn.execute(select(CrawlLock.__table__)).first()


def take_eventually(engine, holder: str, within: float = 30.0):
    """Take the lock once it comes free; PostgreSQL ends a dead client's session a moment
    after the kill, so the first try may still find it held."""
    deadline = time.monotonic() + within
    while True:
        try:
            with crawl_lock(engine, holder, heartbeat_every=None):
                return lock_row(engine)
        except CrawlLocked:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_second_crawl_is_refused_with_who_and_since(engine, db_url):
    with Child(HOLDER_SCRIPT, db_url, "cron@box:4242") as child:
        since = child.expect("LOCKED")
        with pytest.raises(CrawlLocked) as refused:
            with crawl_lock(engine, "alice@desk:7", heartbeat_every=None):
                pytest.fail("two crawls held the lock at once")
        message = f"another crawl holds the database: cron@box:4242 since {since}"
        assert str(refused.value) == message
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", since)
        assert describe(refused.value) == (EXIT_LOCKED, message)

        child.send()  # the first crawl ends
        child.expect("RELEASED")
        assert child.wait() == 0
    with crawl_lock(engine, "alice@desk:7", heartbeat_every=None) as lock:
        assert lock_row(engine).holder == "alice@desk:7"
        assert lock.holder == "alice@desk:7"
    assert lock_row(engine) is None  # released on leaving the block


def test_holder_killed_with_sigkill_releases_the_lock(engine, db_url):
    with Child(HOLDER_SCRIPT, db_url, "doomed") as child:
        child.expect("LOCKED")
        with pytest.raises(CrawlLocked, match="doomed since"):
            with crawl_lock(engine, "next", heartbeat_every=None):
                pass
        child.proc.kill()
        child.wait()
    row = take_eventually(engine, "next")
    assert row.holder == "next"
    assert row.pid == os.getpid()


def test_the_lock_is_released_when_the_crawl_fails(engine):
    with pytest.raises(RuntimeError):
        with crawl_lock(engine, "first", heartbeat_every=None):
            raise RuntimeError("crawl crashed")
    assert lock_row(engine) is None
    with crawl_lock(engine, "second", heartbeat_every=None):
        pass


def test_one_process_cannot_take_the_lock_twice(engine):
    with crawl_lock(engine, "outer", heartbeat_every=None):
        with pytest.raises(CrawlLocked, match="outer since"):
            with crawl_lock(engine, "inner", heartbeat_every=None):
                pass


def test_heartbeat_renews_the_row(engine):
    clock = FakeClock()
    with crawl_lock(engine, "me", clock=clock, heartbeat_every=None) as lock:
        assert lock_row(engine).heartbeat_at == T0
        clock.advance(minutes=3)
        lock.heartbeat()
        row = lock_row(engine)
        assert (row.acquired_at, row.heartbeat_at) == (T0, T0 + timedelta(minutes=3))


def test_background_heartbeat_keeps_a_slow_batch_alive(engine):
    clock = FakeClock()
    with crawl_lock(engine, "me", clock=clock, heartbeat_every=0.01):
        clock.advance(minutes=7)  # a batch stuck on a rate limit, no heartbeat() call
        deadline = time.monotonic() + 30
        while lock_row(engine).heartbeat_at != clock.now:
            assert time.monotonic() < deadline, "the heartbeat thread never renewed the lock"
            time.sleep(0.01)


# --- SQLite: the row is the lock; liveness decides a take-over ------------------------------


def _plant(engine, **values) -> None:
    """A lock row as another crawl would have left it."""
    row = {
        "name": "crawl",
        "holder": "ghost:1",
        "acquired_at": T0,
        "heartbeat_at": T0,
        "lease": "0" * 32,
        "machine": machine_id(),
        "pid": 0,
        "pid_started": "",
    }
    row.update(values)
    with engine.begin() as conn:
        conn.execute(insert(CrawlLock.__table__).values(**row))


@pytest.fixture
def sqlite_engine(sqlite_url):
    engine = open_database(sqlite_url)
    yield engine
    engine.dispose()


def test_zombie_holder_counts_as_dead(sqlite_engine, sqlite_url):
    with Child(HOLDER_SCRIPT, sqlite_url, "zombie") as child:
        child.expect("LOCKED")
        child.proc.kill()
        # Wait until it is dead but leave it unreaped, as a parent that forgot it would.
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        assert not process_alive(child.pid, lock_row(sqlite_engine).pid_started)
        with crawl_lock(sqlite_engine, "next", heartbeat_every=None):
            assert lock_row(sqlite_engine).holder == "next"


def test_reused_pid_counts_as_dead(sqlite_engine):
    # Our own pid, but a process start time that is not ours: the pid was reused.
    _plant(sqlite_engine, pid=os.getpid(), pid_started="1")
    with crawl_lock(sqlite_engine, "next", heartbeat_every=None):
        assert lock_row(sqlite_engine).holder == "next"


def test_live_holder_on_this_machine_keeps_the_lock_however_old(sqlite_engine):
    _plant(sqlite_engine, pid=os.getppid(), pid_started=process_started(os.getppid()))
    clock = FakeClock(T0 + timedelta(days=30))  # its heartbeat is a month old
    with pytest.raises(CrawlLocked, match="ghost:1 since 2026-11-23 04:00 UTC"):
        with crawl_lock(sqlite_engine, "next", clock=clock, heartbeat_every=None):
            pass


def test_holder_on_another_machine_is_dead_when_its_heartbeat_is_stale(sqlite_engine):
    _plant(sqlite_engine, machine="elsewhere/boot/pid:[1]", pid=os.getpid())
    clock = FakeClock(T0 + timedelta(minutes=9))
    with pytest.raises(CrawlLocked, match="ghost:1 since 2026-11-23 04:00 UTC"):
        with crawl_lock(sqlite_engine, "next", clock=clock, heartbeat_every=None):
            pass
    clock.advance(minutes=2)  # 11 minutes of silence: beyond stale_after
    with crawl_lock(sqlite_engine, "next", clock=clock, heartbeat_every=None):
        assert lock_row(sqlite_engine).holder == "next"


def test_a_crawl_whose_lock_was_taken_over_is_told_to_stop(sqlite_engine):
    clock = FakeClock()
    with crawl_lock(sqlite_engine, "slow", clock=clock, heartbeat_every=None) as slow:
        # Seen from a crawl on another machine, "slow" fell silent for 11 minutes.
        with sqlite_engine.begin() as conn:
            conn.execute(update(CrawlLock.__table__).values(machine="elsewhere/boot/pid:[1]"))
        later = FakeClock(T0 + timedelta(minutes=11))
        with crawl_lock(sqlite_engine, "fresh", clock=later, heartbeat_every=None):
            clock.advance(minutes=11)
            with pytest.raises(LockLost, match="taken over .*fresh since"):
                slow.heartbeat()
            assert lock_row(sqlite_engine).holder == "fresh"  # slow's exit leaves it alone
        assert describe(LockLost("x"))[0] == EXIT_LOCKED


# --- PostgreSQL: the advisory lock is the lock; the row only names the holder --------------


@pytest.mark.postgres
def test_postgres_ignores_the_row_of_a_dead_holder(postgres_url):
    engine = open_database(postgres_url)
    try:
        _plant(engine, machine="elsewhere/boot/pid:[1]", heartbeat_at=datetime.now(UTC))
        with crawl_lock(engine, "next", heartbeat_every=None):
            assert lock_row(engine).holder == "next"
    finally:
        engine.dispose()
