"""Mermaid flowchart: the lineage as a picture that GitHub and GitLab render in markdown.

Paste the output into a ```mermaid block. Roots on top; the fill colour is the node's relation
to its parent (graph.export.palette, as in the html page and dot), the shape its hub (rounded:
Hugging Face, rectangle: GitHub, hexagon: ModelScope), a red border marks license issues, a
dashed one removed repos, a thick one gated repos; inferred edges are dotted. Node ids are
`n0, n1, ...`; every label is written with Mermaid's `#NNN;` entity codes for anything but
letters, digits and plain punctuation, so hub text cannot break out of a label. GitHub renders
diagrams up to a size limit: for a big family export one `--root` or `--node`.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from graph.export.common import EDGE_FIELDS, NODE_FIELDS, ExportGraph, SingleFile, Sink
from graph.export.dot import ink, label
from graph.export.palette import ISSUE_COLOR, RELATION_COLORS, node_relations, relation_color

_N = {name: i for i, name in enumerate(NODE_FIELDS)}
_E = {name: i for i, name in enumerate(EDGE_FIELDS)}
_SHAPES = {"huggingface": ("(", ")"), "github": ("[", "]"), "modelscope": ("{{", "}}")}
_UNSAFE = re.compile(r"[^A-Za-z0-9 ./:_+,=@()-]")


def text(value: str) -> str:
    """`value` safe inside a quoted Mermaid label: other characters as `#NNN;` codes."""
    return _UNSAFE.sub(lambda m: f"#{ord(m.group())};", value)


class MermaidExporter(SingleFile):
    """A Mermaid flowchart, coloured by relation."""

    name, suffix, suffixes = "mermaid", ".mmd", (".mmd", ".mermaid")

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = Sink(stream)
        relations = node_relations(graph)
        ids = {key: f"n{i}" for i, (key, _) in enumerate(graph.nodes)}
        # the title is YAML: no `: ` (a mapping), no `#` (a comment), nothing to escape
        roots = re.sub(r"[^A-Za-z0-9.,_-]", "_", graph.attrs["roots"])
        title = f"Grok lineage of {roots or 'no roots'} on {graph.attrs['generated_at'][:10]}"
        out.add(f"---\ntitle: {title}\n---\nflowchart TD\n")
        for name, fill in RELATION_COLORS.items():
            out.add(f"  classDef {name} fill:{fill},color:{ink(fill)},stroke:#333333\n")
        out.add(f"  classDef issue stroke:{ISSUE_COLOR},stroke-width:4px\n")
        out.add("  classDef removed stroke-dasharray:5 5,opacity:0.6\n")
        out.add("  classDef gated stroke-width:3px\n")
        classes: dict[str, list[str]] = {}
        for key, row in graph.nodes:
            hub = row[_N["hub"]]
            opening, closing = _SHAPES.get(hub, ("(", ")"))
            name = text(label(key, hub, row[_N["repo_id"]]))
            out.add(f'  {ids[key]}{opening}"{name}"{closing}\n')
            classes.setdefault(relations[key], []).append(ids[key])
            if row[_N["license_issues"]]:
                classes.setdefault("issue", []).append(ids[key])
            if row[_N["status"]] in ("removed", "gated"):
                classes.setdefault(row[_N["status"]], []).append(ids[key])
        colours: dict[str, list[str]] = {}
        for index, (parent, child, row) in enumerate(graph.edges):
            relation = row[_E["relation"]]
            arrow = "-->" if row[_E["source"]] == "declared" else "-.->"
            out.add(f'  {ids[parent]} {arrow}|"{text(relation)}"| {ids[child]}\n')
            colours.setdefault(relation_color(relation), []).append(str(index))
        for name, members in classes.items():
            out.add(f"  class {','.join(members)} {name}\n")
        for colour, members in colours.items():
            out.add(f"  linkStyle {','.join(members)} stroke:{colour},stroke-width:2px\n")
        out.flush()
