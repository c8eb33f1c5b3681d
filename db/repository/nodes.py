"""Nodes: ids by key or alias, bulk upserts with history, renames, status, observations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from db.models import Alias, Edge, Evidence, File, Node, NodeHistory, Observation, RootMember
from db.repository.common import (
    CONTENT_FIELDS,
    HISTORY_FIELDS,
    STAT_FIELDS,
    AnyRow,
    _chunks,
    _history_text,
    fingerprint,
)


@dataclass
class NodeWrite:
    """What a batch of node writes did, by node key."""

    ids: dict[str, int] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # beyond download/like counts
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key)
    # (new key, dropped row id): a node stored under the new id before a rename proved it
    folded: list[tuple[str, int]] = field(default_factory=list)


def node_ids(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """Ids of the given keys, resolving former ids (aliases) to the node they became."""
    keys = list(dict.fromkeys(keys))
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        for key, node_id in session.execute(select(Node.key, Node.id).where(Node.key.in_(chunk))):
            found[key] = node_id
    missing = [k for k in keys if k not in found]
    for chunk in _chunks(missing):
        for key, node_id in session.execute(
            select(Alias.key, Alias.node_id).where(Alias.key.in_(chunk))
        ):
            found[key] = node_id
    return found


def resolve_key(session: Session, key: str) -> Node | None:
    """The node for a key or a former key, else None."""
    node_id = node_ids(session, [key]).get(key)
    return session.get(Node, node_id) if node_id is not None else None


def find_nodes_by_repo_id(
    session: Session, repo_id: str, hubs: Iterable[str] | None = None
) -> list[Node]:
    """Nodes (on `hubs`, default any) whose repo id, or else a former id, matches without
    regard to case (as the hubs match ids): `xai-org/grok-1` as a shortcut, `owner/old-name`
    for a renamed repo."""
    wanted = repo_id.lower()
    query = select(Node).where(func.lower(Node.repo_id) == wanted)
    if hubs is not None:
        query = query.where(Node.hub.in_(list(hubs)))
    nodes = list(session.scalars(query.order_by(Node.key)))
    if nodes:
        return nodes
    former = func.lower(Alias.key).like("%:" + wanted.replace("%", "").replace("_", "\\_"),
                                         escape="\\")
    if hubs is not None:
        former = func.lower(Alias.key).in_([f"{hub}:{wanted}" for hub in hubs])
    ids = session.scalars(select(Alias.node_id).where(former))
    return sorted(nodes_by_id(session, set(ids)), key=lambda n: n.key)


def node_names(session: Session, limit: int = 200_000) -> list[str]:
    """Node keys and former keys (at most `limit` of each), for "did you mean" suggestions."""
    keys = list(session.scalars(select(Node.key).limit(limit)))
    return keys + list(session.scalars(select(Alias.key).limit(limit)))


def nodes_by_id(session: Session, ids: Iterable[int]) -> list[Node]:
    """Full node rows for the given ids (chunked IN lists), in no particular order."""
    out: list[Node] = []
    for chunk in _chunks(list(ids)):
        out.extend(session.scalars(select(Node).where(Node.id.in_(chunk))))
    return out


def graph_node_rows(
    session: Session, ids: Iterable[int], *, audit_only: bool = False
) -> list[AnyRow]:
    """The columns a lineage graph shows, for the given node ids, as plain rows: no ORM
    objects, since a family of 10,000 is audited after every crawl and resolve. With
    `audit_only`, only what the license audit reads (id, key, license, attribution)."""
    columns: tuple[Any, ...] = (Node.id, Node.key, Node.license, Node.attribution)
    if not audit_only:
        columns += (Node.hub, Node.repo_id, Node.url, Node.status, Node.formats,
                    Node.parameters, Node.downloads, Node.likes, Node.created_at,
                    Node.last_modified, Node.first_seen, Node.last_seen)
    conn = session.connection()
    out: list[AnyRow] = []
    for chunk in _chunks(list(ids)):
        out.extend(conn.execute(select(*columns).where(Node.id.in_(chunk))).all())
    return out


def known_shas(session: Session, hub: str) -> dict[str, str | None]:
    """repo_id -> stored sha for every node of a hub, so crawlers skip unchanged file lists."""
    return dict(session.execute(select(Node.repo_id, Node.sha).where(Node.hub == hub)).all())


def upsert_nodes(
    session: Session,
    rows: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    run_id: int | None,
    renamed_from: Mapping[str, str] | None = None,
) -> NodeWrite:
    """Insert new nodes, update changed ones (with history), stamp all as seen now.

    `rows` are node column dicts keyed by `key`; a key missing from a row leaves that column
    as stored (a crawler that did not read the card leaves `attribution` alone).
    `renamed_from` maps new key -> former key: the stored node is renamed in place and the
    former key becomes an alias, so its history and edges stay attached.
    """
    result = NodeWrite()
    if not rows:
        return result
    by_key = {row["key"]: dict(row) for row in rows}
    unknown_former: dict[str, str] = {}  # former key we never stored -> new key
    for new_key, old_key in (renamed_from or {}).items():
        if new_key in by_key:
            _rename(session, old_key, new_key, now=now, run_id=run_id, result=result)
            if not node_ids(session, [old_key]):
                unknown_former[old_key] = new_key
    existing: dict[str, Node] = {}
    for chunk in _chunks(list(by_key)):
        for found in session.scalars(select(Node).where(Node.key.in_(chunk))):
            existing[found.key] = found

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for key, row in by_key.items():
        node = existing.get(key)
        if node is None:
            row.setdefault("first_seen", now)
            row["last_seen"] = now
            row["fingerprint"] = fingerprint(row)
            inserts.append(row)
            continue
        result.ids[key] = node.id
        merged = {c: getattr(node, c) for c in CONTENT_FIELDS}
        merged.update({k: v for k, v in row.items() if k in CONTENT_FIELDS})
        new_fp = fingerprint(merged)
        if new_fp == node.fingerprint:
            continue
        changes = {c: merged[c] for c in CONTENT_FIELDS if merged[c] != getattr(node, c)}
        if not changes:  # fingerprint formula changed, content did not
            updates.append({"id": node.id, "fingerprint": new_fp})
            continue
        updates.append({"id": node.id, "fingerprint": new_fp, **changes})
        if set(changes) - STAT_FIELDS:
            result.changed.append(key)
        for column in HISTORY_FIELDS:
            if column in changes:
                history.append(
                    {
                        "node_id": node.id,
                        "run_id": run_id,
                        "changed_at": now,
                        "field": column,
                        "old": _history_text(getattr(node, column)),
                        "new": _history_text(changes[column]),
                    }
                )
    if inserts:
        for chunk in _chunks(inserts):
            for node_id, key in session.execute(
                insert(Node).returning(Node.id, Node.key), list(chunk)
            ):
                result.ids[key] = node_id
                result.new.append(key)
    if updates:
        session.execute(update(Node), updates)
    if history:
        session.execute(insert(NodeHistory), history)
    seen = [result.ids[k] for k in by_key if k in existing]
    for chunk in _chunks(seen):
        session.execute(update(Node).where(Node.id.in_(chunk)).values(last_seen=now))
    # renamed before we first saw it (a root's configured id): the former id still resolves
    for old_key, new_key in unknown_former.items():
        session.add(Alias(key=old_key, node_id=result.ids[new_key], first_seen=now))
    return result


def set_status(
    session: Session, node_id: int, status: str, *, now: datetime, run_id: int | None
) -> None:
    """Change only a node's status (a proved removal), with its history row."""
    node = session.get(Node, node_id)
    if node is None or node.status == status:
        return
    session.add(
        NodeHistory(
            node_id=node_id,
            run_id=run_id,
            changed_at=now,
            field="status",
            old=node.status,
            new=status,
        )
    )
    node.status = status
    node.fingerprint = fingerprint({c: getattr(node, c) for c in CONTENT_FIELDS})


def _rename(
    session: Session,
    old_key: str,
    new_key: str,
    *,
    now: datetime,
    run_id: int | None,
    result: NodeWrite,
) -> None:
    old = session.scalar(select(Node).where(Node.key == old_key))
    if old is None:
        return
    twin = session.scalar(select(Node.id).where(Node.key == new_key))
    if twin == old.id:
        return
    if twin is not None:
        # The listing showed the new id (stored as a new node) before a lookup of the old id
        # proved the redirect: one repo, so one node, the one that has the history.
        _fold(session, twin, old.id)
        result.folded.append((new_key, twin))
    hub, _, repo_id = new_key.partition(":")
    session.execute(update(Node).where(Node.id == old.id).values(key=new_key, repo_id=repo_id))
    if session.get(Alias, old_key) is None:
        session.add(Alias(key=old_key, node_id=old.id, first_seen=now))
    session.add(
        NodeHistory(
            node_id=old.id, run_id=run_id, changed_at=now, field="repo_id", old=old_key, new=new_key
        )
    )
    session.flush()
    result.renamed.append((old_key, new_key))


def _fold(session: Session, src: int, dst: int) -> None:
    """Move everything of node `src` to node `dst`, then drop the emptied `src` row (nothing
    recorded is lost: edges, history, observations, aliases, files and root membership
    move; an edge `dst` already has, or one between the two, is the same fact twice)."""
    session.flush()
    both = (Edge.parent_id.in_([src, dst])) | (Edge.child_id.in_([src, dst]))
    edges = session.scalars(select(Edge).where(both)).all()
    pairs = {(e.parent_id, e.child_id): e for e in edges if src not in (e.parent_id, e.child_id)}
    for edge in edges:
        if src not in (edge.parent_id, edge.child_id):
            continue
        pair = tuple(dst if n == src else n for n in (edge.parent_id, edge.child_id))
        if pair[0] == pair[1] or pair in pairs:
            if pair in pairs:  # the same link, seen under the other id
                kept = pairs[pair]
                kept.last_seen = max(kept.last_seen, edge.last_seen)
            session.delete(edge)
        else:
            edge.parent_id, edge.child_id = pair[0], pair[1]
            pairs[(pair[0], pair[1])] = edge
    session.flush()
    runs = select(Observation.run_id).where(Observation.node_id == dst).scalar_subquery()
    session.execute(
        delete(Observation).where(Observation.node_id == src, Observation.run_id.in_(runs))
    )
    roots = select(RootMember.root).where(RootMember.node_id == dst).scalar_subquery()
    session.execute(delete(RootMember).where(RootMember.node_id == src, RootMember.root.in_(roots)))
    if session.scalar(select(func.count()).select_from(File).where(File.node_id == src)):
        session.execute(delete(File).where(File.node_id == dst))  # the twin's list is newer
    # evidence about `src` becomes evidence about `dst`, unless `dst` has the same already
    twins = select(Evidence.parent_key).where(Evidence.child_id == dst).scalar_subquery()
    session.execute(
        delete(Evidence).where(Evidence.child_id == src, Evidence.parent_key.in_(twins))
    )
    session.execute(
        update(Evidence).where(Evidence.child_id == src).values(child_id=dst),
        execution_options={"synchronize_session": False},
    )
    for model in (Observation, RootMember, File, NodeHistory, Alias):
        session.execute(
            update(model).where(model.node_id == src).values(node_id=dst),
            execution_options={"synchronize_session": False},
        )
    session.execute(delete(Node).where(Node.id == src))
    session.expire_all()


def record_observations(session: Session, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
    """What this run saw of each node (one row per node per run; repeats are ignored)."""
    rows = list(rows)
    if not rows:
        return
    ids = [r["node_id"] for r in rows]
    already: set[int] = set()
    for chunk in _chunks(ids):
        already.update(
            session.scalars(
                select(Observation.node_id).where(
                    Observation.run_id == run_id, Observation.node_id.in_(chunk)
                )
            )
        )
    fresh, seen = [], set(already)
    for row in rows:
        if row["node_id"] not in seen:
            seen.add(row["node_id"])
            fresh.append({"run_id": run_id, **row})
    if fresh:
        session.execute(insert(Observation), fresh)


def aliases_of_nodes(session: Session, node_ids_: Iterable[int]) -> dict[int, list[str]]:
    """node id -> the former keys it is also known by."""
    out: dict[int, list[str]] = {}
    conn = session.connection()
    for chunk in _chunks(sorted(node_ids_)):
        query = select(Alias.node_id, Alias.key).where(Alias.node_id.in_(chunk))
        for node_id, key in conn.execute(query):
            out.setdefault(node_id, []).append(key)
    return out


def store_license_issues(session: Session, flags: Mapping[str, str]) -> None:
    """Set each node's license issue codes (key -> comma-separated codes); a node not in
    `flags` is cleared. Only rows whose codes change are written."""
    stored = dict(session.execute(select(Node.key, Node.license_issues)).all())
    changed = [{"k": k, "v": v} for k, v in flags.items() if stored.get(k, "") != v]
    changed += [{"k": k, "v": ""} for k, v in stored.items() if v and k not in flags]
    if changed:
        table = cast(Table, Node.__table__)
        session.connection().execute(
            table.update()
            .where(table.c.key == bindparam("k"))
            .values(license_issues=bindparam("v")),
            changed,
        )
