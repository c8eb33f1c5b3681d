"""SIGINT and SIGTERM as a request to stop: a crawl or the scheduler ends after the current
transaction instead of dying in the middle of one; a second signal interrupts at once."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def install_stop_handlers(stop: threading.Event, received: list[str]) -> Callable[[], None]:
    """SIGINT/SIGTERM set `stop` (and note their name in `received`); returns a function
    that puts the old handlers back. The handler only sets flags: logging is left to a
    thread, since a handler may interrupt the main thread inside a log call."""
    if threading.current_thread() is not threading.main_thread():
        log.debug("not the main thread: no signal handlers installed")
        return lambda: None
    signums = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.getsignal(signum) for signum in signums}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()
        restore()  # a second signal takes the default road: Ctrl-C twice interrupts at once

    for signum in signums:
        signal.signal(signum, on_signal)
    return restore
