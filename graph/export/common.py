"""What every export format shares: the export schema and the one gate into it, `normalize()`,
and the plumbing to write a file safely.

`normalize()` turns the `networkx` graph of `graph.build` into an `ExportGraph`: exactly the
attributes of SPEC.md's export schema (`NODE_FIELDS`, `EDGE_FIELDS`, `GRAPH_FIELDS`), each present
on every node and edge, typed, never None (a missing value becomes "", 0, 0.0 or False),
datetimes written as ISO 8601 UTC strings, and every string passed through `sanitize()` so XML
1.0 can hold it (node keys through `sanitize_key()`, which also replaces `&`: igraph misreads it
in an XML attribute). A value of a type the schema cannot hold raises `ExportError` naming the
node and attribute; an attribute outside the schema is dropped with a logged warning.

Writers stream UTF-8 to a binary stream in batches (`Sink`), so 100,000 nodes export in seconds
without building a DOM. Files are written to a temporary name beside the target and renamed into
place (`atomic`), so a cron job never leaves half a file.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol, get_args

from graph.export.target import write_targets

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

EXPORT_SCHEMA_VERSION = 1
FieldType = Literal["string", "boolean", "long", "double"]
_FIELD_TYPES: dict[str, FieldType] = {kind: kind for kind in get_args(FieldType)}
Row = tuple[Any, ...]  # one node's or edge's values, in the order of its schema


def _fields(spec: str) -> dict[str, FieldType]:
    """`"name name:type ..."` (type default `string`) -> the ordered schema."""
    out: dict[str, FieldType] = {}
    for item in spec.split():
        name, kind = f"{item}:string".split(":")[:2]
        out[name] = _FIELD_TYPES[kind]  # KeyError: a schema names no such type
    return out


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
    nodes: list[tuple[str, Row]]
    edges: list[tuple[str, str, Row]]
    # What a picture shows beyond the schema (the html page's header and panel): `at` (ISO
    # time of an `--at` export), `focus` (the `--node` asked for), `issues` (node key ->
    # [{code, root, explanation}]). Strings sanitized like the rest; formats may ignore it.
    notes: dict[str, Any] = field(default_factory=dict)


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


def _row(schema: Mapping[str, FieldType], data: Mapping[str, Any], where: str) -> Row:
    values: list[Any] = []
    for name, kind in schema.items():
        value: Any = data.get(name)  # whatever the graph holds: checked against `kind` here
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


def normalize(
    graph: nx.Graph | ExportGraph,
    *,
    now: datetime | None = None,
    notes: Mapping[str, Any] | None = None,
) -> ExportGraph:
    """`graph` in the export schema. Missing graph attributes are filled in: `generated_at`
    (`now`, default the current UTC time), `tracker_version`, `schema_version`. `notes`
    (see `ExportGraph.notes`) is carried along, its strings sanitized. An ExportGraph whose
    rows are already typed and sanitized (graph/swept.py builds them so for a family of
    50,000: a NetworkX graph and this check cost half the export) keeps its rows."""
    if isinstance(graph, ExportGraph):
        extra: set[str] = set()
        nodes, edges, attrs = graph.nodes, graph.edges, dict(graph.attrs)
    else:
        extra, nodes, edges = _rows(graph)
        attrs = dict(graph.graph)
    attrs.setdefault("generated_at", now or datetime.now(UTC))
    if not attrs.get("tracker_version"):
        attrs["tracker_version"] = _tracker_version()
    attrs["schema_version"] = EXPORT_SCHEMA_VERSION
    extra.update(f"graph.{k}" for k in attrs if k not in GRAPH_FIELDS)
    row = _row(GRAPH_FIELDS, attrs, "graph")
    if extra:
        log.warning("export: attributes outside the schema dropped: %s", ", ".join(sorted(extra)))
    clean = {
        key: _note(value, sanitize_key if key == "issues" else sanitize)
        for key, value in (notes or {}).items()
    }
    return ExportGraph(dict(zip(GRAPH_FIELDS, row, strict=True)), nodes, edges, clean)


def _rows(
    graph: nx.Graph,
) -> tuple[set[str], list[tuple[str, Row]], list[tuple[str, str, Row]]]:
    """(attributes outside the schema, node rows, edge rows) of a NetworkX graph, checked."""
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
    return extra, nodes, edges


def _note(value: Any, key: Callable[[str], str]) -> Any:
    """A note with every string sanitized (mapping keys, which are node keys, by `key`)."""
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, Mapping):
        return {key(str(k)): _note(v, sanitize) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_note(item, sanitize) for item in value]
    return _string(value) if isinstance(value, (date, Enum)) else value


def _tracker_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("grok-lineage-tracker")
    except PackageNotFoundError:
        return ""


# ----------------------------------------------------------------------------- writing


class Sink:
    """Collects str pieces and writes them to a binary stream as UTF-8 in large batches."""

    def __init__(self, stream: BinaryIO, batch: int = 20_000) -> None:
        self.stream, self.batch = stream, batch
        self.parts: list[str] = []

    def add(self, piece: str) -> None:
        self.parts.append(piece)
        if len(self.parts) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            # sanitize() removed every surrogate, so strict encoding cannot fail
            self.stream.write("".join(self.parts).encode("utf-8"))
            self.parts = []


def xml_text(s: str) -> str:
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")  # also breaks any `]]>`
    if "\r" in s:
        s = s.replace("\r", "&#13;")  # a parser would turn a raw CR (and CRLF) into LF
    return s


def xml_attr(s: str) -> str:
    s = xml_text(s)
    if '"' in s:
        s = s.replace('"', "&quot;")
    # a parser normalizes raw tab/LF in attribute values to spaces; references survive
    if "\n" in s:
        s = s.replace("\n", "&#10;")
    if "\t" in s:
        s = s.replace("\t", "&#9;")
    return s


def lexical(kind: FieldType, value: Any) -> str:
    """A typed value as text for XML and CSV (floats by repr: shortest exact round trip)."""
    if kind == "string":
        return str(value)
    if kind == "boolean":
        return "true" if value else "false"
    return repr(value) if kind == "double" else str(value)


def formatters(
    schema: Mapping[str, FieldType], escape: Callable[[str], str]
) -> list[Callable[[Any], str]]:
    return [escape if k == "string" else partial(lexical, k) for k in schema.values()]


class Exporter(Protocol):
    """A format: `name` (what `--format` takes), `suffix` (of the file it writes by default),
    `suffixes` (every file suffix that picks it, `suffix` first)."""

    name: str
    suffix: str

    @property
    def suffixes(self) -> tuple[str, ...]:  # read-only: a format's own tuple may be shorter
        """Every file suffix that picks this format, `suffix` first."""

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        """Write the whole graph to a binary stream (not closed)."""

    def save(self, graph: ExportGraph, path: Path) -> list[Path]:
        """Write to `path` atomically; returns the files written."""


def atomic(targets: Mapping[Path, Callable[[BinaryIO], None]]) -> list[Path]:
    """Write each file under a temporary name beside it, then rename them all into place; a
    FIFO or device is streamed into, a symlink followed, a database refused (export/target.py).
    """
    return write_targets(targets)


class SingleFile:
    """A format written as one file; to a directory, as `lineage<suffix>` inside it."""

    name = ""
    suffix = ""
    suffixes: tuple[str, ...] = ()

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        raise NotImplementedError

    def save(self, graph: ExportGraph, path: Path) -> list[Path]:
        if path.is_dir():
            path = path / f"lineage{self.suffix}"
        return atomic({path: lambda stream: self.write(graph, stream)})


def xml_pairs(
    edges: Iterable[tuple[str, str, Row]],
) -> Iterator[tuple[int, tuple[str, str, Row]]]:
    """Edges as (index, (escaped parent, escaped child, row)) for the XML writers."""
    for index, (parent, child, row) in enumerate(edges):
        yield index, (xml_attr(parent), xml_attr(child), row)

