"""Declared lineage reads of the sweep's tables, on a bare driver connection (db.lite.Reader).

One implementation for both ways in: the full path hands it the session's own DB-API
connection (db.sweep.declared_descendants, db.swept_family.stored_family), and the fast read
path of `tracker lineage` (db/lite.py) a connection of its own opened without SQLAlchemy,
whose import and engine were most of a big family's command (issue 14: 0.75 s of 1.5 s).
Rows are plain tuples straight from the driver's cursor: 50,000 of them are the read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db.lite import Reader

BIG_FAMILY = 5_000  # members of a root from which its family is stored together

# On PostgreSQL the sweep's key columns are COLLATE "C" (migration 0010), bytewise as SQLite's
# are: a recursive walk's first row, cast from parameters, must say so too, or PostgreSQL
# refuses the walk (its columns' collation would differ between the two terms). Statements
# that start a walk from a parameter are written for each database.
_COLLATE_C = ' COLLATE "C"'
_ROOT_KEY = "CAST(:root AS VARCHAR(250))"
_ROOT_KEY_PG = _ROOT_KEY + _COLLATE_C
_NO_KEY = "CAST('' AS VARCHAR(250))"
_NO_KEY_PG = _NO_KEY + _COLLATE_C

# The walk carries each edge's columns from the covering index ix_swept_edges_walk, then
# joins each reached model once for what lineage and export show. Written twice: the driver's
# own parameter style (sqlite3 `?`, psycopg `%s`): the PostgreSQL one needs its casts.
_WALK_COLUMNS = (
    "SELECT w.key, w.parent_key, w.relation, m.repo_id, m.license, m.parameters, m.gated, "
    "m.gguf_arch, m.library, m.created_at, m.last_modified "
)
_WALK_SQLITE = (
    "WITH RECURSIVE walk(key, parent_key, relation) AS ("
    " SELECT ?, NULL, NULL"
    " UNION"
    " SELECT e.child_key, e.parent_key, e.relation"
    " FROM swept_edges e JOIN walk w ON e.hub = ? AND e.parent_key = w.key) "
    + _WALK_COLUMNS
    + "FROM walk w LEFT JOIN swept_models m ON m.hub = ? AND m.key = w.key"
)
_WALK_PG = (
    "WITH RECURSIVE walk(key, parent_key, relation) AS ("
    " SELECT CAST(%s AS VARCHAR(250))" + _COLLATE_C + ", CAST(NULL AS VARCHAR(250))"
    + _COLLATE_C + ", CAST(NULL AS VARCHAR(20))"
    " UNION"
    " SELECT e.child_key, e.parent_key, e.relation"
    " FROM swept_edges e JOIN walk w ON e.hub = %s AND e.parent_key = w.key) "
    + _WALK_COLUMNS
    + "FROM walk w LEFT JOIN swept_models m ON m.hub = %s AND m.key = w.key"
)
# nested loops over the covering index; the default plan hashes the edge table
NESTED_LOOPS = (
    "SET LOCAL enable_hashjoin = off",
    "SET LOCAL enable_mergejoin = off",
    "SET LOCAL enable_seqscan = off",
)
_DEFAULT_PLAN = ("RESET enable_hashjoin", "RESET enable_mergejoin", "RESET enable_seqscan")


def declared_descendants(
    reader: Reader, hub: str, repo_id: str, *, force_plan: bool = True, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """Every model reachable from `repo_id` down the declared edges, itself included: plain
    tuples of (key, parent key, relation, repo id, license, parameters, gated, gguf arch,
    library, created at, last modified); repo id and the rest are None for a parent that was
    never swept. On PostgreSQL the walk runs with nested loops forced (`force_plan`). With
    `limit`, at most that many rows: fewer means they are the whole walk."""
    postgres = reader.postgres
    if postgres and force_plan:
        for setting in NESTED_LOOPS:
            reader.rows(setting)
    params: tuple[Any, ...] = (repo_id.lower(), hub, hub)
    sql = _WALK_PG if postgres else _WALK_SQLITE
    if limit is not None:
        sql += " LIMIT %s" if postgres else " LIMIT ?"
        params += (limit,)
    rows = reader.rows(sql, params)
    if postgres and force_plan:
        for setting in _DEFAULT_PLAN:
            reader.rows(setting)
    return rows


# --- big families stored together (db/swept_family.py writes them) ---------------------------

# the columns of declared_descendants, the root's own row with no parent
_READ_SQLITE = (
    "SELECT key, NULLIF(parent_key, ''), NULLIF(relation, ''), repo_id, license, parameters, "
    "gated, gguf_arch, library, created_at, last_modified FROM swept_family "
    "WHERE hub = ? AND root = ?"
)
_READ_PG = _READ_SQLITE.replace("?", "%s")
IS_ROOT = (
    "SELECT 1 FROM swept_family WHERE hub = :hub AND root = :root AND key = :root "
    "AND parent_key = ''"
)
COUNT = "SELECT count(*) FROM swept_family WHERE hub = :hub AND root = :root"
# a stored root above `key` (its ancestors by the primary key of swept_edges, child first)
_STORED_ABOVE_TAIL = (
    " UNION"
    " SELECT e.parent_key FROM swept_edges e JOIN up ON e.hub = :hub AND e.child_key = up.key) "
    "SELECT up.key FROM up JOIN swept_family f ON f.hub = :hub AND f.root = up.key "
    "AND f.key = up.key AND f.parent_key = '' LIMIT 1"
)
_STORED_ABOVE = "WITH RECURSIVE up(key) AS ( SELECT " + _ROOT_KEY + _STORED_ABOVE_TAIL
_STORED_ABOVE_PG = "WITH RECURSIVE up(key) AS ( SELECT " + _ROOT_KEY_PG + _STORED_ABOVE_TAIL
_SIZE_TAIL = (
    " UNION"
    " SELECT e.child_key, e.parent_key"
    " FROM swept_edges e JOIN walk w ON e.hub = :hub AND e.parent_key = w.key) "
    "SELECT count(*) FROM (SELECT 1 FROM walk LIMIT :big) AS enough"
)
_SIZE_HEAD = "WITH RECURSIVE walk(key, parent_key) AS ( SELECT "
_SIZE_AT_LEAST = _SIZE_HEAD + _ROOT_KEY + ", " + _NO_KEY + _SIZE_TAIL
_SIZE_AT_LEAST_PG = _SIZE_HEAD + _ROOT_KEY_PG + ", " + _NO_KEY_PG + _SIZE_TAIL


def stored_family(reader: Reader, hub: str, key: str) -> list[tuple[Any, ...]] | None:
    """The rows of `key`'s walk read from a family stored together, or None (walk it).

    A stored root is one range scan. A member of a stored family whose own walk would reach
    `BIG_FAMILY` rows and a third of its root's rows is cut out of the root's rows in memory;
    one that reaches `BIG_FAMILY` rows but not a third of its root's is walked here, once (the
    walk stopped at a third is the answer when it stops short: no count walk before it).
    Reading a row side by side costs about a third of walking to one (bench/
    swept_lineage_bench.py: a 39,184-member cut out of 76,500 rows at 1,000,000 models took
    0.49 s of CPU against 0.70 s for its walk; a 47,938-member one out of 229,500 rows at
    3,000,000, 1.86 s against 0.91 s)."""
    p = {"hub": hub, "root": key}
    if reader.named(IS_ROOT, p):
        return read_family(reader, hub, key)
    above = reader.named(_STORED_ABOVE_PG if reader.postgres else _STORED_ABOVE, p)
    if not above or not reaches(reader, hub, key, BIG_FAMILY):
        return None  # a small walk
    root = above[0][0]
    third = reader.named(COUNT, {"hub": hub, "root": root})[0][0] // 3
    if third > BIG_FAMILY:
        walked = declared_descendants(reader, hub, key, limit=third)
        if len(walked) < third:
            return walked
    return cut_family(read_family(reader, hub, root), key)


def reaches(reader: Reader, hub: str, key: str, rows: int) -> bool:
    """Whether the walk from `key` reaches `rows` rows (it stops there)."""
    size_at_least = _SIZE_AT_LEAST_PG if reader.postgres else _SIZE_AT_LEAST
    found = reader.named(size_at_least, {"hub": hub, "root": key, "big": rows})[0][0]
    return bool(found >= rows)


def read_family(reader: Reader, hub: str, root: str) -> list[tuple[Any, ...]]:
    return reader.rows(_READ_PG if reader.postgres else _READ_SQLITE, (hub, root))


def cut_family(rows: list[tuple[Any, ...]], key: str) -> list[tuple[Any, ...]]:
    """The rows a walk from `key` returns, out of a family's rows that hold them: its own
    row without a parent, then every edge whose parent it reaches."""
    by_parent: dict[str, list[tuple[Any, ...]]] = {}
    own = None
    for r in rows:
        by_parent.setdefault(r[1], []).append(r)
        if own is None and r[0] == key:
            own = r
    assert own is not None, key  # callers found `key` under this root
    out = [(key, None, None, *own[3:])]
    reached, todo = {key}, [key]
    while todo:
        for r in by_parent.get(todo.pop(), ()):
            out.append(r)
            if r[0] not in reached:
                reached.add(r[0])
                todo.append(r[0])
    return out


STORED = "stored"  # a sweep's status between its last page and its swept_family refresh
_UNREFRESHED = "SELECT 1 FROM sweep_state WHERE hub = :hub AND status = :stored"


def walk(reader: Reader, hub: str, repo_id: str) -> list[tuple[Any, ...]] | None:
    """The rows of the declared walk, or None when the hub's sweep knows nothing of it.
    A big family stored together is read in one range scan, unless the last sweep stopped
    before storing its families again (`stored`, not `complete`): they may lack that sweep's
    members then, and the edges themselves are walked (slower, not stale) until the next
    `tracker sweep` rebuilds them."""
    if not reader.named(_UNREFRESHED, {"hub": hub, "stored": STORED}):
        rows = stored_family(reader, hub, repo_id.lower())
        if rows is not None:
            return rows
    rows = declared_descendants(reader, hub, repo_id)
    if len(rows) == 1 and rows[0][3] is None:  # no row of its own, no child either
        return None
    return rows
