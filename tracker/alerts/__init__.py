"""Alerts: tell people what changed, through a feed, signed webhooks and e-mail.

events.py derives a run's events into the outbox (db/outbox.py) in the transaction that
ends the run; delivery.py sends what is due to each sink after the crawl; sinks.py speaks
Atom, Standard Webhooks, Slack and SMTP.
"""

from tracker.alerts.delivery import SinkResult, deliver, redeliver, send_test, status
from tracker.alerts.events import after_run, derive_events, describe

__all__ = [
    "SinkResult",
    "after_run",
    "deliver",
    "derive_events",
    "describe",
    "redeliver",
    "send_test",
    "status",
]
