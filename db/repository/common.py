"""What every repository module shares: the tracked fields, chunked IN lists, fingerprints."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Row

# A result row of any columns: the plain rows read where thousands of ORM objects would cost
AnyRow = Row[*tuple[Any, ...]]

# Fields of a node whose change is history; downloads and likes are history but not "changed".
CONTENT_FIELDS = (
    "url",
    "status",
    "sha",
    "license",
    "license_raw",
    "attribution",
    "architectures",
    "model_type",
    "formats",
    "parameters",
    "gated",
    "tags",
    "meta",
    "created_at",
    "last_modified",
    "downloads",
    "likes",
)

HISTORY_FIELDS = (
    "status",
    "license",
    "sha",
    "gated",
    "parameters",
    "formats",
    "architectures",
    "downloads",
    "likes",
    "attribution",
)

STAT_FIELDS = frozenset({"downloads", "likes"})

CHUNK = 500  # bound on IN (...) lists
T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fingerprint(row: Mapping[str, Any]) -> str:
    """A stable hash of a node's content fields (absent = NULL), to skip unchanged rows."""
    payload = {k: _canonical(row.get(k)) for k in CONTENT_FIELDS}
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):  # the same instant hashes the same in any zone
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    return value


def _history_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
