"""Where a repository names another one: its metadata, its configs, its card text (pure).

A `Reference` is one place where a candidate names a repository: declared ones come from
the child's own metadata (card `base_model`, the Hub's `base_model:` tags, PEFT
`adapter_config.json`, a GGUF header's `general.base_model.N.repo_url`, a mergekit config);
the others from its card prose (a URL or a member's repo id). Card lines that are table rows
or comparisons do not count: a benchmark against Grok-1 is not a derivative of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from crawlers.base import RepoRecord, is_valid_repo_id, strings_of
from crawlers.content import CARD_DATA, CONFIGS, parse_card

# (repo_id, hub or None, prefer_hub) -> member key or None
Resolver = Callable[[str, str | None, str | None], str | None]


@dataclass(frozen=True)
class Reference:
    """One mention of a repository by a candidate."""

    repo_id: str
    where: str  # human-readable place: "card base_model", "adapter_config.json ...", "card text"
    declared: bool  # the child's own metadata (SPEC: source=declared) vs prose
    key: str | None = None  # the member it names, if it names one
    relation: str | None = None  # a relation word the metadata states next to it


_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(huggingface\.co|hf\.co|github\.com|modelscope\.cn/models)/"
    r"([A-Za-z0-9][A-Za-z0-9._-]*)/([A-Za-z0-9][A-Za-z0-9._-]*)",
    re.IGNORECASE,
)
_URL_HUB = {"huggingface.co": "huggingface", "hf.co": "huggingface", "github.com": "github"}
_NOT_REPOS = frozenset({"datasets", "spaces", "docs", "blog", "papers", "models", "collections"})
_COMPARISON = re.compile(
    r"\b(vs\.?|versus|compared?|comparison|outperform\w*|beats?|benchmarks?|leaderboard)\b", re.I
)
_TAG = re.compile(r"^base_model:(?:(adapter|merge|quantized|finetune):)?(.+)$")


def repo_from_url(url: str) -> tuple[str | None, str] | None:
    """(hub, repo_id) from a hub URL or a bare `owner/name`; None if it is neither."""
    url = url.strip()
    m = _URL.search(url)
    if m:
        host, owner, name = m.group(1).lower(), m.group(2), m.group(3)
        if owner.lower() in _NOT_REPOS:
            return None
        name = re.sub(r"\.git$", "", name.rstrip("."))
        hub = "modelscope" if host.startswith("modelscope") else _URL_HUB.get(host)
        rid = f"{owner}/{name}"
        return (hub, rid) if is_valid_repo_id(rid) else None
    if is_valid_repo_id(url):
        return None, url
    return None



def _mergekit_models(cfg: object) -> list[str]:
    """Every model a mergekit config names (models, slices' sources, base_model)."""
    found: list[str] = []

    def walk(node: object, depth: int = 0) -> None:
        if depth > 8:
            return
        if isinstance(node, Mapping):
            for k, v in node.items():
                if k in ("model", "base_model") and isinstance(v, str):
                    found.extend(p.strip() for p in v.split("+") if p.strip())
                elif k in ("model", "base_model") and isinstance(v, Mapping):
                    walk(v, depth + 1)
                elif isinstance(v, (Mapping, list)):
                    walk(v, depth + 1)
                elif k == "path" and isinstance(v, str):
                    found.append(v)
        elif isinstance(node, list):
            for item in node:
                walk(item, depth + 1)

    walk(cfg)
    return list(dict.fromkeys(found))


def _path_ref(value: str, known_ids: Iterable[str]) -> str | None:
    """A repo id from a local path whose last two parts are a known member id."""
    parts = [p for p in value.replace("\\", "/").split("/") if p]
    if len(parts) >= 2:
        tail = f"{parts[-2]}/{parts[-1]}".lower()
        for rid in known_ids:
            if rid.lower() == tail:
                return rid
    return None


def references(
    record: RepoRecord, resolve: Resolver, known_ids: Iterable[str] = ()
) -> list[Reference]:
    """Every reference a candidate makes, declared ones first, resolved to members."""
    own_hub = record.hub
    out: list[Reference] = []

    def add(raw: str, where: str, declared: bool, relation: str | None = None) -> None:
        parsed = repo_from_url(raw)
        if parsed is None:
            rid = _path_ref(raw, known_ids) if declared else None
            if rid is None:
                return
            parsed = (None, rid)
        hub, rid = parsed
        if rid.lower() == record.repo_id.lower():
            return  # self-references are data, not lineage
        out.append(Reference(rid, where, declared, resolve(rid, hub, own_hub), relation))

    card = record.extra.get(CARD_DATA)
    card = card if isinstance(card, Mapping) else {}
    if not card:  # a record from the declared walk keeps only the lineage keys of its card
        card = {
            k: record.extra[k] for k in ("base_model", "base_model_relation") if k in record.extra
        }
    if not card and record.card_text:
        card = parse_card(record.card_text)[0]
    relation = card.get("base_model_relation")
    for rid in strings_of(card.get("base_model")):
        add(rid, "card base_model", True, relation if isinstance(relation, str) else None)
    for tag in record.tags:
        m = _TAG.match(tag)
        if m:
            add(m.group(2), "Hub tag base_model", True, m.group(1))
    configs = record.extra.get(CONFIGS)
    configs = configs if isinstance(configs, Mapping) else {}
    adapter = configs.get("adapter_config.json")
    if isinstance(adapter, Mapping) and isinstance(adapter.get("base_model_name_or_path"), str):
        add(
            adapter["base_model_name_or_path"],
            "adapter_config.json base_model_name_or_path",
            True,
            "adapter",
        )
    for name in ("mergekit_config.yml", "mergekit_config.yaml"):
        for rid in _mergekit_models(configs.get(name)):
            add(rid, name, True, "merge")
    for source, header in (("GGUF header", configs.get("gguf_header")), ("GGUF", record.gguf)):
        if isinstance(header, Mapping):
            for k, v in header.items():
                if re.fullmatch(r"general\.base_model\.\d+\.repo_url", str(k)) and isinstance(
                    v, str
                ):
                    add(v, f"{source} {k}", True)
    out.extend(_text_references(record, resolve))
    # one reference per (member or id, declared): the first place wins, and keeps a relation
    # word said elsewhere (the card names the parent, the Hub's tag adds its relation guess)
    unique: dict[tuple[str, bool], Reference] = {}
    for ref in out:
        ident = (ref.key or ref.repo_id.lower(), ref.declared)
        first = unique.get(ident)
        if first is None:
            unique[ident] = ref
        elif first.relation is None and ref.relation is not None:
            unique[ident] = replace(first, relation=ref.relation)
    return list(unique.values())


def config_parents(record: RepoRecord) -> list[Reference]:
    """The parents a repo's own config files declare (PEFT, mergekit, a GGUF header): on
    the Hub they may name a repo by a former id, which only a lookup can tell."""
    card_places = ("card base_model", "Hub tag base_model")
    return [
        ref
        for ref in references(record, lambda *_: None)
        if ref.declared and ref.where not in card_places
    ]


# An `owner/name` token standing on its own (not the tail of a path or of a longer id).
_ID_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_./-])([A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)"
)


def _prose_lines(record: RepoRecord) -> list[str]:
    """The card body's lines that can say where the repo comes from: not a table row or a
    comparison, which name a model without deriving from it. Stripped."""
    if not record.card_text:
        return []
    out = []
    for line in parse_card(record.card_text)[1].splitlines():
        stripped = line.strip()
        if stripped.startswith("|") or stripped.count("|") >= 2 or "<td" in stripped.lower():
            continue
        if not _COMPARISON.search(stripped):
            out.append(stripped)
    return out


def _text_references(record: RepoRecord, resolve: Resolver) -> list[Reference]:
    """Members named in card prose: hub URLs, or a member's exact `owner/name`."""
    out: list[Reference] = []
    for stripped in _prose_lines(record):
        for m in _URL.finditer(stripped):
            parsed = repo_from_url(m.group(0))
            if parsed and parsed[1].lower() != record.repo_id.lower():
                key = resolve(parsed[1], parsed[0], record.hub)
                if key:
                    out.append(Reference(parsed[1], f"card text links {m.group(0)}", False, key))
        for m in _ID_TOKEN.finditer(_URL.sub(" ", stripped)):
            rid = m.group(1).rstrip(".")  # a sentence may end right after the id
            if rid.lower() != record.repo_id.lower():
                key = resolve(rid, None, record.hub)
                if key:
                    out.append(Reference(rid, f"card text names {rid}", False, key))
    return out


def prose_ids(record: RepoRecord) -> list[str]:
    """Repo ids the card prose names, members or not, as `_text_references` reads them:
    Hugging Face links (`https://huggingface.co/owner/name`) and bare `owner/name` tokens. A
    card written before a rename names its parent by the former id, which only the Hub's
    redirect can tell (crawlers/huggingface/renames.py)."""
    own = record.repo_id.lower()
    out: list[str] = []
    for stripped in _prose_lines(record):
        for m in _URL.finditer(stripped):
            parsed = repo_from_url(m.group(0))
            if parsed and parsed[0] == "huggingface" and parsed[1].lower() != own:
                out.append(parsed[1])
        for m in _ID_TOKEN.finditer(_URL.sub(" ", stripped)):
            rid = m.group(1).rstrip(".")
            if rid.lower() != own and is_valid_repo_id(rid):
                out.append(rid)
    return list(dict.fromkeys(out))


def release_named(record: RepoRecord, releases: Iterable[str]) -> tuple[str, str] | None:
    """(release key, the name as written) of the first release (a root's node key,
    `huggingface:xai-org/grok-1`) whose name the card prose states as a word ("The 314B
    Grok-1 MoE released by xAI", "grok 1"), outside links, repo ids, tables and comparisons.
    Only with the release's architecture in the config does it tie a repo to the family (a
    .bin port has no parameter count on the Hub); a name alone is never proof."""
    text = "\n".join(CITED.sub(" ", line) for line in _prose_lines(record))
    # the weights' hub first: GitHub holds a release's code, not its weights
    for key in sorted(releases, key=lambda k: (k.startswith("github:"), k)):
        parts = [p for p in re.split(r"[-_ ]+", key.rsplit("/", 1)[-1]) if p]
        if not parts:
            continue
        word = r"[-_ ]?".join(map(re.escape, parts))
        found = re.search(rf"(?<![A-Za-z0-9])({word})(?![A-Za-z0-9]|\.\d)", text, re.I)
        if found:
            return key, found.group(1)
    return None


# what a card cites: links, and owner/name ids standing on their own (not what it says of
# itself: "atlas-dpo" in a link to the parent names the parent, not this repo)
CITED = re.compile(r"https?://\S+|(?<![\w./-])[A-Za-z0-9][\w.-]*/[\w.-]+")


def name_has_term(repo_id: str, terms: Iterable[str]) -> bool:
    """Whether a search term stands as its own word in the id ("grok-1", not "grokking").

    Only used to decide whether a candidate is worth a read, never to join.
    """
    lower = repo_id.lower()
    return any(re.search(rf"(?<![a-z]){re.escape(t.lower())}(?![a-z])", lower) for t in terms if t)


def name_specificity(candidate_id: str, member_id: str) -> int:
    """How specifically a candidate's name points at a member (0: not at all).

    Used only to choose among members the evidence already supports, never to join: the
    longest member name contained in the candidate's name wins, the same owner adds a bit.
    """
    c_owner, _, c_name = candidate_id.lower().partition("/")
    m_owner, _, m_name = member_id.lower().partition("/")
    score = len(m_name) if m_name and m_name in c_name else 0
    if score and c_owner == m_owner:
        score += 100
    return score


def mentioned_ids(record: RepoRecord) -> set[str]:
    """Every repo id a candidate names anywhere (metadata, configs, card text), lower-cased.

    Used only to order joins (a candidate naming another undecided candidate waits for it).
    """
    ids = {r.repo_id.lower() for r in references(record, lambda *_: None)}
    if record.card_text:
        text = parse_card(record.card_text)[1]
        for m in _URL.finditer(text):
            parsed = repo_from_url(m.group(0))
            if parsed:
                ids.add(parsed[1].lower())
        ids.update(t.group(1).rstrip(".").lower() for t in _ID_TOKEN.finditer(_URL.sub(" ", text)))
    return ids


def declares_one_of(rec: RepoRecord, ids: set[str]) -> bool:
    """Whether the card's base_model names one of these (lower-cased) repo ids."""
    card = rec.extra.get(CARD_DATA)
    bases = card.get("base_model") if isinstance(card, Mapping) else None
    bases = [bases] if isinstance(bases, str) else bases if isinstance(bases, list) else []
    return any(isinstance(b, str) and b.strip().lower() in ids for b in bases)
