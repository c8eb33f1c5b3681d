"""Database -> networkx.DiGraph with exactly the attributes of SPEC.md's export schema.

The graph holds the families of the configured roots (or of one root): every node reachable
from a root's nodes, each edge between two such nodes. Node ids are node keys. License issues
come from `graph.licenses.audit` over the same graph, so exports, `tracker licenses` and the
crawl summary agree.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import networkx as nx

from db import repository as repo
from db.repository import family_ids
from db.repository.common import AnyRow
from db.session import Session
from graph.asof import rewind
from graph.license_audit import LicenseIssue, audit, issues_by_node, load_rules


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def build_graph(
    session: Session,
    roots: Mapping[str, Any],
    *,
    root: str | None = None,
    rules_path: str | None = None,
    at: datetime | None = None,
) -> tuple[nx.DiGraph, list[LicenseIssue]]:
    """The lineage graph of all roots (or one), attributes typed and never None, with the
    license issues found on it (`graph.licenses.LicenseIssue`). With `at`, the graph as it
    stood at that instant (graph/asof.py), audited as it was then."""
    names = [root] if root else list(roots)
    graph, keys, root_ids = _family_graph(session, names, audit_only=False)
    if at is not None:
        rewind(session, graph, keys, at, root_ids=root_ids, names=names)
    issues = apply_license_audit(graph, roots, names, rules_path)
    for _, data in graph.nodes(data=True):
        data.pop("attribution", None)  # the audit's input, not an export attribute
    return graph, issues


def _family_graph(
    session: Session, names: list[str], *, audit_only: bool
) -> tuple[nx.DiGraph, dict[int, str], dict[str, list[int]]]:
    """The families of `names` as a graph, with node id -> key and the root members. With
    `audit_only`, nodes carry only what the license audit reads and edges no attributes."""
    families = family_ids(session, names)
    root_ids = repo.root_members(session)
    all_ids: set[int] = set().union(*families.values()) if families else set()
    graph = nx.DiGraph(roots=",".join(names))
    keys: dict[int, str] = {}
    rows = repo.graph_node_rows(session, all_ids, audit_only=audit_only)
    if audit_only:
        is_root = set().union(*root_ids.values()) if root_ids else set()
        for node in rows:
            keys[node.id] = node.key
            graph.add_node(node.key, license=node.license or "", license_issues="",
                           attribution=node.attribution, is_root=node.id in is_root)
        for parent_id, child_id in repo.graph_edge_rows(session, all_ids, links_only=True):
            if parent_id in keys and child_id in keys:
                graph.add_edge(keys[parent_id], keys[child_id])
        return graph, keys, root_ids
    aliases = repo.aliases_of_nodes(session, all_ids)
    for node in sorted(rows, key=lambda n: n.key):
        keys[node.id] = node.key
        graph.add_node(node.key, **_node_attrs(node, families, root_ids, aliases))
    for edge in repo.graph_edge_rows(session, all_ids):
        if edge.parent_id in keys and edge.child_id in keys:
            graph.add_edge(
                keys[edge.parent_id],
                keys[edge.child_id],
                relation=edge.relation,
                source=edge.source,
                confidence=float(edge.confidence),
                evidence=edge.evidence or "",
                first_seen=_iso(edge.first_seen),
            )
    return graph, keys, root_ids


def _node_attrs(
    node: AnyRow,
    families: Mapping[str, set[int]],
    root_ids: Mapping[str, list[int]],
    aliases: Mapping[int, list[str]],
) -> dict[str, Any]:
    return {
        "hub": node.hub,
        "repo_id": node.repo_id,
        "url": node.url or "",
        "roots": ",".join(sorted(n for n, ids in families.items() if node.id in ids)),
        "is_root": any(node.id in ids for ids in root_ids.values()),
        "license": node.license or "",
        "license_issues": "",
        "status": node.status or "active",
        "formats": node.formats or "",
        "parameters": int(node.parameters or 0),
        "downloads": int(node.downloads or 0),
        "likes": int(node.likes or 0),
        "created_at": _iso(node.created_at),
        "last_modified": _iso(node.last_modified),
        "first_seen": _iso(node.first_seen),
        "last_seen": _iso(node.last_seen),
        "aliases": ",".join(sorted(aliases.get(node.id, []))),
        # not exported (SPEC lists what is); used by the license audit
        "attribution": node.attribution,
    }


def apply_license_audit(
    graph: nx.DiGraph, roots: Mapping[str, Any], names: list[str], rules_path: str | None = None
) -> list[LicenseIssue]:
    """Judge every node against the roots it descends from; set `license_issues`."""
    rules = load_rules(rules_path or None)
    root_defs = {name: roots[name] for name in names if name in roots}
    issues = audit(graph, root_defs, rules)
    for key, codes in issues_by_node(issues).items():
        if key in graph:
            graph.nodes[key]["license_issues"] = ",".join(sorted(set(codes)))
    return issues


def refresh_license_issues(
    session: Session,
    roots: Mapping[str, Any],
    rules_path: str | None = None,
    *,
    count_roots: Collection[str] | None = None,
) -> dict[str, int]:
    """Audit all roots, store each node's issue codes (for `lineage`), and count the nodes
    with each code; with `count_roots`, only the issues against those roots are counted (a
    crawl of one root reports that root's issues; every node's flags are still stored)."""
    names = list(roots)
    graph, _, _ = _family_graph(session, names, audit_only=True)
    issues = apply_license_audit(graph, roots, names, rules_path)
    repo.store_license_issues(
        session, {key: data["license_issues"] for key, data in graph.nodes(data=True)}
    )
    counted = [i for i in issues if count_roots is None or i.root in count_roots]
    counts: dict[str, int] = {}
    for codes in issues_by_node(counted).values():
        for code in codes:
            counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items()))
