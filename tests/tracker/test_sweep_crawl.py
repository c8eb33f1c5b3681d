"""A Grok crawl on top of a sweep: models with Grok's architecture at Grok's scale join the
family whatever their name, through the same evidence as any candidate; lookalikes and tiny
random models with Grok's architecture do not; without a sweep the crawl is as before."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from db.session import make_engine
from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_population import Population
from tests.fakes.hf_world import FakeFile, FakeRepo, World
from tracker.config import load_config
from tracker.pipeline import crawl
from tracker.sweep import sweep

B = 1_000_000_000
G1 = ["Grok1ModelForCausalLM"]


def hidden() -> list[FakeRepo]:
    """Undeclared Grok-1 derivatives named without "grok" (no card, no model_type tag), and
    a tiny random model with Grok's architecture."""

    def weights(label: str, suffix: str, n: int = 3) -> list[FakeFile]:
        return [
            FakeFile(f"model-{i:05d}.{suffix}", 4 * B, grok_world.sha(f"{label}-{i}"))
            for i in range(n)
        ]

    return [
        FakeRepo(
            id="anon/moe-314b-int4",
            config={"architectures": G1, "quantization_config": {"quant_method": "gptq"}},
            safetensors={"parameters": {"I32": 38 * B, "F16": 12 * B}, "total": 50 * B},
            files=weights("anon-gptq", "safetensors"),
        ),
        FakeRepo(
            id="lab/big-moe-q4",
            gguf={"architecture": "grok", "total": 316 * B},
            files=weights("lab-q4", "gguf", 1),
        ),
        FakeRepo(
            id="tiny/moe-random",
            config={"architectures": G1},
            safetensors={"parameters": {"F32": 2_000_000}, "total": 2_000_000},
            files=weights("tiny", "safetensors", 1),
        ),
    ]


def config_for(tmp_path: Path, hub: FakeHub) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n\n[crawl]\nhubs = "huggingface"\n\n'
        f'[hubs.huggingface]\nendpoint = "{hub.url}"\n'
    )
    return path


def members(tmp_path: Path) -> dict[str, tuple[str, str]]:
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.key, e.relation, e.source FROM edges e JOIN nodes c ON c.id = e.child_id"
            )
        )
        out = {r[0]: (r[1], r[2]) for r in rows}
    engine.dispose()
    return out


def test_a_crawl_after_a_sweep_finds_derivatives_that_hide_their_name(tmp_path):
    world = World([*grok_world.fake_repos(), *hidden()])
    with FakeHub(world, population=Population(3_000, grok_shaped=False)) as hub:
        before = tmp_path / "before"
        before.mkdir()
        report = crawl(load_config(config_for(before, hub)), hubs=["huggingface"])
        assert report.status == "ok", report.errors
        today = members(before)
        assert not any("moe" in k for k in today)  # invisible to name and tag searches
        cost_today = hub.total

        after = tmp_path / "after"
        after.mkdir()
        config = load_config(config_for(after, hub))
        assert sweep(config).status == "complete"
        hub.reset_counts()
        report = crawl(config, hubs=["huggingface"])
        assert report.status == "ok", report.errors
        found = members(after)
        assert found["huggingface:anon/moe-314b-int4"] == ("quantization", "inferred")
        assert found["huggingface:lab/big-moe-q4"][1] == "inferred"
        assert "huggingface:tiny/moe-random" not in found  # Grok's architecture, not its scale
        assert {k: v for k, v in found.items() if "moe" not in k} == today
        # the two new members cost their reads (tree, README) and nothing else
        assert hub.total <= cost_today + 2 * 3
