"""What happens on the fake Hub between two crawls of the small Grok-1 family (grok_history),
and the alert events it must give."""

from __future__ import annotations

from tests.fakes.grok_history import ROOT, child, weights
from tests.fakes.hf_world import FakeRepo


def change(hub_world) -> None:
    """What happens on the Hub between two crawls (as in test_history_hf), plus a new
    derivative that declares no license."""
    hub_world.add(child("someone/grok-1-Q8-GGUF", "keyfan/grok-1-hf", "quantized"))
    hub_world.add(FakeRepo("eve/grok-1-nolicense", card={"base_model": ROOT}, files=weights("eve")))
    hub_world.delete("alice/grok-1-ft")
    hub_world.rename("bob/grok-1-chat", "bob/grok-1-chat-v2")
    hub_world.update(
        "carol/grok-1-tuned", card={"license": "mit", "base_model": "keyfan/grok-1-hf"}
    )
    hub_world.update("dave/grok-1-instruct", gated="manual")


EXPECTED = {
    ("new", "huggingface:someone/grok-1-Q8-GGUF"),
    ("new", "huggingface:eve/grok-1-nolicense"),
    ("license_issue", "huggingface:eve/grok-1-nolicense"),
    ("removed", "huggingface:alice/grok-1-ft"),
    ("renamed", "huggingface:bob/grok-1-chat-v2"),
    ("relicensed", "huggingface:carol/grok-1-tuned"),
    ("gated", "huggingface:dave/grok-1-instruct"),
}
