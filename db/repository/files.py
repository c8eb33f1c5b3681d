"""A node's file list: replaced in bulk, with a history row when it changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.models import File, NodeHistory
from db.repository.common import _chunks

# what a listing says of one file: size, sha256, blob id
FileFacts = tuple[int | None, str | None, str | None]

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
    old: dict[int, dict[str, FileFacts]] = {i: {} for i in ids}
    for chunk in _chunks(ids):
        for f in session.execute(
            select(File.node_id, File.path, File.size, File.sha256, File.blob_id).where(
                File.node_id.in_(chunk)
            )
        ):
            old[f.node_id][f.path] = (f.size, f.sha256, f.blob_id)
    rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    changed_ids: list[int] = []
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


def _files_summary(files: Mapping[str, FileFacts]) -> str:
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
