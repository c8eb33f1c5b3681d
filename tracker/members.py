"""What a crawl knows of a family around the hubs' answers: its members, its candidates, and
which of its repos are proved gone.

Before a root is crawled, `load_members` gives the crawlers the family the database holds
(files, architecture, parent) to verify candidates against, and `swept_candidates` adds the
swept models at the family's scale. After a complete run, `unseen_members` are the ones to
look up directly (disappearance is proved, never assumed); while a crawl runs,
`keep_proven_removals` keeps a repo proved removed from coming back through a stale listing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from crawlers.base import Crawler, CrawlWarning, HubError, MemberFacts, RepoRecord
from crawlers.content import file_kind, weight_format
from crawlers.evidence import GROK, SCALE_TOLERANCE
from db import repository as repo
from db import sweep as swept_store
from db.lineage import LineageNode, descendants
from db.session import Engine, Session, session_scope
from db.timeline import aliases_of
from tracker.config import RootConfig


def swept_candidates(session: Session, hub: str, root_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Swept models (`tracker sweep`) showing the family's architecture, model type or GGUF
    architecture at the family's scale, whatever their name, as listing items for discovery.
    Empty without a sweep: the crawl is then as it always was."""
    if hub != "huggingface":
        return []
    scales = [n for rid, n in GROK.release_parameters.items() if rid in root_ids]
    return swept_store.candidates(
        session,
        hub,
        architectures=GROK.architectures,
        model_types=GROK.model_types,
        gguf_architectures=GROK.gguf_architectures,
        scales=scales or GROK.release_parameters.values(),
        tolerance=SCALE_TOLERANCE,
    )


def load_members(session: Session, root: RootConfig) -> dict[str, MemberFacts]:
    """What the database knows of the root's family, for verifying candidates."""
    start = list(repo.node_ids(session, root.nodes).values())
    family = descendants(session, start)
    files = repo.files_of(session, family.order)
    former = aliases_of(session, family.order)
    facts = {}
    for node in repo.nodes_by_id(session, family.order):
        shown = family.nodes[node.id]
        parent = family.nodes[shown.parents[0][0]].key if shown.parents else None
        weights, tokenizer, file_formats = _split_files(
            (f.path, f.sha256 or f.blob_id) for f in files.get(node.id, ())
        )
        # as member_facts does: the node's formats, else those of its weight files (a JAX
        # checkpoint has no tag saying so); else a crawl resumed after a failure would judge
        # candidates against a root without formats (tests/crawlers/test_faults.py)
        formats = tuple(f for f in node.formats.split(",") if f) or tuple(sorted(file_formats))
        facts[node.key] = MemberFacts(
            key=node.key,
            sha256s=frozenset(weights | tokenizer),
            weight_sha256s=frozenset(weights),
            tokenizer_sha256s=frozenset(tokenizer),
            architectures=tuple(a for a in node.architectures.split(",") if a),
            model_type=node.model_type or None,
            parameters=node.parameters,
            formats=formats,
            aliases=tuple(key.partition(":")[2] for key, _ in former.get(node.id, ())),
            parent=parent,
            relation=shown.relation or None,
            depth=shown.depth,
            created_at=node.created_at,
        )
    return facts


def _split_files(
    files: Iterable[tuple[str, str | None]],
) -> tuple[set[str], set[str], set[str]]:
    """Stored (path, hash) rows as the hashes of weight files and of tokenizer files, and the
    weight formats the paths show."""
    weights: set[str] = set()
    tokenizer: set[str] = set()
    formats: set[str] = set()
    for path, digest in files:
        kind = file_kind(path)
        if kind == "weights":
            formats.add(weight_format(path))
        if digest:
            if kind == "weights":
                weights.add(digest)
            elif kind == "tokenizer":
                tokenizer.add(digest)
    return weights, tokenizer, formats


def unseen_members(
    session: Session, root: RootConfig, seen: Collection[int], hubs: Collection[str]
) -> list[LineageNode]:
    """The root's members on `hubs` that this run did not see and that are not yet removed."""
    start = list(repo.node_ids(session, root.nodes).values())
    family = descendants(session, start)
    return [
        n
        for i, n in family.nodes.items()
        if i not in seen and n.status != "removed" and n.hub in hubs
    ]


def keep_proven_removals(
    engine: Engine,
    records: list[RepoRecord],
    crawler: Crawler | None,
    warnings: list[CrawlWarning],
) -> list[RepoRecord]:
    """Records of repos a direct lookup proved removed, listed again as if alive: a 404 on
    a direct check outranks a stale listing (issue 17). Each is looked up again; while it
    still answers 404 it stays removed (and a warning in `warnings` says so)."""
    if not records or crawler is None:
        return records
    with session_scope(engine) as session:
        ids = repo.node_ids(session, [r.key for r in records])
        removed = {n.key for n in repo.nodes_by_id(session, ids.values()) if n.status == "removed"}
    if not removed:
        return records
    kept = []
    for record in records:
        if record.key in removed and record.status != "removed":
            try:
                gone = crawler.check(record.repo_id).status == "removed"
            except (HubError, NotImplementedError) as exc:
                gone, why = True, f"could not look it up ({exc})"
            else:
                why = "a direct lookup still answers 404"
            if gone:
                warnings.append(
                    CrawlWarning(f"listed by the hub, but {why}: kept removed", record.key)
                )
                continue
        kept.append(record)
    return kept
