"""The ModelScope crawler against a fake ModelScope API (`responses`; no real network).

The routes are the ones the `modelscope` SDK uses: the OpenAPI listing and detail, the legacy
file listing and raw file routes. A search listing holds a mirror proved by file hashes, a
mirror proved by its card, a quantization that names a member, and a lookalike named grok:
the first three join, the lookalike never does.
"""

from __future__ import annotations

import hashlib
import json

import pytest
import requests
import responses
from responses import matchers

from crawlers.base import (
    CrawlContext,
    CrawlWarning,
    HubError,
    HubUnavailable,
    LineageClaim,
    MemberFacts,
    RateLimited,
    RepoRecord,
    RootSpec,
    TokenRejected,
)
from crawlers.modelscope.crawler import ModelScopeCrawler
from tests.fakes.modelscope_api import item

EP = "https://modelscope.cn"
NOW = 1_700_000_000.0
HF_ROOT = "huggingface:xai-org/grok-1"
HF_PORT = "huggingface:hpcai-tech/grok-1"


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


PORT_WEIGHTS = [f"pytorch_model-0000{i}-of-00003.bin" for i in (1, 2, 3)]
PORT_HASHES = frozenset(sha(f"hpcai/{n}") for n in PORT_WEIGHTS)


def members() -> dict[str, MemberFacts]:
    return {
        HF_ROOT: MemberFacts(key=HF_ROOT, formats=("jax",)),
        HF_PORT: MemberFacts(
            key=HF_PORT,
            sha256s=PORT_HASHES,
            weight_sha256s=PORT_HASHES,
            formats=("pytorch",),
            parent=HF_ROOT,
            relation="conversion",
            depth=1,
        ),
    }


class Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def crawler(clock: Clock, **kw) -> ModelScopeCrawler:
    return ModelScopeCrawler(EP, sleep=clock.sleep, clock=clock, jitter=lambda: 0.0, **kw)


def ctx(*roots: str, mem=None, rejected=None, read_cards=False) -> CrawlContext:
    return CrawlContext(
        RootSpec("grok-1", tuple(roots), ("grok",), read_cards=read_cards),
        members=members() if mem is None else mem,
        rejected=rejected or {},
    )


def q(**params):
    return [matchers.query_param_matcher({k: str(v) for k, v in params.items()})]


def add_listing(items: list, page: int = 1, term: str = "grok", **headers) -> None:
    responses.get(
        f"{EP}/openapi/v1/models",
        json={
            "success": True,
            "data": {"models": items, "total_count": len(items), "page_number": page},
        },
        headers=headers or None,
        match=q(search=term, page_number=page, page_size=50),
    )


def add_files(rid: str, files: list[tuple[str, str | None]]) -> None:
    entries = [{"Name": "docs", "Path": "docs", "Type": "tree", "Size": 0}]
    entries += [
        {"Name": p.rsplit("/", 1)[-1], "Path": p, "Type": "blob", "Size": 1000, "Sha256": h}
        for p, h in files
    ]
    responses.get(
        f"{EP}/api/v1/models/{rid}/repo/files",
        json={"Code": 200, "Data": {"Files": entries}, "Success": True},
        match=q(Revision="master", Recursive="True"),
    )


def add_readme(rid: str, text: str | None) -> None:
    url = f"{EP}/api/v1/models/{rid}/repo"
    match = q(Revision="master", FilePath="README.md")
    if text is None:
        responses.get(url, status=404, json={"Code": 10010205001, "Success": False}, match=match)
    else:
        responses.get(url, body=text, content_type="text/plain", match=match)


def add_detail(rid: str, **kw) -> None:
    owner, name = rid.split("/")
    body = item(rid, **kw)
    responses.get(f"{EP}/openapi/v1/models/{owner}/{name}", json={"success": True, "data": body})


MIRROR = "colossalai/grok-1-pytorch"
CARD_MIRROR = "AI-ModelScope/grok-1"
GGUF = "someone/grok-1-GGUF"
LOOKALIKE = "phi-fan/grok-chat"


def world() -> None:
    add_listing([item(r) for r in (MIRROR, CARD_MIRROR, GGUF, LOOKALIKE)])
    add_files(MIRROR, [(f"{n}", sha(f"hpcai/{n}")) for n in PORT_WEIGHTS] + [("README.md", None)])
    add_detail(MIRROR, license="Apache License 2.0", downloads=321)
    add_files(CARD_MIRROR, [(f"ckpt-0/tensor0000{i}_000", sha(f"ms{i}")) for i in range(3)])
    add_readme(CARD_MIRROR, "# Grok-1\n\nMirror of https://huggingface.co/xai-org/grok-1 .\n")
    add_detail(CARD_MIRROR)
    add_files(GGUF, [("grok-1-Q4_K_M.gguf", sha("gguf"))])
    add_readme(GGUF, "---\nlicense: apache-2.0\n---\nGGUF files of hpcai-tech/grok-1.\n")
    add_detail(GGUF)
    add_files(LOOKALIKE, [("model.safetensors", sha("phi"))])
    add_readme(LOOKALIKE, "# Grok chat\n\nA fun chat model fine-tuned from Phi-3. Groks you.\n")


def split(items):
    return (
        [i for i in items if isinstance(i, RepoRecord)],
        [i for i in items if isinstance(i, LineageClaim)],
        [i for i in items if isinstance(i, CrawlWarning)],
    )


@responses.activate
def test_mirrors_join_with_evidence_and_the_lookalike_does_not():
    clock = Clock()
    world()
    family = members()
    c = crawler(clock)
    items = list(c.crawl(ctx(mem=family)))
    records, claims, warnings = split(items)

    assert not warnings
    assert [r.repo_id for r in records] == [MIRROR, CARD_MIRROR, GGUF]  # no lookalike
    by_child = {cl.child: cl for cl in claims}
    mirror = by_child[f"modelscope:{MIRROR}"]
    assert (mirror.parent, mirror.relation, mirror.source) == (HF_PORT, "fork", "inferred")
    assert mirror.evidence == f"shares 3/3 weight files with {HF_PORT}"
    assert mirror.confidence == 0.95
    card = by_child[f"modelscope:{CARD_MIRROR}"]
    assert (card.parent, card.relation, card.source) == (HF_ROOT, "fork", "inferred")
    assert card.evidence == "README links https://huggingface.co/xai-org/grok-1"
    assert 0.5 < card.confidence < mirror.confidence
    gguf = by_child[f"modelscope:{GGUF}"]
    assert (gguf.parent, gguf.relation) == (HF_PORT, "quantization")  # files say it plainly
    assert gguf.evidence.startswith(f"README names {HF_PORT}")

    m = records[0]
    assert m.license_raw == {"license": "Apache License 2.0"} and m.downloads == 321
    assert m.url == f"{EP}/models/{MIRROR}" and m.formats == ("pytorch",)
    assert {f.path for f in m.files} == set(PORT_WEIGHTS) | {"README.md"}  # no directories
    assert {f.sha256 for f in m.files if f.sha256} == set(PORT_HASHES)
    assert m.created_at.isoformat() == "2024-03-20T08:00:00+00:00"
    assert m.extra["tasks"] == ["text-generation"]
    assert f"modelscope:{MIRROR}" in family  # later candidates can match it
    assert f"modelscope:{LOOKALIKE}" not in family
    assert c.rejections("grok-1") == {LOOKALIKE: "2024-03-21T09:00:00+00:00"}
    # one listing page; files for each hit; a README only where files did not decide; the
    # detail page only for those that joined
    assert c.requests == {"listing": 1, "tree": 4, "file": 3, "model_info": 3}


@responses.activate
def test_without_member_hashes_only_the_card_can_decide():
    clock = Clock()
    add_listing([item(CARD_MIRROR), item(LOOKALIKE)])
    add_readme(CARD_MIRROR, "Mirror of https://huggingface.co/xai-org/grok-1")
    add_readme(LOOKALIKE, "grok grok grok")
    add_detail(CARD_MIRROR)
    add_files(CARD_MIRROR, [("ckpt-0/tensor00000_000", sha("a"))])
    # once the mirror joined with its hashes, the next hit's files are worth a look
    add_files(LOOKALIKE, [("model.safetensors", sha("phi"))])
    c = crawler(clock)
    records, claims, _ = split(list(c.crawl(ctx(mem={HF_ROOT: MemberFacts(key=HF_ROOT)}))))
    assert [r.repo_id for r in records] == [CARD_MIRROR]
    assert claims[0].parent == HF_ROOT
    assert records[0].files is not None  # a member's files are kept for the next candidates
    assert c.requests == {"listing": 1, "file": 2, "model_info": 1, "tree": 2}


@responses.activate
def test_rejected_hits_are_not_read_again_while_unchanged():
    clock = Clock()
    world()
    first = crawler(clock)
    list(first.crawl(ctx()))
    rejected = first.rejections("grok-1")
    responses.calls.reset()
    again = crawler(clock)
    list(again.crawl(ctx(rejected=rejected)))
    assert not any(LOOKALIKE in c.request.url for c in responses.calls)
    assert again.rejections("grok-1") == rejected


@responses.activate
def test_a_modelscope_root_is_crawled_like_a_root():
    clock = Clock()
    root = "AI-ModelScope/grok-1"
    root_files = [(f"ckpt-0/tensor0000{i}_000", sha(f"jax{i}")) for i in range(2)]
    add_detail(root, license="apache-2.0")
    add_files(root, root_files)
    add_readme(root, "# Grok-1\n")
    copy = "someone/grok-1-copy"
    add_listing([item(root), item(copy)])
    add_files(copy, root_files)
    add_detail(copy)
    add_readme(copy, "Powered by xAI")  # the root's terms need cards: read for members
    family: dict[str, MemberFacts] = {}
    items = list(crawler(clock).crawl(ctx(root, mem=family, read_cards=True)))
    records, claims, _ = split(items)
    assert [r.repo_id for r in records] == [root, copy]
    assert records[0].card_text == "# Grok-1\n" and records[0].formats == ("jax",)
    assert not [c for c in claims if c.child == f"modelscope:{root}"]  # a root has no parent
    assert claims[0].parent == f"modelscope:{root}"
    assert claims[0].evidence == f"shares 2/2 weight files with modelscope:{root}"
    assert records[1].card_text == "Powered by xAI"
    assert family[f"modelscope:{root}"].depth == 0 and family[f"modelscope:{copy}"].depth == 1


@responses.activate
def test_detail_falls_back_to_the_legacy_route_and_check_proves_removals():
    clock = Clock()
    responses.get(
        f"{EP}/openapi/v1/models/old/style", status=404, json={"code": "ResourceNotFound"}
    )
    responses.get(
        f"{EP}/api/v1/models/old/style",
        json={
            "Code": 200,
            "Success": True,
            "Data": {
                "Id": 1234,
                "Path": "old",
                "Name": "style",
                "License": "MIT",
                "Downloads": 9,
                "Stars": 2,
                "CreatedTime": 1710000000,
                "LastUpdatedTime": 1710086400,
            },
        },
        match=q(Revision="master"),
    )
    responses.get(f"{EP}/openapi/v1/models/gone/model", status=404, json={})
    responses.get(
        f"{EP}/api/v1/models/gone/model",
        json={"Code": 10010205001, "Message": "模型不存在", "Success": False},
    )
    c = crawler(clock)
    old = c.check("old/style")
    assert (old.status, old.license_raw, old.downloads, old.likes) == (
        "active",
        {"license": "MIT"},
        9,
        2,
    )
    assert old.created_at.isoformat() == "2024-03-09T16:00:00+00:00"
    assert c.check("gone/model").status == "removed"
    with pytest.raises(HubError):
        c.check("../etc")
    assert c.requests == {"model_info": 4}


@responses.activate
def test_a_429_is_waited_out_for_exactly_what_the_hub_says():
    clock = Clock()
    responses.get(f"{EP}/openapi/v1/models", status=429, headers={"Retry-After": "12"})
    add_listing([])
    c = crawler(clock)
    assert list(c.crawl(ctx())) == []
    assert clock.sleeps == [12.0]
    assert c.requests == {"listing": 2}


@responses.activate
def test_a_rate_limit_beyond_the_ceiling_raises_and_keeps_what_was_yielded():
    clock = Clock()
    add_listing([item(MIRROR), item(CARD_MIRROR)])
    add_files(MIRROR, [(n, sha(f"hpcai/{n}")) for n in PORT_WEIGHTS])
    add_detail(MIRROR)
    responses.get(
        f"{EP}/api/v1/models/{CARD_MIRROR}/repo/files",
        status=429,
        headers={"Retry-After": "3600"},
    )
    got: list = []
    with pytest.raises(RateLimited) as info:
        for x in crawler(clock, max_retry_wait=60).crawl(ctx()):
            got.append(x)
    records, claims, _ = split(got)
    assert [r.repo_id for r in records] == [MIRROR] and len(claims) == 1
    assert info.value.retry_after == 3600 and clock.sleeps == []


@responses.activate
def test_bad_data_becomes_warnings():
    clock = Clock()
    add_listing(
        [
            "nope",
            {"id": "../../etc/passwd"},
            {"id": 7},
            item(MIRROR, downloads="lots", license=["mit"], tags="grok", created_at=[1]),
        ]
    )
    responses.get(f"{EP}/api/v1/models/{MIRROR}/repo/files", body='{"Code": 200, "Data": {"Fi')
    add_readme(MIRROR, None)
    c = crawler(clock)
    items = list(c.crawl(ctx()))
    records, _, warnings = split(items)
    assert records == []
    text = " | ".join(w.message for w in warnings)
    assert "str, not an object" in text and "'../../etc/passwd'" in text and "7" in text
    assert "downloads is str" in text and "license is list" in text
    assert "created_at [1] is not a date" in text
    assert "malformed JSON" in text
    assert not any("passwd" in call.request.url for call in responses.calls)


@responses.activate
def test_a_listing_that_is_not_json_is_a_warning_not_a_crash():
    clock = Clock()
    responses.get(f"{EP}/openapi/v1/models", body="<html>502 Bad Gateway</html>")
    items = list(crawler(clock).crawl(ctx()))
    assert len(items) == 1 and "malformed JSON" in items[0].message


@responses.activate
def test_unreachable_and_token_errors():
    clock = Clock()
    responses.get(f"{EP}/openapi/v1/models", body=requests.ConnectionError("reset"))
    with pytest.raises(HubUnavailable):
        list(crawler(clock, retries=1).crawl(ctx()))
    responses.reset()
    responses.get(f"{EP}/openapi/v1/models", status=401, json={"code": "InvalidAuthentication"})
    with pytest.raises(TokenRejected) as info:
        list(crawler(clock, token="ms-secret").crawl(ctx()))
    assert "ms-secret" not in str(info.value)
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer ms-secret"


@responses.activate
def test_listing_pages_until_a_short_page():
    clock = Clock()
    full = [item(f"other/model-{i}") for i in range(50)]
    responses.get(
        f"{EP}/openapi/v1/models",
        json={"success": True, "data": {"models": full, "total_count": 51}},
        match=q(search="grok", page_number=1, page_size=50),
    )
    responses.get(
        f"{EP}/openapi/v1/models",
        body=json.dumps({"Data": {"Models": [item("other/last")]}}),
        match=q(search="grok", page_number=2, page_size=50),
    )
    c = crawler(clock)
    # no member has hashes or is named: every hit needs its README, none joins
    for i in range(50):
        add_readme(f"other/model-{i}", "nothing here")
    add_readme("other/last", None)
    assert list(c.crawl(ctx(mem={HF_ROOT: MemberFacts(key=HF_ROOT)}))) == []
    assert c.requests == {"listing": 2, "file": 51}
