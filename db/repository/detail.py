"""Everything `tracker show` prints about one node, read in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Alias, Edge, Node, NodeHistory
from db.repository.common import _history_text
from db.repository.files import files_of
from db.repository.roots import root_members


def node_detail(
    session: Session, node_id: int, *, ancestors: list[tuple[int, str, int]]
) -> dict[str, Any]:
    """Everything `tracker show` prints about one node, as plain data."""
    node = session.get_one(Node, node_id)
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
