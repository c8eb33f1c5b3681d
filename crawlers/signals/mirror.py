"""A mirror on another hub: the same repo id with the same card body (ModelScope copies Hugging
Face repos and their READMEs; hub-facts.md).

Symmetric like shared files: the resolver takes the older copy as the source.
"""

from __future__ import annotations

from collections.abc import Iterator

from crawlers.base import RepoRecord
from crawlers.signals._index import Index, Observed

KIND = "mirror"
NEEDS = ("readme",)


def _body(text: str | None) -> str:
    return " ".join((text or "").split())


def observe(record: RepoRecord, index: Index) -> Iterator[Observed]:
    body = _body(record.card_text)
    if len(body) < 200:  # a stub card says nothing about where the repo came from
        return
    for key in sorted(index.keys_named(record.repo_id)):
        other = index.records[key]
        if other.hub == record.hub:
            continue
        if _body(other.card_text) == body:
            detail = f"same repo id and card as {key} (a mirror on another hub)"
            yield Observed(record.key, key, KIND, "inferred", 0.9, "fork", detail)
