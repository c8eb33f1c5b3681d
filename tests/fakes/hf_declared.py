"""A declared Grok-1 family on the fake Hub, for the Hugging Face crawler's tests.

Several levels deep (a conversion, its quantization, a fine-tune, an adapter of that, a merge
of two members, a merge with an outsider), plus what real data throws at a crawler: a cycle, a
self-reference, a declared base that does not exist, a repo renamed after the listing, one
deleted after the listing, a gated member, and unrelated models that must stay out. `FAMILY`
is every member's id, `EDGES` every declared (parent, child, relation).
"""

from __future__ import annotations

import hashlib

from tests.fakes.hf_world import FakeFile, FakeRepo, World

ROOT = "xai-org/grok-1"


def weights(repo_id: str, n: int = 2) -> list[FakeFile]:
    """`n` LFS weight files with hashes of their own."""
    return [
        FakeFile(
            f"model-{i}.safetensors", 10_000, hashlib.sha256(f"{repo_id}/{i}".encode()).hexdigest()
        )
        for i in range(n)
    ]


def family_world() -> World:
    repos = [
        FakeRepo(
            ROOT,
            card={"license": "apache-2.0"},
            card_text="# Grok-1\n",
            files=[FakeFile("ckpt-0/tensor00000_000", 1 << 30, "a" * 64)],
            likes=2000,
        ),
        # level 1: a conversion (the Hub has no word for it: its guess is finetune)
        FakeRepo(
            "keyfan/grok-1-hf",
            card={"license": "apache-2.0", "base_model": ROOT},
            config={"architectures": ["Grok1ModelForCausalLM"], "model_type": "grok-1"},
            safetensors={"parameters": {"BF16": 316_000_000_000}, "total": 316_000_000_000},
            files=weights("keyfan"),
            downloads=42,
            created_at="2024-03-20T10:00:00.000Z",
        ),
        # level 2: a quantization and a fine-tune of the conversion
        FakeRepo(
            "mradermacher/grok-1-hf-GGUF",
            card={
                "license": "apache-2.0",
                "base_model": "keyfan/grok-1-hf",
                "base_model_relation": "quantized",
            },
            gguf={"total": 316_000_000_000, "architecture": "grok", "context_length": 8192},
            files=[FakeFile("grok-1-hf.Q4_K_M.gguf", 1 << 30, "b" * 64)],
        ),
        FakeRepo(
            "tuner/grok-1-hf-chat",
            card={
                "license": "apache-2.0",
                "base_model": ["keyfan/grok-1-hf"],
            },
            files=weights("tuner"),
        ),
        # level 3: an adapter of the fine-tune, a merge of two members, a merge with an outsider
        FakeRepo(
            "lora/grok-chat-lora",
            card={"base_model": "tuner/grok-1-hf-chat"},
            files=[
                FakeFile("adapter_config.json", 50, None, b"{}"),
                FakeFile("adapter_model.safetensors", 1000, "c" * 64),
            ],
        ),
        FakeRepo(
            "merger/grok-chat-merge",
            card={
                "license": "apache-2.0",
                "base_model": ["tuner/grok-1-hf-chat", "keyfan/grok-1-hf"],
            },
            files=weights("merger"),
        ),
        FakeRepo(
            "merger/grok-llama-merge",
            card={"base_model": ["keyfan/grok-1-hf", "meta-llama/Llama-3.1-8B"]},
            files=weights("merger2"),
        ),
        # a cycle: cyc/a declares the root and cyc/b; cyc/b declares cyc/a
        FakeRepo(
            "cyc/a",
            card={"base_model": [ROOT, "cyc/b"], "base_model_relation": "finetune"},
            files=weights("cyc/a"),
        ),
        FakeRepo(
            "cyc/b",
            card={"base_model": "cyc/a", "base_model_relation": "quantized"},
            files=weights("cyc/b"),
        ),
        # a self-reference and a declared base that does not exist
        FakeRepo(
            "selfie/grok-1-self",
            card={"base_model": [ROOT, "selfie/grok-1-self"], "base_model_relation": "finetune"},
            files=weights("selfie"),
        ),
        FakeRepo(
            "ghostly/grok-1-ft",
            card={"base_model": [ROOT, "ghost/never-existed"], "base_model_relation": "finetune"},
            files=weights("ghostly"),
        ),
        # renamed after the listing: the index still shows the former id, the repo redirects
        FakeRepo(
            "new-org/grok-1-fp8",
            card={"base_model": ROOT, "base_model_relation": "quantized"},
            renamed_from=["old-org/grok-1-fp8"],
            files=weights("fp8"),
            json_overrides={"id": "old-org/grok-1-fp8", "modelId": "old-org/grok-1-fp8"},
        ),
        FakeRepo(
            "fp8fan/grok-1-fp8-ft",
            card={"base_model": "old-org/grok-1-fp8"},
            files=weights("fp8ft"),
        ),
        # deleted after the listing
        FakeRepo("gone/grok-1-copy", card={"base_model": ROOT}, deleted=True, still_listed=True),
        # gated
        FakeRepo(
            "locked/grok-1-gated",
            card={"base_model": ROOT, "license": "apache-2.0"},
            gated="manual",
            files=weights("locked"),
        ),
        # outsiders
        FakeRepo("meta-llama/Llama-3.1-8B", card={"license": "llama3.1"}, files=weights("llama")),
        FakeRepo(
            "Lumen-Lab/OpenGrok",
            card={"license": "mit", "base_model": "microsoft/Phi-3-mini-4k-instruct"},
        ),
        FakeRepo("microsoft/Phi-3-mini-4k-instruct", card={"license": "mit"}),
    ]
    return World(repos)


FAMILY = {
    ROOT,
    "keyfan/grok-1-hf",
    "mradermacher/grok-1-hf-GGUF",
    "tuner/grok-1-hf-chat",
    "lora/grok-chat-lora",
    "merger/grok-chat-merge",
    "merger/grok-llama-merge",
    "cyc/a",
    "cyc/b",
    "selfie/grok-1-self",
    "ghostly/grok-1-ft",
    "new-org/grok-1-fp8",
    "fp8fan/grok-1-fp8-ft",
    "gone/grok-1-copy",
    "locked/grok-1-gated",
}
EDGES = {
    (ROOT, "keyfan/grok-1-hf", "conversion"),
    ("keyfan/grok-1-hf", "mradermacher/grok-1-hf-GGUF", "quantization"),
    ("keyfan/grok-1-hf", "tuner/grok-1-hf-chat", "finetune"),
    ("tuner/grok-1-hf-chat", "lora/grok-chat-lora", "adapter"),
    ("tuner/grok-1-hf-chat", "merger/grok-chat-merge", "merge"),
    ("keyfan/grok-1-hf", "merger/grok-chat-merge", "merge"),
    ("keyfan/grok-1-hf", "merger/grok-llama-merge", "merge"),
    ("meta-llama/Llama-3.1-8B", "merger/grok-llama-merge", "merge"),
    (ROOT, "cyc/a", "finetune"),
    ("cyc/a", "cyc/b", "quantization"),
    ("cyc/b", "cyc/a", "finetune"),
    (ROOT, "selfie/grok-1-self", "finetune"),
    (ROOT, "ghostly/grok-1-ft", "finetune"),
    (ROOT, "new-org/grok-1-fp8", "quantization"),
    ("new-org/grok-1-fp8", "fp8fan/grok-1-fp8-ft", "finetune"),
    (ROOT, "gone/grok-1-copy", "finetune"),
    (ROOT, "locked/grok-1-gated", "finetune"),
}
