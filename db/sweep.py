"""The sweep's store: light rows of every model of a hub, their declared edges, the cursor.

Built for millions of rows (issue 14): a page of 1,000 models is one transaction holding its
rows and the cursor of the next page, so a killed sweep resumes where it stopped. Per page,
one SELECT (one parameter: a JSON array on SQLite, an array on PostgreSQL) finds which models
are stored and with which fingerprint; new models go in by executemany on SQLite and COPY on
PostgreSQL, changed ones are rewritten with their edges, an unchanged model costs no write at
all. Statistics are refreshed after bulk loads (`analyze`: VACUUM ANALYZE on PostgreSQL, so
index-only walks stay index-only). Lineage walks the covering index of `swept_edges` and reads
its rows straight from the driver's cursor; on PostgreSQL each walk runs with nested loops
forced (bench/swept_lineage_bench.py measures it against the default planner).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, or_, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import swept_read
from db.lite import Reader
from db.models import SweepState, SweptModel
from db.session import raw_driver_errors

# SQL written out in full (tests/tracker/test_security.py: no SQL is built at run time).
_MODELS = (
    "swept_models (hub, key, repo_id, sha, created_at, last_modified, library, pipeline, "
    "license, architecture, architectures, model_type, gguf_arch, parameters, gated, tags, "
    "fingerprint, sweep)"
)
_INSERT_MODELS = (
    "INSERT INTO " + _MODELS + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_MODELS = (
    "UPDATE swept_models SET repo_id = ?, sha = ?, created_at = ?, last_modified = ?, "
    "library = ?, pipeline = ?, license = ?, architecture = ?, architectures = ?, "
    "model_type = ?, gguf_arch = ?, parameters = ?, gated = ?, tags = ?, fingerprint = ?, "
    "sweep = ? WHERE hub = ? AND key = ?"
)
_EDGES = "swept_edges (hub, child_key, parent_key, relation)"
_INSERT_EDGES = "INSERT INTO " + _EDGES + " VALUES (?, ?, ?, ?)"
_COPY_EDGES = "COPY " + _EDGES + " FROM STDIN"
_COPY_MODELS = "COPY " + _MODELS + " FROM STDIN"
_UPDATE_MODELS_PG = (
    "UPDATE swept_models SET repo_id = %s, sha = %s, created_at = %s, last_modified = %s, "
    "library = %s, pipeline = %s, license = %s, architecture = %s, architectures = %s, "
    "model_type = %s, gguf_arch = %s, parameters = %s, gated = %s, tags = %s, "
    "fingerprint = %s, sweep = %s WHERE hub = %s AND key = %s"
)
_FINGERPRINTS = (
    "SELECT key, fingerprint FROM swept_models "
    "WHERE hub = ? AND key IN (SELECT value FROM json_each(?))"
)
# On PostgreSQL one index probe per key, whatever the statistics say: `key = ANY(%s)` was
# planned, during a first sweep into a table last analyzed empty, as a scan of every row of
# the hub filtered by the array (O(rows stored) per page: 1.2 s a page at 50,000 rows under
# load). LIMIT 1 keeps the lateral subquery from being flattened into a join planned that way.
_FINGERPRINTS_PG = (
    "SELECT k.key, m.fingerprint FROM unnest(CAST(%s AS VARCHAR(250)[])) AS k(key) "
    "CROSS JOIN LATERAL (SELECT fingerprint FROM swept_models "
    "WHERE hub = %s AND key = k.key LIMIT 1) AS m"
)
_SQLITE_CACHE = "PRAGMA cache_size = -65536"  # KiB: 64 MB
_SQLITE_CHECKPOINT = "PRAGMA wal_autocheckpoint = 16384"  # pages: 64 MB of WAL
_SQLITE_NO_MAP = "PRAGMA mmap_size = 0"

_COUNTERS = ("pages", "models", "new", "changed", "requests")
BIG_LOAD = 50_000  # rows written by one sweep above which statistics are refreshed


# --- the cursor --------------------------------------------------------------------------------


def sweep_state(session: Session, hub: str) -> SweepState | None:
    return session.get(SweepState, hub)


def begin_sweep(
    session: Session, hub: str, *, full: bool, now: datetime
) -> tuple[SweepState, bool]:
    """The sweep to run: the interrupted one resumed (True), or a new one starting at the top.

    A new sweep is full (no stop) when asked or when no sweep ever completed; otherwise it
    stops at the watermark of the last complete one. `full` over an interrupted incremental
    sweep starts a full one instead of resuming.
    """
    state = session.get(SweepState, hub)
    if state is not None and state.status == "running" and (state.full or not full):
        return state, True
    if state is None:
        state = SweepState(hub=hub, sweep=0, watermark=None)
        session.add(state)
    state.sweep += 1
    state.status = "running"
    state.full = full or state.watermark is None
    state.stop_at = None if state.full else state.watermark
    state.cursor = None
    state.high = None
    state.started_at = now
    state.finished_at = None
    for name in _COUNTERS:
        setattr(state, name, 0)
    session.flush()
    return state, False


STORED = swept_read.STORED  # between a sweep's last page and its swept_family refresh


def unrefreshed_sweep(session: Session, hub: str) -> int | None:
    """The number of the sweep whose pages are all stored but whose families were not
    refreshed after them (the process died in between), or None."""
    state = session.get(SweepState, hub)
    return state.sweep if state is not None and state.status == STORED else None


def family_refreshed(session: Session, hub: str) -> None:
    """The sweep's families follow its rows: the sweep is complete."""
    state = session.get(SweepState, hub)
    if state is not None and state.status == STORED:
        state.status = "complete"


CLOCK_SKEW = timedelta(hours=1)  # how far a hub's clock may run ahead of ours


def _iso_text(when: datetime) -> str:
    """The listing's form of a time (`2024-03-18T00:00:00.000Z`), comparable as text."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@raw_driver_errors  # COPY and the fingerprint read go through the driver's own cursor
def store_page(
    session: Session,
    hub: str,
    models: Sequence[Any],
    *,
    cursor: str | None,
    done: bool,
    requests: int,
    now: datetime,
) -> tuple[int, int]:
    """Store one page of `crawlers.huggingface.sweep.SweptModel`s and move the cursor, in the
    caller's transaction. Returns (new, changed); unchanged models are not written."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        # a crash may lose the last pages committed, never part of one: page and cursor are
        # one transaction, so the sweep resumes a page or two earlier. Saves a flush per page.
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
    else:
        # a million random keys: the key index must stay in memory, and a checkpoint every
        # 4 MB of WAL (the default) rewrites the same index pages over and over
        conn.exec_driver_sql(_SQLITE_CACHE)
        conn.exec_driver_sql(_SQLITE_CHECKPOINT)
        # and its pages read through that cache, not the file mapped for readers (db/session):
        # every key insert reads index pages, and mapped they all stayed resident in the
        # sweep's process (528 MB peak at 1,000,000 models, the file's whole size)
        conn.exec_driver_sql(_SQLITE_NO_MAP)
    state = session.get(SweepState, hub)
    assert state is not None, "begin_sweep first"
    by_key: dict[str, Any] = {}
    for m in models:
        by_key.setdefault(m.key, m)
    # one SELECT of the stored fingerprints; only what is new or differs is written
    stored = _fingerprints(conn, hub, list(by_key), postgres)
    new_rows, changed_rows = [], []
    new_keys, changed_keys = [], []
    for key, m in by_key.items():
        fp = m.fingerprint()
        old = stored.get(key)
        if old is None:
            new_keys.append(key)
            new_rows.append(_model_row(hub, key, m, fp, state.sweep))
        elif old != fp:
            changed_keys.append(key)
            changed_rows.append((*_model_row(hub, key, m, fp, state.sweep)[2:], hub, key))
    if changed_rows:
        if postgres:
            conn.exec_driver_sql(_UPDATE_MODELS_PG, changed_rows)
        else:
            conn.exec_driver_sql(_UPDATE_MODELS, changed_rows)
        _delete_edges(conn, hub, changed_keys)
    if new_rows and postgres:
        copy_rows(conn, _COPY_MODELS, new_rows)
    elif new_rows:
        conn.exec_driver_sql(_INSERT_MODELS, new_rows)
    edge_rows = [
        (hub, key, parent.lower(), relation)
        for key in (*new_keys, *changed_keys)
        for parent, relation in by_key[key].parents
        if parent.lower() != key
    ]
    if edge_rows and postgres:
        copy_rows(conn, _COPY_EDGES, edge_rows)
    elif edge_rows:
        conn.exec_driver_sql(_INSERT_EDGES, edge_rows)
    # a date after the sweep began (a hub's bug, a hostile item) never becomes the watermark:
    # the next sweep would stop before everything changed since. The sweep's start, not this
    # page's time: a sweep read over hours or resumed days later vouches for no time after it
    # began (what changed since may have moved above its cursor unseen). Leaving one out only
    # lowers the watermark, which costs a few models read twice.
    began = state.started_at or now
    ceiling = _iso_text((began if began.tzinfo else began.replace(tzinfo=UTC)) + CLOCK_SKEW)
    highs = [t for m in by_key.values() if (t := m.last_modified) and t <= ceiling]
    if highs and (state.high is None or max(highs) > state.high):
        state.high = max(highs)
    state.pages += 1
    state.models += len(by_key)
    state.new += len(new_keys)
    state.changed += len(changed_keys)
    state.requests += requests
    state.cursor = None if done else cursor
    if done:
        # every page is stored; `complete` only once swept_family follows (`family_refreshed`):
        # a sweep killed between the two is found `stored` and its refresh done again
        state.status = STORED
        state.finished_at = now
        marks = [w for w in (state.watermark, state.high) if w]
        state.watermark = max(marks) if marks else None
    session.flush()
    return len(new_keys), len(changed_keys)


def _delete_edges(conn: Connection, hub: str, keys: list[str]) -> None:
    stmt = text("DELETE FROM swept_edges WHERE hub = :hub AND child_key IN :keys").bindparams(
        bindparam("keys", expanding=True)
    )
    for i in range(0, len(keys), 500):
        conn.execute(stmt, {"hub": hub, "keys": keys[i : i + 500]})


def _fingerprints(
    conn: Connection, hub: str, keys: list[str], postgres: bool
) -> dict[str, str]:
    """Stored fingerprint by key, for the keys of one page: one statement, one parameter,
    its 1,000 rows read straight from the driver's cursor (through SQLAlchemy's Result they
    cost twice the query)."""
    if not keys:
        return {}
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a connection checked out by the session
    cursor = dbapi.cursor()  # the session's own transaction
    try:
        if postgres:
            cursor.execute(_FINGERPRINTS_PG, (keys, hub))
        else:
            cursor.execute(_FINGERPRINTS, (hub, json.dumps(keys)))
        return dict(cursor.fetchall())
    finally:
        cursor.close()


def _model_row(hub: str, key: str, m: Any, fp: str, sweep: int) -> tuple[Any, ...]:
    return (
        hub,
        key,
        m.repo_id,
        m.sha,
        m.created_at,
        m.last_modified,
        m.library,
        m.pipeline,
        m.license,
        m.architectures[0] if m.architectures else "",
        ",".join(m.architectures),
        m.model_type,
        m.gguf_arch,
        m.parameters,
        m.gated,
        ",".join(m.tags),
        fp,
        sweep,
    )


def copy_rows(conn: Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """Rows into PostgreSQL through COPY (psycopg's `copy`): the fastest way in. What the
    driver raises (a full disk, a read-only database) comes out as SQLAlchemy's DBAPIError,
    as from any statement SQLAlchemy runs, so callers map it to one message."""
    raw = conn.connection.driver_connection
    assert raw is not None  # a connection checked out by the session
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, conn.dialect.loaded_dbapi.Error) from exc


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics of the sweep tables after a bulk load.

    On PostgreSQL this is VACUUM (ANALYZE), outside any transaction: ANALYZE alone leaves
    the visibility map unset after a bulk load, so every index-only step of a lineage walk
    still fetched its heap row (75,000 heap fetches for a 75,001-member walk at 1,000,000
    models, 8.6 s against 6.6 s after VACUUM, under load; bench/swept_lineage_bench.py).
    VACUUM visits only pages changed since the last one, so a daily sweep's is short.
    """
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit = 1000")  # bounded: seconds, not minutes
            conn.exec_driver_sql("ANALYZE swept_models")
            conn.exec_driver_sql("ANALYZE swept_edges")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) swept_models")
        conn.exec_driver_sql("VACUUM (ANALYZE) swept_edges")


def table_bytes(session: Session) -> int:
    """Bytes the sweep's tables and their indexes take on PostgreSQL."""
    return int(
        session.execute(
            text(
                "SELECT pg_total_relation_size('swept_models') "
                "+ pg_total_relation_size('swept_edges') + pg_total_relation_size('sweep_state')"
            )
        ).scalar_one()
    )


def counts(session: Session, hub: str) -> dict[str, int]:
    """Models and declared edges stored for `hub`."""
    row = session.execute(
        text(
            "SELECT (SELECT count(*) FROM swept_models WHERE hub = :hub), "
            "(SELECT count(*) FROM swept_edges WHERE hub = :hub)"
        ),
        {"hub": hub},
    ).one()
    return {"models": int(row[0]), "edges": int(row[1])}


# --- reads -------------------------------------------------------------------------------------

def session_reader(session: Session) -> Reader:
    """The session's own driver connection (its transaction) as db/swept_read.py reads it."""
    return connection_reader(session.connection())


def connection_reader(conn: Connection) -> Reader:
    """A connection's own driver connection (its transaction) as db/swept_read.py reads it."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a connection checked out by the session
    return Reader(dbapi, postgres=conn.dialect.name == "postgresql")


def declared_descendants(
    session: Session, hub: str, repo_id: str, *, force_plan: bool = True, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """db.swept_read.declared_descendants in the session's transaction: every model reachable
    from `repo_id` down the declared edges, itself included, as plain tuples."""
    return swept_read.declared_descendants(session_reader(session), hub, repo_id,
                                           force_plan=force_plan, limit=limit)


def candidates(
    session: Session,
    hub: str,
    *,
    architectures: Iterable[str],
    model_types: Iterable[str],
    gguf_architectures: Iterable[str],
    scales: Iterable[int],
    tolerance: float,
) -> list[dict[str, Any]]:
    """Swept models showing one of the architectures, model types or GGUF architectures at
    one of `scales` (within `tolerance`; an unknown count passes), as listing items: the
    Hub's JSON shape (`id`, `sha`, `config`, `gguf`, `safetensors`, `tags`...)."""
    marks = [
        SweptModel.architecture.in_(sorted(architectures)),
        SweptModel.model_type.in_(sorted(model_types)),
        SweptModel.gguf_arch.in_(sorted(gguf_architectures)),
    ]
    near = [SweptModel.parameters == 0]
    for n in scales:
        low, high = int(n * (1 - tolerance)), int(n * (1 + tolerance))
        near.append(SweptModel.parameters.between(low, high))
    stmt = (
        select(SweptModel)
        .where(SweptModel.hub == hub, or_(*marks), or_(*near))
        .order_by(SweptModel.key)
    )
    found = list(session.scalars(stmt))
    parents = _declared_parents(session, hub, [m.key for m in found])
    return [_listing_item(m, parents.get(m.key, [])) for m in found]


_PARENTS = """
SELECT e.child_key, COALESCE(m.repo_id, e.parent_key)
FROM swept_edges e LEFT JOIN swept_models m ON m.hub = e.hub AND m.key = e.parent_key
WHERE e.hub = :hub AND e.child_key IN :keys
ORDER BY e.child_key, e.parent_key
"""


def _declared_parents(session: Session, hub: str, keys: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    stmt = text(_PARENTS).bindparams(bindparam("keys", expanding=True))
    for i in range(0, len(keys), 500):
        for child, parent in session.execute(stmt, {"hub": hub, "keys": keys[i : i + 500]}):
            out.setdefault(child, []).append(parent)
    return out


def _listing_item(m: SweptModel, parents: list[str]) -> dict[str, Any]:
    tags = [t for t in m.tags.split(",") if t] if m.tags else []
    if m.license:
        tags.append(f"license:{m.license}")
    item: dict[str, Any] = {
        "id": m.repo_id,
        "sha": m.sha,
        "createdAt": m.created_at,
        "lastModified": m.last_modified,
        "library_name": m.library or None,
        "pipeline_tag": m.pipeline or None,
        "tags": tags,
        "gated": m.gated or False,
        "config": {
            k: v
            for k, v in (
                ("architectures", m.architectures.split(",") if m.architectures else None),
                ("model_type", m.model_type or None),
            )
            if v
        },
    }
    if parents:  # the card's base_model, which the Hub's base_model tags were read from
        item["cardData"] = {"base_model": parents[0] if len(parents) == 1 else parents}
    if m.gguf_arch:
        item["gguf"] = {"architecture": m.gguf_arch, "total": m.parameters or None}
    elif m.parameters:
        item["safetensors"] = {"total": m.parameters, "parameters": {}}
    return {k: v for k, v in item.items() if v is not None}


def state_row(state: SweepState) -> Mapping[str, Any]:
    """The sweep state as plain data for reports."""
    return {
        "hub": state.hub,
        "sweep": state.sweep,
        "status": state.status,
        "full": state.full,
        "stop_at": state.stop_at,
        "watermark": state.watermark,
        "pages": state.pages,
        "models": state.models,
        "new": state.new,
        "changed": state.changed,
        "requests": state.requests,
        "started_at": state.started_at,
        "finished_at": state.finished_at,
    }
