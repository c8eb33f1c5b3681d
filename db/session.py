"""Engines and transactions: `open_database(url)` migrates and hands back an engine;
`open_readonly(url)` is what read commands use.

A writer's open runs the Alembic migrations up to head, so a new file and a file made by an
older version of the tracker both come out current; a schema revision this version does not
know (a newer tracker, another Alembic application) is refused before anything is touched.
SQLite gets WAL, foreign keys and a busy timeout (one writer, many readers); PostgreSQL is used
as it is. A reader never creates, migrates or switches the journal mode: SQLite files open
with `mode=ro` (so a database on a read-only mount can be read) and the schema revision is
checked with one cheap query.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

# the revisions and the read-only connection are the sqlite3 read path's too (db/lite.py)
from db.errors import DatabaseError
from db.lite import MIGRATIONS, MMAP, connect_readonly, schema_head, schema_revisions

__all__ = [
    "DatabaseError",
    "DriverError",
    "Engine",
    "NoDatabase",
    "SchemaMismatch",
    "Session",
    "driver_reason",
    "make_engine",
    "migrate",
    "open_database",
    "open_readonly",
    "raw_driver_errors",
    "schema_head",
    "schema_revisions",
    "session_scope",
]


# What a driver raises once the database is open (a dropped connection, a full disk, SQLite
# busy past its timeout), named here so that callers outside db/ need not import SQLAlchemy.
DriverError = DBAPIError
P = ParamSpec("P")
R = TypeVar("R")


def raw_driver_errors(
    func: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """`func(session, ...)` raising DriverError for what the driver raises from a raw cursor.

    SQLAlchemy wraps the errors of the statements it runs; a write through the driver's own
    cursor (PostgreSQL's COPY, a fingerprint read straight from the cursor) raised the bare
    driver error instead (psycopg's ReadOnlySqlTransaction from a read-only database), which
    no caller expected: a traceback where a one-line message belonged."""

    def wrapped(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(session, *args, **kwargs)
        except DBAPIError:
            raise
        except Exception as exc:
            base = session.get_bind().dialect.loaded_dbapi.Error
            if isinstance(exc, base):
                raise DBAPIError.instance(None, None, exc, base) from exc
            raise

    return functools.update_wrapper(wrapped, func)


def driver_reason(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's statement and parameters (which may
    hold hub data) or its background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class NoDatabase(DatabaseError):
    """A read command found no tracker database where the config points (nothing crawled)."""


class SchemaMismatch(DatabaseError):
    """The database's schema revision is not the one this version reads, or not ours at all."""


def _display(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def _stored_revision(conn: Connection) -> str | None:
    """The revision recorded in the database, None when it has no alembic_version table."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    revision: str | None = conn.execute(
        text("SELECT version_num FROM alembic_version")
    ).scalar()
    return revision


def _refuse_unknown(where: str, revision: str | None) -> None:
    if revision is not None and revision not in schema_revisions():
        raise SchemaMismatch(
            f"database {where} has schema revision {revision!r}, which this version "
            "of the tracker does not know (made by a newer tracker or another application); "
            "left untouched"
        )


BUSY_TIMEOUT = 30.0  # seconds an SQLite connection waits for another's lock


def _switch_to_wal(cur: Any, *, deadline: float) -> None:
    """Put the file in WAL mode (it stays so: later opens only read the mode).

    Switching answers "database is locked" at once, without waiting out the busy timeout, when
    another connection holds the file in that instant: openers of a new database at the same
    moment (two cron jobs and an export) failed about one time in sixteen. So the switch is
    retried, briefly, until the busy timeout's deadline."""
    delay = 0.002
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def make_engine(url: str, *, mapped: bool = True) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a 30 s busy timeout, and
    are read through a memory map unless `mapped` is False (see `open_database`)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot open database {url}: cannot create {folder} ({exc.strerror or exc})"
                ) from exc
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
            cur = dbapi_conn.cursor()
            _switch_to_wal(cur, deadline=time.monotonic() + BUSY_TIMEOUT)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            if mapped:
                cur.execute(MMAP)
            cur.close()

        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:  # missing driver, bad options
        raise DatabaseError(f"cannot use database URL {parsed!r}: {exc}") from exc


# pg_advisory_xact_lock key of the migrations: any constant apart from the crawl lock's
_MIGRATION_LOCK = 0x6772_6F6B_6D69_6772  # "grokmigr"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision, once, whoever asks at the same time.

    Two crawls started together on a new database both found it empty and both created the
    tables (issue 17: the loser failed with a duplicate-table error, an export started meanwhile
    saw half a schema). A database already at head is only read. Otherwise the migration runs
    in one transaction under a lock of its own, taken before the revision is read again:
    PostgreSQL's `pg_advisory_xact_lock`, SQLite's `BEGIN EXCLUSIVE` (the other openers wait
    out the busy timeout); the second opener then finds head and does nothing.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(cfg).get_heads())

    def current(conn: Connection) -> set[str]:
        return set(MigrationContext.configure(conn).get_current_heads())

    with engine.connect() as conn:
        if current(conn) == heads:
            return
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
        if current(conn) != heads:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        conn.commit()


def _refuse_memory(url: str, parsed: URL) -> None:
    """An SQLite URL without a file (`sqlite://`, `sqlite:///`, `:memory:`) is refused, by
    every command alike: a crawl would keep nothing (issue 17), a read has nothing to read."""
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseError(
            f"database URL {url!r} names no file (an in-memory database keeps nothing); "
            "give one like sqlite:///tracker.db"
        )


def open_database(url: str, *, mapped: bool = True) -> Engine:
    """Connect, migrate, and return the engine; one clear `DatabaseError` if it cannot.

    An SQLite URL without a file (`sqlite://`, `sqlite:///`, `:memory:`) is refused: the
    tracker would crawl into memory and keep nothing (issue 17). `mapped=False` reads an
    SQLite file through the page cache only: every page a process reads through the map stays
    in its resident memory, which for a whole-Hub sweep is most of a file of gigabytes."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    _refuse_memory(url, parsed)
    engine = make_engine(url, mapped=mapped)
    try:
        with engine.connect() as conn:
            stored = _stored_revision(conn)
            _refuse_unknown(_display(engine), stored)
        if stored != schema_head():  # Alembic (a third of a second to import) only to upgrade
            migrate(engine)
    except DBAPIError as exc:  # unreachable, refused, or a file that is not a database
        engine.dispose()
        raise DatabaseError(f"cannot open database {_display(engine)}: {_first_line(exc)}") from exc
    except DatabaseError:
        engine.dispose()
        raise
    return engine


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def _readonly_sqlite(path: Path) -> Engine:
    """An engine whose connections cannot write, create or migrate the file."""
    return create_engine("sqlite://", creator=partial(connect_readonly, path))


def open_readonly(url: str) -> Engine:
    """An engine for read commands: never creates, migrates or changes the database.

    `NoDatabase` (nothing crawled there yet) or `SchemaMismatch` (older or unknown schema)
    when it cannot be read as it is.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    _refuse_memory(url, parsed)
    if parsed.get_backend_name() == "sqlite" and parsed.database:  # (a file: see above)
        path = Path(parsed.database).expanduser()
        if path.is_dir():
            raise DatabaseError(f"cannot open database {parsed.database}: it is a directory")
        if not path.is_file():
            raise NoDatabase(f"no database at {parsed.database}; run `tracker crawl` first")
        engine = _readonly_sqlite(path)
        where = parsed.database
    else:
        engine = make_engine(url)
        where = parsed.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            revision = _stored_revision(conn)
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open database {where}: {_first_line(exc)}") from exc
    if revision is None:
        engine.dispose()
        raise NoDatabase(f"no database at {where}; run `tracker crawl` first")
    try:
        _refuse_unknown(where, revision)
    except SchemaMismatch:
        engine.dispose()
        raise
    if revision != schema_head():
        engine.dispose()
        raise SchemaMismatch(
            f"database {where} has schema revision {revision}, older than this version reads "
            f"({schema_head()}); `tracker crawl` upgrades it (read commands never write)"
        )
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
