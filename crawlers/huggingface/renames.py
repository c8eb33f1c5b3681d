"""Former ids a candidate names: a renamed repo's children and adapters keep its old id.

The Hub redirects a former id to the repo it became, but nothing lists former ids: a
candidate whose declared base (card, PEFT, mergekit, GGUF header) is no member may name a
member as it was called before a rename: a read candidate, or one the listing alone rejected
(a repo holding only a tokenizer has nothing more to read). Discovery asks the Hub once per
such id, and only
for ids that name the family, or that a candidate named for the family declares with nothing
against it (a rename may drop or add the family's name), so lookalikes declaring other models
cost nothing: their architecture rejects them first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping

from crawlers.base import MemberFacts, RepoRecord, node_key
from crawlers.evidence import DECLARED_OUTSIDE, Verdict
from crawlers.huggingface.reader import Reader
from crawlers.references import name_has_term, references


def former_ids(
    reader: Reader,
    asked_before: MutableMapping[str, str | None],
    pool: Mapping[str, RepoRecord],
    verdicts: Mapping[str, Verdict],
    members: Mapping[str, MemberFacts],
    terms: Iterable[str],
    listed: Iterable[str] = (),
) -> dict[str, str]:
    """former id (as written) -> member key, for the ids rejected candidates of `pool`
    declare as their base that name the family (`terms`) and that no member answers to.
    `listed` (lower ids) are ids the Hub lists or the database holds as they are: no former
    id. `asked_before` (lower id -> the id the Hub answered, or None) spares a second request."""
    terms = tuple(terms)
    known = {i.lower() for k, m in members.items() for i in (k.split(":", 1)[1], *m.aliases)}
    known.update(listed)
    to_ask: dict[str, str] = {}
    for key, verdict in verdicts.items():
        if verdict.joined or key not in pool:
            continue
        # a candidate named for the family whose declared base is all it shows (an adapter,
        # no architecture against it): the base may be a member renamed from a name without
        # the term (`bitwise/orion-moe-hf` -> `…/Grok-1-transformers`)
        named = verdict.tier == DECLARED_OUTSIDE and name_has_term(pool[key].repo_id, terms)
        for ref in references(pool[key], lambda *_: None):
            lower = ref.repo_id.lower()
            if ref.declared and lower not in known and (named or name_has_term(lower, terms)):
                to_ask.setdefault(lower, ref.repo_id)
    found: dict[str, str] = {}
    for lower, written in to_ask.items():
        if lower not in asked_before:
            asked_before[lower] = reader.current_id(written)
        now = asked_before[lower]
        if now is None or now.lower() == lower:
            continue
        key = node_key("huggingface", now)
        if key in members:
            found[written] = key
    return found
