"""The final graph a crawl leaves in the database, in a form two crawls can be compared by.

`graph_snapshot(url)` reads nodes, edges, files, aliases and root members back as sorted
lists (not dicts, so a duplicate row shows up as a difference), with the fake hub's endpoint
replaced by "HUB" so crawls against two fake hubs on different ports compare equal. Volatile
fields (timestamps, download counters, run ids) are left out: a fault must cost a retry, never
data, and data is what is compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.models import Alias, Edge, File, Node, RootMember
from db.session import make_engine, session_scope


@dataclass(frozen=True)
class Snapshot:
    nodes: list[tuple]
    edges: list[tuple]
    files: list[tuple]
    aliases: list[tuple]
    roots: list[tuple]

    def keys(self) -> set[str]:
        return {n[0] for n in self.nodes}

    def diff(self, other: Snapshot) -> str:
        """A readable account of what differs (for assertion messages)."""
        lines = []
        for name in ("nodes", "edges", "files", "aliases", "roots"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine != theirs:
                only_mine = sorted(set(mine) - set(theirs), key=repr)[:10]
                only_theirs = sorted(set(theirs) - set(mine), key=repr)[:10]
                lines.append(
                    f"{name}: {len(mine)} vs {len(theirs)} rows; "
                    f"only here {only_mine}; only there {only_theirs}"
                )
        return "\n".join(lines)


def _norm(value: Any, hub_url: str | None) -> Any:
    if isinstance(value, str) and hub_url:
        return value.replace(hub_url, "HUB")
    return value


def graph_snapshot(url: str, hub_url: str | None = None) -> Snapshot:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            keys = dict(s.execute(select(Node.id, Node.key)).all())
            nodes = sorted(
                (
                    n.key,
                    n.status,
                    n.sha,
                    n.license,
                    n.architectures,
                    n.model_type,
                    n.formats,
                    n.parameters,
                    n.gated,
                    n.attribution,
                    _norm(n.url, hub_url),
                )
                for n in s.scalars(select(Node))
            )
            edges = sorted(
                (
                    keys[e.parent_id],
                    keys[e.child_id],
                    e.relation,
                    e.source,
                    round(e.confidence, 6),
                    _norm(e.evidence, hub_url),
                    e.declared_relation,
                )
                for e in s.scalars(select(Edge))
            )
            files = sorted(
                (keys[f.node_id], f.path, f.size, f.sha256, f.blob_id)
                for f in s.scalars(select(File))
            )
            aliases = sorted((a.key, keys[a.node_id]) for a in s.scalars(select(Alias)))
            roots = sorted(
                (r.root, keys[r.node_id], r.license) for r in s.scalars(select(RootMember))
            )
    finally:
        engine.dispose()
    return Snapshot(nodes, edges, files, aliases, roots)
