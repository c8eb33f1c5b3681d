"""`tracker changes`: what appeared, changed or disappeared, per root, since a cut.

The answer is read from what the crawls recorded, never recomputed: nodes' `first_seen`,
edges' `first_seen`, and `node_history` rows (license, status, gated, relation, rename, ...).

The cut (`since`):
- `--since DATE`: everything stamped at or after DATE (a bare date is midnight UTC).
- by default, per root: the previous complete run. Let L be the latest finished run (ok,
  partial or failed) that crawled the root and P the latest run with status `ok` that crawled
  the root before L; the window holds everything stamped after P finished, up to now. When L
  is itself complete (the daily case) this compares L with the complete run before it; when
  L was partial it shows what L found since the last complete run (a partial run never marks
  anything removed, so removals wait for the next complete run). With no such P (one crawl
  so far) the window starts at the beginning: everything is new.
A run restricted with `--hub` counts as complete for a root when it ended `ok`.

Per root, the family is today's (root members and every node reachable from them); each item
carries node keys (current key, and the former one for renames) and ISO 8601 UTC dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from db import timeline
from db.repository import family_ids, parse_relation_text, root_members
from tracker.config import Config
from tracker.service import canonical_root, store

# what the text report lists per root, in order; each key holds a list in the JSON
SECTIONS = (
    "new",
    "removed",
    "renamed",
    "gated",
    "license_changes",
    "relation_changes",
    "status_changes",
    "new_links",
    "updated",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def changes(
    config: Config,
    *,
    since: datetime | None = None,
    root: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, Any]:
    """Per root, what changed since `since` (default: the previous complete run).

    Returns plain JSON-ready data: `{"until", "since_option", "roots": {name: {"crawled",
    "since", "since_run", "latest_run", "runs", "counts", <SECTIONS>...}}}`; every item has
    `node` (current key) and `at` (when the crawl recorded it).
    """
    if root is not None:
        root = canonical_root(config, root)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    names = [root] if root else list(config.roots)
    out: dict[str, Any] = {
        "until": clock().isoformat(),
        "since_option": since.isoformat() if since else None,
        "roots": {},
    }
    with store(config) as session:
        runs = timeline.runs(session)
        families = family_ids(session, names)
        starts = root_members(session)  # a root's own nodes are no derivative of it
        windows = {name: _window(runs, name, since) for name in names}
        # one read per kind for the widest window, then filtered per root
        widest = _widest([w for w, _, _ in windows.values()])
        history = timeline.history_in(session, widest)
        new_nodes = timeline.nodes_first_seen_in(session, widest)
        new_edges = timeline.edges_first_seen_in(session, widest)
        parents = timeline.parent_edges(session, [n.id for n in new_nodes])
        ids = {h.node_id for h in history} | {e.parent_id for e in new_edges}
        ids |= {e.child_id for e in new_edges} | {
            e.parent_id for es in parents.values() for e in es
        }
        keys = timeline.keys_of(session, ids) | {n.id: n.key for n in new_nodes}
        for name in names:
            window, since_run, latest = windows[name]
            family = families.get(name, set())
            found = _root_changes(window, family, history, new_nodes, new_edges, parents, keys,
                                  set(starts.get(name, ())))
            out["roots"][name] = {
                "crawled": bool(family),
                "since": window.start.isoformat() if window.start else None,
                "since_run": since_run.to_dict() if since_run else None,
                "latest_run": latest.to_dict() if latest else None,
                "runs": [
                    r.to_dict()
                    for r in runs
                    if name in r.roots and (window.start is None or _after(r, window))
                ],
                **found,
            }
    return out


def _window(
    runs: list[timeline.RunInfo], name: str, since: datetime | None
) -> tuple[timeline.Window, timeline.RunInfo | None, timeline.RunInfo | None]:
    """(window, the complete run it starts after, the latest run) for one root."""
    mine = [r for r in runs if name in r.roots]
    latest = mine[-1] if mine else None
    if since is not None:
        return timeline.Window(since, inclusive=True), None, latest
    previous = next(
        (r for r in reversed(mine[:-1]) if r.status == "ok" and r.finished_at is not None), None
    )
    if previous is None:
        return timeline.Window(None), None, latest
    return timeline.Window(previous.finished_at, inclusive=False), previous, latest


def _widest(windows: list[timeline.Window]) -> timeline.Window:
    if not windows or any(w.start is None for w in windows):
        return timeline.Window(None)
    return min(windows, key=lambda w: (w.start, not w.inclusive))


def _after(run: timeline.RunInfo, window: timeline.Window) -> bool:
    if window.start is None:
        return True
    end = run.finished_at or run.started_at
    return end >= window.start if window.inclusive else end > window.start


def _inside(stamp: datetime, window: timeline.Window) -> bool:
    if window.start is None:
        return True
    return stamp >= window.start if window.inclusive else stamp > window.start


def _root_changes(
    window: timeline.Window,
    family: set[int],
    history: list[Any],
    new_nodes: list[Any],
    new_edges: list[Any],
    parents: dict[int, list[Any]],
    keys: dict[int, str],
    starts: set[int],
) -> dict[str, Any]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in SECTIONS}
    fresh: set[int] = set()
    for node in new_nodes:
        if node.id not in family or not _inside(node.first_seen, window):
            continue
        if node.id in starts:
            fresh.add(node.id)
            continue
        fresh.add(node.id)
        edge = next((e for e in parents.get(node.id, []) if e.parent_id in family), None)
        out["new"].append(
            {
                "node": node.key,
                "at": node.first_seen.isoformat(),
                "relation": edge.relation if edge else "",
                "parent": keys.get(edge.parent_id, "") if edge else "",
                "source": edge.source if edge else "",
                "confidence": float(edge.confidence) if edge else 1.0,
                "license": node.license or "",
                "status": node.status,
            }
        )
    for edge in new_edges:
        if (
            edge.child_id in family
            and edge.child_id not in fresh
            and edge.parent_id in family
            and _inside(edge.first_seen, window)
        ):
            out["new_links"].append(
                {
                    "node": keys.get(edge.child_id, str(edge.child_id)),
                    "parent": keys.get(edge.parent_id, str(edge.parent_id)),
                    "relation": edge.relation,
                    "source": edge.source,
                    "confidence": float(edge.confidence),
                    "evidence": edge.evidence or "",
                    "at": edge.first_seen.isoformat(),
                }
            )
    updated: dict[int, dict[str, Any]] = {}
    gated_seen: set[int] = set()
    for row in history:
        if row.node_id not in family or not _inside(row.changed_at, window):
            continue
        item = {
            "node": keys.get(row.node_id, str(row.node_id)),
            "at": row.changed_at.isoformat(),
            "run": row.run_id,
        }
        if row.field == "repo_id":
            out["renamed"].append({**item, "old": row.old, "new": row.new})
        elif row.field == "license":
            out["license_changes"].append({**item, "old": row.old or "", "new": row.new or ""})
        elif row.field == "relation":
            old, new = parse_relation_text(row.old), parse_relation_text(row.new)
            out["relation_changes"].append(
                {
                    **item,
                    "parent": (new or old or ("", ""))[1],
                    "old": old[0] if old else row.old,
                    "new": new[0] if new else row.new,
                }
            )
        elif row.field == "parent":  # the resolver moved the node under other parents
            out["relation_changes"].append(
                {**item, "parent": "", "old": row.old or "", "new": row.new or "(none)"}
            )
        elif row.field == "status" and row.new == "removed":
            out["removed"].append({**item, "old": row.old})
        elif (row.field == "status" and row.new == "gated") or (
            row.field == "gated" and row.new == "True"
        ):
            if row.node_id not in gated_seen:  # a gate writes both fields
                gated_seen.add(row.node_id)
                out["gated"].append(item)
        elif row.field == "status":
            out["status_changes"].append({**item, "old": row.old, "new": row.new})
        elif row.field == "gated":
            continue  # an ungating shows as a status change
        elif row.field == "license_issues":
            continue  # the audit's verdict, not a change on the hub (alerts report it)
        else:
            entry = updated.setdefault(row.node_id, {**item, "fields": []})
            entry["at"] = item["at"]  # the latest
            if row.field not in entry["fields"]:
                entry["fields"].append(row.field)
    out["updated"] = sorted(updated.values(), key=lambda e: e["node"])
    for name in ("new", "removed", "renamed", "gated", "status_changes", "license_changes"):
        out[name].sort(key=lambda e: (e["at"], e["node"]))
    return {"counts": {name: len(out[name]) for name in SECTIONS}, **out}
