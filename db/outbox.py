"""The alert outbox: every SQL statement of alert events, their derivation and delivery.

Events are derived from what a run recorded (node history rows with its `run_id`, edges first
seen inside its interval) and inserted here if absent, keyed by a stable id: deriving twice is
harmless. `alert_runs` says which runs were derived, so a run whose process died before its
end is derived by a later one. Delivery state is per sink: `alert_sinks` (which events are
the sink's, its backoff) and `alert_deliveries` (delivered or failed, per event).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from db.models import (
    AlertDelivery,
    AlertEvent,
    AlertRun,
    AlertSink,
    CrawlRun,
    Edge,
    Node,
    NodeHistory,
    RootMember,
)
from db.repository.common import AnyRow, _chunks

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])  # a query on alert events

ISSUE_FIELD = "license_issues"  # the node_history field the audit's changes are written as


# --- what a run changed ----------------------------------------------------------------------


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def underived_runs(session: Session, upto: int) -> list[int]:
    """Finished runs up to `upto` (and `upto` itself) whose events were never derived."""
    derived = select(AlertRun.run_id).where(AlertRun.run_id == CrawlRun.id)
    query = (
        select(CrawlRun.id)
        .where(CrawlRun.id <= upto, ~exists(derived))
        .where((CrawlRun.status != "running") | (CrawlRun.id == upto))
        .order_by(CrawlRun.id)
    )
    return list(session.scalars(query))


def crawled_before(session: Session, run_id: int) -> set[str]:
    """Roots an earlier crawl covered and finished (ok or partial): no longer a baseline.

    A run without hubs (`tracker resolve`) crawled nothing: on a database no crawl has
    filled, it must not turn the first crawl into a flood of `new` events.
    """
    rows = session.execute(
        select(CrawlRun.roots, CrawlRun.hubs)
        .where(CrawlRun.id < run_id, CrawlRun.status.in_(("ok", "partial")))
    )
    return {name for roots, hubs in rows if hubs for name in (roots or ())}


def run_interval(session: Session, run: CrawlRun) -> tuple[datetime, datetime | None]:
    """[start, end) of what a run stamped: up to the next run's start (runs never overlap,
    the crawl lock sees to it), open for the latest run."""
    following = session.scalar(
        select(func.min(CrawlRun.started_at)).where(CrawlRun.id > run.id)
    )
    return run.started_at, following


def previous_run(session: Session, run_id: int) -> int | None:
    """The run recorded just before `run_id`, whatever became of it (a crashed crawl too)."""
    return session.scalar(select(func.max(CrawlRun.id)).where(CrawlRun.id < run_id))


def run_wrote_history(session: Session, run: CrawlRun) -> bool:
    """Whether the run changed any node (a moved edge writes a `parent` change too)."""
    # changed_at bounds the scan: node_history has no index on run_id
    return session.scalar(
        select(
            exists().where(NodeHistory.changed_at >= run.started_at, NodeHistory.run_id == run.id)
        )
    ) or False


def history_of_run(session: Session, run_id: int, fields: Sequence[str]) -> list[NodeHistory]:
    return list(
        session.scalars(
            select(NodeHistory)
            .where(NodeHistory.run_id == run_id, NodeHistory.field.in_(fields))
            .order_by(NodeHistory.id)
        )
    )


# edges are read as plain rows (no ORM objects): a run may bring thousands
_EDGE = (Edge.id, Edge.parent_id, Edge.child_id, Edge.relation, Edge.confidence, Edge.first_seen)


def edges_first_seen_in(
    session: Session, start: datetime, end: datetime | None
) -> list[AnyRow]:
    query = select(*_EDGE).where(Edge.first_seen >= start)
    if end is not None:
        query = query.where(Edge.first_seen < end)
    return list(session.execute(query.order_by(Edge.id)))


def parent_edges(session: Session, child_ids: Iterable[int]) -> dict[int, list[AnyRow]]:
    out: dict[int, list[AnyRow]] = {}
    for chunk in _chunks(sorted(set(child_ids))):
        for edge in session.execute(select(*_EDGE).where(Edge.child_id.in_(chunk))):
            out.setdefault(edge.child_id, []).append(edge)
    return out


@dataclass(frozen=True)
class NodeFacts:
    id: int
    key: str
    url: str
    license: str
    license_issues: str
    status: str
    first_seen: datetime


def node_facts(session: Session, ids: Iterable[int]) -> dict[int, NodeFacts]:
    out: dict[int, NodeFacts] = {}
    columns = (Node.id, Node.key, Node.url, Node.license, Node.license_issues, Node.status,
               Node.first_seen)
    for chunk in _chunks(sorted(set(ids))):
        for row in session.execute(select(*columns).where(Node.id.in_(chunk))):
            out[row.id] = NodeFacts(*row)
    return out


def root_node_ids(session: Session) -> set[int]:
    return set(session.scalars(select(RootMember.node_id)))


def issue_flags(session: Session) -> dict[int, str]:
    """node id -> its stored license issue codes (comma-separated), before an audit."""
    return dict(session.execute(select(Node.id, Node.license_issues)).all())


def record_issue_changes(
    session: Session, before: Mapping[int, str], *, run_id: int, now: datetime
) -> int:
    """Write each node whose issue codes the audit changed as a history row of `run_id`.

    A node the run found is judged for the first time, not changed: its codes are part of
    its arrival, so it gets no row.
    """
    run = session.get(CrawlRun, run_id)
    born = set()
    if run is not None:
        born = set(session.scalars(select(Node.id).where(Node.first_seen >= run.started_at)))
    rows = [
        {"node_id": node_id, "run_id": run_id, "changed_at": now, "field": ISSUE_FIELD,
         "old": before.get(node_id, "") or "", "new": codes or ""}
        for node_id, codes in issue_flags(session).items()
        if (before.get(node_id, "") or "") != (codes or "")
        and not (node_id in born and not before.get(node_id))
    ]
    if rows:
        session.execute(insert(NodeHistory), rows)
    return len(rows)


def insert_events(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert the events whose id is not stored yet; returns how many were new."""
    wanted = {row["id"]: row for row in rows}
    for chunk in _chunks(list(wanted)):
        for known in session.scalars(select(AlertEvent.id).where(AlertEvent.id.in_(chunk))):
            wanted.pop(known, None)
    fresh = [wanted[i] for i in dict.fromkeys(r["id"] for r in rows) if i in wanted]
    if fresh:  # Core executemany: no ORM bookkeeping for thousands of rows
        session.execute(insert(AlertEvent), fresh)
    return len(fresh)


def mark_derived(
    session: Session, run_id: int, *, now: datetime, events: int, baseline: bool
) -> None:
    if session.get(AlertRun, run_id) is None:
        session.add(AlertRun(run_id=run_id, derived_at=now, events=events, baseline=baseline))
        session.flush()


def add_run_errors(session: Session, run_id: int, lines: Sequence[str]) -> None:
    """Append lines to a finished run's errors (a sink that failed after the crawl)."""
    run = session.get(CrawlRun, run_id)
    if run is not None and lines:
        run.errors = [*(run.errors or []), *lines]


# --- delivery --------------------------------------------------------------------------------


def max_seq(session: Session, *, before_run: int | None = None) -> int:
    query = select(func.max(AlertEvent.seq))
    if before_run is not None:
        query = query.where(AlertEvent.run_id < before_run)
    return session.scalar(query) or 0


def sink(session: Session, name: str) -> AlertSink | None:
    return session.get(AlertSink, name)


def register_sink(session: Session, name: str, *, after_seq: int, now: datetime) -> AlertSink:
    row = AlertSink(name=name, after_seq=after_seq, registered_at=now, failures=0,
                    last_error="")
    session.add(row)
    session.flush()
    return row


def _filtered(query: Q, kinds: Sequence[str], roots: Sequence[str]) -> Q:
    query = query.where(AlertEvent.kind.in_(list(kinds)))
    return query.where(AlertEvent.root.in_(list(roots))) if roots else query


_DUE = (AlertEvent.seq, AlertEvent.run_id, AlertEvent.data)


def due_events(
    session: Session, name: str, after_seq: int, kinds: Sequence[str], roots: Sequence[str]
) -> list[AnyRow]:
    """A sink's events not delivered yet, oldest first: rows of (seq, run_id, data)."""
    done = select(AlertDelivery.event_seq).where(
        AlertDelivery.sink == name,
        AlertDelivery.event_seq == AlertEvent.seq,
        AlertDelivery.state == "delivered",
    )
    query = select(*_DUE).where(AlertEvent.seq > after_seq, ~exists(done))
    return list(session.execute(_filtered(query, kinds, roots).order_by(AlertEvent.seq)))


def recent_events(
    session: Session, limit: int, kinds: Sequence[str], roots: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The latest `limit` events, newest first (what a feed shows), as sent."""
    query = _filtered(select(AlertEvent.data), kinds, roots)
    return list(session.scalars(query.order_by(AlertEvent.seq.desc()).limit(limit)))


def _set_deliveries(
    session: Session, name: str, seqs: Sequence[int], state: str, now: datetime
) -> None:
    previous: dict[int, int] = {}
    for chunk in _chunks(list(seqs)):
        where = and_(AlertDelivery.sink == name, AlertDelivery.event_seq.in_(chunk))
        previous.update(session.execute(
            select(AlertDelivery.event_seq, AlertDelivery.attempts).where(where)).all())
        session.execute(delete(AlertDelivery).where(where))
    rows = [{"sink": name, "event_seq": s, "state": state, "attempts": previous.get(s, 0) + 1,
             "at": now} for s in seqs]
    for batch in _chunks(rows):
        session.execute(insert(AlertDelivery), list(batch))


def record_delivered(session: Session, name: str, seqs: Sequence[int], *, now: datetime) -> None:
    """These events reached the sink: never sent to it again; its backoff is over."""
    _set_deliveries(session, name, seqs, "delivered", now)
    session.execute(
        update(AlertSink).where(AlertSink.name == name)
        .values(failures=0, retry_at=None, last_error="", last_delivery=now)
    )


def record_failed(
    session: Session, name: str, seqs: Sequence[int], *, now: datetime, error: str,
    retry_at: datetime,
) -> None:
    """The sink refused or was unreachable: the events stay due, the sink waits."""
    _set_deliveries(session, name, seqs, "failed", now)
    session.execute(
        update(AlertSink).where(AlertSink.name == name)
        .values(failures=AlertSink.failures + 1, retry_at=retry_at, last_error=error)
    )


def sink_counts(
    session: Session, name: str, after_seq: int, kinds: Sequence[str], roots: Sequence[str]
) -> dict[str, int]:
    """pending (never tried), failed (tried, to retry) and delivered events of a sink."""
    states = dict(session.execute(
        select(AlertDelivery.state, func.count()).where(AlertDelivery.sink == name)
        .group_by(AlertDelivery.state)).all())
    done = select(AlertDelivery.event_seq).where(
        AlertDelivery.sink == name,
        AlertDelivery.event_seq == AlertEvent.seq,
        AlertDelivery.state == "delivered",
    )
    query = select(func.count()).select_from(AlertEvent).where(
        AlertEvent.seq > after_seq, ~exists(done))
    due = session.scalar(_filtered(query, kinds, roots)) or 0
    failed = states.get("failed", 0)
    return {"pending": max(0, due - failed), "failed": failed,
            "delivered": states.get("delivered", 0)}


def reopen(session: Session, name: str, since: datetime) -> int:
    """Make the events stamped at or after `since` due again at one sink; returns how many."""
    first = session.scalar(select(func.min(AlertEvent.seq)).where(AlertEvent.at >= since))
    if first is None:
        return 0
    later = select(AlertEvent.seq).where(AlertEvent.seq >= first, AlertEvent.at >= since)
    session.execute(
        delete(AlertDelivery).where(AlertDelivery.sink == name,
                                    AlertDelivery.event_seq.in_(later))
    )
    row = session.get(AlertSink, name)
    if row is not None:
        row.after_seq = min(row.after_seq, first - 1)
        row.retry_at, row.failures = None, 0
    return session.scalar(select(func.count()).where(AlertEvent.at >= since)) or 0
