"""Shared files: the same weight (or tokenizer) bytes, by sha256 or git blob id.

Identical weights are the strongest evidence there is (a re-upload, a mirror on another hub,
whatever the card says); a shared tokenizer ties a repo to a family but says less about which
member it came from. Symmetric: the resolver reads the direction from dates and roles.
"""

from __future__ import annotations

from collections.abc import Iterator

from crawlers.base import RepoRecord
from crawlers.content import content_of
from crawlers.signals._index import Index, Observed

KIND = "weights"
KINDS = ("weights", "tokenizer")
NEEDS = ("tree",)


def observe(record: RepoRecord, index: Index) -> Iterator[Observed]:
    content = content_of(record.files)
    weight_ids = content.ids("weights")
    for parent, n in sorted(index.shared(weight_ids, "weights").items()):
        if parent == record.key:
            continue
        total = len(weight_ids)
        detail = f"shares {n}/{total} weight files with {parent.split(':', 1)[1]} (sha256)"
        strength = 0.99 if n == total else 0.9
        yield Observed(record.key, parent, "weights", "inferred", strength, "", detail)
    tokenizer_ids = content.ids("tokenizer")
    if not tokenizer_ids:
        return
    arch, _ = index.architecture(record)
    for parent, n in sorted(index.shared(tokenizer_ids, "tokenizer").items()):
        if parent == record.key:
            continue
        detail = f"shares {n}/{len(tokenizer_ids)} tokenizer files with {parent.split(':', 1)[1]}"
        if arch == "conflict":  # another architecture reusing the tokenizer
            yield Observed(
                record.key, parent, "tokenizer", "inferred", 0.8, "tokenizer", detail + " (reused)"
            )
            continue
        if index.common(tokenizer_ids, "tokenizer"):
            # the family's stock tokenizer says "a Grok repo", not whose: what the child's
            # own card names (0.7 and up) outweighs it
            detail += ", its origin (copied widely)"
            yield Observed(record.key, parent, "tokenizer", "inferred", 0.75, "", detail)
            continue
        yield Observed(record.key, parent, "tokenizer", "inferred", 0.9, "", detail)
