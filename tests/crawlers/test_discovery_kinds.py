"""Discovery of kinds the random worlds found missing, each in a small world of its own on the
fake hub over HTTP: a repo holding only a tokenizer that declares a member by the id it had
before a rename, and an MLX 4-bit quantization named for nothing, whose safetensors summary
counts packed U32 words rather than parameters. The ids are made up: no rule knows them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from crawlers.base import CrawlContext, LineageClaim, RepoRecord, RootSpec
from crawlers.content import effective_parameters
from crawlers.evidence import member_facts
from crawlers.huggingface.discovery import Discovery
from crawlers.huggingface.reader import HfApiReader
from tests.fakes.grok_repo import G1_ARCH, G1_JAX, G1_TOKENIZER, B, WorldRepo, card, shards
from tests.fakes.grok_world import as_fake_repos
from tests.fakes.hf_hub import FakeHub

ROOT = "xai-org/grok-1"
LIC = {"license": "apache-2.0"}
ST = {"parameters": {"BF16": 314 * B}, "total": 314 * B}


def root() -> WorldRepo:
    return WorldRepo(ROOT, lfs={**G1_JAX, **G1_TOKENIZER}, root="grok-1",
                     card=card(LIC, "# Grok-1\n\nOpen weights.\n"))


def port(rid: str) -> WorldRepo:
    return WorldRepo(rid, lfs={**shards("model", 8, rid), **G1_TOKENIZER}, config=G1_ARCH,
                     safetensors=ST, card=card(LIC, f"Converted from {ROOT}.\n"))


def discover(fakes, members: list[WorldRepo]) -> tuple[set[tuple[str, str, str, str]], FakeHub]:
    """(parent, child, relation, source) of every claim discovery makes for grok-1, with
    `members` known beforehand (as the declared walk would have found them)."""
    from huggingface_hub import HfApi

    with FakeHub(fakes, page_size=3) as hub:
        recs = [m.record() for m in members]
        ctx = CrawlContext(root=RootSpec("grok-1", (ROOT,)),
                           members={r.key: member_facts(r) for r in recs})
        discovery = Discovery(HfApiReader(HfApi(endpoint=hub.url, token=False)))
        items = discovery.discover(ctx, exclude=[m.repo_id for m in members])
    return {
        (c.parent.split(":", 1)[1], c.child.split(":", 1)[1], c.relation, c.source)
        for c in items
        if isinstance(c, LineageClaim)
    }, hub


@pytest.mark.parametrize("former", ["oldname/grok-1-bf16", "oldname/grok1-pytorch"])
def test_a_tokenizer_repo_declaring_a_members_former_id_joins_under_it(former):
    # the listing shows a tokenizer file and a declared base no member answers to: nothing
    # else to read, so only the Hub's redirect of that id ties it to the renamed member
    member = port("movedorg/grok-1-transformers")
    tok = WorldRepo("tokshop/Grok-1-tokenizer", lfs=dict(G1_TOKENIZER),
                    card=card({**LIC, "base_model": former}, "# tokenizer\n"))
    fakes = as_fake_repos([root(), member, tok])
    fakes = [replace(f, renamed_from=[former]) if f.id == member.repo_id else f for f in fakes]
    claims, hub = discover(fakes, [root(), member])
    assert (member.repo_id, tok.repo_id, "tokenizer", "declared") in claims
    # one question to the Hub for the former id, answered by its redirect (which it follows)
    asked = [path for kind, _, path, _ in hub.log if kind == "model_info"]
    assert asked == [f"/api/models/{former}", f"/api/models/{member.repo_id}"]


def test_a_tokenizer_repo_declaring_an_outsider_costs_one_question_and_stays_out():
    tok = WorldRepo("tokshop/grok-chat-tokenizer", lfs={"tokenizer.model": "phi-tok"},
                    card=card({**LIC, "base_model": "someone/grok-phi-3-mini"}, "# tok\n"))
    other = WorldRepo("someone/grok-phi-3-mini", lfs=shards("model", 2, "phi"),
                      config={"architectures": ["Phi3ForCausalLM"], "model_type": "phi3"},
                      card=card({"license": "mit"}, "# phi\n"))
    claims, hub = discover(as_fake_repos([root(), tok, other]), [root()])
    assert not claims
    assert [p for k, _, p, _ in hub.log if k == "model_info"] == []  # listed as it is: no ask


def test_an_mlx_4bit_quantization_named_for_nothing_joins_at_the_releases_scale():
    # 4-bit MLX weights are stored packed, eight to a U32: the Hub's summary of a 314B model's
    # copy says about 39B U32 and a few billion BF16 scales and biases
    mlx = WorldRepo("cloudco/atlas-mlx-4bit", lfs=shards("model", 3, "atlas-mlx"),
                    config={**G1_ARCH, "quantization": {"group_size": 64, "bits": 4}},
                    safetensors={"parameters": {"U32": 39_250_000_000, "BF16": 6 * B},
                                 "total": 45_250_000_000},
                    library_name="mlx", card=card(LIC, "# atlas-mlx-4bit\n"))
    claims, _ = discover(as_fake_repos([root(), mlx]), [root()])
    assert (ROOT, mlx.repo_id, "quantization", "inferred") in claims


@pytest.mark.parametrize(
    ("dtypes", "config", "billions"),
    [
        ({"U32": 39_250_000_000, "BF16": 6 * B}, {}, 320),  # MLX 4-bit, bits unknown: 4
        ({"U32": 78_500_000_000, "BF16": 9 * B}, {"quantization": {"bits": 8}}, 323),
        ({"I32": 39 * B, "F16": 2 * B}, {"quantization_config": {"bits": 4}}, 314),  # GPTQ
        ({"U32": 117_750_000_000}, {"quantization": {"bits": 2}}, 1884),  # bits as stated
    ],
)
def test_packed_weights_count_as_parameters(dtypes, config, billions):
    rec = RepoRecord("huggingface", "x/y", safetensors={"parameters": dtypes},
                     extra={"config": config})
    assert effective_parameters(rec) // B == billions
