"""Logging for the CLI, configured once: stderr, optionally a file, and no token ever shown.

`setup_logging(config)` sends every log record to stderr (rich on a terminal, plain lines with
UTC timestamps for cron and pipes) and, when `logging.file` is set, appends the same plain
lines to that file. Every handler carries a `RedactingFilter` that replaces each configured hub
token with "***" in the message, its arguments and any traceback, whichever library logged it.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from tracker.config import Config
from tracker.errors import ConfigError

if TYPE_CHECKING:  # rich is imported only when stderr is a terminal (fast start-up)
    from rich.console import Console

REDACTED = "***"
PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Chatty at INFO, useful only when debugging.
_QUIET = (
    "apscheduler",
    "urllib3",
    "filelock",
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "huggingface_hub",
    "alembic",
)
_MARK = "_tracker_handler"  # set on the handlers we install, so a second setup replaces them


class _UTCFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


class RedactingFilter(logging.Filter):
    """Replaces every secret with "***" in a record's text before any handler writes it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is hidden whole.
        self.secrets = sorted({s for s in secrets if s and s.strip()}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def token_values(config: Config) -> list[str]:
    """Every secret the config resolved, the strings that must never reach a log: hub tokens,
    webhook secrets, the SMTP password, and a webhook URL's path and query (a Slack URL's
    path is its secret; urllib3 logs it at DEBUG)."""
    values = [hub.token for hub in config.hubs.values() if hub.token]
    for hook in config.webhooks:
        parts = urlsplit(hook.url)
        values += [hook.secret or "", hook.url]
        values += [p for p in (parts.path, parts.query) if len(p) > 1]
    if config.email is not None and config.email.password:
        values.append(config.email.password)
    return [v for v in values if v]


class _TerminalHandler(logging.Handler):
    """rich's RichHandler on a terminal, made at the first record (or when progress asks for
    its console): a command that logs nothing, like `tracker lineage`, never loads rich."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self.stream = stream
        self._rich: logging.Handler | None = None
        self._console: Console | None = None

    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.stream)
        return self._console

    def emit(self, record: logging.LogRecord) -> None:
        if self._rich is None:
            from rich.logging import RichHandler

            # rich_tracebacks would render locals and source from the frames themselves,
            # past the redacting filter; the plain traceback text goes through it.
            self._rich = RichHandler(console=self.console(), show_path=False, markup=False,
                                     rich_tracebacks=False)
            self._rich.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self._rich.emit(record)  # filtered here already (the redaction)


# The terminal's log handler, or None when stderr is not a terminal: progress draws on its
# console (tracker.progress), so that log lines go above the progress, never into it.
_terminal: _TerminalHandler | None = None


def terminal_console() -> Console | None:
    """The rich Console the log handler writes to on a terminal; None when logs are plain."""
    return _terminal.console() if _terminal is not None else None


def _stderr_handler(stream: IO[str]) -> logging.Handler:
    global _terminal
    if stream.isatty():
        _terminal = _TerminalHandler(stream)
        return _terminal
    _terminal = None
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_UTCFormatter(PLAIN_FORMAT))
    return handler


def _file_handler(path: str) -> logging.Handler:
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Watched: when logrotate moves the file away, the next record opens a new one.
        handler = logging.handlers.WatchedFileHandler(target, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"logging.file: cannot write {target}: {exc.strerror or exc}; "
            "pick a writable path or leave it empty"
        ) from None
    handler.setFormatter(_UTCFormatter(PLAIN_FORMAT))
    return handler


def setup_logging(
    config: Config,
    *,
    stream: IO[str] | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Configure the root logger from `logging.level` and `logging.file`.

    Calling it again replaces what an earlier call installed. `secrets` adds strings to hide
    besides the hub tokens. Raises `ConfigError` if the log file cannot be opened.
    """
    level = getattr(logging, str(config.get("logging.level")).upper())
    redactor = RedactingFilter([*token_values(config), *secrets])
    handlers = [_stderr_handler(stream or sys.stderr)]
    if config.get("logging.file"):
        handlers.append(_file_handler(config.get("logging.file")))

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        setattr(handler, _MARK, True)
        handler.addFilter(redactor)
        root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.WARNING)
    # huggingface_hub installs a stderr handler of its own: its lines would print twice, one
    # copy past our redaction. Its records go through the root's handlers only.
    hub_logger = logging.getLogger("huggingface_hub")
    for own in list(hub_logger.handlers):
        hub_logger.removeHandler(own)
    hub_logger.propagate = True
    logging.captureWarnings(True)  # Python warnings go through the same redacting handlers
