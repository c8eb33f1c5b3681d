"""Root membership: which stored nodes are each configured root, with its license."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.lineage import descendants
from db.models import RootMember


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


def family_ids(session: Session, roots: Iterable[str]) -> dict[str, set[int]]:
    """root name -> ids of its family (root nodes included), from the stored root members."""
    members = root_members(session)
    return {name: set(descendants(session, members.get(name, [])).order) for name in roots}
