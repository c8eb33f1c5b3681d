"""The store at a glance: `tracker runs`, `tracker stats` and `tracker search`.

Each function takes the `Config`, opens the database read-only (never creating or migrating
it, like every read command), asks `db.repository` and returns plain data, JSON-ready: times
as ISO 8601 UTC strings, every field one type. Nothing here prints; tracker/overview_text.py
renders the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from crawlers.hubs import HUBS
from db import repository as repo
from tracker.config import Config
from tracker.errors import UnknownNode
from tracker.service import store

COUNT_KEYS = ("new", "changed", "removed", "renamed")


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 1) if start and end else None


def runs(config: Config, *, limit: int | None = None) -> dict[str, Any]:
    """The crawl runs newest first (and `tracker resolve` runs, which ask no hub), and the
    state of each hub's last sweep."""
    with store(config) as session:
        rows = repo.list_runs(session, limit=limit)
        total = repo.count_runs(session)
        sweeps = repo.sweep_runs(session)
    out = []
    for r in rows:
        totals = dict.fromkeys(COUNT_KEYS, 0)
        for counts in r["counts"].values():
            for key in COUNT_KEYS:
                totals[key] += int(counts.get(key, 0) or 0) if isinstance(counts, dict) else 0
        out.append({
            "id": r["id"],
            "kind": "crawl" if r["hubs"] else "resolve",
            "status": r["status"],
            "started_at": _iso(r["started_at"]),
            "finished_at": _iso(r["finished_at"]),
            "seconds": _seconds(r["started_at"], r["finished_at"]),
            "roots": r["roots"],
            "hubs": r["hubs"],
            "requests": sum(int(v) for v in r["requests"].values()),
            "requests_by_kind": {k: int(v) for k, v in r["requests"].items()},
            **totals,
            "warnings": r["warnings"],
            "errors": r["errors"],
            "holder": r["holder"],
        })
    sweep_rows = [
        {**s, "started_at": _iso(s["started_at"]), "finished_at": _iso(s["finished_at"]),
         "seconds": _seconds(s["started_at"], s["finished_at"])}
        for s in sweeps
    ]
    return {"runs": out, "total": total, "sweeps": sweep_rows}


DIMENSIONS = ("hubs", "statuses", "relations", "licenses", "license_issues")


def _empty() -> dict[str, Any]:
    return {"nodes": 0, "descendants": 0, **{d: {} for d in DIMENSIONS}}


def _add(bucket: dict[str, int], key: str, n: int) -> None:
    bucket[key] = bucket.get(key, 0) + n


def stats(config: Config) -> dict[str, Any]:
    """The nodes of each configured root's family (and of all of them): how many, how many
    descend from the root's own nodes (what `lineage` and `resolve` count), and per hub,
    status, relation, license and license issue, with the last crawl of each; in SQL."""
    with store(config) as session:
        root_nodes = repo.root_members(session)
        counts = repo.family_counts(session)
        relations = repo.relation_counts(session)
        last = repo.last_crawls(session)
        nodes = repo.node_count(session)
    roots: dict[str, dict[str, Any]] = {name: _empty() for name in config.roots}
    overall = _empty()
    for row in counts:
        target = overall if row["root"] is None else roots.setdefault(row["root"], _empty())
        n = int(row["n"])
        target["nodes"] += n
        _add(target["hubs"], row["hub"], n)
        _add(target["statuses"], row["status"] or "active", n)
        _add(target["licenses"], row["license"] or "", n)
        for code in (row["license_issues"] or "").split(","):
            if code:
                _add(target["license_issues"], code, n)
    for row in relations:
        target = overall if row["root"] is None else roots.setdefault(row["root"], _empty())
        _add(target["relations"], row["relation"], int(row["n"]))

    def crawl(key: str | None) -> dict[str, Any] | None:
        found = last.get(key)
        if found is None:
            return None
        return {"run": found["run"], "status": found["status"],
                "finished_at": _iso(found["finished_at"])}

    for name, body in roots.items():
        body["descendants"] = body["nodes"] - len(root_nodes.get(name, ()))
    every_root_node = {i for ids in root_nodes.values() for i in ids}
    overall["descendants"] = overall["nodes"] - len(every_root_node)
    every: list[tuple[str | None, dict[str, Any]]] = [*roots.items(), (None, overall)]
    for root_name, body in every:
        body["last_crawl"] = crawl(root_name)
        for dimension in DIMENSIONS:  # largest first, then by name: the same order each time
            body[dimension] = dict(sorted(body[dimension].items(), key=lambda kv: (-kv[1], kv[0])))
    return {"nodes": nodes, "roots": roots, "all": overall}


STATUSES = ("active", "gated", "removed", "renamed")


def search(
    config: Config,
    text: str = "",
    *,
    hubs: Sequence[str] = (),
    licenses: Sequence[str] = (),
    relations: Sequence[str] = (),
    statuses: Sequence[str] = (),
    issues: Sequence[str] = (),
    roots: Sequence[str] = (),
    limit: int | None = 50,
) -> dict[str, Any]:
    """Nodes whose key or former key holds TEXT (case-insensitive), narrowed by the filters;
    each filter matches any of its values. Licenses are compared as normalized ids."""
    from graph.licenses import normalize_license_id

    unknown = [r for r in roots if r not in config.roots]
    if unknown:
        raise UnknownNode(f"unknown root {unknown[0]!r}; known: {', '.join(config.roots)}")
    bad_hubs = [h for h in hubs if h not in HUBS]
    if bad_hubs:
        raise UnknownNode(f"unknown hub {bad_hubs[0]!r}; one of {', '.join(HUBS)}")
    wanted = [normalize_license_id(lic) if lic.strip() not in ("", "none") else ""
              for lic in licenses]
    with store(config) as session:
        rows, total = repo.search_nodes(
            session, text.strip(), hubs=hubs, licenses=wanted, statuses=statuses,
            issues=issues, relations=relations, roots=roots, limit=limit,
        )
    filters = {"hub": list(hubs), "license": wanted, "relation": list(relations),
               "status": list(statuses), "issue": list(issues), "root": list(roots)}
    return {"text": text.strip(), "filters": {k: v for k, v in filters.items() if v},
            "total": total, "shown": len(rows), "nodes": rows}
