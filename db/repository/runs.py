"""Crawl runs: their start, end and warnings, and the runs a dead crawl left `running`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from db.models import CrawlRun, RunWarning, SweepState


def start_run(
    session: Session, *, now: datetime, roots: list[str], hubs: list[str], holder: str
) -> int:
    run = CrawlRun(
        started_at=now,
        status="running",
        roots=roots,
        hubs=hubs,
        counts={},
        requests={},
        errors=[],
        holder=holder,
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    now: datetime,
    status: str,
    counts: Mapping[str, Any],
    requests: Mapping[str, int],
    errors: list[str],
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            finished_at=now,
            status=status,
            counts=dict(counts),
            requests=dict(requests),
            errors=list(errors),
        )
    )


def abandon_runs(session: Session, *, now: datetime, by_run: int) -> list[CrawlRun]:
    """Mark `failed` every run but `by_run` still `running`, saying so in its errors.

    Call it holding the crawl lock: no other crawl is alive then, so a run still `running`
    is one whose process died (SIGKILL, OOM, a reboot) before it could record its end.
    """
    dead = list(
        session.scalars(select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.id != by_run))
    )
    for run in dead:
        run.status = "failed"
        run.finished_at = now
        run.errors = [
            *(run.errors or []),
            f"never finished: its crawl ({run.holder or 'unknown'}) died before recording an "
            f"end; marked failed by run {by_run}",
        ]
    session.flush()
    return dead


def add_warnings(session: Session, run_id: int, warnings: Iterable[tuple[str | None, str]]) -> None:
    rows = [{"run_id": run_id, "repo": repo, "message": msg[:2000]} for repo, msg in warnings]
    if rows:
        session.execute(insert(RunWarning), rows)


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def run_warnings(session: Session, run_id: int) -> list[tuple[str | None, str]]:
    rows = session.execute(
        select(RunWarning.repo, RunWarning.message)
        .where(RunWarning.run_id == run_id)
        .order_by(RunWarning.id)
    )
    return [(r.repo, r.message) for r in rows]


def latest_run(
    session: Session,
    *,
    statuses: Sequence[str] = ("ok", "partial", "failed"),
    before_id: int | None = None,
) -> CrawlRun | None:
    query = select(CrawlRun).where(CrawlRun.status.in_(statuses))
    if before_id is not None:
        query = query.where(CrawlRun.id < before_id)
    return session.scalar(query.order_by(CrawlRun.id.desc()).limit(1))


def list_runs(session: Session, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The runs newest first (at most `limit`), as plain rows with their warning counts."""
    query = select(CrawlRun).order_by(CrawlRun.id.desc())
    if limit is not None:
        query = query.limit(limit)
    runs = list(session.scalars(query))
    warned: dict[int, int] = {}
    if runs:
        counted = (
            select(RunWarning.run_id, func.count())
            .where(RunWarning.run_id.in_([r.id for r in runs]))
            .group_by(RunWarning.run_id)
        )
        warned = {run_id: n for run_id, n in session.execute(counted)}
    return [
        {
            "id": r.id,
            "status": r.status,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "roots": list(r.roots or []),
            "hubs": list(r.hubs or []),
            "counts": dict(r.counts or {}),
            "requests": dict(r.requests or {}),
            "errors": list(r.errors or []),
            "warnings": warned.get(r.id, 0),
            "holder": r.holder or "",
        }
        for r in runs
    ]


def count_runs(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CrawlRun)) or 0


def sweep_runs(session: Session) -> list[dict[str, Any]]:
    """The last (or current) sweep of each hub, as `tracker sweep` left it."""
    return [
        {
            "hub": s.hub,
            "sweep": s.sweep,
            "status": s.status,
            "full": bool(s.full),
            "started_at": s.started_at,
            "finished_at": s.finished_at,
            "pages": s.pages,
            "models": s.models,
            "new": s.new,
            "changed": s.changed,
            "requests": s.requests,
        }
        for s in session.scalars(select(SweepState).order_by(SweepState.hub))
    ]


def last_crawls(session: Session, *, scan: int = 500) -> dict[str | None, dict[str, Any]]:
    """The newest crawl that ended ok or partial, overall (key None) and per root it covered,
    among the last `scan` runs (a resolve, which asks no hub, is not a crawl)."""
    found: dict[str | None, dict[str, Any]] = {}
    query = (
        select(CrawlRun)
        .where(CrawlRun.status.in_(("ok", "partial")))
        .order_by(CrawlRun.id.desc())
        .limit(scan)
    )
    for run in session.scalars(query):
        if not run.hubs:
            continue
        seen = {"run": run.id, "status": run.status, "finished_at": run.finished_at}
        found.setdefault(None, seen)
        for root in run.roots or []:
            found.setdefault(root, seen)
    return found
