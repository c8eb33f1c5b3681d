"""Delivery: the outbox's due events to each configured sink, after a crawl or on demand.

Per sink, in order: register it the first time (it gets the events of the run at hand and
later ones, not the whole past), skip it while its backoff lasts, send what is due in
batches, and record each batch as delivered in its own transaction right after the sink
took it. A crash between the two sends that one batch again, with the same event ids and
webhook-id, at the next delivery: at most one repeat. A failing sink is tried once per
delivery (an unreachable one costs its timeout once), keeps its events, and waits
`alerts.retry_after` seconds, doubling per failure up to a day. Nothing here raises: a
sink's failure is a line in the result, never the crawl's failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from db import outbox
from db.repository.common import AnyRow
from db.session import Engine, session_scope
from tracker.alerts.sinks import EmailSink, FeedSink, SinkError, WebhookSink
from tracker.config import Config
from tracker.errors import ConfigError

log = logging.getLogger("tracker.alerts")

MAX_BACKOFF = timedelta(days=1)
Sink = FeedSink | WebhookSink | EmailSink


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SinkResult:
    name: str
    sent: int = 0
    waiting: int = 0  # still due after this delivery
    error: str = ""  # why it failed (safe to show)
    skipped: str = ""  # why it was not tried now (backoff)

    def line(self) -> str:
        if self.error:
            return f"alerts: {self.name} failed: {self.error}; {self.waiting} event(s) kept"
        if self.skipped:
            return f"alerts: {self.name}: {self.waiting} event(s) wait ({self.skipped})"
        return f"alerts: {self.name}: {self.sent} event(s) delivered"


def configured_sinks(config: Config) -> list[Sink]:
    """The sinks of `[alerts]`, feed first, in config order."""
    timeout = float(config.get("alerts.timeout"))
    sinks: list[Sink] = []
    if config.get("alerts.feed"):
        sinks.append(FeedSink(config.get("alerts.feed"), int(config.get("alerts.feed_entries"))))
    sinks.extend(WebhookSink(w, timeout) for w in config.webhooks)
    if config.email is not None:
        sinks.append(EmailSink(config.email, timeout))
    return sinks


def deliver(
    config: Config,
    engine: Engine,
    *,
    run_id: int | None = None,
    clock: Callable[[], datetime] = utcnow,
    sinks: Sequence[Sink] | None = None,
) -> list[SinkResult]:
    """Send every configured sink what is due to it; one result per sink that had any."""
    results = []
    for sink in configured_sinks(config) if sinks is None else sinks:
        try:
            result = _deliver_one(config, engine, sink, run_id, clock)
        except Exception as exc:  # a sink never fails the crawl, even by a bug of ours
            log.warning("alerts: %s: %s", sink.name, type(exc).__name__)
            result = SinkResult(sink.name, error=f"delivery broke: {type(exc).__name__}")
        if result.sent or result.error or result.skipped:
            (log.warning if result.error else log.info)("%s", result.line())
            results.append(result)
    return results


def _deliver_one(
    config: Config,
    engine: Engine,
    sink: Sink,
    run_id: int | None,
    clock: Callable[[], datetime],
) -> SinkResult:
    now = clock()
    result = SinkResult(sink.name)
    with session_scope(engine) as session:
        state = outbox.sink(session, sink.name) or outbox.register_sink(
            session, sink.name, after_seq=outbox.max_seq(session, before_run=run_id), now=now
        )
        due = outbox.due_events(session, sink.name, state.after_seq, sink.events, sink.roots)
        retry_at, failures = state.retry_at, state.failures
        latest = []
        if isinstance(sink, FeedSink):
            latest = outbox.recent_events(session, sink.entries, sink.events)
    result.waiting = len(due)
    if isinstance(sink, FeedSink) and not due and not sink.path.exists():
        sink.write(latest)  # a configured feed exists from the first run, empty or not
    if not due:
        return result
    if retry_at is not None and retry_at > now:
        result.skipped = f"retry after {retry_at:%Y-%m-%d %H:%M} UTC"
        return result
    for run, batch in _batches(sink, due):
        try:
            if isinstance(sink, FeedSink):
                sink.write(latest)
            else:
                sink.send(run, [e.data for e in batch])
        except SinkError as exc:
            wait = min(MAX_BACKOFF, timedelta(seconds=float(config.get("alerts.retry_after"))
                                              * 2 ** min(failures, 20)))
            with session_scope(engine) as session:
                outbox.record_failed(session, sink.name, [e.seq for e in batch], now=clock(),
                                     error=str(exc), retry_at=clock() + wait)
            result.error = str(exc)
            return result  # tried once: an unreachable sink costs its timeout once
        with session_scope(engine) as session:
            outbox.record_delivered(session, sink.name, [e.seq for e in batch], now=clock())
        result.sent += len(batch)
        result.waiting -= len(batch)
    return result


def _batches(sink: Sink, due: list[AnyRow]) -> list[tuple[int | None, list[AnyRow]]]:
    """Webhooks: per run, at most `sink.batch` each (the body names one run); the feed and
    mail: everything in one go."""
    if not sink.batch:
        return [(max(e.run_id for e in due), due)]
    out: list[tuple[int | None, list[AnyRow]]] = []
    for run, group in groupby(due, key=lambda e: e.run_id):
        events = list(group)
        out.extend((run, events[i : i + sink.batch]) for i in range(0, len(events), sink.batch))
    return out


def status(config: Config, engine: Engine) -> list[dict[str, Any]]:
    """Per configured sink: kind, pending, failed, delivered, last delivery, retry, error."""
    rows = []
    with session_scope(engine) as session:
        for sink in configured_sinks(config):
            state = outbox.sink(session, sink.name)
            after = state.after_seq if state else outbox.max_seq(session)
            counts = outbox.sink_counts(session, sink.name, after, sink.events, sink.roots)
            rows.append({
                "sink": sink.name,
                "kind": sink.kind,
                **counts,
                "last_delivery": _iso(state.last_delivery) if state else None,
                "retry_at": _iso(state.retry_at) if state else None,
                "last_error": (state.last_error or None) if state else None,
            })
    return rows


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def find_sink(config: Config, name: str) -> Sink:
    sinks = configured_sinks(config)
    for sink in sinks:
        if sink.name == name:
            return sink
    known = ", ".join(s.name for s in sinks) or "none: configure [alerts] in config.toml"
    raise ConfigError(f"unknown sink {name!r}; configured: {known}")


SAMPLE = {
    "id": "test",
    "kind": "new",
    "root": "grok-1",
    "node": "huggingface:example/grok-1-test",
    "run": 0,
    "parent": "huggingface:xai-org/grok-1",
    "relation": "finetune",
    "license": "apache-2.0",
    "issues": [],
    "url": "https://huggingface.co/example/grok-1-test",
}


def send_test(config: Config, engine: Engine | None, name: str,
              clock: Callable[[], datetime] = utcnow) -> str:
    """Send one sample event to sink `name` (the feed: rewrite it); raises SinkError."""
    sink = find_sink(config, name)
    now = clock()
    event = {**SAMPLE, "id": f"test-{now:%Y%m%dT%H%M%S}", "at": now.isoformat()}
    if isinstance(sink, FeedSink):
        latest = []
        if engine is not None:
            with session_scope(engine) as session:
                latest = outbox.recent_events(session, sink.entries, sink.events)
        sink.write(latest)
        return f"{sink.name}: wrote {len(latest)} entries to {sink.path}"
    sink.send(0, [event])
    return f"{sink.name}: sample event {event['id']} sent"


def redeliver(config: Config, engine: Engine, since: datetime, *, only: str | None = None,
              clock: Callable[[], datetime] = utcnow) -> list[SinkResult]:
    """Send again every event stamped at or after `since` (to one sink or all), now."""
    sinks = [find_sink(config, only)] if only else configured_sinks(config)
    with session_scope(engine) as session:
        for sink in sinks:
            if outbox.sink(session, sink.name) is None:
                outbox.register_sink(session, sink.name, after_seq=outbox.max_seq(session),
                                     now=clock())
            outbox.reopen(session, sink.name, since)
    return deliver(config, engine, clock=clock, sinks=sinks)
