"""Edges: bulk upserts keyed by (parent, child), and how a relation reads in history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.models import Edge, Node, NodeHistory
from db.repository.common import _chunks


def upsert_edges(
    session: Session, rows: Sequence[Mapping[str, Any]], *, now: datetime, run_id: int | None
) -> tuple[int, int]:
    """Insert or update edges keyed by (parent_id, child_id); returns (new, changed).

    A declared edge is never downgraded by an inferred claim for the same pair; a change of
    relation is written to the child's history as `relation_text` (the parent's key, not its
    row id, so the timeline reads on its own).
    """
    by_pair = {
        (r["parent_id"], r["child_id"]): dict(r) for r in rows if r["parent_id"] != r["child_id"]
    }
    if not by_pair:
        return 0, 0
    existing: dict[tuple[int, int], Edge] = {}
    children = sorted({c for _, c in by_pair})
    for chunk in _chunks(children):
        for found in session.scalars(select(Edge).where(Edge.child_id.in_(chunk))):
            existing[(found.parent_id, found.child_id)] = found
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    touched: list[int] = []
    relation_changes: list[tuple[int, int, str, str]] = []  # parent, child, old, new
    for pair, row in by_pair.items():
        edge = existing.get(pair)
        if edge is None:
            inserts.append({**row, "first_seen": now, "last_seen": now})
            continue
        touched.append(edge.id)
        if edge.source == "declared" and row["source"] == "inferred":
            continue
        fields = ("relation", "source", "confidence", "evidence", "declared_relation")
        changes = {f: row.get(f) for f in fields if row.get(f) != getattr(edge, f)}
        if not changes:
            continue
        updates.append({"id": edge.id, **changes})
        if "relation" in changes:
            relation_changes.append((edge.parent_id, edge.child_id, edge.relation, row["relation"]))
    if relation_changes:  # written with the parent's key: "conversion of huggingface:a/b"
        parents = sorted({p for p, *_ in relation_changes})
        keys = dict(session.execute(select(Node.id, Node.key).where(Node.id.in_(parents))).all())
        history = [
            {
                "node_id": child,
                "run_id": run_id,
                "changed_at": now,
                "field": "relation",
                "old": relation_text(old, keys.get(parent, str(parent))),
                "new": relation_text(new, keys.get(parent, str(parent))),
            }
            for parent, child, old, new in relation_changes
        ]
    if inserts:
        session.execute(insert(Edge), inserts)
    if updates:
        session.execute(update(Edge), updates)
    if history:
        session.execute(insert(NodeHistory), history)
    for chunk in _chunks(touched):
        session.execute(update(Edge).where(Edge.id.in_(chunk)).values(last_seen=now))
    return len(inserts), len(updates)


def edges_into(session: Session, node_ids_: Iterable[int]) -> list[Edge]:
    """Every edge whose child is one of the nodes, in child id order of their chunks."""
    out: list[Edge] = []
    for chunk in _chunks(sorted(node_ids_)):
        out.extend(session.scalars(select(Edge).where(Edge.child_id.in_(chunk))))
    return out


def relation_text(relation: str, parent_key: str) -> str:
    """How a relation appears in node history: "quantization of huggingface:a/b"."""
    return f"{relation} of {parent_key}"


def parse_relation_text(text: str | None) -> tuple[str, str] | None:
    """(relation, parent key) from `relation_text`; None for anything else."""
    relation, sep, parent = (text or "").partition(" of ")
    return (relation, parent) if sep and relation and parent else None
