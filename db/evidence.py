"""Evidence, kept signals and rejections: their reads and bulk writes.

Evidence is never deleted: a signal that goes gets `retracted_at`, and comes back (un-retracted)
if it is seen again. The edges the resolver chooses are written by `repository.apply_edges`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import CursorResult, func, insert, null, select, update
from sqlalchemy.orm import Session

from db.models import Alias, Evidence, File, Node, Rejection
from db.repository.common import AnyRow, _chunks

# one piece of evidence: (child id, parent key, kind, origin)
EvidenceKey = tuple[int, str, str, str]

_EVIDENCE_FIELDS = ("source", "relation", "declared_relation", "strength", "detail", "verdict")
# plain rows, not ORM objects: a resolve reads every piece of evidence, and building tens of
# thousands of tracked objects costs more than the decision itself
_EVIDENCE_ROW = (
    Evidence.id,
    Evidence.child_id,
    Evidence.parent_key,
    Evidence.kind,
    Evidence.origin,
    Evidence.source,
    Evidence.relation,
    Evidence.declared_relation,
    Evidence.strength,
    Evidence.detail,
    Evidence.verdict,
    Evidence.run_id,
    Evidence.retracted_at,
)


# --- what the resolver reads ------------------------------------------------------------------


@dataclass
class StoredRepo:
    """A node as the resolver reads it: its columns, kept signals, files and former ids."""

    id: int
    key: str
    hub: str
    repo_id: str
    columns: dict[str, Any]
    signals: dict[str, Any]
    files: list[tuple[str, int, str | None, str | None]] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


_COLUMNS = (
    "url",
    "status",
    "sha",
    "license_raw",
    "architectures",
    "model_type",
    "formats",
    "parameters",
    "downloads",
    "likes",
    "gated",
    "tags",
    "meta",
    "created_at",
    "last_modified",
)


class NodeSummary(NamedTuple):
    """What the resolver needs of a node when it decides from stored evidence alone."""

    id: int
    key: str
    hub: str
    repo_id: str
    created_at: datetime | None
    role: str
    aliases: tuple[str, ...]


def node_summaries(session: Session) -> list[NodeSummary]:
    """Every node's id, key, creation date, role (kept by the last signal run), former ids."""
    aliases: dict[int, list[str]] = {}
    conn = session.connection()  # plain rows: see current_evidence
    for key, node_id in conn.execute(select(Alias.key, Alias.node_id).order_by(Alias.key)):
        aliases.setdefault(node_id, []).append(key.partition(":")[2])
    # the role alone, read inside the database: a node's kept signals hold its card body
    role = Node.signals["role"].as_string()
    return [
        NodeSummary(
            node_id, key, hub, repo_id, created_at, role or "unknown",
            tuple(aliases.get(node_id, ())),
        )
        for node_id, key, hub, repo_id, created_at, role in conn.execute(
            select(
                Node.id, Node.key, Node.hub, Node.repo_id, Node.created_at, role.label("role")
            ).order_by(Node.key)
        )
    ]


class CurrentEvidence(NamedTuple):
    """One row of current_evidence (named-tuple access costs a tenth of a Row's)."""

    id: int
    child_id: int
    parent_key: str
    kind: str
    origin: str
    source: str
    relation: str
    declared_relation: str | None
    strength: float
    detail: str
    verdict: str | None
    run_id: int | None
    retracted_at: datetime | None


def current_evidence(session: Session) -> list[CurrentEvidence]:
    """Every piece of evidence not retracted, both origins, in a stable order."""
    # through the connection: the ORM's row loading costs more than the query at this size
    rows = session.connection().execute(
        # retracted_at is NULL in every row asked for: a typed column would be parsed 50,000
        # times (SQLite keeps datetimes as text) for nothing
        select(*_EVIDENCE_ROW[:-1], null().label("retracted_at"))
        .where(Evidence.retracted_at.is_(None))
        .order_by(Evidence.child_id, Evidence.parent_key, Evidence.kind, Evidence.origin)
    )
    return [CurrentEvidence._make(row) for row in rows]


def update_evidence(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fields of existing evidence rows by id (a relation read later, for instance)."""
    if rows:
        session.execute(update(Evidence), list(rows))


def stored_repos(session: Session, keys: Iterable[str] | None = None) -> list[StoredRepo]:
    """Every node (or those with these keys) with its files and former ids, in key order."""
    cols = [getattr(Node, c) for c in _COLUMNS]
    out: dict[int, StoredRepo] = {}
    query = select(Node.id, Node.key, Node.hub, Node.repo_id, Node.signals, *cols)
    rows: Iterable[AnyRow]
    if keys is not None:
        wanted = sorted(set(keys))
        found: list[AnyRow] = []
        for chunk in _chunks(wanted):
            found.extend(session.execute(query.where(Node.key.in_(chunk))))
        found.sort(key=lambda r: r.key)
        rows = found
    else:
        rows = session.execute(query.order_by(Node.key))
    for row in rows:
        out[row.id] = StoredRepo(
            row.id,
            row.key,
            row.hub,
            row.repo_id,
            {c: getattr(row, c) for c in _COLUMNS},
            dict(row.signals or {}),
        )
    file_query = select(File.node_id, File.path, File.size, File.sha256, File.blob_id)
    alias_query = select(Alias.key, Alias.node_id)
    groups = [sorted(out)] if keys is None else list(_chunks(sorted(out)))
    for group in groups:
        fq, aq = file_query, alias_query
        if keys is not None:
            fq, aq = fq.where(File.node_id.in_(group)), aq.where(Alias.node_id.in_(group))
        for node_id, path, size, sha256, blob_id in session.execute(
            fq.order_by(File.node_id, File.path)
        ):
            if node_id in out:
                out[node_id].files.append((path, size, sha256, blob_id))
        for key, node_id in session.execute(aq.order_by(Alias.key)):
            if node_id in out:
                out[node_id].aliases.append(key.partition(":")[2])
    return list(out.values())


def save_signals(session: Session, kept: Mapping[int, Mapping[str, Any]]) -> None:
    """Merge what a crawl showed of each node's signals over what was kept (by top key)."""
    ids = sorted(k for k, v in kept.items() if v)
    updates = []
    for chunk in _chunks(ids):
        for node_id, old in session.execute(
            select(Node.id, Node.signals).where(Node.id.in_(chunk))
        ):
            merged = {**(old or {}), **kept[node_id]}
            if merged != (old or {}):
                updates.append({"id": node_id, "signals": merged})
    if updates:
        session.execute(update(Node), updates)


# --- evidence -----------------------------------------------------------------------------------


def _upsert_evidence(
    session: Session,
    rows: Sequence[Mapping[str, Any]],
    existing: Mapping[EvidenceKey, Any],
    *,
    now: datetime,
    run_id: int | None,
) -> tuple[int, int]:
    inserts, updates = [], []
    for row in rows:
        ident = (row["child_id"], row["parent_key"], row["kind"], row["origin"])
        old = existing.get(ident)
        if old is None:
            inserts.append(
                {**row, "run_id": run_id, "first_seen": now, "last_seen": now, "retracted_at": None}
            )
            continue
        changes = {f: row[f] for f in _EVIDENCE_FIELDS if f in row and row[f] != getattr(old, f)}
        if old.retracted_at is not None:
            changes["retracted_at"] = None
        if changes or old.run_id != run_id:
            updates.append({"id": old.id, "run_id": run_id, "last_seen": now, **changes})
    if inserts:
        for chunk in _chunks(inserts):
            session.execute(insert(Evidence), list(chunk))
    if updates:
        session.execute(update(Evidence), updates)
    return len(inserts), len(updates)


def _existing(
    session: Session, children: Iterable[int], origin: str
) -> dict[EvidenceKey, Any]:
    out: dict[EvidenceKey, Any] = {}
    for chunk in _chunks(sorted(set(children))):
        for ev in session.execute(
            select(*_EVIDENCE_ROW).where(Evidence.child_id.in_(chunk), Evidence.origin == origin)
        ):
            out[(ev.child_id, ev.parent_key, ev.kind, ev.origin)] = ev
    return out


def record_claims(
    session: Session, rows: Sequence[Mapping[str, Any]], *, now: datetime, run_id: int | None
) -> None:
    """A crawler's claims, as evidence of origin `crawl` (rows without `origin`)."""
    rows = [{**r, "origin": "crawl"} for r in rows]
    unique = {(r["child_id"], r["parent_key"], r["kind"]): r for r in rows}
    existing = _existing(session, (r["child_id"] for r in rows), "crawl")
    _upsert_evidence(session, list(unique.values()), existing, now=now, run_id=run_id)


def retract_unconfirmed_claims(
    session: Session, children: Iterable[int], *, run_id: int, now: datetime
) -> int:
    """Claims about these children that this run did not make again are retracted: the
    crawler judged them anew and no longer says so."""
    n = 0
    for chunk in _chunks(sorted(set(children))):
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # an UPDATE's result is a cursor's
            update(Evidence)
            .where(
                Evidence.child_id.in_(chunk),
                Evidence.origin == "crawl",
                Evidence.retracted_at.is_(None),
                (Evidence.run_id.is_(None)) | (Evidence.run_id != run_id),
            )
            .values(retracted_at=now)
        )
        n += result.rowcount or 0
    return n


def active_claims(session: Session) -> list[Any]:
    """Crawler claims not retracted, in a stable order (rows with Evidence's columns)."""
    # through the connection: the ORM's row loading costs more than the query at this size
    return list(
        session.connection().execute(
            select(*_EVIDENCE_ROW)
            .where(Evidence.origin == "crawl", Evidence.retracted_at.is_(None))
            .order_by(Evidence.child_id, Evidence.parent_key, Evidence.kind)
        )
    )


def replace_resolved_evidence(
    session: Session, rows: Sequence[Mapping[str, Any]], *, now: datetime, run_id: int | None
) -> tuple[int, int, int]:
    """The resolver's evidence as a set: new rows in, changed rows updated, rows no longer
    computed retracted. Returns (new, changed, retracted)."""
    rows = [{**r, "origin": "resolve"} for r in rows]
    unique = {(r["child_id"], r["parent_key"], r["kind"]): r for r in rows}
    existing: dict[EvidenceKey, Any] = {}
    for ev in session.execute(select(*_EVIDENCE_ROW).where(Evidence.origin == "resolve")):
        existing[(ev.child_id, ev.parent_key, ev.kind, ev.origin)] = ev
    wanted = {(c, p, k, "resolve") for c, p, k in unique}
    new, changed = 0, 0
    inserts, updates = [], []
    for ident, row in unique.items():
        old = existing.get((*ident, "resolve"))
        if old is None:
            inserts.append(row)
            continue
        fields = {f: row[f] for f in _EVIDENCE_FIELDS if f in row and row[f] != getattr(old, f)}
        if old.retracted_at is not None or fields:
            changed += 1
            updates.append(
                {"id": old.id, "retracted_at": None, "last_seen": now, "run_id": run_id, **fields}
            )
    if updates:
        session.execute(update(Evidence), updates)
    if inserts:
        new, _ = _upsert_evidence(session, inserts, {}, now=now, run_id=run_id)
    gone = [
        ev.id for ident, ev in existing.items() if ident not in wanted and ev.retracted_at is None
    ]
    for chunk in _chunks(gone):
        session.execute(update(Evidence).where(Evidence.id.in_(chunk)).values(retracted_at=now))
    return new, changed, len(gone)


def set_verdicts(session: Session, verdicts: Mapping[tuple[int, str], str]) -> None:
    """What the last resolve made of each current piece of evidence, by (child id, parent
    key); evidence the resolve did not weigh says so."""
    updates = []
    for ev in session.execute(select(*_EVIDENCE_ROW).where(Evidence.retracted_at.is_(None))):
        verdict = verdicts.get((ev.child_id, ev.parent_key), "not weighed")
        if ev.verdict != verdict:
            updates.append({"id": ev.id, "verdict": verdict})
    if updates:
        session.execute(update(Evidence), updates)


def evidence_of(session: Session, node_id: int) -> list[Evidence]:
    """Every piece of evidence ever seen for a node as a child, current first."""
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.child_id == node_id)
            .order_by(
                Evidence.retracted_at.is_not(None),
                Evidence.strength.desc(),
                Evidence.parent_key,
                Evidence.kind,
                Evidence.origin,
            )
        )
    )


# --- candidates left out ----------------------------------------------------------------------


def save_rejections(
    session: Session,
    hub: str,
    root: str,
    rejected: Mapping[str, tuple[str | None, str]],
    *,
    now: datetime,
    run_id: int | None,
) -> None:
    """Candidates `root` left out on `hub` this run: repo id -> (sha, reason)."""
    ids = sorted(rejected)
    existing: dict[str, Rejection] = {}
    for chunk in _chunks(ids):
        for r in session.scalars(
            select(Rejection).where(
                Rejection.hub == hub, Rejection.root == root, Rejection.repo_id.in_(chunk)
            )
        ):
            existing[r.repo_id] = r
    inserts = []
    for rid in ids:
        sha, reason = rejected[rid]
        old = existing.get(rid)
        if old is None:
            inserts.append(
                {
                    "hub": hub,
                    "repo_id": rid,
                    "root": root,
                    "sha": sha,
                    "reason": reason,
                    "run_id": run_id,
                    "first_seen": now,
                    "last_seen": now,
                }
            )
        elif (old.sha, old.reason) != (sha, reason) or old.run_id != run_id:
            old.sha, old.reason, old.run_id, old.last_seen = sha, reason, run_id, now
    if inserts:
        session.execute(insert(Rejection), inserts)


def count_rejected(session: Session, hub: str) -> int:
    """How many distinct candidates of `hub` some root left out (a repo two roots rejected
    counts once): what a crawl's request budget allows one request per ten of."""
    query = select(func.count(func.distinct(Rejection.repo_id))).where(Rejection.hub == hub)
    return session.scalar(query) or 0


def rejections_of(session: Session, repo_id: str) -> list[Rejection]:
    """Why a candidate with this repo id (any case, any hub) was left out, per root."""
    return list(
        session.scalars(
            select(Rejection)
            .where(
                Rejection.repo_id.ilike(
                    repo_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"),
                    escape="\\",
                )
            )
            .order_by(Rejection.hub, Rejection.root)
        )
    )
