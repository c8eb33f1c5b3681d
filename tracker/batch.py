"""One batch of what a crawler yielded, written in the caller's transaction.

A batch holds repo records, the lineage claims yielded after them and the warnings: nodes
are upserted (renames folded in), their files replaced where the crawler read them, one
observation per node kept for history, each node's compact signals saved for the resolver,
the claims recorded as evidence and the warnings (with claims that name no stored node) kept
on the run. `store_batch` says what it did; the pipeline keeps the run's counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawlers.base import CrawlWarning, LineageClaim, RepoRecord, node_key
from crawlers.signals import compact
from db import evidence
from db import repository as repo
from db.repository import NodeWrite
from db.session import Session
from tracker.rows import claim_rows, file_row, node_row, observation_row, warning_row


@dataclass
class StoredBatch:
    written: NodeWrite
    nodes: int = 0  # node rows written
    claimed: set[int] = field(default_factory=set)  # children whose claims were recorded
    warnings: int = 0  # warnings kept on the run (claims that named no node among them)
    files_read: bool = False  # some record came with its files: the signals must run again


def store_batch(
    session: Session,
    run_id: int,
    records: list[RepoRecord],
    claims: list[LineageClaim],
    warnings: list[CrawlWarning],
    *,
    now: datetime,
) -> StoredBatch:
    """Nodes, files, observations, signals, claims and warnings of one batch."""
    rows = [node_row(r) for r in records]
    renamed = {r.key: node_key(r.hub, r.renamed_from) for r in records if r.renamed_from}
    written = repo.upsert_nodes(session, rows, now=now, run_id=run_id, renamed_from=renamed)
    repo.replace_files(
        session,
        {
            written.ids[r.key]: [file_row(f) for f in r.files]
            for r in records
            if r.files is not None
        },
        now=now,
        run_id=run_id,
    )
    repo.record_observations(
        session, run_id, [observation_row(written.ids[row["key"]], row) for row in rows]
    )
    evidence.save_signals(
        session, {written.ids[r.key]: compact(r) for r in records if r.key in written.ids}
    )
    ends = dict(written.ids)
    missing = {c.child for c in claims if c.child not in ends}
    if missing:  # a child stored by an earlier batch or run
        ends.update(repo.node_ids(session, missing))
    claim_rows_, bad = claim_rows(claims, ends)
    evidence.record_claims(session, claim_rows_, now=now, run_id=run_id)
    skipped = [(w.repo, w.message) for w in warnings] + bad
    repo.add_warnings(session, run_id, [warning_row(key, message) for key, message in skipped])
    return StoredBatch(
        written,
        nodes=len(rows),
        claimed={row["child_id"] for row in claim_rows_},
        warnings=len(skipped),
        files_read=any(r.files is not None for r in records),
    )
