"""Clocks for tests: three crawl days, and a clock that ticks per reading (runs take time),
so no test sleeps on a wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DAY1 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
DAY2 = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
DAY3 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def ticking(start: datetime, step=timedelta(seconds=1)):
    """A clock that moves one second per reading, from `start`: runs take time."""
    state = {"now": start - step}

    def clock():
        state["now"] += step
        return state["now"]

    return clock
