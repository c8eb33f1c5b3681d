"""Crawl runs: their start, end and warnings, and the runs a dead crawl left `running`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.models import CrawlRun, RunWarning


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
