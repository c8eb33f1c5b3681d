"""Progress on stderr for a person at a terminal; silence for cron and pipes.

On a terminal the progress is a rich `Progress` drawn on the same `Console` as the log handler
(tracker.logsetup), so a log line printed while it shows goes above it, whole, never into the
middle of the progress line; it shows the step (root on hub) out of how many when known, the
repos stored and the time taken. When stderr is not a terminal nothing is drawn: the log's
plain lines already say what the crawl does, and no control codes reach a file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

from tracker.report import Observer

if TYPE_CHECKING:  # rich is imported when a terminal shows progress (fast start-up)
    from rich.progress import Progress, TaskID


class _RichObserver:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task, self.count = progress, task, 0

    def stage(self, message: str, step: int | None = None, of: int | None = None) -> None:
        if step is not None and of:
            # the bar counts finished steps; the text names the one under way
            self.progress.update(self.task, description=f"[{step}/{of}] {message}",
                                 completed=step - 1, total=of)
        else:
            self.progress.update(self.task, description=message)
        self.progress.refresh()  # a few stages a run: each shown when it starts

    def advance(self, count: int) -> None:
        self.count += count
        self.progress.update(self.task, repos=self.count)


class _Quiet:
    def stage(self, message: str, step: int | None = None, of: int | None = None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


@contextmanager
def progress_observer(stream: IO[str] | None = None) -> Iterator[Observer]:
    """A pipeline observer: rich progress on the log handler's console when stderr (or
    `stream`) is a terminal, else nothing."""
    from tracker.logsetup import terminal_console

    console = terminal_console()
    if console is None:
        target = stream or sys.stderr
        if not target.isatty():
            yield _Quiet()
            return
        from rich.console import Console

        console = Console(file=target)  # no terminal log handler (logging set up elsewhere)
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                  BarColumn(bar_width=12), TextColumn("{task.fields[repos]} repos"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        yield _RichObserver(progress, progress.add_task("starting", total=None, repos=0))
