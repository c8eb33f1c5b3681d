"""Families counted and searched in SQL: `tracker stats` and `tracker search`.

A family is a root's configured nodes and everything reachable from them along `edges`: one
recursive CTE over the covering index `ix_edges_walk`, carrying the root's name, so every
family is walked in one statement and nothing builds a graph in Python. UNION (not UNION ALL)
ends the walk on cycles and counts a node reached twice once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import CTE, String, cast, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from db.models import Alias, Edge, Node, RootMember


def _families(roots: Sequence[str] = ()) -> CTE:
    """(root, node_id) of every member of every root's family (or of `roots` only)."""
    anchor = select(RootMember.root.label("root"), RootMember.node_id.label("node_id"))
    if roots:
        anchor = anchor.where(RootMember.root.in_(list(roots)))
    fam = anchor.cte("fam", recursive=True)
    step = select(fam.c.root, Edge.child_id).join(fam, Edge.parent_id == fam.c.node_id)
    return fam.union(step)


def family_counts(session: Session) -> list[dict[str, Any]]:
    """Members grouped by (root, hub, status, license, license issues), and the same over
    all families with `root` None (a node in two families counts once there)."""
    fam = _families()
    columns = (Node.hub, Node.status, Node.license, Node.license_issues)
    per_root = (
        select(fam.c.root, *columns, func.count().label("n"))
        .join(Node, Node.id == fam.c.node_id)
        .group_by(fam.c.root, *columns)
    )
    overall = (
        select(null().label("root"), *columns, func.count().label("n"))
        .where(Node.id.in_(select(fam.c.node_id)))
        .group_by(*columns)
    )
    return [dict(row._mapping) for row in session.execute(union_all(per_root, overall))]


def relation_counts(session: Session) -> list[dict[str, Any]]:
    """Members per (root, relation to a parent in the same family); `root` None: over all
    families. A merge of two family members counts once.

    The walk itself carries the relation of each edge it follows (so the parent is in the
    family by construction): joining the family to itself instead took 90 s at 10,000
    members on SQLite, which has no index on a CTE."""
    # CAST: PostgreSQL wants the anchor's NULL typed like the recursive term's relation
    anchor = select(RootMember.root.label("root"), RootMember.node_id.label("node_id"),
                    cast(null(), String(20)).label("relation"))
    walk = anchor.cte("fam_rel", recursive=True)
    walk = walk.union(
        select(walk.c.root, Edge.child_id, Edge.relation)
        .join(walk, Edge.parent_id == walk.c.node_id)
    )
    followed = walk.c.relation.is_not(None)
    per_root = (
        select(walk.c.root, walk.c.relation, func.count(func.distinct(walk.c.node_id)).label("n"))
        .where(followed)
        .group_by(walk.c.root, walk.c.relation)
    )
    overall = (
        select(null().label("root"), walk.c.relation,
               func.count(func.distinct(walk.c.node_id)).label("n"))
        .where(followed)
        .group_by(walk.c.relation)
    )
    return [dict(row._mapping) for row in session.execute(union_all(per_root, overall))]


def node_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Node)) or 0


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def search_nodes(
    session: Session,
    text: str = "",
    *,
    hubs: Sequence[str] = (),
    licenses: Sequence[str] = (),
    statuses: Sequence[str] = (),
    issues: Sequence[str] = (),
    relations: Sequence[str] = (),
    roots: Sequence[str] = (),
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Nodes whose key or a former key holds `text` (case-insensitive), narrowed by every
    filter given (each one any of its values); ordered by key. Returns (at most `limit`
    rows, how many matched in all)."""
    query = select(Node.id)
    if text:
        pattern = _like(text)
        former = exists().where(
            Alias.node_id == Node.id, func.lower(Alias.key).like(pattern, escape="!")
        )
        query = query.where(or_(func.lower(Node.key).like(pattern, escape="!"), former))
    if hubs:
        query = query.where(Node.hub.in_(list(hubs)))
    if licenses:
        query = query.where(Node.license.in_(list(licenses)))
    if statuses:
        query = query.where(Node.status.in_(list(statuses)))
    if issues:
        wrapped = literal(",") + Node.license_issues + literal(",")
        query = query.where(or_(*(wrapped.like(f"%,{code},%") for code in issues)))
    if relations:
        query = query.where(
            exists().where(Edge.child_id == Node.id, Edge.relation.in_(list(relations)))
        )
    if roots:
        fam = _families(roots)
        query = query.where(Node.id.in_(select(fam.c.node_id)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    chosen = select(Node).where(Node.id.in_(query)).order_by(Node.key)
    if limit is not None:
        chosen = chosen.limit(limit)
    nodes = list(session.scalars(chosen))
    return _described(session, nodes, text), total


def _described(session: Session, nodes: list[Node], text: str) -> list[dict[str, Any]]:
    """What a search shows of each node: its relations, roots and the former key it matched."""
    ids = [n.id for n in nodes]
    if not ids:
        return []
    relations: dict[int, set[str]] = {}
    for child, relation in session.execute(
        select(Edge.child_id, Edge.relation).where(Edge.child_id.in_(ids))
    ):
        relations.setdefault(child, set()).add(relation)
    fam = _families()
    in_roots: dict[int, set[str]] = {}
    for root, node_id in session.execute(
        select(fam.c.root, fam.c.node_id).where(fam.c.node_id.in_(ids))
    ):
        in_roots.setdefault(node_id, set()).add(root)
    former: dict[int, list[str]] = {}
    for node_id, key in session.execute(
        select(Alias.node_id, Alias.key).where(Alias.node_id.in_(ids)).order_by(Alias.key)
    ):
        former.setdefault(node_id, []).append(key)
    needle = text.lower()
    return [
        {
            "node": n.key,
            "hub": n.hub,
            "repo_id": n.repo_id,
            "status": n.status or "",
            "license": n.license or "",
            "license_issues": n.license_issues.split(",") if n.license_issues else [],
            "relations": sorted(relations.get(n.id, ())),
            "roots": sorted(in_roots.get(n.id, ())),
            "aliases": former.get(n.id, []),
            "matched_alias": next(
                (a for a in former.get(n.id, []) if needle and needle in a.lower()
                 and needle not in n.key.lower()),
                "",
            ),
        }
        for n in nodes
    ]


def keys_starting(session: Session, prefix: str, *, limit: int = 100) -> list[str]:
    """Node keys (and former keys) that begin with `prefix`, or whose repo id does, in any
    case: what a shell completes a node argument with."""
    pattern = _like(prefix)[1:]  # anchored at the start
    current = select(Node.key).where(
        or_(func.lower(Node.key).like(pattern, escape="!"),
            func.lower(Node.repo_id).like(pattern, escape="!"))
    )
    former = select(Alias.key).where(func.lower(Alias.key).like(pattern, escape="!"))
    query = union_all(current, former).order_by("key").limit(limit)
    return list(session.scalars(query))
