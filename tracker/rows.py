"""Rows: what a hub gave, turned into what the database stores.

Crawlers validate what they parse; here every value is made storable whatever a crawler let
through, once for every hub. A `RepoRecord` becomes a `nodes` row (license normalized,
attribution read from the card, a default URL), its files `files` rows, each lineage claim an
`edges` row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from crawlers.base import LineageClaim, RepoRecord, clean_text
from crawlers.content import CONFIGS
from crawlers.hubs import web_url
from crawlers.signals import claim_kind
from db.repository import fingerprint
from graph.licenses import normalize_license, shows_attribution

# Crawlers validate what they parse; here every string a hub gave is made storable whatever a
# crawler let through: no NUL (PostgreSQL refuses it), no lone surrogate (no UTF-8 encoder takes
# it), nothing longer than its column, no integer beyond BIGINT (tests/tracker/test_bad_data.py).
_BIGINT = 2**63 - 1


def storable_text(value: object, limit: int | None = None) -> str | None:
    """A hub string made storable (None stays None), at most `limit` characters."""
    return None if value is None else clean_text(str(value), limit)


def _int(value: Any) -> int:
    try:
        return max(0, min(int(value), _BIGINT))
    except (TypeError, ValueError, OverflowError):
        return 0


def file_row(f: Any) -> dict[str, Any]:
    return {
        "path": clean_text(f.path, 1000),
        "size": _int(f.size),
        "sha256": storable_text(f.sha256, 64),
        "blob_id": storable_text(f.blob_id, 64),
    }


def _json_safe(value: Any) -> Any:
    """Hub JSON as we store it: plain types only, anything else as text."""
    return json.loads(json.dumps(value, default=str))


def node_row(record: RepoRecord) -> dict[str, Any]:
    """A RepoRecord as a `nodes` row: license normalized, attribution read from the card."""
    license_ = normalize_license(record.license_raw)
    # parsed configs are evidence, kept with the node's signals (crawlers/signals/keep.py),
    # not node metadata: a crawl that did not read them again changes nothing
    meta: dict[str, Any] = {"extra": {k: v for k, v in record.extra.items() if k != CONFIGS}}
    if record.gguf is not None:
        meta["gguf"] = record.gguf
    if record.safetensors is not None:
        meta["safetensors"] = record.safetensors
    row = {
        "key": record.key,
        "hub": record.hub,
        "repo_id": record.repo_id,
        "url": clean_text(record.url or web_url(record.hub, record.repo_id)),
        # a live renamed repo is `active` under its new id; the former id is an alias (SPEC)
        "status": "active" if record.status == "renamed" else record.status,
        "sha": storable_text(record.sha, 64),
        "license": clean_text(license_.id, 100),
        "license_raw": _json_safe(dict(license_.raw)),
        "architectures": clean_text(",".join(record.architectures)),
        "model_type": clean_text(record.model_type or "", 100),
        "formats": clean_text(",".join(sorted(set(record.formats)))),
        "parameters": _int(record.parameters),
        "downloads": _int(record.downloads),
        "likes": _int(record.likes),
        "gated": bool(record.gated),
        "tags": _json_safe(list(record.tags)),
        "meta": _json_safe(meta),
        "created_at": record.created_at,
        "last_modified": record.last_modified,
    }
    if record.card_text is not None:
        shown = shows_attribution(record.card_text)
        # the unread rest of a card over the read limit may show it: not checked (issue 17)
        row["attribution"] = None if shown is False and not record.card_complete else shown
    return row


def claim_rows(
    claims: Iterable[LineageClaim], ids: Mapping[str, int]
) -> tuple[list[dict[str, Any]], list[tuple[str | None, str]]]:
    """A crawler's claims as `evidence` rows (the resolver decides what becomes an edge) for
    the claims whose child is in `ids` (node key -> id); a warning (repo, message) for each
    claim about a repo the database does not hold. The parent need not be stored."""
    rows: list[dict[str, Any]] = []
    bad: list[tuple[str | None, str]] = []
    for claim in claims:
        child = ids.get(claim.child)
        if child is None:
            bad.append((claim.child, f"claim about unknown node {claim.child} skipped"))
            continue
        rows.append(
            {
                "child_id": child,
                "parent_key": clean_text(claim.parent, 300),
                "kind": claim_kind(claim),
                "relation": claim.relation,
                "source": claim.source,
                "strength": float(min(1.0, max(0.0, claim.confidence))),
                "detail": clean_text(str(claim.evidence), 1000),
                "declared_relation": storable_text(claim.declared_relation, 20),
            }
        )
    return rows, bad


def observation_row(node_id: int, row: Mapping[str, Any]) -> dict[str, Any]:
    """What a run saw of a node (an `observations` row), from the node's row."""
    return {
        "node_id": node_id,
        "status": row["status"],
        "sha": row["sha"],
        "license": row["license"],
        "downloads": row["downloads"],
        "likes": row["likes"],
        "fingerprint": fingerprint(row),
    }


def warning_row(repo: str | None, message: object) -> tuple[str | None, str]:
    """A run warning (repo, message) as the database can hold it."""
    return storable_text(repo, 300), clean_text(str(message), 2000)
