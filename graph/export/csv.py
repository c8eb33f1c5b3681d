"""CSV: two tables, nodes (`id` + node fields) and edges (`parent`, `child` + edge fields).

Booleans `true`/`false`, UTF-8, RFC 4180 quoting. To a path `X.csv` (or `X`): `X.nodes.csv` and
`X.edges.csv`; to an existing directory `D`: `D/nodes.csv` and `D/edges.csv`; to a path `X.zip`
or to a stream (stdout): one zip archive holding `nodes.csv` and `edges.csv`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO

from graph.export.common import (
    EDGE_FIELDS,
    NODE_FIELDS,
    ExportGraph,
    FieldType,
    atomic,
    lexical,
)


class CSVExporter:
    """Two CSV tables, nodes and edges (see the module docstring for file names)."""

    name, suffix, suffixes = "csv", ".csv", (".csv", ".zip")

    def tables(self, graph: ExportGraph) -> dict[str, Callable[[IO[bytes]], None]]:
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
            return atomic({path: lambda stream: self.write(graph, stream)})
        tables = self.tables(graph)
        if path.is_dir():
            return atomic({path / f"{table}.csv": write for table, write in tables.items()})
        stem = re.sub(r"(\.(nodes|edges))?\.csv$", "", path.name, flags=re.IGNORECASE)
        return atomic({path.with_name(f"{stem}.{t}.csv"): write for t, write in tables.items()})


def _write_csv(
    stream: IO[bytes],
    header: tuple[str, ...],
    schema: Mapping[str, FieldType],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(header)
        kinds = list(schema.values())
        lead = len(header) - len(kinds)
        for row in rows:
            writer.writerow(
                (*row[:lead], *(lexical(k, v) for k, v in zip(kinds, row[lead:], strict=True)))
            )
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open

