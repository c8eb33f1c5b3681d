"""What the CycloneDX ML-BOM needs from the store beyond the export schema: each node's
revision, architectures and hashed files, the hub's own license declaration, each root's
license, the node the BOM is about. Returned as export notes (`ExportGraph.notes`, whose
strings `normalize()` sanitizes); graph/export/cyclonedx.py documents the keys.

Read through db.repository only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from db import repository as repo
from db.session import Session
from graph.export.cyclonedx import MIN_CONFIDENCE

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["MIN_CONFIDENCE", "provenance"]


def provenance(
    session: Session,
    graph: nx.DiGraph,
    roots: Mapping[str, Any],
    *,
    subject: str | None = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> dict[str, Any]:
    """Notes for every node of `graph` (from `graph.build.build_graph`) and the license of
    each configured root (a RootConfig, or anything with `.license`). Facts are the latest
    stored, also for a graph rewound with `--at`: the store keeps no file lists of past days."""
    ids = repo.node_ids(session, list(graph.nodes))
    files = repo.files_of(session, ids.values())
    facts = {}
    for node in repo.nodes_by_id(session, ids.values()):
        listed = sorted(files.get(node.id, []), key=lambda f: f.path)
        facts[node.key] = {
            "sha": node.sha or "",
            "architectures": [a for a in (node.architectures or "").split(",") if a.strip()],
            "model_type": node.model_type or "",
            "files": [[f.path, int(f.size or 0), f.sha256] for f in listed if f.sha256],
            "license_raw": dict(node.license_raw or {}),
        }
    return {
        "subject": subject or "",
        "facts": facts,
        "root_licenses": {name: getattr(spec, "license", "") or "" for name, spec in roots.items()},
        "min_confidence": min_confidence,
    }
