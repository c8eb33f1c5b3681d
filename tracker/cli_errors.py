"""The CLI edge: the one table that turns exceptions into one-line messages and exit codes.

Like huggingface_hub's `cli/_errors.py` (CLI_ERROR_MAPPINGS) beside its `errors.py`: library
code raises its own exceptions (tracker.errors, crawlers.base, db, graph) and reports what
happened; only here do they become a message and an exit code. The CLI's group applies
`describe()` once, so no command prints a traceback (set TRACKER_DEBUG=1 to see it), and
`crawl_exit_code()` maps a crawl's report (ok, partial, interrupted, failed) to the exit
code of `tracker crawl` and of a scheduled run.
"""

from __future__ import annotations

from collections.abc import Callable

from crawlers.base import HubUnavailable, RateLimited, TokenRejected
from db.lock import CrawlLocked
from db.session import DatabaseError, DriverError, NoDatabase, driver_reason
from graph.export.target import ExportRefused, ExportTargetError
from graph.license_audit import RulesError
from tracker.errors import (
    EXIT_DATABASE,
    EXIT_FAILED,
    EXIT_HUB,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_TOKEN,
    EXIT_USAGE,
    ConfigError,
    TrackerError,
)
from tracker.report import CrawlReport

# exception type -> (exit code, message builder); the first matching row wins.
ERROR_TABLE: list[tuple[type[BaseException], int, Callable[[BaseException], str]]] = [
    (ConfigError, EXIT_USAGE, lambda e: f"config: {e}"),
    (RulesError, EXIT_USAGE, lambda e: f"config: {e}"),
    (ExportRefused, EXIT_USAGE, str),
    (ExportTargetError, EXIT_FAILED, str),
    (CrawlLocked, EXIT_LOCKED, str),
    (TrackerError, EXIT_FAILED, str),
    (NoDatabase, EXIT_USAGE, str),  # a read command before the first crawl
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
        DriverError,  # once open: a dropped connection, a full disk, SQLite busy past its timeout
        EXIT_DATABASE,
        lambda e: (
            f"database error: {driver_reason(e)}. "
            "Tip: check [database].url or TRACKER_DATABASE_URL."
        ),
    ),
    (RateLimited, EXIT_HUB, lambda e: f"{e}. Tip: try again later or set a token."),
    (HubUnavailable, EXIT_HUB, lambda e: f"{e}. Tip: check the endpoint (HF_ENDPOINT, config)."),
    (OSError, EXIT_FAILED, lambda e: _os_error(e)),  # an output file or stdout we cannot write
]


def _os_error(exc: BaseException) -> str:
    if not isinstance(exc, OSError):  # the table only sends OSErrors here
        return str(exc)
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return f"cannot write to standard output: {reason}"
    return f"cannot write {exc.filename}: {reason}"


def describe(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for a known exception, None for a bug."""
    if isinstance(exc, DriverError) and "database is locked" in driver_reason(exc):
        return EXIT_LOCKED, (
            "the database is locked by another process (SQLite waited 30 s for it); "
            "try again when it is done"
        )
    for exc_type, code, message in ERROR_TABLE:
        if isinstance(exc, exc_type):
            code = getattr(exc, "exit_code", code) if isinstance(exc, TrackerError) else code
            return code, " ".join(message(exc).split())
    return None


def crawl_exit_code(report: CrawlReport) -> int:
    """The exit code of a crawl that ran: 0 ok, 3 partial, 6 when no hub could be reached
    (or all were rate-limited beyond the ceiling), 1 for any other failure."""
    if report.status == "ok":
        return EXIT_OK
    if report.status == "partial":
        return EXIT_PARTIAL
    if report.status == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_HUB if report.hubs_down else EXIT_FAILED
