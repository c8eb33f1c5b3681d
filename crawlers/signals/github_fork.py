"""GitHub's fork network: the repo's `parent` (and the network's `source`) as GitHub states it.

Declared by the hub itself: a fork is a copy of its parent's code (relation `fork`).
"""

from __future__ import annotations

from collections.abc import Iterator

from crawlers.base import RepoRecord
from crawlers.signals._index import Index, Observed

KIND = "github_fork"
NEEDS: tuple[str, ...] = ()


def observe(record: RepoRecord, index: Index) -> Iterator[Observed]:
    if record.hub != "github":
        return
    for field, strength in (("parent", 1.0), ("source", 0.9)):
        named = record.extra.get(field)
        if not isinstance(named, str) or not named:
            continue
        parent = index.resolve(named, "github") or f"github:{named}"
        if not parent.startswith("github:") or parent == record.key:
            continue
        detail = f"GitHub fork {field}: {named}"
        yield Observed(record.key, parent, KIND, "declared", strength, "fork", detail)
