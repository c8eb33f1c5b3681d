"""The read side: what `lineage`, `show`, `licenses` and `export` ask of the store.

Each function takes the `Config`, opens the database, answers, and returns plain data that the
CLI renders; nothing here prints. Targets resolve in one place (`resolve_target`): a root name
from config, a node key, a former key (alias), or a bare `owner/name` on any hub.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import networkx as nx

from crawlers.base import RELATIONS, is_valid_repo_id
from crawlers.hubs import HUBS
from db import repository as repo
from db.lineage import Lineage, ancestors, descendants
from db.session import Session, open_readonly, session_scope
from graph.build import build_graph
from graph.export import export as write
from graph.license_audit import LicenseIssue
from graph.provenance import MIN_CONFIDENCE, provenance
from graph.swept import declared_graph, declared_lineage
from tracker.config import Config
from tracker.errors import UnknownNode


@contextmanager
def store(config: Config) -> Iterator[Session]:
    """A session on the configured database, read as it is (never created or migrated)."""
    engine = open_readonly(config.database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


@dataclass
class Target:
    label: str
    start_ids: list[int]
    roots: list[str]  # root names when the target is a root


def resolve_target(session: Session, config: Config, target: str) -> Target:
    """A root name, node key, alias or bare repo id -> start node ids; UnknownNode if none."""
    if target in config.roots:
        ids = repo.root_members(session).get(target, [])
        if not ids:
            raise UnknownNode(
                f"root {target!r} has no crawled nodes yet; run `tracker crawl` first"
            )
        return Target(target, sorted(ids), [target])
    if ":" in target:
        node = repo.resolve_key(session, target)
        if node is not None:
            return Target(node.key, [node.id], [])
        hub, _, repo_id = target.partition(":")
        nodes = repo.find_nodes_by_repo_id(session, repo_id, [hub.lower()])
    else:
        nodes = repo.find_nodes_by_repo_id(session, target, HUBS)
    if nodes:
        label = nodes[0].key if len(nodes) == 1 else target
        return Target(label, [n.id for n in nodes], [])
    roots = ", ".join(config.roots)
    raise UnknownNode(
        f"{target!r} is neither a root ({roots}) nor a node in the database; "
        "use a key like huggingface:xai-org/grok-1"
    )


def lineage(
    config: Config, target: str, *, depth: int | None = None, relations: Sequence[str] = ()
) -> Lineage:
    """All descendants of a root or node (a `db.lineage.Lineage`), optionally filtered.

    With `relations`, only nodes whose edge to their parent has one of them are kept, plus
    the ancestors that connect them, so a tree still reads from the root.
    """
    bad = [r for r in relations if r not in RELATIONS]
    if bad:
        raise UnknownNode(f"unknown relation {bad[0]!r}; one of {', '.join(RELATIONS)}")
    if depth is not None and depth < 0:
        raise UnknownNode("--depth must be 0 or more")
    with store(config) as session:
        try:
            found = resolve_target(session, config, target)
        except UnknownNode:  # not in a Grok family: any swept model, declared lineage only
            result = swept_lineage(session, target, max_depth=depth)
            if result is None:
                raise
            found = Target(result.nodes[result.start[0]].key, [], [])
        else:
            result = descendants(session, found.start_ids, max_depth=depth)
    result.label = found.label
    if relations:
        keep = {i for i, n in result.nodes.items() if n.relation in relations}
        wanted = set(keep)
        for node_id in keep:  # climb to a start node along shown parents
            current = node_id
            while result.nodes[current].parents:
                current = result.nodes[current].parents[0][0]
                if current in wanted:
                    break
                wanted.add(current)
        wanted.update(i for i in result.start if i in result.nodes)
        result.order = [i for i in result.order if i in wanted]
        result.nodes = {i: result.nodes[i] for i in result.order}
        result.matched = keep
    return result


def swept_target(target: str) -> str | None:
    """The repo id a target names on the swept hub (`huggingface:owner/name` or `owner/name`)."""
    hub, sep, rid = target.rpartition(":")
    if sep and hub != "huggingface":
        return None
    return rid if is_valid_repo_id(rid) else None


def swept_lineage(
    session: Session, target: str, *, max_depth: int | None = None
) -> Lineage | None:
    rid = swept_target(target)
    return None if rid is None else declared_lineage(session, "huggingface", rid,
                                                     max_depth=max_depth)


def show(config: Config, key: str) -> dict[str, Any]:
    """One node: metadata, roots and ancestors, parents and children with evidence, files,
    history."""
    with store(config) as session:
        found = resolve_target(session, config, key)
        if len(found.start_ids) != 1:
            raise UnknownNode(f"{key!r} matches several nodes; give the full key (hub:owner/name)")
        return repo.node_detail(
            session, found.start_ids[0], ancestors=ancestors(session, found.start_ids[0])
        )


def export(
    config: Config,
    fmt: str,
    output: str | os.PathLike[str] | BinaryIO,
    *,
    root: str | None = None,
    node: str | None = None,
    at: datetime | None = None,
    min_confidence: float | None = None,
) -> int:
    """Write the graph in `fmt` to `output` (path or binary stream); returns the node count.
    With `node`, only its ancestors and descendants (and itself); with `at`, the graph as it
    stood at that instant (see graph/asof.py). `cyclonedx` is the BOM of `node` (its
    ancestry; edges below `min_confidence` as variants), or of the family without it."""
    if root is not None and root not in config.roots:
        raise UnknownNode(f"unknown root {root!r}; known: {', '.join(config.roots)}")
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
            write(graph, fmt, output, notes={"at": "", "focus": f"huggingface:{rid}",
                                             "issues": {}})
            return int(graph.number_of_nodes())
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
    write(graph, fmt, output, notes=notes)
    return int(graph.number_of_nodes())


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
    return graph.subgraph(wanted).copy()


def _explanations(
    issues: Iterable[LicenseIssue], graph: nx.DiGraph
) -> dict[str, list[dict[str, str]]]:
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
    if root is not None and root not in config.roots:
        raise UnknownNode(f"unknown root {root!r}; known: {', '.join(config.roots)}")
    names = [root] if root else list(config.roots)
    with store(config) as session:
        graph, issues = build_graph(
            session, config.roots, root=root, rules_path=config.get("licenses.rules") or None
        )
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    return {"roots": names, "issues": issues, "counts": counts, "nodes": graph.number_of_nodes()}
