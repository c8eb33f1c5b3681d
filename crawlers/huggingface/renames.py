"""Former ids a candidate names: a renamed repo's children and adapters keep its old id.

The Hub redirects a former id to the repo it became, but nothing lists former ids: a
candidate whose declared base (card, PEFT, mergekit, GGUF header) is no member may name a
member as it was called before a rename: a read candidate, or one the listing alone rejected
(a repo holding only a tokenizer has nothing more to read); and a card written before the
rename links the parent's page by its old id. Discovery asks the Hub once per such id, and
only for ids that name the family (the family's search lists every repo so named: one it
missed is renamed or deleted), or that a candidate named for the family declares with
nothing against it (a rename may drop or add the family's name), so lookalikes declaring
other models cost nothing: their architecture rejects them first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import replace

from crawlers.base import MemberFacts, RepoRecord, node_key
from crawlers.evidence import DECLARED_OUTSIDE, Verdict
from crawlers.huggingface.reader import Reader
from crawlers.references import name_has_term, prose_ids, references


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
    declare as their base, and any candidate's card links, that name the family (`terms`)
    and that no member answers to.
    `listed` (lower ids) are ids the Hub lists or the database holds as they are: no former
    id. `asked_before` (lower id -> the id the Hub answered, or None) spares a second request."""
    terms = tuple(terms)
    known = {i.lower() for k, m in members.items() for i in (k.split(":", 1)[1], *m.aliases)}
    known.update(listed)
    to_ask: dict[str, str] = {}
    for key, verdict in verdicts.items():
        if key not in pool:
            continue
        # a card naming a repo named for the family that no search lists under that name:
        # the search finds every repo so named, so the name is a former id or a deleted repo.
        # Not for a copy of a member's weights: they place it, whatever its card names in
        # passing (the imatrix quants, a sibling model). A declared base may be set aside
        # (a declared cycle), so a declaration does not spare the question
        if not verdict.joined or verdict.tier >= TIER_DECLARED:
            for rid in prose_ids(pool[key]):
                lower = rid.lower()
                if lower not in known and name_has_term(lower, terms) and not _file_path(rid):
                    to_ask.setdefault(lower, rid)
        if verdict.joined:
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


def known_as(
    renamed: Mapping[str, str],
    base: MutableMapping[str, MemberFacts],
    records: MutableMapping[str, RepoRecord],
    members: MutableMapping[str, MemberFacts] | None = None,
) -> None:
    """Record each former id on the member it names: on a known member's facts (`base`, and
    `members` when given), or on a new member's record as its `renamed_from` (stored as an
    alias, so the resolver reads the old id as that member too)."""
    for former, key in renamed.items():
        if members is not None and key in members:
            members[key] = replace(members[key], aliases=(*members[key].aliases, former))
        if key in base:
            base[key] = replace(base[key], aliases=(*base[key].aliases, former))
        elif key in records and not records[key].renamed_from:
            records[key] = replace(records[key], renamed_from=former, status="renamed")


TIER_DECLARED = 1  # crawlers/evidence.Verdict.tier: 0 shared weights, 1 declared, 2 tokenizer ...
_FILE_SUFFIXES = (".gguf", ".safetensors", ".bin", ".json", ".md", ".py", ".pt", ".pth",
                  ".model", ".txt", ".yaml", ".yml", ".zip", ".tar", ".gz")


def _file_path(rid: str) -> bool:
    """Whether an `owner/name` token of card prose is a path inside a repo (a quant's
    folder and file, `Q4_K_M/grok-1-Q4_K_M-00001-of-00005.gguf`), not a repo id."""
    return rid.lower().endswith(_FILE_SUFFIXES)
