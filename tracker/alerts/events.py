"""Alert events: what one run changed, read back from what it recorded, as SPEC's events.

`derive_events(session, run_id)` is the one derivation, for a crawl as for `tracker resolve`:
it reads the run's `node_history` rows and the edges first seen in the run's interval, turns
them into events of the roots whose family holds the node, and inserts them into the outbox
in the caller's transaction. Ids are hashes of (run, kind, root, node, what changed), so a
second derivation of the same run adds nothing. A root no earlier finished run covered is a
silent baseline: a new database (or a newly configured root) alerts on nothing that exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from db import outbox
from db.models import NodeHistory
from db.outbox import NodeFacts
from db.repository import family_ids, load_cache, parse_relation_text, root_members, save_cache
from db.session import Session
from graph.license_audit import audit_inputs_digest
from tracker.collector import collector_paused

# `parent`: a child whose set of parents moved (written by `tracker resolve` and the crawl's
# resolution, "finetune of A; merge of B" -> ...)
HISTORY_FIELDS = ("repo_id", "status", "gated", "license", "relation", "parent",
                  outbox.ISSUE_FIELD)

# where the last audit's stamp is kept (hub_cache): its inputs' digest, its run, its counts
AUDIT_STAMP = "license-audit"


def utcnow() -> datetime:
    return datetime.now(UTC)


def event_id(run_id: int, kind: str, root: str, node_id: int, detail: str = "") -> str:
    """Stable across derivations: the same change of the same run hashes the same."""
    text = f"{run_id}\x1f{kind}\x1f{root}\x1f{node_id}\x1f{detail}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _codes(text: str | None) -> list[str]:
    return sorted({c for c in (text or "").split(",") if c})


@dataclass
class RunAudit:
    """The license audit that ends a run: what the summary counts and what it found new."""

    counts: dict[str, int]  # nodes per issue code (of the roots counted)
    new: list[tuple[str, str]] = field(default_factory=list)  # (node key, code) not there before


@collector_paused()
def after_run(
    session: Session,
    run_id: int,
    *,
    roots: Mapping[str, Any],
    rules_path: str | None = None,
    now: datetime | None = None,
    count_roots: Collection[str] | None = None,
    graph_unchanged: bool = False,
) -> RunAudit:
    """End of a run, in one transaction: audit licenses, record what the audit changed as
    the run's history, derive the events of this run and of any finished run that has
    none yet. Returns the issue counts by code (the crawl summary's) of `count_roots`, or
    of every root, and the issues the audit found that were not flagged before.

    `graph_unchanged`: the run says it moved no edge (a resolve that found nothing to do);
    the audit is then skipped when it provably cannot find anything new (`_audit_current`)."""
    now = now or utcnow()
    digest = audit_inputs_digest(roots, rules_path)
    if graph_unchanged and count_roots is None:
        stored = _audit_current(session, run_id, digest)
        if stored is not None:
            _stamp_audit(session, digest, run_id, stored, now=now)
            for pending in outbox.underived_runs(session, run_id):
                derive_events(session, pending, now=now)
            return RunAudit(stored)
    # here, not at the top: the audit graph needs networkx, a resolve that moved nothing not
    from graph.build import refresh_license_issues

    before = outbox.issue_flags(session)
    counts = refresh_license_issues(session, roots, rules_path, count_roots=count_roots)
    _stamp_audit(session, digest, run_id, counts if count_roots is None else None, now=now)
    outbox.record_issue_changes(session, before, run_id=run_id, now=now)
    gained = {node_id: set(_codes(codes)) - set(_codes(before.get(node_id)))
              for node_id, codes in outbox.issue_flags(session).items()}
    gained = {node_id: codes for node_id, codes in gained.items() if codes}
    keys = {node_id: facts.key for node_id, facts in outbox.node_facts(session, gained).items()}
    new = sorted((keys[i], code) for i, codes in gained.items() if i in keys for code in codes)
    for pending in outbox.underived_runs(session, run_id):
        derive_events(session, pending, now=now)
    return RunAudit(counts, new)


def _audit_current(session: Session, run_id: int, digest: str) -> dict[str, int] | None:
    """The stored counts of the last audit, when auditing again would find the same: same
    roots, rules and code; audited by the run just before this one (no crawl, crashed or
    not, came in between); and this run changed no node. None when any of it is unsure."""
    stamp = load_cache(session, AUDIT_STAMP).get("last")
    run = outbox.get_run(session, run_id)
    if not isinstance(stamp, dict) or not digest or run is None:
        return None
    counts = stamp.get("counts")
    if stamp.get("inputs") != digest or not isinstance(counts, dict):
        return None
    if stamp.get("run") != outbox.previous_run(session, run_id):
        return None
    if outbox.run_wrote_history(session, run):
        return None
    return {str(code): int(n) for code, n in counts.items()}


def _stamp_audit(
    session: Session, digest: str, run_id: int, counts: Mapping[str, int] | None, *,
    now: datetime,
) -> None:
    # counts of a partial count (one root's crawl) are not every root's: never reused
    value = {"inputs": digest, "run": run_id, "counts": None if counts is None else dict(counts)}
    save_cache(session, AUDIT_STAMP, {"last": value}, now=now)


def derive_events(session: Session, run_id: int, *, now: datetime | None = None) -> int:
    """Put run `run_id`'s events into the outbox (once); returns how many were added."""
    run = outbox.get_run(session, run_id)
    if run is None:
        return 0
    now = now or utcnow()
    known = outbox.crawled_before(session, run_id)
    names = [name for name in _stored_roots(session) if name in known]
    if not names:
        outbox.mark_derived(session, run_id, now=now, events=0, baseline=True)
        return 0
    start, end = outbox.run_interval(session, run)
    history = outbox.history_of_run(session, run_id, HISTORY_FIELDS)
    fresh_edges = outbox.edges_first_seen_in(session, start, end)
    if not history and not fresh_edges:
        # nothing changed in the run: no event, and no family walk to find none
        outbox.mark_derived(session, run_id, now=now, events=0, baseline=False)
        return 0
    live = family_ids(session, names)
    parents = outbox.parent_edges(session, {e.child_id for e in fresh_edges})
    root_nodes = outbox.root_node_ids(session)
    ids = {h.node_id for h in history} | set(parents)
    ids |= {e.parent_id for es in parents.values() for e in es}
    facts = outbox.node_facts(session, ids)
    events: list[dict[str, Any]] = []
    joined: set[tuple[str, int]] = set()
    # a child whose old parents were replaced was a member already: a move, not a newcomer
    moved = {h.node_id for h in history if h.field == "parent" and h.old}
    for name, family in live.items():
        for child, edges in parents.items():
            inside = [e for e in edges if e.parent_id in family]
            if child not in family or child in root_nodes or not inside or child in moved:
                continue
            if min(e.first_seen for e in inside) < start:
                continue  # in the family before this run: a new link, not a new member
            edge = min(inside, key=lambda e: (e.first_seen, -e.confidence, e.id))
            node = facts[child]
            joined.add((name, child))
            issues = _codes(node.license_issues)
            events.append(_event(run_id, name, "new", node, edge.first_seen,
                                 parent=facts[edge.parent_id].key, relation=edge.relation,
                                 license=node.license, issues=issues))
            if issues:  # who watches license issues only hears of a new member's too
                events.append(_event(run_id, name, "license_issue", node, edge.first_seen,
                                     detail=",".join(issues), issues=issues,
                                     license=node.license))
    for name, family in live.items():
        gated: set[int] = set()
        for row in history:
            if row.node_id not in family or row.node_id not in facts:
                continue
            node = facts[row.node_id]
            made = _from_history(run_id, name, node, row, new=(name, row.node_id) in joined)
            for event in made:
                if event["kind"] == "gated":
                    if row.node_id in gated:
                        continue  # a gate writes both status and gated
                    gated.add(row.node_id)
                events.append(event)
    added = outbox.insert_events(session, [_row(e) for e in events])
    outbox.mark_derived(session, run_id, now=now, events=len(events), baseline=False)
    return added


def _stored_roots(session: Session) -> list[str]:
    return sorted(root_members(session))


def _from_history(
    run_id: int, root: str, node: NodeFacts, row: NodeHistory, *, new: bool
) -> list[dict[str, Any]]:
    def make(kind: str, detail: str = "", **fields: Any) -> dict[str, Any]:
        return _event(run_id, root, kind, node, row.changed_at, detail=detail, **fields)

    if row.field == "repo_id":
        return [make("renamed", row.new or "", old=row.old, new=row.new)]
    if row.field == "status" and row.new == "removed":
        return [make("removed", old=row.old, new=row.new)]
    if (row.field, row.new) in (("status", "gated"), ("gated", "True")):
        return [make("gated")]
    if row.field == "license" and not new:  # a new member's license is in its `new` event
        return [make("relicensed", row.new or "", old=row.old or "", new=row.new or "",
                     license=row.new or "")]
    if row.field == "relation":
        old, fresh = parse_relation_text(row.old), parse_relation_text(row.new)
        return [make("relation_changed", row.new or "", parent=(fresh or old or ("", ""))[1],
                     old=old[0] if old else row.old or "",
                     new=fresh[0] if fresh else row.new or "")]
    if row.field == "parent":
        if not (row.old and row.new):
            return []  # a first parent is a `new` member; none left is out of the family
        now = [parse_relation_text(t) for t in row.new.split("; ")]
        parents = ", ".join(p[1] for p in now if p)
        return [make("relation_changed", row.new, parent=parents, old=row.old, new=row.new)]
    if row.field != outbox.ISSUE_FIELD:
        return []
    before, after = set(_codes(row.old)), set(_codes(row.new))
    out = []
    for kind, codes in (("license_issue", after - before),
                        ("license_issue_resolved", before - after)):
        if codes:
            out.append(make(kind, ",".join(sorted(codes)), issues=sorted(codes),
                            license=node.license))
    return out


def _event(
    run_id: int,
    root: str,
    kind: str,
    node: NodeFacts,
    at: datetime,
    *,
    detail: str = "",
    **fields: Any,
) -> dict[str, Any]:
    return {
        "id": event_id(run_id, kind, root, node.id, detail),
        "kind": kind,
        "root": root,
        "node": node.key,
        "at": at.astimezone(UTC).isoformat(),
        "run": run_id,
        **fields,
        "url": node.url or "",
    }


def _row(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event["id"],
        "run_id": event["run"],
        "kind": event["kind"],
        "root": event["root"],
        "node": event["node"],
        "at": datetime.fromisoformat(event["at"]),
        "data": event,
    }


def describe(event: Mapping[str, Any]) -> str:
    """One line a person reads: in a feed title, a Slack message, a mail."""
    kind, node = event["kind"], event["node"]
    if kind == "new":
        text = f"new {event.get('relation') or 'derivative'} {node}"
        if event.get("parent"):
            text += f" of {event['parent']}"
        text += f" (license {event.get('license') or 'none'})"
    elif kind == "removed":
        text = f"removed {node}"
    elif kind == "renamed":
        text = f"renamed {event.get('old')} -> {event.get('new')}"
    elif kind == "gated":
        text = f"gated {node}"
    elif kind == "relicensed":
        text = f"relicensed {node}: {event.get('old') or 'none'} -> {event.get('new') or 'none'}"
    elif kind == "relation_changed":
        text = (f"relation of {node} to {event.get('parent')}: {event.get('old')} -> "
                f"{event.get('new')}")
    elif kind == "license_issue":
        text = f"license issue {', '.join(event.get('issues') or [])} on {node}"
    elif kind == "license_issue_resolved":
        text = f"license issue {', '.join(event.get('issues') or [])} resolved on {node}"
    else:
        text = f"{kind} {node}"
    return f"{event['root']}: {text}"
