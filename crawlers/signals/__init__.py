"""Lineage signals: what a repository shows of where it came from (pure, no HTTP, no decisions).

Each signal is one module of this package behind one small interface:
- `KIND`: the evidence kind it yields (SPEC's vocabulary of evidence, `Observed.kind`);
- `NEEDS`: the reads it needs beyond the listing ("tree", "readme", "file:<path>", "gguf");
- `observe(record, index)`: the `Observed` evidence it finds for one repo against every other
  stored repo (`Index`), each with a strength and a detail a person can check.

`collect(records, roots)` runs every registered signal over every repo, across hubs, in an
order that does not depend on the input's. The resolver (graph/resolve.py) decides from what
it returns; nothing here chooses a parent. A new signal is one module and one line in SIGNALS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import ModuleType

from crawlers.base import RepoRecord
from crawlers.evidence import GROK, Markers
from crawlers.signals import (  # noqa: E402,I001 - the registry, in order of strength
    architecture,
    card_base_model,
    card_text,
    files,
    gguf,
    github_fork,
    hub_tag,
    mergekit,
    mirror,
    peft,
)
from crawlers.signals._index import Index, Observed, claim_kind, role_of
from crawlers.signals.keep import compact, restore

SIGNALS: tuple[ModuleType, ...] = (
    files,
    card_base_model,
    hub_tag,
    peft,
    gguf,
    mergekit,
    github_fork,
    mirror,
    card_text,
    architecture,
)
KINDS: tuple[str, ...] = tuple(k for m in SIGNALS for k in getattr(m, "KINDS", (m.KIND,)))


def collect(
    records: Mapping[str, RepoRecord],
    root_keys: Iterable[str],
    markers: Markers = GROK,
    *,
    index: Index | None = None,
) -> list[Observed]:
    """Every signal of every repo against every other repo, sorted (order-free)."""
    index = index or Index(records, root_keys, markers)
    out: set[Observed] = set()
    for key in sorted(records):
        if key in index.root_keys:
            continue  # a root's own parents are not tracked
        for signal in SIGNALS:
            out.update(signal.observe(records[key], index))
    return sorted(out, key=lambda o: (o.child, o.parent, o.kind, o.detail))


__all__ = [
    "KINDS",
    "SIGNALS",
    "Index",
    "Observed",
    "claim_kind",
    "collect",
    "compact",
    "restore",
    "role_of",
]
