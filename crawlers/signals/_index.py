"""What every signal shares: the evidence record, the index of stored repos, a repo's role.

`Index` is built once per resolve over every stored repo of every hub: ids and aliases for
references, file identities for shared files, roles and release scales for architecture
signals. `relation_for` reads the relation an edge would have from the child's files against
one candidate parent (crawlers/relation.py), the same way for every signal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Literal

from crawlers.base import LineageClaim, MemberFacts, RepoRecord
from crawlers.content import content_of, effective_parameters, quantization_signals
from crawlers.evidence import GROK, Markers, architecture_match, member_facts
from crawlers.references import Reference
from crawlers.relation import TINY_FRACTION, classify, classify_declared

# A file identity held by more repos than this is common property (a stock tokenizer copied
# into every derivative): past it, only the oldest holders count as where it came from.
_WIDE = 2


@dataclass(frozen=True, order=True)
class Observed:
    """One piece of evidence that `child` derives from `parent` (both node keys)."""

    child: str
    parent: str
    kind: str
    source: str  # declared / inferred
    strength: float
    relation: str  # "" until `Index.settle`: read only for the edges the resolver keeps
    detail: str
    declared_relation: str | None = None
    word: str | None = None  # the relation word the metadata states, for a declaration
    n_parents: int = 1  # how many parents the child's metadata names (2+: a merge)


def role_of(record: RepoRecord, smallest_release: int) -> str:
    """What a repo holds, as a source of weights: full, quantized, adapter, tokenizer, test,
    code or unknown (files not listed)."""
    content = content_of(record.files)
    if content.adapter:
        return "adapter"
    if not content.known:
        return "quantized" if record.gguf else "unknown"
    if content.weights:
        params = effective_parameters(record)
        if params and smallest_release and params < TINY_FRACTION * smallest_release:
            return "test"
        strong, _ = quantization_signals(record, content)
        return "quantized" if strong else "full"
    if content.weights_in_branches:
        return "quantized"
    if content.tokenizer:
        return "tokenizer"
    return "code"


class Index:
    """Every stored repo, indexed for the signals."""

    def __init__(
        self,
        records: Mapping[str, RepoRecord],
        root_keys: Iterable[str],
        markers: Markers = GROK,
    ) -> None:
        self.records = records
        self.markers = markers
        self.root_keys = frozenset(k for k in root_keys if k in records)
        self._by_id: dict[str, list[str]] = {}
        for key in sorted(records):
            rec = records[key]
            aliases = rec.extra.get("aliases", ())
            for rid in (rec.repo_id, *(aliases if isinstance(aliases, list | tuple) else ())):
                self._by_id.setdefault(str(rid).lower(), []).append(key)
        self.known_ids = tuple(sorted(self._by_id))
        self._facts: dict[str, MemberFacts] = {}
        # (child, parent, declared, word, parents) -> (relation, overruled word, why)
        self._relations: dict[
            tuple[str, str, bool, str | None, int], tuple[str, str | None, str]
        ] = {}
        self._roles: dict[str, str] = {}

    # --- names -----------------------------------------------------------------------------

    def resolve(
        self, repo_id: str, hub: str | None = None, prefer_hub: str | None = None
    ) -> str | None:
        """The stored repo a repo id names (current id or alias); the named hub first, then
        the asking repo's own hub, then Hugging Face's (where weights live)."""
        keys = self._by_id.get(repo_id.lower(), [])
        for want in (hub, prefer_hub, "huggingface"):
            for key in keys:
                if want and key.startswith(want + ":"):
                    return key
        return keys[0] if keys else None

    def keys_named(self, repo_id: str) -> list[str]:
        """Every stored repo with this id (or alias), on any hub."""
        return list(self._by_id.get(repo_id.lower(), ()))

    def architecture(self, record: RepoRecord) -> tuple[str, str]:
        """Whether the repo's config or GGUF architecture is a family's (the markers'):
        match, conflict or unknown, with what it showed."""
        m = self.markers
        return architecture_match(record, m.architectures, m.model_types, m.gguf_architectures)

    @cached_property
    def _full_by_name(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key in sorted(self.records):
            if self.role(key) == "full":
                out.setdefault(self.records[key].repo_id.rsplit("/", 1)[-1].lower(), []).append(key)
        return out

    def full_repos_named_in(self, name: str) -> list[str]:
        """Stored full-weight repos whose name is a run of words of `name` (`grok1-pytorch`
        in `grok1-pytorch-Q4_K_M-GGUF`): looked up by spans, not by scanning every repo."""
        words = re.split(r"([-_.])", name.lower())
        found: list[str] = []
        for i in range(0, len(words), 2):
            for j in range(i + 1, min(len(words), i + 16) + 1, 2):
                found.extend(self._full_by_name.get("".join(words[i:j]), ()))
        return sorted(set(found))

    # --- files -----------------------------------------------------------------------------

    @cached_property
    def _holders(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {"weights": {}, "tokenizer": {}}
        for key in sorted(self.records):
            content = content_of(self.records[key].files)
            for kind in ("weights", "tokenizer"):
                for ident in content.ids(kind):
                    out[kind].setdefault(ident, []).append(key)
        self._common: set[str] = set()
        for kind in out:
            for ident, keys in out[kind].items():
                if len(keys) > _WIDE:
                    # a tokenizer copied everywhere came from its oldest holder alone: a
                    # derivative holding it got it there too, which makes it no closer
                    keep = 1 if kind == "tokenizer" else _WIDE
                    out[kind][ident] = sorted(keys, key=self._age)[:keep]
                    self._common.add(ident)
        return out

    def common(self, ids: Iterable[str], kind: Literal["weights", "tokenizer"]) -> bool:
        """Whether every one of these file identities is common property (held widely)."""
        self._holders  # noqa: B018 - builds the index of common identities
        ids = list(ids)
        return bool(ids) and all(i in self._common for i in ids)

    def _age(self, key: str) -> tuple[bool, bool, datetime | int, str]:
        rec = self.records[key]
        return (key not in self.root_keys, rec.created_at is None, rec.created_at or 0, key)

    def shared(self, ids: Iterable[str], kind: Literal["weights", "tokenizer"]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ident in ids:
            for key in self._holders[kind].get(ident, ()):
                counts[key] = counts.get(key, 0) + 1
        return counts

    # --- facts and scale -------------------------------------------------------------------

    def facts(self, key: str) -> MemberFacts | None:
        if key not in self.records:
            return None
        if key not in self._facts:
            self._facts[key] = member_facts(self.records[key])
        return self._facts[key]

    @cached_property
    def release_scales(self) -> dict[str, int]:
        """Parameter count of each root repo: its own, else the markers' figure."""
        out = {}
        for key in self.root_keys:
            rid = key.split(":", 1)[1]
            n = self.markers.release_parameters.get(rid, 0)
            out[key] = n or effective_parameters(self.records[key])
        return {k: n for k, n in out.items() if n}

    @cached_property
    def smallest_release(self) -> int:
        return min(self.release_scales.values(), default=0) or self.markers.smallest_release

    def role(self, key: str) -> str:
        if key not in self._roles:
            self._roles[key] = role_of(self.records[key], self.smallest_release)
        return self._roles[key]

    def scale_for(self, parent: str) -> int:
        """The release scale a candidate parent stands for: its own count, else the roots'."""
        facts = self.facts(parent)
        own = facts.parameters if facts else 0
        return own or max(self.release_scales.values(), default=0)

    # --- relations -------------------------------------------------------------------------

    def relation_for(
        self,
        record: RepoRecord,
        parent: str,
        *,
        declared: bool = False,
        word: str | None = None,
        n_parents: int = 1,
    ) -> tuple[str, str | None, str]:
        """(relation, declared word when the files overrule it, why) of parent -> record."""
        ident = (record.key, parent, declared, word, n_parents)
        if ident not in self._relations:
            self._relations[ident] = self._relation(record, parent, declared, word, n_parents)
        return self._relations[ident]

    def _relation(
        self, record: RepoRecord, parent: str, declared: bool, word: str | None, n_parents: int
    ) -> tuple[str, str | None, str]:
        facts, scale = self.facts(parent), self.scale_for(parent)
        if declared:
            relation, overruled, note = classify_declared(
                record, facts, word, scale=scale, n_parents=n_parents
            )
            return relation, overruled, note
        cls = classify(record, facts, scale=scale, n_parents=n_parents)
        return cls.relation or "other", None, cls.reason


    def settle(self, o: Observed) -> Observed:
        """The evidence with its relation read from the child's files (crawlers/relation.py),
        and the reason added to its detail; costly, so only for edges the resolver kept."""
        if o.relation or o.child not in self.records:
            return o
        declared = o.source == "declared"
        relation, overruled, why = self.relation_for(
            self.records[o.child], o.parent, declared=declared, word=o.word,
            n_parents=o.n_parents,
        )
        return replace(o, relation=relation, declared_relation=overruled,
                       detail=with_reason(o.detail, why))


def with_reason(detail: str, reason: str) -> str:
    return f"{detail}; {reason}" if reason and reason not in detail else detail


# A crawler's claim says what it rests on in its evidence text; the kind is read from there.
_CLAIM_KINDS = (
    (re.compile(r"weight files"), "weights"),
    (re.compile(r"tokenizer files"), "tokenizer"),
    (re.compile(r"GitHub fork"), "github_fork"),
    (re.compile(r"^card base_model"), "card_base_model"),
    (re.compile(r"^Hub tag"), "hub_tag"),
    (re.compile(r"adapter_config"), "peft"),
    (re.compile(r"mergekit"), "mergekit"),
    (re.compile(r"^GGUF"), "gguf"),
    (re.compile(r"card text|README|card (links|names)"), "card_text"),
    (re.compile(r"architecture|model_type"), "architecture"),
    (re.compile(r"mirror", re.I), "mirror"),
)


def claim_kind(claim: LineageClaim) -> str:
    """The evidence kind of a crawler's claim (`observed` when its text says none)."""
    for pattern, kind in _CLAIM_KINDS:
        if pattern.search(claim.evidence):
            return kind
    return "declared" if claim.source == "declared" else "observed"


def references_of(record: RepoRecord, index: Index) -> list[Reference]:
    """Every place the record names a repo (crawlers/references.py), resolved on the index;
    cached on the index, since several signals read the same references."""
    from crawlers.references import references

    cache: dict[str, list[Reference]] = index.__dict__.setdefault("_refs", {})
    if record.key not in cache:
        cache[record.key] = references(record, index.resolve, index.known_ids)
    return cache[record.key]


def declared_parents(record: RepoRecord, index: Index) -> set[str]:
    """Distinct repos the record's own metadata names as its base (a merge names several)."""
    return {
        (r.key or r.repo_id.lower())
        for r in references_of(record, index)
        if r.declared and not r.where.startswith(("adapter_config", "GGUF"))
    } or {(r.key or r.repo_id.lower()) for r in references_of(record, index) if r.declared}


def declared_count(record: RepoRecord, index: Index) -> int:
    cache: dict[str, int] = index.__dict__.setdefault("_declared_n", {})
    if record.key not in cache:
        cache[record.key] = len(declared_parents(record, index))
    return cache[record.key]


def declared_signal(
    record: RepoRecord, index: Index, kind: str, where: tuple[str, ...], strength: float = 0.95
) -> list[Observed]:
    """Observed evidence for the declared references made in `where` (a place prefix)."""
    out = []
    n = declared_count(record, index)
    for ref in references_of(record, index):
        if not ref.declared or not ref.where.startswith(where):
            continue
        parent = ref.key or f"{_hub_hint(ref, record)}:{ref.repo_id}"
        detail = f"{ref.where} names {ref.repo_id}"
        if ref.key is None:
            out.append(Observed(record.key, parent, kind, "declared", strength, "other", detail))
            continue
        out.append(
            Observed(record.key, parent, kind, "declared", strength, "", detail, None,
                     ref.relation, n)
        )
    return out


def _hub_hint(ref: Reference, record: RepoRecord) -> str:
    from crawlers.references import repo_from_url

    parsed = repo_from_url(ref.repo_id)
    return (parsed[0] if parsed and parsed[0] else None) or record.hub
