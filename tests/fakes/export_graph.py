"""Graphs for the exporters' tests: every node and edge attribute filled, hostile strings."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
ROOT = "huggingface:xai-org/grok-1"

# What user-written hub metadata holds: each must come back as sanitize(value).
HOSTILE = {
    "nul_and_controls": "a\x00b\x01c\x08d\x0be\x0cf\x1fg\x7fh\x85i\x9f",
    "lone_surrogates": "x\ud800y\udfffz\ud83d",
    "non_characters": "\ufffe\uffff\ufdd0\U0001fffe\U0010ffff",
    "whitespace": "  lead\ttab\nline\r\ncrlf\rcr  ",
    "emoji_rtl": "🦙 Grok \U0001f9e0 \u202eevil\u202c \u200fمرحبا\u200e \ufeffbom",
    "markup": "]]> <script>alert('x')</script> & &amp; \"q\" <![CDATA[x]]>",
    "long": "grok " * 200_000,
    "empty": "",
}


def full_node(key: str, **overrides) -> dict:
    hub, _, repo_id = key.partition(":")
    attrs = {
        "hub": hub,
        "repo_id": repo_id,
        "url": f"https://huggingface.co/{repo_id}",
        "roots": "grok-1",
        "is_root": False,
        "license": "apache-2.0",
        "license_issues": "",
        "status": "active",
        "formats": "safetensors",
        "parameters": 314_000_000_000,
        "downloads": 12,
        "likes": 3,
        "created_at": "2024-03-17T00:00:00+00:00",
        "last_modified": "2024-03-18T00:00:00+00:00",
        "first_seen": "2026-11-01T04:00:00+00:00",
        "last_seen": "2026-11-23T04:00:00+00:00",
        "aliases": "",
    }
    attrs.update(overrides)
    return attrs


def full_edge(**overrides) -> dict:
    attrs = {
        "relation": "finetune",
        "source": "declared",
        "confidence": 0.95,
        "evidence": "card base_model",
        "first_seen": "2026-11-01T04:00:00+00:00",
    }
    attrs.update(overrides)
    return attrs
