"""Declared lineage: a GGUF header's `general.base_model.N.repo_url` (listing or file head).

The child's own word names its parent (SPEC: source=declared). A named repo that is not
stored (a typo, a deleted repo) is still reported, so `tracker explain` can say so.
"""

from __future__ import annotations

from crawlers.base import RepoRecord
from crawlers.signals._index import Index, Observed, declared_signal

KIND = "gguf"
NEEDS: tuple[str, ...] = ("gguf",)


def observe(record: RepoRecord, index: Index) -> list[Observed]:
    return declared_signal(record, index, KIND, ("GGUF",))
