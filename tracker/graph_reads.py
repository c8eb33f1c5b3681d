"""The graph reads: what `licenses` and `export` ask of the store, as a NetworkX graph.

Apart from tracker.service because they load NetworkX, the license audit and the exporters
(CycloneDX's library alone takes a second to import on a loaded machine): `tracker lineage`
and `show` answer without them (README, Performance: start-up).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx

from db import repository as repo
from graph.build import build_graph
from graph.export import export as write
from graph.provenance import MIN_CONFIDENCE, provenance
from graph.swept import declared_graph
from tracker.config import Config
from tracker.errors import UnknownNode
from tracker.service import canonical_root, resolve_target, store, swept_target


def export(
    config: Config,
    fmt: str,
    output: str | os.PathLike[str] | BinaryIO,
    *,
    root: str | None = None,
    node: str | None = None,
    at: datetime | None = None,
    min_confidence: float | None = None,
) -> tuple[int, list[Path]]:
    """Write the graph in `fmt` to `output` (path or binary stream); returns the node count
    and the files written (none to a stream).
    With `node`, only its ancestors and descendants (and itself); with `at`, the graph as it
    stood at that instant (see graph/asof.py). `cyclonedx` is the BOM of `node` (its
    ancestry; edges below `min_confidence` as variants), or of the family without it."""
    if root is not None:
        root = canonical_root(config, root)
    bom = fmt == "cyclonedx"
    with store(config) as session:
        try:
            found = resolve_target(session, config, node) if node else None
        except UnknownNode:  # any swept model: its declared family, as the sweep saw it
            rid = swept_target(node or "")
            endpoint = config.hubs["huggingface"].endpoint
            graph = declared_graph(session, "huggingface", rid, endpoint) if rid else None
            if graph is None:
                raise
            files = write(graph, fmt, output,
                          notes={"at": "", "focus": f"huggingface:{rid}", "issues": {}})
            return len(graph.nodes), files
        focus = [n.key for n in repo.nodes_by_id(session, found.start_ids)] if found else []
        if bom and found is not None and (found.roots or len(focus) != 1):
            raise UnknownNode(f"{node!r} is not one node; give its key (hub:owner/name)")
        graph, issues = build_graph(
            session,
            config.roots,
            root=root,
            rules_path=config.get("licenses.rules") or None,
            at=at,
        )
        if found is not None:
            graph = _around(graph, focus, node, descendants=not bom)
        notes = {
            "at": at.isoformat() if at else "",
            "focus": found.label if found else "",
            "issues": _explanations(issues, graph),
        }
        if bom:
            notes |= provenance(
                session,
                graph,
                config.roots,
                subject=focus[0] if focus else None,
                min_confidence=MIN_CONFIDENCE if min_confidence is None else min_confidence,
            )
    return graph.number_of_nodes(), write(graph, fmt, output, notes=notes)


def _around(
    graph: nx.DiGraph, keys: Sequence[str], asked: str | None, *, descendants: bool = True
) -> nx.DiGraph:
    """The part of `graph` that `keys` descend from (or lead to), the keys included."""
    present = [key for key in keys if key in graph]
    if not present:
        raise UnknownNode(f"{asked!r} is in no family of the exported roots")
    wanted = set(present)
    for key in present:
        wanted |= nx.ancestors(graph, key)
        if descendants:
            wanted |= nx.descendants(graph, key)
    # in the graph's own order: a subgraph view of a few nodes iterates the set, whose order
    # changes from run to run (a mermaid picture's numbering with it)
    part = graph.__class__(**graph.graph)
    part.add_nodes_from((key, graph.nodes[key]) for key in graph if key in wanted)
    part.add_edges_from((u, v, data) for u, v, data in graph.edges(data=True)
                        if u in wanted and v in wanted)
    return part


def _explanations(issues: Iterable[Any], graph: nx.DiGraph) -> dict[str, list[dict[str, str]]]:
    """Node key -> its confirmed license issues with the audit's explanation."""
    found: dict[str, list[dict[str, str]]] = {}
    for issue in issues:
        if issue.verified and issue.node in graph:
            found.setdefault(issue.node, []).append(
                {"code": issue.code, "root": issue.root, "explanation": issue.explanation}
            )
    return found


def licenses(config: Config, root: str | None = None) -> dict[str, Any]:
    """License issues along the lineage of all roots or one: issues and counts per code."""
    if root is not None:
        root = canonical_root(config, root)
    names = [root] if root else list(config.roots)
    with store(config) as session:
        graph, issues = build_graph(
            session, config.roots, root=root, rules_path=config.get("licenses.rules") or None
        )
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    return {"roots": names, "issues": issues, "counts": counts, "nodes": graph.number_of_nodes()}
