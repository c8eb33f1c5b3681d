"""What `tracker doctor` asks of the database: is it there, reachable, at this version's
schema, writable, and who holds the crawl lock. It only reads: nothing here creates, migrates
or locks the database (a SQLite file is opened read-only, as read commands open it).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from db.lock import LOCK_NAME, STALE_AFTER, _advisory_key, machine_id, process_alive
from db.models import CrawlLock, SweepState
from db.session import (
    DatabaseError,
    _readonly_sqlite,
    _stored_revision,
    driver_reason,
    make_engine,
    schema_head,
    schema_revisions,
)

LOCK_NAMES = (LOCK_NAME, "sweep")  # the crawl's, and `tracker sweep`'s (tracker/sweep.py)


def database_health(url: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The database at `url` as `tracker doctor` reports it:

    `where` (path or URL without password), `exists`, `reachable`, `revision` (None: no
    tracker schema yet), `head` (what this version writes), `known` (the revision is one this
    version ships), `writable`, `locks` (name -> holder, or None when free), `sweeps` (each
    hub's last sweep: hub, sweep, status, pages, finished_at) and `error` (one line, "" when
    none).
    """
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {"where": url, "exists": False, "reachable": False, "revision": None,
                           "head": schema_head(), "known": True, "writable": False,
                           "locks": {}, "sweeps": [], "error": ""}
    try:
        parsed = make_url(url)
    except ArgumentError:
        out["error"] = f"not a database URL: {url!r}"
        return out
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        out["where"] = parsed.database or ""
        if parsed.database in (None, "", ":memory:"):
            out["error"] = "the URL names no file (an in-memory database keeps nothing)"
            return out
        path = Path(parsed.database).expanduser()
        folder = path.parent if path.parent.exists() else _existing_parent(path)
        if not path.is_file():
            # a crawl would create it: it can when the nearest existing folder is writable
            out["writable"] = os.access(folder, os.W_OK)
            return out
        out["writable"] = os.access(path, os.W_OK) and os.access(folder, os.W_OK)
        engine = _readonly_sqlite(path)
    else:
        out["where"] = parsed.render_as_string(hide_password=True)
        try:
            engine = make_engine(url)
        except DatabaseError as exc:
            out["error"] = str(exc)
            return out
    try:
        with engine.connect() as conn:
            out["reachable"] = out["exists"] = True
            out["revision"] = _stored_revision(conn)
            out["known"] = out["revision"] is None or out["revision"] in schema_revisions()
            if not sqlite:
                out["writable"] = _postgres_writable(conn, has_tables=out["revision"] is not None)
            if out["revision"] is not None and inspect(conn).has_table("crawl_lock"):
                out["locks"] = {name: _holder(conn, engine, name, now) for name in LOCK_NAMES}
            if out["revision"] is not None and inspect(conn).has_table("sweep_state"):
                table = SweepState.__table__
                out["sweeps"] = [
                    dict(row._mapping)
                    for row in conn.execute(
                        select(table.c.hub, table.c.sweep, table.c.status, table.c.pages,
                               table.c.finished_at).order_by(table.c.hub)
                    )
                ]
    except DBAPIError as exc:
        out["error"] = driver_reason(exc)
        out["exists"] = sqlite  # the file is there, but is not a database we can read
    finally:
        engine.dispose()
    return out


def _existing_parent(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(".")


def _postgres_writable(conn: Connection, *, has_tables: bool) -> bool:
    """May this role write here: not a standby, not read-only by default, and allowed to
    insert into the tracker's tables (or, before the first crawl, to create them)."""
    read_only = conn.execute(
        text("SELECT pg_is_in_recovery() OR current_setting('default_transaction_read_only')"
             " = 'on'")
    ).scalar()
    if read_only:
        return False
    if has_tables:
        return bool(conn.execute(text("SELECT has_table_privilege('nodes', 'INSERT')")).scalar())
    return bool(
        conn.execute(text("SELECT has_schema_privilege(current_schema(), 'CREATE')")).scalar()
    )


def _holder(
    conn: Connection, engine: Engine, name: str, now: datetime
) -> dict[str, Any] | None:
    """Who holds lock `name` and since when (`alive` False: a row its dead holder left, which
    does not hold the lock: the next taker takes it over); None when free. On PostgreSQL
    the advisory lock is the lock, elsewhere the row's process and heartbeat say whether its
    holder lives (db/lock.py)."""
    table = CrawlLock.__table__
    row = conn.execute(select(table).where(table.c.name == name)).first()
    if engine.dialect.name == "postgresql":
        key = _advisory_key(conn, name) % 2**64
        held = conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND objsubid = 1 AND CAST(classid AS BIGINT) = :hi"
                " AND CAST(objid AS BIGINT) = :lo"
                " AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())"
            ),
            {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
        ).scalar()
        if row is None:
            return {"holder": "unknown (just started)", "since": None, "alive": True} if held \
                else None
        return {"holder": row.holder, "since": row.acquired_at, "alive": bool(held)}
    if row is None:
        return None
    if row.machine and row.machine == machine_id():
        alive = process_alive(row.pid, row.pid_started)
    else:
        alive = now - row.heartbeat_at <= STALE_AFTER
    return {"holder": row.holder, "since": row.acquired_at, "alive": alive}

