"""Intent-level reads and writes of the lineage store; the rest of the code never sees the ORM.

Writes are bulk: one SELECT to find what exists, one INSERT for what is new, one UPDATE for
what changed, per batch. A node or edge whose content is unchanged is not rewritten; only its
`last_seen` stamp moves (one statement per batch). Every change of a tracked field is appended
to `node_history`, never overwritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from db.models import (
    Alias,
    CrawlRun,
    Edge,
    File,
    HubCache,
    Node,
    NodeHistory,
    Observation,
    RootMember,
    RunWarning,
)

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


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
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


@dataclass
class NodeWrite:
    """What a batch of node writes did, by node key."""

    ids: dict[str, int] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # beyond download/like counts
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key)
    # (new key, dropped row id): a node stored under the new id before a rename proved it
    folded: list[tuple[str, int]] = field(default_factory=list)


# --- runs -------------------------------------------------------------------------------------


def start_run(
    session: Session, *, now: datetime, roots: list[str], hubs: list[str], holder: str
) -> int:
    run = CrawlRun(
        started_at=now,
        status="running",
        roots=roots,
        hubs=hubs,
        counts={},
        requests={},
        errors=[],
        holder=holder,
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    now: datetime,
    status: str,
    counts: Mapping[str, Any],
    requests: Mapping[str, int],
    errors: list[str],
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            finished_at=now,
            status=status,
            counts=dict(counts),
            requests=dict(requests),
            errors=list(errors),
        )
    )


def abandon_runs(session: Session, *, now: datetime, by_run: int) -> list[CrawlRun]:
    """Mark `failed` every run but `by_run` still `running`, saying so in its errors.

    Call it holding the crawl lock: no other crawl is alive then, so a run still `running`
    is one whose process died (SIGKILL, OOM, a reboot) before it could record its end.
    """
    dead = list(
        session.scalars(
            select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.id != by_run)
        )
    )
    for run in dead:
        run.status = "failed"
        run.finished_at = now
        run.errors = [
            *(run.errors or []),
            f"never finished: its crawl ({run.holder or 'unknown'}) died before recording an "
            f"end; marked failed by run {by_run}",
        ]
    session.flush()
    return dead


def add_warnings(session: Session, run_id: int, warnings: Iterable[tuple[str | None, str]]) -> None:
    rows = [{"run_id": run_id, "repo": repo, "message": msg[:2000]} for repo, msg in warnings]
    if rows:
        session.execute(insert(RunWarning), rows)


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def run_warnings(session: Session, run_id: int) -> list[tuple[str | None, str]]:
    rows = session.execute(
        select(RunWarning.repo, RunWarning.message)
        .where(RunWarning.run_id == run_id)
        .order_by(RunWarning.id)
    )
    return [(r.repo, r.message) for r in rows]


# --- nodes ------------------------------------------------------------------------------------


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


def find_nodes_by_repo_id(session: Session, repo_id: str) -> list[Node]:
    """Nodes whose repo id matches (any hub, case-insensitive): `xai-org/grok-1` as a shortcut."""
    return list(
        session.scalars(
            select(Node).where(func.lower(Node.repo_id) == repo_id.lower()).order_by(Node.key)
        )
    )


def nodes_by_id(session: Session, ids: Iterable[int]) -> list[Node]:
    """Full node rows for the given ids (chunked IN lists), in no particular order."""
    out: list[Node] = []
    for chunk in _chunks(list(ids)):
        out.extend(session.scalars(select(Node).where(Node.id.in_(chunk))))
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
        for node in session.scalars(select(Node).where(Node.key.in_(chunk))):
            existing[node.key] = node

    inserts, updates, history = [], [], []
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
        if node.status == "renamed" and merged["status"] == "active":
            # the listing shows a renamed repo under its new id without a redirect; it stays
            # `renamed` (SPEC) until it is gated or removed, rather than flapping each run
            merged["status"] = "renamed"
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
            edge.parent_id, edge.child_id = pair
            pairs[pair] = edge
    session.flush()
    runs = select(Observation.run_id).where(Observation.node_id == dst).scalar_subquery()
    session.execute(
        delete(Observation).where(Observation.node_id == src, Observation.run_id.in_(runs))
    )
    roots = select(RootMember.root).where(RootMember.node_id == dst).scalar_subquery()
    session.execute(delete(RootMember).where(RootMember.node_id == src, RootMember.root.in_(roots)))
    if session.scalar(select(func.count()).select_from(File).where(File.node_id == src)):
        session.execute(delete(File).where(File.node_id == dst))  # the twin's list is newer
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
    already = set()
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


def replace_files(
    session: Session,
    files_by_node: Mapping[int, Sequence[Mapping[str, Any]]],
    *,
    now: datetime,
    run_id: int | None,
) -> None:
    """Store each node's current file list; a changed list is noted in the node's history."""
    if not files_by_node:
        return
    ids = list(files_by_node)
    old: dict[int, dict[str, tuple]] = {i: {} for i in ids}
    for chunk in _chunks(ids):
        for f in session.execute(
            select(File.node_id, File.path, File.size, File.sha256, File.blob_id).where(
                File.node_id.in_(chunk)
            )
        ):
            old[f.node_id][f.path] = (f.size, f.sha256, f.blob_id)
    rows, history, changed_ids = [], [], []
    for node_id, files in files_by_node.items():
        new = {f["path"]: (f.get("size", 0), f.get("sha256"), f.get("blob_id")) for f in files}
        if new == old[node_id]:
            continue
        changed_ids.append(node_id)
        rows.extend(
            {"node_id": node_id, "path": p, "size": v[0], "sha256": v[1], "blob_id": v[2]}
            for p, v in new.items()
        )
        if old[node_id]:  # a first listing is not a change
            history.append(
                {
                    "node_id": node_id,
                    "run_id": run_id,
                    "changed_at": now,
                    "field": "files",
                    "old": _files_summary(old[node_id]),
                    "new": _files_summary(new),
                }
            )
    for chunk in _chunks(changed_ids):
        session.execute(delete(File).where(File.node_id.in_(chunk)))
    if rows:
        session.execute(insert(File), rows)
    if history:
        session.execute(insert(NodeHistory), history)


def _files_summary(files: Mapping[str, tuple]) -> str:
    digest = hashlib.sha256(
        json.dumps(sorted((p, v[1] or v[2] or "") for p, v in files.items())).encode()
    ).hexdigest()[:12]
    return f"{len(files)} files, {sum(v[0] or 0 for v in files.values())} bytes, list {digest}"


def files_of(session: Session, node_ids_: Iterable[int]) -> dict[int, list[File]]:
    out: dict[int, list[File]] = {}
    for chunk in _chunks(list(node_ids_)):
        for f in session.scalars(select(File).where(File.node_id.in_(chunk))):
            out.setdefault(f.node_id, []).append(f)
    return out


def aliases_of_nodes(session: Session, node_ids_: Iterable[int]) -> dict[int, list[str]]:
    """node id -> the former keys it is also known by."""
    out: dict[int, list[str]] = {}
    for chunk in _chunks(sorted(node_ids_)):
        for alias in session.scalars(select(Alias).where(Alias.node_id.in_(chunk))):
            out.setdefault(alias.node_id, []).append(alias.key)
    return out


def edges_into(session: Session, node_ids_: Iterable[int]) -> list[Edge]:
    """Every edge whose child is one of the nodes, in child id order of their chunks."""
    out: list[Edge] = []
    for chunk in _chunks(sorted(node_ids_)):
        out.extend(session.scalars(select(Edge).where(Edge.child_id.in_(chunk))))
    return out


def store_license_issues(session: Session, flags: Mapping[str, str]) -> None:
    """Set each node's license issue codes (key -> comma-separated codes); a node not in
    `flags` is cleared. Only rows whose codes change are written."""
    stored = dict(session.execute(select(Node.key, Node.license_issues)).all())
    changed = [{"k": k, "v": v} for k, v in flags.items() if stored.get(k, "") != v]
    changed += [{"k": k, "v": ""} for k, v in stored.items() if v and k not in flags]
    if changed:
        table = Node.__table__
        session.connection().execute(
            table.update()
            .where(table.c.key == bindparam("k"))
            .values(license_issues=bindparam("v")),
            changed,
        )


def node_detail(
    session: Session, node_id: int, *, ancestors: list[tuple[int, str, int]]
) -> dict[str, Any]:
    """Everything `tracker show` prints about one node, as plain data."""
    node = session.get(Node, node_id)
    ancestor_ids = {i for i, _, _ in ancestors} | {node_id}
    roots = sorted(name for name, ids in root_members(session).items() if ancestor_ids & set(ids))
    keys = dict(
        session.execute(
            select(Node.id, Node.key).where(
                Node.id.in_(
                    select(Edge.parent_id)
                    .where(Edge.child_id == node_id)
                    .union(select(Edge.child_id).where(Edge.parent_id == node_id))
                )
            )
        ).all()
    )

    def edge_dict(edge: Edge, other: int) -> dict[str, Any]:
        return {
            "node": keys.get(other, str(other)),
            "relation": edge.relation,
            "source": edge.source,
            "confidence": edge.confidence,
            "evidence": edge.evidence,
            "declared_relation": edge.declared_relation,
            "first_seen": _history_text(edge.first_seen),
            "last_seen": _history_text(edge.last_seen),
        }

    parents = [
        edge_dict(e, e.parent_id)
        for e in session.scalars(select(Edge).where(Edge.child_id == node_id).order_by(Edge.id))
    ]
    children = [
        edge_dict(e, e.child_id)
        for e in session.scalars(select(Edge).where(Edge.parent_id == node_id).order_by(Edge.id))
    ]
    files = files_of(session, [node_id]).get(node_id, [])
    history = [
        {
            "at": _history_text(h.changed_at),
            "field": h.field,
            "old": h.old,
            "new": h.new,
            "run": h.run_id,
        }
        for h in session.scalars(
            select(NodeHistory)
            .where(NodeHistory.node_id == node_id)
            .order_by(NodeHistory.changed_at, NodeHistory.id)
        )
    ]
    aliases = sorted(session.scalars(select(Alias.key).where(Alias.node_id == node_id)))
    return {
        "key": node.key,
        "hub": node.hub,
        "repo_id": node.repo_id,
        "url": node.url,
        "status": node.status,
        "license": node.license,
        "license_raw": node.license_raw,
        "license_issues": node.license_issues,
        "attribution": node.attribution,
        "architectures": node.architectures,
        "model_type": node.model_type,
        "formats": node.formats,
        "parameters": node.parameters,
        "downloads": node.downloads,
        "likes": node.likes,
        "gated": node.gated,
        "sha": node.sha,
        "created_at": _history_text(node.created_at),
        "last_modified": _history_text(node.last_modified),
        "first_seen": _history_text(node.first_seen),
        "last_seen": _history_text(node.last_seen),
        "aliases": aliases,
        "roots": roots,
        "ancestors": [{"node": k, "distance": d} for _, k, d in ancestors],
        "parents": parents,
        "children": children,
        "files": {
            "count": len(files),
            "bytes": sum(f.size or 0 for f in files),
            "with_sha256": sum(1 for f in files if f.sha256),
        },
        "history": history,
    }


# --- edges ------------------------------------------------------------------------------------


def upsert_edges(
    session: Session, rows: Sequence[Mapping[str, Any]], *, now: datetime, run_id: int | None
) -> tuple[int, int]:
    """Insert or update edges keyed by (parent_id, child_id); returns (new, changed).

    A declared edge is never downgraded by an inferred claim for the same pair; a change of
    relation is written to the child's history as `relation_text` (the parent's key, not its
    row id, so the timeline reads on its own).
    """
    by_pair = {
        (r["parent_id"], r["child_id"]): dict(r) for r in rows if r["parent_id"] != r["child_id"]
    }
    if not by_pair:
        return 0, 0
    existing: dict[tuple[int, int], Edge] = {}
    children = sorted({c for _, c in by_pair})
    for chunk in _chunks(children):
        for edge in session.scalars(select(Edge).where(Edge.child_id.in_(chunk))):
            existing[(edge.parent_id, edge.child_id)] = edge
    inserts, updates, history, touched = [], [], [], []
    relation_changes: list[tuple[int, int, str, str]] = []  # parent, child, old, new
    for pair, row in by_pair.items():
        edge = existing.get(pair)
        if edge is None:
            inserts.append({**row, "first_seen": now, "last_seen": now})
            continue
        touched.append(edge.id)
        if edge.source == "declared" and row["source"] == "inferred":
            continue
        fields = ("relation", "source", "confidence", "evidence", "declared_relation")
        changes = {f: row.get(f) for f in fields if row.get(f) != getattr(edge, f)}
        if not changes:
            continue
        updates.append({"id": edge.id, **changes})
        if "relation" in changes:
            relation_changes.append((edge.parent_id, edge.child_id, edge.relation, row["relation"]))
    if relation_changes:  # written with the parent's key: "conversion of huggingface:a/b"
        parents = sorted({p for p, *_ in relation_changes})
        keys = dict(session.execute(select(Node.id, Node.key).where(Node.id.in_(parents))).all())
        history = [
            {
                "node_id": child,
                "run_id": run_id,
                "changed_at": now,
                "field": "relation",
                "old": relation_text(old, keys.get(parent, str(parent))),
                "new": relation_text(new, keys.get(parent, str(parent))),
            }
            for parent, child, old, new in relation_changes
        ]
    if inserts:
        session.execute(insert(Edge), inserts)
    if updates:
        session.execute(update(Edge), updates)
    if history:
        session.execute(insert(NodeHistory), history)
    for chunk in _chunks(touched):
        session.execute(update(Edge).where(Edge.id.in_(chunk)).values(last_seen=now))
    return len(inserts), len(updates)


def relation_text(relation: str, parent_key: str) -> str:
    """How a relation appears in node history: "quantization of huggingface:a/b"."""
    return f"{relation} of {parent_key}"


def parse_relation_text(text: str | None) -> tuple[str, str] | None:
    """(relation, parent key) from `relation_text`; None for anything else."""
    relation, sep, parent = (text or "").partition(" of ")
    return (relation, parent) if sep and relation and parent else None


# --- roots ------------------------------------------------------------------------------------


def set_root_members(session: Session, root: str, license_id: str, ids: Iterable[int]) -> None:
    """Make the stored members of a root exactly `ids` (config is the source of truth)."""
    ids = set(ids)
    current = set(session.scalars(select(RootMember.node_id).where(RootMember.root == root)))
    if current - ids:
        session.execute(
            delete(RootMember).where(RootMember.root == root, RootMember.node_id.in_(current - ids))
        )
    if ids - current:
        session.execute(
            insert(RootMember),
            [{"root": root, "node_id": i, "license": license_id} for i in sorted(ids - current)],
        )
    session.execute(update(RootMember).where(RootMember.root == root).values(license=license_id))


def root_members(session: Session) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for root, node_id in session.execute(select(RootMember.root, RootMember.node_id)):
        out.setdefault(root, []).append(node_id)
    return out


def root_licenses(session: Session) -> dict[str, str]:
    return dict(session.execute(select(RootMember.root, RootMember.license)).all())


def latest_run(
    session: Session,
    *,
    statuses: Sequence[str] = ("ok", "partial", "failed"),
    before_id: int | None = None,
) -> CrawlRun | None:
    query = select(CrawlRun).where(CrawlRun.status.in_(statuses))
    if before_id is not None:
        query = query.where(CrawlRun.id < before_id)
    return session.scalar(query.order_by(CrawlRun.id.desc()).limit(1))


# --- what crawlers keep between runs ---------------------------------------------------------


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
        stored.update(session.scalars(
            select(HubCache.key).where(HubCache.hub == hub, HubCache.key.in_(chunk))))
    rows = [{"hub": hub, "key": k, "value": entries[k], "updated_at": now} for k in keys]
    fresh = [r for r in rows if r["key"] not in stored]
    if fresh:
        session.execute(insert(HubCache), fresh)
    table = HubCache.__table__
    old = [{"h": r["hub"], "k": r["key"], "v": r["value"], "t": now} for r in rows
           if r["key"] in stored]
    if old:
        session.connection().execute(
            table.update().where(table.c.hub == bindparam("h"), table.c.key == bindparam("k"))
            .values(value=bindparam("v"), updated_at=bindparam("t")), old)
