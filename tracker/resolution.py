"""Resolve every family from stored evidence: the step that ends each crawl, and `tracker resolve`.

Reads every stored repo (all hubs), runs the lineage signals over them (crawlers/signals), adds
the crawlers' own claims, lets the resolver decide (graph/resolve.py), and writes back in one
transaction: the computed evidence (with history), each piece of evidence's verdict, the
edges (moves recorded in history), and each root's members. No hub request is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawlers.base import FileRecord, RepoRecord, clean_text
from crawlers.evidence import GROK, Markers
from crawlers.references import name_specificity
from crawlers.signals import SIGNALS, Observed, collect, restore
from crawlers.signals._index import Index
from db import evidence as store
from db import repository as repo
from db.session import Session
from graph.resolve import Repo, Resolution, Signal, resolve
from tracker.collector import collector_paused


@dataclass
class ResolveReport:
    """What one resolve changed."""

    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    relation_changed: list[tuple[str, str]] = field(default_factory=list)
    members: dict[str, int] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        """No edge added, removed or relabelled."""
        return not (self.added or self.removed or self.relation_changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [list(p) for p in self.added],
            "removed": [list(p) for p in self.removed],
            "relation_changed": [list(p) for p in self.relation_changed],
            "members": self.members,
            "evidence": self.evidence,
        }


def record_of(stored: store.StoredRepo) -> RepoRecord:
    """A stored node back as the RepoRecord its crawl made, with its kept signals."""
    c = stored.columns
    meta = c.get("meta") or {}
    extra = found if isinstance(found := meta.get("extra"), Mapping) else {}
    files = (
        tuple(FileRecord(p, size or 0, sha, blob) for p, size, sha, blob in stored.files)
        if stored.files
        else None
    )
    record = RepoRecord(
        hub=stored.hub,  # type: ignore[arg-type]  # stored by a crawl: one of crawlers.hubs.HUBS
        repo_id=stored.repo_id,
        url=c.get("url") or "",
        status=c.get("status") or "active",
        sha=c.get("sha"),
        created_at=c.get("created_at"),
        last_modified=c.get("last_modified"),
        gated=bool(c.get("gated")),
        license_raw=c.get("license_raw") or {},
        architectures=tuple(a for a in (c.get("architectures") or "").split(",") if a),
        model_type=c.get("model_type") or None,
        formats=tuple(f for f in (c.get("formats") or "").split(",") if f),
        parameters=int(c.get("parameters") or 0),
        tags=tuple(t for t in (c.get("tags") or []) if isinstance(t, str)),
        gguf=meta.get("gguf") if isinstance(meta.get("gguf"), Mapping) else None,
        safetensors=meta.get("safetensors")
        if isinstance(meta.get("safetensors"), Mapping)
        else None,
        extra=dict(extra),
        files=files,
    )
    return restore(record, stored.signals, tuple(stored.aliases))


# bump when signals or their strengths change: evidence is recomputed. 2: packed U32 (MLX)
# weights count as parameters, so the architecture signal sees an MLX copy at its scale.
# 3: card text naming the release ties .bin ports; an EXL2 main branch is quantized weights.
# 4: an older repo's very weight files outweigh a declaration (graph/resolve.py)
RESOLVER_VERSION = "4"


@collector_paused()
def resolve_families(
    session: Session,
    roots: Mapping[str, Sequence[str]],
    root_licenses: Mapping[str, str],
    *,
    now: datetime,
    run_id: int | None,
    seen: Iterable[int] = (),
    recompute: bool = True,
    markers: Markers = GROK,
) -> tuple[ResolveReport, Resolution]:
    """Decide every family and write the outcome (one transaction).

    With `recompute`, the signals run again over every stored repo first (a crawl that stored
    something new or changed, a change of markers or rules, an upgrade); without it, the
    decision rests on the evidence already stored, which is what makes `tracker resolve`
    fast. Relations are read from the files only for the edges kept.
    """
    if (
        not recompute
        and repo.load_cache(session, "resolver", "version").get("version") != RESOLVER_VERSION
    ):
        recompute = True  # evidence computed by another version of the signals
    summaries = store.node_summaries(session)
    ids = {n.key: n.id for n in summaries}
    keys = {n.id: n.key for n in summaries}
    # a root or a claim may name a repo by a former id (renamed since): the node it is now
    current = {f"{n.hub}:{a}": n.key for n in summaries for a in n.aliases}
    root_keys = {
        name: list(dict.fromkeys(current.get(k, k) for k in nodes if current.get(k, k) in ids))
        for name, nodes in roots.items()
    }
    all_roots = [k for ks in root_keys.values() for k in ks]
    roles = {n.key: n.role for n in summaries}
    observed: list[Observed] | None = None
    if recompute:
        records = {s.key: record_of(s) for s in store.stored_repos(session)}
        index = Index(records, all_roots, markers)
        observed = collect(records, index.root_keys, markers, index=index)
        roles = {key: index.role(key) for key in records}
        store.save_signals(session, {ids[k]: {"role": r} for k, r in roles.items()})
        repo.save_cache(session, "resolver", {"version": RESOLVER_VERSION}, now=now)
    signals: list[Signal] = []
    rows: dict[tuple[str, str, str, str], Any] = {}
    for ev in store.current_evidence(session):
        # unpacked once: attribute reads cost more than the rest of the loop at 50,000 rows
        _, child_id, parent_key, kind, origin, source, relation, declared, strength, text = ev[:10]
        child = keys.get(child_id)
        if child is None or (observed is not None and origin == "resolve"):
            continue
        parent = current.get(parent_key, parent_key)
        rows[(parent, child, kind, origin)] = ev
        signals.append(
            Signal(parent, child, kind, source, strength, relation, text, declared, origin)
        )
    for o in observed or ():
        signals.append(
            Signal(
                o.parent,
                o.child,
                o.kind,
                o.source,
                o.strength,
                o.relation,
                o.detail,
                o.declared_relation,
                "resolve",
            )
        )
    repos = _repos(summaries, signals, roles)
    resolution = resolve(repos, signals, root_keys)
    settled = _settle(
        session,
        resolution,
        observed,
        rows,
        all_roots,
        markers,
        index if observed is not None else None,
    )
    _crawler_relations(resolution, signals)

    report = ResolveReport()
    retracted = 0
    verdicts = _verdicts(resolution)
    updates: dict[int, dict[str, Any]] = {}
    for (parent, child, _, _), ev in rows.items():  # evidence kept as it is: its verdict
        verdict = verdicts.get((child, parent), "not weighed")
        if ev.verdict != verdict:
            updates[ev.id] = {"id": ev.id, "verdict": verdict}
    if observed is not None:
        by = {(o.parent, o.child, o.kind): o for o in observed}
        by.update(settled)
        _, _, retracted = store.replace_resolved_evidence(
            session,
            [
                {**_evidence_row(o, ids), "verdict": verdicts.get((o.child, o.parent), "")}
                for o in by.values()
            ],
            now=now,
            run_id=run_id,
        )
    else:
        for o in settled.values():
            kept = rows.get((o.parent, o.child, o.kind, "resolve"))
            if kept is not None:
                updates.setdefault(kept.id, {"id": kept.id}).update(
                    relation=o.relation, declared_relation=o.declared_relation,
                    detail=clean_text(o.detail, 1000),
                )
    store.update_evidence(session, list(updates.values()))
    changes = repo.apply_edges(
        session,
        [
            {
                "parent_id": ids[e.parent],
                "child_id": ids[e.child],
                "relation": e.relation,
                "source": e.source,
                "confidence": e.confidence,
                "evidence": clean_text(e.evidence, 1000),
                "declared_relation": e.declared_relation,
            }
            for e in resolution.edges
        ],
        keys,
        now=now,
        run_id=run_id,
        seen=seen,
    )
    for name, nodes in root_keys.items():
        repo.set_root_members(session, name, root_licenses.get(name, ""), [ids[k] for k in nodes])
    report.added, report.removed = changes.added, changes.removed
    report.relation_changed = changes.changed
    report.members = {name: len(m) - len(root_keys[name]) for name, m in resolution.members.items()}
    report.evidence = {
        "signals": len(signals),
        "retracted": retracted,
        "recomputed": int(observed is not None),
    }
    return report, resolution


def _crawler_relations(resolution: Resolution, signals: Sequence[Signal]) -> None:
    """Where files alone leave a kept edge at `other`, a crawler's own reading of the same
    pair (a GitHub repo whose description says it converts weights) names the relation."""
    said: dict[tuple[str, str], str] = {}
    for s in signals:
        if s.origin == "crawl" and s.relation and s.relation != "other":
            said.setdefault((s.parent, s.child), s.relation)
    for i, e in enumerate(resolution.edges):
        word = said.get((e.parent, e.child))
        if e.relation == "other" and word and e.kind != "architecture":
            resolution.edges[i] = e._replace(relation=word)


def _evidence_row(o: Observed, ids: Mapping[str, int]) -> dict[str, Any]:
    return {
        "child_id": ids[o.child],
        "parent_key": clean_text(o.parent, 300),
        "kind": o.kind,
        "source": o.source,
        "relation": o.relation,
        "declared_relation": o.declared_relation,
        "strength": float(o.strength),
        "detail": clean_text(o.detail, 1000),
    }


def _settle(
    session: Session,
    resolution: Resolution,
    observed: list[Observed] | None,
    rows: Mapping[tuple[str, str, str, str], Any],
    roots: Sequence[str],
    markers: Markers,
    index: Index | None,
) -> dict[tuple[str, str, str], Observed]:
    """Read the relation of each kept edge that has none yet (evidence computed by the
    signals leaves it to here), and put it on the edge."""
    todo = [(i, e) for i, e in enumerate(resolution.edges) if not e.relation]
    if not todo:
        return {}
    if index is None:  # deciding from stored evidence: only these repos are read back
        wanted = {k for _, e in todo for k in (e.child, e.parent)} | set(roots)
        records = {s.key: record_of(s) for s in store.stored_repos(session, wanted)}
        index = Index(records, roots, markers)
    by = {(o.parent, o.child, o.kind): o for o in observed or ()}
    settled: dict[tuple[str, str, str], Observed] = {}
    for i, e in todo:
        o = by.get((e.parent, e.child, e.kind))
        if o is None and e.child in index.records:
            # stored without its relation: the child's signals again, on the small index
            for signal in SIGNALS:
                for cand in signal.observe(index.records[e.child], index):
                    if (cand.parent, cand.kind) == (e.parent, e.kind):
                        o = cand
        if o is None:
            continue
        o = settled[(e.parent, e.child, e.kind)] = index.settle(o)
        resolution.edges[i] = e._replace(
            relation=o.relation, declared_relation=o.declared_relation, evidence=o.detail
        )
    return settled


def _repos(
    summaries: Sequence[store.NodeSummary], signals: Sequence[Signal], roles: Mapping[str, str]
) -> dict[str, Repo]:
    """The resolver's view of each repo: creation date, role, and a sliver of preference for
    a candidate parent its own name contains (`grok-1-hf-GGUF` under `grok-1-hf`)."""
    names = {n.key: n.repo_id for n in summaries}
    bonus: dict[str, dict[str, float]] = {}
    for child, parent in {(s.child, s.parent) for s in signals}:  # a pair has many signals
        if parent in names and child in names:
            spec = name_specificity(names[child], names[parent])
            if spec:
                bonus.setdefault(child, {})[parent] = min(0.009, spec / 20000)
    return {
        # roles are the Index's words (crawlers/signals), stored as text: resolve.Role's
        n.key: Repo(n.key, n.created_at, roles.get(n.key, "unknown"), bonus.get(n.key, {}))  # type: ignore[arg-type]
        for n in summaries
    }


def _verdicts(resolution: Resolution) -> dict[tuple[str, str], str]:
    """What the resolve made of each (child, parent) pair of evidence."""
    out: dict[tuple[str, str], str] = {}
    for child, lost in resolution.set_aside.items():
        for signal, why in lost:
            out[(child, signal.parent)] = why
    for e in resolution.edges:
        out[(e.child, e.parent)] = (
            "parent" if e.tree else "merge parent" if e.relation == "merge"
            else "parent in a second family"
        )
    return out
