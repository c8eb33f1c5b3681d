"""One look for every picture of the graph (html, mermaid, dot): a colour per relation, a shape
per hub, and each node's relation to its parent and generation.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
red is left out of it on purpose: the pictures use it only to mark license issues.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.export.common import EDGE_FIELDS, NODE_FIELDS, ExportGraph

# SPEC.md's relations, in its order, then what a node is when it has no parent edge.
RELATION_COLORS = {
    "fork": "#999999",
    "conversion": "#56B4E9",
    "quantization": "#0072B2",
    "finetune": "#E69F00",
    "adapter": "#009E73",
    "merge": "#CC79A7",
    "tokenizer": "#F0E442",
    "other": "#8C6D31",
    "root": "#000000",
    "none": "#FFFFFF",  # a node whose parent is outside this graph (e.g. `--at` before it)
}
ISSUE_COLOR = "#D7191C"  # the border of a node with license issues
HUB_SHAPES = {"huggingface": "ellipse", "github": "round-rectangle", "modelscope": "diamond"}

_RELATION = list(EDGE_FIELDS).index("relation")
_SOURCE = list(EDGE_FIELDS).index("source")
_CONFIDENCE = list(EDGE_FIELDS).index("confidence")
_IS_ROOT = list(NODE_FIELDS).index("is_root")


def relation_color(relation: str) -> str:
    """The colour of `relation` (an unknown word gets `other`'s)."""
    return RELATION_COLORS.get(relation, RELATION_COLORS["other"])


def node_relations(graph: ExportGraph) -> dict[str, str]:
    """Node key -> its relation to its parent: `root` for a root, `none` without a parent
    edge, else the relation of its strongest parent edge (declared before inferred, then by
    confidence; a merge's edges all say `merge`)."""
    best: dict[str, tuple[tuple[bool, float, str], str]] = {}  # child -> (rank, relation)
    for parent, child, row in graph.edges:
        rank = (row[_SOURCE] == "declared", row[_CONFIDENCE], parent)
        if child not in best or rank > best[child][0]:
            best[child] = (rank, row[_RELATION])
    return {
        key: "root" if row[_IS_ROOT] else best[key][1] if key in best else "none"
        for key, row in graph.nodes
    }


def generations(keys: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Node key -> its generation: the longest path down from a node without parents, so every
    child sits below all of its parents. Nodes on a cycle (the resolver forbids them; an old
    database might hold one) get one more than their deepest placed parent."""
    keys = list(keys)
    parents: dict[str, list[str]] = {key: [] for key in keys}
    children: dict[str, list[str]] = {key: [] for key in keys}
    for parent, child in edges:
        if parent in parents and child in parents and parent != child:
            parents[child].append(parent)
            children[parent].append(child)
    waiting = {key: len(parents[key]) for key in keys}
    depth = {key: 0 for key in keys if not waiting[key]}
    ready = list(depth)
    while ready:
        node = ready.pop()
        for child in children[node]:
            depth[child] = max(depth.get(child, 0), depth[node] + 1)
            waiting[child] -= 1
            if not waiting[child]:
                ready.append(child)
    for key in keys:  # only cycles are left
        if key not in depth:
            depth[key] = 1 + max((depth[p] for p in parents[key] if p in depth), default=0)
    return depth
