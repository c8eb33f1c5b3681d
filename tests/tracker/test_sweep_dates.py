"""Odd `lastModified` dates from the Hub never cut a daily sweep short. The watermark (where
the next sweep stops) and the stop itself read the listing's dates: a date read leniently (a
basic-format time taken for an old one) or one later than the sweep's own start made later
sweeps stop before what had changed, and those models were missed until a full sweep. The
fake Hub speaks real HTTP; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_population import Population
from tracker.config import load_config
from tracker.sweep import sweep


def test_a_date_in_a_form_the_hub_does_not_write_does_not_stop_the_daily_sweep(db_url):
    """Bug: `_iso` took anything `datetime.fromisoformat` reads. "20261128T120000.000Z" is
    listed first (the Hub sorts it as text, above every dashed date) yet was read as the 28th,
    before the watermark, so the daily sweep stopped on its first page and missed the models
    changed after it."""
    population = Population(3_000)
    with FakeHub(population=population) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": db_url})
        first = sweep(config)
        assert first.status == "complete" and first.watermark == "2026-11-29T00:00:00.000Z"
        pushed = range(100, 3_000, 2)  # 1,450 changed models: more than one page
        population.touch(pushed)
        population.recent[5] = "20261128T120000.000Z"  # a basic-format time: no Hub form
        daily = sweep(config)
    assert daily.status == "complete"
    assert daily.changed == len(pushed) + 1  # every changed model, and the odd one's new row
    assert daily.watermark is not None and daily.watermark.startswith("2026-11-30T00:")


def test_a_date_after_the_sweep_began_never_becomes_the_watermark(db_url):
    """Bug: a date was kept out of the watermark only when later than the clock at the page
    that listed it. A sweep read over a day (rate-limited, or resumed the next day) took a
    model dated hours after the sweep began as its watermark, and the next sweep stopped
    above the models changed in between."""
    began = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    times = iter([began])  # the sweep begins; every page is read a day later

    def clock() -> datetime:
        return next(times, began + timedelta(days=1))

    population = Population(3_000)
    population.recent[11] = "2026-11-30T06:00:00.000Z"  # 7 hours after the sweep began
    with FakeHub(population=population) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": db_url})
        first = sweep(config, clock=clock)
        assert first.status == "complete" and first.models == 3_000
        assert first.watermark is not None and first.watermark <= "2026-11-30T00:00:00.000Z"
        pushed = range(100, 3_000, 97)  # changed at 00:00:01 and after, before that date
        population.touch(pushed)
        daily = sweep(config, clock=lambda: began + timedelta(days=2))
    assert (daily.status, daily.changed) == ("complete", len(pushed))
