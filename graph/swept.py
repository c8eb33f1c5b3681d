"""Declared lineage of any swept model (`tracker sweep`), for models outside the Grok families.

A swept model has no evidence beyond what the Hub's listing declares (`base_model` tags), so
its lineage is declared-only: every edge is `source = declared`, confidence 1.0, the Hub's
relation word mapped to ours, and the result says so. `declared_lineage` answers in the
shape of `graph.queries.Lineage` (the same renderers serve it); `declared_graph` builds the
export graph with every attribute SPEC's schema requires, the unknown ones empty or 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from db import sweep as store
from db.lineage import Lineage, LineageNode, _bfs
from db.session import Session

DECLARED_ONLY = "declared lineage only (from the Hub sweep's base_model tags; no evidence read)"


@dataclass
class _Row:
    key: str
    parent: str | None
    relation: str | None
    repo_id: str | None
    license: str | None
    parameters: int | None
    gated: str | None
    gguf_arch: str | None
    library: str | None


def _walk(session: Session, hub: str, repo_id: str) -> list[_Row] | None:
    """The rows of the declared walk, or None when the hub's sweep knows nothing of it."""
    if store.find_swept(session, hub, repo_id) is None and not store.is_declared_parent(
        session, hub, repo_id
    ):
        return None
    return [_Row(*r) for r in store.declared_descendants(session, hub, repo_id)]


def declared_lineage(
    session: Session, hub: str, repo_id: str, *, max_depth: int | None = None
) -> Lineage | None:
    """Every declared descendant of a swept model, or None if it was never swept nor named."""
    rows = _walk(session, hub, repo_id)
    if rows is None:
        return None
    ids: dict[str, int] = {}
    nodes: dict[int, LineageNode] = {}
    for r in rows:  # one node per model, however many edges reach it
        if r.key not in ids:
            i = ids[r.key] = len(ids) + 1
            nodes[i] = LineageNode(
                i,
                f"{hub}:{r.repo_id or (repo_id if r.key == repo_id.lower() else r.key)}",
                "gated" if r.gated else "active",
                r.license or "",
                "gguf" if r.gguf_arch else "",
                int(r.parameters or 0),
                0,
                "",
            )
    for r in rows:
        if r.parent is not None and r.parent in ids:
            node = nodes[ids[r.key]]
            parent = ids[r.parent]
            if all(p[0] != parent for p in node.parents):
                node.parents.append((parent, r.relation or "other", "declared", 1.0))
    start = [ids[repo_id.lower()]]
    order = _bfs(start, nodes, max_depth)
    result = Lineage(start, {i: nodes[i] for i in order}, order)
    result.note = DECLARED_ONLY  # type: ignore[attr-defined]
    return result


def declared_graph(session: Session, hub: str, repo_id: str, endpoint: str) -> nx.DiGraph | None:
    """The declared family of a swept model as an export graph (SPEC's attributes), or None."""
    result = declared_lineage(session, hub, repo_id)
    if result is None:
        return None
    graph = nx.DiGraph(roots="", lineage=DECLARED_ONLY)
    swept = {}
    for node in result.nodes.values():
        row = store.find_swept(session, hub, node.repo_id)
        swept[node.id] = row
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
            created_at=_iso(row.created_at if row else None),
            last_modified=_iso(row.last_modified if row else None),
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
