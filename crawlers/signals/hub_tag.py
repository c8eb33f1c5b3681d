"""Declared lineage: the Hub's `base_model:<relation>:<id>` tags, from the listing.

The child's own word names its parent (SPEC: source=declared). A named repo that is not
stored (a typo, a deleted repo) is still reported, so `tracker explain` can say so.
"""

from __future__ import annotations

from crawlers.base import RepoRecord
from crawlers.signals._index import Index, Observed, declared_signal

KIND = "hub_tag"
NEEDS: tuple[str, ...] = ()


def observe(record: RepoRecord, index: Index) -> list[Observed]:
    return declared_signal(record, index, KIND, ("Hub tag",))
