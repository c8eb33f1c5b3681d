"""Big declared families stored together: the `swept_family` table (issue 14).

A recursive walk of a 75,001-member family costs one index step in `swept_edges` and one
lookup in `swept_models` per member, scattered over the whole file (bench/
swept_lineage_bench.py). Here every root of a declared family with at least `BIG_FAMILY`
(db/swept_read.py) members (a model with no declared parent, or a parent never swept) has the
rows a walk from it returns stored side by side, keyed (hub, root, key, parent key): its
lineage is one range scan of that key. Only roots are stored, and at a rebuild the inner
members with `BIG_INNER` members or more below them, so a member is stored once per stored
family above it (not once per ancestor, as a closure table would be); smaller families and
inner members are walked or cut out of a stored family's rows (db/swept_read.py reads them).

`refresh` runs after a complete sweep. A first sweep (or one that wrote `BIG_LOAD` rows or
more) rebuilds the table by set-based SQL: one walk from every root counts the families, one
INSERT ... SELECT per big one copies it. Otherwise the work follows what the sweep wrote (the
models whose row names this sweep): their rows are rewritten, their new descendants added,
and only a family that lost an edge is copied again whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from db import swept_read
from db.sweep import connection_reader, copy_rows, session_reader

# members of an inner model (one with a declared parent) from which its own walk is stored too,
# at a rebuild: walking 50,000 members of a 3,000,000-model database costs ~1 s of CPU, reading
# them stored ~0.2 s (bench/swept_lineage_bench.py --family-size); below this the walk is cheap
BIG_INNER = 20_000
BIG_LOAD = 50_000  # models written by one sweep above which the table is rebuilt whole

_COLUMNS = (
    "hub, root, key, parent_key, relation, repo_id, license, parameters, gated, gguf_arch, "
    "library, created_at, last_modified"
)
# the display columns of a member, from its swept row (NULL when it was never swept)
_SHOWN = (
    "m.repo_id, m.license, m.parameters, m.gated, m.gguf_arch, m.library, m.created_at, "
    "m.last_modified "
)
# A walk's first row, cast from parameters: on PostgreSQL it carries the key columns'
# collation (COLLATE "C", migration 0010), or the recursive walk is refused. So each
# statement that starts a walk from them is written twice, for SQLite and for PostgreSQL.
_COLLATE_C = ' COLLATE "C"'
_NO_KEY = "CAST('' AS VARCHAR(250))"
_NO_KEY_PG = _NO_KEY + _COLLATE_C
_K = "CAST(:root AS VARCHAR(250)), " + _NO_KEY + ", CAST('' AS VARCHAR(20))"
_K_PG = "CAST(:root AS VARCHAR(250))" + _COLLATE_C + ", " + _NO_KEY_PG + ", CAST('' AS VARCHAR(20))"

# every root (a parent that is nobody's child) with the number of rows its walk reaches
_ROOT_SIZES_HEAD = (
    "WITH RECURSIVE walk(root, key, parent_key) AS ( SELECT DISTINCT e.parent_key, e.parent_key, "
)
_ROOT_SIZES_TAIL = (
    " FROM swept_edges e WHERE e.hub = :hub AND NOT EXISTS"
    " (SELECT 1 FROM swept_edges c WHERE c.hub = :hub AND c.child_key = e.parent_key)"
    " UNION"
    " SELECT w.root, e.child_key, e.parent_key"
    " FROM swept_edges e JOIN walk w ON e.hub = :hub AND e.parent_key = w.key) "
    "SELECT root FROM walk GROUP BY root HAVING count(*) >= :big ORDER BY root"
)
_ROOT_SIZES = _ROOT_SIZES_HEAD + _NO_KEY + _ROOT_SIZES_TAIL
_ROOT_SIZES_PG = _ROOT_SIZES_HEAD + _NO_KEY_PG + _ROOT_SIZES_TAIL
# a root's family copied, in key order (appends to the B-tree)
_COPY_HEAD = (
    "INSERT INTO swept_family (" + _COLUMNS + ") "
    "WITH RECURSIVE walk(key, parent_key, relation) AS ( SELECT "
)
_COPY_TAIL = (
    " UNION"
    " SELECT e.child_key, e.parent_key, e.relation"
    " FROM swept_edges e JOIN walk w ON e.hub = :hub AND e.parent_key = w.key) "
    "SELECT :hub, :root, w.key, w.parent_key, w.relation, " + _SHOWN
    + "FROM walk w LEFT JOIN swept_models m ON m.hub = :hub AND m.key = w.key "
    "ORDER BY w.key, w.parent_key"
)
_COPY = _COPY_HEAD + _K + _COPY_TAIL
_COPY_PG = _COPY_HEAD + _K_PG + _COPY_TAIL
_DROP = "DELETE FROM swept_family WHERE hub = :hub AND root = :root"
# the stored roots, one index probe each (a loose index scan: no DISTINCT over every row)
_ROOTS = (
    "WITH RECURSIVE r(root) AS ("
    " SELECT min(root) FROM swept_family WHERE hub = :hub"
    " UNION ALL"
    " SELECT (SELECT min(f.root) FROM swept_family f WHERE f.hub = :hub AND f.root > r.root)"
    " FROM r WHERE r.root IS NOT NULL) "
    "SELECT root FROM r WHERE root IS NOT NULL"
)

# --- what one sweep wrote: its keys in a temporary table -------------------------------------

# (its keys are walked from in _NEW_ROOTS: on PostgreSQL they carry the key columns' collation)
_CHANGED_TABLE = "CREATE TEMPORARY TABLE swept_changed (key VARCHAR(250) PRIMARY KEY)"
_CHANGED_TABLE_PG = (
    'CREATE TEMPORARY TABLE swept_changed (key VARCHAR(250) COLLATE "C" PRIMARY KEY)'
)
_CHANGED = (
    "INSERT INTO swept_changed (key) SELECT key FROM swept_models "
    "WHERE hub = :hub AND sweep = :sweep"
)
# a stored edge of a rewritten model that the sweep no longer shows: the family is copied again.
# Here and in _ADD the rewritten models drive (CROSS JOIN: SQLite keeps that order), one index
# probe each: SQLite chose to scan the family's rows, or every edge of the hub (~1.5 s a root
# at 3,000,000 models, for 3,000 rewritten ones)
_LOST_EDGE = (
    "SELECT 1 FROM swept_changed c CROSS JOIN swept_family f "
    "WHERE f.hub = :hub AND f.root = :root AND f.key = c.key AND f.parent_key <> '' "
    "AND NOT EXISTS ("
    " SELECT 1 FROM swept_edges e WHERE e.hub = :hub AND e.child_key = f.key"
    " AND e.parent_key = f.parent_key AND e.relation = f.relation) "
    "LIMIT 1"
)
_DROP_CHANGED = (
    "DELETE FROM swept_family WHERE hub = :hub AND root = :root "
    "AND key IN (SELECT key FROM swept_changed)"
)
# the rewritten models (and the root, if rewritten) back in, with every descendant not stored
# yet: the walk stops at an edge whose row is there (its subtree is there too)
_ADD_HEAD = (
    "INSERT INTO swept_family (" + _COLUMNS + ") "
    "WITH RECURSIVE walk(key, parent_key, relation) AS ( SELECT "
)
_ADD_TAIL = (
    " WHERE :root IN (SELECT key FROM swept_changed)"
    " UNION"
    " SELECT e.child_key, e.parent_key, e.relation FROM swept_changed c"
    " CROSS JOIN swept_edges e WHERE e.hub = :hub AND e.child_key = c.key"
    " AND (e.parent_key = :root OR EXISTS (SELECT 1 FROM swept_family f WHERE f.hub = :hub"
    " AND f.root = :root AND f.key = e.parent_key))"
    " UNION"
    " SELECT e.child_key, e.parent_key, e.relation"
    " FROM swept_edges e JOIN walk w ON e.hub = :hub AND e.parent_key = w.key"
    " WHERE NOT EXISTS (SELECT 1 FROM swept_family f WHERE f.hub = :hub AND f.root = :root"
    " AND f.key = e.child_key AND f.parent_key = e.parent_key)) "
    "SELECT :hub, :root, w.key, w.parent_key, w.relation, " + _SHOWN
    + "FROM walk w LEFT JOIN swept_models m ON m.hub = :hub AND m.key = w.key "
    "ORDER BY w.key, w.parent_key"
)
_ADD = _ADD_HEAD + _K + _ADD_TAIL
_ADD_PG = _ADD_HEAD + _K_PG + _ADD_TAIL
# roots above the rewritten models that are not stored: candidates for a family grown big
_NEW_ROOTS = (
    "WITH RECURSIVE up(key) AS ("
    " SELECT key FROM swept_changed"
    " UNION"
    " SELECT e.parent_key FROM swept_edges e JOIN up ON e.hub = :hub AND e.child_key = up.key) "
    "SELECT up.key FROM up WHERE NOT EXISTS"
    " (SELECT 1 FROM swept_edges e WHERE e.hub = :hub AND e.child_key = up.key)"
    " AND EXISTS (SELECT 1 FROM swept_edges e WHERE e.hub = :hub AND e.parent_key = up.key)"
    " AND NOT EXISTS (SELECT 1 FROM swept_family f WHERE f.hub = :hub AND f.root = up.key)"
    " ORDER BY up.key"
)


def refresh(engine: Engine, hub: str, sweep: int, *, big: int | None = None) -> dict[str, Any]:
    """Bring `swept_family` up to date with what sweep number `sweep` wrote; returns what was
    done ({"mode": "rebuilt" | "updated", "families": n, "rows": n})."""
    big = swept_read.BIG_FAMILY if big is None else big
    with engine.begin() as conn:
        roots = [r for (r,) in conn.execute(text(_ROOTS), {"hub": hub})]
        changed_table = _CHANGED_TABLE_PG if _pg(conn) else _CHANGED_TABLE
        conn.exec_driver_sql(changed_table)
        try:
            written = conn.execute(text(_CHANGED), {"hub": hub, "sweep": sweep}).rowcount
            if not roots or written >= BIG_LOAD:
                out = _rebuild(conn, hub, big)
            else:
                out = _update(conn, hub, roots, big)
        finally:
            conn.exec_driver_sql("DROP TABLE swept_changed")
    _analyze(engine)
    return out


def rebuild(engine: Engine, hub: str, *, big: int | None = None) -> dict[str, Any]:
    """Copy every big family again from the sweep's tables (set-based, one statement each)."""
    with engine.begin() as conn:
        out = _rebuild(conn, hub, swept_read.BIG_FAMILY if big is None else big)
    _analyze(engine)
    return out


def _rebuild(conn: Connection, hub: str, big: int) -> dict[str, Any]:
    conn.execute(text("DELETE FROM swept_family WHERE hub = :hub"), {"hub": hub})
    rows = 0
    root_sizes = _ROOT_SIZES_PG if _pg(conn) else _ROOT_SIZES
    copy = _COPY_PG if _pg(conn) else _COPY
    roots = [r for (r,) in conn.execute(text(root_sizes), {"hub": hub, "big": big})]
    for root in roots:
        rows += conn.execute(text(copy), {"hub": hub, "root": root}).rowcount
    inner: set[str] = set()
    for root in roots:
        family = swept_read.read_family(connection_reader(conn), hub, root)
        for key in _big_inner(family, root, max(big, BIG_INNER)):
            if key in inner:  # under two roots (a merge): stored once
                continue
            # cut out of the root's rows in memory (the walk's rows, tested), not walked again
            cut = sorted(swept_read.cut_family(family, key), key=lambda r: (r[0], r[1] or ""))
            _store_rows(conn, hub, key, cut)
            rows += len(cut)
            inner.add(key)
    return {"mode": "rebuilt", "families": len(roots) + len(inner), "rows": rows}


# rows per executemany of a cut on SQLite: the driver's buffers for a whole 75,000-row cut at
# once kept the sweep's peak memory in proportion to the Hub's biggest family
_BATCH = 2_000
_INSERT = (
    "INSERT INTO swept_family (" + _COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_COPY_ROWS = "COPY swept_family (" + _COLUMNS + ") FROM STDIN"


def _store_rows(conn: Connection, hub: str, root: str, rows: list[tuple[Any, ...]]) -> None:
    """A cut family's rows stored under `root`: COPY on PostgreSQL, tuples straight to the
    driver on SQLite (a rebuild at 1,000,000 models stores 680,000 such rows; as parameter
    dicts through SQLAlchemy they took 60 s on PostgreSQL, by COPY 28 s)."""
    if _pg(conn):
        copy_rows(conn, _COPY_ROWS, _stored_rows(hub, root, rows))
        return
    for i in range(0, len(rows), _BATCH):
        conn.exec_driver_sql(_INSERT, _stored_rows(hub, root, rows[i : i + _BATCH]))


def _big_inner(family: list[tuple[Any, ...]], root: str, big: int) -> list[str]:
    """The members of a stored family (not its root) with `big` members or more below them
    by their first parent (a lower bound of their walk)."""
    children: dict[str, list[str]] = {}
    first: set[str] = {root}
    for key, parent, *_ in family:
        if parent is not None and key not in first:
            first.add(key)
            children.setdefault(parent, []).append(key)
    order, todo = [], [root]
    while todo:
        key = todo.pop()
        order.append(key)
        todo.extend(children.get(key, ()))
    size: dict[str, int] = {}
    for key in reversed(order):
        size[key] = 1 + sum(size[c] for c in children.get(key, ()))
    return [k for k in order[1:] if size[k] >= big]


def _stored_rows(hub: str, root: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """swept_family rows for a walk's rows (the root's own has no parent or relation)."""
    return [(hub, root, r[0], r[1] or "", r[2] or "", *r[3:]) for r in rows]


_INDEX_PROBES = (
    "SET LOCAL enable_hashjoin = off",
    "SET LOCAL enable_mergejoin = off",
    "SET LOCAL jit = off",
)


def _update(conn: Connection, hub: str, roots: list[str], big: int) -> dict[str, Any]:
    if _pg(conn):
        # a few rows per family, by index probes: PostgreSQL estimated tens of thousands for
        # an inner family's walk and hashed all of swept_models for them (3 s a family at
        # 3,000,000 models, compiled by JIT); this transaction is refresh's own
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None  # refresh's connection, checked out
        cursor = dbapi.cursor()  # as db.sweep.declared_descendants sets its plan
        try:
            for setting in _INDEX_PROBES:
                cursor.execute(setting)
        finally:
            cursor.close()
    copy = _COPY_PG if _pg(conn) else _COPY
    add = _ADD_PG if _pg(conn) else _ADD
    rows = families = 0
    for root in roots:
        p = {"hub": hub, "root": root}
        if conn.execute(text(_LOST_EDGE), p).first() is not None:
            # a member may have left the family with its whole subtree: copied again
            conn.execute(text(_DROP), p)
            rows += conn.execute(text(copy), p).rowcount
        else:
            conn.execute(text(_DROP_CHANGED), p)
            rows += conn.execute(text(add), p).rowcount
        families += 1
    for root in [r for (r,) in conn.execute(text(_NEW_ROOTS), {"hub": hub})]:
        p = {"hub": hub, "root": root}
        if swept_read.reaches(connection_reader(conn), hub, root, big):
            rows += conn.execute(text(copy), p).rowcount
            families += 1
    return {"mode": "updated", "families": families, "rows": rows}


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _analyze(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
            conn.exec_driver_sql("ANALYZE swept_family")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) swept_family")


# --- reads: db/swept_read.py, on the session's own driver connection ----------------------


def stored_family(session: Session, hub: str, key: str) -> list[tuple[Any, ...]] | None:
    """db.swept_read.stored_family in the session's transaction: `key`'s rows read from a
    family stored together, or None (walk it)."""
    return swept_read.stored_family(session_reader(session), hub, key)
