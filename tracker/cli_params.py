"""What the command line accepts, forgivingly: word lists, relative dates, one-line usage errors.

`--hub huggingface,github` means what `crawl.hubs = "huggingface,github"` means; hub and
relation words match without regard to case; `--since yesterday`, `7d` or `2h` are dates as
much as `2026-11-01`; a misspelt word gets "did you mean". Every usage error is one line on
stderr, like every other error of the tracker (`tracker: ...`), still exit 2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import click

from tracker.errors import did_you_mean


class WordList(click.Choice[str]):
    """A choice that also takes a comma-separated list (`--hub huggingface,github`), any case.

    Each value converts to a tuple of choices; `flatten` turns a repeatable option's tuples
    into one list without repeats.
    """

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__(choices, case_sensitive=False)

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        if isinstance(value, tuple):
            return value
        words = [w.strip() for w in str(value).split(",") if w.strip()]
        if not words:
            self.fail(f"expected one or more of {', '.join(self.choices)}", param, ctx)
        out = []
        for word in words:
            match = [c for c in self.choices if str(c).lower() == word.lower()]
            if not match:
                self.fail(f"{word!r} is not one of {', '.join(map(str, self.choices))}"
                          f"{did_you_mean(word, map(str, self.choices))}", param, ctx)
            out.append(match[0])
        return tuple(out)


def flatten(_ctx: click.Context, _param: click.Parameter, value: Any) -> tuple[str, ...]:
    """A repeatable WordList option's values as one tuple, in order, without repeats."""
    return tuple(dict.fromkeys(w for group in value or () for w in group))


_RELATIVE = re.compile(r"^\s*(\d+)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?)\s*(ago)?\s*$",
                       re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DATE_HELP = "2026-11-01, 2026-11-01T04:00, yesterday, today, 7d, 2h"


def parse_date(value: str | None, name: str, *, end_of_day: bool = False,
               now: datetime | None = None) -> datetime | None:
    """A date a person types, UTC unless it says otherwise: ISO (`2026-11-01`,
    `2026-11-01T04:00`), `today`, `yesterday`, or an age (`7d`, `2h`, `30m`, `1w`, `3 days
    ago`). A bare date is its first instant, or with `end_of_day` its last (`export --at
    2026-11-01` includes that day's crawl)."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    word = value.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word in ("today", "yesterday"):
        day = midnight - timedelta(days=1 if word == "yesterday" else 0)
        return day + timedelta(days=1, microseconds=-1) if end_of_day else day
    if word == "now":
        return now
    relative = _RELATIVE.match(word)
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)[0].lower()]
        return now - timedelta(**{unit: amount})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like {DATE_HELP}",
                                 param_hint=name) from None
    if end_of_day and ":" not in value and parsed == datetime.combine(
        parsed.date(), datetime.min.time()
    ):
        parsed += timedelta(days=1, microseconds=-1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def one_line(error: click.UsageError) -> str:
    """A click usage error as the tracker's one line: what is wrong and where help is."""
    message = " ".join(error.format_message().split()).rstrip(".")
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    path = "tracker"  # the same under CliRunner, whose program name is the function's
    if error.ctx is not None:
        path = " ".join(["tracker", *error.ctx.command_path.split()[1:]])
    return f"{message}{' See' if message.endswith('?') else '; see'} `{path} --help`"


class OneLineUsageError(click.UsageError):
    """A usage error shown as one line (`tracker: ...`), exit 2."""

    def __init__(self, original: click.UsageError) -> None:
        super().__init__(one_line(original), original.ctx)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"tracker: {self.message}", err=True, file=file)
