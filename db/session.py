"""Engines and transactions: `open_database(url)` migrates and hands back an engine.

Every open runs the Alembic migrations up to head, so a new file and a file made by an older
version of the tracker both come out current. SQLite gets WAL, foreign keys and a busy
timeout (one writer, many readers); PostgreSQL is used as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DatabaseError",
    "DriverError",
    "Session",
    "driver_reason",
    "make_engine",
    "migrate",
    "open_database",
    "session_scope",
]

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """The database cannot be opened or used: unreachable, locked, or a bad URL."""


# What a driver raises once the database is open (a dropped connection, a full disk, SQLite
# busy past its timeout), named here so that callers outside db/ need not import SQLAlchemy.
DriverError = DBAPIError


def driver_reason(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's statement and parameters (which may
    hold hub data) or its background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a 30 s busy timeout."""
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
        engine = create_engine(parsed, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
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

    def current(conn) -> set[str]:
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


def open_database(url: str) -> Engine:
    """Connect, migrate, and return the engine; one clear `DatabaseError` if it cannot.

    An SQLite URL without a file (`sqlite://`, `sqlite:///`, `:memory:`) is refused: the
    tracker would crawl into memory and keep nothing (issue 17)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseError(
            f"database URL {url!r} names no file (an in-memory database keeps nothing); "
            "give one like sqlite:///tracker.db"
        )
    engine = make_engine(url)
    try:
        migrate(engine)
    except DBAPIError as exc:  # unreachable, refused, or a file that is not a database
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"cannot open database {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from exc
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
