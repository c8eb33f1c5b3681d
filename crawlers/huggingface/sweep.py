"""The Hub sweep's side of the wire: the listing query, and one listing item -> a light row.

`tracker sweep` (tracker/sweep.py) pages through `GET /api/models` sorted by lastModified,
newest first, 1,000 items a page, asking (`expand`) only for the fields a light row keeps, so
one request lists 1,000 models. `parse_item` maps an item to a `SweptModel` and reads its
declared parents from the Hub's `base_model:<relation>:<id>` tags (direct parents only, the
Hub's own reading of the card). Pure functions: the paging, retries and quota are the Hugging
Face crawler's (`HuggingFaceCrawler.get_page`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from crawlers.base import is_valid_repo_id

PAGE = 1000
SWEEP_EXPAND = (
    "sha",
    "createdAt",
    "lastModified",
    "tags",
    "library_name",
    "pipeline_tag",
    "config",
    "gguf",
    "safetensors",
    "gated",
)
# The Hub's relation words in `base_model:<relation>:<id>` -> ours (SPEC's vocabulary).
HUB_RELATIONS = {
    "quantized": "quantization",
    "finetune": "finetune",
    "adapter": "adapter",
    "merge": "merge",
}
_MAX_TEXT = 100  # library, pipeline, license, architecture: short vocabulary words


def first_page(limit: int = PAGE) -> str:
    """Path and query of the sweep's first page (newest change first)."""
    query = [("sort", "lastModified"), ("direction", "-1"), ("limit", str(limit))]
    query += [("expand", e) for e in SWEEP_EXPAND]
    return "/api/models?" + urlencode(query)


@dataclass(frozen=True, slots=True)
class SweptModel:
    """A light row: what one listing item says of one model."""

    repo_id: str
    sha: str | None
    created_at: str | None
    last_modified: str | None
    library: str
    pipeline: str
    license: str
    architectures: tuple[str, ...]
    model_type: str
    gguf_arch: str
    parameters: int
    gated: str  # "" (open), "auto", "manual"
    tags: tuple[str, ...]  # without base_model:, license: and region: tags
    parents: tuple[tuple[str, str], ...]  # (parent repo id, relation)

    @property
    def key(self) -> str:
        return self.repo_id.lower()

    def fingerprint(self) -> str:
        """A short hash of every stored field: an unchanged model is not written again."""
        text = "\x1f".join(
            (
                self.repo_id,
                self.sha or "",
                self.created_at or "",
                self.last_modified or "",
                self.library,
                self.pipeline,
                self.license,
                ",".join(self.architectures),
                self.model_type,
                self.gguf_arch,
                str(self.parameters),
                self.gated,
                ",".join(self.tags),
                ";".join(f"{p}>{r}" for p, r in self.parents),
            )
        )
        return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()


def parse_item(item: object) -> SweptModel | None:
    """A listing item (the Hub's JSON) -> a SweptModel; None when it names no valid repo.

    Never raises on odd data: a field of the wrong type is read as absent.
    """
    if not isinstance(item, Mapping):
        return None
    repo_id = item.get("id") or item.get("modelId")
    if not isinstance(repo_id, str) or not is_valid_repo_id(repo_id):
        return None
    config = item.get("config")
    config = config if isinstance(config, Mapping) else {}
    archs = config.get("architectures")
    architectures = (
        tuple(_word(a) for a in archs if isinstance(a, str) and _word(a))
        if isinstance(archs, list)
        else ()
    )
    gguf = item.get("gguf")
    gguf = gguf if isinstance(gguf, Mapping) else {}
    st = item.get("safetensors")
    st = st if isinstance(st, Mapping) else {}
    params = _parameters(gguf, st)
    tags, parents, license_ = _read_tags(item.get("tags"))
    gated = item.get("gated")
    sha = item.get("sha")
    return SweptModel(
        repo_id=repo_id,
        sha=sha if isinstance(sha, str) and 0 < len(sha) <= 64 else None,
        created_at=_iso(item.get("createdAt")),
        last_modified=_iso(item.get("lastModified")),
        library=_word(item.get("library_name")),
        pipeline=_word(item.get("pipeline_tag")),
        license=license_,
        architectures=architectures,
        model_type=_word(config.get("model_type")),
        gguf_arch=_word(gguf.get("architecture")),
        parameters=params if 0 <= params < 2**63 else 0,
        gated=gated
        if isinstance(gated, str) and gated in ("auto", "manual")
        else ("manual" if gated is True else ""),
        tags=tags,
        parents=parents,
    )


def _parameters(gguf: Mapping[str, object], st: Mapping[str, object]) -> int:
    """The parameter count, as crawlers.content.effective_parameters reads it: GGUF's total,
    else safetensors' stored elements with packed 4-bit dtypes scaled back (I32 x8, U8 x2),
    so a GPTQ of a 314B model is stored at 314B and found at the family's scale."""
    total = gguf.get("total")
    if total.__class__ is int and total > 0:
        return total
    per_dtype = st.get("parameters")
    if isinstance(per_dtype, Mapping) and per_dtype:
        n = sum(
            v * _PACKED.get(str(k).upper(), 1)
            for k, v in per_dtype.items()
            if v.__class__ is int and v > 0
        )
        if n > 0:
            return n
    total = st.get("total")
    return total if total.__class__ is int and total > 0 else 0


_PACKED = {"I32": 8, "U8": 2}


def _read_tags(value: object) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]:
    """(plain tags, declared parents, license) from the Hub's tags."""
    if not isinstance(value, list):
        return (), (), ""
    plain: list[str] = []
    related: dict[str, str] = {}
    bare: list[str] = []
    license_ = ""
    for tag in value:
        if tag.__class__ is not str or not tag:
            continue
        if tag[0] == "b" and tag.startswith("base_model:"):
            rest = tag[11:]
            word, sep, parent = rest.partition(":")
            if sep and word in HUB_RELATIONS and is_valid_repo_id(parent):
                related.setdefault(parent, HUB_RELATIONS[word])
            elif is_valid_repo_id(rest):
                bare.append(rest)
        elif tag[0] == "l" and tag.startswith("license:"):
            license_ = license_ or _word(tag[8:])
        elif not tag.startswith("region:") and len(tag) <= _MAX_TEXT and tag.isprintable():
            plain.append(tag.replace(",", " ") if "," in tag else tag)
    for parent in bare:  # a parent named without a relation: derived, kind unknown
        related.setdefault(parent, "other")
    seen: set[str] = set()
    parents = []
    for parent, relation in related.items():
        if parent.lower() not in seen:
            seen.add(parent.lower())
            parents.append((parent, relation))
    return tuple(plain), tuple(parents), license_


def _word(value: object) -> str:
    if value.__class__ is not str:
        return ""
    if not value.isprintable():  # controls, lone surrogates: dropped (rare: the slow path)
        value = "".join(c for c in value if c.isprintable() and not "\ud800" <= c <= "\udfff")
    return value[:_MAX_TEXT]


def _iso(value: object) -> str | None:
    """The Hub's ISO time as comparable text (`2024-03-18T00:00:00.000Z`), or None."""
    if not isinstance(value, str):
        return None
    if len(value) == 24 and value[10] == "T" and value[-1] == "Z":
        return value  # the Hub's own form: the fast path for millions of items
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"
