"""The read path without SQLAlchemy: an SQLite file read through the standard library.

`tracker lineage grok-1` on a small database spent most of its time importing SQLAlchemy's
engine and ORM (0.5 to 0.6 s of CPU on this project's machine) for two small queries and one
walk. This module answers the common case from the file itself: a `sqlite:///PATH` URL, a
schema at this version's head (checked with one query), a root name or an exact node key.
Every function returns None when it does not apply, and the caller takes the full path
(db.session, db.repository), which also gives every error its message: a missing file, an
older or unknown schema, a misspelt name. Nothing here writes: the file opens read-only.

The migration revisions are read from the migration files' text here too (no Alembic, no
SQLAlchemy), for both paths.
"""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path
from urllib.parse import quote

from db.lineage import Lineage, lineage_from_rows, walk_sql

MIGRATIONS = Path(__file__).with_name("migrations")

# Reads of a big file (a whole-Hub sweep: 0.5 GB a million models) map it instead of copying
# each page through SQLite's 2 MB cache: a 75,000-member declared walk on a 1,000,000-model
# file used 1.3 s of CPU mapped against 1.6 to 2.8 s (bench/sweep_bench.py). 2 GB: the most
# SQLite maps unless built otherwise; a bigger file maps its first 2 GB.
MMAP = "PRAGMA mmap_size = 2147418112"


@cache
def schema_revisions() -> dict[str, str | None]:
    """revision -> down_revision of every migration shipped, read from the files' text (no
    Alembic import: a read command checks the revision at start-up, cheaply)."""
    found: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)", text, re.M)
        down = re.search(r"^down_revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)", text, re.M)
        if rev:
            found[rev.group(1)] = down.group(1) if down else None
    return found


def schema_head() -> str:
    """The newest revision shipped (the one no other migration builds on)."""
    revisions = schema_revisions()
    below = set(revisions.values())
    heads = sorted(r for r in revisions if r not in below)
    return heads[-1] if heads else ""


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write, create or migrate the file."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        # a WAL file on a read-only mount: its -shm cannot be made, and nobody can be
        # writing there, so the file is read as immutable
        conn.close()
        conn = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(MMAP)
    return conn


def open_current(url: str) -> sqlite3.Connection | None:
    """A read-only connection to the SQLite file `url` names when its schema is this
    version's head; None for any other URL or state (the full path says what is wrong)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or len(url) == len(prefix):
        return None
    path = Path(url[len(prefix):]).expanduser()
    if not path.is_file():
        return None
    try:
        conn = connect_readonly(path)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:  # not ours, or not a database at all
        row = None
    if row is None or row[0] != schema_head():
        conn.close()
        return None
    return conn


def root_start_ids(conn: sqlite3.Connection, root: str) -> list[int]:
    """The stored node ids of a root (empty before its first crawl)."""
    rows = conn.execute("SELECT node_id FROM root_members WHERE root = ?", (root,))
    return sorted(r[0] for r in rows)


def node_id(conn: sqlite3.Connection, key: str) -> int | None:
    """The id of the node whose key is exactly `key`, else None."""
    row = conn.execute("SELECT id FROM nodes WHERE key = ?", (key,)).fetchone()
    return None if row is None else int(row[0])


def descendants(
    conn: sqlite3.Connection, start_ids: list[int], *, max_depth: int | None = None
) -> Lineage:
    """db.lineage.descendants through sqlite3: the same walk, the same Lineage."""
    if not start_ids:
        return Lineage([], {}, [])
    names = [f"s{i}" for i in range(len(start_ids))]
    sql = walk_sql(max_depth).replace(":start", "(" + ", ".join(f":{n}" for n in names) + ")")
    params: dict[str, int] = dict(zip(names, start_ids, strict=True))
    if max_depth is not None:
        params["max_depth"] = max_depth
    return lineage_from_rows(conn.execute(sql, params), start_ids, max_depth)


def lineage(
    url: str, *, root: str | None = None, key: str = "", max_depth: int | None = None
) -> Lineage | None:
    """The lineage of a root (by name) or of the node whose key is exactly `key`, read from
    the SQLite file `url` names; None when this path does not apply (see the docstring)."""
    conn = open_current(url)
    if conn is None:
        return None
    try:
        if root is not None:
            ids = root_start_ids(conn, root)
        else:
            found = node_id(conn, key)
            ids = [] if found is None else [found]
        if not ids:
            return None  # not crawled yet, an alias, a bare id, a typo: the full path says
        return descendants(conn, ids, max_depth=max_depth)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
