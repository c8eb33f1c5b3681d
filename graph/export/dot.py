"""Graphviz DOT: the lineage as a picture for papers (`dot -Tsvg lineage.dot > lineage.svg`).

Roots on top, a generation per rank; the fill colour is the node's relation to its parent
(graph.export.palette, as in the html page and mermaid), the shape its hub, a red border marks
license issues, a dashed one a removed repo and a bold one a gated repo; inferred edges are
dashed. Node ids are the node keys. Every string is quoted and escaped, so hub text cannot change
the graph's structure.
"""

from __future__ import annotations

from typing import BinaryIO

from graph.export.common import (
    EDGE_FIELDS,
    NODE_FIELDS,
    REPLACEMENT,
    ExportGraph,
    Row,
    SingleFile,
    Sink,
)
from graph.export.palette import ISSUE_COLOR, node_relations, relation_color

_N = {name: i for i, name in enumerate(NODE_FIELDS)}
_E = {name: i for i, name in enumerate(EDGE_FIELDS)}
_SHAPES = {"huggingface": "ellipse", "github": "box", "modelscope": "diamond"}


def quote(text: str) -> str:
    """`text` as a DOT double-quoted string. A backslash is doubled, so Graphviz's escapes in
    labels (`\\N`, `\\G`, `\\l`) never fire on hub text; line breaks become `\\n`."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    return f'"{text}"'


def node_id(key: str) -> str:
    """A node key as a DOT id. In an id (unlike a label) Graphviz keeps a backslash as it is
    but lets `\\"` escape the quote and a backslash-newline join lines, so a key holding a
    backslash or a line break (no valid repo id does) has those replaced by U+FFFD here."""
    for char in "\\\r\n":
        key = key.replace(char, REPLACEMENT)
    return '"' + key.replace('"', '\\"') + '"'


def label(key: str, hub: str, repo_id: str) -> str:
    """What a picture writes on a node: the repo id, with its hub unless Hugging Face."""
    return repo_id if hub == "huggingface" else f"{hub}:{repo_id}"


def ink(fill: str) -> str:
    """Black or white text, whichever reads on `fill` (#RRGGBB)."""
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#FFFFFF"


class DotExporter(SingleFile):
    """Graphviz DOT, coloured by relation."""

    name, suffix, suffixes = "dot", ".dot", (".dot", ".gv")

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = Sink(stream)
        relations = node_relations(graph)
        title = f"Grok lineage: {graph.attrs['roots']} ({graph.attrs['generated_at'][:10]})"
        out.add("digraph lineage {\n")
        out.add(f"  graph [rankdir=TB, labelloc=t, fontname=Helvetica, label={quote(title)}];\n")
        out.add("  node [style=filled, fontname=Helvetica, fontsize=10];\n")
        out.add("  edge [fontname=Helvetica, fontsize=8];\n")
        for key, row in graph.nodes:
            hub, status = row[_N["hub"]], row[_N["status"]]
            fill = relation_color(relations[key])
            styles = ["filled"]
            if hub == "github":
                styles.append("rounded")
            if status == "removed":
                styles.append("dashed")
            elif status == "gated":
                styles.append("bold")
            attrs = [
                f"label={quote(label(key, hub, row[_N['repo_id']]))}",
                f"shape={_SHAPES.get(hub, 'ellipse')}",
                f'style="{",".join(styles)}"',
                f'fillcolor="{fill}"',
                f'fontcolor="{ink(fill)}"',
                f"tooltip={quote(_tooltip(row, relations[key]))}",
            ]
            if row[_N["license_issues"]]:
                attrs += [f'color="{ISSUE_COLOR}"', "penwidth=3"]
            if row[_N["url"]].startswith(("https://", "http://")):
                attrs.append(f"URL={quote(row[_N['url']])}")
            out.add(f"  {node_id(key)} [{', '.join(attrs)}];\n")
        for parent, child, row in graph.edges:
            relation = row[_E["relation"]]
            attrs = [
                f'color="{relation_color(relation)}"',
                f"label={quote(relation)}",
                f"tooltip={quote(row[_E['evidence']])}",
            ]
            if row[_E["source"]] != "declared":
                attrs.append("style=dashed")
            out.add(f"  {node_id(parent)} -> {node_id(child)} [{', '.join(attrs)}];\n")
        out.add("}\n")
        out.flush()


def _tooltip(row: Row, relation: str) -> str:
    parts = [relation, row[_N["license"]] or "no license", row[_N["status"]]]
    if row[_N["license_issues"]]:
        parts.append(f"license issues: {row[_N['license_issues']]}")
    return " | ".join(parts)
