"""`tracker lineage --format table` builds its cells straight from the nodes (75,000 rows
would cost more as dicts than the query); it shows what the generic table of the lineage's
rows shows: merges with every parent, flags, a parent outside a filtered result left out."""

from __future__ import annotations

from db.lineage import Lineage, LineageNode
from tracker import render


def node(i: int, key: str, depth: int, parents: list[tuple[int, str, str, float]],
         status: str = "active", license: str = "mit", issues: str = "") -> LineageNode:
    return LineageNode(i, key, status, license, "", 0, 0, issues, depth, parents)


def test_lineage_table_matches_the_table_of_the_lineage_rows(monkeypatch):
    monkeypatch.setattr(render, "output_width", lambda: 0)  # not a terminal
    nodes = {
        1: node(1, "huggingface:org/base", 0, []),
        2: node(2, "huggingface:u/ft", 1, [(1, "finetune", "declared", 1.0)], license=""),
        3: node(3, "huggingface:u/q", 2, [(2, "quantization", "inferred", 0.8)],
                status="gated", issues="no-license,conflict"),
        4: node(4, "huggingface:u/merge", 2,
                [(2, "merge", "declared", 1.0), (1, "merge", "declared", 1.0),
                 (99, "merge", "declared", 1.0)]),  # 99: filtered out of the result
    }
    result = Lineage([1], nodes, [1, 2, 3, 4])
    rows = [{**r, "parent": ", ".join(p["node"] for p in r["parents"])}
            for r in render.lineage_rows(result)]
    expected = render.table(rows, render.LINEAGE_COLUMNS)
    assert render.lineage_table(result) == expected
    assert "huggingface:u/ft, huggingface:org/base" in expected
    assert "gated,license:no-license,license:conflict" in expected
    empty = Lineage([], {}, [])
    assert render.lineage_table(empty) == render.table([], render.LINEAGE_COLUMNS)
