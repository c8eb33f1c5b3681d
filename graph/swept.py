"""Declared lineage of any swept model (`tracker sweep`), for models outside the Grok families.

A swept model has no evidence beyond what the Hub's listing declares (`base_model` tags), so
its lineage is declared-only: every edge is `source = declared`, confidence 1.0, the Hub's
relation word mapped to ours, and the result says so. `declared_lineage` answers in the
shape of `graph.queries.Lineage` (the same renderers serve it); `declared_graph` builds the
export rows with every attribute SPEC's schema requires, the unknown ones empty or 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from db import swept_read
from db.lineage import Lineage, LineageNode, _bfs
from db.lite import Reader

if TYPE_CHECKING:  # SQLAlchemy's: `tracker lineage` reads through the driver alone (db/lite.py)
    from db.session import Session
    from graph.export.common import ExportGraph

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


def declared_graph(
    source: Session | Reader, hub: str, repo_id: str, endpoint: str
) -> ExportGraph | None:
    """The declared family of a swept model as export rows (SPEC's attributes, typed and
    sanitized), or None when the sweep knows nothing of it.

    Built straight from the walk's rows, not through a NetworkX graph and the exporters'
    generic check (`graph.export.normalize`): for 47,938 members those were 2.4 s of the
    export's 3.9 s of CPU. Members in the order the walk first names them; an edge for each
    declared parent within the family, none into the model asked for (as `tracker lineage`
    shows it: the top)."""
    # here, not at the top: `tracker lineage` needs no exporter (the package costs 45 ms)
    from graph.export.common import ExportGraph, sanitize, sanitize_key

    rows = _walk(source, hub, repo_id)
    if rows is None:
        return None
    start = repo_id.lower()
    base = endpoint.rstrip("/") + "/"
    keys: dict[str, str] = {}  # walk key -> node key
    shown: dict[str, str] = {}  # walk key -> repo id as the Hub spells it
    nodes: list[tuple[str, tuple[Any, ...]]] = []
    for key, _parent, _rel, repo, license_, params, gated, gguf, _lib, made, modified in rows:
        if key in keys:
            continue
        name = sanitize(repo or (repo_id if key == start else key))
        node_key = keys[key] = sanitize_key(f"{hub}:{name}")
        shown[key] = name
        nodes.append((node_key, (
            hub, name, sanitize(base + name), "", key == start, sanitize(license_ or ""), "",
            "gated" if gated else "active", "gguf" if gguf else "", int(params or 0), 0, 0,
            _iso(made), _iso(modified), "", "", "",
        )))  # fmt: skip
    edges: list[tuple[str, str, tuple[Any, ...]]] = []
    linked: set[tuple[str, str]] = set()
    for key, parent, relation, *_ in rows:
        if parent is None or parent not in keys or key == start or (parent, key) in linked:
            continue
        linked.add((parent, key))
        edges.append((keys[parent], keys[key], (
            sanitize(relation or "other"), "declared", 1.0,
            f"Hub tag base_model names {shown[parent]}", "",
        )))  # fmt: skip
    # declared lineage only: every edge says so (source "declared"), and `tracker lineage`
    # prints DECLARED_ONLY; a graph attribute for it is outside SPEC's export schema
    return ExportGraph({"roots": ""}, nodes, edges)


def _iso(value: str | None) -> str:
    """The Hub's `2024-03-18T00:00:00.000Z` as the exports write times (+00:00)."""
    if not value:
        return ""
    return value.replace("Z", "+00:00")
