"""Exit codes and the one table that turns exceptions into one-line messages.

Like huggingface_hub's CLI_ERROR_MAPPINGS: the CLI's `main()` applies `describe()` once, so
no command prints a traceback (set TRACKER_DEBUG=1 to see it).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from crawlers.base import HubUnavailable, RateLimited, TokenRejected
from db.session import DatabaseError
from graph.license_audit import RulesError
from tracker.config import ConfigError

EXIT_OK = 0
EXIT_FAILED = 1  # the crawl (or command) failed
EXIT_USAGE = 2  # bad argument or config
EXIT_PARTIAL = 3  # some hub or root failed; what was found is kept
EXIT_LOCKED = 4  # another crawl holds the database
EXIT_DATABASE = 5  # database unreachable or unusable
EXIT_HUB = 6  # hub endpoint unreachable or rate limit beyond our ceiling
EXIT_TOKEN = 7  # a hub rejected the token


class TrackerError(Exception):
    """An error of ours with a ready message and exit code."""

    exit_code = EXIT_FAILED


class UnknownNode(TrackerError):
    """A root name, node key or alias that the database does not hold."""

    exit_code = EXIT_USAGE


class CrawlLocked(TrackerError):
    """Another crawl holds this database's lock."""

    exit_code = EXIT_LOCKED


# exception type -> (exit code, message builder); the first matching row wins.
ERROR_TABLE: list[tuple[type[BaseException], int, Callable[[BaseException], str]]] = [
    (ConfigError, EXIT_USAGE, lambda e: f"config: {e}"),
    (RulesError, EXIT_USAGE, lambda e: f"config: {e}"),
    (CrawlLocked, EXIT_LOCKED, str),
    (TrackerError, EXIT_FAILED, str),
    (
        DatabaseError,
        EXIT_DATABASE,
        lambda e: f"{e}. Tip: check [database].url or TRACKER_DATABASE_URL.",
    ),
    (
        TokenRejected,
        EXIT_TOKEN,
        lambda e: f"{e}. Tip: check the token in the variable named by hubs.<hub>.token_env.",
    ),
    (
        DBAPIError,  # once open: a dropped connection, a full disk, SQLite busy past its timeout
        EXIT_DATABASE,
        lambda e: (
            f"database error: {_reason(e)}. Tip: check [database].url or TRACKER_DATABASE_URL."
        ),
    ),
    (RateLimited, EXIT_HUB, lambda e: f"{e}. Tip: try again later or set a token."),
    (HubUnavailable, EXIT_HUB, lambda e: f"{e}. Tip: check the endpoint (HF_ENDPOINT, config)."),
]


def _reason(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's statement and parameters (which may
    hold hub data) or its background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def describe(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for a known exception, None for a bug."""
    if isinstance(exc, DBAPIError) and "database is locked" in _reason(exc):
        return EXIT_LOCKED, (
            "the database is locked by another process (SQLite waited 30 s for it); "
            "try again when it is done"
        )
    for exc_type, code, message in ERROR_TABLE:
        if isinstance(exc, exc_type):
            code = getattr(exc, "exit_code", code) if isinstance(exc, TrackerError) else code
            return code, " ".join(message(exc).split())
    return None
