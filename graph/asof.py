"""The lineage graph as it stood at a past instant (`tracker export --at DATE`).

Nothing is stored per date: the graph is built from today's rows and rewound.
- A node or edge first seen after the instant is dropped, and so is a node that only edges
  found later tied to a root (families are walked again over the edges known then).
- Each node's history rows stamped after the instant are undone, newest first, from the
  current values: license, status, formats, parameters, downloads, likes, attribution, the
  relation of an edge to its parent, and a rename (the node goes back to its former key,
  repo_id and url, and drops the aliases it had not yet).
- `last_seen` becomes the end of the last run that saw the node by then; `last_modified`,
  which the hub reports and the tracker does not keep as history, is left empty when it is
  later than the instant (unknown then). An edge's source, confidence and evidence are the
  current ones (not kept as history).
A node proven removed before the instant stays, with status `removed`, as in every export.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import networkx as nx

from db import repository as repo
from db import timeline
from db.session import Session


def _when(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _stamp(value: str) -> datetime:
    """A stamp every node and edge has (`first_seen`, `last_seen`)."""
    return datetime.fromisoformat(value)


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


# history field -> (export attribute, how to read the stored text back)
_UNDO: dict[str, tuple[str, Any]] = {
    "license": ("license", lambda t: t or ""),
    "status": ("status", lambda t: t or "active"),
    "formats": ("formats", lambda t: t or ""),
    "parameters": ("parameters", _int),
    "downloads": ("downloads", _int),
    "likes": ("likes", _int),
    "attribution": ("attribution", lambda t: None if t is None else t == "True"),
}


def rewind(
    session: Session,
    graph: nx.DiGraph,
    keys: Mapping[int, str],
    at: datetime,
    *,
    root_ids: Mapping[str, list[int]],
    names: list[str],
) -> nx.DiGraph:
    """Turn `graph` (today's, built by graph.build with node ids `keys`) into the graph as of
    `at`; returns the graph (changed in place)."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    at = at.astimezone(UTC)
    ids = {key: node_id for node_id, key in keys.items() if key in graph}

    # 1. what the tracker had not yet found
    later_edges = [(u, v) for u, v, d in graph.edges(data=True) if _stamp(d["first_seen"]) > at]
    graph.remove_edges_from(later_edges)
    later_nodes = [k for k, d in graph.nodes(data=True) if _stamp(d["first_seen"]) > at]
    graph.remove_nodes_from(later_nodes)
    ids = {k: i for k, i in ids.items() if k in graph}
    by_id = {i: k for k, i in ids.items()}

    # 2. undo later changes, newest first
    former_key: dict[int, str] = {}
    for row in timeline.history_after(session, by_id, at):
        key = by_id[row.node_id]
        data = graph.nodes[key]
        if row.field in _UNDO:
            name, read = _UNDO[row.field]
            data[name] = read(row.old)
        elif row.field == "repo_id" and row.old:
            former_key[row.node_id] = row.old
        elif row.field == "relation":
            _undo_relation(session, graph, key, row.old, row.new)
        elif row.field == "parent":
            _undo_parents(session, graph, key, row.old, row.new)

    # 3. stamps as they stood then
    stale = [i for i, k in by_id.items() if _stamp(graph.nodes[k]["last_seen"]) > at]
    observed = timeline.last_observed_by(session, stale, at)
    for node_id in stale:
        data = graph.nodes[by_id[node_id]]
        data["last_seen"] = observed.get(node_id, _stamp(data["first_seen"])).isoformat()
    for _, data in graph.nodes(data=True):
        modified = _when(data["last_modified"])
        if modified is not None and modified > at:
            data["last_modified"] = ""

    # 4. former ids: the key it had then, and only the aliases it had by then
    aliases = timeline.aliases_of(session, by_id)
    for node_id, key in by_id.items():
        then = former_key.get(node_id, key)
        known = [a for a, since in aliases.get(node_id, []) if since <= at and a != then]
        graph.nodes[key]["aliases"] = ",".join(sorted(known))
    # a former key now held by another node (never, once renames merge) keeps today's key
    mapping = {by_id[i]: k for i, k in former_key.items() if k not in graph}
    for current, then in mapping.items():
        data = graph.nodes[current]
        _, _, old_repo = then.partition(":")
        data["url"] = data["url"].replace(data["repo_id"], old_repo) if data["url"] else ""
        data["repo_id"] = old_repo
    if mapping:
        nx.relabel_nodes(graph, mapping, copy=False)
        by_id = {i: mapping.get(k, k) for i, k in by_id.items()}

    # 5. families over the edges known then
    starts = {name: [by_id[i] for i in root_ids.get(name, []) if i in by_id] for name in names}
    families: dict[str, set[str]] = {}
    for name, nodes in starts.items():
        reach: set[str] = set(nodes)
        for node in nodes:
            reach |= nx.descendants(graph, node)
        families[name] = reach
    keep = set().union(*families.values()) if families else set()
    graph.remove_nodes_from([k for k in list(graph) if k not in keep])
    for key, data in graph.nodes(data=True):
        data["roots"] = ",".join(sorted(n for n, fam in families.items() if key in fam))
    return graph


def _undo_relation(
    session: Session, graph: nx.DiGraph, child: str, old: str | None, new: str | None
) -> None:
    parsed_old, parsed_new = repo.parse_relation_text(old), repo.parse_relation_text(new)
    if parsed_old is None or parsed_new is None:
        return
    relation, parent_key = parsed_old
    # the parent may have been renamed since the row was written: resolve through aliases
    parent = repo.resolve_key(session, parent_key)
    if parent is not None and graph.has_edge(parent.key, child):
        graph.edges[parent.key, child]["relation"] = relation


def _parents(text: str | None) -> list[tuple[str, str]]:
    """(relation, parent key) pairs of a `parent` history value ("a of X; b of Y")."""
    parsed = (repo.parse_relation_text(part) for part in (text or "").split("; "))
    return [p for p in parsed if p is not None]


def _undo_parents(
    session: Session, graph: nx.DiGraph, child: str, old: str | None, new: str | None
) -> None:
    """The resolver moved `child` after the instant: its parents then come back (the edge
    rows of a retracted parent are gone; the history row keeps who it was)."""
    for _, parent_key in _parents(new):
        parent = repo.resolve_key(session, parent_key)
        if parent is not None and graph.has_edge(parent.key, child):
            graph.remove_edge(parent.key, child)
    for relation, parent_key in _parents(old):
        parent = repo.resolve_key(session, parent_key)
        if parent is None or parent.key not in graph or graph.has_edge(parent.key, child):
            continue
        graph.add_edge(
            parent.key,
            child,
            relation=relation,
            source="inferred",
            confidence=0.0,
            evidence="the parent it had then (moved since: see tracker explain)",
            first_seen="",
        )
