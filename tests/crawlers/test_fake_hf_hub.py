"""The fake hub itself: it must answer like huggingface.co where the crawler depends on it,
and its faults must reach the client as the real failures would."""

from __future__ import annotations

import re

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

from crawlers.base import CrawlContext, RepoRecord, RootSpec
from crawlers.huggingface.crawler import HuggingFaceCrawler
from tests.fakes.hf_hub import FakeHub, Hang, Reply, Reset, Truncate
from tests.fakes.hf_world import FakeFile, FakeRepo, World, synthetic_family


@pytest.fixture
def hub():
    world = World(synthetic_family(30, fanout=4))
    world.add(
        FakeRepo(
            "lock/ed",
            card={"base_model": "xai-org/grok-1"},
            gated="auto",
            files=[FakeFile("w.safetensors", 5, "e" * 64)],
        )
    )
    with FakeHub(world, page_size=3) as hub:
        yield hub


def test_tags_mirror_the_card_like_the_hub():
    repo = FakeRepo(
        "a/b",
        card={"base_model": ["x/p", "y/q"], "license": "mit"},
        files=[FakeFile("m.gguf", 1, "0" * 64)],
    )
    tags = repo.hub_tags()
    assert {
        "base_model:x/p",
        "base_model:merge:x/p",
        "base_model:merge:y/q",
        "license:mit",
        "gguf",
    } <= set(tags)
    single = FakeRepo("a/c", card={"base_model": "x/p"}, files=[FakeFile("m.onnx", 1)])
    assert "base_model:quantized:x/p" in single.hub_tags()  # the Hub's guess for ONNX


def test_listing_pages_through_absolute_links_with_repeated_params(hub):
    api = HfApi(endpoint=hub.url, token=False)
    children = list(api.list_models(filter="base_model:xai-org/grok-1", expand=["sha", "tags"]))
    assert len(children) == 5  # four synthetic children and the gated one
    assert hub.requests["listing"] == 2
    assert all(c.sha and c.tags for c in children)
    kind, method, path, status = hub.log[1]
    assert "cursor=" in path and path.count("expand=") == 2


def test_listing_answers_only_what_expand_asks(hub):
    (item,) = httpx2.get(
        f"{hub.url}/api/models",
        params={"filter": "base_model:xai-org/grok-1", "expand": "sha", "limit": 1},
    ).json()
    assert set(item) == {"_id", "id", "sha"}
    bad = httpx2.get(f"{hub.url}/api/models", params={"expand": "baseModels"})
    assert bad.status_code == 400


def test_model_info_errors_and_redirects(hub):
    api = HfApi(endpoint=hub.url, token=False)
    hub.world.rename("lock/ed", "lock/ed-v2")
    assert api.model_info("lock/ed").id == "lock/ed-v2"
    assert hub.log[0][3] == 307
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("no/such")
    assert api.model_info("xai-org/grok-1", expand=["childrenModelCount"]).children_model_count == 5
    info = api.model_info("xai-org/grok-1", files_metadata=True)
    assert any(s.lfs for s in info.siblings)


def test_gated_files_need_access(hub):
    url = f"{hub.url}/lock/ed/resolve/main/w.safetensors"
    anonymous = httpx2.get(url)
    assert (anonymous.status_code, anonymous.headers["X-Error-Code"]) == (401, "GatedRepo")
    refused = httpx2.get(url, headers={"Authorization": "Bearer someone"})
    assert refused.status_code == 403
    hub.gated_access["lock/ed"] = {"someone"}
    assert httpx2.get(url, headers={"Authorization": "Bearer someone"}).status_code == 200
    assert httpx2.get(f"{hub.url}/lock/ed/resolve/main/README.md").status_code == 200
    with pytest.raises(GatedRepoError):
        from huggingface_hub import hf_hub_download

        hf_hub_download("lock/ed", "w.safetensors", endpoint=hub.url, token=False)


def test_tree_is_recursive_and_paginated():
    world = World(
        [FakeRepo("a/b", files=[FakeFile(f"d{i}/f{j}", 1) for i in range(3) for j in range(2)])]
    )
    with FakeHub(world, tree_page_size=4) as hub:
        entries = list(HfApi(endpoint=hub.url, token=False).list_repo_tree("a/b", recursive=True))
        top = list(HfApi(endpoint=hub.url, token=False).list_repo_tree("a/b"))
    assert len(entries) == 9  # 3 folders, 6 files
    assert hub.requests["tree"] == 3 + 1
    assert [e.path for e in top] == ["d0", "d1", "d2"]


def test_paths_info_and_head(hub):
    api = HfApi(endpoint=hub.url, token=False)
    (info,) = api.get_paths_info("xai-org/grok-1", ["tokenizer.json", "missing.txt"])
    assert info.lfs is not None
    head = httpx2.head(f"{hub.url}/xai-org/grok-1/resolve/main/config.json")
    assert head.status_code == 200 and head.headers["X-Repo-Commit"]


def test_faults_are_taken_in_order_by_matcher(hub):
    hub.faults.add(re.compile(r"/tree/"), Reply(503, {"Retry-After": "2"}, "busy"))
    hub.faults.add("model_info", Reply(429, {}, {"error": "slow"}))
    tree = f"{hub.url}/api/models/xai-org/grok-1/tree/main"
    assert httpx2.get(tree).status_code == 503
    assert httpx2.get(tree).status_code == 200
    assert httpx2.get(f"{hub.url}/api/models/xai-org/grok-1").status_code == 429
    assert hub.faults.pending() == 0
    assert hub.requests["tree"] == 2  # faulted requests are requests too


def test_reset_truncate_and_hang_reach_the_client_as_real_failures(hub):
    url = f"{hub.url}/api/models/xai-org/grok-1"
    hub.faults.add(
        "model_info", Reset(), Truncate(0.5), Truncate(0.5, honest_length=False), Hang(5)
    )
    with pytest.raises(httpx2.TransportError):
        httpx2.get(url)
    with pytest.raises(ValueError):
        httpx2.get(url).json()
    with pytest.raises(httpx2.RemoteProtocolError):
        httpx2.get(url)
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.get(url, timeout=0.2)
    assert httpx2.get(url).json()["id"] == "xai-org/grok-1"


def test_the_crawler_rides_out_resets_truncations_and_hangs(hub):
    hub.faults.add("listing", Reset(), Truncate(0.3), Truncate(0.7, honest_length=False))
    hub.faults.add("tree", Hang(5))
    c = HuggingFaceCrawler(endpoint=hub.url, timeout=0.3, sleep=lambda s: None, workers=1)
    items = list(c.crawl(CrawlContext(RootSpec("grok-1", ("xai-org/grok-1",)))))
    assert len([i for i in items if isinstance(i, RepoRecord)]) == 32
    assert hub.faults.pending() == 0
