"""A small Grok-1 family on the fake Hugging Face hub, for tests that change the hub's world
between crawls."""

from __future__ import annotations

import hashlib

from tests.fakes.hf_world import FakeFile, FakeRepo, World

ROOT = "xai-org/grok-1"


def weights(label: str) -> list[FakeFile]:
    return [FakeFile("model.safetensors", 10_000, hashlib.sha256(label.encode()).hexdigest())]


def child(repo_id: str, parent: str, relation: str | None = None, **kw) -> FakeRepo:
    card = {"license": "apache-2.0", "base_model": parent, **kw.pop("card", {})}
    if relation:
        card["base_model_relation"] = relation
    return FakeRepo(repo_id, card=card, files=kw.pop("files", None) or weights(repo_id), **kw)


def world() -> World:
    return World(
        [
            FakeRepo(ROOT, card={"license": "apache-2.0"}, files=weights(ROOT), likes=2000),
            child("keyfan/grok-1-hf", ROOT),
            child(
                "someone/grok-1-hf-GGUF",
                "keyfan/grok-1-hf",
                "quantized",
                files=[FakeFile("grok-1.Q4_K_M.gguf", 5_000, "c" * 64)],
            ),
            child("alice/grok-1-ft", "keyfan/grok-1-hf", "finetune"),
            child("carol/grok-1-tuned", "keyfan/grok-1-hf", "finetune"),
            child("dave/grok-1-instruct", ROOT, "finetune"),
            child("bob/grok-1-chat", ROOT, "finetune"),
        ]
    )
