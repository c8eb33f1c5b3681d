"""What crawlers keep between runs (ETags, rejected lookalikes), per hub."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from db.models import HubCache
from db.repository.common import _chunks


def load_cache(session: Session, hub: str, prefix: str = "") -> dict[str, Any]:
    """key -> value of a hub's cache entries (those whose key starts with `prefix`)."""
    query = select(HubCache.key, HubCache.value).where(HubCache.hub == hub)
    if prefix:
        query = query.where(HubCache.key.startswith(prefix, autoescape=True))
    return dict(session.execute(query).all())


def save_cache(session: Session, hub: str, entries: Mapping[str, Any], *, now: datetime) -> None:
    """Insert or replace cache entries, in bulk."""
    keys = list(entries)
    stored: set[str] = set()
    for chunk in _chunks(keys):
        stored.update(
            session.scalars(
                select(HubCache.key).where(HubCache.hub == hub, HubCache.key.in_(chunk))
            )
        )
    rows = [{"hub": hub, "key": k, "value": entries[k], "updated_at": now} for k in keys]
    fresh = [r for r in rows if r["key"] not in stored]
    if fresh:
        session.execute(insert(HubCache), fresh)
    table = cast(Table, HubCache.__table__)
    old = [
        {"h": r["hub"], "k": r["key"], "v": r["value"], "t": now}
        for r in rows
        if r["key"] in stored
    ]
    if old:
        session.connection().execute(
            table.update()
            .where(table.c.hub == bindparam("h"), table.c.key == bindparam("k"))
            .values(value=bindparam("v"), updated_at=bindparam("t")),
            old,
        )
