"""The data a fake Hugging Face Hub serves: repositories as plain Python objects, and builders.

A `World` holds `FakeRepo`s and answers the questions the Hub's API asks of its database: the
repo behind an id (following renames), the repos carrying a set of tags (indexed, so
`filter=base_model:X` costs O(children of X) even with 50,000 repos), and each repo's JSON the
way the Hub renders it. The Hub's own derived data is derived here the same way: the
`base_model:<parent>` and `base_model:<relation>:<parent>` tags from the card's `base_model` and
`base_model_relation` (guessed like the Hub when absent), `license:` tags, format tags from
file names, the README.md built from card metadata + card text.

Builders: `synthetic_family()` (a big declared family for the benchmarks) and
`unrelated_models()` (noise, some of it named like Grok).
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

HUB_RELATIONS = ("adapter", "merge", "quantized", "finetune")
# What `expand=` may ask for on a listing; the Hub answers 400 to the rest.
LISTING_EXPAND = frozenset(
    "author cardData config createdAt disabled downloads downloadsAllTime gated gguf inference "
    "lastModified library_name likes mask_token model-index pipeline_tag private resourceGroup "
    "safetensors sha siblings spaces tags transformersInfo trendingScore widgetData "
    "evalResults inferenceProviderMapping".split()
)
INFO_ONLY_EXPAND = frozenset({"baseModels", "childrenModelCount", "usedStorage"})
# The fields of a listing item when no expand is given (what huggingface.co answers).
LISTING_DEFAULT = (
    "likes trendingScore private downloads tags pipeline_tag library_name createdAt modelId"
).split()
# Files the Hub serves even to users who have not been granted a gated repo.
GATED_PUBLIC_FILES = frozenset({"README.md", ".gitattributes"})

_FORMAT_SUFFIXES = (
    (".safetensors", "safetensors"),
    (".gguf", "gguf"),
    (".bin", "pytorch"),
    (".pt", "pytorch"),
    (".pth", "pytorch"),
    (".onnx", "onnx"),
    (".msgpack", "jax"),
    (".h5", "tf"),
)


def _hex(*parts: object, n: int = 40) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:n]


@dataclass
class FakeFile:
    """One file. `sha256` set = stored in LFS (the tree shows `lfs.oid`); `content` is served
    by `/resolve/` (None: README.md and config.json are generated, other files are empty)."""

    path: str
    size: int = 0
    sha256: str | None = None
    content: bytes | None = None

    @property
    def blob_id(self) -> str:
        if self.content is not None and self.sha256 is None:
            header = f"blob {len(self.content)}\0".encode()
            return hashlib.sha1(header + self.content).hexdigest()  # noqa: S324 - git's oid
        return _hex("blob", self.path, self.size, self.sha256)

    def to_tree_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"type": "file", "oid": self.blob_id, "size": self.size}
        if self.sha256 is not None:
            item["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": 134}
        item["path"] = self.path
        return item


@dataclass
class FakeRepo:
    """One model repository as the Hub stores it.

    `card` is the README's YAML metadata (the API's `cardData`), `card_text` the body under
    it. `renamed_from` lists former ids (they answer with a 307 to this one). `deleted` repos
    answer 404 RepoNotFound everywhere; with `still_listed` the listing index has not caught up
    yet (a repo deleted between listing and fetching). `json_overrides` replaces fields of the
    rendered JSON verbatim, for bad-data tests (`{"cardData": 42}`).
    """

    id: str
    sha: str = ""
    card: dict[str, Any] = field(default_factory=dict)
    card_text: str = ""
    config: dict[str, Any] | None = None
    gguf: dict[str, Any] | None = None
    safetensors: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)
    library_name: str | None = None
    pipeline_tag: str | None = None
    downloads: int = 0
    likes: int = 0
    gated: bool | str = False
    created_at: str = "2024-03-18T00:00:00.000Z"
    last_modified: str = "2024-03-18T00:00:00.000Z"
    files: list[FakeFile] = field(default_factory=list)
    renamed_from: list[str] = field(default_factory=list)
    deleted: bool = False
    still_listed: bool = False
    hub_relation: str | None = None  # force the Hub's guessed relation
    json_overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.sha:
            self.sha = _hex("commit", self.id)

    # --- what the Hub derives -------------------------------------------------------------

    def declared_parents(self) -> list[str]:
        base = self.card.get("base_model")
        if isinstance(base, str):
            return [base]
        if isinstance(base, list):
            return [b for b in base if isinstance(b, str)]
        return []

    def hub_relation_word(self) -> str:
        """The relation the Hub puts in `base_model:<relation>:<parent>`, guessing like it."""
        if self.hub_relation:
            return self.hub_relation
        declared = self.card.get("base_model_relation")
        if declared in HUB_RELATIONS:
            return declared
        if len(set(self.declared_parents())) > 1:
            return "merge"
        names = [f.path.rsplit("/", 1)[-1] for f in self.files]
        if "adapter_config.json" in names:
            return "adapter"
        if any(n.endswith((".gguf", ".onnx")) for n in names) or {"gptq", "awq", "exl2"} & set(
            self.tags
        ):
            return "quantized"  # the Hub calls ONNX exports quantized too (hub-facts.md)
        return "finetune"

    def hub_tags(self) -> list[str]:
        tags: list[str] = []
        card_tags = self.card.get("tags")
        if isinstance(card_tags, list):
            tags += [t for t in card_tags if isinstance(t, str)]
        library = self.library_name or self.card.get("library_name")
        if isinstance(library, str):
            tags.append(library)
        for f in self.files:
            for suffix, fmt in _FORMAT_SUFFIXES:
                if f.path.endswith(suffix):
                    tags.append(fmt)
        if self.config and isinstance(self.config.get("model_type"), str):
            tags.append(self.config["model_type"])
        tags += self.tags
        parents = self.declared_parents()
        if parents:
            relation = self.hub_relation_word()
            for parent in parents:
                tags += [f"base_model:{parent}", f"base_model:{relation}:{parent}"]
        license_ = self.card.get("license")
        for value in license_ if isinstance(license_, list) else [license_]:
            if isinstance(value, str):
                tags.append(f"license:{value}")
        tags.append("region:us")
        return list(dict.fromkeys(tags))

    def readme(self) -> bytes:
        if not self.card:
            return self.card_text.encode()
        meta = yaml.safe_dump(self.card, sort_keys=False, allow_unicode=True)
        return f"---\n{meta}---\n{self.card_text}".encode()

    def all_files(self) -> list[FakeFile]:
        """The files, plus the README.md and config.json the Hub would hold, if not given."""
        files = list(self.files)
        paths = {f.path for f in files}
        if "README.md" not in paths and (self.card or self.card_text):
            body = self.readme()
            files.append(FakeFile("README.md", len(body), None, body))
        if "config.json" not in paths and self.config:
            body = json.dumps(self.config, indent=2).encode()
            files.append(FakeFile("config.json", len(body), None, body))
        return sorted(files, key=lambda f: f.path)

    def file(self, path: str) -> FakeFile | None:
        for f in self.all_files():
            if f.path == path:
                return f
        return None

    def to_json(self, files: list[FakeFile] | None = None) -> dict[str, Any]:
        """Every field the Hub can answer for this repo (model_info without expand, mostly)."""
        files = self.all_files() if files is None else files
        parents = self.declared_parents()  # (World caches this JSON per repo version)
        data: dict[str, Any] = {
            "_id": _hex("id", self.id, n=24),
            "id": self.id,
            "modelId": self.id,
            "author": self.id.split("/")[0] if "/" in self.id else None,
            "sha": self.sha,
            "lastModified": self.last_modified,
            "private": False,
            "disabled": False,
            "gated": self.gated,
            "pipeline_tag": self.pipeline_tag,
            "tags": self.hub_tags(),
            "downloads": self.downloads,
            "downloadsAllTime": self.downloads,
            "library_name": self.library_name or self.card.get("library_name"),
            "likes": self.likes,
            "trendingScore": 0,
            "cardData": self.card or None,
            "config": self.config if self.config is not None else {},
            "gguf": self.gguf,
            "safetensors": self.safetensors,
            "siblings": [{"rfilename": f.path} for f in files],
            "spaces": [],
            "createdAt": self.created_at,
            "usedStorage": sum(f.size for f in files),
            "baseModels": (
                {"relation": self.hub_relation_word(), "models": [{"id": p} for p in parents]}
                if parents
                else None
            ),
        }
        data.update(self.json_overrides)
        return {k: v for k, v in data.items() if v is not None}


class World:
    """Repos by id, with the indexes a listing needs. Safe to change while a hub serves it."""

    def __init__(self, repos: Iterable[FakeRepo] = ()) -> None:
        self._lock = threading.RLock()
        self._repos: dict[str, FakeRepo] = {}  # lower-cased id -> repo (ids are case-blind)
        self._aliases: dict[str, str] = {}  # lower-cased former id -> current id
        self._by_tag: dict[str, dict[str, None]] = {}  # tag -> ordered set of lower ids
        self._tags: dict[str, list[str]] = {}
        self._json: dict[str, dict[str, Any]] = {}
        self._files: dict[str, list[FakeFile]] = {}
        self.add(*repos)

    def __len__(self) -> int:
        return len(self._repos)

    def __iter__(self) -> Iterator[FakeRepo]:
        return iter(list(self._repos.values()))

    # --- changes ---------------------------------------------------------------------------

    def add(self, *repos: FakeRepo) -> None:
        with self._lock:
            for repo in repos:
                self._unindex(repo.id)
                key = repo.id.lower()
                self._repos[key] = repo
                for old in repo.renamed_from:
                    self._aliases[old.lower()] = repo.id
                self._aliases.pop(key, None)
                tags = repo.hub_tags()
                self._tags[key] = tags
                for tag in tags:
                    self._by_tag.setdefault(tag, {})[key] = None

    def update(self, repo_id: str, *, new_sha: bool = True, **changes: Any) -> FakeRepo:
        """Change fields of a repo; a new commit sha unless `sha=` is given or new_sha=False."""
        with self._lock:
            repo = self.get(repo_id)
            if repo is None:
                raise KeyError(repo_id)
            if new_sha and "sha" not in changes:
                changes["sha"] = _hex("commit", repo.id, repo.sha)
            updated = replace(repo, **changes)
            self._unindex(repo.id)
            self.add(updated)
            return updated

    def rename(self, old_id: str, new_id: str) -> FakeRepo:
        with self._lock:
            repo = self.get(old_id)
            if repo is None:
                raise KeyError(old_id)
            self._unindex(repo.id)
            moved = replace(repo, id=new_id, renamed_from=[*repo.renamed_from, repo.id])
            self.add(moved)
            return moved

    def delete(self, repo_id: str, *, still_listed: bool = False) -> None:
        self.update(repo_id, new_sha=False, deleted=True, still_listed=still_listed)

    def _unindex(self, repo_id: str) -> None:
        key = repo_id.lower()
        for tag in self._tags.pop(key, ()):
            self._by_tag.get(tag, {}).pop(key, None)
        self._json.pop(key, None)
        self._files.pop(key, None)
        self._repos.pop(key, None)

    # --- reads -----------------------------------------------------------------------------

    def get(self, repo_id: str) -> FakeRepo | None:
        """The repo stored under this id, deleted or not (no alias resolution)."""
        return self._repos.get(repo_id.lower())

    def resolve(self, repo_id: str) -> tuple[FakeRepo | None, str | None]:
        """(repo, current id if `repo_id` is a former id) for a live repo; (None, None) if gone."""
        repo = self._repos.get(repo_id.lower())
        if repo is not None:
            return (None, None) if repo.deleted else (repo, None)
        new_id = self._aliases.get(repo_id.lower())
        if new_id is not None:
            repo = self._repos.get(new_id.lower())
            if repo is not None and not repo.deleted:
                return repo, repo.id
        return None, None

    def json_of(self, repo: FakeRepo) -> dict[str, Any]:
        key = repo.id.lower()
        data = self._json.get(key)
        if data is None:
            data = self._json[key] = repo.to_json(self.files_of(repo))
        return data

    def files_of(self, repo: FakeRepo) -> list[FakeFile]:
        """`repo.all_files()`, computed once per version of the repo."""
        key = repo.id.lower()
        files = self._files.get(key)
        if files is None:
            files = self._files[key] = repo.all_files()
        return files

    def query(
        self, filters: list[str], search: str | None = None, author: str | None = None
    ) -> list[FakeRepo]:
        """Listed repos carrying every tag in `filters` (AND, like the Hub), in insertion order."""
        with self._lock:
            if filters:
                sets = sorted((self._by_tag.get(t, {}) for t in filters), key=len)
                keys = [k for k in sets[0] if all(k in s for s in sets[1:])]
            else:
                keys = list(self._repos)
            repos = [self._repos[k] for k in keys]
        needle = search.lower() if search else None
        owner = author.lower() + "/" if author else None
        return [
            r
            for r in repos
            if (not r.deleted or r.still_listed)
            and (needle is None or needle in r.id.lower())
            and (owner is None or r.id.lower().startswith(owner))
        ]


# --- builders --------------------------------------------------------------------------------

_RELATION_CYCLE = ("quantized", "finetune", None, "adapter", "finetune")


def synthetic_family(
    size: int = 10_000,
    *,
    root: str = "xai-org/grok-1",
    fanout: int = 20,
    files_per_repo: int = 5,
    seed: int = 0,
) -> list[FakeRepo]:
    """A root and `size` declared descendants, breadth-first with `fanout` children a node.

    Every descendant declares its parent in `base_model`; relations rotate through the Hub's
    words (and none, so the default applies). Each repo has LFS weight files with distinct
    sha256s, a config, a safetensors or gguf summary, and a license. A GGUF quantization is a
    leaf, as on the Hub: nobody trains from one. Deterministic for a seed.
    """
    rng = random.Random(seed)
    repos = [
        FakeRepo(
            id=root,
            card={"license": "apache-2.0", "pipeline_tag": "text-generation"},
            card_text="# Grok-1\n",
            files=_weights(root, files_per_repo, "safetensors"),
            config={"architectures": ["Grok1ModelForCausalLM"], "model_type": "grok-1"},
            safetensors={"parameters": {"BF16": 314_000_000_000}, "total": 314_000_000_000},
            downloads=5000,
            likes=2000,
        )
    ]
    queue = [root]
    head = 0
    while len(repos) <= size:
        parent = queue[head]
        head += 1
        for _ in range(fanout):
            if len(repos) > size:
                break
            n = len(repos)
            relation = _RELATION_CYCLE[n % len(_RELATION_CYCLE)]
            repo_id = f"user{n % 997}/grok-derivative-{n}"
            quant = relation == "quantized"
            card: dict[str, Any] = {"license": "apache-2.0", "base_model": parent}
            if relation:
                card["base_model_relation"] = relation
            repos.append(
                FakeRepo(
                    id=repo_id,
                    card=card,
                    card_text=f"# {repo_id}\nDerived from {parent}.\n",
                    files=_weights(repo_id, files_per_repo, "gguf" if quant else "safetensors"),
                    config={} if quant else {"architectures": ["Grok1ModelForCausalLM"]},
                    gguf={"total": 314_000_000_000, "architecture": "grok"} if quant else None,
                    safetensors=None
                    if quant
                    else {"parameters": {"BF16": 314_000_000_000}, "total": 314_000_000_000},
                    downloads=rng.randrange(10_000),
                    likes=rng.randrange(100),
                    created_at=f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T00:00:00.000Z",
                    last_modified=f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T00:00:00.000Z",
                )
            )
            if not quant:
                queue.append(repo_id)
    return repos


def _weights(repo_id: str, n: int, fmt: str) -> list[FakeFile]:
    files = [
        FakeFile(f"model-{i + 1:05d}-of-{n:05d}.{fmt}", 1 << 30, _hex("w", repo_id, i, n=64))
        for i in range(max(0, n - 1))
    ]
    files.append(FakeFile("tokenizer.json", 4_000_000, _hex("tok", repo_id, n=64)))
    return files


def unrelated_models(n: int, *, grok_named: int = 0, seed: int = 0) -> list[FakeRepo]:
    """`n` repos outside any Grok family; the first `grok_named` carry "grok" in their name."""
    rng = random.Random(seed)
    bases = ("meta-llama/Llama-3.1-8B", "mistralai/Mistral-7B-v0.1", "google/gemma-2-9b")
    repos = []
    for i in range(n):
        name = f"grok-lookalike-{i}" if i < grok_named else f"model-{i}"
        base = bases[i % len(bases)]
        repos.append(
            FakeRepo(
                id=f"other{i % 1009}/{name}",
                card={"license": "mit", "base_model": base},
                files=_weights(f"other/{i}", 2, "safetensors"),
                config={"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
                downloads=rng.randrange(1000),
            )
        )
    return repos
