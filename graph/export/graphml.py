"""GraphML (graphml.graphdrawing.org), read by NetworkX, igraph, Gephi, Cytoscape and yEd.

Keys are typed `string`, `boolean`, `long`, `double` (both `networkx.read_graphml` and
`igraph.Graph.Read_GraphML` accept `long`); node id = node key. igraph keeps the node id in the
vertex attribute `id` and reads every number as a float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import BinaryIO

from graph.export.common import (
    EDGE_FIELDS,
    GRAPH_FIELDS,
    NODE_FIELDS,
    ExportGraph,
    FieldType,
    Row,
    SingleFile,
    Sink,
    formatters,
    lexical,
    xml_attr,
    xml_pairs,
    xml_text,
)


class GraphMLExporter(SingleFile):
    """GraphML (graphml.graphdrawing.org), read by NetworkX, igraph, Gephi, Cytoscape, yEd."""

    name, suffix, suffixes = "graphml", ".graphml", (".graphml",)

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = Sink(stream)
        out.add('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.add('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
        for scope, prefix, schema in (
            ("graph", "g", GRAPH_FIELDS),
            ("node", "n", NODE_FIELDS),
            ("edge", "e", EDGE_FIELDS),
        ):
            for field, kind in schema.items():
                out.add(
                    f'  <key id="{prefix}_{field}" for="{scope}" attr.name="{field}"'
                    f' attr.type="{kind}"/>\n'
                )
        out.add('  <graph id="G" edgedefault="directed">\n')
        for field, kind in GRAPH_FIELDS.items():
            text = xml_text(lexical(kind, graph.attrs[field]))
            out.add(f'    <data key="g_{field}">{text}</data>\n')
        rows = ((f'    <node id="{xml_attr(key)}">', row) for key, row in graph.nodes)
        _graphml_items(out, rows, NODE_FIELDS, "n", "</node>\n")
        rows = (
            (f'    <edge source="{parent}" target="{child}">', row)
            for _, (parent, child, row) in xml_pairs(graph.edges)
        )
        _graphml_items(out, rows, EDGE_FIELDS, "e", "</edge>\n")
        out.add("  </graph>\n</graphml>\n")
        out.flush()


def _graphml_items(
    out: Sink,
    rows: Iterable[tuple[str, Row]],
    schema: Mapping[str, FieldType],
    prefix: str,
    close: str,
) -> None:
    opens = [f'<data key="{prefix}_{field}">' for field in schema]
    fmts = formatters(schema, xml_text)
    for head, row in rows:
        parts = [head]
        for open_, fmt, value in zip(opens, fmts, row, strict=True):
            parts.append(f"{open_}{fmt(value)}</data>")
        parts.append(close)
        out.add("".join(parts))

