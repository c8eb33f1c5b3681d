"""networkx node-link JSON, one node or edge per line, with `"schema_version"`.

Edge endpoints are `parent` and `child`, because the schema's edge attribute `source`
(declared/inferred) would collide with node-link's default endpoint name. Load with
`networkx.node_link_graph(data, source="parent", target="child")`.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from graph.export.common import (
    EDGE_FIELDS,
    EXPORT_SCHEMA_VERSION,
    NODE_FIELDS,
    ExportGraph,
    SingleFile,
    Sink,
)


class JSONExporter(SingleFile):
    """networkx node-link JSON, one node or edge per line."""

    name, suffix, suffixes = "json", ".json", (".json",)

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = Sink(stream, batch=5_000)
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        head = {"schema_version": EXPORT_SCHEMA_VERSION, "directed": True, "multigraph": False}
        out.add(dumps(head)[:-1] + ',"graph":' + dumps(graph.attrs) + ',"nodes":[')
        names = list(NODE_FIELDS)
        for index, (key, row) in enumerate(graph.nodes):
            item = {"id": key, **dict(zip(names, row, strict=True))}
            out.add(("\n" if index == 0 else ",\n") + dumps(item))
        out.add('\n],"edges":[')
        names = list(EDGE_FIELDS)
        for index, (parent, child, row) in enumerate(graph.edges):
            item = {"parent": parent, "child": child, **dict(zip(names, row, strict=True))}
            out.add(("\n" if index == 0 else ",\n") + dumps(item))
        out.add("\n]}\n")
        out.flush()

