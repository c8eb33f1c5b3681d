"""Hugging Face Hub JSON -> our records: the one place that maps the API's names to ours.

Everything here is pure and defensive: Hub JSON is user-written metadata (card YAML) plus the
Hub's own fields, and any of it can have the wrong type. A value we cannot use is dropped with
a warning message; only an item without a usable repo id is rejected (`ValueError`).

Declared lineage on the Hub: the card's `base_model` (a string, or a list = several parents)
and `base_model_relation`; the Hub mirrors them as tags `base_model:<parent>` and
`base_model:<relation>:<parent>` (its relation is a guess when the card gives none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawlers.base import (
    FileRecord,
    Relation,
    RepoRecord,
    clean_text,
    is_valid_repo_id,
    strings_of,
)
from crawlers.content import file_kind, weight_format

# What every listing and model_info asks for: enough for a RepoRecord without another call.
EXPAND: tuple[str, ...] = (
    "author",
    "cardData",
    "config",
    "createdAt",
    "disabled",
    "downloads",
    "gated",
    "gguf",
    "lastModified",
    "library_name",
    "likes",
    "pipeline_tag",
    "safetensors",
    "sha",
    "siblings",
    "tags",
)

# The Hub's relation words (and spellings seen in cards) -> SPEC.md's vocabulary.
RELATION_WORDS: dict[str, Relation] = {
    "quantized": "quantization",
    "quantization": "quantization",
    "finetune": "finetune",
    "fine-tune": "finetune",
    "finetuned": "finetune",
    "adapter": "adapter",
    "lora": "adapter",
    "merge": "merge",
    "merged": "merge",
}
HUB_RELATION_WORDS = frozenset({"adapter", "merge", "quantized", "finetune"})

# Hub tags that name a weight format or a quantization scheme, and what we call it.
FORMAT_TAGS: dict[str, str] = {
    "gguf": "gguf",
    "safetensors": "safetensors",
    "pytorch": "pytorch",
    "jax": "jax",
    "flax": "jax",
    "mlx": "mlx",
    "onnx": "onnx",
    "tf": "tensorflow",
    "tensorflow": "tensorflow",
    "keras": "tensorflow",
    "tflite": "tflite",
    "coreml": "coreml",
    "openvino": "openvino",
    "gptq": "gptq",
    "awq": "awq",
    "exl2": "exl2",
    "bitsandbytes": "bitsandbytes",
    "fp8": "fp8",
}
_HF_URL_PREFIXES = (
    "https://huggingface.co/",
    "http://huggingface.co/",
    "hf.co/",
    "huggingface.co/",
)
_MAX_PARENTS = 64
_MAX_TAGS = 500
_SHA = re.compile(r"^[0-9a-fA-F]{1,64}$")  # a commit id: it goes into URLs as a revision


@dataclass(frozen=True)
class Listed:
    """One repo as a listing item or model_info showed it, with its declared lineage."""

    record: RepoRecord
    card_parents: tuple[str, ...] = ()  # valid ids from card base_model, in card order
    tag_parents: tuple[str, ...] = ()  # ids from the Hub's base_model: tags
    tag_relations: Mapping[str, str | None] = field(default_factory=dict)  # lower id -> word
    card_relation: str | None = None  # base_model_relation as written
    siblings: tuple[str, ...] | None = None  # file names, when the Hub sent them
    warnings: tuple[str, ...] = ()

    @property
    def repo_id(self) -> str:
        return self.record.repo_id

    @classmethod
    def of_record(cls, record: RepoRecord) -> Listed:
        """A record this crawler mapped (`parse_repo(...).record`), with the lineage it
        declares: the card's parents kept in `extra`, the Hub's `base_model:` tags."""
        base = record.extra.get("base_model")
        card = tuple(p for p in base if isinstance(p, str)) if isinstance(base, list) else ()
        tag_parents, tag_relations = _tag_relations(record.tags)
        word = record.extra.get("base_model_relation")
        word = word if isinstance(word, str) else None
        return cls(record, card, tag_parents, tag_relations, word)

    @property
    def parents(self) -> tuple[str, ...]:
        """Declared parents: the card's, else the Hub's tags (self-references included)."""
        if self.card_parents:
            return self.card_parents
        return self.tag_parents

    def relation_to(self, parent: str) -> tuple[Relation, str, bool]:
        """The declared relation to `parent`, the evidence for it, and whether the card
        stated it, in SPEC.md's words.

        The card's `base_model_relation` wins; then several parents make a merge; then the
        Hub's tag for this parent; a declared parent with no relation is a fine-tune. Only
        the first two are the child's own word: the Hub guesses its tag's relation when the
        card states none, often wrongly (hub-facts), so the files may overrule a guess.
        """
        me = self.repo_id.lower()
        others = {p.lower() for p in self.parents} - {me}
        card_word = RELATION_WORDS.get((self.card_relation or "").strip().lower())
        tag_word = self.tag_relations.get(parent.lower())
        relation: Relation
        stated = True
        if card_word is not None:
            relation = card_word
        elif len(others) > 1:
            relation = "merge"
        else:
            relation = RELATION_WORDS.get(tag_word or "", "finetune")
            stated = False
        if parent.lower() in {p.lower() for p in self.card_parents}:
            evidence = "card base_model: " + ", ".join(self.card_parents)
            if self.card_relation:
                evidence += f" (base_model_relation: {self.card_relation})"
        else:
            evidence = f"Hub tag base_model:{tag_word + ':' if tag_word else ''}{parent}"
        return relation, evidence, stated


def parse_repo(data: object, *, hub_url: str) -> Listed:
    """A listing item or model_info JSON -> `Listed`. ValueError if it has no valid id."""
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    repo_id = data.get("id") or data.get("modelId")
    if not is_valid_repo_id(repo_id):
        raise ValueError(f"not a repo id: {str(repo_id)[:120]!r}")
    assert isinstance(repo_id, str)
    warnings: list[str] = []
    card = data.get("cardData")
    if card is None:
        card = {}
    elif not isinstance(card, Mapping):
        warnings.append(f"cardData is a {type(card).__name__}, not a mapping: ignored")
        card = {}
    config = data.get("config")
    if not isinstance(config, Mapping):
        config = {}
    tags = [_clean(t, 300, "a tag", warnings) for t in strings_of(data.get("tags"))[:_MAX_TAGS]]
    siblings = _siblings(data.get("siblings"))
    card_parents = _card_parents(card.get("base_model"), warnings)
    card_relation = card.get("base_model_relation")
    if card_relation is not None and not isinstance(card_relation, str):
        warnings.append("base_model_relation is not a string: ignored")
        card_relation = None
    if card_relation is not None:  # it is quoted in edge evidence
        card_relation = _clean(card_relation, 40, "base_model_relation", warnings)
    if card_relation and card_relation.strip().lower() not in RELATION_WORDS:
        warnings.append(f"unknown base_model_relation {card_relation[:40]!r}: ignored")
    safetensors = _safetensors(data.get("safetensors"), warnings)
    gguf = _gguf(data.get("gguf"), warnings)
    parameters = _count((safetensors or {}).get("total")) or _count((gguf or {}).get("total"))
    gated = data.get("gated")
    record = RepoRecord(
        hub="huggingface",
        repo_id=repo_id,
        url=f"{hub_url.rstrip('/')}/{repo_id}",
        status="gated" if gated not in (None, False, "false", "") else "active",
        sha=_sha(data.get("sha"), warnings),
        created_at=_datetime(data.get("createdAt"), "createdAt", warnings),
        last_modified=_datetime(data.get("lastModified"), "lastModified", warnings),
        downloads=_count(data.get("downloads")),
        likes=_count(data.get("likes")),
        gated=gated not in (None, False, "false", ""),
        license_raw=_license(card, tags, warnings),
        architectures=tuple(
            _clean(a, 200, "config architectures", warnings)
            for a in strings_of(config.get("architectures"))[:20]
        ),
        model_type=(
            _clean(config["model_type"], 100, "config model_type", warnings)
            if isinstance(config.get("model_type"), str)
            else None
        ),
        formats=formats_of(tags, siblings or ()),
        parameters=int(parameters),
        tags=tuple(tags),
        gguf=gguf,
        safetensors=safetensors,
        extra=_extra(data, card, card_parents, card_relation, warnings),
    )
    tag_parents, tag_relations = _tag_relations(tags)
    return Listed(
        record=record,
        card_parents=card_parents,
        tag_parents=tag_parents,
        tag_relations=tag_relations,
        card_relation=card_relation,
        siblings=siblings,
        warnings=tuple(warnings),
    )


def normalize_repo_ref(value: str) -> str:
    """`https://huggingface.co/org/name/` -> `org/name`; other strings are only stripped."""
    ref = value.strip()
    for prefix in _HF_URL_PREFIXES:
        if ref.lower().startswith(prefix):
            ref = ref[len(prefix) :]
            break
    return ref.strip("/")


def formats_of(tags: Iterable[str], file_names: Iterable[str]) -> tuple[str, ...]:
    found = {FORMAT_TAGS[t.lower()] for t in tags if t.lower() in FORMAT_TAGS}
    for name in file_names:  # one table of weight formats: crawlers/content.py's
        if file_kind(name) == "weights":
            found.add(weight_format(name))
    return tuple(sorted(found))


def file_records(items: Iterable[object]) -> tuple[list[FileRecord], int]:
    """Tree entries -> FileRecords (folders skipped); also how many entries were unreadable."""
    files, bad = [], 0
    for item in items:
        if not isinstance(item, Mapping) or item.get("type") == "directory":
            bad += not isinstance(item, Mapping)
            continue
        path, size, lfs = item.get("path"), item.get("size"), item.get("lfs")
        # a path is an identity: one holding NUL or a lone surrogate is unusable, not fixable
        if not isinstance(path, str) or not path or len(path) > 1000 or clean_text(path) != path:
            bad += 1
            continue
        sha256 = lfs.get("oid") if isinstance(lfs, Mapping) else None
        oid = item.get("oid")
        files.append(
            FileRecord(
                path=path,
                size=_count(size),
                sha256=sha256 if isinstance(sha256, str) and len(sha256) == 64 else None,
                blob_id=oid if isinstance(oid, str) and len(oid) <= 64 else None,
            )
        )
    return files, bad


def sibling_files(value: object, limit: int = 1000) -> tuple[FileRecord, ...] | None:
    """Every file of a model_info answer asked with `blobs=true` (siblings carrying `blobId`,
    and `lfs.sha256` for LFS files), as the tree would list them; None when the answer does
    not carry them all (no file metadata, an odd entry) or holds `limit` files or more (a list
    that long may be cut: the tree pages through it)."""
    if not isinstance(value, list) or len(value) >= limit:
        return None
    files = []
    for item in value:
        if not isinstance(item, Mapping):
            return None
        path, blob, lfs = item.get("rfilename"), item.get("blobId"), item.get("lfs")
        if not isinstance(path, str) or not path or len(path) > 1000 or clean_text(path) != path:
            return None
        if not isinstance(blob, str) or not 0 < len(blob) <= 64:
            return None
        sha256 = lfs.get("sha256") if isinstance(lfs, Mapping) else None
        files.append(FileRecord(
            path=path,
            size=_count(item.get("size")),
            sha256=sha256 if isinstance(sha256, str) and len(sha256) == 64 else None,
            blob_id=blob,
        ))
    return tuple(files)


def card_body(readme: str) -> str:
    """A README without its YAML front matter."""
    text = readme.lstrip("\ufeff")
    if text.startswith("---"):
        first_newline = text.find("\n")
        end = text.find("\n---", first_newline)
        if first_newline != -1 and end != -1:
            after = text.find("\n", end + 4)
            return "" if after == -1 else text[after + 1 :]
    return text


# --- field helpers ---------------------------------------------------------------------------



def _clean(value: str, limit: int, what: str, warnings: list[str] | None) -> str:
    """`clean_text`, with a warning saying what was replaced or cut."""
    text = clean_text(value, limit)
    if text != value and warnings is not None:
        if clean_text(value) != value:
            warnings.append(f"{what} holds control characters or lone surrogates: replaced")
        if len(value) > limit:
            warnings.append(f"{what} is {len(value)} characters long: cut to {limit}")
    return text


def _sha(value: object, warnings: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _SHA.match(value):
        return value
    warnings.append(f"sha {str(value)[:80]!r} is not a commit id: ignored")
    return None


def _count(value: object) -> int:
    """A count or size: a positive int a BIGINT column holds, else 0."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return 0


def _datetime(value: object, name: str, warnings: list[str]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            warnings.append(f"{name} is not a date: {value[:40]!r}")
            return None
    else:
        warnings.append(f"{name} is a {type(value).__name__}, not a date")
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _card_parents(value: object, warnings: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        raw = [value]
    elif isinstance(value, list):
        raw = [v for v in value if isinstance(v, str)]
        if len(raw) != len(value):
            warnings.append("card base_model holds values that are not strings: ignored")
    else:
        warnings.append(f"card base_model is a {type(value).__name__}: ignored")
        return ()
    parents: list[str] = []
    for ref in raw[:_MAX_PARENTS]:
        repo_id = normalize_repo_ref(ref)
        if not is_valid_repo_id(repo_id):
            warnings.append(f"card base_model {ref[:120]!r} is not a repo id: ignored")
        elif repo_id.lower() not in {p.lower() for p in parents}:
            parents.append(repo_id)
    return tuple(parents)


def _tag_relations(tags: Iterable[str]) -> tuple[tuple[str, ...], dict[str, str | None]]:
    """`base_model:<id>` / `base_model:<relation>:<id>` tags -> (ids, {lower id: relation})."""
    names: dict[str, str] = {}
    relations: dict[str, str | None] = {}
    for tag in tags:
        if not tag.startswith("base_model:"):
            continue
        word, sep, repo_id = tag[len("base_model:") :].partition(":")
        if not sep:
            word, repo_id = "", word
        if not is_valid_repo_id(repo_id):
            continue
        key = repo_id.lower()
        names.setdefault(key, repo_id)
        if word:
            relations[key] = word
        else:
            relations.setdefault(key, None)
    return tuple(names.values()), relations


def _license(card: Mapping[str, Any], tags: list[str], warnings: list[str]) -> dict[str, object]:
    raw: dict[str, object] = {}
    for key in ("license", "license_name", "license_link"):
        value = card.get(key)
        if isinstance(value, str):
            raw[key] = _clean(value, 200, f"card {key}", warnings)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            raw[key] = [_clean(v, 200, f"card {key}", warnings) for v in value[:10]]
        elif value is not None:
            warnings.append(f"card {key} is a {type(value).__name__}: ignored")
    tag = next((t[len("license:") :] for t in tags if t.startswith("license:")), None)
    if tag:
        raw["tag"] = clean_text(tag, 200)
    return raw


def _siblings(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    names = []
    for item in value:
        name = item.get("rfilename") if isinstance(item, Mapping) else None
        if isinstance(name, str):
            names.append(name)
    return tuple(names)


def _safetensors(value: object, warnings: list[str] | None = None) -> dict[str, object] | None:
    if not isinstance(value, Mapping):
        return None
    params = value.get("parameters")
    clean = {k: _count(v) for k, v in params.items()} if isinstance(params, Mapping) else {}
    total = _count(value.get("total")) or sum(clean.values())
    names = {k: _clean(str(k), 40, "a safetensors dtype", warnings) for k in clean}
    return {"parameters": {names[k]: v for k, v in clean.items()}, "total": total}


def _gguf(value: object, warnings: list[str] | None = None) -> dict[str, object] | None:
    if not isinstance(value, Mapping):
        return None
    out: dict[str, object] = {"total": _count(value.get("total"))}
    for key in ("architecture", "context_length"):
        item = value.get(key)
        if isinstance(item, str):
            out[key] = _clean(item, 100, f"gguf {key}", warnings)
        elif isinstance(item, int) and not isinstance(item, bool):
            out[key] = item
    return out


def _extra(
    data: Mapping[str, Any],
    card: Mapping[str, Any],
    card_parents: tuple[str, ...],
    card_relation: str | None,
    warnings: list[str] | None = None,
) -> dict[str, object]:
    extra: dict[str, object] = {}
    for key in ("author", "library_name", "pipeline_tag"):
        if isinstance(data.get(key), str):
            extra[key] = _clean(data[key], 200, key, warnings)
    if data.get("disabled") is True:
        extra["disabled"] = True
    if card_parents:
        extra["base_model"] = list(card_parents)
    if card_relation:
        extra["base_model_relation"] = card_relation[:40]
    return extra


def sibling_names(value: object) -> list[str] | None:
    """File names from a listing's `siblings` (ModelInfo objects or the raw JSON)."""
    if not isinstance(value, (list, tuple)):
        return None
    names = []
    for s in value:
        name = s.get("rfilename") if isinstance(s, Mapping) else getattr(s, "rfilename", None)
        if isinstance(name, str) and name:
            names.append(name)
    return names


def item_field(info: Any, name: str) -> Any:
    """A field of a listing item, a huggingface_hub ModelInfo or the raw JSON dict."""
    if isinstance(info, Mapping):
        return info.get(name)
    return getattr(info, name, None)
