"""Architecture at the family's scale: a Grok config or GGUF architecture with a parameter
count within 12% of a release's.

The weakest signal: it says "a Grok release's weights" but not which copy. It points at the
release's root repos that hold weights (not a GitHub root, which holds code), and at stored
full-weight repos whose name the candidate's name contains (a `-GGUF` of a named conversion),
unless the name is the same (two owners' `grok1-pytorch`: namesakes, neither names the other)
or that repo was published after the candidate; a test-size model never matches.
"""

from __future__ import annotations

from collections.abc import Iterator

from crawlers.base import RepoRecord
from crawlers.content import effective_parameters
from crawlers.evidence import SCALE_TOLERANCE
from crawlers.relation import fmt_params
from crawlers.signals._index import Index, Observed

KIND = "architecture"
NEEDS: tuple[str, ...] = ()
CODE_HUBS = ("github",)  # hubs that hold a release's code, never its weights


def observe(record: RepoRecord, index: Index) -> Iterator[Observed]:
    arch, shown = index.architecture(record)
    params = effective_parameters(record)
    if arch != "match" or not params:
        return
    releases = {
        root: n
        for root, n in index.release_scales.items()
        # weights at the release's scale are a copy of its weights, not of its code
        if abs(params - n) <= SCALE_TOLERANCE * n and root.split(":", 1)[0] not in CODE_HUBS
    }
    if not releases:
        return
    parents = set(releases)
    name = record.repo_id.rsplit("/", 1)[-1]
    for key in index.full_repos_named_in(name):
        named = index.records[key]
        if key == record.key or named.repo_id.rsplit("/", 1)[-1].lower() == name.lower():
            continue  # a namesake (`a/grok1-pytorch`, `b/grok1-pytorch`) names no parent
        if named.created_at and record.created_at and named.created_at > record.created_at:
            continue  # published after the candidate: not where its weights came from
        parents.add(key)
    scale = max(releases.values())
    for parent in sorted(parents):
        detail = (
            f"{shown} with {fmt_params(params)} parameters, the scale of "
            f"{parent.split(':', 1)[1]} ({fmt_params(releases.get(parent, scale))})"
        )
        yield Observed(record.key, parent, KIND, "inferred", 0.8, "", detail)
