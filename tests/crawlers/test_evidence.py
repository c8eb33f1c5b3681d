"""Verification, closest parent and relation of lineage candidates, on records (no HTTP).

The fixture world (tests/fakes/grok_world.py) is assessed here as a crawler would see it
after every read; tests/crawlers/test_discovery.py runs the same world over real HTTP.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from crawlers.base import FileRecord, LineageClaim, RepoRecord
from crawlers.content import (
    CARD_DATA,
    CONFIGS,
    content_of,
    effective_parameters,
    file_kind,
    parse_card,
    parse_gguf_header,
)
from crawlers.evidence import Family, assess, files_win, member_facts
from crawlers.joins import settle
from crawlers.relation import classify, classify_declared, declared_claim
from tests.fakes import grok_world as w

RECORDS = w.records()
AWQ = {"quant_method": "awq", "bits": 4}


def _roots(root: str) -> dict:
    return {RECORDS[r].key: member_facts(RECORDS[r]) for r in w.ROOTS[root]}


def _settled(root: str, seed: int = 0):
    items = list(RECORDS.values())
    random.Random(seed).shuffle(items)
    roots = _roots(root)
    pool = {r.key: r for r in items if r.key not in roots}
    return settle(pool, roots)


def _edges(verdicts) -> set[tuple]:
    return {
        (c.parent.split(":")[1], c.child.split(":")[1], c.relation, c.source, c.declared_relation)
        for v in verdicts.values()
        if v.joined
        for c in v.claims
    }


def _expected(root: str) -> set[tuple]:
    return {
        (e.parent, r.repo_id, e.relation, e.source, e.declared_relation)
        for r in w.world()
        if r.family == root
        for e in r.edges
    }


@pytest.mark.parametrize("root", ["grok-1", "grok-2"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_world_settles_to_the_exact_family_and_relations(root, seed):
    verdicts, members = _settled(root, seed)
    assert _edges(verdicts) == _expected(root)
    assert {k.split(":")[1] for k in members} == w.expected_family(root)


def test_no_lookalike_joins_even_after_every_read():
    members = {}
    for root in ("grok-1", "grok-2"):
        members.update(_settled(root)[1])
    family = Family(members)
    for repo_id in w.lookalikes():
        verdict = assess(RECORDS[repo_id], family)
        assert verdict.status == "rejected", (repo_id, verdict)


def test_evidence_is_checkable_by_a_person():
    verdicts, _ = _settled("grok-2")
    by_child = {c.child: c for v in verdicts.values() for c in v.claims}
    fork = by_child["huggingface:Nishmaafz984/grok-2"]
    assert fork.evidence.startswith("shares 9/9 weight files with xai-org/grok-2")
    assert fork.confidence == pytest.approx(0.99)
    gguf = by_child["huggingface:ggml-fan/grok-2-BF16-GGUF"]
    assert "GGUF architecture grok with 270B parameters" in gguf.evidence
    for claim in by_child.values():
        assert 0 < claim.confidence <= 1 and claim.evidence


def test_a_name_alone_never_joins():
    family = Family(_settled("grok-1")[1])
    verdict = assess(RECORDS["fakexai/grok-1"], family)
    assert verdict.status == "rejected"
    assert "no shared files" in verdict.reason


def test_a_benchmark_table_is_not_a_reference():
    family = Family(_roots("grok-1"))
    verdict = assess(RECORDS["evalteam/grok-1-vs-open-models"], family)
    assert verdict.status == "rejected"
    # the same link outside a table or comparison is a reference
    rec = replace(RECORDS["evalteam/grok-1-vs-open-models"], card_text="Built on xai-org/grok-1.")
    assert assess(rec, family).joined


def test_shared_hashes_beat_a_card_reference_to_the_root():
    family = Family(_settled("grok-1")[1])
    keyfan = w.records()["keyfan/grok-1-hf"]
    copy = replace(
        keyfan,
        repo_id="someone/my-upload",
        card_text="Weights of https://huggingface.co/xai-org/grok-1",
        extra={},
    )
    verdict = assess(copy, family)
    (claim,) = verdict.claims
    assert claim.parent == "huggingface:keyfan/grok-1-hf"
    assert claim.relation == "fork"


def test_an_undeclared_quantization_of_a_conversion_hangs_under_the_conversion():
    verdicts, _ = _settled("grok-1", seed=5)
    for child in ("quantfolk/grok-1-hf-GPTQ", "quantfolk/grok-1-hf-bnb-4bit"):
        (claim,) = verdicts[f"huggingface:{child}"].claims
        assert claim.parent == "huggingface:keyfan/grok-1-hf"
        assert claim.relation == "quantization"


def test_architecture_without_scale_or_reference_is_not_enough():
    family = Family(_roots("grok-2"))
    verdict = assess(RECORDS["testorg/tiny-grok-random"], family)
    assert verdict.status == "rejected"
    assert "test-size" in verdict.reason


def test_the_only_weights_at_a_scale_being_the_candidates_own_give_it_no_parent_by_scale():
    # a member re-checked against the family without itself and its descendants: when the only
    # full weights of its scale are its own (the root's scale unknown, a quantization below
    # it), architecture and scale name no parent; before, choosing among none crashed a crawl
    base = RepoRecord("huggingface", "acme/base")
    arch = ("Grok1ModelForCausalLM",)
    tuned = RepoRecord("huggingface", "acme/base-chat", architectures=arch, parameters=314 * 10**9)
    quant = RepoRecord("huggingface", "acme/base-chat-GPTQ", architectures=arch,
                       safetensors={"parameters": {"I32": 39 * 10**9, "F16": 2 * 10**9}})
    members = {
        base.key: member_facts(base),
        tuned.key: member_facts(tuned, parent=base.key, relation="finetune", depth=1),
        quant.key: member_facts(quant, parent=tuned.key, relation="quantization", depth=2),
    }
    verdict = assess(tuned, Family(members), exclude={tuned.key, quant.key})
    assert not verdict.joined
    assert "no matching scale" in verdict.reason


def test_a_copy_known_only_by_architecture_and_scale_hangs_under_the_release_not_a_cycle():
    # two fine-tunes declare each other (a 2-cycle the resolver breaks later), one has a copy;
    # while joining, the one the cycle closes on counts depth 0, like the root: the release
    # still wins
    root = RepoRecord("huggingface", "xai-org/grok-1")
    arch = ("Grok1ModelForCausalLM",)
    a = RepoRecord("huggingface", "zeta/grok-1-sft", architectures=arch, parameters=314 * 10**9)
    b = RepoRecord("huggingface", "zeta/grok-1-dpo", architectures=arch, parameters=314 * 10**9)
    copy = RepoRecord("huggingface", "backup/grok-1-sft-copy", architectures=arch,
                      parameters=314 * 10**9)
    members = {
        root.key: member_facts(root),
        a.key: member_facts(a, parent=b.key, relation="finetune", depth=0),
        b.key: member_facts(b, parent=a.key, relation="finetune", depth=1),
        copy.key: member_facts(copy, parent=a.key, relation="fork", depth=1),  # a's scale
    }
    gguf = RepoRecord("huggingface", "quants/Q8-GGUF", files=(FileRecord("m-Q8_0.gguf"),),
                      gguf={"total": 316 * 10**9, "architecture": "grok"})
    (claim,) = assess(gguf, Family(members)).claims
    assert claim.parent == root.key


def test_listing_data_says_what_to_read_next():
    family = Family(_roots("grok-1"))
    adapter = w.world_repo("loraguy/grok-1-lora-sql").listing_record()
    assert assess(adapter, family).needs[0] == "file:adapter_config.json"
    mirror = w.world_repo("mirrorbot/grok-1-weights").listing_record()
    verdict = assess(mirror, family)
    assert verdict.status == "undecided" and verdict.needs == ("tree", "readme")


def _rec(*paths: str, **kw) -> RepoRecord:
    files = tuple(FileRecord(p, 10, None) for p in paths)
    return RepoRecord(hub="huggingface", repo_id=kw.pop("repo_id", "a/b"), files=files, **kw)


@pytest.mark.parametrize(
    ("record", "relation"),
    [
        (
            _rec("Q4_K/m-Q4_K-00001-of-00002.gguf", "Q4_K/m-Q4_K-00002-of-00002.gguf"),
            "quantization",
        ),
        (_rec("m.Q8_0.gguf.part1of2", "m.Q8_0.gguf.part2of2"), "quantization"),
        (_rec("m-BF16-00001-of-00002.gguf"), "conversion"),
        (
            _rec(
                "model.safetensors",
                extra={"config": {"quantization_config": {"quant_method": "awq"}}},
            ),
            "quantization",
        ),
        (_rec("output.safetensors", "measurement.json"), "quantization"),
        (
            _rec("model.safetensors", safetensors={"parameters": {"F8_E4M3": 10**9}}),
            "quantization",
        ),
        (
            _rec(
                "model.safetensors",
                tags=("mlx",),
                extra={"config": {"quantization": {"bits": 4, "group_size": 64}}},
            ),
            "quantization",
        ),
        (_rec("model.safetensors", repo_id="a/grok-2-exl2-3.5bpw"), "quantization"),
        (_rec("adapter_config.json", "adapter_model.safetensors"), "adapter"),
        (_rec("tokenizer.json", "tokenizer_config.json", "README.md"), "tokenizer"),
        (_rec("config.json", "modeling_grok1.py"), "other"),
        (_rec("model.safetensors", card_text="We fine-tuned it on chats."), "finetune"),
        (_rec("model.safetensors", repo_id="a/grok-1-hf"), "conversion"),
    ],
)
def test_relation_from_files(record, relation):
    assert classify(record, None).relation == relation


def test_identical_weights_are_a_fork_and_tiny_weights_are_other():
    parent = member_facts(RECORDS["xai-org/grok-2"])
    assert classify(RECORDS["backup-acct/grok-2-mirror"], parent).relation == "fork"
    tiny = RECORDS["testorg/tiny-grok-random"]
    assert classify(tiny, parent, scale=270 * 10**9).relation == "other"


def test_files_win_over_a_declared_relation_and_both_are_kept():
    rec = RECORDS["confused/grok-1-Q4-GGUF"]
    assert classify_declared(rec, None, "finetune")[:2] == ("quantization", "finetune")
    claim = declared_claim(rec, "huggingface:xai-org/grok-1", "finetune", "card base_model")
    assert (claim.relation, claim.declared_relation, claim.source) == (
        "quantization",
        "finetune",
        "declared",
    )
    assert "declared finetune, but files say: GGUF weights (Q4_K_M)" in claim.evidence
    # weak file evidence does not overrule: safetensors the card calls quantized stay quantized
    weak = _rec("model.safetensors")
    assert classify_declared(weak, None, "quantized")[:2] == ("quantization", None)
    assert classify_declared(weak, None, None, n_parents=2)[0] == "merge"


def test_words_in_the_links_a_card_cites_say_nothing_of_the_repo_itself():
    shards = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
    # a mirror whose card links its source, a DPO fine-tune: "dpo" is the source's name
    mirror = _rec(*shards, repo_id="ms-lab/Grok-mirror-atlas",
                  card_text="本仓库是 https://huggingface.co/lab/atlas-dpo 的镜像。")
    assert classify(mirror).relation == "fork"
    cites = _rec(*shards, repo_id="lab/atlas-chat", card_text="Made from lab/atlas-sft.")
    assert classify(cites).reason != "trained weights (card or tags name training)"
    # a fine-tune that lists where it is mirrored stays a fine-tune
    tuned = _rec(*shards, repo_id="lab/atlas-chat",
                 card_text="Fine-tuned on our chats. Mirror: https://modelscope.cn/lab/a")
    assert classify(tuned).relation == "finetune"


def test_a_relation_the_card_did_not_state_gives_way_to_what_the_repo_says_it_is():
    # a card that names its base and no relation: the Hub guesses finetune, often wrongly
    ported = _rec("model-00001-of-00002.safetensors", repo_id="lab/grok-1-pytorch",
                  card_text="Weights converted to safetensors.")
    assert classify_declared(ported, None, "finetune", stated=False)[:2] == ("conversion", None)
    # the name alone overrules a guess, not a relation the card states
    named = _rec("model-00001-of-00002.safetensors", repo_id="lab/grok-1-hf")
    assert classify_declared(named, None, "finetune", stated=False)[0] == "conversion"
    assert classify_declared(named, None, "finetune")[0] == "finetune"
    # a version mark after the format word hides nothing: `-bf16-v2` is the bf16 port, v2;
    # a word after it is a derivative of the port (`-hf-chat`), not the port
    for name, relation in (("grok_1-bf16-v25", "conversion"), ("grok-1-hf_v1.5", "conversion"),
                           ("grok-1-hf-chat", "finetune"), ("grok-1-v2", "finetune")):
        rec = _rec("model-00001-of-00002.safetensors", repo_id=f"lab/{name}")
        assert classify_declared(rec, None, "finetune", stated=False)[0] == relation, name
    # a format change alone is no word: a fine-tune of a JAX release is saved in another format
    tuned = _rec("model-00001-of-00002.safetensors", repo_id="lab/grok-1-chat")
    jax = member_facts(_rec("ckpt-0/tensor00000_000", repo_id="xai-org/grok-1"))
    assert classify_declared(tuned, jax, "finetune", stated=False)[0] == "finetune"
    # and the card naming its training keeps the guess
    trained = _rec("model.safetensors", repo_id="lab/grok-1-hf",
                   card_text="Fine-tuned on our dialogue data, then converted.")
    assert classify_declared(trained, None, "finetune", stated=False)[0] == "finetune"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("ckpt-0/tensor00012_000", "weights"),
        ("pytorch_model-00001-of-00019.bin", "weights"),
        ("training_args.bin", "other"),
        ("adapter_model.safetensors", "adapter"),
        ("tokenizer.tok.json", "tokenizer"),
        ("Q2_K/grok-1-Q2_K-00001-of-00009.gguf", "weights"),
        ("grok-1.Q4_K_M.gguf.part1of4", "weights"),
        ("mergekit_config.yml", "config"),
        ("modeling_grok1.py", "code"),
        ("README.md", "doc"),
        ("LICENSE", "doc"),
    ],
)
def test_file_kinds(path, kind):
    assert file_kind(path) == kind


def test_packed_quantized_parameters_are_scaled_back():
    assert effective_parameters(RECORDS["awqer/grok-2-AWQ"]) == 270 * 10**9
    assert effective_parameters(RECORDS["Arki05/Grok-1-GGUF"]) == 316 * 10**9


def test_card_yaml_never_builds_objects():
    meta, body = parse_card("---\nx: !!python/object/apply:os.system ['echo hi']\n---\nbody\n")
    assert meta == {} and body == "body\n"
    meta, _ = parse_card("---\nbase_model: [a/b, c/d]\nlicense: mit\n---\n")
    assert meta == {"base_model": ["a/b", "c/d"], "license": "mit"}
    assert parse_card("no front matter") == ({}, "no front matter")


def test_a_gguf_header_naming_a_member_is_a_declared_reference():
    header = parse_gguf_header(
        w.gguf_bytes(
            {
                "general.architecture": "grok",
                "general.base_model.count": 1,
                "general.base_model.0.repo_url": "https://huggingface.co/xai-org/grok-1",
            }
        )[:-3]  # a truncated prefix still yields the keys before the cut
        + b""
    )
    assert header["general.architecture"] == "grok"
    full = parse_gguf_header(
        w.gguf_bytes({"general.base_model.0.repo_url": "https://huggingface.co/xai-org/grok-1"})
    )
    rec = _rec("x.Q4_K_M.gguf", repo_id="a/some-quant", extra={CONFIGS: {"gguf_header": full}})
    (claim,) = assess(rec, Family(_roots("grok-1"))).claims
    assert (claim.parent, claim.source, claim.relation) == (
        "huggingface:xai-org/grok-1",
        "declared",
        "quantization",
    )


@pytest.mark.parametrize(
    ("text", "joins"),
    [
        ("Converted from xai-org/grok-1.", True),
        ("See (xai-org/grok-1) for details", True),
        ("Based on xai-org/grok-1.5 instead", False),
        ("Not xai-org/grok-10 either", False),
        ("| xai-org/grok-1 | 73 |", False),
        ("We compare against xai-org/grok-1 on MMLU", False),
    ],
)
def test_card_text_references_are_whole_ids_outside_tables(text, joins):
    rec = _rec("model.pt", repo_id="x/y", card_text=text)
    assert assess(rec, Family(_roots("grok-1"))).joined is joins


def test_member_facts_keep_weight_and_tokenizer_hashes_apart():
    facts = member_facts(RECORDS["xai-org/grok-2"])
    assert len(facts.weight_sha256s) == 9
    assert facts.tokenizer_sha256s == {w.sha("grok-2-tokenizer")}
    assert facts.sha256s == facts.weight_sha256s | facts.tokenizer_sha256s
    assert facts.parameters == 270 * 10**9


def test_world_size_and_card_data():
    repos = w.world()
    assert len(repos) >= 40 and len(w.lookalikes()) >= 10
    adapter = content_of(RECORDS["loraguy/grok-1-lora-sql"].files)
    assert adapter.adapter and not adapter.weights
    assert json.loads(w.world_repo("loraguy/grok-1-lora-sql").small["adapter_config.json"])
    assert RECORDS["unsloth/grok-2-GGUF"].extra[CARD_DATA]["base_model"] == "xai-org/grok-2"


def test_files_win_on_declared_claims_of_the_walk_and_stay_put_when_unchanged():
    child = RECORDS["confused/grok-1-Q4-GGUF"]
    claim = LineageClaim(
        "huggingface:xai-org/grok-1", child.key, "finetune", "declared", 1.0, "card base_model"
    )
    members = _roots("grok-1")
    won = files_win(claim, child, members)
    assert (won.relation, won.declared_relation) == ("quantization", "finetune")
    # next crawl: sha unchanged, files not listed; the listing's file names stand in
    names = [f.path for f in child.files]
    again = files_win(claim, replace(child, files=None, gguf=None), members, siblings=names)
    assert (again.relation, again.declared_relation) == ("quantization", "finetune")
    # a re-upload declared as a fine-tune is a fork by its hashes, now and when unchanged
    copy = replace(RECORDS["backup-acct/grok-2-mirror"], extra={})
    members = {**_roots("grok-2"), copy.key: member_facts(copy)}
    claim = replace(claim, parent="huggingface:xai-org/grok-2", child=copy.key)
    assert files_win(claim, copy, members).relation == "fork"
    unchanged = replace(copy, files=None)
    names = [f.path for f in copy.files]
    assert files_win(claim, unchanged, members, siblings=names).relation == "fork"
    # what the files cannot settle keeps the declared word
    plain = _rec("model.safetensors", repo_id="a/plain")
    assert files_win(replace(claim, child=plain.key), plain, members) == replace(
        claim, child=plain.key
    )
