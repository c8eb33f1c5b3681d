"""Declared lineage of any swept model (`tracker sweep`), for models outside the Grok families.

A swept model has no evidence beyond what the Hub's listing declares (`base_model` tags), so
its lineage is declared-only: every edge is `source = declared`, confidence 1.0, the Hub's
relation word mapped to ours, and the result says so. `declared_lineage` answers in the
shape of `graph.queries.Lineage` (the same renderers serve it); `declared_graph` builds the
export graph with every attribute SPEC's schema requires, the unknown ones empty or 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from db import swept_read
from db.lineage import Lineage, LineageNode, _bfs
from db.lite import Reader

if TYPE_CHECKING:  # SQLAlchemy's: `tracker lineage` reads through the driver alone (db/lite.py)
    import networkx as nx

    from db.session import Session

DECLARED_ONLY = "declared lineage only (from the Hub sweep's base_model tags; no evidence read)"


# the columns of a walk row (db.sweep.declared_descendants)
_KEY, _PARENT, _RELATION, _REPO, _LICENSE, _PARAMS, _GATED, _GGUF, _LIB, _CREATED, _MODIFIED = (
    range(11)
)


def _walk(source: Session | Reader, hub: str, repo_id: str) -> list[tuple[Any, ...]] | None:
    """The rows of the declared walk (db.swept_read.walk: a big family stored together read in
    one range scan, unless the last sweep stopped before storing its families again), or None
    when the hub's sweep knows nothing of it; through a session's own connection or a Reader
    of the driver's."""
    if not isinstance(source, Reader):
        from db.sweep import session_reader

        source = session_reader(source)
    return swept_read.walk(source, hub, repo_id)


def declared_lineage(
    source: Session | Reader, hub: str, repo_id: str, *, max_depth: int | None = None
) -> Lineage | None:
    """Every declared descendant of a swept model, or None if it was never swept nor named."""
    rows = _walk(source, hub, repo_id)
    if rows is None:
        return None
    return _lineage(hub, repo_id, rows, max_depth)


def _lineage(hub: str, repo_id: str, rows: list[tuple[Any, ...]], max_depth: int | None) -> Lineage:
    start_key = repo_id.lower()
    # one id per model, however many edges reach it, in the order rows first name it
    ids = {key: i for i, key in enumerate(dict.fromkeys(r[_KEY] for r in rows), 1)}
    nodes: dict[int, LineageNode] = {}
    prefix = f"{hub}:"
    # rows unpacked once each (not indexed per column): 50,000 rows are most of the command
    # every column named (no `*_`: a list built per row)
    for key, parent, relation, repo, license_, params, gated, gguf, _lib, _made, _mod in rows:
        i = ids[key]
        node = nodes.get(i)
        if node is None:
            shown = repo or (repo_id if key == start_key else key)
            node = nodes[i] = LineageNode(
                i,
                prefix + shown,
                "gated" if gated else "active",
                license_ or "",
                "gguf" if gguf else "",
                int(params or 0),
                0,
                "",
            )
        pid = ids.get(parent)  # None for the start and for a parent outside the rows
        if pid is not None:
            parents = node.parents
            if not parents or all(p[0] != pid for p in parents):
                parents.append((pid, relation or "other", "declared", 1.0))
    start = [ids[start_key]]
    order = _bfs(start, nodes, max_depth)
    result = Lineage(start, {i: nodes[i] for i in order}, order)
    result.note = DECLARED_ONLY
    return result


def declared_graph(session: Session, hub: str, repo_id: str, endpoint: str) -> nx.DiGraph | None:
    """The declared family of a swept model as an export graph (SPEC's attributes), or None."""
    import networkx as nx  # here, not at the top: `tracker lineage` needs no NetworkX (0.2 s)

    rows = _walk(session, hub, repo_id)
    if rows is None:
        return None
    result = _lineage(hub, repo_id, rows, None)
    dates = {r[_KEY]: (r[_CREATED], r[_MODIFIED]) for r in rows}  # one walk, no query per node
    # declared lineage only: every edge says so (source "declared"), and `tracker lineage`
    # prints DECLARED_ONLY; a graph attribute for it is outside SPEC's export schema
    graph = nx.DiGraph(roots="")
    for node in result.nodes.values():
        created, modified = dates.get(node.repo_id.lower(), (None, None))
        graph.add_node(
            node.key,
            hub=hub,
            repo_id=node.repo_id,
            url=f"{endpoint.rstrip('/')}/{node.repo_id}",
            roots="",
            is_root=node.depth == 0,
            license=node.license,
            license_issues="",
            status=node.status,
            formats=node.formats,
            parameters=node.parameters,
            downloads=0,
            likes=0,
            created_at=_iso(created),
            last_modified=_iso(modified),
            first_seen="",
            last_seen="",
            aliases="",
        )
    for node in result.nodes.values():
        for parent, relation, source, confidence in node.parents:
            graph.add_edge(
                result.nodes[parent].key,
                node.key,
                relation=relation,
                source=source,
                confidence=confidence,
                evidence=f"Hub tag base_model names {result.nodes[parent].repo_id}",
                first_seen="",
            )
    return graph


def _iso(value: str | None) -> str:
    """The Hub's `2024-03-18T00:00:00.000Z` as the exports write times (+00:00)."""
    if not value:
        return ""
    return value.replace("Z", "+00:00")
