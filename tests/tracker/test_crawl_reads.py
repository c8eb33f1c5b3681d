"""What a first crawl asks the Hub for, and what it no longer asks because the answer is
already known: the fake Hugging Face hub over HTTP, the real pipeline, SQLite, `tracker export`.

Issue 10's budget is 3 requests per member (its children listing, its file tree, its README)
plus 1 per 10 candidates rejected. A request is left out only where what it would return
cannot change an edge, a relation or a license: a README whose repo holds nothing a derivative
holds (it is no derivative, whatever the card links); a README of a member whose own files fix
its parent and relation (an adapter's config, a mergekit config, identical weight files) under
a root whose terms need no notice in cards; a children listing already answered empty this run,
or of a repo where lineages end (a GGUF, an EXL2, GPTQ, AWQ or MLX quantization, a tokenizer
alone, a test model: a derivative of one named for the family is found by the search);
a GGUF header where the card names a member (the header can only name that parent or one above).
The ids are made up: no rule knows them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import unquote

from click.testing import CliRunner

from tests.fakes.grok_repo import (
    G1_ARCH,
    G1_JAX,
    G1_TOKENIZER,
    G2_ARCH,
    G2_LICENSE,
    G2_SHARDS,
    G2_TOKENIZER,
    XAI_G2_README,
    B,
    WorldRepo,
    card,
    gguf_bytes,
    shards,
)
from tests.fakes.grok_world import as_fake_repos
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import World
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl

G1, G2 = "xai-org/grok-1", "xai-org/grok-2"
URL = "https://huggingface.co/"
ST = {"parameters": {"BF16": 314 * B}, "total": 314 * B}
LIC = {"license": "apache-2.0"}


def grok1() -> WorldRepo:
    return WorldRepo(G1, lfs={**G1_JAX, **G1_TOKENIZER}, root="grok-1",
                     card=card(LIC, "# Grok-1\n\nOpen weights.\n"))


def grok2() -> WorldRepo:
    return WorldRepo(G2, lfs={**G2_SHARDS, **G2_TOKENIZER}, config=G2_ARCH, root="grok-2",
                     safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
                     card=card(G2_LICENSE, XAI_G2_README))


def conversion() -> WorldRepo:
    """Named for Grok, declaring nothing: only its card says where it comes from."""
    rid = "portwork/grok-1-torch"
    return WorldRepo(rid, lfs={**shards("model", 8, rid), **G1_TOKENIZER}, config=G1_ARCH,
                     safetensors=ST, card=card(LIC, f"# Port\n\nConverted from {URL}{G1}.\n"))


def crawled(tmp_path, repos) -> tuple[set[tuple[str, str, str]], list[str]]:
    """Export edges (Hugging Face ids bare) and the paths the hub was asked, in order. Repos
    are created a day apart, in list order."""
    db = f"sqlite:///{tmp_path / 't.db'}"
    fakes = [replace(f, created_at=f"2024-04-{i + 1:02d}T00:00:00.000Z")
             for i, f in enumerate(as_fake_repos(repos))]
    with FakeHub(World(fakes), page_size=3) as hub:
        config = load_config(environ={}, overrides={
            "database.url": db, "hubs.huggingface.endpoint": hub.url})
        report = crawl(config, hubs=["huggingface"])
        assert report.status == "ok", report.errors
        asked = [unquote(path) for _, _, path, _ in hub.log]
        assert not hub.unexpected
    out = CliRunner().invoke(cli, ["--database", db, "export", "--format", "json"])
    assert out.exit_code == 0, out.output
    edges = {
        (e["parent"].removeprefix("huggingface:"), e["child"].removeprefix("huggingface:"),
         e["relation"])
        for e in json.loads(out.stdout)["edges"]
    }
    return edges, asked


def readmes(asked: list[str]) -> set[str]:
    return {p.split("/resolve/")[0].lstrip("/") for p in asked if p.endswith("/README.md")}


def test_a_preset_linking_grok_is_rejected_without_reading_its_card(tmp_path):
    preset = WorldRepo("uiguild/grok-1-chat-preset",
                       small={"preset.json": json.dumps({"model": G1, "temperature": 0.7})},
                       card=card({}, f"# Preset\n\nA chat UI preset for {URL}{G1}.\n"))
    edges, asked = crawled(tmp_path, [grok1(), conversion(), preset])
    assert (G1, "portwork/grok-1-torch", "conversion") in edges
    assert not any(preset.repo_id in e for e in edges)
    # its listing shows a preset file and a README: nothing a derivative holds, so neither
    # its card nor its files are asked for
    assert not [p for p in asked if preset.repo_id in p]
    assert "portwork/grok-1-torch" in readmes(asked)
    # judged all the same: explain says why it stays out
    out = CliRunner().invoke(
        cli, ["--database", f"sqlite:///{tmp_path / 't.db'}", "explain", preset.repo_id])
    assert out.exit_code == 0, out.output
    assert "holds no weights" in out.stdout


def test_members_whose_files_fix_their_lineage_are_not_asked_for_their_card(tmp_path):
    conv = conversion()
    lora = WorldRepo(
        "loralab/grok-1-lora",
        lfs={"adapter_model.safetensors": "loralab/grok-1-lora"},
        small={"adapter_config.json": json.dumps(
            {"base_model_name_or_path": conv.repo_id, "peft_type": "LORA", "r": 16})},
        card=card(LIC, "# LoRA\n\nA LoRA for chat, trained on our dialogues.\n"),
    )
    merge = WorldRepo(
        "mergers/grok-1-slerp",
        lfs=shards("model", 8, "mergers/grok-1-slerp"),
        small={"mergekit_config.yml": (
            "merge_method: slerp\nslices:\n  - sources:\n"
            f"      - model: {conv.repo_id}\n      - model: {G1}\n")},
        config=G1_ARCH, safetensors=ST,
        card=card(LIC, "# Slerp\n\nA merge, fine-tuned afterwards on our data.\n"),
    )
    copy = WorldRepo("mirrorco/grok-1-torch-backup", lfs=dict(conv.lfs), config=G1_ARCH,
                     safetensors=ST, card=card(LIC, "# Backup\n\nQuantized from Grok-1.\n"))
    # llama.cpp writes the converted model's own card base_model into a GGUF header (here the
    # grandparent); the card, naming the closer parent, is evidence the resolver weighs: read
    gguf = WorldRepo(
        "quantfolk/grok-1-torch-GGUF",
        lfs={"grok-1-torch-Q4_K_M.gguf": "quantfolk/grok-1-torch-GGUF"},
        heads={"grok-1-torch-Q4_K_M.gguf": gguf_bytes({
            "general.architecture": "grok", "general.base_model.count": 1,
            "general.base_model.0.repo_url": URL + G1})},
        gguf={"total": 316 * B, "architecture": "grok", "context_length": 8192},
        card=card(LIC, f"# GGUF\n\nQuantized from {URL}{conv.repo_id} with llama.cpp.\n"),
    )
    edges, asked = crawled(tmp_path, [grok1(), conv, lora, merge, copy, gguf])
    assert {
        (G1, conv.repo_id, "conversion"),
        (conv.repo_id, lora.repo_id, "adapter"),
        (conv.repo_id, merge.repo_id, "merge"),
        (G1, merge.repo_id, "merge"),
        (conv.repo_id, copy.repo_id, "fork"),
    } <= edges
    assert any(c == gguf.repo_id and r == "quantization" for _, c, r in edges)
    # the adapter's config, the merge's config and the identical weights decide; what the
    # cards say ("fine-tuned", "quantized") cannot move those edges or relations
    assert readmes(asked) == {conv.repo_id, gguf.repo_id}
    # each member still costs its file tree and its children listing, once
    for repo in (conv, lora, merge, copy):
        assert sum(p.startswith(f"/api/models/{repo.repo_id}/tree/") for p in asked) == 1
        assert sum(f"base_model:{repo.repo_id}&" in p for p in asked) == 1


def test_a_member_of_both_roots_is_asked_for_its_children_once(tmp_path):
    both = WorldRepo(
        "bridgeworks/grok-1-2-merge",
        lfs=shards("model", 8, "bridgeworks/grok-1-2-merge"),
        config=G2_ARCH,
        card=card({**G2_LICENSE, "base_model": [G1, G2]}, "# Bridge\n\nA merge of both.\n"),
    )
    edges, asked = crawled(tmp_path, [grok1(), grok2(), both])
    assert {(G1, both.repo_id, "merge"), (G2, both.repo_id, "merge")} <= edges
    # walked under both roots in one run: the empty answer of the first walk stands
    assert sum(f"base_model:{both.repo_id}&" in p for p in asked) == 1
    assert sum(p.startswith(f"/api/models/{both.repo_id}/tree/") for p in asked) == 1


def test_a_gguf_header_is_read_only_where_the_card_names_no_member(tmp_path):
    conv = conversion()
    header = gguf_bytes({"general.architecture": "grok", "general.base_model.count": 1,
                         "general.base_model.0.repo_url": URL + conv.repo_id})
    summary = {"total": 316 * B, "architecture": "grok", "context_length": 8192}
    # the card links its parent: the header (llama.cpp's copy of a base) cannot name a nearer
    named = WorldRepo(
        "ggufhaus/grok-1-torch-Q8-GGUF",
        lfs={"grok-1-torch-Q8_0.gguf": "ggufhaus/grok-1-torch-Q8-GGUF"},
        heads={"grok-1-torch-Q8_0.gguf": header}, gguf=summary,
        card=card(LIC, f"# GGUF\n\nQuantized from {URL}{conv.repo_id}.\n"),
    )
    # the card names no repo: the header is the only word on its parent
    silent = WorldRepo(
        "ggufhaus/grok-1-torch-Q2-GGUF",
        lfs={"grok-1-torch-Q2_K.gguf": "ggufhaus/grok-1-torch-Q2-GGUF"},
        heads={"grok-1-torch-Q2_K.gguf": header}, gguf=summary,
        card=card(LIC, "# GGUF\n\nGrok-1 quantized with llama.cpp.\n"),
    )
    edges, asked = crawled(tmp_path, [grok1(), conv, named, silent])
    assert {(conv.repo_id, named.repo_id, "quantization"),
            (conv.repo_id, silent.repo_id, "quantization")} <= edges
    assert not [p for p in asked if p.endswith("/grok-1-torch-Q8_0.gguf")]
    assert len([p for p in asked if p.endswith("/grok-1-torch-Q2_K.gguf")]) == 1


def test_a_root_is_asked_for_once_a_run_and_its_card_never(tmp_path):
    # a quantization of Grok-2 declaring its base in capitals: Grok-1's walk meets the id as a
    # declared parent outside its family before Grok-2's own walk starts
    awq = WorldRepo(
        "awqhaus/grok-2-AWQ",
        lfs=shards("model", 4, "awqhaus/grok-2-AWQ"),
        config={**G2_ARCH, "quantization_config": {"quant_method": "awq", "bits": 4}},
        safetensors={"parameters": {"I32": 33_750_000_000, "F16": 12 * B}, "total": 45_750_000_000},
        card=card({**G2_LICENSE, "base_model": G2.upper(), "base_model_relation": "quantized"},
                  "# Grok-2 AWQ\n\nPowered by xAI.\n"),
    )
    edges, asked = crawled(tmp_path, [grok1(), grok2(), awq])
    assert (G2, awq.repo_id, "quantization") in edges
    root_infos = [p for p in asked if p.lower().startswith(f"/api/models/{G2}?")]
    assert len(root_infos) == 1, root_infos
    # the audit holds derivatives to a root's terms, not the root itself: its card is not read
    assert G2 not in readmes(asked)
    assert awq.repo_id in readmes(asked)  # Grok-2's terms need the notice in derivatives' cards


def test_a_missing_base_declared_in_both_families_is_asked_for_once(tmp_path):
    gone = "ghostlab/grok-gone"  # deleted: both re-uploads still declare it
    one = WorldRepo("reup/grok-1-copy", lfs={**G1_JAX, **G1_TOKENIZER},
                    card=card({**LIC, "base_model": gone}, "# Copy\n\nGrok-1 weights.\n"))
    two = WorldRepo("reup/grok-2-copy", lfs={**G2_SHARDS, **G2_TOKENIZER}, config=G2_ARCH,
                    safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
                    card=card({**G2_LICENSE, "base_model": gone}, "# Copy\n\nPowered by xAI\n"))
    edges, asked = crawled(tmp_path, [grok1(), grok2(), one, two])
    assert {(G1, one.repo_id, "fork"), (G2, two.repo_id, "fork")} <= edges
    assert len([p for p in asked if p.startswith(f"/api/models/{gone}?")]) == 1


def test_repos_where_lineages_end_are_not_asked_for_children(tmp_path):
    conv = conversion()
    q4 = "grok-1-torch-Q4_K_M.gguf"
    gguf = WorldRepo("ggufhaus/grok-1-torch-GGUF", lfs={q4: "ggufhaus-q4"},
                     gguf={"total": 316 * B, "architecture": "grok"},
                     card=card({**LIC, "base_model": conv.repo_id}, "# GGUF\n"))
    tok = WorldRepo("tokshop/grok-1-tokenizer", lfs=dict(G1_TOKENIZER),
                    card=card({**LIC, "base_model": conv.repo_id}, "# Tokenizer\n"))
    ft = WorldRepo("chatfolk/atlas-chat", lfs=shards("model", 8, "atlas"), config=G1_ARCH,
                   safetensors=ST, card=card({**LIC, "base_model": conv.repo_id}, "# Chat\n"))
    # a copy of the GGUF named for the family, declaring it: the search still finds it
    copy = WorldRepo("mirrors/grok-1-torch-GGUF", lfs={q4: "ggufhaus-q4"},
                     gguf={"total": 316 * B, "architecture": "grok"},
                     card=card({**LIC, "base_model": gguf.repo_id}, "# Mirror\n"))
    edges, asked = crawled(tmp_path, [grok1(), conv, gguf, tok, ft, copy])
    assert {(conv.repo_id, gguf.repo_id, "quantization"), (conv.repo_id, tok.repo_id, "tokenizer"),
            (conv.repo_id, ft.repo_id, "finetune"), (gguf.repo_id, copy.repo_id, "fork")} <= edges
    children_asked = {p.split("base_model:")[1].split("&")[0] for p in asked if "base_model:" in p}
    # quantized weights for inference and a tokenizer alone end lines: nobody trains from them
    assert children_asked.isdisjoint({gguf.repo_id, tok.repo_id, copy.repo_id})
    assert {conv.repo_id, ft.repo_id} <= children_asked


def test_a_bin_fine_tune_met_first_as_an_outside_parent_is_still_judged_and_walked(tmp_path):
    # a Grok-2 fine-tune in .bin shards (no parameter count on the Hub), met first by
    # Grok-1's walk as the second parent of a merge, which stores it unjudged; Grok-2's search
    # then lists it unchanged: it must still be judged, and its declared child (named for
    # nothing) walked
    bins = {f"pytorch_model-{i:05d}-of-00004.bin": f"dpo2/{i}" for i in range(1, 5)}
    ft = WorldRepo("lab/Grok_2-dpo", lfs={**bins, "tokenizer.tok.json": "dpo2-tok"},
                   config=G2_ARCH,
                   card=card(G2_LICENSE, f"# DPO\n\nTrained from {URL}{G2}. Powered by xAI\n"))
    merge = WorldRepo("lab/grok-1-2-merge", lfs=shards("model", 4, "merge12"), config=G1_ARCH,
                      card=card({**LIC, "base_model": [G1, ft.repo_id]}, "# Merge\n"))
    chat = WorldRepo("lab/aurora-270b", lfs=shards("model", 4, "aurora"), config=G2_ARCH,
                     card=card({**G2_LICENSE, "base_model": ft.repo_id}, "Powered by xAI\n"))
    edges, _ = crawled(tmp_path, [grok1(), grok2(), ft, merge, chat])
    assert (G2, ft.repo_id, "finetune") in edges
    assert (ft.repo_id, chat.repo_id, "finetune") in edges
