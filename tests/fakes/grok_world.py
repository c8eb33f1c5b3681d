"""The Grok fixture world: about fifty repositories around grok-1 and grok-2, with the answer.

Built on the real cases of ../shared/reference/grok-sample.json (hpcai-tech/grok-1,
Arki05/Grok-1-GGUF, mradermacher/grok-1-GGUF, unsloth/grok-2-GGUF,
alvarobartt/grok-2-tokenizer, Nishmaafz984/grok-2, Lumen-Lab/OpenGrok) plus the shapes the
real Hub holds: undeclared conversions, quantizations in sub-folders and multi-part files, a
LoRA adapter with no card, merges, re-uploads with identical hashes and no card,
tokenizer-only repos, a random-init test model, and lookalikes that must stay out.

Each `WorldRepo` carries what a hub would serve (files with sha256, config, gguf and
safetensors summaries, README, tags) and what the tracker must conclude (`edges` for a
derivative, `lookalike=True` for a repo that must not join). `records()` gives the same
repositories as `RepoRecord`s for tests that need no server; `fake_repos()` gives them as the
fake Hugging Face hub's `FakeRepo`s (tests/fakes/hf_world.py). The repos themselves live in
grok_families.py and grok_lookalikes.py; one repo's shape in grok_repo.py.
"""

from __future__ import annotations

from crawlers.base import RepoRecord
from crawlers.content import parse_card
from tests.fakes.grok_families import grok1_family, grok2_family
from tests.fakes.grok_lookalikes import lookalike_repos, unrelated_repos
from tests.fakes.grok_repo import Edge, WorldRepo, gguf_bytes, sha

__all__ = ["ROOTS", "Edge", "WorldRepo", "gguf_bytes", "sha", "world"]


def world() -> list[WorldRepo]:
    """Every repository of the fixture world (a fresh list each call)."""
    return grok1_family() + grok2_family() + lookalike_repos() + unrelated_repos()


ROOTS: dict[str, tuple[str, ...]] = {"grok-1": ("xai-org/grok-1",), "grok-2": ("xai-org/grok-2",)}


def expected_edges(root: str, *, searchable: bool = False) -> set[tuple[str, str, str]]:
    """(parent, child, relation) of every edge of a root's family, by repo id.

    `searchable=True` leaves out what only a walk of declared children can find.
    """
    return {
        (e.parent, r.repo_id, e.relation)
        for r in world()
        if r.family == root and not (searchable and r.walk_only)
        for e in r.edges
    }


def expected_family(root: str, *, searchable: bool = False) -> set[str]:
    """Repo ids of a root's family, the root included."""
    return {
        r.repo_id
        for r in world()
        if (r.family == root and not (searchable and r.walk_only)) or r.root == root
    }


def lookalikes() -> set[str]:
    return {r.repo_id for r in world() if r.lookalike}


def fake_repos() -> list:
    """The world as the fake hub's `FakeRepo`s (tests/fakes/hf_world.py)."""
    return as_fake_repos(world())


def as_fake_repos(repos: list[WorldRepo]) -> list:
    """Any list of `WorldRepo`s as the fake hub's `FakeRepo`s."""
    from tests.fakes.hf_world import FakeFile, FakeRepo

    out = []
    for r in repos:
        meta, body = parse_card(r.card) if r.card is not None else ({}, "")
        files = [
            FakeFile(p, 4_000_000_000, sha(label), r.heads.get(p)) for p, label in r.lfs.items()
        ]
        for p, text in r.small.items():
            data = text.encode()
            files.append(FakeFile(p, len(data), None, data))
        if r.card is not None and not meta:  # a README without YAML: serve it verbatim
            data = r.card.encode()
            files.append(FakeFile("README.md", len(data), None, data))
        out.append(
            FakeRepo(
                id=r.repo_id,
                card=meta,
                card_text=body,
                config=r.config,
                gguf=r.gguf,
                safetensors=r.safetensors,
                tags=list(r.tags),
                library_name=r.library_name,
                files=files,
            )
        )
    return out


def world_repo(repo_id: str) -> WorldRepo:
    return next(r for r in world() if r.repo_id == repo_id)


def records(**kw: bool) -> dict[str, RepoRecord]:
    """Every repository as a `RepoRecord` (as seen after all reads), by repo id."""
    return {r.repo_id: r.record(**kw) for r in world()}
