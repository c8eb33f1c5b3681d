"""One crawl at a time per database, whoever starts it: cron, the scheduler or a person.

The lock lives in the database itself, so two machines sharing a PostgreSQL server, or two
containers sharing a SQLite file, see the same lock. It must come free when its holder dies,
SIGKILL included, because a cron job that is killed must not block every later crawl.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of
  its own for the whole crawl. The server drops it when that session ends, which a killed
  process's closed socket does at once (TCP keepalives cover a machine that vanished). The
  `crawl_lock` row only records who holds it since when, for the message a second crawl gets.
- SQLite and any other database: the `crawl_lock` row is the lock. It names its holder's
  process (machine, pid, process start time) and carries a heartbeat. A taker may take it over
  when the holder is provably gone: on the same machine (same host, boot and pid namespace)
  when that pid is dead, a zombie, or a newer process that reused the pid; elsewhere when the
  heartbeat is older than `stale_after`. The take-over is one conditional UPDATE (on the lease
  the taker read) inside one `BEGIN IMMEDIATE` transaction, so two takers cannot both win.

A thread renews the heartbeat every `heartbeat_every` seconds while the crawl runs (a batch
may wait minutes on a rate limit); the pipeline also calls `heartbeat()` between batches,
which raises `LockLost` if the lock was taken over meanwhile, so the crawl stops writing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, insert, select, text, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.models import CrawlLock as _LockRow
from db.session import DatabaseError, driver_reason

log = logging.getLogger("tracker.lock")

Clock = Callable[[], datetime]

LOCK_NAME = "crawl"
STALE_AFTER = timedelta(minutes=10)  # a silent holder on another machine is presumed dead
HEARTBEAT_EVERY = 60.0  # seconds between the background thread's renewals
_MIN_BEAT = timedelta(seconds=5)  # heartbeat() calls closer than this write nothing
_TABLE = cast(Table, _LockRow.__table__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class CrawlLocked(Exception):
    """Another crawl holds this database's lock."""


class LockLost(CrawlLocked):
    """The lock this crawl held was taken over by another crawl."""


class LockConnectionLost(DatabaseError):
    """The database connection holding the lock dropped: a database error (exit 5), not
    another crawl holding the lock (issue 17: it was reported as "lock lost", exit 4)."""


# --- which process is this, and is that one still alive ---------------------------------


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def machine_id() -> str:
    """host/boot-id/pid-namespace: the space in which a pid names exactly one process.

    Two containers on one kernel share the boot id but not the pid namespace; a rebooted
    machine keeps its name but not its boot id. Outside Linux this is just the host name.
    """
    try:
        pid_ns = os.readlink("/proc/self/ns/pid")
    except OSError:
        pid_ns = ""
    return f"{socket.gethostname()}/{_read('/proc/sys/kernel/random/boot_id')}/{pid_ns}"


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) from /proc, None where unreadable."""
    raw = _read(f"/proc/{pid}/stat")
    # The command name (field 2) is in parentheses and may itself hold spaces or ")".
    fields = raw.rpartition(")")[2].split()
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


def process_started(pid: int) -> str:
    """The start time of `pid` as /proc gives it; "" where there is no /proc."""
    stat = _proc_stat(pid)
    return stat[1] if stat else ""


def process_alive(pid: int, started: str) -> bool:
    """Whether `pid` on this machine is still the process that started at `started`.

    A zombie (killed, not yet reaped) is dead. A live pid with another start time is a new
    process that reused the number. Where the start time cannot be read, a live pid counts
    as alive: taking a live crawl's lock is worse than waiting for it.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists and belongs to another user
    stat = _proc_stat(pid)
    if stat is None:
        return True
    state, start = stat
    if state in ("Z", "X"):
        return False
    return not started or start == started


@dataclass(frozen=True)
class ProcessId:
    machine: str
    pid: int
    started: str

    @classmethod
    def current(cls) -> ProcessId:
        pid = os.getpid()
        return cls(machine_id(), pid, process_started(pid))


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- messages ------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _locked(row: Row[Any] | None) -> CrawlLocked:
    if row is None:  # the holder got the lock and has not written its name yet
        return CrawlLocked("another crawl holds the database (it has just started)")
    return CrawlLocked(
        f"another crawl holds the database: {row.holder} since {_when(row.acquired_at)}"
    )


def _abandoned(row: Row[Any], me: ProcessId, now: datetime, stale_after: timedelta) -> str | None:
    """Why the row's holder is gone, or None while it may still be crawling."""
    if row.machine and row.machine == me.machine:
        if process_alive(row.pid, row.pid_started):
            return None
        return f"its process {row.pid} is gone"
    if now - row.heartbeat_at > stale_after:
        return f"no heartbeat since {_when(row.heartbeat_at)}"
    return None


def _database_error(exc: DBAPIError) -> DatabaseError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return DatabaseError(f"cannot take the crawl lock: {reason}")


# --- the lock ------------------------------------------------------------------------------


class HeldLock:
    """The crawl lock as this process holds it; made by `crawl_lock()`."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        holder: str,
        lease: str,
        acquired_at: datetime,
        clock: Clock,
        conn: Connection | None,
    ) -> None:
        self.engine, self.name, self.holder, self.lease = engine, name, holder, lease
        self.acquired_at = acquired_at
        self._clock = clock
        self._conn = conn  # PostgreSQL: the session that holds the advisory lock
        self._mutex = threading.Lock()  # one statement at a time on `_conn`
        self._last_beat = acquired_at
        self._lost: LockLost | LockConnectionLost | None = None
        self._released = False
        self._stop_beating = threading.Event()
        self._beater: threading.Thread | None = None

    def heartbeat(self) -> None:
        """Say this crawl is alive; call between batches.

        Raises `LockLost` if another crawl took the lock over (this one was judged dead), or
        `LockConnectionLost` if the connection holding it dropped: the caller must stop writing.
        """
        if self._lost is not None:
            raise self._lost
        if self._clock() - self._last_beat < _MIN_BEAT:
            return
        try:
            self._beat()
        except (LockLost, LockConnectionLost):
            raise
        except DBAPIError as exc:  # a busy SQLite file: one missed beat is harmless
            log.warning("crawl lock heartbeat failed, will retry: %s", exc)

    def _beat(self) -> None:
        now = self._clock()
        stmt = (
            update(_TABLE)
            .where(_TABLE.c.name == self.name, _TABLE.c.lease == self.lease)
            .values(heartbeat_at=now)
        )
        if self._conn is not None:
            with self._mutex:
                try:
                    renewed = self._conn.execute(stmt).rowcount
                    if not renewed:  # someone deleted the row by hand; the lock is still ours
                        self._conn.execute(insert(_TABLE).values(**self._row_values(now)))
                    self._conn.commit()
                except DBAPIError as exc:
                    self._lost = LockConnectionLost(
                        "database error: the connection holding the crawl lock dropped "
                        f"({str(exc.orig).strip().splitlines()[0] if exc.orig else exc})"
                    )
                    raise self._lost from exc
        else:
            with self.engine.begin() as conn:
                renewed = conn.execute(stmt).rowcount
            if not renewed:
                with self.engine.connect() as conn:
                    row = conn.execute(select(_TABLE).where(_TABLE.c.name == self.name)).first()
                who = f"{row.holder} since {_when(row.acquired_at)}" if row else "nobody"
                self._lost = LockLost(
                    f"lost the crawl lock: it was taken over (now held by {who}); "
                    "this crawl was silent too long"
                )
                raise self._lost
        self._last_beat = now

    def _row_values(self, now: datetime) -> dict[str, Any]:
        me = ProcessId.current()
        return {
            "name": self.name,
            "holder": self.holder,
            "acquired_at": self.acquired_at,
            "heartbeat_at": now,
            "lease": self.lease,
            "machine": me.machine,
            "pid": me.pid,
            "pid_started": me.started,
        }

    def _start_beating(self, every: float) -> None:
        def beat_forever() -> None:
            while not self._stop_beating.wait(every):
                try:
                    self._beat()
                except (LockLost, LockConnectionLost) as exc:
                    log.error("%s", exc)
                    return
                except Exception as exc:  # busy database, network blip: try again next time
                    log.warning("crawl lock heartbeat failed, will retry: %s", exc)

        self._beater = threading.Thread(target=beat_forever, name="crawl-lock-heartbeat")
        self._beater.daemon = True  # never keeps a finished process alive
        self._beater.start()

    def release(self) -> None:
        """Give the lock back (idempotent); a failure here is logged, never raised."""
        if self._released:
            return
        self._released = True
        self._stop_beating.set()
        if self._beater is not None:
            self._beater.join()
        forget = delete(_TABLE).where(_TABLE.c.name == self.name, _TABLE.c.lease == self.lease)
        try:
            if self._conn is not None:
                with self._mutex:
                    try:
                        self._conn.execute(forget)
                        self._conn.commit()
                        self._conn.execute(
                            text("SELECT pg_advisory_unlock(:key)"),
                            {"key": _advisory_key(self._conn, self.name)},
                        )
                        self._conn.commit()
                    finally:
                        # Detached from the pool: closing ends the session, and with it the
                        # advisory lock, even if the statements above failed.
                        self._conn.close()
            else:
                with self.engine.begin() as conn:
                    conn.execute(forget)
        except Exception as exc:
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                # the server closed the session (a failover, a DBA ending sessions): the
                # advisory lock ended with it, so there is nothing left to release
                log.info("the crawl lock ended with its connection: %s", driver_reason(exc))
            else:
                log.warning("could not release the crawl lock cleanly: %s", driver_reason(exc))


def _advisory_key(conn: Connection, name: str) -> int:
    """A bigint key per database, schema and lock name (advisory locks span schemas)."""
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    digest = hashlib.sha256(f"grok-lineage-tracker:{database}:{schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _acquire_postgres(engine: Engine, lock: HeldLock) -> None:
    conn = engine.connect()
    # Off the pool: the session must live exactly as long as the lock, and its settings
    # must not leak into connections the pipeline borrows.
    conn.detach()
    lock._conn = conn
    try:
        # A holder whose machine vanishes is noticed within about two minutes.
        conn.exec_driver_sql("SET tcp_keepalives_idle = 60")
        conn.exec_driver_sql("SET tcp_keepalives_interval = 10")
        conn.exec_driver_sql("SET tcp_keepalives_count = 6")
        if (conn.dialect.server_version_info or (0,)) >= (14,):
            conn.exec_driver_sql("SET idle_session_timeout = 0")
        conn.exec_driver_sql("SET idle_in_transaction_session_timeout = 0")
        key = _advisory_key(conn, lock.name)
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        conn.commit()
        if not got:
            row = conn.execute(select(_TABLE).where(_TABLE.c.name == lock.name)).first()
            raise _locked(row)
        # The advisory lock is ours, so any row left is a dead holder's: replace it.
        conn.execute(delete(_TABLE).where(_TABLE.c.name == lock.name))
        conn.execute(insert(_TABLE).values(**lock._row_values(lock.acquired_at)))
        conn.commit()
    except BaseException:
        conn.close()
        lock._conn = None
        raise


def _acquire_row(engine: Engine, lock: HeldLock, stale_after: timedelta) -> None:
    me = ProcessId.current()
    values = lock._row_values(lock.acquired_at)
    this_row = select(_TABLE).where(_TABLE.c.name == lock.name)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # Take the write lock before reading, so no other taker can slip in between
            # the read and the write (and WAL never refuses the upgrade with SQLITE_BUSY).
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        row = conn.execute(this_row).first()
        if row is None:
            try:
                conn.execute(insert(_TABLE).values(**values))
            except IntegrityError:  # another taker inserted first (no BEGIN IMMEDIATE here)
                conn.rollback()
                raise _locked(conn.execute(this_row).first()) from None
        else:
            reason = _abandoned(row, me, lock.acquired_at, stale_after)
            if reason is None:
                conn.rollback()
                raise _locked(row)
            taken = conn.execute(
                update(_TABLE)
                .where(_TABLE.c.name == lock.name, _TABLE.c.lease == row.lease)
                .values(**values)
            ).rowcount
            if taken != 1:  # another taker won the race
                conn.rollback()
                raise _locked(conn.execute(this_row).first())
            log.warning(
                "took over the crawl lock from %s (held since %s): %s",
                row.holder,
                _when(row.acquired_at),
                reason,
            )
        conn.commit()


@contextmanager
def crawl_lock(
    engine: Engine,
    holder: str | None = None,
    *,
    clock: Clock = utcnow,
    name: str = LOCK_NAME,
    stale_after: timedelta = STALE_AFTER,
    heartbeat_every: float | None = HEARTBEAT_EVERY,
) -> Iterator[HeldLock]:
    """Hold the database's crawl lock for the `with` block, or raise `CrawlLocked`.

    `holder` is how others see this crawl in their message (default `host:pid`). The lock
    is released on leaving the block, and by the database or the next taker if this process
    dies. `heartbeat_every=None` disables the background heartbeat (tests drive it).
    """
    lock = HeldLock(
        engine, name, holder or default_holder(), secrets.token_hex(16), clock(), clock, None
    )
    try:
        if engine.dialect.name == "postgresql":
            _acquire_postgres(engine, lock)
        else:
            _acquire_row(engine, lock, stale_after)
    except DBAPIError as exc:  # unreachable, or busy beyond the busy timeout
        raise _database_error(exc) from exc
    log.info("crawl lock taken by %s", lock.holder)
    try:
        if heartbeat_every:
            lock._start_beating(heartbeat_every)
        yield lock
    finally:
        lock.release()
