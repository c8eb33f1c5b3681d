"""The two Grok families of the fixture world: roots, declared and undeclared derivatives.

The sample's real cases (../shared/reference/grok-sample.json) and the shapes the real Hub
holds: undeclared conversions, quantizations in sub-folders and multi-part files, a LoRA
adapter with no card, merges, re-uploads with identical hashes and no card, tokenizer-only
repos, a random-init test model, a GGUF whose header alone names its parent.
"""

from __future__ import annotations

import json

from tests.fakes.grok_repo import (
    G1_ARCH,
    G1_JAX,
    G1_TOKENIZER,
    G2_ARCH,
    G2_LICENSE,
    G2_SHARDS,
    G2_TOKENIZER,
    XAI_G2_README,
    B,
    Edge,
    WorldRepo,
    card,
    gguf_bytes,
    shards,
)


def grok1_family() -> list[WorldRepo]:
    return [
        WorldRepo(
            "xai-org/grok-1",
            lfs={**G1_JAX, **G1_TOKENIZER},
            small={"run.py": "# runs the JAX checkpoint\n"},
            card=card(
                {"license": "apache-2.0"}, "# Grok-1\n\nOpen weights of Grok-1 (314B MoE).\n"
            ),
            root="grok-1",
        ),
        WorldRepo(  # sample: conversion, named only in card text
            "hpcai-tech/grok-1",
            lfs={**shards("pytorch_model", 19, "hpcai-bf16", "bin"), **G1_TOKENIZER},
            small={"modeling_grok1.py": "class Grok1ModelForCausalLM: ...\n"},
            config=G1_ARCH,
            card=card(
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
            card=card(
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
            card=card(
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
            lfs={**shards("model", 19, "keyfan-bf16"), **G1_TOKENIZER},
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 316 * B}, "total": 316 * B},
            card=card(
                {"license": "apache-2.0"},
                "Unofficial transformers version of xai-org/grok-1, weights converted to "
                "safetensors.\n",
            ),
            family="grok-1",
            edges=(Edge("xai-org/grok-1", "conversion", "inferred"),),
        ),
        WorldRepo(  # quantization of the conversion: hangs under keyfan, not the root
            "quantfolk/grok-1-hf-GPTQ",
            lfs=shards("model", 5, "gptq-keyfan"),
            small={"quantize_config.json": '{"bits": 4, "group_size": 128}'},
            config={**G1_ARCH, "quantization_config": {"quant_method": "gptq", "bits": 4}},
            safetensors={"parameters": {"I32": 38 * B, "F16": 12 * B}, "total": 50 * B},
            card=card(
                {"license": "apache-2.0"},
                "4-bit GPTQ of [keyfan/grok-1-hf](https://huggingface.co/keyfan/grok-1-hf), the "
                "transformers port of xai-org/grok-1.\n",
            ),
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "quantization", "inferred"),),
        ),
        WorldRepo(  # no card at all: architecture + scale, closest parent by name
            "quantfolk/grok-1-hf-bnb-4bit",
            lfs=shards("model", 4, "bnb-keyfan"),
            config={**G1_ARCH, "quantization_config": {"quant_method": "bitsandbytes"}},
            safetensors={"parameters": {"U8": 150 * B, "BF16": 12 * B}, "total": 162 * B},
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "quantization", "inferred"),),
        ),
        WorldRepo(  # undeclared conversion with no card: architecture + scale
            "jaxport/grok-1-safetensors",
            lfs=shards("model", 19, "jaxport-bf16"),
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
            lfs=shards("model", 19, "tuners-sft"),
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 316 * B}, "total": 316 * B},
            card=card(
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
            card=card(
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
            card=card({"base_model": "keyfan/grok-1-hf", "license": "apache-2.0"}, "Quants.\n"),
            family="grok-1",
            edges=(Edge("keyfan/grok-1-hf", "quantization", "declared"),),
        ),
        WorldRepo(  # the same, without "grok" in its name: only the declared walk finds it
            "second-state/kf-hf-Q8_0-GGUF",
            lfs={"kf-hf-Q8_0.gguf": "second-state-q8"},
            gguf={"total": 316 * B, "architecture": "grok"},
            card=card({"base_model": "keyfan/grok-1-hf", "license": "apache-2.0"}, "Q8_0.\n"),
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
            lfs=shards("model", 19, "slerp-merge"),
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


def grok2_family() -> list[WorldRepo]:
    g2_gguf = {"total": 270 * B, "architecture": "grok", "context_length": 131072}
    return [
        WorldRepo(
            "xai-org/grok-2",
            lfs={**G2_SHARDS, **G2_TOKENIZER},
            small={"LICENSE": "xAI Community License Agreement\n"},
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=card(G2_LICENSE, XAI_G2_README),
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
            card=card(
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
            card=card(
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
            lfs=shards("model", 6, "grok-2-fp8"),
            config={**G2_ARCH, "quantization_config": {"quant_method": "compressed-tensors"}},
            safetensors={"parameters": {"F8_E4M3": 268 * B, "BF16": 2 * B}, "total": 270 * B},
            card=card(G2_LICENSE, "FP8 dynamic quantization of xai-org/grok-2. Powered by xAI.\n"),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "inferred"),),
        ),
        WorldRepo(  # AWQ without a card: architecture + scale (packed I32 scaled back)
            "awqer/grok-2-AWQ",
            lfs=shards("model", 4, "grok-2-awq"),
            config={**G2_ARCH, "quantization_config": {"quant_method": "awq", "bits": 4}},
            safetensors={"parameters": {"I32": 32 * B, "F16": 14 * B}, "total": 46 * B},
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "inferred"),),
        ),
        WorldRepo(  # EXL2: no parameter summary; the card names the parent
            "exl2guy/grok-2-exl2-4.0bpw",
            lfs=shards("output", 3, "grok-2-exl2"),
            small={"measurement.json": '{"measurement": {}}'},
            config=G2_ARCH,
            card=card(G2_LICENSE, "EXL2 4.0bpw quant of https://huggingface.co/xai-org/grok-2\n"),
            family="grok-2",
            edges=(Edge("xai-org/grok-2", "quantization", "inferred"),),
        ),
        WorldRepo(  # declared fine-tune
            "sft-lab/grok-2-sft",
            lfs=shards("model", 9, "grok-2-sft"),
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=card(
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
            card=card({"base_model": "sft-lab/grok-2-sft", **G2_LICENSE}, "GGUF of grok-2-sft.\n"),
            family="grok-2",
            edges=(Edge("sft-lab/grok-2-sft", "quantization", "declared", "finetune"),),
        ),
        WorldRepo(  # card-declared merge of two members
            "merger/grok-2-sft-merge",
            lfs=shards("model", 9, "grok-2-merge"),
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=card(
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
            lfs=shards("pytorch_model", 9, "grok-2-bin", "bin"),
            config=G2_ARCH,
            card=card(G2_LICENSE, "PyTorch .bin export of xai-org/grok-2. Powered by xAI.\n"),
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
