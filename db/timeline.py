"""Intent-level reads of the store's past: runs, what changed in a time window, and what a
node looked like before later changes (for `tracker changes` and `tracker export --at`).

Like db/repository/, this hides the ORM from tracker/ and graph/. Nothing here writes.
Windows are over the timestamps the crawl stamped (`first_seen`, `changed_at`), which lie
between their run's `started_at` and `finished_at`; one crawl at a time per database (the
lock) keeps runs from overlapping, so a run's changes fall inside its own interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import QueryableAttribute, Session

from db.models import Alias, CrawlRun, Edge, Node, NodeHistory, Observation
from db.repository.common import _chunks

# Counts that move every day; they are history but not news.
STAT_FIELDS = ("downloads", "likes")


@dataclass(frozen=True)
class RunInfo:
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    roots: tuple[str, ...]
    hubs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "roots": list(self.roots),
            "hubs": list(self.hubs),
        }


@dataclass(frozen=True)
class Window:
    """Changes stamped after `start` (or at it, when `inclusive`); None = since the start."""

    start: datetime | None
    inclusive: bool = True

    def where(self, column: QueryableAttribute[datetime]) -> ColumnElement[bool]:
        if self.start is None:
            return true()
        return column >= self.start if self.inclusive else column > self.start


def runs(session: Session) -> list[RunInfo]:
    """Every finished run (ok, partial, failed), oldest first; a running one is left out."""
    rows = session.scalars(
        select(CrawlRun).where(CrawlRun.status != "running").order_by(CrawlRun.id)
    )
    return [
        RunInfo(
            r.id,
            r.status,
            r.started_at,
            r.finished_at,
            tuple(r.roots or ()),
            tuple(r.hubs or ()),
        )
        for r in rows
    ]


def history_in(
    session: Session, window: Window, *, exclude_fields: Sequence[str] = STAT_FIELDS
) -> list[NodeHistory]:
    """History rows stamped in the window (all nodes), oldest first."""
    query = select(NodeHistory).where(window.where(NodeHistory.changed_at))
    if exclude_fields:
        query = query.where(NodeHistory.field.not_in(list(exclude_fields)))
    return list(session.scalars(query.order_by(NodeHistory.changed_at, NodeHistory.id)))


def nodes_first_seen_in(session: Session, window: Window) -> list[Node]:
    return list(
        session.scalars(
            select(Node).where(window.where(Node.first_seen)).order_by(Node.first_seen, Node.key)
        )
    )


def edges_first_seen_in(session: Session, window: Window) -> list[Edge]:
    return list(
        session.scalars(
            select(Edge).where(window.where(Edge.first_seen)).order_by(Edge.first_seen, Edge.id)
        )
    )


def parent_edges(session: Session, child_ids: Iterable[int]) -> dict[int, list[Edge]]:
    """child id -> its edges from parents, oldest first."""
    out: dict[int, list[Edge]] = {}
    for chunk in _chunks(sorted(set(child_ids))):
        for edge in session.scalars(
            select(Edge).where(Edge.child_id.in_(chunk)).order_by(Edge.first_seen, Edge.id)
        ):
            out.setdefault(edge.child_id, []).append(edge)
    return out


def keys_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        out.update(session.execute(select(Node.id, Node.key).where(Node.id.in_(chunk))).all())
    return out


# --- as of a date ----------------------------------------------------------------------------


def history_after(session: Session, ids: Iterable[int], at: datetime) -> list[NodeHistory]:
    """History rows of these nodes stamped after `at`, newest first (the order to undo them)."""
    out: list[NodeHistory] = []
    for chunk in _chunks(sorted(set(ids))):
        out.extend(
            session.scalars(
                select(NodeHistory).where(
                    NodeHistory.node_id.in_(chunk), NodeHistory.changed_at > at
                )
            )
        )
    out.sort(key=lambda h: (h.changed_at, h.id), reverse=True)
    return out


def aliases_of(session: Session, ids: Iterable[int]) -> dict[int, list[tuple[str, datetime]]]:
    """node id -> (former key, when it became former), oldest first."""
    out: dict[int, list[tuple[str, datetime]]] = {}
    for chunk in _chunks(sorted(set(ids))):
        for alias in session.scalars(select(Alias).where(Alias.node_id.in_(chunk))):
            out.setdefault(alias.node_id, []).append((alias.key, alias.first_seen))
    for items in out.values():
        items.sort(key=lambda t: t[1])
    return out


def last_observed_by(session: Session, ids: Iterable[int], at: datetime) -> dict[int, datetime]:
    """node id -> end of the last run that observed it and started on or before `at`
    (capped at `at`): the node's `last_seen` as it stood then."""
    out: dict[int, datetime] = {}
    ends = func.max(func.coalesce(CrawlRun.finished_at, CrawlRun.started_at))
    for chunk in _chunks(sorted(set(ids))):
        rows = session.execute(
            select(Observation.node_id, ends)
            .join(CrawlRun, CrawlRun.id == Observation.run_id)
            .where(Observation.node_id.in_(chunk), CrawlRun.started_at <= at)
            .group_by(Observation.node_id)
        )
        for node_id, end in rows:
            if end is not None:
                end = _aware(end)
                out[node_id] = min(end, at)
    return out


def _aware(value: datetime | str) -> datetime:
    """Aggregates bypass the column type, so SQLite gives back naive UTC text."""
    if isinstance(value, str):  # SQLite returns aggregates of timestamps as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
