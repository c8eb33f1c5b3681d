"""The lineage graph as files for researchers, one module per format, and the one entry point
`export()`.

A new format is one module here holding a class with `name`, `suffix`, `suffixes`,
`write(graph, stream)` and `save(graph, path)` (see `common.Exporter`; `common.SingleFile`
gives `save` to a one-file format), and one line in `_REGISTRY` below. Every format receives
the same `ExportGraph` from `common.normalize()`: the attributes of SPEC.md's export schema,
typed, sanitized, never None.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from graph.export.common import (
    EDGE_FIELDS,
    EXPORT_SCHEMA_VERSION,
    GRAPH_FIELDS,
    NODE_FIELDS,
    REPLACEMENT,
    Exporter,
    ExportError,
    ExportGraph,
    normalize,
    sanitize,
    sanitize_key,
)

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EDGE_FIELDS",
    "EXPORTERS",
    "EXPORT_SCHEMA_VERSION",
    "FORMATS",
    "GRAPH_FIELDS",
    "NODE_FIELDS",
    "REPLACEMENT",
    "ExportError",
    "ExportGraph",
    "Exporter",
    "export",
    "format_for_path",
    "normalize",
    "sanitize",
    "sanitize_key",
]

# The registry: format name -> "module:Class" of its writer, in the order help and errors
# list them. `EXPORTERS` (name -> writer) loads the modules on first use: importing the
# package (an exception class, a read command's error table) must not load CycloneDX's
# library and the others (a second of start-up on a loaded machine).
_REGISTRY = {
    "graphml": "graphml:GraphMLExporter",
    "gexf": "gexf:GEXFExporter",
    "json": "json:JSONExporter",
    "csv": "csv:CSVExporter",
    "html": "html:HTMLExporter",
    "mermaid": "mermaid:MermaidExporter",
    "dot": "dot:DotExporter",
    "cyclonedx": "cyclonedx:CycloneDXExporter",
}
FORMATS = tuple(_REGISTRY)  # the names, without loading a writer
_loaded: dict[str, Exporter] = {}


def _exporter(name: str) -> Exporter | None:
    """The writer of one format, its module loaded on first use (and only its own: an export
    to GraphML loaded all eight, CycloneDX's library too, 0.4 s of a loaded machine)."""
    found = _loaded.get(name)
    if found is None and name in _REGISTRY:
        module, _, cls = _REGISTRY[name].partition(":")
        found = _loaded[name] = getattr(importlib.import_module(f"graph.export.{module}"), cls)()
    return found


def _exporters() -> dict[str, Exporter]:
    """Every writer, in the registry's order (what help and errors list)."""
    if len(_loaded) < len(_REGISTRY):
        every = {name: _loaded.get(name) or _exporter(name) for name in _REGISTRY}
        _loaded.clear()
        _loaded.update({name: e for name, e in every.items() if e is not None})
    return _loaded


def __getattr__(name: str) -> Any:
    if name == "EXPORTERS":
        return _exporters()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """The format whose file suffixes end `path`'s name (case-insensitive), the longest
    suffix first (`x.cdx.json` is CycloneDX, `x.json` node-link JSON), or None."""
    name = Path(path).name.lower()
    matches = [
        (len(suffix), fmt)
        for fmt, exporter in _exporters().items()
        for suffix in exporter.suffixes
        if name.endswith(suffix) and len(name) > len(suffix)
    ]
    return max(matches)[1] if matches else None


def export(
    graph: nx.Graph | ExportGraph,
    fmt: str,
    output: str | os.PathLike[str] | BinaryIO,
    *,
    now: datetime | None = None,
    notes: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write `graph` in format `fmt` (a key of `EXPORTERS`) to `output`: a path (written
    atomically; returns the files written) or a binary stream such as `sys.stdout.buffer`
    (left open; returns []). `"-"` means stdout. Raises ExportError for values the schema
    cannot hold, ValueError for an unknown format. `notes` are what pictures show beyond the
    schema (`ExportGraph.notes`). An ExportGraph's rows are written as they are (`normalize`
    fills in its graph attributes and notes only)."""
    exporter = _exporter(fmt)
    if exporter is None:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(_REGISTRY)}")
    data = normalize(graph, now=now, notes=notes)
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
