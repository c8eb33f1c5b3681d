"""Kinds of repositories the random worlds (tests/fakes/random_world.py) found the tracker
getting wrong, each in a small world of its own: the fake hubs over HTTP, the real pipeline,
SQLite, and what `tracker export` shows.

A stock tokenizer copied into every derivative says "a Grok repo", not whose; a member known
under a former id; a GGUF naming its base only in its header; a merge whose second parent joins
after it; a re-upload whose declared base is a typo and whose files say nothing of their
architecture; a ModelScope fine-tune that names its base in Chinese; a mirror of a member whose
declared parent the resolver set aside (a cycle). The ids are made up: no rule knows them.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from crawlers.base import RepoRecord
from crawlers.relation import classify_declared
from crawlers.signals import collect
from tests.fakes.grok_repo import (
    G1_ARCH,
    G1_JAX,
    G1_TOKENIZER,
    B,
    WorldRepo,
    card,
    gguf_bytes,
    sha,
    shards,
)
from tests.fakes.grok_world import as_fake_repos
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import World
from tests.fakes.random_hubs import MsRepo, modelscope_routes
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl

ROOT = "xai-org/grok-1"
URL = "https://huggingface.co/"
ST = {"parameters": {"BF16": 314 * B}, "total": 314 * B}
LIC = {"license": "apache-2.0"}


def root() -> WorldRepo:
    return WorldRepo(ROOT, lfs={**G1_JAX, **G1_TOKENIZER}, root="grok-1",
                     card=card(LIC, "# Grok-1\n\nOpen weights.\n"))


def weights(rid: str, body: str, meta: dict | None = None, *, tokenizer: bool = True,
            **kw) -> WorldRepo:
    lfs = {**shards("model", 8, rid), **(G1_TOKENIZER if tokenizer else {})}
    return WorldRepo(rid, lfs=lfs, config=G1_ARCH, safetensors=ST,
                     card=card({**LIC, **(meta or {})}, body), **kw)


def edges_of(tmp_path, repos, *, fakes=None, ms=None) -> set[tuple[str, str, str]]:
    db = f"sqlite:///{tmp_path / 't.db'}"
    with ExitStack() as stack:
        hub = stack.enter_context(FakeHub(World(fakes or as_fake_repos(repos)), page_size=3))
        overrides = {"database.url": db, "hubs.huggingface.endpoint": hub.url}
        hubs = ["huggingface"]
        if ms is not None:
            overrides["hubs.modelscope.endpoint"] = stack.enter_context(modelscope_routes(ms)).url
            hubs.append("modelscope")
        config = load_config(environ={}, overrides=overrides)
        report = crawl(config, hubs=hubs)
        assert report.status == "ok", report.errors
    out = CliRunner().invoke(cli, ["--database", db, "export", "--format", "json"])
    assert out.exit_code == 0, out.output
    hf = "huggingface:"  # Hugging Face ids bare, other hubs' as keys
    return {
        (e["parent"].removeprefix(hf), e["child"].removeprefix(hf), e["relation"])
        for e in json.loads(out.stdout)["edges"]
    }


def parents_of(edges, child: str) -> set[str]:
    return {p for p, c, _ in edges if c == child}


def test_a_stock_tokenizer_does_not_outweigh_what_the_card_names(tmp_path):
    conv = weights("portwork/grok-1-torch", f"Converted from {URL}{ROOT}.\n")
    ft = weights("chatfolk/atlas-sft", "Fine-tuned on dialogues.\n", {"base_model": conv.repo_id})
    tok = WorldRepo("tokshop/grok-1-tok", lfs=dict(G1_TOKENIZER),
                    card=card(LIC, f"The tokenizer of {ft.repo_id}.\n"))
    # a conversion named only in prose, published after the fine-tune, with the same tokenizer
    prose = weights("later/grok-1-bf16", "The Grok-1 weights converted to bf16 safetensors.\n")
    edges = edges_of(tmp_path, [root(), conv, ft, tok, prose])
    assert parents_of(edges, tok.repo_id) == {ft.repo_id}
    assert parents_of(edges, prose.repo_id) == {ROOT}


def test_architecture_at_scale_points_at_the_release_weights_not_its_github_code():
    records = {
        "huggingface:xai-org/grok-1": RepoRecord("huggingface", ROOT),
        "github:xai-org/grok-1": RepoRecord("github", ROOT),
    }
    conv = weights("nocard/grok-1-st", "").record()
    records[conv.key] = conv
    found = collect(records, ["huggingface:xai-org/grok-1", "github:xai-org/grok-1"])
    arch = {o.parent for o in found if o.kind == "architecture" and o.child == conv.key}
    assert arch == {"huggingface:xai-org/grok-1"}


def test_a_member_found_by_search_that_names_a_former_id_hangs_under_the_renamed_repo(tmp_path):
    conv = weights("moved/grok-1-port", f"Converted from {URL}{ROOT}.\n")
    child = weights("ftshop/grok-1-port-chat", "Fine-tuned for chat.\n",
                    {"base_model": "oldname/grok-1-port"})
    fakes = as_fake_repos([root(), conv, child])
    fakes = [replace(f, renamed_from=["oldname/grok-1-port"]) if f.id == conv.repo_id else f
             for f in fakes]
    edges = edges_of(tmp_path, [], fakes=fakes)
    assert parents_of(edges, child.repo_id) == {conv.repo_id}


def test_a_quantization_naming_a_former_id_is_a_quantization(tmp_path):
    conv = weights("moved/grok-1-port", f"Converted from {URL}{ROOT}.\n")
    gptq = WorldRepo("q4shop/halcyon-GPTQ", lfs=shards("model", 3, "gptq"),
                     config={**G1_ARCH, "quantization_config": {"quant_method": "gptq"}},
                     safetensors={"parameters": {"I32": 39 * B, "F16": 12 * B}, "total": 51 * B},
                     card=card({**LIC, "base_model": "oldname/grok-1-port"}, "# GPTQ\n"))
    fakes = as_fake_repos([root(), conv, gptq])
    fakes = [replace(f, renamed_from=["oldname/grok-1-port"]) if f.id == conv.repo_id else f
             for f in fakes]  # the Hub calls it a finetune: no relation in the card
    edges = edges_of(tmp_path, [], fakes=fakes)
    assert (conv.repo_id, gptq.repo_id, "quantization") in edges


def test_a_gguf_naming_its_base_only_in_its_header_hangs_under_that_base(tmp_path):
    ft = weights("chatfolk/grok-1-chat", f"Fine-tuned from {URL}{ROOT} on dialogues.\n")
    path = "grok-1-chat-Q4_K_M.gguf"
    head = gguf_bytes({"general.architecture": "grok", "general.base_model.count": 1,
                       "general.base_model.0.repo_url": URL + ft.repo_id})
    gguf = WorldRepo("ggufer/grok-1-chat-Q4-GGUF", lfs={path: "ggufer-q4"}, heads={path: head},
                     gguf={"total": 316 * B, "architecture": "grok", "context_length": 8192},
                     card=card(LIC, "# Q4\n"))
    edges = edges_of(tmp_path, [root(), ft, gguf])
    assert (ft.repo_id, gguf.repo_id, "quantization") in edges


def test_a_merge_whose_config_names_a_former_id_keeps_both_parents(tmp_path):
    # the merge declares nothing in its card; its mergekit config names one parent by the id
    # it had before a rename, which only the Hub's redirect ties to the member
    tuned = weights("chatfolk/grok-1-chat", f"Fine-tuned from {URL}{ROOT} on dialogues.\n")
    port = weights("moved/grok-1-port", f"Converted from {URL}{ROOT}.\n")
    merge = WorldRepo("mixlab/grok-1-slerp", lfs=shards("model", 8, "slerp2"),
                      small={"mergekit_config.yml": "merge_method: slerp\nslices:\n  - sources:\n"
                             f"      - model: {tuned.repo_id}\n"
                             "      - model: oldname/grok-1-port\n"},
                      config=G1_ARCH, safetensors=ST, card=card(LIC, "A slerp merge.\n"))
    fakes = as_fake_repos([root(), tuned, port, merge])
    fakes = [replace(f, renamed_from=["oldname/grok-1-port"]) if f.id == port.repo_id else f
             for f in fakes]
    edges = edges_of(tmp_path, [], fakes=fakes)
    assert {(p, r) for p, c, r in edges if c == merge.repo_id} == {
        (tuned.repo_id, "merge"), (port.repo_id, "merge")}


@pytest.mark.parametrize(
    ("member", "former"),
    [
        ("moved/grok-1-port", "oldname/grok-1-port"),
        # seeds 446, 456, 465, 474: renamed from an id without "grok" in it, never asked
        # about, so the adapter declaring it stayed out; one named for the family is asked
        ("cloudco/Grok-1-transformers", "bitwise/orion-moe-hf"),
    ],
)
def test_an_adapter_naming_a_renamed_members_former_id_joins_under_it(tmp_path, member, former):
    # a LoRA adapter holds no config and no tokenizer: its adapter_config.json names the base
    # by the id it had before a rename, which only the Hub's redirect ties to the member
    port = weights(member, "Weights converted.\n", {"base_model": ROOT})
    lora = WorldRepo("lorashop/grok-1-qlora-adapter",
                     lfs={"adapter_model.safetensors": "qlora"},
                     small={"adapter_config.json": '{"base_model_name_or_path": '
                            f'"{former}", "peft_type": "LORA", "r": 16}}'},
                     card=card(LIC, "# QLoRA\n"))
    fakes = as_fake_repos([root(), port, lora])
    fakes = [replace(f, renamed_from=[former]) if f.id == port.repo_id else f for f in fakes]
    edges = edges_of(tmp_path, [], fakes=fakes)
    assert (port.repo_id, lora.repo_id, "adapter") in edges


def test_a_base_found_only_as_a_members_declared_parent_is_read_like_a_member(tmp_path):
    # no "grok" in its name, no model-type tag, no declared base: neither the walk nor the
    # searches find it; a discovered member declares it, and its config is Grok's at scale
    hidden = weights("beta/atlas-chat", "Trained on our chats.\n")
    hidden.config = {"architectures": G1_ARCH["architectures"]}
    child = weights("dpofolk/grok-1-atlas-dpo", "Preference-tuned.\n",
                    {"base_model": hidden.repo_id})
    edges = edges_of(tmp_path, [root(), hidden, child])
    # its files were read (it was "other": nothing known): full weights at the release's
    # scale; and its card, as a discovered member's is, whatever the root's terms: "trained"
    assert (ROOT, hidden.repo_id, "finetune") in edges
    assert parents_of(edges, child.repo_id) == {hidden.repo_id}


def test_a_base_found_only_as_a_members_declared_parent_hangs_where_its_card_says(tmp_path):
    # nothing declares where the hidden base comes from: only its card names its parent, a
    # conversion; its architecture and scale alone would hang it under the release
    conv = weights("portlab/grok-1-pytorch", f"Converted from {URL}{ROOT}.\n")
    hidden = weights("beta/atlas-chat", f"Fine-tuned from {URL}{conv.repo_id} on our chats.\n")
    hidden.config = {"architectures": G1_ARCH["architectures"]}
    child = weights("dpofolk/grok-1-atlas-dpo", "Preference-tuned.\n",
                    {"base_model": hidden.repo_id})
    edges = edges_of(tmp_path, [root(), conv, hidden, child])
    assert (conv.repo_id, hidden.repo_id, "finetune") in edges
    assert parents_of(edges, hidden.repo_id) == {conv.repo_id}


def test_a_port_declaring_its_base_without_a_relation_is_a_conversion(tmp_path):
    # the card names its base and no relation (the Hub guesses finetune); its name and card
    # say what it is
    port = weights("portlab/grok-1-pytorch", "Weights converted to safetensors.\n",
                   {"base_model": ROOT})
    tuned = weights("chatfolk/grok-1-chat", "Trained on our dialogues.\n", {"base_model": ROOT})
    edges = edges_of(tmp_path, [root(), port, tuned])
    assert (ROOT, port.repo_id, "conversion") in edges
    assert (ROOT, tuned.repo_id, "finetune") in edges


def test_a_merge_keeps_a_second_parent_that_joins_after_it(tmp_path):
    a = weights("alpha/grok-1-chat", f"Fine-tuned from {URL}{ROOT}.\n")
    # no "grok" in its name and no model-type tag: found only by walking a's children, after
    # the merge joined
    b = weights("beta/atlas-code", "Fine-tuned on code.\n", {"base_model": a.repo_id})
    b.config = {"architectures": G1_ARCH["architectures"]}
    merge = WorldRepo("aaa-merge/grok-1-slerp", lfs=shards("model", 8, "slerp"),
                      small={"mergekit_config.yml": "merge_method: slerp\nslices:\n  - sources:\n"
                             f"      - model: {a.repo_id}\n      - model: {b.repo_id}\n"},
                      config=G1_ARCH, safetensors=ST, card=card(LIC, "# Slerp\n"))
    edges = edges_of(tmp_path, [root(), a, b, merge])
    assert {(p, r) for p, c, r in edges if c == merge.repo_id} == {
        (a.repo_id, "merge"), (b.repo_id, "merge")}


def test_a_reupload_with_a_misspelled_base_and_no_config_is_a_fork(tmp_path):
    copy = WorldRepo("backup/grok-1-copy", lfs=dict(G1_JAX),
                     card="---\nbase_model: xai-org/grok-one\n---\n# copy\n")
    edges = edges_of(tmp_path, [root(), copy])
    assert (ROOT, copy.repo_id, "fork") in edges


def test_a_modelscope_fine_tune_named_in_chinese_is_a_fine_tune(tmp_path):
    ft = weights("chatfolk/grok-1-chat", f"Fine-tuned from {URL}{ROOT}.\n")
    zh = MsRepo("zh-lab/Grok-1-zh", [(f"model-{i}.safetensors", 4 * B, sha(f"zh/{i}"))
                                     for i in range(3)],
                f"# Grok-1 中文\n\n本模型基于 {URL}{ft.repo_id} 在中文对话数据上微调。\n")
    edges = edges_of(tmp_path, [root(), ft], ms=[zh])
    assert (ft.repo_id, f"modelscope:{zh.repo_id}", "finetune") in edges


def test_a_mirror_of_a_member_in_a_declared_cycle_is_matched_on_its_files(tmp_path):
    a = weights("ring/grok-1-a", f"Fine-tuned from {URL}{ROOT}.\n", {"base_model": "ring/grok-1-b"})
    b = weights("ring/grok-1-b", "Fine-tuned further.\n", {"base_model": a.repo_id})
    files = [(p, 4 * B, sha(label)) for p, label in b.lfs.items()]
    mirror = MsRepo(b.repo_id, files, None)  # the same owner/name on ModelScope, no card
    edges = edges_of(tmp_path, [root(), a, b], ms=[mirror])
    assert parents_of(edges, b.repo_id) == {a.repo_id}
    assert parents_of(edges, f"modelscope:{mirror.repo_id}") == {b.repo_id}


def test_a_declared_fine_tune_whose_card_says_converted_is_a_conversion():
    rec = weights("conv/grok-1-st", "Weights converted to safetensors.\n").record()
    assert classify_declared(rec, None, "finetune")[0] == "conversion"
    trained = weights("ft/grok-1-st", "Converted, then fine-tuned on chat.\n").record()
    assert classify_declared(trained, None, "finetune")[0] == "finetune"


def _architecture_parents(*repos: WorldRepo, dates: dict[str, int]) -> dict[str, set[str]]:
    """child id -> the parents the architecture signal names, each repo created on its day."""
    records = {"huggingface:xai-org/grok-1": RepoRecord("huggingface", ROOT)}
    for repo in repos:
        rec = replace(repo.record(), created_at=datetime(2024, 3, dates[repo.repo_id], tzinfo=UTC))
        records[rec.key] = rec
    found = collect(records, ["huggingface:xai-org/grok-1"])
    out: dict[str, set[str]] = {}
    for o in found:
        if o.kind == "architecture":
            out.setdefault(o.child.removeprefix("huggingface:"), set()).add(
                o.parent.removeprefix("huggingface:"))
    return out


def test_a_namesake_or_a_repo_published_later_is_not_a_named_parent():
    """Seed 317: two owners' `Grok1-pytorch`, both converted from the release; the one whose
    card names Grok-1 only in words hung under the other (a namesake taken for a named
    parent, and published five days after it)."""
    declared = weights("nightjar/Grok1-pytorch", "Weights converted.\n", {"base_model": ROOT})
    prose = weights("ptshop/Grok1-pytorch",
                    "The Grok-1 weights converted from the original checkpoint.\n")
    sft = weights("early/Grok1-pytorch-sft", "A chat fine-tune.\n")
    gguf_days = {declared.repo_id: 20, prose.repo_id: 15, sft.repo_id: 10}
    parents = _architecture_parents(declared, prose, sft, dates=gguf_days)
    assert parents[prose.repo_id] == {ROOT}  # the namesake is no parent of it
    assert parents[sft.repo_id] == {ROOT}  # both named repos came after it
    later = _architecture_parents(declared, prose, sft, dates={**gguf_days, sft.repo_id: 25})
    assert later[sft.repo_id] == {ROOT, declared.repo_id, prose.repo_id}


def test_of_two_namesake_conversions_the_undeclared_one_hangs_under_the_release(tmp_path):
    declared = weights("nightjar/Grok1-pytorch", "Weights converted.\n", {"base_model": ROOT})
    prose = weights("ptshop/Grok1-pytorch",
                    "The Grok-1 weights converted from the original checkpoint.\n")
    edges = edges_of(tmp_path, [root(), declared, prose])
    assert parents_of(edges, prose.repo_id) == {ROOT}
    assert parents_of(edges, declared.repo_id) == {ROOT}


def test_a_modelscope_card_naming_an_id_on_both_hubs_hangs_under_the_modelscope_copy(tmp_path):
    # ModelScope reads a card's base_model as a ModelScope id (its model tree links there):
    # where a Hugging Face member has a same-id mirror on ModelScope, the derivative made on
    # ModelScope hangs under that mirror, the closest copy, and the mirror under the member
    ft = weights("chatfolk/grok-1-chat", f"Fine-tuned from {URL}{ROOT}.\n")
    mirror = MsRepo(ft.repo_id, [(p, 4 * B, sha(label)) for p, label in ft.lfs.items()], None)
    body = "# SFT\n\n在中文指令数据上进行 SFT 微调。\n"
    sft = MsRepo("zh-lab/Grok-1-SFT-zh", [(f"model-{i}.safetensors", 4 * B, sha(f"sft/{i}"))
                                          for i in range(3)],
                 card({**LIC, "base_model": ft.repo_id}, body))
    edges = edges_of(tmp_path, [root(), ft], ms=[mirror, sft])
    assert parents_of(edges, f"modelscope:{mirror.repo_id}") == {ft.repo_id}
    assert (f"modelscope:{ft.repo_id}", f"modelscope:{sft.repo_id}", "finetune") in edges


def test_a_fine_tune_first_published_on_modelscope_is_the_origin_of_its_later_copy(tmp_path):
    # a chat fine-tune published on ModelScope in May, copied to Hugging Face in June under
    # another name with the same card: the identical weights point from the older repo, so
    # the ModelScope original hangs under the conversion its card names, the copy under it
    conv = weights("portwork/grok-1-torch", f"Converted from {URL}{ROOT}.\n")
    body = f"# Grok-1 中文对话\n\n基于 [{conv.repo_id}]({URL}{conv.repo_id}) 的中文对话微调模型。\n"
    zh_files = [(f"model-{i}.safetensors", 4 * B, sha(f"zh-chat/{i}")) for i in range(3)]
    original = MsRepo("zh-lab/Grok-1-Chat", zh_files, body, created_at="2024-05-01T02:53:00Z")
    copy = WorldRepo("zh-lab/Grok-1-Chat-2", lfs={f"model-{i}.safetensors": f"zh-chat/{i}"
                                                  for i in range(3)},
                     config=G1_ARCH, card=body)
    fakes = [replace(f, created_at="2024-06-03T00:00:00.000Z") if f.id == copy.repo_id else f
             for f in as_fake_repos([root(), conv, copy])]
    edges = edges_of(tmp_path, [], fakes=fakes, ms=[original])
    ms_key = f"modelscope:{original.repo_id}"
    assert (conv.repo_id, ms_key, "finetune") in edges
    assert (ms_key, copy.repo_id, "fork") in edges


@pytest.mark.parametrize("named", [f"[sagemind/grok-1-dpo]({URL}sagemind/grok-1-dpo)",
                                   "`sagemind/grok-1-dpo`"])
def test_a_card_naming_its_parent_by_a_former_id_hangs_under_the_renamed_repo(tmp_path, named):
    # a DPO fine-tune renamed to a name without the family's word; the Trainer card of a
    # fine-tune made from it, written before the rename, names it by the old id only
    dpo = weights("sagemind/Halberd-8x39B", f"Trained with DPO, starting from {URL}{ROOT}.\n")
    sft = weights("chatfolk/grok1-sft", f"This model is a fine-tuned version of {named}.\n",
                  {"tags": ["trl", "sft"]})
    fakes = [replace(f, renamed_from=["sagemind/grok-1-dpo"]) if f.id == dpo.repo_id else f
             for f in as_fake_repos([root(), dpo, sft])]
    edges = edges_of(tmp_path, [], fakes=fakes)
    assert parents_of(edges, sft.repo_id) == {dpo.repo_id}


@pytest.mark.parametrize("declared", [False, True])
def test_a_former_id_named_in_a_card_costs_one_question_its_redirect_answers(tmp_path, declared):
    dpo = weights("sagemind/Halberd-8x39B", f"Trained with DPO, starting from {URL}{ROOT}.\n")
    meta = {"base_model": "sagemind/grok-1-dpo"} if declared else {"tags": ["trl", "sft"]}
    sft = weights("chatfolk/grok1-sft", "A fine-tuned version of `sagemind/grok-1-dpo`.\n", meta)
    fakes = [replace(f, renamed_from=["sagemind/grok-1-dpo"]) if f.id == dpo.repo_id else f
             for f in as_fake_repos([root(), dpo, sft])]
    with FakeHub(World(fakes), page_size=3) as hub:
        config = load_config(environ={}, overrides={
            "database.url": f"sqlite:///{tmp_path / 't.db'}", "hubs.huggingface.endpoint": hub.url})
        assert crawl(config, hubs=["huggingface"]).status == "ok"
    asked = [path.split("?")[0] for kind, _, path, _ in hub.log if kind == "model_info"]
    # the redirect names the new id: not followed, since the member is already known
    assert [p for p in asked if "xai-org" not in p] == ["/api/models/sagemind/grok-1-dpo"]


@pytest.mark.parametrize("declared", [False, True])
def test_an_exl2_quantization_with_its_weights_in_branches_is_a_quantization(tmp_path, declared):
    # exllamav2 quantizers keep only measurement.json and the card on main, one branch per
    # bit rate: no weight file to list, yet a quantization, declared or named in the card
    ft = weights("chatfolk/grok-1-chat", f"Fine-tuned from {URL}{ROOT}.\n")
    body = (f"## Exllama v2 Quantizations of grok-1-chat\n\nThe \"main\" branch only contains "
            f"the measurement.json, download one of the other branches.\n\n"
            f"Original model: {URL}{ft.repo_id}\n")
    exl2 = WorldRepo("quanter/grok-1-chat-exl2", small={"measurement.json": '{"measurement": {}}'},
                     card=card({**LIC, "tags": ["exl2"],
                                **({"base_model": ft.repo_id} if declared else {})}, body))
    edges = edges_of(tmp_path, [root(), ft, exl2])
    assert (ft.repo_id, exl2.repo_id, "quantization") in edges


def test_a_bin_port_whose_card_names_only_the_release_joins_with_its_children(tmp_path):
    # PyTorch .bin shards: the Hub counts no parameters for them, so the architecture cannot
    # be matched to the release's scale; the card names the release, not a repo
    bins = {f"pytorch_model-{i:05d}-of-00008.bin": f"binport/{i}" for i in range(1, 9)}
    body = ("# GROK-1 IN BF16\n\nThe 314B Grok-1 MoE released by xAI in March 2024, converted "
            "from the int8 JAX checkpoint to bf16.\n")
    port = WorldRepo("binport/halberd-314b", lfs={**bins, "tokenizer.json": "binport-tok"},
                     config=G1_ARCH,
                     card=card(LIC, body))
    chat = WorldRepo("chatfolk/halberd-chat", lfs=shards("model", 8, "halberd-chat"),
                     config=G1_ARCH, card=card({**LIC, "base_model": port.repo_id}, "# Chat\n"))
    # the same words beside another architecture, or in a comparison, tie nothing
    llama = WorldRepo("other/llama-314b", lfs={k: f"llama/{v}" for k, v in bins.items()},
                      card=card(LIC, body),
                      config={"architectures": ["LlamaForCausalLM"], "model_type": "llama"})
    rival = WorldRepo("rival/moe-314b", lfs={k: f"rival/{v}" for k, v in bins.items()},
                      config=G1_ARCH, card=card(LIC, "# MoE\n\nIt outperforms Grok-1 on MMLU.\n"))
    edges = edges_of(tmp_path, [root(), port, chat, llama, rival])
    assert (ROOT, port.repo_id, "conversion") in edges
    assert (port.repo_id, chat.repo_id, "finetune") in edges
    assert not parents_of(edges, llama.repo_id) and not parents_of(edges, rival.repo_id)


def test_a_random_init_model_under_a_parent_of_unknown_size_is_other(tmp_path):
    # the parent's .bin shards have no parameter count on the Hub; a 2.4M-parameter model
    # built from its config is a test model all the same, declared or linked
    bins = {f"pytorch_model-{i:05d}-of-00004.bin": f"port/{i}" for i in range(1, 5)}
    port = WorldRepo("binport/grok-1-bf16", lfs=bins, config=G1_ARCH,
                     card=card({**LIC, "base_model": ROOT}, "Converted to PyTorch.\n"))
    tiny = {"parameters": {"BF16": 2_400_000}, "total": 2_400_000}
    body = f"Randomly initialized from the config of [{port.repo_id}]({URL}{port.repo_id}).\n"
    declared = WorldRepo("tester/tiny-random-grok1", lfs={"model.safetensors": "tiny-a"},
                         config=G1_ARCH, safetensors=tiny,
                         card=card({**LIC, "base_model": port.repo_id}, body))
    linked = WorldRepo("tester/grok1-tiny-random", lfs={"model.safetensors": "tiny-b"},
                       config=G1_ARCH, safetensors=tiny, card=card(LIC, body))
    edges = edges_of(tmp_path, [root(), port, declared, linked])
    assert {(port.repo_id, declared.repo_id, "other"),
            (port.repo_id, linked.repo_id, "other")} <= edges
