"""Discovery of kinds the random worlds found missing, each in a small world of its own on the
fake hub over HTTP: an MLX 4-bit quantization named for nothing, whose safetensors summary
counts packed U32 words rather than parameters. The ids are made up: no rule knows them.
"""

from __future__ import annotations

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
