"""The Hub sweep's side of the wire: the listing query, and one listing item -> a light row.

`tracker sweep` (tracker/sweep.py) pages through `GET /api/models` sorted by lastModified,
newest first, 1,000 items a page, asking (`expand`) only for the fields a light row keeps, so
one request lists 1,000 models. `parse_item` maps an item to a `SweptModel` and reads its
declared parents from the Hub's `base_model:<relation>:<id>` tags (direct parents only, the
Hub's own reading of the card). Pure functions: the paging, retries and quota are the Hugging
Face crawler's (`HuggingFaceCrawler.get_page`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from crawlers.base import is_valid_repo_id
from crawlers.content import PACKED

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


def page_limit(path: str) -> int | None:
    """The page size a listing path asks for (its `limit`), None when it names none."""
    values = [v for k, v in parse_qsl(urlsplit(path).query) if k == "limit"]
    return int(values[-1]) if values and values[-1].isdigit() else None


def with_limit(path: str, limit: int | None) -> str:
    """`path` asking for `limit` items a page (no `limit` at all when None), all else kept."""
    split = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if k != "limit"]
    if limit is not None:
        query.append(("limit", str(limit)))
    return split.path + "?" + urlencode(query)


def cursor_of(path: str) -> str:
    """What says where in the listing a page starts: the Hub's `cursor` parameter, or the
    whole path of a link that has none. Two links with the same cursor ask for the same page
    whatever else differs (a parameter that changes each time, the page size)."""
    cursors = [v for k, v in parse_qsl(urlsplit(path).query) if k == "cursor"]
    return "cursor=" + cursors[-1] if cursors else path


class SweptModel(NamedTuple):
    """A light row: what one listing item says of one model. (A named tuple: a million of
    them are made per million models swept, and a tuple is built in a third of a frozen
    dataclass's time.)"""

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
        """A short hash of every stored field: an unchanged model is not written again.
        (Stored: the text hashed must stay as it is, or every row is rewritten once.)"""
        (repo_id, sha, created, modified, library, pipeline, license_, archs, model_type,
         gguf_arch, parameters, gated, tags, parents) = self  # fmt: skip
        text = "\x1f".join(
            (
                repo_id,
                sha or "",
                created or "",
                modified or "",
                library,
                pipeline,
                license_,
                ",".join(archs),
                model_type,
                gguf_arch,
                str(parameters),
                gated,
                ",".join(tags),
                ";".join([f"{p}>{r}" for p, r in parents]) if parents else "",
            )
        )
        return blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()


_EMPTY: Mapping[str, object] = {}


def _mapping(value: object) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one (a plain dict tested first: the ABC
    check costs a microsecond, and an item has five of them)."""
    if value.__class__ is dict or value is not None and isinstance(value, Mapping):
        return value
    return _EMPTY  # (None, a field the Hub left out, first: the ABC check is dearer)


def parse_item(item: object) -> SweptModel | None:
    """A listing item (the Hub's JSON) -> a SweptModel; None when it names no valid repo.

    Never raises on odd data: a field of the wrong type is read as absent. Run for every model
    of the Hub, so written for speed: exact class tests before ABC ones, a tuple by position,
    tags read through a memo of what each tag means.
    """
    if item.__class__ is not dict and not isinstance(item, Mapping):
        return None
    get = item.get
    repo_id = get("id") or get("modelId")
    if not is_valid_repo_id(repo_id):
        return None
    config = _mapping(get("config"))
    archs = config.get("architectures")
    architectures = (
        tuple([w for a in archs if a.__class__ is str and (w := _word(a))])
        if archs.__class__ is list or isinstance(archs, list)
        else ()
    )
    gguf = _mapping(get("gguf"))
    params = _parameters(gguf, get("safetensors"))
    tags, parents, license_ = _read_tags(get("tags"))
    gated = get("gated")
    sha = get("sha")
    return _new_model(
        SweptModel,
        (
            repo_id,
            sha if isinstance(sha, str) and 0 < len(sha) <= 64 else None,
            _iso(get("createdAt")),
            _iso(get("lastModified")),
            _word(get("library_name")),
            _word(get("pipeline_tag")),
            license_,
            architectures,
            _word(config.get("model_type")),
            _word(gguf.get("architecture")),
            params if 0 <= params < 2**63 else 0,
            gated
            if isinstance(gated, str) and gated in _GATES
            else ("manual" if gated is True else ""),
            tags,
            parents,
        ),
    )


_new_model = tuple.__new__  # a SweptModel from a tuple, without NamedTuple's __new__ call
_GATES = ("auto", "manual")


def _parameters(gguf: Mapping[str, object], safetensors: object) -> int:
    """The parameter count, as crawlers.content.effective_parameters reads it: GGUF's total,
    else safetensors' stored elements with packed 4-bit dtypes scaled back (content.PACKED),
    so a GPTQ or MLX 4-bit copy of a 314B model is stored at 314B, found at the family's
    scale."""
    total = gguf.get("total")
    if total.__class__ is int and total > 0:
        return total
    st = _mapping(safetensors)
    per_dtype = st.get("parameters")
    if (per_dtype.__class__ is dict or isinstance(per_dtype, Mapping)) and per_dtype:
        n = 0
        for k, v in per_dtype.items():
            if v.__class__ is int and v > 0:
                scale = _SCALE.get(k) if k.__class__ is str else None
                if scale is None:
                    scale = PACKED.get(str(k).upper(), 1)
                n += v * scale
        if n > 0:
            return n
    total = st.get("total")
    return total if total.__class__ is int and total > 0 else 0


# the dtype names the Hub writes, with their scale (others: upper-cased, then PACKED)
_SCALE = {k: PACKED.get(k, 1) for k in ("F64", "F32", "F16", "BF16", "I64", "I32", "I16",
                                         "I8", "U32", "U8", "BOOL", "F8_E4M3", "F8_E5M2")}

# What one tag says, by its text: the same few dozen words ("transformers", "license:mit",
# "region:us", a popular base model) are on most of the Hub's 3 million models, and working
# each out again cost a third of `parse_item`. Bounded: cleared when full.
_PLAIN, _RELATED, _BARE, _LICENSE, _DROPPED = range(5)
_TAG_MEMO: dict[str, tuple[int, str, str]] = {}
_TAG_MEMO_SIZE = 65_536


def _tag_meaning(tag: str) -> tuple[int, str, str]:
    """(what the tag is, its text as kept, the relation of a declared parent)."""
    first = tag[0]
    if first == "b" and tag.startswith("base_model:"):
        rest = tag[11:]
        word, sep, parent = rest.partition(":")
        if sep and word in HUB_RELATIONS and is_valid_repo_id(parent):
            return _RELATED, parent, HUB_RELATIONS[word]
        if is_valid_repo_id(rest):
            return _BARE, rest, ""
        return _DROPPED, "", ""
    if first == "l" and tag.startswith("license:"):
        return _LICENSE, _word(tag[8:]), ""
    if (first != "r" or not tag.startswith("region:")) and len(tag) <= _MAX_TEXT:
        if tag.isprintable():
            return _PLAIN, tag.replace(",", " ") if "," in tag else tag, ""
    return _DROPPED, "", ""


def _read_tags(value: object) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]:
    """(plain tags, declared parents, license) from the Hub's tags."""
    if value.__class__ is not list and not isinstance(value, list):
        return (), (), ""
    memo = _TAG_MEMO
    plain: list[str] = []
    related: dict[str, str] = {}
    bare: list[str] = []
    license_ = ""
    for tag in value:
        if tag.__class__ is not str or not tag:
            continue
        meaning = memo.get(tag)
        if meaning is None:
            meaning = _tag_meaning(tag)
            if len(memo) >= _TAG_MEMO_SIZE:
                memo.clear()
            memo[tag] = meaning
        kind, text, relation = meaning
        if kind == _PLAIN:
            plain.append(text)
        elif kind == _RELATED:
            related.setdefault(text, relation)
        elif kind == _BARE:
            bare.append(text)
        elif kind == _LICENSE:
            license_ = license_ or text
    if not related and not bare:
        return tuple(plain), (), license_
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


# The only time forms read: the Hub's own (`2024-03-18T00:00:00.000Z`) and RFC 3339 with an
# offset. datetime.fromisoformat alone also takes week dates ("2025-W52-1"), decimal commas
# and bare dates, and kept the Hub's form verbatim: such text sorts among real times where it
# does not belong, as a watermark or as the point a sweep stops at.
_HUB_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", re.ASCII)
_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})", re.ASCII
)


def _iso(value: object) -> str | None:
    """The Hub's ISO time as comparable text (`2024-03-18T00:00:00.000Z`), or None when it is
    not a real time in one of the forms above (month 99, a week date, a bare date)."""
    if not isinstance(value, str):
        return None
    text = value
    hub_form = _HUB_TIME.fullmatch(text) is not None  # the fast path for millions of items
    if not hub_form and _TIME.fullmatch(text) is None:
        return None
    try:
        # checked even in the Hub's own form: "2026-99-99T..." sorts above every real date
        # and, taken as the watermark, would end later sweeps before what changed
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if hub_form:
        return text  # already comparable text
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return f"{parsed.year:04d}" + parsed.strftime("-%m-%dT%H:%M:%S.") + (
        f"{parsed.microsecond // 1000:03d}Z"
    )
