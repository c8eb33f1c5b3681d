"""Exports a researcher loads: every schema attribute present and typed in every format, and
hostile hub strings surviving GraphML through both NetworkX's and igraph's readers."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import igraph
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.export import (
    EDGE_FIELDS,
    EXPORT_SCHEMA_VERSION,
    EXPORTERS,
    GRAPH_FIELDS,
    NODE_FIELDS,
    export,
    format_for_path,
    sanitize,
    sanitize_key,
)
from tests.fakes.export_graph import HOSTILE, NOW, ROOT, full_edge, full_node

PY_TYPE = {"string": str, "long": int, "double": float, "boolean": bool}


@pytest.fixture
def out(tmp_path) -> Path:
    """An empty directory of its own (tmp_path also holds the isolated home)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def hostile_graph() -> nx.DiGraph:
    graph = nx.DiGraph(roots="grok-1", generated_at=NOW)
    graph.add_node(ROOT, **full_node(ROOT, is_root=True, downloads=2**62, likes=-1))
    for name, text in HOSTILE.items():
        key = f"huggingface:evil/{name}{text[:40]}"
        graph.add_node(
            key,
            **full_node(key, repo_id=text, license=text, formats=text, aliases=text, url=text),
        )
        graph.add_edge(ROOT, key, **full_edge(evidence=text, relation="quantization"))
    graph.add_edge(ROOT, ROOT, **full_edge(relation="other", confidence=1e-17))  # self-loop
    return graph


def expected(graph: nx.DiGraph) -> tuple[dict, dict]:
    """What a reader must return: the graph's own (already typed) values, sanitized."""

    def clean(value):
        return sanitize(value) if isinstance(value, str) else value

    nodes = {
        sanitize_key(k): {f: clean(d[f]) for f in NODE_FIELDS} for k, d in graph.nodes(data=True)
    }
    edges = {
        (sanitize_key(u), sanitize_key(v)): {f: clean(d[f]) for f in EDGE_FIELDS}
        for u, v, d in graph.edges(data=True)
    }
    return nodes, edges


def read_networkx(path: Path) -> tuple[dict, dict, dict]:
    graph = nx.read_graphml(path)
    assert isinstance(graph, nx.DiGraph) and not graph.is_multigraph()
    nodes = {key: dict(data) for key, data in graph.nodes(data=True)}
    return nodes, {(u, v): dict(d) for u, v, d in graph.edges(data=True)}, graph.graph


def read_igraph(path: Path) -> tuple[dict, dict, dict]:
    graph = igraph.Graph.Read_GraphML(str(path))
    assert graph.is_directed()
    nodes = {}
    for vertex in graph.vs:
        data = vertex.attributes()
        nodes[data.pop("id")] = data  # igraph keeps the GraphML node id as attribute `id`
    keys = graph.vs["id"]
    edges = {(keys[e.source], keys[e.target]): e.attributes() for e in graph.es}
    return nodes, edges, {name: graph[name] for name in graph.attributes()}


def assert_typed_equal(actual: dict, wanted: dict, schema: dict, *, numbers_as_float=False):
    assert set(actual) == set(wanted)
    for item, values in wanted.items():
        assert set(actual[item]) == set(schema), item
        for field, kind in schema.items():
            got, want = actual[item][field], values[field]
            if numbers_as_float and kind == "long":  # igraph holds every number as a double
                assert isinstance(got, float) and got == float(want), (item, field)
            else:
                assert type(got) is PY_TYPE[kind], (item, field, got)
                assert got == want, (item, field)


# ----------------------------------------------------------------------------- GraphML


def test_graphml_round_trips_hostile_strings_through_networkx(hostile_graph, out):
    path = out / "lineage.graphml"
    assert export(hostile_graph, "graphml", path) == [path]
    nodes, edges, attrs = read_networkx(path)
    want_nodes, want_edges = expected(hostile_graph)
    assert_typed_equal(nodes, want_nodes, NODE_FIELDS)
    assert_typed_equal(edges, want_edges, EDGE_FIELDS)
    assert attrs["roots"] == "grok-1" and attrs["generated_at"] == NOW.isoformat()
    assert attrs["schema_version"] == EXPORT_SCHEMA_VERSION
    assert nodes[ROOT]["downloads"] == 2**62 and nodes[ROOT]["likes"] == -1


def test_graphml_round_trips_hostile_strings_through_igraph(hostile_graph, out):
    path = out / "lineage.graphml"
    export(hostile_graph, "graphml", path)
    nodes, edges, attrs = read_igraph(path)
    want_nodes, want_edges = expected(hostile_graph)
    assert_typed_equal(nodes, want_nodes, NODE_FIELDS, numbers_as_float=True)
    assert_typed_equal(edges, want_edges, EDGE_FIELDS)
    assert attrs["roots"] == "grok-1" and attrs["schema_version"] == EXPORT_SCHEMA_VERSION


def test_graphml_declares_one_portable_type_per_key(hostile_graph, out):
    path = out / "lineage.graphml"
    export(hostile_graph, "graphml", path)
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    keys = ET.parse(path).getroot().findall(f"{ns}key")
    declared = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in keys}
    assert declared == {
        **{("graph", f): t for f, t in GRAPH_FIELDS.items()},
        **{("node", f): t for f, t in NODE_FIELDS.items()},
        **{("edge", f): t for f, t in EDGE_FIELDS.items()},
    }
    assert set(declared.values()) == {"string", "boolean", "long", "double"}
    assert len({k.get("id") for k in keys}) == len(keys)  # first_seen is on nodes and edges


def test_an_empty_graph_exports_and_loads_in_every_format(out):
    graph = nx.DiGraph(roots="grok-2")
    for fmt in EXPORTERS:
        paths = export(graph, fmt, out / f"empty.{fmt}")
        assert all(p.stat().st_size > 0 for p in paths)
    assert nx.read_graphml(out / "empty.graphml").number_of_nodes() == 0
    assert igraph.Graph.Read_GraphML(str(out / "empty.graphml")).vcount() == 0
    assert nx.read_gexf(out / "empty.gexf").number_of_nodes() == 0


# ----------------------------------------------------------------------------- other formats


def test_gexf_loads_in_networkx_with_every_attribute_typed(hostile_graph, out):
    path = out / "lineage.gexf"
    export(hostile_graph, "gexf", path)
    graph = nx.read_gexf(path)
    assert graph.is_directed()
    nodes = {k: {f: d[f] for f in NODE_FIELDS} for k, d in graph.nodes(data=True)}
    edges = {(u, v): {f: d[f] for f in EDGE_FIELDS} for u, v, d in graph.edges(data=True)}
    want_nodes, want_edges = expected(hostile_graph)
    assert_typed_equal(nodes, want_nodes, NODE_FIELDS)
    assert_typed_equal(edges, want_edges, EDGE_FIELDS)
    assert graph.nodes[ROOT]["label"] == "xai-org/grok-1"  # what Gephi shows on the node
    assert graph.edges[ROOT, ROOT]["label"] == "other"


def test_json_is_node_link_data_with_a_schema_version(hostile_graph, out):
    path = out / "lineage.json"
    export(hostile_graph, "json", path)

    def no_constants(name):
        raise AssertionError(f"{name} is not JSON")

    data = json.loads(path.read_bytes().decode("utf-8"), parse_constant=no_constants)
    assert data["schema_version"] == EXPORT_SCHEMA_VERSION
    assert data["graph"]["schema_version"] == EXPORT_SCHEMA_VERSION
    graph = nx.node_link_graph(data, source="parent", target="child")
    assert graph.is_directed() and not graph.is_multigraph()
    assert graph.graph["roots"] == "grok-1"
    want_nodes, want_edges = expected(hostile_graph)
    assert_typed_equal(dict(graph.nodes(data=True)), want_nodes, NODE_FIELDS)
    edges = {(u, v): d for u, v, d in graph.edges(data=True)}
    assert_typed_equal(edges, want_edges, EDGE_FIELDS)


def read_csv_pair(nodes_file, edges_file) -> tuple[list[dict], list[dict]]:
    def rows(f):
        return list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8", newline="")))

    limit = csv.field_size_limit(10_000_000)  # Python's reader stops at 128 KiB per field
    try:
        return rows(nodes_file), rows(edges_file)
    finally:
        csv.field_size_limit(limit)


def assert_csv_tables(nodes: list[dict], edges: list[dict], graph: nx.DiGraph) -> None:
    want_nodes, want_edges = expected(graph)
    assert list(nodes[0]) == ["id", *NODE_FIELDS]
    assert list(edges[0]) == ["parent", "child", *EDGE_FIELDS]
    assert {row["id"] for row in nodes} == set(want_nodes)
    for row in nodes:
        want = want_nodes[row["id"]]
        assert row["repo_id"] == want["repo_id"]
        assert row["is_root"] == ("true" if want["is_root"] else "false")
        assert int(row["downloads"]) == want["downloads"]
    assert {(row["parent"], row["child"]) for row in edges} == set(want_edges)
    for row in edges:
        want = want_edges[row["parent"], row["child"]]
        assert row["evidence"] == want["evidence"] and row["source"] == "declared"
        assert float(row["confidence"]) == want["confidence"]


def test_csv_to_a_path_writes_a_nodes_table_and_an_edges_table(hostile_graph, out):
    paths = export(hostile_graph, "csv", out / "grok.csv")
    assert paths == [out / "grok.nodes.csv", out / "grok.edges.csv"]
    with paths[0].open("rb") as nodes, paths[1].open("rb") as edges:
        assert_csv_tables(*read_csv_pair(nodes, edges), hostile_graph)
    assert export(hostile_graph, "csv", out / "plain") == [
        out / "plain.nodes.csv",
        out / "plain.edges.csv",
    ]
    assert sorted(p.name for p in out.iterdir()) == [
        "grok.edges.csv",
        "grok.nodes.csv",
        "plain.edges.csv",
        "plain.nodes.csv",
    ]


def test_csv_to_a_directory_writes_nodes_csv_and_edges_csv(hostile_graph, out):
    assert export(hostile_graph, "csv", out) == [
        out / "nodes.csv",
        out / "edges.csv",
    ]


@pytest.mark.parametrize("target", ["zip", "stream"])
def test_csv_to_a_stream_or_zip_path_is_one_zip_archive(hostile_graph, out, target):
    if target == "zip":
        export(hostile_graph, "csv", out / "grok.zip")
        archive = zipfile.ZipFile(out / "grok.zip")
    else:
        buffer = io.BytesIO()
        assert export(hostile_graph, "csv", buffer) == []
        archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    assert archive.namelist() == ["nodes.csv", "edges.csv"]
    with archive.open("nodes.csv") as nodes, archive.open("edges.csv") as edges:
        assert_csv_tables(*read_csv_pair(nodes, edges), hostile_graph)


# ----------------------------------------------------------------------------- export()


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_stream_output_equals_file_output(hostile_graph, out, fmt):
    buffer = io.BytesIO()
    export(hostile_graph, fmt, buffer, now=NOW)
    assert not buffer.closed and buffer.getvalue()
    if fmt != "csv":  # the csv stream is a zip, whose member timestamps differ
        path = out / f"x.{fmt}"
        export(hostile_graph, fmt, path, now=NOW)
        assert path.read_bytes() == buffer.getvalue()


def test_dash_and_text_streams_write_bytes_to_their_buffer(hostile_graph, capsysbinary):
    export(hostile_graph, "graphml", "-")
    assert capsysbinary.readouterr().out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8")
    export(hostile_graph, "json", text)
    assert json.loads(raw.getvalue())["schema_version"] == EXPORT_SCHEMA_VERSION


def test_a_failed_export_leaves_the_previous_file_and_no_temporary(hostile_graph, out, monkeypatch):
    path = out / "lineage.graphml"
    path.write_text("previous export")

    class Broken:
        name, suffix = "graphml", ".graphml"

        def write(self, graph, stream):
            stream.write(b"<?xml half")
            raise OSError("disk full")

        save = EXPORTERS["graphml"].save.__func__

    monkeypatch.setitem(EXPORTERS, "graphml", Broken())
    with pytest.raises(OSError, match="disk full"):
        export(hostile_graph, "graphml", path)
    assert path.read_text() == "previous export"
    assert [p.name for p in out.iterdir()] == ["lineage.graphml"]


def test_an_unknown_format_is_refused_with_the_choices(hostile_graph):
    with pytest.raises(ValueError, match="unknown export format 'pdf'.*graphml, gexf, json, csv"):
        export(hostile_graph, "pdf", io.BytesIO())


# ----------------------------------------------------------------------------- property


# Arbitrary Unicode, weighted towards what breaks XML: controls, surrogates, non-characters,
# markup, and whitespace a parser would normalize.
_HOSTILE_CHARS = st.sampled_from(
    list("\x00\x01\x0b\x1f\x7f\x85\t\n\r &<>\"']]") + ["\ud800", "\udfff", "\ufffe", "\U0010ffff"]
)
_ANY_CHAR = st.one_of(
    st.characters(exclude_categories=()), st.characters(categories=["Cs"]), _HOSTILE_CHARS
)
hub_strings = st.text(_ANY_CHAR, max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=hub_strings, evidence=hub_strings, key=hub_strings)
def test_any_string_reads_back_sanitized_from_graphml_in_both_readers(name, evidence, key):
    node = f"huggingface:{key}"
    graph = nx.DiGraph(roots=name)
    graph.add_node(ROOT, **full_node(ROOT))
    graph.add_node(node, **full_node(node, repo_id=name, license=evidence))
    graph.add_edge(ROOT, node, **full_edge(evidence=evidence))
    clean = sanitize_key(node)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prop.graphml"
        export(graph, "graphml", path)
        for nodes, edges, attrs in (read_networkx(path), read_igraph(path)):
            assert set(nodes) == {ROOT, clean}
            assert nodes[clean]["repo_id"] == sanitize(name)
            assert nodes[clean]["license"] == sanitize(evidence)
            assert edges[ROOT, clean]["evidence"] == sanitize(evidence)
            assert attrs["roots"] == sanitize(name)


# ----------------------------------------------------------------------------- registry


def test_every_format_is_registered_with_its_suffixes():
    for name, exporter in EXPORTERS.items():
        assert exporter.name == name
        assert exporter.suffixes[0] == exporter.suffix
        assert format_for_path(f"out/family{exporter.suffix.upper()}") == name
    assert format_for_path("grok.zip") == "csv"
    assert format_for_path("grok") is None
    assert format_for_path("grok.txt") is None
