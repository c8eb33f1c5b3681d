"""Lineage reads answered in SQL: recursive CTEs over the indexed `edges` table.

`descendants()` never loads the whole graph: it walks `edges` from the start nodes through the
covering index on (parent_id, child_id, relation, source, confidence), then joins each reached
node once. Without a depth limit UNION ends the walk on cycles by itself; with one the walk
carries the depth and stops there. Depths are then computed in Python by a BFS over the
returned edges (cheap, and exact).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # SQLAlchemy is imported by the functions that query through it: the
    # sqlite3 read path (db/quick.py) builds a Lineage with none of it (fast start-up)
    from sqlalchemy.orm import Session

# The walk carries each edge's columns, read from the covering index ix_edges_walk, so the
# nodes table is the only other thing touched. UNION over whole rows visits every edge once,
# which also ends the recursion on cycles.
_WALK = """
WITH RECURSIVE walk(node_id, parent_id, relation, source, confidence) AS (
    SELECT id, CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(20)), CAST(NULL AS VARCHAR(10)),
           CAST(NULL AS FLOAT) FROM nodes WHERE id IN :start
    UNION
    SELECT e.child_id, e.parent_id, e.relation, e.source, e.confidence
    FROM edges e JOIN walk w ON e.parent_id = w.node_id
)"""

_WALK_DEPTH = """
WITH RECURSIVE walk(node_id, parent_id, relation, source, confidence, depth) AS (
    SELECT id, CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(20)), CAST(NULL AS VARCHAR(10)),
           CAST(NULL AS FLOAT), 0 FROM nodes WHERE id IN :start
    UNION
    SELECT e.child_id, e.parent_id, e.relation, e.source, e.confidence, w.depth + 1
    FROM edges e JOIN walk w ON e.parent_id = w.node_id
    WHERE w.depth < :max_depth
)"""

_SELECT = """
SELECT n.id, n.key, n.status, n.license, n.formats, n.parameters, n.downloads,
       n.license_issues, w.parent_id, w.relation, w.source, w.confidence
FROM walk w JOIN nodes n ON n.id = w.node_id
"""


@dataclass(slots=True)
class LineageNode:
    # Only what lineage output shows: every column costs time at 50,000 rows.
    id: int
    key: str
    status: str
    license: str
    formats: str
    parameters: int
    downloads: int
    issues: str  # license issue codes, comma-separated as stored
    depth: int = 0
    # (parent id, relation, source, confidence), shallowest parent first after the BFS
    parents: list[tuple[int, str, str, float]] = field(default_factory=list)

    @property
    def hub(self) -> str:
        return self.key.partition(":")[0]

    @property
    def repo_id(self) -> str:
        return self.key.partition(":")[2]

    @property
    def relation(self) -> str:
        """The relation to the parent it is shown under (the first, shallowest one)."""
        return self.parents[0][1] if self.parents else ""

    @property
    def license_issues(self) -> list[str]:
        return self.issues.split(",") if self.issues else []


@dataclass
class Lineage:
    """A root's or node's descendants: nodes by id, start ids, in BFS order."""

    start: list[int]
    nodes: dict[int, LineageNode]
    order: list[int]
    # what a reader asked for and how it was found, for the one who renders it
    label: str = ""  # the target as asked (a root name, a key)
    matched: set[int] | None = None  # with a relation filter: the nodes that passed it
    note: str = ""  # e.g. "declared lineage only" for a swept model

    def children(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for node_id in self.order:
            for parent_id, *_ in self.nodes[node_id].parents:
                out.setdefault(parent_id, []).append(node_id)
        return out


def descendants(
    session: Session, start_ids: Sequence[int], *, max_depth: int | None = None
) -> Lineage:
    """Every node reachable from `start_ids` (themselves included), with parent edges."""
    from sqlalchemy import bindparam, text

    if not start_ids:
        return Lineage([], {}, [])
    sql = (_WALK_DEPTH if max_depth is not None else _WALK) + _SELECT  # walk_sql()
    stmt = text(sql).bindparams(bindparam("start", expanding=True))
    params: dict[str, Any] = {"start": list(start_ids)}
    if max_depth is not None:
        params["max_depth"] = max_depth
    return lineage_from_rows(session.execute(stmt, params), start_ids, max_depth)


def walk_sql(max_depth: int | None) -> str:
    """The walk and its SELECT as one statement; `:start` is the list of start ids."""
    return (_WALK_DEPTH if max_depth is not None else _WALK) + _SELECT


def lineage_from_rows(
    rows: Iterable[Sequence[Any]], start_ids: Sequence[int], max_depth: int | None
) -> Lineage:
    """The Lineage of the walk's rows (`walk_sql`), depths and parent order set."""
    nodes: dict[int, LineageNode] = {}
    # plain tuples: 50,000 rows, so attribute access by name would cost more than the query
    for row in rows:
        node = nodes.get(row[0])
        if node is None:
            # one type per field whatever the row holds: "" for no text, 0 for no number
            node = nodes[row[0]] = LineageNode(row[0], row[1], row[2] or "", row[3] or "",
                                               row[4] or "", row[5] or 0, row[6] or 0,
                                               row[7] or "")
        parent_id = row[8]
        if parent_id is not None and all(p[0] != parent_id for p in node.parents):
            node.parents.append((parent_id, row[9], row[10], float(row[11])))
    order = _bfs(list(start_ids), nodes, max_depth)
    return Lineage(list(start_ids), {i: nodes[i] for i in order}, order)


def _bfs(start: list[int], nodes: dict[int, LineageNode], max_depth: int | None) -> list[int]:
    """Set each node's depth (shortest distance from a start) and order parents by it."""
    children: dict[int, list[int]] = {}
    for node in nodes.values():
        for parent in node.parents:  # not `parent_id, *_`: a list built per edge
            children.setdefault(parent[0], []).append(node.id)
    for kids in children.values():
        if len(kids) > 1:
            kids.sort(key=lambda i: nodes[i].key.lower())
    depth = {i: 0 for i in start if i in nodes}
    queue = deque(depth)
    order = list(depth)
    while queue:
        current = queue.popleft()
        if max_depth is not None and depth[current] >= max_depth:
            continue
        for child in children.get(current, ()):
            if child not in depth:
                depth[child] = depth[current] + 1
                order.append(child)
                queue.append(child)
    for node_id in order:
        node = nodes[node_id]
        node.depth = depth[node_id]
        if node.depth == 0:
            node.parents = []
        elif len(node.parents) > 1:  # show it under its shallowest parent within the walk
            node.parents = sorted(
                (p for p in node.parents if p[0] in depth),
                key=lambda p: (depth[p[0]], nodes[p[0]].key.lower()),
            )
    return order


# CAST: psycopg sends a small Python int as smallint, which PostgreSQL refuses to UNION with
# the integer ids of the recursive term.
_ANCESTORS = """
WITH RECURSIVE up(node_id) AS (
    SELECT CAST(:start AS INTEGER)
    UNION
    SELECT e.parent_id FROM edges e JOIN up u ON e.child_id = u.node_id
)
SELECT n.id, n.key, e.parent_id
FROM up u JOIN nodes n ON n.id = u.node_id
LEFT JOIN edges e ON e.child_id = u.node_id
"""


def ancestors(session: Session, node_id: int) -> list[tuple[int, str, int]]:
    """(id, key, distance) of every ancestor of a node, nearest first (node excluded)."""
    from sqlalchemy import text

    parents: dict[int, list[int]] = {}
    keys: dict[int, str] = {}
    for row in session.execute(text(_ANCESTORS), {"start": node_id}):
        keys[row.id] = row.key
        if row.parent_id is not None:
            parents.setdefault(row.id, []).append(row.parent_id)
    distance = {node_id: 0}
    queue = deque([node_id])
    while queue:
        current = queue.popleft()
        for parent in parents.get(current, ()):
            if parent not in distance and parent in keys:
                distance[parent] = distance[current] + 1
                queue.append(parent)
    return sorted(
        ((i, keys[i], d) for i, d in distance.items() if i != node_id), key=lambda t: (t[2], t[1])
    )
