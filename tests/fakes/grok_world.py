"""The Grok fixture world: about fifty repositories around grok-1 and grok-2, with the answer.

Built on the real cases of ../shared/reference/grok-sample.json (hpcai-tech/grok-1,
Arki05/Grok-1-GGUF, mradermacher/grok-1-GGUF, unsloth/grok-2-GGUF,
alvarobartt/grok-2-tokenizer, Nishmaafz984/grok-2, Lumen-Lab/OpenGrok) plus the shapes the
real Hub holds: undeclared conversions, quantizations in sub-folders and multi-part files, a
LoRA adapter with no card, merges, re-uploads with identical hashes and no card,
tokenizer-only repos, a random-init test model, and lookalikes that must stay out.

Each `WorldRepo` carries what a hub would serve (files with sha256, config, gguf and
safetensors summaries, README, tags) and what the tracker must conclude (`edges` for a
derivative, `lookalike=True` for a repo that must not join). `records()` gives the same
repositories as `RepoRecord`s for tests that need no server; `install(hub)` loads them into
the fake Hugging Face hub.
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


def _shards(prefix: str, n: int, label: str, ext: str = "safetensors") -> dict[str, str]:
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


def _card(meta: dict[str, Any] | None, body: str) -> str:
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
G2_SHARDS = _shards("model", 9, "grok-2-weights")
G2_TOKENIZER = {"tokenizer.tok.json": "grok-2-tokenizer"}
XAI_G2_README = (
    "# Grok 2\n\nThis repository contains the weights of Grok 2, a model trained and used at xAI "
    "in 2024.\n\n## Usage\n\n```\nhf download xai-org/grok-2 --local-dir /local/grok-2\n```\n\n"
    "Use with SGLang. Powered by xAI.\n"
)
G2_LICENSE = {"license": "other", "license_name": "grok-2", "license_link": "LICENSE"}


def _grok1_family() -> list[WorldRepo]:
    return [
        WorldRepo(
            "xai-org/grok-1",
            lfs={**G1_JAX, **G1_TOKENIZER},
            small={"run.py": "# runs the JAX checkpoint\n"},
            card=_card(
                {"license": "apache-2.0"}, "# Grok-1\n\nOpen weights of Grok-1 (314B MoE).\n"
            ),
            root="grok-1",
        ),
        WorldRepo(  # sample: conversion, named only in card text
            "hpcai-tech/grok-1",
            lfs={**_shards("pytorch_model", 19, "hpcai-bf16", "bin"), **G1_TOKENIZER},
            small={"modeling_grok1.py": "class Grok1ModelForCausalLM: ...\n"},
            config=G1_ARCH,
            card=_card(
                {"license": "apache-2.0", "library_name": "transformers"},
                "# Grok-1 (PyTorch)\n\nThis repository contains the weights of the Grok-1 "
                "open-weights model, de-quantized to bf16 from the JAX checkpoint "
                "([xai-org/grok-1](https://huggingface.co/xai-org/grok-1)), with PyTorch "
                "modeling code. See https://github.com/xai-org/grok-1 for the original code.\n",
            ),
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "conversion", "inferred"),),
        ),
        WorldRepo(  # sample: GGUF in sub-folders, card has a license only
            "Arki05/Grok-1-GGUF",
            lfs={
                f"{q}/grok-1-{q}-{i:05d}-of-00009.gguf": f"arki-{q}/{i}"
                for q in ("Q2_K", "Q4_K", "Q6_K")
                for i in range(1, 10)
            },
            gguf={"total": 316 * B, "architecture": "grok", "context_length": 8192},
            card=_card(
                {"license": "apache-2.0"},
                "# Grok-1 GGUF\n\nUnofficial GGUF quantizations of Grok-1, split per quant type. "
                "Load the first split with llama.cpp.\n",
            ),
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "quantization", "inferred"),),
        ),
        WorldRepo(  # sample: declared, multi-part
            "mradermacher/grok-1-GGUF",
            lfs={f"grok-1.Q4_K_M.gguf.part{i}of4": f"mrad-q4/{i}" for i in range(1, 5)},
            gguf={"total": 316 * B, "architecture": "grok", "context_length": 8192},
            card=_card(
                {
                    "base_model": "xai-org/grok-1",
                    "license": "apache-2.0",
                    "quantized_by": "mradermacher",
                },
                "static quants of https://huggingface.co/xai-org/grok-1\n",
            ),
            family="grok-1",
            # the Hub calls it a finetune (it sees no .gguf file name): the files win
            edges=(Edge("xai-org/grok-1", "quantization", "declared", "finetune"),),
        ),
        WorldRepo(  # keyfan-style HF conversion, named in card text
            "keyfan/grok-1-hf",
            lfs={**_shards("model", 19, "keyfan-bf16"), **G1_TOKENIZER},
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 316 * B}, "total": 316 * B},
            card=_card(
                {"license": "apache-2.0"},
                "Unofficial transformers version of xai-org/grok-1, weights converted to "
                "safetensors.\n",
            ),
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "conversion", "inferred"),),
        ),
        WorldRepo(  # quantization of the conversion: hangs under keyfan, not the root
            "quantfolk/grok-1-hf-GPTQ",
            lfs=_shards("model", 5, "gptq-keyfan"),
            small={"quantize_config.json": '{"bits": 4, "group_size": 128}'},
            config={**G1_ARCH, "quantization_config": {"quant_method": "gptq", "bits": 4}},
            safetensors={"parameters": {"I32": 38 * B, "F16": 12 * B}, "total": 50 * B},
            card=_card(
                {"license": "apache-2.0"},
                "4-bit GPTQ of [keyfan/grok-1-hf](https://huggingface.co/keyfan/grok-1-hf), the "
                "transformers port of xai-org/grok-1.\n",
            ),
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "quantization", "inferred"),),
        ),
        WorldRepo(  # no card at all: architecture + scale, closest parent by name
            "quantfolk/grok-1-hf-bnb-4bit",
            lfs=_shards("model", 4, "bnb-keyfan"),
            config={**G1_ARCH, "quantization_config": {"quant_method": "bitsandbytes"}},
            safetensors={"parameters": {"U8": 150 * B, "BF16": 12 * B}, "total": 162 * B},
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "quantization", "inferred"),),
        ),
        WorldRepo(  # undeclared conversion with no card: architecture + scale
            "jaxport/grok-1-safetensors",
            lfs=_shards("model", 19, "jaxport-bf16"),
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 316 * B}, "total": 316 * B},
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "conversion", "inferred"),),
        ),
        WorldRepo(  # re-upload, identical hashes, no card
            "mirrorbot/grok-1-weights",
            lfs={**G1_JAX, **G1_TOKENIZER},
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "fork", "inferred"),),
        ),
        WorldRepo(  # fine-tune of the conversion, named in card text
            "tuners/grok-1-hf-instruct",
            lfs=_shards("model", 19, "tuners-sft"),
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 316 * B}, "total": 316 * B},
            card=_card(
                {"license": "apache-2.0", "datasets": ["teknium/OpenHermes-2.5"]},
                "Fine-tuned from keyfan/grok-1-hf on OpenHermes-2.5 for chat.\n",
            ),
            tags=("dataset:teknium/OpenHermes-2.5",),
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "finetune", "inferred"),),
        ),
        WorldRepo(  # a GGUF the Hub calls a finetune: the files win
            "confused/grok-1-Q4-GGUF",
            lfs={
                "grok-1-Q4_K_M-00001-of-00002.gguf": "confused/1",
                "grok-1-Q4_K_M-00002-of-00002.gguf": "confused/2",
            },
            gguf={"total": 316 * B, "architecture": "grok"},
            card=_card(
                {
                    "base_model": "xai-org/grok-1",
                    "base_model_relation": "finetune",
                    "license": "apache-2.0",
                },
                "Q4_K_M of Grok-1.\n",
            ),
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "quantization", "declared", "finetune"),),
        ),
        WorldRepo(  # declares an undeclared conversion: a child of a discovered member
            "bartowski/grok-1-hf-GGUF",
            lfs={f"grok-1-hf-Q4_K_M-{i:05d}-of-00003.gguf": f"bartowski/{i}" for i in (1, 2, 3)},
            gguf={"total": 316 * B, "architecture": "grok"},
            card=_card({"base_model": "keyfan/grok-1-hf", "license": "apache-2.0"}, "Quants.\n"),
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "quantization", "declared"),),
        ),
        WorldRepo(  # the same, without "grok" in its name: only the declared walk finds it
            "second-state/kf-hf-Q8_0-GGUF",
            lfs={"kf-hf-Q8_0.gguf": "second-state-q8"},
            gguf={"total": 316 * B, "architecture": "grok"},
            card=_card({"base_model": "keyfan/grok-1-hf", "license": "apache-2.0"}, "Q8_0.\n"),
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "quantization", "declared"),),
            walk_only=True,
        ),
        WorldRepo(  # LoRA adapter, no card: adapter_config.json names a member
            "loraguy/grok-1-lora-sql",
            lfs={"adapter_model.safetensors": "lora-sql"},
            small={
                "adapter_config.json": json.dumps(
                    {"base_model_name_or_path": "keyfan/grok-1-hf", "peft_type": "LORA", "r": 16}
                )
            },
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "adapter", "declared"),),
        ),
        WorldRepo(  # merge of two members, declared only in mergekit_config.yml
            "mergers/grok-1-hf-instruct-slerp",
            lfs=_shards("model", 19, "slerp-merge"),
            small={
                "mergekit_config.yml": (
                    "merge_method: slerp\nbase_model: keyfan/grok-1-hf\nslices:\n"
                    "  - sources:\n      - model: keyfan/grok-1-hf\n        layer_range: [0, 64]\n"
                    "      - model: tuners/grok-1-hf-instruct\n        layer_range: [0, 64]\n"
                    "parameters:\n  t: 0.5\ndtype: bfloat16\n"
                )
            },
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 316 * B}, "total": 316 * B},
            family="grok-1",
            edges=(
                Edge("keyfan/grok-1-hf", "merge", "declared"),
                Edge("tuners/grok-1-hf-instruct", "merge", "declared"),
            ),
        ),
        WorldRepo(  # tokenizer-only re-upload: identical tokenizer.model, no card
            "tokfolk/grok-1-tokenizer",
            lfs=G1_TOKENIZER,
            small={"tokenizer_config.json": '{"model_max_length": 8192}'},
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "tokenizer", "inferred"),),
        ),
        WorldRepo(  # random-init test model that names its source
            "tiny-random/grok-1-tiny-random",
            lfs={"model.safetensors": "tiny-random-grok"},
            config=G1_ARCH,
            safetensors={"parameters": {"F32": 2_100_000}, "total": 2_100_000},
            card="Tiny random-init model with the architecture of "
            "[xai-org/grok-1](https://huggingface.co/xai-org/grok-1), for unit tests.\n",
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "other", "inferred"),),
        ),
        WorldRepo(  # code port without weights, links the GitHub release
            "porter/grok-1-code",
            small={"modeling_grok1.py": "# port\n", "configuration_grok1.py": "# cfg\n"},
            config=G1_ARCH,
            card="PyTorch modeling code for Grok-1, ported from "
            "https://github.com/xai-org/grok-1 .\n",
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "other", "inferred"),),
        ),
    ]


def _grok2_family() -> list[WorldRepo]:
    g2_gguf = {"total": 270 * B, "architecture": "grok", "context_length": 131072}
    return [
        WorldRepo(
            "xai-org/grok-2",
            lfs={**G2_SHARDS, **G2_TOKENIZER},
            small={"LICENSE": "xAI Community License Agreement\n"},
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=_card(G2_LICENSE, XAI_G2_README),
            root="grok-2",
        ),
        WorldRepo(  # sample: declared quantization, sub-folders
            "unsloth/grok-2-GGUF",
            lfs={
                f"{q}/grok-2-{q}-{i:05d}-of-00003.gguf": f"unsloth-{q}/{i}"
                for q in ("UD-Q2_K_XL", "Q4_K_M")
                for i in range(1, 4)
            },
            gguf=g2_gguf,
            card=_card(
                {"base_model": "xai-org/grok-2", **G2_LICENSE},
                "Unsloth dynamic GGUFs of Grok 2. Powered by xAI.\n",
            ),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "declared"),),
        ),
        WorldRepo(  # sample: tokenizer, named only in card text
            "alvarobartt/grok-2-tokenizer",
            lfs={"tokenizer.json": "alvarobartt-tokenizer-json"},
            small={"tokenizer_config.json": '{"tokenizer_class": "PreTrainedTokenizerFast"}'},
            card=_card(
                G2_LICENSE,
                "The tokenizer of [xai-org/grok-2](https://huggingface.co/xai-org/grok-2), "
                "exported from tokenizer.tok.json to a transformers tokenizer.json.\n",
            ),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "tokenizer", "inferred"),),
        ),
        WorldRepo(  # sample: re-upload, README copied without its YAML
            "Nishmaafz984/grok-2",
            lfs={**G2_SHARDS, **G2_TOKENIZER},
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=XAI_G2_README,
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "fork", "inferred"),),
        ),
        WorldRepo(  # re-upload without any card, weights only
            "backup-acct/grok-2-mirror",
            lfs=dict(G2_SHARDS),
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "fork", "inferred"),),
        ),
        WorldRepo(  # FP8, named in card text
            "fp8lab/grok-2-FP8-dynamic",
            lfs=_shards("model", 6, "grok-2-fp8"),
            config={**G2_ARCH, "quantization_config": {"quant_method": "compressed-tensors"}},
            safetensors={"parameters": {"F8_E4M3": 268 * B, "BF16": 2 * B}, "total": 270 * B},
            card=_card(G2_LICENSE, "FP8 dynamic quantization of xai-org/grok-2. Powered by xAI.\n"),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "inferred"),),
        ),
        WorldRepo(  # AWQ without a card: architecture + scale (packed I32 scaled back)
            "awqer/grok-2-AWQ",
            lfs=_shards("model", 4, "grok-2-awq"),
            config={**G2_ARCH, "quantization_config": {"quant_method": "awq", "bits": 4}},
            safetensors={"parameters": {"I32": 32 * B, "F16": 14 * B}, "total": 46 * B},
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "inferred"),),
        ),
        WorldRepo(  # EXL2: no parameter summary; the card names the parent
            "exl2guy/grok-2-exl2-4.0bpw",
            lfs=_shards("output", 3, "grok-2-exl2"),
            small={"measurement.json": '{"measurement": {}}'},
            config=G2_ARCH,
            card=_card(G2_LICENSE, "EXL2 4.0bpw quant of https://huggingface.co/xai-org/grok-2\n"),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "inferred"),),
        ),
        WorldRepo(  # declared fine-tune
            "sft-lab/grok-2-sft",
            lfs=_shards("model", 9, "grok-2-sft"),
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=_card(
                {"base_model": "xai-org/grok-2", "base_model_relation": "finetune", **G2_LICENSE},
                "SFT of Grok 2 on our data. Powered by xAI.\n",
            ),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "finetune", "declared"),),
        ),
        WorldRepo(  # declared quantization of the fine-tune: depth 2
            "quanter/grok-2-sft-GGUF",
            lfs={
                "grok-2-sft.Q3_K_M.gguf.part1of2": "q-sft/1",
                "grok-2-sft.Q3_K_M.gguf.part2of2": "q-sft/2",
            },
            gguf=g2_gguf,
            card=_card({"base_model": "sft-lab/grok-2-sft", **G2_LICENSE}, "GGUF of grok-2-sft.\n"),
            family="grok-2",
            edges=(Edge("sft-lab/grok-2-sft", "quantization", "declared", "finetune"),),
        ),
        WorldRepo(  # card-declared merge of two members
            "merger/grok-2-sft-merge",
            lfs=_shards("model", 9, "grok-2-merge"),
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=_card(
                {"base_model": ["xai-org/grok-2", "sft-lab/grok-2-sft"], **G2_LICENSE},
                "Linear merge. Powered by xAI.\n",
            ),
            family="grok-2",
            edges=(
                Edge("xai-org/grok-2", "merge", "declared"),
                Edge("sft-lab/grok-2-sft", "merge", "declared"),
            ),
        ),
        WorldRepo(  # tokenizer-only re-upload with the identical file, no card
            "tokfolk/grok-2-tok",
            lfs=dict(G2_TOKENIZER),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "tokenizer", "inferred"),),
        ),
        WorldRepo(  # undeclared conversion to PyTorch .bin, named in card text
            "porter/grok-2-pytorch",
            lfs=_shards("pytorch_model", 9, "grok-2-bin", "bin"),
            config=G2_ARCH,
            card=_card(G2_LICENSE, "PyTorch .bin export of xai-org/grok-2. Powered by xAI.\n"),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "conversion", "inferred"),),
        ),
        WorldRepo(  # unquantized BF16 GGUF, no card: architecture + scale, a conversion
            "ggml-fan/grok-2-BF16-GGUF",
            lfs={f"grok-2-BF16-{i:05d}-of-00011.gguf": f"g2-bf16/{i}" for i in range(1, 12)},
            gguf=g2_gguf,
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "conversion", "inferred"),),
        ),
        WorldRepo(  # no card, no parameter count: only its GGUF header names the parent
            "headonly/grok-2-Q5_K_M-GGUF",
            lfs={f"grok-2-Q5_K_M-{i:05d}-of-00002.gguf": f"headonly/{i}" for i in (1, 2)},
            heads={
                "grok-2-Q5_K_M-00001-of-00002.gguf": gguf_bytes(
                    {
                        "general.architecture": "grok",
                        "general.base_model.count": 1,
                        "general.base_model.0.repo_url": "https://huggingface.co/xai-org/grok-2",
                    }
                )
            },
            gguf={"architecture": "grok"},
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "declared"),),
        ),
        WorldRepo(  # LoRA adapter whose config names a local path ending in the member id
            "loraguy/grok2-lora-chat",
            lfs={"adapter_model.safetensors": "lora-chat-g2"},
            small={
                "adapter_config.json": json.dumps(
                    {"base_model_name_or_path": "/data/models/xai-org/grok-2", "peft_type": "LORA"}
                )
            },
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "adapter", "declared"),),
        ),
    ]


def _lookalikes() -> list[WorldRepo]:
    llama = {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    return [
        WorldRepo(  # sample negative: Phi-3 named Grok
            "Lumen-Lab/OpenGrok",
            lfs=_shards("model", 2, "opengrok"),
            config={"architectures": ["Phi3ForCausalLM"], "model_type": "phi3"},
            safetensors={"parameters": {"BF16": 3_800_000_000}, "total": 3_800_000_000},
            card=_card(
                {"base_model": "microsoft/Phi-3-mini-4k-instruct", "license": "mit"},
                "OpenGrok: a Phi-3 fine-tune with a Grok-like personality.\n",
            ),
            lookalike=True,
        ),
        WorldRepo(  # names a member in card text, but it is a Phi-3
            "persona/OpenGrok-2-mini",
            lfs={"model.safetensors": "opengrok2-mini"},
            config={"architectures": ["Phi3ForCausalLM"], "model_type": "phi3"},
            safetensors={"parameters": {"BF16": 3_800_000_000}, "total": 3_800_000_000},
            card="Inspired by the style of https://huggingface.co/xai-org/grok-2 .\n",
            lookalike=True,
        ),
        WorldRepo(
            "gemmafan/Grok-Gemma-2b",
            lfs={"model.safetensors": "grok-gemma"},
            config={"architectures": ["GemmaForCausalLM"], "model_type": "gemma"},
            safetensors={"parameters": {"BF16": 2_500_000_000}, "total": 2_500_000_000},
            card=_card({"base_model": "google/gemma-2b"}, "Gemma tuned on Grok-style answers.\n"),
            lookalike=True,
        ),
        WorldRepo(
            "stylelab/Llama-3-8B-Grok-Style",
            lfs=_shards("model", 4, "llama-grok-style"),
            config=llama,
            safetensors={"parameters": {"BF16": 8 * B}, "total": 8 * B},
            card=_card(
                {"base_model": "meta-llama/Meta-Llama-3-8B"},
                "Distilled from Grok-1 outputs (xai-org/grok-1 was never loaded).\n",
            ),
            lookalike=True,
        ),
        WorldRepo(  # "grokking" research: no Grok token in the name
            "mechinterp/grokking-modular-addition",
            lfs={"model.pt": "grokking-1l"},
            small={"train.py": "# grokking on modular addition\n"},
            card="# Grokking\n\nA one-layer transformer that groks modular addition.\n",
            lookalike=True,
        ),
        WorldRepo(  # grokking research by an owner with 'grok' in its name: costs reads
            "grok-lab/grokking-transformer-1L",
            lfs={"checkpoints/final.pt": "grok-lab-ckpt"},
            small={"train.py": "# delayed generalization\n"},
            card="Checkpoints for our grokking paper (delayed generalization).\n",
            lookalike=True,
        ),
        WorldRepo(  # Groq, not Grok
            "speedy/grok-vs-groq-llama3-70b",
            lfs=_shards("model", 30, "groq-llama70b"),
            config=llama,
            safetensors={"parameters": {"BF16": 70 * B}, "total": 70 * B},
            card="Llama 3 70B served on Groq LPUs. Not related to xAI's Grok.\n",
            lookalike=True,
        ),
        WorldRepo(  # Groq, found by no search for grok at all
            "Groq/Llama-3-Groq-8B-Tool-Use",
            lfs=_shards("model", 4, "groq-tool-use"),
            config=llama,
            safetensors={"parameters": {"BF16": 8 * B}, "total": 8 * B},
            card=_card({"base_model": "meta-llama/Meta-Llama-3-8B"}, "Tool use.\n"),
            lookalike=True,
        ),
        WorldRepo(  # benchmark comparison: links Grok-1 only in a table and a comparison line
            "evalteam/grok-1-vs-open-models",
            small={"eval.py": "# harness\n", "results.json": "{}"},
            card=(
                "# Open models against Grok-1\n\nWe compare open models with "
                "[xai-org/grok-1](https://huggingface.co/xai-org/grok-1) on MMLU.\n\n"
                "| model | MMLU |\n|---|---|\n"
                "| [Grok-1](https://huggingface.co/xai-org/grok-1) | 73.0 |\n"
                "| Mixtral 8x7B | 70.6 |\n"
            ),
            lookalike=True,
        ),
        WorldRepo(
            "challenger/grok-challenger-7b",
            lfs=_shards("model", 3, "challenger"),
            config={"architectures": ["MistralForCausalLM"], "model_type": "mistral"},
            safetensors={"parameters": {"BF16": 7 * B}, "total": 7 * B},
            card="Beats Grok-1 on GSM8K: see xai-org/grok-1 numbers in the table below.\n",
            lookalike=True,
        ),
        WorldRepo(
            "distill/Grok-3-Qwen-distill-7B",
            lfs=_shards("model", 4, "qwen-distill"),
            config={"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"},
            safetensors={"parameters": {"BF16": 7 * B}, "total": 7 * B},
            card=_card(
                {"base_model": "Qwen/Qwen2.5-7B-Instruct"}, "Distilled from Grok 3 chats.\n"
            ),
            lookalike=True,
        ),
        WorldRepo(  # GGUF named grok, llama architecture
            "ggufer/Grok-mini-GGUF",
            lfs={"grok-mini.Q4_K_M.gguf": "grok-mini-gguf"},
            gguf={"total": 8 * B, "architecture": "llama"},
            card="Q4_K_M of a llama fine-tune called Grok-mini.\n",
            lookalike=True,
        ),
        WorldRepo(
            "moefan/grok-moe-8x7b",
            lfs=_shards("model", 19, "mixtral-grok"),
            config={"architectures": ["MixtralForCausalLM"], "model_type": "mixtral"},
            safetensors={"parameters": {"BF16": 46 * B}, "total": 46 * B},
            lookalike=True,
        ),
        WorldRepo(  # prompt collection: only a README
            "prompts/grok-jailbreak-prompts",
            card="A list of prompts people tried on Grok.\n",
            lookalike=True,
        ),
        WorldRepo(  # Grok architecture, test-size, no reference: not enough
            "testorg/tiny-grok-random",
            lfs={"model.safetensors": "tiny-grok-unreferenced"},
            config=G2_ARCH,
            safetensors={"parameters": {"F32": 1_000_000}, "total": 1_000_000},
            lookalike=True,
        ),
        WorldRepo(  # adapter for Llama named grok: its adapter_config names a non-member
            "loraguy/grok-persona-lora",
            lfs={"adapter_model.safetensors": "grok-persona"},
            small={
                "adapter_config.json": json.dumps(
                    {"base_model_name_or_path": "meta-llama/Llama-3.1-8B", "peft_type": "LORA"}
                )
            },
            lookalike=True,
        ),
        WorldRepo(  # a name-only copy: weights that match nothing, no card
            "fakexai/grok-1",
            lfs=_shards("pytorch_model", 2, "fake-grok-1", "bin"),
            lookalike=True,
        ),
    ]


def _unrelated() -> list[WorldRepo]:
    return [
        WorldRepo(
            "meta-llama/Meta-Llama-3-8B",
            lfs=_shards("model", 4, "llama3-8b"),
            config={"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
            safetensors={"parameters": {"BF16": 8 * B}, "total": 8 * B},
            card=_card({"license": "llama3"}, "Llama 3.\n"),
        ),
        WorldRepo(
            "microsoft/Phi-3-mini-4k-instruct",
            lfs=_shards("model", 2, "phi3-mini"),
            config={"architectures": ["Phi3ForCausalLM"], "model_type": "phi3"},
            safetensors={"parameters": {"BF16": 3_800_000_000}, "total": 3_800_000_000},
            card=_card({"license": "mit"}, "Phi-3.\n"),
        ),
    ]


def world() -> list[WorldRepo]:
    """Every repository of the fixture world (a fresh list each call)."""
    return _grok1_family() + _grok2_family() + _lookalikes() + _unrelated()


ROOTS: dict[str, tuple[str, ...]] = {"grok-1": ("xai-org/grok-1",), "grok-2": ("xai-org/grok-2",)}


def expected_edges(root: str, *, searchable: bool = False) -> set[tuple[str, str, str]]:
    """(parent, child, relation) of every edge of a root's family, by repo id.

    `searchable=True` leaves out what only a walk of declared children can find.
    """
    return {
        (e.parent, r.repo_id, e.relation)
        for r in world()
        if r.family == root and not (searchable and r.walk_only)
        for e in r.edges
    }


def expected_family(root: str, *, searchable: bool = False) -> set[str]:
    """Repo ids of a root's family, the root included."""
    return {
        r.repo_id
        for r in world()
        if (r.family == root and not (searchable and r.walk_only)) or r.root == root
    }


def lookalikes() -> set[str]:
    return {r.repo_id for r in world() if r.lookalike}


def fake_repos() -> list:
    """The world as the fake hub's `FakeRepo`s (tests/fakes/hf_world.py)."""
    from tests.fakes.hf_world import FakeFile, FakeRepo

    out = []
    for r in world():
        meta, body = parse_card(r.card) if r.card is not None else ({}, "")
        files = [
            FakeFile(p, 4_000_000_000, sha(label), r.heads.get(p)) for p, label in r.lfs.items()
        ]
        for p, text in r.small.items():
            data = text.encode()
            files.append(FakeFile(p, len(data), None, data))
        if r.card is not None and not meta:  # a README without YAML: serve it verbatim
            data = r.card.encode()
            files.append(FakeFile("README.md", len(data), None, data))
        out.append(
            FakeRepo(
                id=r.repo_id,
                card=meta,
                card_text=body,
                config=r.config,
                gguf=r.gguf,
                safetensors=r.safetensors,
                tags=list(r.tags),
                library_name=r.library_name,
                files=files,
            )
        )
    return out


def world_repo(repo_id: str) -> WorldRepo:
    return next(r for r in world() if r.repo_id == repo_id)


def records(**kw: bool) -> dict[str, RepoRecord]:
    """Every repository as a `RepoRecord` (as seen after all reads), by repo id."""
    return {r.repo_id: r.record(**kw) for r in world()}
