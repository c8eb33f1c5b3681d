"""GEXF 1.2draft, Gephi's native format (also `networkx.read_gexf`).

Node label = repo_id, edge label = relation; the generation time and roots go into `<meta>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from graph.export.common import (
    EDGE_FIELDS,
    NODE_FIELDS,
    ExportGraph,
    Row,
    SingleFile,
    Sink,
    formatters,
    xml_attr,
    xml_pairs,
    xml_text,
)


class GEXFExporter(SingleFile):
    """GEXF 1.2draft, Gephi's native format."""

    name, suffix, suffixes = "gexf", ".gexf", (".gexf",)

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = Sink(stream)
        attrs = graph.attrs
        day = str(attrs["generated_at"])[:10]
        out.add('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.add('<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n')
        out.add(f'  <meta lastmodifieddate="{xml_attr(day)}">')
        out.add(f"<creator>grok-lineage-tracker {xml_text(attrs['tracker_version'])}</creator>")
        out.add(
            f"<description>Grok lineage of roots {xml_text(attrs['roots'])}, generated"
            f" {xml_text(attrs['generated_at'])}, export schema {attrs['schema_version']}"
            "</description></meta>\n"
        )
        out.add('  <graph mode="static" defaultedgetype="directed">\n')
        for scope, schema in (("node", NODE_FIELDS), ("edge", EDGE_FIELDS)):
            out.add(f'    <attributes class="{scope}" mode="static">\n')
            for index, (field, kind) in enumerate(schema.items()):
                out.add(f'      <attribute id="{index}" title="{field}" type="{kind}"/>\n')
            out.add("    </attributes>\n")
        label = list(NODE_FIELDS).index("repo_id")
        relation = list(EDGE_FIELDS).index("relation")
        out.add("    <nodes>\n")
        fmts = formatters(NODE_FIELDS, xml_attr)
        for key, row in graph.nodes:
            out.add(
                f'      <node id="{xml_attr(key)}" label="{xml_attr(row[label])}"><attvalues>'
                + _attvalues(fmts, row)
                + "</attvalues></node>\n"
            )
        out.add("    </nodes>\n    <edges>\n")
        fmts = formatters(EDGE_FIELDS, xml_attr)
        for index, (parent, child, row) in xml_pairs(graph.edges):
            out.add(
                f'      <edge id="{index}" source="{parent}" target="{child}"'
                f' label="{xml_attr(row[relation])}"><attvalues>'
                + _attvalues(fmts, row)
                + "</attvalues></edge>\n"
            )
        out.add("    </edges>\n  </graph>\n</gexf>\n")
        out.flush()


def _attvalues(fmts: list[Callable[[Any], str]], row: Row) -> str:
    return "".join(
        f'<attvalue for="{i}" value="{fmt(value)}"/>'
        for i, (fmt, value) in enumerate(zip(fmts, row, strict=True))
    )

