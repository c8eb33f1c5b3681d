"""License audit end to end: a Grok-2 family on the fake Hub, crawled, then `tracker licenses`.

The family holds a compliant quantization, one relabelled apache-2.0, one with no license,
one whose card lacks "Powered by xAI", and a quantization of a fine-tune relabelled mit (terms
bind along the whole chain).
"""

from __future__ import annotations

import hashlib
import json

import networkx as nx
import pytest
from click.testing import CliRunner

from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import FakeFile, FakeRepo, World
from tracker.cli import cli

NOTICE = "# {name}\n\nA quantization of Grok 2.\n\n**Powered by xAI**\n"
GGUF = {"total": 270_000_000_000, "architecture": "grok"}


def child(repo_id, card, text, parent="xai-org/grok-2", relation="quantized"):
    return FakeRepo(
        id=repo_id,
        card={"base_model": parent, "base_model_relation": relation, **card},
        card_text=text.format(name=repo_id),
        gguf=GGUF,
        files=[
            FakeFile("model-Q4_K_M.gguf", 1 << 30, hashlib.sha256(repo_id.encode()).hexdigest())
        ],
    )


def world() -> World:
    grok2 = {"license": "other", "license_name": "grok-2"}
    return World(
        [
            FakeRepo(
                id="xai-org/grok-2",
                card=grok2,
                card_text="# Grok 2\n",
                config={"architectures": ["Grok1ForCausalLM"]},
                files=[FakeFile("model-00001.safetensors", 1 << 30, "a" * 64)],
            ),
            child("good/grok-2-GGUF", grok2, NOTICE),
            child("relabel/grok-2-GGUF", {"license": "apache-2.0"}, NOTICE),
            child("nolicense/grok-2-GGUF", {}, NOTICE),
            child("noattrib/grok-2-GGUF", grok2, "# {name}\n\nA quantization of Grok 2.\n"),
            child(
                "tuner/grok-2-sft",
                grok2,
                NOTICE.replace("quantization", "fine-tune"),
                relation="finetune",
            ),
            child("chain/grok-2-sft-GGUF", {"license": "mit"}, NOTICE, parent="tuner/grok-2-sft"),
        ]
    )


@pytest.fixture
def crawled(db_url, tmp_path):
    with FakeHub(world()) as hub:
        result = CliRunner().invoke(
            cli,
            ["--database", db_url, "crawl", "--hub", "huggingface", "--root", "grok-2"],
            env={"HF_ENDPOINT": hub.url},
        )
    assert result.exit_code == 0, result.output
    return db_url


def test_each_code_with_its_path_back_to_the_root(crawled):
    result = CliRunner().invoke(
        cli, ["--database", crawled, "licenses", "grok-2", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    found = {(i["node"].split(":")[1], i["code"]) for i in data["issues"]}
    assert found == {
        ("relabel/grok-2-GGUF", "incompatible"),
        ("nolicense/grok-2-GGUF", "missing"),
        ("noattrib/grok-2-GGUF", "attribution"),
        ("chain/grok-2-sft-GGUF", "incompatible"),
    }
    chain = next(i for i in data["issues"] if i["node"] == "huggingface:chain/grok-2-sft-GGUF")
    assert chain["path"] == [
        "huggingface:xai-org/grok-2",
        "huggingface:tuner/grok-2-sft",
        "huggingface:chain/grok-2-sft-GGUF",
    ]
    assert chain["license"] == "mit" and chain["root"] == "grok-2"
    assert data["counts"] == {"incompatible": 2, "missing": 1, "attribution": 1}


def test_issues_show_in_lineage_and_in_the_export(crawled, tmp_path):
    tree = CliRunner().invoke(cli, ["--database", crawled, "lineage", "grok-2"]).stdout
    line = next(x for x in tree.splitlines() if "relabel/grok-2-GGUF" in x)
    assert "apache-2.0" in line and "license:incompatible" in line
    good = next(x for x in tree.splitlines() if "good/grok-2-GGUF" in x)
    assert "license:" not in good
    out = tmp_path / "g.graphml"
    CliRunner().invoke(cli, ["--database", crawled, "export", "--output", str(out)])
    graph = nx.read_graphml(out)
    assert graph.nodes["huggingface:noattrib/grok-2-GGUF"]["license_issues"] == "attribution"
    assert graph.nodes["huggingface:relabel/grok-2-GGUF"]["license"] == "apache-2.0"
    assert graph.nodes["huggingface:good/grok-2-GGUF"]["license_issues"] == ""
