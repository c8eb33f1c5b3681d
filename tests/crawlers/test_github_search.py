"""GitHub search hits join only on evidence (`responses`; no real network).

A hit joins when it forks a member (declared `fork`, from the repo's `parent`) or its README
links or names a member (inferred `conversion` when it says it converts weights, else
`other`). A README about Logstash grok patterns, a benchmark table naming Grok-1, or no README
at all: rejected, remembered, and not read again while unchanged.
"""

from __future__ import annotations

import responses

from crawlers.base import CrawlContext, LineageClaim, MemberFacts, RepoRecord, RootSpec
from tests.fakes.github_api import (
    API,
    ROOT,
    Clock,
    assert_claims_after_records,
    crawler,
    ctx,
    forks_url,
    q,
    repo,
    split,
)

HF_ROOT = MemberFacts(key=f"huggingface:{ROOT}")
README = {
    "alice/grok-1-pytorch": (
        "# Grok-1 in PyTorch\n\nWeights from https://huggingface.co/xai-org/grok-1.\n"
        "This script will convert the JAX checkpoint to PyTorch weights.\n"
    ),
    "bob/grok-jax-port": "# A cleaner port\n\nRe-implements xai-org/grok-1 in Flax.\n",
    "carol/grok-patterns": "# Grok patterns\n\nLogstash grok patterns for nginx logs.\n",
    "dave/llm-bench": "# Bench\n\n| model | score |\n|---|---|\n| xai-org/grok-1 | 73 |\n\n"
    "Our model outperforms xai-org/grok-1 on MMLU.\n",
}


def search_world(forks_of_root: int = 0) -> None:
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=forks_of_root))
    hits = [repo(r, stars=3, fork=False) for r in README] + [
        repo("erin/grok-1", fork=True),
        repo("frank/grok-no-readme", fork=False),
        repo(ROOT, fork=False),
    ]
    responses.get(
        f"{API}/search/repositories",
        json={"total_count": len(hits), "incomplete_results": False, "items": hits},
        match=q(q="grok", per_page=100),
    )
    for rid, body in README.items():
        responses.get(f"{API}/repos/{rid}/readme", body=body, content_type="text/plain")
    responses.get(f"{API}/repos/frank/grok-no-readme/readme", status=404, json={})
    responses.get(f"{API}/repos/erin/grok-1/readme", status=404, json={})
    responses.get(f"{API}/repos/{ROOT}/readme", body="# Grok-1\n\nJAX example code.\n")
    responses.get(
        f"{API}/repos/erin/grok-1",
        json=repo("erin/grok-1", parent={"full_name": ROOT}, source={"full_name": ROOT}),
    )


@responses.activate
def test_search_hits_join_only_with_evidence():
    clock = Clock()
    search_world()
    members = {HF_ROOT.key: HF_ROOT}
    c = crawler(clock, search=True)
    items = list(c.crawl(ctx(ROOT, members=members)))
    records, claims, _ = split(items)

    joined = {r.repo_id for r in records}
    assert joined == {ROOT, "alice/grok-1-pytorch", "bob/grok-jax-port", "erin/grok-1"}
    by_child = {cl.child: cl for cl in claims}
    alice = by_child["github:alice/grok-1-pytorch"]
    assert (alice.parent, alice.relation, alice.source) == (
        f"huggingface:{ROOT}",
        "conversion",
        "inferred",
    )
    assert "README links https://huggingface.co/xai-org/grok-1" in alice.evidence
    assert "README says 'This script will convert the JAX checkpoint to PyTorch weights'" in (
        alice.evidence
    )
    bob = by_child["github:bob/grok-jax-port"]
    assert (bob.parent, bob.relation, bob.source) == (f"github:{ROOT}", "other", "inferred")
    assert bob.evidence.startswith("README names github:xai-org/grok-1")
    assert 0 < bob.confidence < alice.confidence < 1
    erin = by_child["github:erin/grok-1"]
    assert (erin.parent, erin.relation, erin.source, erin.confidence) == (
        f"github:{ROOT}",
        "fork",
        "declared",
        1.0,
    )
    assert erin.evidence == "GitHub fork parent: xai-org/grok-1"
    alice_record = next(r for r in records if r.repo_id == "alice/grok-1-pytorch")
    assert alice_record.card_text == README["alice/grok-1-pytorch"]
    assert "github:alice/grok-1-pytorch" in members  # later candidates can name it
    assert_claims_after_records(items)
    assert c.rejections("grok-1") == {
        r: "2024-04-01T12:30:00+00:00"
        for r in ("carol/grok-patterns", "dave/llm-bench", "frank/grok-no-readme")
    }
    assert c.requests == {"repo": 2, "search": 1, "readme": 5}


@responses.activate
def test_rejected_hits_are_not_read_again_while_unchanged():
    clock = Clock()
    search_world()
    first = crawler(clock, search=True)
    list(first.crawl(ctx(ROOT, members={HF_ROOT.key: HF_ROOT})))
    rejected = first.rejections("grok-1")

    responses.calls.reset()
    again = crawler(clock, search=True)
    items = list(again.crawl(ctx(ROOT, members={HF_ROOT.key: HF_ROOT}, rejected=rejected)))
    read = [c.request.url for c in responses.calls if c.request.url.endswith("/readme")]
    assert not any(r.split("/")[4] in ("carol", "dave", "frank") for r in read)
    assert again.rejections("grok-1") == rejected  # still remembered for the next run
    assert len([i for i in items if isinstance(i, LineageClaim)]) == 3


@responses.activate
def test_search_is_shared_between_roots_of_one_run():
    clock = Clock()
    search_world()
    c = crawler(clock, search=True)
    list(c.crawl(ctx(ROOT, members={HF_ROOT.key: HF_ROOT})))
    before = c.requests.copy()
    grok2 = CrawlContext(RootSpec("grok-2", (), ("grok",)), members={})
    items = list(c.crawl(grok2))
    # hits and READMEs read for grok-1 are not asked again; new are only the READMEs of the
    # hits that joined grok-1 without one (erin, a fork; the grok-1 root itself)
    assert c.requests - before == {"readme": 2}
    assert not [i for i in items if isinstance(i, RepoRecord)]  # no grok-2 member is named


@responses.activate
def test_joined_ports_have_their_forks_walked():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT))
    responses.get(
        f"{API}/search/repositories",
        json={"items": [repo("bob/grok-jax-port", forks=1, fork=False)]},
    )
    responses.get(f"{API}/repos/bob/grok-jax-port/readme", body=README["bob/grok-jax-port"])
    responses.get(forks_url("bob/grok-jax-port"), json=[repo("zed/grok-jax-port")])
    _, claims, _ = split(list(crawler(clock, search=True).crawl(ctx(ROOT))))
    assert ("github:bob/grok-jax-port", "github:zed/grok-jax-port", "fork") in {
        (c.parent, c.child, c.relation) for c in claims
    }
