"""The lineage graph as files for researchers: GraphML, GEXF, node-link JSON and CSV.

Every format goes through one gate, `normalize()`, which turns the `networkx` graph of
`graph.build` into an `ExportGraph`: exactly the attributes of SPEC.md's export schema
(`NODE_FIELDS`, `EDGE_FIELDS`, `GRAPH_FIELDS`), each present on every node and edge, typed, never
None (a missing value becomes "", 0, 0.0 or False), datetimes written as ISO 8601 UTC strings,
and every string passed through `sanitize()` so XML 1.0 can hold it (node keys through
`sanitize_key()`, which also replaces `&`: igraph misreads it in an XML attribute).
A value of a type the schema cannot hold raises `ExportError` naming the node and attribute;
an attribute outside the schema is dropped with a logged warning.

A new format is one class with `name`, `suffix`, `write(graph, stream)` and `save(graph,
path)`, registered in `EXPORTERS`. Writers stream UTF-8 to a binary stream in batches, so
100,000 nodes export in seconds without building a DOM. Files are written to a temporary
name beside the target and renamed into place, so a cron job never leaves half a file.

Formats:
- graphml: keys typed `string`, `boolean`, `long`, `double` (both `networkx.read_graphml` and
  `igraph.Graph.Read_GraphML` accept `long`); node id = node key. igraph keeps the node id in
  the vertex attribute `id` and reads every number as a float.
- gexf: GEXF 1.2draft (Gephi, `networkx.read_gexf`); node label = repo_id, edge label =
  relation; the generation time and roots go into `<meta>`.
- json: networkx node-link data with `"schema_version"`. Edge endpoints are `parent` and
  `child`, because the schema's edge attribute `source` (declared/inferred) would collide
  with node-link's default endpoint name. Load with
  `networkx.node_link_graph(data, source="parent", target="child")`.
- csv: two tables, nodes (`id` + node fields) and edges (`parent`, `child` + edge fields);
  booleans `true`/`false`, UTF-8, RFC 4180 quoting. To a path `X.csv` (or `X`): `X.nodes.csv`
  and `X.edges.csv`; to an existing directory `D`: `D/nodes.csv` and `D/edges.csv`; to a path
  `X.zip` or to a stream (stdout): one zip archive holding `nodes.csv` and `edges.csv`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import re
import sys
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

EXPORT_SCHEMA_VERSION = 1
FieldType = Literal["string", "boolean", "long", "double"]


def _fields(spec: str) -> dict[str, FieldType]:
    """`"name name:type ..."` (type default `string`) -> the ordered schema."""
    pairs = (f"{item}:string".split(":")[:2] for item in spec.split())
    return {name: kind for name, kind in pairs}  # type: ignore[misc]


# SPEC.md "Export schema", in its order; every format writes exactly these, in this order.
NODE_FIELDS = _fields(
    "hub repo_id url roots is_root:boolean license license_issues status formats"
    " parameters:long downloads:long likes:long created_at last_modified first_seen last_seen"
    " aliases"
)
EDGE_FIELDS = _fields("relation source confidence:double evidence first_seen")
GRAPH_FIELDS = _fields("roots generated_at tracker_version schema_version:long")

# What XML 1.0 cannot hold (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF), plus what
# it holds but readers choke on or users cannot see: DEL, C1 controls and the non-characters.
_NONCHARS = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARS + "]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


class ExportError(ValueError):
    """The graph holds something the export schema cannot represent (names node/attribute)."""


def sanitize(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold, every control character but tab, LF
    and CR, and every Unicode non-character replaced by U+FFFD. A surrogate pair left split
    in a Python string (as some JSON decoders produce) is joined back into its character."""
    if (text.isascii() and text.isprintable()) or _UNSAFE.search(text) is None:
        return text  # the common case, checked cheaply
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _UNSAFE.sub(REPLACEMENT, text)


@dataclass(frozen=True)
class ExportGraph:
    """A graph in the export schema: node rows and edge rows hold values in the order of
    `NODE_FIELDS` / `EDGE_FIELDS`, typed, sanitized, never None."""

    attrs: dict[str, Any]
    nodes: list[tuple[str, tuple[Any, ...]]]
    edges: list[tuple[str, str, tuple[Any, ...]]]


# ----------------------------------------------------------------------------- normalizing


def _iso(value: date) -> str:
    if isinstance(value, datetime):
        # Naive datetimes come back from SQLite; the house rule is that they are UTC.
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    return value.isoformat()


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, date):
        return _iso(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return ",".join(_string(item) for item in items)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    raise TypeError


def _long(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, str):
        value = int(value.strip())
    elif isinstance(value, (float, Decimal)):
        if not math.isfinite(value) or value != int(value):
            raise TypeError
        value = int(value)
    if not isinstance(value, int):
        raise TypeError
    if not _fits(value):
        raise TypeError  # GraphML `long` is 64-bit; Java and igraph readers would fail
    return value


def _double(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise TypeError
    result = float(value)
    if not math.isfinite(result):
        raise TypeError  # NaN/inf have no portable spelling in GraphML, GEXF or JSON
    return result


def _boolean(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("", "true", "false", "0", "1"):
        return value.strip().lower() in ("true", "1")
    raise TypeError


_COERCE: dict[FieldType, Callable[[Any], Any]] = {
    "string": _string,
    "long": _long,
    "double": _double,
    "boolean": _boolean,
}


_EXACT: dict[FieldType, type] = {"string": str, "long": int, "double": float, "boolean": bool}


def _fits(value: int) -> bool:
    return -(2**63) <= value < 2**63


def _row(schema: Mapping[str, FieldType], data: Mapping[str, Any], where: str) -> tuple:
    values = []
    for name, kind in schema.items():
        value = data.get(name)
        cls = value.__class__
        # fast paths for values already of the right type (build.py's), then the general one
        if cls is str and kind == "string":
            values.append(sanitize(value))
        elif cls is _EXACT[kind] and (
            kind == "boolean"
            or (kind == "long" and _fits(value))
            or (kind == "double" and math.isfinite(value))
        ):
            values.append(value)
        else:
            try:
                values.append(_COERCE[kind](value))
            except (TypeError, ValueError):
                raise ExportError(
                    f"{where}: attribute {name!r} = {value!r:.80} ({cls.__name__}) is not a {kind}"
                ) from None
    return tuple(values)


def sanitize_key(key: str) -> str:
    """`sanitize(key)` with `&` also replaced by U+FFFD. A node key is the one string written
    into an XML attribute (GraphML `<node id>`), and igraph's reader (libxml2 without entity
    substitution) returns an `&` there, however it is escaped, as the text `&#38;`. Valid repo
    ids never hold `&`; this keeps a key that does identical in every reader and format."""
    return sanitize(key).replace("&", REPLACEMENT)


def _key(node: Any) -> str:
    if not isinstance(node, str):
        raise ExportError(f"node id {node!r} is not a string node key")
    return sanitize_key(node)


def normalize(graph: nx.Graph, *, now: datetime | None = None) -> ExportGraph:
    """`graph` in the export schema. Missing graph attributes are filled in: `generated_at`
    (`now`, default the current UTC time), `tracker_version`, `schema_version`."""
    extra: set[str] = set()
    keys: dict[Any, str] = {}
    seen: set[str] = set()
    nodes = []
    for node, data in graph.nodes(data=True):
        key = keys[node] = _key(node)
        if key in seen:
            raise ExportError(f"node keys {node!r} and another become {key!r} once sanitized")
        seen.add(key)
        extra.update(k for k in data if k not in NODE_FIELDS)
        nodes.append((key, _row(NODE_FIELDS, data, f"node {key!r}")))
    edges = []
    for parent, child, data in graph.edges(data=True):
        extra.update(f"edge.{k}" for k in data if k not in EDGE_FIELDS)
        where = f"edge {keys[parent]!r} -> {keys[child]!r}"
        edges.append((keys[parent], keys[child], _row(EDGE_FIELDS, data, where)))
    attrs = dict(graph.graph)
    attrs.setdefault("generated_at", now or datetime.now(UTC))
    if not attrs.get("tracker_version"):
        attrs["tracker_version"] = _tracker_version()
    attrs["schema_version"] = EXPORT_SCHEMA_VERSION
    extra.update(f"graph.{k}" for k in attrs if k not in GRAPH_FIELDS)
    row = _row(GRAPH_FIELDS, attrs, "graph")
    if extra:
        log.warning("export: attributes outside the schema dropped: %s", ", ".join(sorted(extra)))
    return ExportGraph(dict(zip(GRAPH_FIELDS, row, strict=True)), nodes, edges)


def _tracker_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("grok-lineage-tracker")
    except PackageNotFoundError:
        return ""


# ----------------------------------------------------------------------------- writing


class _Sink:
    """Collects str pieces and writes them to a binary stream as UTF-8 in large batches."""

    def __init__(self, stream: BinaryIO, batch: int = 20_000) -> None:
        self.stream, self.batch, self.parts = stream, batch, []

    def add(self, piece: str) -> None:
        self.parts.append(piece)
        if len(self.parts) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            # sanitize() removed every surrogate, so strict encoding cannot fail
            self.stream.write("".join(self.parts).encode("utf-8"))
            self.parts = []


def _xml_text(s: str) -> str:
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")  # also breaks any `]]>`
    if "\r" in s:
        s = s.replace("\r", "&#13;")  # a parser would turn a raw CR (and CRLF) into LF
    return s


def _xml_attr(s: str) -> str:
    s = _xml_text(s)
    if '"' in s:
        s = s.replace('"', "&quot;")
    # a parser normalizes raw tab/LF in attribute values to spaces; references survive
    if "\n" in s:
        s = s.replace("\n", "&#10;")
    if "\t" in s:
        s = s.replace("\t", "&#9;")
    return s


def _lexical(kind: FieldType, value: Any) -> str:
    """A typed value as text for XML and CSV (floats by repr: shortest exact round trip)."""
    if kind == "string":
        return value
    if kind == "boolean":
        return "true" if value else "false"
    return repr(value) if kind == "double" else str(value)


def _formatters(schema: Mapping[str, FieldType], escape: Callable[[str], str]) -> list:
    return [escape if k == "string" else partial(_lexical, k) for k in schema.values()]


class Exporter(Protocol):
    name: str
    suffix: str

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        """Write the whole graph to a binary stream (not closed)."""

    def save(self, graph: ExportGraph, path: Path) -> list[Path]:
        """Write to `path` atomically; returns the files written."""


def _atomic(targets: Mapping[Path, Callable[[BinaryIO], None]]) -> list[Path]:
    """Write each file under a temporary name beside it, then rename them all into place."""
    temps = {path: path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp") for path in targets}
    try:
        for path, write in targets.items():
            with open(temps[path], "xb") as stream:  # plain open: the mode follows the umask
                write(stream)
        for path, tmp in temps.items():
            os.replace(tmp, path)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return list(targets)


class _SingleFile:
    name = ""
    suffix = ""

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        raise NotImplementedError

    def save(self, graph: ExportGraph, path: Path) -> list[Path]:
        if path.is_dir():
            path = path / f"lineage{self.suffix}"
        return _atomic({path: lambda stream: self.write(graph, stream)})


class GraphMLExporter(_SingleFile):
    """GraphML (graphml.graphdrawing.org), read by NetworkX, igraph, Gephi, Cytoscape, yEd."""

    name, suffix = "graphml", ".graphml"

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = _Sink(stream)
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
            text = _xml_text(_lexical(kind, graph.attrs[field]))
            out.add(f'    <data key="g_{field}">{text}</data>\n')
        rows = ((f'    <node id="{_xml_attr(key)}">', row) for key, row in graph.nodes)
        _graphml_items(out, rows, NODE_FIELDS, "n", "</node>\n")
        rows = (
            (f'    <edge source="{parent}" target="{child}">', row)
            for _, (parent, child, row) in _pairs(graph.edges)
        )
        _graphml_items(out, rows, EDGE_FIELDS, "e", "</edge>\n")
        out.add("  </graph>\n</graphml>\n")
        out.flush()


def _graphml_items(out: _Sink, rows, schema: Mapping[str, FieldType], prefix, close) -> None:
    opens = [f'<data key="{prefix}_{field}">' for field in schema]
    fmts = _formatters(schema, _xml_text)
    for head, row in rows:
        parts = [head]
        for open_, fmt, value in zip(opens, fmts, row, strict=True):
            parts.append(f"{open_}{fmt(value)}</data>")
        parts.append(close)
        out.add("".join(parts))


def _pairs(edges):
    """Edges as (index, (escaped parent, escaped child, row)) for the XML writers."""
    for index, (parent, child, row) in enumerate(edges):
        yield index, (_xml_attr(parent), _xml_attr(child), row)


class GEXFExporter(_SingleFile):
    """GEXF 1.2draft, Gephi's native format."""

    name, suffix = "gexf", ".gexf"

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = _Sink(stream)
        attrs = graph.attrs
        day = str(attrs["generated_at"])[:10]
        out.add('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.add('<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n')
        out.add(f'  <meta lastmodifieddate="{_xml_attr(day)}">')
        out.add(f"<creator>grok-lineage-tracker {_xml_text(attrs['tracker_version'])}</creator>")
        out.add(
            f"<description>Grok lineage of roots {_xml_text(attrs['roots'])}, generated"
            f" {_xml_text(attrs['generated_at'])}, export schema {attrs['schema_version']}"
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
        fmts = _formatters(NODE_FIELDS, _xml_attr)
        for key, row in graph.nodes:
            out.add(
                f'      <node id="{_xml_attr(key)}" label="{_xml_attr(row[label])}"><attvalues>'
                + _attvalues(fmts, row)
                + "</attvalues></node>\n"
            )
        out.add("    </nodes>\n    <edges>\n")
        fmts = _formatters(EDGE_FIELDS, _xml_attr)
        for index, (parent, child, row) in _pairs(graph.edges):
            out.add(
                f'      <edge id="{index}" source="{parent}" target="{child}"'
                f' label="{_xml_attr(row[relation])}"><attvalues>'
                + _attvalues(fmts, row)
                + "</attvalues></edge>\n"
            )
        out.add("    </edges>\n  </graph>\n</gexf>\n")
        out.flush()


def _attvalues(fmts: list, row: tuple) -> str:
    return "".join(
        f'<attvalue for="{i}" value="{fmt(value)}"/>'
        for i, (fmt, value) in enumerate(zip(fmts, row, strict=True))
    )


class JSONExporter(_SingleFile):
    """networkx node-link JSON, one node or edge per line."""

    name, suffix = "json", ".json"

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        out = _Sink(stream, batch=5_000)
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


class CSVExporter:
    """Two CSV tables, nodes and edges (see the module docstring for file names)."""

    name, suffix = "csv", ".csv"

    def tables(self, graph: ExportGraph) -> dict[str, Callable[[BinaryIO], None]]:
        nodes = (("id", *NODE_FIELDS), NODE_FIELDS, ((k, *row) for k, row in graph.nodes))
        edge_rows = ((parent, child, *row) for parent, child, row in graph.edges)
        edges = (("parent", "child", *EDGE_FIELDS), EDGE_FIELDS, edge_rows)
        return {
            "nodes": lambda stream: _write_csv(stream, *nodes),
            "edges": lambda stream: _write_csv(stream, *edges),
        }

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        # A stream gets one file, so the two tables travel as a zip archive.
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for table, write in self.tables(graph).items():
                with archive.open(f"{table}.csv", "w", force_zip64=True) as member:
                    write(member)

    def save(self, graph: ExportGraph, path: Path) -> list[Path]:
        if path.suffix.lower() == ".zip":
            return _atomic({path: lambda stream: self.write(graph, stream)})
        tables = self.tables(graph)
        if path.is_dir():
            return _atomic({path / f"{table}.csv": write for table, write in tables.items()})
        stem = re.sub(r"(\.(nodes|edges))?\.csv$", "", path.name, flags=re.IGNORECASE)
        return _atomic({path.with_name(f"{stem}.{t}.csv"): write for t, write in tables.items()})


def _write_csv(stream: BinaryIO, header: tuple, schema: Mapping[str, FieldType], rows) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(header)
        kinds = list(schema.values())
        lead = len(header) - len(kinds)
        for row in rows:
            writer.writerow(
                (*row[:lead], *(_lexical(k, v) for k, v in zip(kinds, row[lead:], strict=True)))
            )
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open


EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (GraphMLExporter(), GEXFExporter(), JSONExporter(), CSVExporter())
}


def export(
    graph: nx.Graph,
    fmt: str,
    output: str | os.PathLike[str] | BinaryIO,
    *,
    now: datetime | None = None,
) -> list[Path]:
    """Write `graph` in format `fmt` (a key of `EXPORTERS`) to `output`: a path (written
    atomically; returns the files written) or a binary stream such as `sys.stdout.buffer`
    (left open; returns []). `"-"` means stdout. Raises ExportError for values the schema
    cannot hold, ValueError for an unknown format."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORTERS)}")
    data = normalize(graph, now=now)
    if isinstance(output, str) and output == "-":
        output = sys.stdout.buffer
    if isinstance(output, (str, os.PathLike)):
        return exporter.save(data, Path(output))
    if isinstance(output, io.TextIOBase):
        if not hasattr(output, "buffer"):
            raise TypeError("export needs a binary stream (e.g. sys.stdout.buffer)")
        output.flush()
        output = output.buffer
    exporter.write(data, output)
    output.flush()
    return []
