"""Does a candidate repository belong to a family, under which member, and how (pure, no HTTP).

`assess(record, family)` weighs what one repository shows against what the family's known
members hold, and returns a `Verdict`: joined (with `LineageClaim`s carrying source,
confidence and evidence a person can check), rejected (with the reason), or undecided (with
the reads that could still decide it: its file tree, its README, a small config).

Evidence, strongest first: identical files (sha256 of weights, then of the tokenizer); the
child's own metadata naming a member (card `base_model`, PEFT `base_model_name_or_path`,
GGUF `general.base_model.N.repo_url`, mergekit models); its card text linking a member (not
in a benchmark table); a Grok architecture together with a member's parameter scale. A name
is never evidence. The relation comes from what the repo holds (`classify`), and for edges
the metadata declares, `classify_declared` lets strong file evidence overrule the Hub's word.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from crawlers.base import FileRecord, LineageClaim, MemberFacts, RepoRecord, Source
from crawlers.content import (
    CARD_DATA,
    CONFIGS,
    Content,
    content_of,
    could_derive,
    effective_parameters,
    weight_format,
)
from crawlers.references import Reference, name_specificity, references, release_named
from crawlers.relation import (
    TINY_FRACTION,
    Classification,
    classify,
    classify_declared,
    declared_claim,
    fmt_params,
    normalize_relation,
)

log = logging.getLogger("crawlers.evidence")


@dataclass(frozen=True)
class Markers:
    """What a family's weights look like from outside: architectures, model types, scale."""

    architectures: frozenset[str] = frozenset({"Grok1ModelForCausalLM", "Grok1ForCausalLM"})
    model_types: frozenset[str] = frozenset({"grok-1", "grok1", "grok"})
    gguf_architectures: frozenset[str] = frozenset({"grok"})
    # Parameter counts of the releases, by the root's repo id (hub-facts.md): used until a
    # member with a parameter count of its own is known (xai-org/grok-1 is a JAX checkpoint).
    release_parameters: Mapping[str, int] = field(
        default_factory=lambda: {
            "xai-org/grok-1": 314_000_000_000,
            "xai-org/grok-2": 270_000_000_000,
        }
    )

    @property
    def smallest_release(self) -> int:
        """The smallest release's parameter count: a test model is tiny beside any release."""
        return min(self.release_parameters.values(), default=0)


GROK = Markers()
SCALE_TOLERANCE = 0.12  # grok-1 (314B) and grok-2 (~270B) differ by 16%
_SAME_WEIGHTS = ("fork", "conversion", "quantization")
_NOT_SOURCES = ("quantization", "adapter", "tokenizer", "other")


class Family:
    """An index over a family's known members: ids and aliases, file identities, scales."""

    def __init__(self, members: Mapping[str, MemberFacts], markers: Markers = GROK):
        self.members = members
        self.markers = markers
        self._by_id: dict[str, list[str]] = {}
        self._files: dict[str, dict[str, set[str]]] = {"weights": {}, "tokenizer": {}}
        for key, m in members.items():
            for rid in (key.split(":", 1)[1], *m.aliases):
                self._by_id.setdefault(rid.lower(), []).append(key)
            weights, tokenizer = m.weight_sha256s, m.tokenizer_sha256s
            if not weights and not tokenizer:  # facts without the split: match either kind
                weights = tokenizer = m.sha256s
            for kind, ids in (("weights", weights), ("tokenizer", tokenizer)):
                for i in ids:
                    self._files[kind].setdefault(i, set()).add(key)
        self.architectures = markers.architectures | {
            a for m in members.values() for a in m.architectures
        }
        self.model_types = markers.model_types | {
            m.model_type for m in members.values() if m.model_type
        }
        self.gguf_architectures = markers.gguf_architectures | {
            m.gguf_architecture for m in members.values() if m.gguf_architecture
        }
        self.has_hashes = any(self._files[k] for k in self._files)
        self.known_ids = tuple(
            i for k, m in members.items() for i in (k.split(":", 1)[1], *m.aliases)
        )
        self._scales: dict[str, int] | None = None

    def resolve(
        self, repo_id: str, hub: str | None = None, prefer_hub: str | None = None
    ) -> str | None:
        """The member key a repo id names (current id or alias); same hub first."""
        keys = self._by_id.get(repo_id.lower(), [])
        # the same repo id on the candidate's own hub first: a card linking the GitHub code of
        # a release that also lives on this hub is about the weights here
        for want in (prefer_hub, hub):
            for key in keys:
                if want and key.startswith(want + ":"):
                    return key
        return keys[0] if keys else None

    def depth(self, key: str) -> int:
        m = self.members.get(key)
        return m.depth if m else 0

    def origin(self, key: str) -> str:
        """The first member up the chain of same-weights edges (fork, conversion, quantization)."""
        seen = {key}
        m = self.members.get(key)
        while m and m.parent and m.relation in _SAME_WEIGHTS and m.parent in self.members:
            if m.parent in seen:
                break
            seen.add(m.parent)
            key, m = m.parent, self.members[m.parent]
        return key

    def scales(self) -> dict[str, int]:
        """Parameter count per release (origin member), from members and the markers."""
        if self._scales is not None:
            return self._scales
        out: dict[str, int] = {}
        for key, m in self.members.items():
            rid = key.split(":", 1)[1]
            n = self.markers.release_parameters.get(rid, 0) if m.parent is None else 0
            if m.parent is None or m.relation in _SAME_WEIGHTS:
                n = n or m.parameters
            if n:
                o = self.origin(key)
                out[o] = max(out.get(o, 0), n)
        self._scales = out
        return out

    def scale_of(self, key: str) -> int:
        """Parameter count of the release a member belongs to; the smallest release's when
        unknown (a random-init test model is tiny beside any release)."""
        m = self.members.get(key)
        return (self.scales().get(self.origin(key), 0) or (m.parameters if m else 0)
                or self.markers.smallest_release)

    def shared(self, ids: Iterable[str], kind: Literal["weights", "tokenizer"]) -> dict[str, int]:
        """How many of these file identities each member holds."""
        counts: dict[str, int] = {}
        for i in ids:
            for key in self._files[kind].get(i, ()):
                counts[key] = counts.get(key, 0) + 1
        return counts

    def architecture(
        self, record: RepoRecord
    ) -> tuple[Literal["match", "conflict", "unknown"], str]:
        """Whether the repo's config/GGUF architecture is this family's, with what it showed."""
        return architecture_match(
            record, self.architectures, self.model_types, self.gguf_architectures
        )


def architecture_match(
    record: RepoRecord,
    architectures: Collection[str],
    model_types: Collection[str],
    gguf_architectures: Collection[str],
) -> tuple[Literal["match", "conflict", "unknown"], str]:
    """Whether a repo's config or GGUF architecture is one of these (a family's): match,
    conflict (it shows another) or unknown (it shows none), with what it showed."""
    gguf_arch = record.gguf.get("architecture") if isinstance(record.gguf, Mapping) else None
    archs = set(record.architectures)
    if archs & set(architectures):
        return "match", f"config architecture {sorted(archs & set(architectures))[0]}"
    if isinstance(gguf_arch, str) and gguf_arch in gguf_architectures:
        return "match", f"GGUF architecture {gguf_arch}"
    if record.model_type and record.model_type in model_types:
        return "match", f"model_type {record.model_type}"
    if archs:
        return "conflict", f"config architectures {', '.join(sorted(archs))}"
    if isinstance(gguf_arch, str) and gguf_arch:
        return "conflict", f"GGUF architecture {gguf_arch}"
    if record.model_type:
        return "conflict", f"model_type {record.model_type}"
    return "unknown", ""


def member_facts(
    record: RepoRecord,
    *,
    parent: str | None = None,
    relation: str | None = None,
    depth: int = 0,
    aliases: Iterable[str] = (),
    previous: MemberFacts | None = None,
) -> MemberFacts:
    """What to remember of a member for verifying later candidates (hashes split by kind).

    When the record carries no file list (unchanged since last crawl), hashes come from
    `previous`.
    """
    content = content_of(record.files)
    weights, tokenizer = content.ids("weights"), content.ids("tokenizer")
    union = weights | tokenizer
    if not content.known and previous is not None:
        weights, tokenizer = previous.weight_sha256s, previous.tokenizer_sha256s
        union = previous.sha256s | weights | tokenizer
    gguf_arch = (
        (record.gguf or {}).get("architecture") if isinstance(record.gguf, Mapping) else None
    )
    formats = record.formats or content.weight_formats or (previous.formats if previous else ())
    all_aliases = tuple(
        dict.fromkeys([*aliases, *([record.renamed_from] if record.renamed_from else [])])
    )
    return MemberFacts(
        key=record.key,
        sha256s=union,
        architectures=record.architectures,
        model_type=record.model_type,
        parameters=effective_parameters(record),
        formats=tuple(formats),
        weight_sha256s=weights,
        tokenizer_sha256s=tokenizer,
        aliases=all_aliases,
        parent=parent,
        relation=relation,
        depth=depth,
        gguf_architecture=gguf_arch if isinstance(gguf_arch, str) else None,
        created_at=record.created_at or (previous.created_at if previous else None),
    )


def files_win(
    claim: LineageClaim,
    record: RepoRecord,
    members: Mapping[str, MemberFacts] | None = None,
    *,
    siblings: Iterable[str] | None = None,
    markers: Markers = GROK,
    stated: bool = True,
) -> LineageClaim:
    """A declared claim whose relation is checked against what the child holds.

    Where strong file evidence contradicts the declared word (a GGUF repo the Hub calls a
    finetune), the claim takes the files' relation and keeps the declared word in
    `declared_relation`. `record` is the child; when its files were not re-listed (sha
    unchanged), `siblings` (file names from the listing) and the child's stored hashes in
    `members` stand in, so an unchanged repo keeps the relation it had. `stated` is False
    when the claim's relation is the Hub's guess (the card states none): what the files show
    then wins over it, strong or not.
    """
    if claim.source != "declared" or claim.relation == "merge":
        return claim
    rec = record
    if rec.files is None and siblings is not None:
        rec = replace(rec, files=tuple(FileRecord(p) for p in siblings))
    members = members or {}
    parent = members.get(claim.parent)
    before = members.get(record.key)
    weight_ids = (before.weight_sha256s or before.sha256s) if before is not None else None
    scale = parent.parameters if parent else 0
    scale = scale or markers.release_parameters.get(claim.parent.split(":", 1)[-1], 0)
    scale = scale or markers.smallest_release  # a test model is tiny beside any release
    relation, overruled, note = classify_declared(
        rec, parent, claim.relation, scale=scale, weight_ids=weight_ids, stated=stated
    )
    if relation == claim.relation:
        return claim
    evidence = f"{claim.evidence}; {note}" if note else claim.evidence
    return replace(claim, relation=relation, declared_relation=overruled, evidence=evidence)


# --- verdicts on candidates --------------------------------------------------------------

VerdictStatus = Literal["joined", "rejected", "undecided"]


DECLARED_OUTSIDE = 8  # the tier of a rejection for declaring a base outside the family


@dataclass(frozen=True)
class Verdict:
    """What the evidence says of one candidate; `needs` lists reads that could still decide.

    A need is "tree" (the file list with hashes), "readme", or "file:<path>" (a small config
    such as adapter_config.json or mergekit_config.yml, or the head of a GGUF file).
    """

    status: VerdictStatus
    reason: str
    claims: tuple[LineageClaim, ...] = ()
    needs: tuple[str, ...] = ()
    # which evidence decided: 0 shared weights, 1 declared metadata, 2 shared tokenizer,
    # 3 card text, 4 architecture + scale (the weakest: it may pick a less specific parent);
    # 8 rejected for declaring a base outside the family, 9 any other rejection
    tier: int = 9
    # not judged: the judging itself failed (a bug, logged with its traceback); the candidate
    # is left out this time but not remembered as rejected, and the run is partial
    fault: bool = False

    @property
    def joined(self) -> bool:
        return self.status == "joined"


NOTHING_DERIVED = "holds no weights, tokenizer, adapter or code"
SMALL_CONFIGS = ("adapter_config.json", "mergekit_config.yml", "mergekit_config.yaml")


def assess(record: RepoRecord, family: Family, exclude: Collection[str] = frozenset()) -> Verdict:
    """Decide whether `record` derives from a member of `family`, from whom, and how.

    Members in `exclude` (the candidate's own descendants, when re-checking a member) are
    never taken as its parent. A bug met while judging one candidate leaves that candidate
    unjudged (`fault`) instead of ending the judging of every other.
    """
    try:
        return _assess(record, family, exclude)
    except Exception as exc:
        log.error("internal error judging %s (a bug: please report it)", record.key,
                  exc_info=True)
        return Verdict("rejected", f"not judged: internal error, {type(exc).__name__}: {exc}",
                       fault=True)


def _assess(record: RepoRecord, family: Family, exclude: Collection[str]) -> Verdict:
    content = content_of(record.files)
    refs = references(record, family.resolve, family.known_ids)
    out = {record.key, *exclude}
    member_refs = [r for r in refs if r.key and r.key not in out]
    declared = [r for r in member_refs if r.declared]
    declared_other = [r for r in refs if r.declared and (not r.key or r.key in exclude)]
    text_refs = [r for r in member_refs if not r.declared]
    arch, arch_shown = family.architecture(record)
    params = effective_parameters(record)
    wids, tids = content.ids("weights"), content.ids("tokenizer")
    weight_share = {k: n for k, n in family.shared(wids, "weights").items() if k not in out}
    tok_share = {k: n for k, n in family.shared(tids, "tokenizer").items() if k not in out}
    declared_keys = {r.key for r in declared}

    def claim(
        parent: str, source: Source, confidence: float, evidence: str, n: int = 1
    ) -> LineageClaim:
        facts, scale = family.members.get(parent), family.scale_of(parent)
        cls = classify(record, facts, scale=scale, n_parents=n)
        relation = cls.relation or "other"
        overruled = None
        if source == "declared":
            word = next((r.relation for r in declared if r.key == parent and r.relation), None)
            relation, overruled, _ = classify_declared(
                record, facts, word, scale=scale, n_parents=n
            )
        if cls.reason and cls.relation == relation:
            evidence = f"{evidence}; {cls.reason}"
        support = next((r.where for r in text_refs if r.key == parent), None)
        if support and support not in evidence:
            evidence = f"{evidence}; {support}"
        return LineageClaim(parent, record.key, relation, source, confidence, evidence, overruled)

    def rank(
        keys: Iterable[str], bonus: Mapping[str, int] | None = None, deep: bool = False
    ) -> str:
        def score(k: str) -> tuple[int, bool, int, int, bool, str]:
            spec = name_specificity(record.repo_id, k.split(":", 1)[1])
            d = family.depth(k)
            # at equal depth a root first: members in a declared cycle count depth 0 too
            root = (m := family.members.get(k)) is not None and m.parent is None
            return ((bonus or {}).get(k, 0), k in declared_keys, spec, d if deep else -d, root, k)

        return max(keys, key=score)

    if weight_share:
        parent = rank(weight_share, weight_share)
        n, total = weight_share[parent], len(wids)
        source: Source = "declared" if parent in declared_keys else "inferred"
        ev = f"shares {n}/{total} weight files with {parent.split(':', 1)[1]} (sha256)"
        conf = 0.99 if n == total else 0.9
        return Verdict("joined", ev, (claim(parent, source, conf, ev),), tier=0)
    if declared:
        parents = list(dict.fromkeys(r.key for r in declared if r.key))
        n = len(parents)
        claims = []
        for key in parents:
            where = next(r.where for r in declared if r.key == key)
            claims.append(claim(key, "declared", 0.95, f"{where} names {key.split(':', 1)[1]}", n))
        return Verdict("joined", claims[0].evidence, tuple(claims), tier=1)
    if arch == "conflict" and not tok_share:
        return Verdict("rejected", f"{arch_shown}: not this family's architecture")
    # a declared base outside the family rejects only a repo without the family's architecture
    # (or unhashed weights of none): else it may be a typo or deleted repo (the files decide)
    unread = arch == "unknown" and content.weights and not content.hashed and family.has_hashes
    if declared_other and not tok_share and arch != "match" and not unread:
        names = ", ".join(r.repo_id for r in declared_other[:3])
        return Verdict("rejected", f"declares base model {names}, not a family member",
                       tier=DECLARED_OUTSIDE)
    if tok_share:
        parent = rank(tok_share, tok_share)
        ev = (
            f"shares {tok_share[parent]}/{len(tids)} tokenizer files with {parent.split(':', 1)[1]}"
        )
        if arch == "conflict" or declared_other:
            cl = LineageClaim(parent, record.key, "tokenizer", "inferred", 0.8, ev + " (reused)")
            return Verdict("joined", ev, (cl,), tier=2)
        conf = 0.75 if len(tok_share) > 1 else 0.9  # a stock tokenizer: "Grok", not whose
        return Verdict("joined", ev, (claim(parent, "inferred", conf, ev),), tier=2)
    scales = family.scales()
    smallest = min(scales.values(), default=0)
    tiny = bool(params and smallest and params < TINY_FRACTION * smallest)
    if text_refs and not could_derive(record.files):
        return Verdict("rejected", f"links a member but {NOTHING_DERIVED}")
    if text_refs:
        parent = rank((r.key for r in text_refs if r.key), deep=True)
        where = next(r.where for r in text_refs if r.key == parent)
        conf = 0.85 if arch == "match" else 0.7
        ev = where + (f", {arch_shown}" if arch == "match" else "")
        return Verdict("joined", ev, (claim(parent, "inferred", conf, ev),), tier=3)
    if arch == "match" and params and not tiny:
        matching = [o for o, n in scales.items() if abs(params - n) <= SCALE_TOLERANCE * n]
        # a lower-precision copy, an adapter or a tokenizer is not where full weights of this
        # scale come from, whatever its name says; nor is the candidate or its descendants
        # (the only release at that scale may be one of them: then no parent by scale)
        group = [
            k
            for k, m in family.members.items()
            if m.relation not in _NOT_SOURCES and k not in out and family.origin(k) in matching
        ]
        if group:
            parent = rank(group)
            origin = family.origin(parent)
            ev = (
                f"{arch_shown} with {fmt_params(params)} parameters, the scale of "
                f"{origin.split(':', 1)[1]} ({fmt_params(scales[origin])})"
            )
            return Verdict("joined", ev, (claim(parent, "inferred", 0.8, ev),), tier=4)
    named = release_named(record, scales) if arch == "match" and not params else None
    if named and content.weights:  # .bin weights: the Hub counts safetensors parameters only
        ev = f"card text names {named[1]}, {arch_shown} (no parameter count)"
        return Verdict("joined", ev, (claim(named[0], "inferred", 0.6, ev),), tier=4)
    needs = _needs(record, content, family)
    if arch == "match":
        why = f"{arch_shown} but " + (
            f"test-size ({fmt_params(params)} parameters)" if tiny else "no matching scale"
        )
        why += " and no reference to a member"
    else:
        why = "no shared files, no reference to a member, no family architecture"
    if record.card_text is None and not could_derive(record.files):
        why = f"{NOTHING_DERIVED}; card not read (a link in it would not make it a derivative)"
    return Verdict("undecided" if needs else "rejected", why, (), needs)


def _needs(record: RepoRecord, content: Content, family: Family) -> tuple[str, ...]:
    """The reads that could still turn a candidate into a member, most decisive first."""
    needs: list[str] = []
    configs = record.extra.get(CONFIGS)
    configs = configs if isinstance(configs, Mapping) else {}
    for f in content.config + content.adapter:
        if f.path in SMALL_CONFIGS and f.path not in configs:
            needs.append(f"file:{f.path}")
    holds = content.weights or content.tokenizer or not content.known
    if holds and not content.hashed and family.has_hashes:
        needs.append("tree")
    # no card makes a derivative of a repo holding nothing one holds (_assess): not worth it
    if record.card_text is None and could_derive(record.files):
        needs.append("readme")
    # a GGUF header names its base model (general.base_model.N.repo_url) and architecture;
    # worth its one ranged read only where the listing's gguf summary left them out
    gguf = record.gguf if isinstance(record.gguf, Mapping) else {}
    first = first_gguf(content)
    if (
        first
        and "gguf_header" not in configs
        and not (gguf.get("total") and gguf.get("architecture"))
    ):
        needs.append(f"gguf:{first}")
    return tuple(needs)


def first_gguf(content: Content) -> str | None:
    """The GGUF file whose head holds the metadata: the first split of the first quant."""
    paths = sorted(f.path for f in content.weights if weight_format(f.path) == "gguf")
    return paths[0] if paths else None


__all__ = [
    "GROK", "Classification", "Family", "Markers", "Reference", "Verdict", "assess", "classify",
    "classify_declared", "declared_claim", "files_win", "member_facts", "normalize_relation",
]
