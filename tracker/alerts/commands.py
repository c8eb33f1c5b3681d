"""What `tracker alerts` asks: per-sink status, a test send, a redelivery; plain data back.

Each function opens the configured database, answers, and closes it; nothing prints. A
redelivery takes the crawl lock, so it never races a crawl's own delivery.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from db.lock import crawl_lock
from db.session import Engine, open_database
from tracker.alerts import delivery
from tracker.config import Config
from tracker.pipeline import holder_name
from tracker.render import table

COLUMNS = ("sink", "kind", "pending", "failed", "delivered", "last_delivery")


@contextmanager
def _engine(config: Config) -> Iterator[Engine]:
    engine = open_database(config.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def status(config: Config) -> list[dict[str, Any]]:
    """One row per configured sink: pending, failed and delivered events, backoff, error."""
    with _engine(config) as engine:
        return delivery.status(config, engine)


def test(config: Config, sink: str) -> str:
    """Send a sample event to `sink`; a line saying what was done (SinkError if not)."""
    with _engine(config) as engine:
        return delivery.send_test(config, engine, sink)


def redeliver(config: Config, since: datetime, sink: str | None = None) -> list[dict[str, Any]]:
    """Send again what was stamped since `since`, now; one row per sink."""
    with _engine(config) as engine, crawl_lock(engine, holder_name()):
        results = delivery.redeliver(config, engine, since, only=sink)
    return [{"sink": r.name, "sent": r.sent, "waiting": r.waiting, "error": r.error or None}
            for r in results]


def status_table(rows: list[dict[str, Any]]) -> str:
    """The status rows as an 80-column table, then a line per failing sink."""
    if not rows:
        return "no sinks: configure [alerts] in config.toml (see README, Alerts)"
    shown = [{**r, "last_delivery": _short(r["last_delivery"])} for r in rows]
    lines = [table(shown, COLUMNS)]
    for r in rows:
        if r["last_error"]:
            retry = f", retry after {_short(r['retry_at'])} UTC" if r["retry_at"] else ""
            lines.append(f"{r['sink']}: {r['last_error']}{retry}")
    return "\n".join(lines)


def _short(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M") if iso else "-"


def redeliver_table(rows: list[dict[str, Any]]) -> str:
    return table([{**r, "error": r["error"] or ""} for r in rows],
                 ("sink", "sent", "waiting", "error"))
