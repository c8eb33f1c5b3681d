"""One repository of the Grok fixture world (tests/fakes/grok_world.py), and its builders.

A `WorldRepo` carries what a hub would serve (files with sha256, config, gguf and
safetensors summaries, README, tags) and what the tracker must conclude (`edges` for a
derivative, `lookalike=True` for a repo that must not join).
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field, replace
from typing import Any

from crawlers.base import FileRecord, RepoRecord
from crawlers.content import CARD_DATA, CONFIG, CONFIGS, parse_card, parse_gguf_header, safe_yaml


def sha(label: str) -> str:
    """A stable fake sha256 for a file's content label (equal labels: identical files)."""
    return hashlib.sha256(label.encode()).hexdigest()


def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class Edge:
    parent: str  # repo id on huggingface
    relation: str
    source: str  # "declared" or "inferred"
    declared_relation: str | None = None


@dataclass
class WorldRepo:
    repo_id: str
    lfs: dict[str, str] = field(default_factory=dict)  # path -> content label (hashed, large)
    heads: dict[str, bytes] = field(default_factory=dict)  # LFS path -> bytes served (GGUF head)
    small: dict[str, str] = field(default_factory=dict)  # path -> text content (git blobs)
    config: dict[str, Any] | None = None
    gguf: dict[str, Any] | None = None
    safetensors: dict[str, Any] | None = None
    card: str | None = None  # README.md text; None means the repo has no README
    tags: tuple[str, ...] = ()
    library_name: str | None = None
    root: str | None = None  # root name, for the roots themselves
    family: str | None = None  # root name of the family a derivative belongs to
    edges: tuple[Edge, ...] = ()
    lookalike: bool = False
    walk_only: bool = False  # found only by walking declared children, never by a search

    @property
    def card_data(self) -> dict[str, Any]:
        return parse_card(self.card)[0] if self.card else {}

    def file_texts(self) -> dict[str, str]:
        """Every small file with its content (README and config.json included)."""
        out = dict(self.small)
        if self.card is not None:
            out["README.md"] = self.card
        if self.config is not None and "config.json" not in out:
            out["config.json"] = json.dumps(self.config)
        return out

    def file_records(self) -> tuple[FileRecord, ...]:
        files = [
            FileRecord(p, 4_000_000_000 if not p.endswith(".json") else 2_000_000, sha(label))
            for p, label in self.lfs.items()
        ]
        for p, text in self.file_texts().items():
            data = text.encode()
            files.append(FileRecord(p, len(data), None, git_blob(data)))
        return tuple(sorted(files, key=lambda f: f.path))

    def all_tags(self) -> tuple[str, ...]:
        """Tags as the Hub derives them: the card's base_model with the Hub's relation guess."""
        tags = list(self.tags)
        meta = self.card_data
        bases = meta.get("base_model")
        bases = [bases] if isinstance(bases, str) else list(bases or [])
        relation = meta.get("base_model_relation")
        if relation is None and bases:
            if len(bases) > 1:
                relation = "merge"
            elif any(p.endswith(".gguf") for p in self.lfs):  # the Hub misses .partXofY
                relation = "quantized"
            elif "adapter_config.json" in self.small:
                relation = "adapter"
            else:
                relation = "finetune"
        for b in bases:
            tags += [f"base_model:{b}", f"base_model:{relation}:{b}"]
        if self.gguf:
            tags.append("gguf")
        if self.config and self.config.get("model_type"):
            tags.append(str(self.config["model_type"]))
        lic = meta.get("license")
        if isinstance(lic, str):
            tags.append(f"license:{lic}")
        return tuple(dict.fromkeys(tags))

    def listing_record(self) -> RepoRecord:
        """The repository as a listing page shows it: file names only, no README, no configs."""
        full = self.record()
        names = tuple(FileRecord(f.path) for f in full.files or ())
        extra = {k: v for k, v in full.extra.items() if k != CONFIGS}
        return replace(full, files=names, card_text=None, extra=extra)

    def record(self, *, with_files: bool = True, with_card: bool = True) -> RepoRecord:
        """The repository as a crawler would see it after reading what it fetches."""
        configs: dict[str, object] = {}
        for name, text in self.small.items():
            if name == "adapter_config.json":
                configs[name] = json.loads(text)
            elif name.startswith("mergekit_config"):
                configs[name] = safe_yaml(text)
        for head in self.heads.values():
            configs["gguf_header"] = parse_gguf_header(head)
        config = self.config or {}
        extra: dict[str, object] = {CARD_DATA: self.card_data, CONFIG: config, CONFIGS: configs}
        if self.library_name:
            extra["library_name"] = self.library_name
        st = self.safetensors
        return RepoRecord(
            hub="huggingface",
            repo_id=self.repo_id,
            url=f"https://huggingface.co/{self.repo_id}",
            architectures=tuple(config.get("architectures") or ()),
            model_type=config.get("model_type"),
            gguf=self.gguf,
            safetensors=st,
            parameters=int((st or {}).get("total") or (self.gguf or {}).get("total") or 0),
            tags=self.all_tags(),
            card_text=(self.card or "") if with_card else None,
            files=self.file_records() if with_files else None,
            extra=extra,
        )


def shards(prefix: str, n: int, label: str, ext: str = "safetensors") -> dict[str, str]:
    return {f"{prefix}-{i:05d}-of-{n:05d}.{ext}": f"{label}/{i}" for i in range(1, n + 1)}


def gguf_bytes(kv: dict[str, str | int]) -> bytes:
    """The head of a GGUF file (v3) holding these metadata keys (strings and uint32s)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv))
    for k, v in kv.items():
        kb = k.encode()
        out += struct.pack("<Q", len(kb)) + kb
        if isinstance(v, int):
            out += struct.pack("<I", 4) + struct.pack("<I", v)
        else:
            vb = v.encode()
            out += struct.pack("<I", 8) + struct.pack("<Q", len(vb)) + vb
    return out


def card(meta: dict[str, Any] | None, body: str) -> str:
    if not meta:
        return body
    lines = ["---"]
    for k, v in meta.items():
        lines.append(f"{k}: {json.dumps(v)}")
    lines.append("---")
    return "\n".join(lines) + "\n" + body


B = 1_000_000_000
G1_ARCH = {"architectures": ["Grok1ModelForCausalLM"], "model_type": "grok-1"}
G2_ARCH = {"architectures": ["Grok1ForCausalLM"]}
G1_JAX = {f"ckpt-0/tensor{i:05d}_000": f"grok-1-jax/{i}" for i in range(8)}
G1_TOKENIZER = {"tokenizer.model": "grok-1-tokenizer"}
G2_SHARDS = shards("model", 9, "grok-2-weights")
G2_TOKENIZER = {"tokenizer.tok.json": "grok-2-tokenizer"}
XAI_G2_README = (
    "# Grok 2\n\nThis repository contains the weights of Grok 2, a model trained and used at xAI "
    "in 2024.\n\n## Usage\n\n```\nhf download xai-org/grok-2 --local-dir /local/grok-2\n```\n\n"
    "Use with SGLang. Powered by xAI.\n"
)
G2_LICENSE = {"license": "other", "license_name": "grok-2", "license_link": "LICENSE"}
