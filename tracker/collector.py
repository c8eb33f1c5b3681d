"""Holding Python's cycle collector during the bulk work of a run.

A resolve and the audit after it build hundreds of thousands of small tuples, rows and dicts
and no reference cycles; the collections those allocations trigger scanned every live object
again and again (a quarter of `tracker resolve` at 10,000 members).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cycle collector inside (as a `with` block or a decorator), then restore it
    as it was; nested uses leave it to the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
