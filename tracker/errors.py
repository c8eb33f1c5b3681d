"""Exit codes and the tracker's own exceptions: a leaf that imports nothing of the project.

Library code raises these; only the CLI edge (`tracker.cli_errors`) turns an exception into a
message and an exit code, so any module may import this one without forming a circle.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

EXIT_OK = 0
EXIT_FAILED = 1  # the crawl (or command) failed
EXIT_USAGE = 2  # bad argument or config
EXIT_PARTIAL = 3  # some hub or root failed; what was found is kept
EXIT_LOCKED = 4  # another crawl holds the database
EXIT_DATABASE = 5  # database unreachable or unusable
EXIT_HUB = 6  # hub endpoint unreachable or rate limit beyond our ceiling
EXIT_TOKEN = 7  # a hub rejected the token
EXIT_INTERRUPTED = 130  # SIGINT/SIGTERM: stopped after the current transaction (128 + SIGINT)


class TrackerError(Exception):
    """An error of ours with a ready message and exit code."""

    exit_code = EXIT_FAILED


class UnknownNode(TrackerError):
    """A root name, node key or alias that the database does not hold."""

    exit_code = EXIT_USAGE


class PageNotStored(TrackerError):
    """The database refused a sweep's page (a full disk, a read-only file or server): the
    pages before it are kept and the next `tracker sweep` resumes at it."""

    exit_code = EXIT_DATABASE


class ConfigError(Exception):
    """A config file or value is wrong; the message names the key and what is expected."""


def did_you_mean(word: str, known: Iterable[str], *, cutoff: float = 0.6) -> str:
    """' (did you mean X?)' naming the closest of `known` (any case), else ''."""
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return f" (did you mean {lowered[close[0]]}?)" if close else ""
