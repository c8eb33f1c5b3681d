"""What every export format writes goes through `sanitize` (XML-safe text) and `normalize`
(one typed table of nodes and edges by the export schema): hostile strings, missing values,
wrong types and colliding keys, before any format sees them."""

from __future__ import annotations

import logging
import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

import networkx as nx
import pytest

from graph.export import (
    EDGE_FIELDS,
    EXPORT_SCHEMA_VERSION,
    NODE_FIELDS,
    REPLACEMENT,
    ExportError,
    normalize,
    sanitize,
    sanitize_key,
)
from tests.fakes.export_graph import NOW

EMPTY = {"string": "", "long": 0, "double": 0.0, "boolean": False}


# ----------------------------------------------------------------------------- sanitize


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("a\x00b", "a\ufffdb"),
        ("\x01\x08\x0b\x0c\x0e\x1f", REPLACEMENT * 6),
        ("\x7f\x80\x85\x9f", REPLACEMENT * 4),
        ("\ud800", REPLACEMENT),
        ("a\udfffb", "a\ufffdb"),
        ("\ud83d\ude00", "😀"),  # a split pair is one character again
        ("\ude00\ud83d", REPLACEMENT * 2),  # ...but not when reversed
        ("\ufffe\uffff\ufdd0\ufdef", REPLACEMENT * 4),
        ("\U0001fffe\U0010ffff", REPLACEMENT * 2),
    ],
)
def test_sanitize_replaces_what_xml_cannot_hold_visibly(raw, clean):
    assert sanitize(raw) == clean


@pytest.mark.parametrize(
    "text",
    ["", "xai-org/grok-1", "\t\n\r", "🦙 \u202e\u200f مرحبا 中文 \ufeff", "\ufffd", "\U0010fffd"],
)
def test_sanitize_keeps_what_xml_holds(text):
    assert sanitize(text) == text


# ----------------------------------------------------------------------------- normalize


def test_missing_and_none_attributes_become_the_types_empty_value():
    graph = nx.DiGraph()
    graph.add_node("huggingface:a/b")
    graph.add_node("huggingface:a/c", license=None, downloads=None, is_root=None)
    graph.add_edge("huggingface:a/b", "huggingface:a/c", confidence=None)
    data = normalize(graph, now=NOW)
    for _, row in data.nodes:
        assert row == tuple(EMPTY[kind] for kind in NODE_FIELDS.values())
    assert data.edges[0][2] == tuple(EMPTY[kind] for kind in EDGE_FIELDS.values())
    assert data.attrs == {
        "roots": "",
        "generated_at": NOW.isoformat(),
        "tracker_version": data.attrs["tracker_version"],
        "schema_version": EXPORT_SCHEMA_VERSION,
    }


class Status(Enum):
    ACTIVE = "active"


def test_values_are_coerced_to_their_schema_type():
    graph = nx.DiGraph()
    graph.add_node(
        "huggingface:a/b",
        roots=["grok-1", "grok-2"],
        license_issues={"missing", "attribution"},
        status=Status.ACTIVE,
        is_root=1,
        parameters="7000000000",
        downloads=12.0,
        likes=Decimal(3),
        created_at=datetime(2024, 3, 17, 12, 0),  # naive, as SQLite returns it: UTC
        last_modified=datetime(2024, 3, 17, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        first_seen=date(2026, 11, 1),
    )
    graph.add_node("huggingface:a/c")
    graph.add_edge("huggingface:a/b", "huggingface:a/c", confidence="0.5", first_seen=NOW)
    data = normalize(graph, now=NOW)
    node = dict(zip(NODE_FIELDS, data.nodes[0][1], strict=True))
    assert node["roots"] == "grok-1,grok-2"
    assert node["license_issues"] == "attribution,missing"
    assert node["status"] == "active"
    assert node["is_root"] is True
    assert (node["parameters"], node["downloads"], node["likes"]) == (7_000_000_000, 12, 3)
    assert node["created_at"] == "2024-03-17T12:00:00+00:00"
    assert node["last_modified"] == "2024-03-17T12:00:00+00:00"
    assert node["first_seen"] == "2026-11-01"
    edge = dict(zip(EDGE_FIELDS, data.edges[0][2], strict=True))
    assert edge["confidence"] == 0.5 and edge["first_seen"] == NOW.isoformat()


@pytest.mark.parametrize(
    "field, value",
    [
        ("downloads", "many"),
        ("downloads", 1.5),
        ("downloads", True),
        ("downloads", 2**63),
        ("is_root", "maybe"),
        ("is_root", 2),
        ("license", {"id": "mit"}),
        ("license", b"mit"),
        ("license", True),
    ],
)
def test_values_the_schema_cannot_hold_are_refused_naming_node_and_attribute(field, value):
    graph = nx.DiGraph()
    graph.add_node("huggingface:a/b", **{field: value})
    with pytest.raises(ExportError, match=rf"node 'huggingface:a/b': attribute '{field}'"):
        normalize(graph)


@pytest.mark.parametrize("value", [math.nan, math.inf, "nan", object()])
def test_edge_confidence_must_be_a_finite_number(value):
    graph = nx.DiGraph()
    graph.add_edge("huggingface:a/b", "huggingface:a/c", confidence=value)
    with pytest.raises(ExportError, match="'huggingface:a/b' -> 'huggingface:a/c'.*confidence"):
        normalize(graph)


def test_attributes_outside_the_schema_are_dropped_with_a_warning(caplog):
    graph = nx.DiGraph(name="x")
    graph.add_node("huggingface:a/b", attribution=True)
    graph.add_edge("huggingface:a/b", "huggingface:a/b", weight=2)
    with caplog.at_level(logging.WARNING, logger="graph.export"):
        data = normalize(graph)
    assert "attribution, edge.weight, graph.name" in caplog.text
    assert len(data.nodes[0][1]) == len(NODE_FIELDS) and "name" not in data.attrs


def test_node_keys_lose_ampersands_that_igraph_would_misread():
    assert sanitize_key("huggingface:a/b&c\x00") == "huggingface:a/b\ufffdc\ufffd"
    graph = nx.DiGraph()
    graph.add_node("huggingface:a/b&c", aliases="huggingface:a/b&old")
    key, row = normalize(graph).nodes[0]
    assert key == "huggingface:a/b\ufffdc"
    assert row[list(NODE_FIELDS).index("aliases")] == "huggingface:a/b&old"  # text keeps it


def test_node_keys_that_collide_once_sanitized_are_refused():
    graph = nx.DiGraph()
    graph.add_nodes_from(["huggingface:a/b\x00", "huggingface:a/b\x01"])
    with pytest.raises(ExportError, match="once sanitized"):
        normalize(graph)


def test_node_ids_must_be_node_keys():
    graph = nx.DiGraph()
    graph.add_node(42)
    with pytest.raises(ExportError, match="not a string node key"):
        normalize(graph)
