"""What of a repo the signals read again later: kept with the node, given back to a record.

A crawl reads a card, a PEFT or mergekit config or a GGUF header once; the resolver needs them
again at every resolve (`tracker resolve` makes no hub request). `compact(record)` keeps the
lineage-bearing part, bounded; `restore(record, kept)` puts it back where the signals look.
Only what the record actually showed is in `compact`'s answer, so merging it over what was
kept before never forgets a card that this crawl did not read again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from crawlers.base import RepoRecord, clean_text
from crawlers.content import CARD_DATA, CONFIGS, parse_card
from crawlers.references import _mergekit_models

CARD_LIMIT = 32_000  # characters of card body kept: the lineage prose is at the top
_CARD_KEYS = ("base_model", "base_model_relation", "license", "license_name", "license_link")
_MAX_NAMES = 64


def _short(value: object) -> Any:
    if isinstance(value, str):
        return clean_text(value, 300)
    if isinstance(value, list):
        return [clean_text(v, 300) for v in value[:_MAX_NAMES] if isinstance(v, str)]
    return None


def compact(record: RepoRecord) -> dict[str, Any]:
    """The lineage-bearing part of what the record showed (empty: it showed nothing new)."""
    out: dict[str, Any] = {}
    card = record.extra.get(CARD_DATA)
    if not isinstance(card, Mapping) or not card:
        card = {
            k: record.extra[k] for k in ("base_model", "base_model_relation") if k in record.extra
        }
    if not card and record.card_text:
        card = parse_card(record.card_text)[0]
    kept = {k: _short(card[k]) for k in _CARD_KEYS if k in card and _short(card[k]) is not None}
    if kept:
        out["card_data"] = kept
    if record.card_text is not None:
        body = (
            parse_card(record.card_text)[1]
            if record.card_text.startswith("---")
            else record.card_text
        )
        out["card"] = clean_text(body, CARD_LIMIT)
    configs = record.extra.get(CONFIGS)
    if isinstance(configs, Mapping):
        small: dict[str, Any] = {}
        adapter = configs.get("adapter_config.json")
        if isinstance(adapter, Mapping) and isinstance(adapter.get("base_model_name_or_path"), str):
            small["adapter_config.json"] = {
                "base_model_name_or_path": clean_text(adapter["base_model_name_or_path"], 300)
            }
        for name in ("mergekit_config.yml", "mergekit_config.yaml"):
            if name in configs:
                models = _mergekit_models(configs[name])[:_MAX_NAMES]
                small[name] = {"models": [{"model": clean_text(m, 300)} for m in models]}
        header = configs.get("gguf_header")
        if isinstance(header, Mapping):
            small["gguf_header"] = {
                str(k): clean_text(v, 300)
                for k, v in header.items()
                if isinstance(v, str) and str(k).startswith("general.")
            }
        if small:
            out["configs"] = small
    return out


def restore(
    record: RepoRecord, kept: Mapping[str, Any] | None, aliases: tuple[str, ...] = ()
) -> RepoRecord:
    """The record with what was kept put back where the signals read it."""
    kept = kept or {}
    extra = dict(record.extra)
    if isinstance(kept.get("card_data"), Mapping):
        extra[CARD_DATA] = dict(kept["card_data"])
    if isinstance(kept.get("configs"), Mapping):
        extra[CONFIGS] = dict(kept["configs"])
    if aliases:
        extra["aliases"] = tuple(aliases)
    card = kept.get("card") if isinstance(kept.get("card"), str) else record.card_text
    return replace(record, extra=extra, card_text=card)
