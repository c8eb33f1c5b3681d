"""Edges: bulk upserts keyed by (parent, child), and how a relation reads in history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models import Edge, Node, NodeHistory
from db.repository.common import AnyRow, _chunks


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


def graph_edge_rows(
    session: Session, node_ids_: Iterable[int], *, links_only: bool = False
) -> list[AnyRow]:
    """The columns a lineage graph shows of every edge into the nodes, as plain rows; with
    `links_only`, only (parent_id, child_id): what the license audit walks."""
    columns: tuple[Any, ...] = (Edge.parent_id, Edge.child_id)
    if not links_only:
        columns += (Edge.relation, Edge.source, Edge.confidence, Edge.evidence, Edge.first_seen)
    conn = session.connection()
    out: list[AnyRow] = []
    for chunk in _chunks(sorted(node_ids_)):
        out.extend(conn.execute(select(*columns).where(Edge.child_id.in_(chunk))).all())
    return out


def relation_text(relation: str, parent_key: str) -> str:
    """How a relation appears in node history: "quantization of huggingface:a/b"."""
    return f"{relation} of {parent_key}"


def parse_relation_text(text: str | None) -> tuple[str, str] | None:
    """(relation, parent key) from `relation_text`; None for anything else."""
    relation, sep, parent = (text or "").partition(" of ")
    return (relation, parent) if sep and relation and parent else None


# --- the resolver's edges (every edge, decided at once) -------------------------------


_EDGE_FIELDS = ("relation", "source", "confidence", "evidence", "declared_relation")
# plain rows, not ORM objects: a resolve reads every edge
_EDGE_ROW = (Edge.id, Edge.parent_id, Edge.child_id, *(getattr(Edge, f) for f in _EDGE_FIELDS))
_edge_values = itemgetter(*_EDGE_FIELDS)  # a wanted row's fields, in _EDGE_ROW's order


@dataclass
class EdgeChanges:
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)


def apply_edges(
    session: Session,
    rows: Sequence[Mapping[str, Any]],
    keys: Mapping[int, str],
    *,
    now: datetime,
    run_id: int | None,
    seen: Iterable[int] = (),
) -> EdgeChanges:
    """Make the edges table equal `rows` (parent_id, child_id and the edge fields).

    An edge kept keeps its `first_seen`; a new one starts now; one no longer chosen is removed.
    Each child whose parents or relations moved gets one `parent` history row.
    """
    wanted = {(r["parent_id"], r["child_id"]): r for r in rows}
    seen = set(seen)
    existing = {(e[1], e[2]): e for e in session.connection().execute(select(*_EDGE_ROW))}
    out = EdgeChanges()
    history = _edge_history(existing, wanted, keys, now=now, run_id=run_id)  # before writes
    inserts, updates, gone = [], [], []
    for pair, row in wanted.items():
        old = existing.get(pair)
        if old is None:
            inserts.append({**row, "first_seen": now, "last_seen": now})
            out.added.append((keys[pair[0]], keys[pair[1]]))
            continue
        if _edge_values(row) == tuple(old[3:]):
            continue  # a resolve that moves nothing compares 10,000 edges: one tuple each
        changes = {f: row[f] for f in _EDGE_FIELDS if row[f] != getattr(old, f)}
        if changes:
            updates.append({"id": old.id, **changes})
            if "relation" in changes:
                out.changed.append((keys[pair[0]], keys[pair[1]]))
    for pair, old in existing.items():
        if pair not in wanted:
            gone.append(old.id)
            out.removed.append((keys.get(pair[0], str(pair[0])), keys.get(pair[1], str(pair[1]))))
    if gone:
        for chunk in _chunks(gone):
            session.execute(delete(Edge).where(Edge.id.in_(chunk)))
    if inserts:
        for chunk in _chunks(inserts):
            session.execute(insert(Edge), list(chunk))
    if updates:
        session.execute(update(Edge), updates)
    kept = [old.id for pair, old in existing.items() if pair in wanted and pair[1] in seen]
    for chunk in _chunks(kept):  # still chosen, its child seen by this run
        session.execute(update(Edge).where(Edge.id.in_(chunk)).values(last_seen=now))
    if history:
        session.execute(insert(NodeHistory), history)
    return out


def _edge_history(
    existing: Mapping[tuple[int, int], AnyRow],
    wanted: Mapping[tuple[int, int], Mapping[str, Any]],
    keys: Mapping[int, str],
    *,
    now: datetime,
    run_id: int | None,
) -> list[dict[str, Any]]:
    """A relation that changed on a kept edge is a `relation` row (as crawls always wrote);
    a child whose set of parents changed gets one `parent` row, old set -> new set."""
    history: list[dict[str, Any]] = []
    old_parents: dict[int, set[int]] = {}
    new_parents: dict[int, set[int]] = {}
    for (p, c), e in existing.items():
        old_parents.setdefault(c, set()).add(p)
        row = wanted.get((p, c))
        if row is not None and row["relation"] != e.relation:
            parent = keys.get(p, str(p))
            history.append(
                {
                    "node_id": c,
                    "run_id": run_id,
                    "changed_at": now,
                    "field": "relation",
                    "old": relation_text(e.relation, parent),
                    "new": relation_text(row["relation"], parent),
                }
            )
    for p, c in wanted:
        new_parents.setdefault(c, set()).add(p)

    def described(pairs: Mapping[tuple[int, int], Any], parents: set[int], child: int) -> str:
        texts = []
        for p in parents:
            e = pairs[(p, child)]
            relation = e["relation"] if isinstance(e, Mapping) else e.relation
            texts.append(relation_text(relation, keys.get(p, str(p))))
        return "; ".join(sorted(texts))

    for child in sorted(old_parents):
        if old_parents[child] == new_parents.get(child, set()):
            continue
        history.append(
            {
                "node_id": child,
                "run_id": run_id,
                "changed_at": now,
                "field": "parent",
                "old": described(existing, old_parents[child], child),
                "new": described(wanted, new_parents.get(child, set()), child) or None,
            }
        )
    return history
