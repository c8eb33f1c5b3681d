"""Cron lines: what a `[schedule].cron` line means, checked and turned into a trigger.

Pure: no database, no crawl, no scheduler; config validation and the scheduler both read it.
Cron lines mean what they mean to cron: APScheduler 3 counts weekdays from Monday = 0, and
requires both the day-of-month and day-of-week fields when both are set, so `cron_trigger()`
translates weekdays to names and builds an either-or trigger for that case, as cron does.
"""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

CRON_HELP = 'expected 5 fields: minute hour day-of-month month day-of-week, e.g. "0 4 * * *"'
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbers: 0 (and 7) = sun


def _weekday(token: str, *, upper: bool = False) -> int:
    name = token.strip().lower()
    if name in _WEEKDAYS:
        number = _WEEKDAYS.index(name)
        return 7 if upper and number == 0 else number  # "fri-sun" ends on Sunday
    if name.isdigit() and int(name) <= 7:
        return int(name)
    raise ValueError(f"day-of-week {token!r} is not 0-7 or sun..sat")


def _cron_weekdays(field: str) -> str:
    """A cron day-of-week field (0 or 7 = Sunday) as APScheduler day names."""
    days: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"day-of-week step {step_text!r} is not a positive number")
        if span == "*":
            first, last = 0, 7
        elif "-" in span:
            low, high = span.split("-", 1)
            first, last = _weekday(low), _weekday(high, upper=True)
            if first > last:
                raise ValueError(f"day-of-week range {span!r} runs backwards")
        else:
            first = _weekday(span)
            last = 7 if step else first  # "1/2" is "from Monday, every other day"
        days.update(d % 7 for d in range(first, last + 1, step or 1))
    if len(days) == 7:
        return "*"
    return ",".join(_WEEKDAYS[d] for d in sorted(days))


def time_zone(name: str) -> tzinfo:
    """The zone called `name`, or ValueError saying what a valid name looks like."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"schedule.timezone {name!r} is not a known time zone; "
            'use a name like "UTC" or "Europe/Berlin"'
        ) from None


def cron_trigger(line: str, timezone: str | tzinfo = "UTC") -> BaseTrigger:
    """The APScheduler trigger that fires when cron would fire for `line`.

    Raises ValueError with a message fit for the user when the line or zone is wrong.
    """
    zone = time_zone(timezone) if isinstance(timezone, str) else timezone
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(f'schedule.cron "{line}" has {len(fields)} fields; {CRON_HELP}')
    minute, hour, day, month, weekday = fields
    try:
        days_of_week = _cron_weekdays(weekday)
        # CronTrigger.from_crontab checks the other fields; weekdays go in as names.
        CronTrigger.from_crontab(f"{minute} {hour} {day} {month} *", timezone=zone)
        if not day.startswith("*") and not weekday.startswith("*"):
            # cron runs when EITHER day field matches (unless one starts with "*");
            # APScheduler would require both.
            return OrTrigger(
                [
                    CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone),
                    CronTrigger(
                        minute=minute,
                        hour=hour,
                        month=month,
                        day_of_week=days_of_week,
                        timezone=zone,
                    ),
                ]
            )
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=days_of_week,
            timezone=zone,
        )
    except ValueError as exc:
        raise ValueError(
            f'schedule.cron "{line}" is not a valid cron line ({exc}); {CRON_HELP}'
        ) from None


def validate_cron(line: str, timezone: str = "UTC") -> None:
    """Raise ValueError saying what is wrong with the cron line or time zone; else None."""
    cron_trigger(line, timezone)
