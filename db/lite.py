"""The read path without SQLAlchemy: the database read through its driver alone.

`tracker lineage grok-1` on a small database spent most of its time importing SQLAlchemy's
engine and ORM (0.5 to 0.6 s of CPU on this project's machine) for two small queries and one
walk; a swept family of 50,000 members in a 3,000,000-model database, half its 1.5 s (issue
14). This module answers lineage from the database itself: an `sqlite:///PATH` file through
sqlite3, or a `postgresql+psycopg://` URL through psycopg, at this version's head schema
(checked with one query). `Reader` is that connection with its parameter style; the swept
reads (db/swept_read.py) take one too. Every function returns None when it does not apply,
and the caller takes the full path (db.session, db.repository), which also gives every error
its message: a missing file, an unreachable server, an older or unknown schema, a misspelt
name. Nothing here writes: SQLite files open read-only, PostgreSQL transactions are READ ONLY.

The migration revisions are read from the migration files' text here too (no Alembic, no
SQLAlchemy), for both paths.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from db.errors import DatabaseError
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


class Reader:
    """A DB-API connection (sqlite3 or psycopg) and how its statements name parameters.

    `named` runs a statement written with `:name` parameters (as SQLAlchemy's text() takes
    them, and sqlite3 too); on psycopg they become `%(name)s` once per statement, the values
    still bound by the driver. `rows` runs a statement in the driver's own style."""

    def __init__(self, conn: Any, *, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres

    def rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def named(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        return self.rows(_pyformat(sql) if self.postgres else sql, params)

    def close(self) -> None:
        self.conn.close()


@cache
def _pyformat(sql: str) -> str:
    """`:name` -> `%(name)s` (and a literal `%` doubled) for psycopg; `::` casts untouched."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


def open_reader(url: str) -> Reader | None:
    """A read-only Reader of the database `url` names when its schema is this version's
    head; None for any other URL or state (the full path says what is wrong)."""
    if url.startswith(_PSYCOPG):
        return _open_postgres(url)
    conn = open_current(url)
    return None if conn is None else Reader(conn, postgres=False)


_PSYCOPG = "postgresql+psycopg://"


def _shown(url: str) -> str:
    """The URL as SQLAlchemy shows it in messages: the password, if any, as ***."""
    return re.sub(r"^(\w[\w+.-]*://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _open_postgres(url: str) -> Reader | None:
    """psycopg straight from the SQLAlchemy URL: past its `+psycopg` the URL is libpq's own
    (SQLAlchemy hands its query to psycopg as connection options, as libpq reads them here);
    a query libpq does not know is refused by psycopg, and the full path takes it."""
    import psycopg  # here: 0.25 s of CPU, only for a PostgreSQL URL

    try:
        conn = psycopg.connect("postgresql://" + url[len(_PSYCOPG):])
    except psycopg.OperationalError as exc:
        # no server, refused, a bad password: said now, as the full path says it, rather
        # than tried again through SQLAlchemy (a host that never answers cost two waits)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"cannot open database {_shown(url)}: {reason}") from exc
    except (psycopg.Error, ValueError):
        return None
    try:
        conn.read_only = True
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.Error:  # not ours, nothing there yet
        row = None
    if row is None or row[0] != schema_head():
        conn.close()
        return None
    return Reader(conn, postgres=True)


def driver_errors() -> tuple[type[Exception], ...]:
    """What a Reader's driver raises (psycopg's only when it was loaded)."""
    import sys

    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)


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


def root_start_ids(reader: Reader, root: str) -> list[int]:
    """The stored node ids of a root (empty before its first crawl)."""
    rows = reader.named("SELECT node_id FROM root_members WHERE root = :root", {"root": root})
    return sorted(r[0] for r in rows)


_KEY = "SELECT key, id FROM nodes WHERE key = :key"
_ALIAS = "SELECT n.key, n.id FROM aliases a JOIN nodes n ON n.id = a.node_id WHERE a.key = :key"
_REPO_ID = "SELECT hub, key, id FROM nodes WHERE lower(repo_id) = :wanted ORDER BY key"
_FORMER = (
    "SELECT n.key, n.id FROM aliases a JOIN nodes n ON n.id = a.node_id "
    "WHERE lower(a.key) = :former"
)


def node_by_key(reader: Reader, key: str) -> tuple[str, int] | None:
    """(key, id) of the node whose key or former key is exactly `key`
    (db.repository.resolve_key), else None."""
    found = reader.named(_KEY, {"key": key}) or reader.named(_ALIAS, {"key": key})
    return (found[0][0], int(found[0][1])) if found else None


def nodes_by_repo_id(reader: Reader, repo_id: str, hubs: Sequence[str]) -> list[tuple[str, int]]:
    """(key, id) of the nodes on `hubs` whose repo id, or else a former id, is `repo_id`
    without regard to case, by key (db.repository.find_nodes_by_repo_id)."""
    wanted = repo_id.lower()
    rows = reader.named(_REPO_ID, {"wanted": wanted})
    found = [(key, int(i)) for hub, key, i in rows if hub in hubs]
    if found:
        return found
    former: dict[int, str] = {}
    for hub in hubs:
        for key, i in reader.named(_FORMER, {"former": f"{hub}:{wanted}"}):
            former[int(i)] = key
    return sorted(((key, i) for i, key in former.items()), key=lambda n: n[0])


def descendants(reader: Reader, start_ids: list[int], *, max_depth: int | None = None) -> Lineage:
    """db.lineage.descendants through the driver: the same walk, the same Lineage."""
    if not start_ids:
        return Lineage([], {}, [])
    names = [f"s{i}" for i in range(len(start_ids))]
    sql = walk_sql(max_depth).replace(":start", "(" + ", ".join(f":{n}" for n in names) + ")")
    params: dict[str, int] = dict(zip(names, start_ids, strict=True))
    if max_depth is not None:
        params["max_depth"] = max_depth
    return lineage_from_rows(reader.named(sql, params), start_ids, max_depth)
