"""The Hugging Face crawler against the fake hub, through the real huggingface_hub client.

The fixture world holds a declared Grok-1 family several levels deep (a conversion, its
quantization, a fine-tune, an adapter of that, a merge of two members, a merge with an
outsider), plus what real data throws at a crawler: a cycle, a self-reference, a declared base
that does not exist, a repo renamed after the listing, one deleted after the listing, a gated
member, and unrelated models that must stay out.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from crawlers.base import (
    CrawlContext,
    CrawlWarning,
    HubUnavailable,
    LineageClaim,
    RateLimited,
    RepoRecord,
    RootSpec,
    TokenRejected,
)
from crawlers.huggingface.crawler import HuggingFaceCrawler
from tests.fakes.hf_declared import EDGES, FAMILY, ROOT, family_world, weights
from tests.fakes.hf_hub import FakeHub, rate_limited, retry_after, server_error
from tests.fakes.hf_world import World


def _lfs(record: RepoRecord) -> set[str]:
    return {f.sha256 for f in record.files or () if f.sha256}


class FakeClock:
    """sleep() advances the clock instead of waiting; every wait is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def hub():
    with FakeHub(family_world()) as hub:
        yield hub


def crawler(hub: FakeHub, clock: FakeClock | None = None, **kw) -> HuggingFaceCrawler:
    clock = clock or FakeClock()
    return HuggingFaceCrawler(
        endpoint=hub.url, sleep=clock.sleep, clock=clock, jitter=lambda: 0.5, **kw
    )


def run(c: HuggingFaceCrawler, roots=(ROOT,), known=None, **spec) -> tuple[CrawlContext, list]:
    ctx = CrawlContext(RootSpec("grok-1", tuple(roots), **spec), known_shas=known or {})
    return ctx, list(c.crawl(ctx))


def split(items):
    records = {i.repo_id: i for i in items if isinstance(i, RepoRecord)}
    claims = [i for i in items if isinstance(i, LineageClaim)]
    warnings = [i for i in items if isinstance(i, CrawlWarning)]
    return records, claims, warnings


def edges(claims):
    return {(c.parent.split(":", 1)[1], c.child.split(":", 1)[1], c.relation) for c in claims}


def test_walks_the_declared_family_to_any_depth(hub):
    _, items = run(crawler(hub))
    records, claims, _ = split(items)
    assert set(records) == FAMILY | {"meta-llama/Llama-3.1-8B"}  # + the merge's other parent
    assert edges(claims) == EDGES
    assert len(claims) == len(EDGES)  # every edge once, cycle included
    assert all(c.source == "declared" and c.confidence == 1.0 for c in claims)
    # each claim comes after the records of both its ends
    seen: set[str] = set()
    for item in items:
        if isinstance(item, RepoRecord):
            seen.add(item.key)
        elif isinstance(item, LineageClaim):
            assert {item.parent, item.child} <= seen, item


def test_records_carry_the_listing_metadata(hub):
    _, items = run(crawler(hub))
    records, claims, _ = split(items)
    conv = records["keyfan/grok-1-hf"]
    assert conv.architectures == ("Grok1ModelForCausalLM",)
    assert conv.model_type == "grok-1"
    assert conv.parameters == 316_000_000_000
    assert conv.license_raw == {"license": "apache-2.0", "tag": "apache-2.0"}
    assert conv.downloads == 42
    assert conv.created_at is not None and conv.created_at.utcoffset().total_seconds() == 0
    assert conv.sha == hub.world.get("keyfan/grok-1-hf").sha
    assert conv.url == f"{hub.url}/keyfan/grok-1-hf"
    assert "safetensors" in conv.formats
    assert _lfs(conv) == {f.sha256 for f in weights("keyfan")}
    assert any(f.path == "README.md" and f.blob_id for f in conv.files)
    gguf = records["mradermacher/grok-1-hf-GGUF"]
    assert gguf.formats == ("gguf",)
    assert gguf.gguf == {"total": 316_000_000_000, "architecture": "grok", "context_length": 8192}
    assert gguf.parameters == 316_000_000_000
    assert records["locked/grok-1-gated"].status == "gated"
    assert records["locked/grok-1-gated"].gated
    by_child = {c.child.split(":", 1)[1]: c for c in claims if c.parent.endswith(":" + ROOT)}
    # the card states no relation and the Hub's guess is finetune; the name says converted
    assert by_child["keyfan/grok-1-hf"].evidence == (
        "card base_model: xai-org/grok-1; no relation stated (the Hub's guess: finetune); "
        "converted weights (name or card says so)"
    )
    assert by_child["keyfan/grok-1-hf"].relation == "conversion"
    assert by_child["new-org/grok-1-fp8"].evidence == (
        "card base_model: xai-org/grok-1 (base_model_relation: quantized)"
    )


def test_cycle_and_self_reference_end_and_are_reported(hub):
    _, items = run(crawler(hub))
    _, claims, warnings = split(items)
    cycle = [c for c in claims if "cyc/" in c.parent and "cyc/" in c.child]
    assert len(cycle) == 2  # a -> b and the back edge b -> a, once each
    assert not [c for c in claims if c.parent == c.child]
    assert any("selfie/grok-1-self declares itself" in w.message for w in warnings)


def test_a_missing_base_is_a_warning_not_a_crash(hub):
    _, items = run(crawler(hub))
    records, _, warnings = split(items)
    assert "ghost/never-existed" not in records
    (warning,) = [w for w in warnings if "ghost/never-existed" in w.message]
    assert warning.repo == "huggingface:ghostly/grok-1-ft"


def test_a_missing_root_is_recorded_removed(hub):
    _, items = run(crawler(hub), roots=("xai-org/grok-3",))
    records, claims, warnings = split(items)
    assert records["xai-org/grok-3"].status == "removed"
    assert claims == []
    assert any("does not exist" in w.message for w in warnings)


def test_renamed_after_the_listing_keeps_one_node_under_the_new_id(hub):
    _, items = run(crawler(hub))
    records, claims, _ = split(items)
    fp8 = records["new-org/grok-1-fp8"]
    assert "old-org/grok-1-fp8" not in records
    assert fp8.renamed_from == "old-org/grok-1-fp8"
    assert fp8.status == "renamed"
    assert _lfs(fp8) == {f.sha256 for f in weights("fp8")}
    # its child declares the former id: still found, and hung under the new id
    (claim,) = [c for c in claims if c.child == "huggingface:fp8fan/grok-1-fp8-ft"]
    assert claim.parent == "huggingface:new-org/grok-1-fp8"
    assert "old-org/grok-1-fp8" in claim.evidence


def test_a_renamed_root_answers_under_its_new_id(hub):
    hub.world.rename(ROOT, "xai-org/grok-1-renamed")
    _, items = run(crawler(hub))
    records, claims, _ = split(items)
    root = records["xai-org/grok-1-renamed"]
    assert root.renamed_from == ROOT and root.status == "renamed"
    assert ROOT not in records
    # children declare the former id; the walk lists them under both names
    assert ("xai-org/grok-1-renamed", "keyfan/grok-1-hf", "conversion") in edges(claims)


def test_deleted_after_the_listing_is_recorded_removed(hub):
    _, items = run(crawler(hub))
    records, _, warnings = split(items)
    gone = records["gone/grok-1-copy"]
    assert gone.status == "removed"
    assert gone.files is None
    assert any(w.repo == "huggingface:gone/grok-1-copy" for w in warnings)


def test_members_are_added_to_the_context(hub):
    ctx, _ = run(crawler(hub))
    facts = ctx.members["huggingface:keyfan/grok-1-hf"]
    assert facts.sha256s == {f.sha256 for f in weights("keyfan")}
    assert facts.parent == f"huggingface:{ROOT}" and facts.depth == 1
    assert ctx.members["huggingface:lora/grok-chat-lora"].depth == 3
    assert "huggingface:gone/grok-1-copy" not in ctx.members
    assert "huggingface:meta-llama/Llama-3.1-8B" not in ctx.members  # a parent, not a member


def test_pagination_follows_link_headers_with_repeated_params():
    world = family_world()
    with FakeHub(world) as big, FakeHub(world, page_size=2, tree_page_size=1) as small:
        # the declared walk alone (discovery's own searches: tests/crawlers/test_grok_world.py)
        _, items_big = run(crawler(big, discover=False))
        _, items_small = run(crawler(small, discover=False))
        paged = [path for kind, _, path, _ in small.log if kind == "listing" and "cursor=" in path]
    assert paged, "the small pages were never followed"
    assert all(path.count("expand=") >= 10 and "filter=base_model" in path for path in paged)
    assert [_portless(i) for i in items_small] == [_portless(i) for i in items_big]
    assert small.requests["tree"] > big.requests["tree"]


def _portless(item):
    return replace(item, url="") if isinstance(item, RepoRecord) else item


def test_request_budget_and_an_unchanged_second_crawl(hub):
    c = crawler(hub, discover=False)  # the declared walk's budget; discovery's is tested apart
    ctx, items = run(c)
    records, claims, _ = split(items)
    members = len(FAMILY)
    assert dict(c.requests) == dict(hub.requests)  # our count agrees with the server's
    # one children listing a member (+1 under the former id of the renamed one), but none for
    # the GGUF quantization (lineages end there); one tree a member (+1 for the renamed one's
    # redirect), but none for the root: its model_info lists every file with its hashes
    # (`blobs=true`), as the tree would; model_info for the root and for the two declared
    # parents outside the family
    assert hub.requests["listing"] == members + 1 - 1
    assert hub.requests["tree"] == members
    assert hub.requests["model_info"] == 3
    assert "file" not in hub.requests
    assert not hub.unexpected
    assert all(kind != "other" for kind, *_ in hub.log)  # no agent-harness, no telemetry
    root_files = {(f.path, f.sha256, f.blob_id) for f in records[ROOT].files or ()}
    tree, _, _ = crawler(hub)._tree(ROOT, None)  # what the tree lists: the same, hashes too
    assert root_files == {(f.path, f.sha256, f.blob_id) for f in tree} and root_files

    # The listing index catches up with the rename; nothing else changes.
    hub.world.update("new-org/grok-1-fp8", new_sha=False, json_overrides={})
    known = {r.repo_id: r.sha for r in records.values()}
    hub.reset_counts()
    c2 = crawler(hub, discover=False)
    ctx2 = CrawlContext(RootSpec("grok-1", (ROOT,)), known_shas=known, members=ctx.members)
    again = list(c2.crawl(ctx2))
    records2, claims2, _ = split(again)
    assert "tree" not in hub.requests
    assert all(r.files is None for r in records2.values())
    assert hub.total <= 1.1 * members + 3
    # the merge's outside parent is known from the first crawl: its edge, no lookup
    assert set(records2) == set(records) - {"meta-llama/Llama-3.1-8B"}
    assert hub.requests["model_info"] == 2  # the root, and the missing base again
    assert edges(claims2) == edges(claims)  # children of the former id are still found
    assert ctx2.members["huggingface:keyfan/grok-1-hf"].sha256s  # hashes kept from before

    hub.world.update("tuner/grok-1-hf-chat", likes=7)  # a new commit: a new sha
    hub.reset_counts()
    _, third = run(crawler(hub), known=known)
    assert hub.requests["tree"] == 1
    assert split(third)[0]["tuner/grok-1-hf-chat"].files is not None


def test_cards_are_read_only_where_needed_and_once_per_readme(hub):
    notice = "Powered by xAI\n"
    for repo_id in ("keyfan/grok-1-hf", "tuner/grok-1-hf-chat"):
        hub.world.update(repo_id, card_text=notice)
    _, items = run(crawler(hub), read_cards=True)
    records, _, _ = split(items)
    assert records["keyfan/grok-1-hf"].card_text == notice
    assert records["tuner/grok-1-hf-chat"].card_text == notice
    assert records["gone/grok-1-copy"].card_text is None
    assert records["new-org/grok-1-fp8"].card_text == ""  # a card with no text
    with_readme = sum(
        1 for r in records.values() if r.files and any(f.path == "README.md" for f in r.files)
    )
    assert 0 < hub.requests["file"] <= with_readme
    # nothing changed (the listing index caught up with the rename): no card is read again
    hub.world.update("new-org/grok-1-fp8", new_sha=False, json_overrides={})
    known = {r.repo_id: r.sha for r in records.values()}
    hub.reset_counts()
    _, again = run(crawler(hub), known=known, read_cards=True)
    assert "file" not in hub.requests
    assert all(r.card_text is None for r in split(again)[0].values())


def test_without_read_cards_no_card_is_fetched(hub):
    _, items = run(crawler(hub))
    assert "file" not in hub.requests
    assert all(r.card_text is None for r in split(items)[0].values())


def test_check_tells_active_gated_removed_renamed(hub):
    hub.world.rename("cyc/b", "cyc/b-renamed")
    c = crawler(hub)
    assert c.check("keyfan/grok-1-hf").status == "active"
    assert c.check("locked/grok-1-gated").status == "gated"
    assert c.check("gone/grok-1-copy").status == "removed"
    assert c.check("nobody/nothing").status == "removed"
    renamed = c.check("cyc/b")
    assert (renamed.repo_id, renamed.renamed_from, renamed.status) == (
        "cyc/b-renamed",
        "cyc/b",
        "renamed",
    )
    assert renamed.sha == hub.world.get("cyc/b-renamed").sha
    assert c.requests["model_info"] == 6  # the redirect is a request too, counted by both
    assert hub.requests["model_info"] == 6


def test_server_errors_are_retried_with_backoff(hub):
    clock = FakeClock()
    hub.faults.add("listing", server_error(500), server_error(503))
    hub.faults.add("model_info", server_error(502))
    _, items = run(crawler(hub, clock))
    assert set(split(items)[0]) >= FAMILY
    assert clock.sleeps == [0.75, 0.75, 1.5]  # jitter 0.5: 3/4 of 1 s, then 2 s
    assert hub.faults.pending() == 0


def test_persistent_server_errors_on_one_call_are_that_repo_unread(hub):
    # issue 17: one call giving up while others are answered is not the hub down
    hub.faults.add("model_info", *[server_error(500)] * 10)
    _, items = run(crawler(hub, retries=2))
    unread = [i for i in items if isinstance(i, CrawlWarning) and i.incomplete]
    assert any("HTTP 500" in w.message and ROOT in (w.repo or "") for w in unread), unread


def test_persistent_server_errors_on_every_call_end_as_hub_unavailable(hub):
    hub.faults.storm(lambda r: True, server_error(500), every=1)
    with pytest.raises(HubUnavailable, match="HTTP 500"):
        run(crawler(hub, retries=2))


def test_rate_limits_are_waited_out_exactly(hub):
    clock = FakeClock()
    hub.faults.add("tree", rate_limited(reset=17))
    hub.faults.add("listing", retry_after(4))
    _, items = run(crawler(hub, clock, workers=1))
    assert set(split(items)[0]) >= FAMILY
    assert sorted(clock.sleeps) == [4.0, 17.0]


def test_a_long_rate_limit_gives_up_with_rate_limited(hub):
    hub.faults.add("model_info", rate_limited(reset=3600))
    with pytest.raises(RateLimited) as info:
        run(crawler(hub, max_retry_wait=60))
    assert info.value.retry_after == 3600


def test_a_rejected_token_is_token_rejected():
    with FakeHub(family_world(), tokens={"good"}) as hub:
        with pytest.raises(TokenRejected, match="rejected the token"):
            run(crawler(hub, token="bad"))
        _, items = run(crawler(hub, token="good"))
    assert set(split(items)[0]) >= FAMILY


def test_an_unreachable_endpoint_is_hub_unavailable():
    with FakeHub(World()) as hub:
        url = hub.url
    c = HuggingFaceCrawler(endpoint=url, retries=1, sleep=lambda s: None, timeout=2)
    with pytest.raises(HubUnavailable, match="cannot reach"):
        run(c)


def test_model_info_is_read_raw_once():
    world = family_world()
    world.update(ROOT, json_overrides={"safetensors": {"parameters": {"BF16": 5}}})
    with FakeHub(world) as hub:
        _, items = run(crawler(hub))
    root = split(items)[0][ROOT]
    assert root.safetensors == {"parameters": {"BF16": 5}, "total": 5}
    assert hub.requests["model_info"] == 3  # read raw: one request per lookup


def test_bad_card_metadata_is_a_warning(hub):
    hub.world.update("keyfan/grok-1-hf", json_overrides={"cardData": ["not", "a", "dict"]})
    _, items = run(crawler(hub))
    records, _, warnings = split(items)
    assert "keyfan/grok-1-hf" in records
    assert any("cardData" in w.message and "keyfan" in (w.repo or "") for w in warnings)


def test_next_page_links_never_leave_the_endpoint():
    c = HuggingFaceCrawler(endpoint="https://mirror.example/", token="secret")
    assert c._on_endpoint("https://mirror.example/api/models?cursor=x") == (
        "https://mirror.example/api/models?cursor=x"
    )
    # a link to another host is followed on our endpoint: the token goes nowhere else
    assert c._on_endpoint("https://elsewhere.example/api/models?cursor=x") == (
        "https://mirror.example/api/models?cursor=x"
    )


def test_a_push_between_listing_and_tree_lists_main(hub):
    stale = "0" * 40  # the listing's sha is no longer a revision of the repo
    hub.world.update("keyfan/grok-1-hf", new_sha=False, json_overrides={"sha": stale})
    _, items = run(crawler(hub, discover=False))
    conv = split(items)[0]["keyfan/grok-1-hf"]
    assert _lfs(conv) == {f.sha256 for f in weights("keyfan")}
    assert conv.sha == stale  # the next crawl sees a new sha and lists the files again
    tree_paths = [path for kind, _, path, _ in hub.log if kind == "tree" and "keyfan" in path]
    assert [p.split("?")[0].rsplit("/", 1)[1] for p in tree_paths] == [stale, "main"]
