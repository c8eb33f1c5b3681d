"""Which reads of a candidate or member are worth a request, from what is already known.

Discovery (huggingface/discovery.py) spends the Hub's quota on reads that can still decide
something: a candidate's listing data earns it reads or rejects it (`worth_reading`); a
member's README is evidence unless its own files already fix its parent and relation
(`settled_by_files`), and a GGUF header is not where its card names a member
(`names_member`) nor where its card declares a base (`unread_gguf_header`). The crawler
asks no children of a member where lineages end (`ends_a_line`). Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from crawlers.base import MemberFacts, RepoRecord
from crawlers.content import (
    CARD_DATA,
    CONFIGS,
    content_of,
    could_derive,
    effective_parameters,
    is_unquantized_gguf,
    quantization_signals,
)
from crawlers.evidence import SCALE_TOLERANCE, Family, Verdict, first_gguf, member_facts
from crawlers.references import config_parents, name_has_term, references
from crawlers.relation import TINY_FRACTION


def worth_reading(
    rec: RepoRecord, verdict: Verdict, family: Family, terms: Iterable[str]
) -> bool:
    """Whether a candidate earns reads, judged from listing data alone."""
    if verdict.joined:
        return True
    if verdict.status == "rejected":
        return False
    if family.architecture(rec)[0] == "match":
        # the same architecture at another release's scale belongs to that release
        return not other_release(rec, family)
    if not name_has_term(rec.repo_id, terms):
        return False
    content = content_of(rec.files)
    if not content.known:
        return True
    return bool(
        content.weights
        or content.tokenizer
        or content.adapter
        or content.code
        or any(f.path.rsplit("/", 1)[-1] != "config.json" for f in content.config)
    )


def judged_unread(rec: RepoRecord, terms: Iterable[str]) -> bool:
    """Whether a candidate named for the family was rejected for holding nothing a derivative
    holds, its card unread (a chat preset, a config): it is remembered with that reason, as a
    candidate rejected after reads is, so `tracker explain` says why it stays out."""
    return rec.card_text is None and not could_derive(rec.files) and name_has_term(
        rec.repo_id, terms)


def settled_by_files(
    rec: RepoRecord, family: Family, dates: Mapping[str, datetime | None]
) -> bool:
    """Whether a member's own files fix its parent and how it was made, so that nothing its
    card could say changes either: every weight file is held by a member created before it (a
    re-upload: the files' origin is the parent, the relation a fork), or configs the tools
    wrote name members (a PEFT adapter's base, the models of a mergekit merge). `dates` holds
    creation dates of this round's members (others: not known)."""
    wids = content_of(rec.files).ids("weights")
    shared = family.shared(wids, "weights") if wids else {}
    mine = rec.created_at
    for key, n in shared.items():
        theirs = dates.get(key)
        if key != rec.key and n == len(wids) and mine and theirs and theirs < mine:
            return True
    # not a GGUF header: llama.cpp copies the converted model's own card base_model there,
    # which may be the grandparent; the card may name the closer one
    named = [r for r in config_parents(rec) if not r.where.startswith("GGUF")]
    return bool(named) and all(family.resolve(r.repo_id, None, rec.hub) for r in named)


def names_member(rec: RepoRecord, family: Family) -> bool:
    """Whether the card (its metadata or its prose) names a member: a GGUF's header is then
    not worth its read, since llama.cpp copies there the base the converted model's own card
    declared (the member's parent or one above it), and the card names the nearer one."""
    return any(
        ref.key is not None and ref.key != rec.key
        for ref in references(rec, family.resolve)
        if not ref.where.startswith("GGUF")
    )


def with_files(facts: MemberFacts, rec: RepoRecord | None) -> MemberFacts:
    """A member's facts with the file hashes its record now carries (read since it joined)."""
    if rec is None or not content_of(rec.files).hashed:
        return facts
    return member_facts(rec, parent=facts.parent, relation=facts.relation, depth=facts.depth,
                        aliases=facts.aliases)


# the formats quantized weights are published in for inference: nobody trains from them, and
# a repo declaring one as its base is rare (bitsandbytes 4-bit is not among them: QLoRA
# adapters declare such repos as their base)
_INFERENCE_ONLY = ("gguf", "exl2", "gptq", "awq", "mlx")


def ends_a_line(rec: RepoRecord, smallest_release: int) -> str | None:
    """Why a member is not worth its children listing, or None when it is: quantized weights
    in an inference-only format, a tokenizer alone, a random-init test model. Such repos are
    where lineages end; a derivative of one named for the family is still found by the search
    (its card or tags declare the member)."""
    content = content_of(rec.files)
    if not content.known or content.adapter or content.code:
        return None
    if content.weights_in_branches:
        return "an EXL2 quantization"
    if not content.weights:
        return "a tokenizer alone" if content.tokenizer else None
    params = effective_parameters(rec)
    if params and smallest_release and params < TINY_FRACTION * smallest_release:
        return "a test-size model"
    strong, _ = quantization_signals(rec, content)
    said = " ".join(strong).lower()
    if strong and not is_unquantized_gguf(content) and any(f in said for f in _INFERENCE_ONLY):
        return "quantized weights for inference"
    return None


def other_release(rec: RepoRecord, family: Family) -> bool:
    """Whether the repo's parameter count is another known release's, not this family's."""
    params = effective_parameters(rec)
    if not params:
        return False
    own = family.scales().values()
    others = [n for n in family.markers.release_parameters.values() if n not in own]

    def near(n: int) -> bool:
        return abs(params - n) <= SCALE_TOLERANCE * n

    return any(near(n) for n in others) and not any(near(n) for n in own)


def unread_gguf_header(rec: RepoRecord) -> str | None:
    """The GGUF file to read the header of, for a repo whose card declares no base and whose
    header was not read yet: `general.base_model.*` there may name its closest parent."""
    first = first_gguf(content_of(rec.files))
    card, configs = rec.extra.get(CARD_DATA), rec.extra.get(CONFIGS)
    if not first or (isinstance(card, Mapping) and card.get("base_model")):
        return None
    return None if isinstance(configs, Mapping) and "gguf_header" in configs else first
