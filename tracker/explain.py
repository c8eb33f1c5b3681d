"""`tracker resolve` and `tracker explain`: families again from stored evidence, and why an
edge is there (or a candidate is not).

`resolve_now` takes the crawl lock, records a run (no hub, no request), and lets the resolver
decide every family again; what moved goes into history, so `tracker changes` reports it.
`explain` is what an auditor reads before acting on an edge: every piece of evidence seen for
a node, current or retracted, what the last resolve made of each, and for a candidate that
never joined, the reason it stays out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from crawlers.base import split_key
from db import evidence as store
from db import repository as repo
from db.lineage import ancestors
from db.lock import crawl_lock
from db.models import Node
from db.session import Session, open_database, session_scope
from tracker import alerts
from tracker.config import Config
from tracker.errors import UnknownNode
from tracker.pipeline import holder_name
from tracker.resolution import ResolveReport, resolve_families
from tracker.service import resolve_target


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def resolve_now(
    config: Config,
    *,
    recompute: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[int, ResolveReport]:
    """Every family decided again from what is stored; returns (run id, what moved).
    `recompute` runs the signals again over every stored repo first."""
    engine = open_database(config.database_url)
    try:
        with crawl_lock(engine, holder_name()):
            with session_scope(engine) as session:
                run_id = repo.start_run(
                    session, now=clock(), roots=list(config.roots), hubs=[],
                    holder=holder_name(),
                )
            with session_scope(engine) as session:
                report, _ = resolve_families(
                    session,
                    {name: list(root.nodes) for name, root in config.roots.items()},
                    {name: root.license for name, root in config.roots.items()},
                    now=clock(),
                    run_id=run_id,
                    recompute=recompute,
                )
            # the run's end, the license audit and the run's alert events: one transaction
            with session_scope(engine) as session:
                repo.finish_run(
                    session, run_id, now=clock(), status="ok", counts={}, requests={},
                    errors=[],
                )
                alerts.after_run(
                    session,
                    run_id,
                    roots=config.roots,
                    rules_path=config.get("licenses.rules") or None,
                    now=clock(),
                    # a recompute may have re-read what the audit reads: audit again
                    graph_unchanged=not recompute and report.unchanged,
                )
        # delivery after the lock: a sink that is down never holds the database
        alerts.deliver(config, engine, run_id=run_id, clock=clock)
        return run_id, report
    finally:
        engine.dispose()


def explain(config: Config, target: str) -> dict[str, Any]:
    """Everything the tracker knows of why a node is (or is not) where the lineage shows it."""
    engine = open_database(config.database_url)
    try:
        with session_scope(engine) as session:
            try:
                found = resolve_target(session, config, target)
            except UnknownNode:
                return _rejected(session, target)
            node = repo.nodes_by_id(session, found.start_ids[:1])[0]
            return _explain_node(session, node)
    finally:
        engine.dispose()


def _explain_node(session: Session, node: Node) -> dict[str, Any]:
    detail = repo.node_detail(session, node.id, ancestors=ancestors(session, node.id))
    parents = [
        {"parent": p["node"], "relation": p["relation"], "source": p["source"],
         "confidence": p["confidence"], "evidence": p["evidence"]}
        for p in detail.get("parents", [])
    ]
    evidence = [
        {
            "parent": ev.parent_key,
            "kind": ev.kind,
            "origin": ev.origin,
            "source": ev.source,
            "strength": round(ev.strength, 4),
            "relation": ev.relation,
            "detail": ev.detail,
            "verdict": ev.verdict or "",
            "first_seen": _iso(ev.first_seen),
            "retracted": _iso(ev.retracted_at),
        }
        for ev in store.evidence_of(session, node.id)
    ]
    roots = sorted(detail.get("roots", []))
    if roots:
        status = f"member of {', '.join(roots)}"
    elif any(r["verdict"] == "parent" for r in evidence):
        status = "member"
    else:
        status = "not a member of any family: no chain of evidence reaches a root"
    return {"node": node.key, "status": status, "parents": parents, "evidence": evidence,
            "rejections": []}


def _rejected(session: Session, target: str) -> dict[str, Any]:
    repo_id = split_key(target)[1] if ":" in target and target.split(":")[0] in (
        "huggingface", "modelscope", "github") else target
    rows = store.rejections_of(session, repo_id)
    if not rows:
        raise UnknownNode(
            f"{target!r} is neither a node nor a candidate the tracker has judged; "
            "use a key like huggingface:xai-org/grok-1"
        )
    return {
        "node": f"{rows[0].hub}:{rows[0].repo_id}",
        "status": "left out: a candidate that did not join",
        "parents": [],
        "evidence": [],
        "rejections": [
            {"root": r.root, "hub": r.hub, "reason": r.reason, "sha": r.sha or "",
             "last_seen": _iso(r.last_seen)}
            for r in rows
        ],
    }
