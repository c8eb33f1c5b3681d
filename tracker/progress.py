"""Progress on stderr for a person at a terminal; silence for cron and pipes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tracker.report import Observer

if TYPE_CHECKING:  # rich is imported when a terminal shows progress (fast start-up)
    from rich.progress import Progress, TaskID


class _RichObserver:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task, self.count = progress, task, 0

    def stage(self, message: str) -> None:
        self.progress.update(self.task, description=f"crawling {message}")

    def advance(self, count: int) -> None:
        self.count += count
        self.progress.update(self.task, advance=count)


class _Quiet:
    def stage(self, message: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


@contextmanager
def progress_observer() -> Iterator[Observer]:
    """A pipeline observer: a rich spinner with a count when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield _Quiet()
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  TextColumn("{task.completed} repos"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        yield _RichObserver(progress, progress.add_task("starting", total=None))
