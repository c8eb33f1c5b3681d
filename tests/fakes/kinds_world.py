"""A world built for kinds of cases, not names: where greedy parent choices used to go wrong.

Issue 10's kinds: a conversion named only in card text and a random-init test model shipping
the same tokenizer files; a declared FP8 quantization, a fine-tune, a LoRA adapter and a merge
below that conversion; a re-upload whose declared base has a typo; a repo that declares itself;
a declared 2-cycle; a chat-UI preset that only links the release (not a derivative); a GGUF of
the conversion whose closest parent sorts after it; a bilingual card describing a fine-tune;
conversion code that belongs to both roots. The ids are new: no rule may know them.
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
    shards,
)

CONV = "ptlab/grok1-pytorch"
FT = "tunehouse/grok1-pytorch-chat"


def kinds_world() -> list[WorldRepo]:
    g1 = "xai-org/grok-1"
    conv_weights = shards("model", 12, "ptlab-bf16")
    return [
        WorldRepo(g1, lfs={**G1_JAX, **G1_TOKENIZER}, root="grok-1",
                  card=card({"license": "apache-2.0"}, "# Grok-1\n\nOpen weights.\n")),
        WorldRepo("xai-org/grok-2", lfs={**G2_SHARDS, **G2_TOKENIZER}, config=G2_ARCH,
                  safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
                  card=card(G2_LICENSE, XAI_G2_README), root="grok-2"),
        WorldRepo(  # the conversion: Grok-1 named only in prose
            CONV,
            lfs={**conv_weights, **G1_TOKENIZER},
            small={"modeling_grok1.py": "class Grok1ModelForCausalLM: ...\n"},
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 314 * B}, "total": 314 * B},
            card=card({"license": "apache-2.0"},
                      "# Grok-1 in PyTorch\n\nThe Grok-1 weights converted from the JAX "
                      "checkpoint at https://huggingface.co/xai-org/grok-1 to bf16 safetensors.\n"),
            family="grok-1", edges=(Edge(g1, "conversion", "inferred"),),
        ),
        WorldRepo(  # a random-init test model shipping the conversion's tokenizer
            "ptlab/grok1-pytorch-tiny-random",
            lfs={"model.safetensors": "tiny-random", **G1_TOKENIZER},
            config=G1_ARCH,
            safetensors={"parameters": {"F32": 8_000_000}, "total": 8_000_000},
            card=card({"license": "apache-2.0"},
                      "# Tiny random Grok-1\n\nRandomly initialized weights with the layout of "
                      "https://huggingface.co/xai-org/grok-1, for unit tests.\n"),
            family="grok-1", edges=(Edge(g1, "other", "inferred"),),
        ),
        WorldRepo(  # declared FP8 quantization of the conversion
            "fp8lab/grok1-pytorch-FP8",
            lfs=shards("model", 6, "fp8lab"),
            config={**G1_ARCH, "quantization_config": {"quant_method": "fp8"}},
            safetensors={"parameters": {"F8_E4M3": 314 * B}, "total": 314 * B},
            card=card({"base_model": CONV, "license": "apache-2.0"}, "# FP8\n"),
            family="grok-1", edges=(Edge(CONV, "quantization", "declared"),),
        ),
        WorldRepo(  # declared fine-tune of the conversion
            FT,
            lfs=shards("model", 12, "tunehouse"),
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 314 * B}, "total": 314 * B},
            card=card({"base_model": CONV, "license": "apache-2.0"},
                      "# Chat\n\nFine-tuned for chat on our dialogue data.\n"),
            family="grok-1", edges=(Edge(CONV, "finetune", "declared"),),
        ),
        WorldRepo(  # a LoRA adapter on the fine-tune, declared only in adapter_config.json
            "loras/grok1-chat-lora",
            lfs={"adapter_model.safetensors": "loras-chat"},
            small={"adapter_config.json": json.dumps(
                {"base_model_name_or_path": FT, "peft_type": "LORA", "r": 16})},
            family="grok-1", edges=(Edge(FT, "adapter", "declared"),),
        ),
        WorldRepo(  # a merge of the fine-tune and the conversion
            "mergers/grok1-chat-slerp",
            lfs=shards("model", 12, "mergers-slerp"),
            small={"mergekit_config.yml": f"merge_method: slerp\nslices:\n  - sources:\n"
                   f"      - model: {CONV}\n      - model: {FT}\n"},
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 314 * B}, "total": 314 * B},
            card=card({"license": "apache-2.0"}, "# Slerp merge\n"),
            family="grok-1",
            edges=(Edge(CONV, "merge", "declared"), Edge(FT, "merge", "declared")),
        ),
        WorldRepo(  # a re-upload whose declared base is misspelled
            "mirrorer/grok1-pytorch-copy",
            lfs={**conv_weights, **G1_TOKENIZER},
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 314 * B}, "total": 314 * B},
            card=card({"base_model": "ptlab/grok1-pytroch", "license": "apache-2.0"}, "# copy\n"),
            family="grok-1", edges=(Edge(CONV, "fork", "inferred"),),
        ),
        WorldRepo(  # declares itself, holds a GGUF of Grok-1's scale
            "selfref/grok-1-Q2_K-GGUF",
            lfs={"grok-1-Q2_K.gguf": "selfref-q2"},
            gguf={"total": 316 * B, "architecture": "grok", "context_length": 8192},
            card=card({"base_model": "selfref/grok-1-Q2_K-GGUF", "license": "apache-2.0"},
                      "# Q2_K\n"),
            family="grok-1", edges=(Edge(g1, "quantization", "inferred"),),
        ),
        WorldRepo(  # a declared 2-cycle: a names b, b names a; a also links the release
            "cyc/grok-1-alpha",
            lfs=shards("model", 12, "cyc-alpha"),
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 314 * B}, "total": 314 * B},
            card=card({"base_model": "cyc/grok-1-beta", "license": "apache-2.0"},
                      "# Alpha\n\nFine-tuned from https://huggingface.co/xai-org/grok-1 on "
                      "instructions.\n"),
            family="grok-1", edges=(Edge(g1, "finetune", "inferred"),),
        ),
        WorldRepo(
            "cyc/grok-1-beta",
            lfs=shards("model", 12, "cyc-beta"),
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 314 * B}, "total": 314 * B},
            card=card({"base_model": "cyc/grok-1-alpha", "license": "apache-2.0"},
                      "# Beta\n\nFurther fine-tuned on more instructions.\n"),
            family="grok-1", edges=(Edge("cyc/grok-1-alpha", "finetune", "declared"),),
        ),
        WorldRepo(  # a chat-UI preset linking the release: not a derivative
            "uikit/grok-1-chat-preset",
            small={"preset.json": json.dumps({"model": "xai-org/grok-1", "temperature": 0.7})},
            card=card({"license": "mit"},
                      "# Chat preset\n\nA chat UI preset for https://huggingface.co/xai-org/grok-1"
                      " with a friendly system prompt.\n"),
            lookalike=True,
        ),
        WorldRepo(  # a GGUF of the conversion, named after it, listed before it by name
            "aaa-quants/grok1-pytorch-Q4_K_M-GGUF",
            lfs={"grok1-pytorch-Q4_K_M.gguf": "aaa-q4"},
            gguf={"total": 316 * B, "architecture": "grok", "context_length": 8192},
            card=card({"license": "apache-2.0"},
                      f"# Q4_K_M\n\nGGUF of https://huggingface.co/{CONV} (Grok-1, see "
                      "https://huggingface.co/xai-org/grok-1).\n"),
            family="grok-1", edges=(Edge(CONV, "quantization", "inferred"),),
        ),
        WorldRepo(  # a bilingual card describing a fine-tune
            "zhlab/grok-1-chat-zh",
            lfs=shards("model", 12, "zhlab"),
            config=G1_ARCH,
            safetensors={"parameters": {"BF16": 314 * B}, "total": 314 * B},
            card=card({"license": "apache-2.0"},
                      "# Grok-1 中文对话\n\n本模型基于 xai-org/grok-1 在中文对话数据上微调。\n\n"
                      "This model is xai-org/grok-1 adapted to Chinese chat.\n"),
            family="grok-1", edges=(Edge(g1, "finetune", "inferred"),),
        ),
        WorldRepo(  # code converting Grok-1 checkpoints into the Grok-2 layout: both roots
            "toolsmith/grok-1-to-grok-2-layout",
            small={"convert.py": "# reads Grok-1 JAX checkpoints, writes the Grok-2 layout\n"},
            card=card({"license": "apache-2.0"},
                      "# Grok-1 -> Grok-2 layout\n\nConverts checkpoints of "
                      "https://huggingface.co/xai-org/grok-1 into the layout of "
                      "https://huggingface.co/xai-org/grok-2.\n"),
            family="grok-1", edges=(Edge(g1, "other", "inferred"),),
        ),
    ]


BOTH_ROOTS = "toolsmith/grok-1-to-grok-2-layout"


def expected_edges() -> set[tuple[str, str, str]]:
    out = {(e.parent, r.repo_id, e.relation) for r in kinds_world() for e in r.edges}
    return out | {("xai-org/grok-2", BOTH_ROOTS, "other")}


def members(root: str) -> set[str]:
    if root == "grok-2":
        return {"xai-org/grok-2", BOTH_ROOTS}
    return {r.repo_id for r in kinds_world() if r.family == "grok-1" or r.root == "grok-1"}
