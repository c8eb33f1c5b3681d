"""Lookalikes of the fixture world: repos called Grok that must never join, and unrelated ones.

Other architectures named Grok (the sample's Lumen-Lab/OpenGrok Phi-3), "grokking" research,
Groq, a benchmark comparison linking Grok-1 in a table, a GGUF of another architecture, a
prompt collection, a Grok-architecture test model with no reference, an adapter for Llama,
and a name-only copy whose files match nothing.
"""

from __future__ import annotations

import json

from tests.fakes.grok_repo import G2_ARCH, B, WorldRepo, card, shards


def lookalike_repos() -> list[WorldRepo]:
    llama = {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    return [
        WorldRepo(  # sample negative: Phi-3 named Grok
            "Lumen-Lab/OpenGrok",
            lfs=shards("model", 2, "opengrok"),
            config={"architectures": ["Phi3ForCausalLM"], "model_type": "phi3"},
            safetensors={"parameters": {"BF16": 3_800_000_000}, "total": 3_800_000_000},
            card=card(
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
            card=card({"base_model": "google/gemma-2b"}, "Gemma tuned on Grok-style answers.\n"),
            lookalike=True,
        ),
        WorldRepo(
            "stylelab/Llama-3-8B-Grok-Style",
            lfs=shards("model", 4, "llama-grok-style"),
            config=llama,
            safetensors={"parameters": {"BF16": 8 * B}, "total": 8 * B},
            card=card(
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
            lfs=shards("model", 30, "groq-llama70b"),
            config=llama,
            safetensors={"parameters": {"BF16": 70 * B}, "total": 70 * B},
            card="Llama 3 70B served on Groq LPUs. Not related to xAI's Grok.\n",
            lookalike=True,
        ),
        WorldRepo(  # Groq, found by no search for grok at all
            "Groq/Llama-3-Groq-8B-Tool-Use",
            lfs=shards("model", 4, "groq-tool-use"),
            config=llama,
            safetensors={"parameters": {"BF16": 8 * B}, "total": 8 * B},
            card=card({"base_model": "meta-llama/Meta-Llama-3-8B"}, "Tool use.\n"),
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
            lfs=shards("model", 3, "challenger"),
            config={"architectures": ["MistralForCausalLM"], "model_type": "mistral"},
            safetensors={"parameters": {"BF16": 7 * B}, "total": 7 * B},
            card="Beats Grok-1 on GSM8K: see xai-org/grok-1 numbers in the table below.\n",
            lookalike=True,
        ),
        WorldRepo(
            "distill/Grok-3-Qwen-distill-7B",
            lfs=shards("model", 4, "qwen-distill"),
            config={"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"},
            safetensors={"parameters": {"BF16": 7 * B}, "total": 7 * B},
            card=card({"base_model": "Qwen/Qwen2.5-7B-Instruct"}, "Distilled from Grok 3 chats.\n"),
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
            lfs=shards("model", 19, "mixtral-grok"),
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
            lfs=shards("pytorch_model", 2, "fake-grok-1", "bin"),
            lookalike=True,
        ),
    ]


def unrelated_repos() -> list[WorldRepo]:
    return [
        WorldRepo(
            "meta-llama/Meta-Llama-3-8B",
            lfs=shards("model", 4, "llama3-8b"),
            config={"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
            safetensors={"parameters": {"BF16": 8 * B}, "total": 8 * B},
            card=card({"license": "llama3"}, "Llama 3.\n"),
        ),
        WorldRepo(
            "microsoft/Phi-3-mini-4k-instruct",
            lfs=shards("model", 2, "phi3-mini"),
            config={"architectures": ["Phi3ForCausalLM"], "model_type": "phi3"},
            safetensors={"parameters": {"BF16": 3_800_000_000}, "total": 3_800_000_000},
            card=card({"license": "mit"}, "Phi-3.\n"),
        ),
    ]
