"""Card text: the README links a stored repo or names its exact `owner/name`.

Most Grok derivatives say where they come from only in prose (hub-facts.md). A line that is a
table row or a comparison does not count (a benchmark against Grok-1 is not a derivative of
it), and neither does a repo that holds nothing a derivative could hold: a chat-UI preset, a
prompt collection or a config-only repo that links a model is not derived from it. A card
that names only the release ("the 314B Grok-1 MoE released by xAI") ties a repo holding
weights of the release's architecture, whose size the Hub does not count (.bin), to its root.
"""

from __future__ import annotations

from collections.abc import Iterator

from crawlers.base import RepoRecord
from crawlers.content import content_of, could_derive, effective_parameters
from crawlers.references import release_named
from crawlers.signals._index import Index, Observed, references_of

KIND = "card_text"
NEEDS = ("readme",)


def observe(record: RepoRecord, index: Index) -> Iterator[Observed]:
    if not could_derive(record.files):
        return
    arch, shown = index.architecture(record)
    seen: set[str] = set()
    for ref in references_of(record, index):
        if ref.declared or ref.key is None or ref.key == record.key or ref.key in seen:
            continue
        seen.add(ref.key)
        strength = 0.85 if arch == "match" else 0.7
        detail = ref.where + (f", {shown}" if arch == "match" else "")
        yield Observed(record.key, ref.key, KIND, "inferred", strength, "", detail)
    # weights the Hub gives no parameter count for (.bin), the release's architecture, and a
    # card naming the release ("the 314B Grok-1 MoE"), not a repo: a port of that release
    if seen or arch != "match" or effective_parameters(record):
        return
    if not content_of(record.files).weights:
        return
    named = release_named(record, index.release_scales)
    if named and named[0] != record.key:
        detail = f"card text names {named[1]}, {shown} (no parameter count)"
        yield Observed(record.key, named[0], KIND, "inferred", 0.6, "", detail)
