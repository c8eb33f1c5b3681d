"""A whole Hub in miniature for the sweep: `Population`, n light models made by formula.

`tracker sweep` lists every model of the Hub; tests need 100,000 models and the benchmark a
million, generated in a second or two and served fast. A `Population` keeps per model only an
index, a kind, its parents and a version; each listing item is built when served. Model i was
last modified `step` seconds before model i-1, so index order is the listing's order (newest
first) until models are touched or added (then they lead, newest first).

Kinds (fixed shares, deterministic): members of declared families under a few real base models
(a tree, some merges with two parents), lookalikes named like Grok on another architecture,
undeclared Grok derivatives named without "grok" (Grok's config architecture at Grok's scale),
tiny random models with Grok's architecture (not at Grok's scale), and noise. `expected_edges`
and `family` give the exact answers tests compare with.

`serve_sorted` answers `GET /api/models?sort=lastModified` for tests/fakes/hf_hub.py, merging
the population with the hub's World; its cursor is a key (lastModified, id), like the Hub's,
so models touched during a sweep do not shift the pages still to come.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

BASES = (
    ("meta-llama/Llama-3.1-8B", "LlamaForCausalLM", "llama", 8_030_000_000),
    ("mistralai/Mistral-7B-v0.1", "MistralForCausalLM", "mistral", 7_240_000_000),
    ("Qwen/Qwen2.5-7B", "Qwen2ForCausalLM", "qwen2", 7_620_000_000),
    ("google/gemma-2-9b", "Gemma2ForCausalLM", "gemma2", 9_240_000_000),
)
FAMILY, LOOKALIKE, UNDECLARED, TINY, NOISE, BASE = range(6)
# picked by (i // 4) % 4: i % 4 already decides the family
_RELATIONS = ("quantized", "finetune", "adapter", "finetune")
NEWEST = datetime(2026, 11, 30, tzinfo=UTC).timestamp()


_DAYS: dict[int, str] = {}


def _stamp(ts: float) -> str:
    """`2026-11-29T23:59:53.000Z` for a whole-second timestamp (strftime is too slow here)."""
    day, second = divmod(int(ts), 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
    hour, rest = divmod(second, 3600)
    return f"{date}T{hour:02d}:{rest // 60:02d}:{rest % 60:02d}.000Z"


class Population:
    """`n` generated models (plus `add`ed ones); safe to change between requests."""

    def __init__(self, n: int, *, step: int = 7, seed: int = 1, grok_shaped: bool = True) -> None:
        self.step = step
        self.grok_shaped = grok_shaped  # False: no Grok-shaped kinds (they have no files)
        self.kind = bytearray(n)
        self.parents: list[tuple[int, ...]] = [()] * n
        self.family_of: dict[int, int] = {}
        self.version: dict[int, int] = {}  # touched models -> version (default 0)
        self.recent: dict[int, str] = {}  # touched or added models -> their lastModified
        self._clock = NEWEST
        members: list[list[int]] = [[] for _ in BASES]
        for i in range(n):
            self._make(i, seed, members)
        self._members = members
        self._seed = seed

    def __len__(self) -> int:
        return len(self.kind)

    def _make(self, i: int, seed: int, members: list[list[int]]) -> None:
        if i < len(BASES):
            self.kind[i] = BASE
            self.family_of[i] = i
            members[i].append(i)
            return
        r = (i * 2654435761 + seed * 97) % 1000
        if r < 300:
            f = r % len(BASES)
            group = members[f]
            h = (i * 40503 + seed) & 0xFFFFFFFF
            parents = (group[h % len(group)],)
            if i % 50 == 0 and len(group) > 2:  # a merge of two members
                other = group[(h >> 8) % len(group)]
                if other != parents[0]:
                    parents = (parents[0], other)
            self.kind[i], self.parents[i] = FAMILY, parents
            self.family_of[i] = f
            group.append(i)
        elif r < 303:
            self.kind[i] = LOOKALIKE
        elif r < 304 and self.grok_shaped:
            self.kind[i] = UNDECLARED
        elif r < 305 and self.grok_shaped:
            self.kind[i] = TINY
        else:
            self.kind[i] = NOISE

    # --- identity and JSON ---------------------------------------------------------------------

    def repo_id(self, i: int) -> str:
        k = self.kind[i]
        if k == BASE:
            return BASES[i][0]
        if k == FAMILY:
            base = BASES[self.family_of[i]][0].split("/")[1]
            return f"user{i % 4999}/{base}-ft-{i}"
        if k == LOOKALIKE:
            return f"fan{i % 307}/grok-lookalike-{i}"
        if k == UNDECLARED:
            return f"anon{i % 53}/moe-314b-int4-{i}"
        if k == TINY:
            return f"tiny{i % 11}/moe-tiny-random-{i}"
        return f"org{i % 19997}/model-{i}"

    def last_modified(self, i: int) -> str:
        return self.recent.get(i) or _stamp(NEWEST - 86400 - i * self.step)

    def item(self, i: int) -> dict[str, Any]:
        """Model i as the Hub's listing renders it (every field a sweep asks for)."""
        k = self.kind[i]
        rid = self.repo_id(i)
        version = self.version.get(i, 0)
        tags = ["transformers", "safetensors", "text-generation", "region:us"]
        config: dict[str, Any] = {}
        gguf = None
        total = 0
        if k in (BASE, FAMILY):
            _, arch, mtype, total = BASES[self.family_of[i]]
            config = {"architectures": [arch], "model_type": mtype}
            relation = "merge" if len(self.parents[i]) > 1 else _RELATIONS[(i // 4) % 4]
            if relation == "quantized":
                config, gguf = {}, {"architecture": mtype, "total": total}
            for p in self.parents[i]:
                parent = self.repo_id(p)
                tags += [f"base_model:{parent}", f"base_model:{relation}:{parent}"]
        elif k == LOOKALIKE:
            config, total = {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}, 8 << 30
        elif k in (UNDECLARED, TINY):
            config = {"architectures": ["Grok1ModelForCausalLM"], "model_type": "grok-1"}
            total = 314_000_000_000 if k == UNDECLARED else 1_000_000
            if k == UNDECLARED and (i // 1000) % 2:  # i alone: one residue class
                config, gguf = {}, {"architecture": "grok", "total": 316_000_000_000}
        else:
            config = {"architectures": ["BertModel"], "model_type": "bert"}
            total = 110_000_000
        tags.append("license:apache-2.0" if i % 3 else "license:mit")
        item: dict[str, Any] = {
            "_id": f"{i:024x}",
            "id": rid,
            "modelId": rid,
            "sha": f"{i:032x}{version:08x}",
            "lastModified": self.last_modified(i),
            "createdAt": _stamp(NEWEST - 2 * 86400 - i * self.step),
            "tags": tags,
            "library_name": "transformers",
            "pipeline_tag": "text-generation",
            "config": config,
            "gated": False,
            "private": False,
            "downloads": i % 1000,
            "likes": i % 10,
        }
        if gguf is not None:
            item["gguf"] = gguf
        elif total:
            item["safetensors"] = {"parameters": {"BF16": total}, "total": total}
        return item

    # --- changes -------------------------------------------------------------------------------

    def _tick(self) -> str:
        self._clock += 1
        return _stamp(self._clock)

    def touch(self, indices: Iterable[int]) -> None:
        """A new commit on each: new sha, lastModified now (it moves to the listing's top)."""
        for i in indices:
            self.version[i] = self.version.get(i, 0) + 1
            self.recent[i] = self._tick()

    def add(self, n: int) -> list[int]:
        """`n` new models, newer than everything listed so far."""
        start = len(self.kind)
        self.kind.extend(bytes(n))
        self.parents.extend([()] * n)
        for i in range(start, start + n):
            self._make(i, self._seed, self._members)
            self.recent[i] = self._tick()
        return list(range(start, start + n))

    # --- answers -------------------------------------------------------------------------------

    def expected_edges(self) -> set[tuple[str, str, str]]:
        """(child key, parent key, relation in SPEC words) of every declared edge."""
        words = {
            "quantized": "quantization",
            "finetune": "finetune",
            "adapter": "adapter",
            "merge": "merge",
        }
        out = set()
        for i, parents in enumerate(self.parents):
            if parents:
                relation = "merge" if len(parents) > 1 else _RELATIONS[(i // 4) % 4]
                for p in parents:
                    out.add((self.repo_id(i).lower(), self.repo_id(p).lower(), words[relation]))
        return out

    def family(self, f: int) -> set[str]:
        """Ids of base f and every declared descendant."""
        return {self.repo_id(i) for i in self._members[f]}

    def of_kind(self, kind: int) -> list[str]:
        return [self.repo_id(i) for i in range(len(self.kind)) if self.kind[i] == kind]

    # --- listing -------------------------------------------------------------------------------

    def desc_from(self, before: tuple[str, str] | None) -> Iterator[tuple[str, str, Any]]:
        """(lastModified, id, ref) newest first, strictly after the cursor key `before`."""
        recent = sorted(((lm, self.repo_id(i), i) for i, lm in self.recent.items()), reverse=True)
        head = (t for t in recent if before is None or (t[0], t[1]) < before)
        return heapq.merge(head, self._base_from(before), reverse=True)

    def _base_from(self, before: tuple[str, str] | None) -> Iterator[tuple[str, str, Any]]:
        n = len(self.kind)
        lo = 0
        if before is not None:  # base model i has lastModified decreasing in i: bisect
            hi = n
            while lo < hi:
                mid = (lo + hi) // 2
                key = (_stamp(NEWEST - 86400 - mid * self.step), self.repo_id(mid))
                if key < before:
                    hi = mid
                else:
                    lo = mid + 1
        for i in range(lo, n):
            if i not in self.recent:
                yield _stamp(NEWEST - 86400 - i * self.step), self.repo_id(i), i

    def query(self, filters: list[str], search: str | None, author: str | None) -> list[int]:
        """Indices matching a filtered listing (tags AND, search in the id, author)."""
        needle = search.lower() if search else None
        owner = author.lower() + "/" if author else None
        lineage_only = any(f.startswith("base_model:") for f in filters)
        out = []
        for i in range(len(self.kind)):
            if lineage_only and self.kind[i] != FAMILY:
                continue  # only family members carry base_model tags
            rid = self.repo_id(i).lower()
            if needle and needle not in rid or owner and not rid.startswith(owner):
                continue
            if filters and not set(filters) <= set(self.item(i)["tags"]):
                continue
            out.append(i)
        return out


def serve_sorted(
    world: Any,
    population: Population | None,
    query: dict[str, list[str]],
    size: int,
    fields: list[str],
    json_of: Any,
    pick: Any,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of `sort=lastModified` (newest first) over the World and the Population:
    the items, and the cursor of the next page (None on the last)."""
    before = _decode(query.get("cursor", [None])[0])
    filters, search = query.get("filter", []), (query.get("search") or [None])[0]
    author = (query.get("author") or [None])[0]
    repos = world.query(filters, search, author)
    mine = sorted(((_lm(json_of(r)), r.id, r) for r in repos), reverse=True)
    sources = [(t for t in mine if before is None or (t[0], t[1]) < before)]
    if population is not None:
        if filters or search or author:
            sources.append(
                iter(
                    sorted(
                        (
                            (population.last_modified(i), population.repo_id(i), i)
                            for i in population.query(filters, search, author)
                        ),
                        reverse=True,
                    )
                )
            )
            sources[-1] = (t for t in sources[-1] if before is None or (t[0], t[1]) < before)
        else:
            sources.append(population.desc_from(before))
    page = list(
        itertools.islice(heapq.merge(*sources, key=lambda t: (t[0], t[1]), reverse=True), size + 1)
    )
    items = []
    for _, _, ref in page[:size]:
        data = population.item(ref) if isinstance(ref, int) else json_of(ref)
        items.append(pick(data, fields))
    cursor = _encode(page[size - 1][:2]) if len(page) > size else None
    return items, cursor


def _lm(data: dict[str, Any]) -> str:
    value = data.get("lastModified")
    return value if isinstance(value, str) else ""


def _encode(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _decode(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    try:
        lm, rid = json.loads(base64.urlsafe_b64decode(value.encode()))
        return str(lm), str(rid)
    except (ValueError, TypeError):
        return None
