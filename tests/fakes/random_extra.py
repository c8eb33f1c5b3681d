"""Harder kinds for random worlds (tests/fakes/random_world.py), closer to what real hubs hold:

- gated derivatives (the Hub lists their files and metadata, serves only README to strangers);
- quantizations whose name has no "grok", found by their declared base alone;
- merges that declare both parents as a card `base_model` list (mergekit's own card style);
- re-uploads whose declared base was deleted but that hold a member's weight files;
- other 300B-class MoEs (DeepSeek, ERNIE, Arctic, Llama 4, Mixtral-style) named or compared
  with Grok, in safetensors and GGUF: lookalikes that must stay out;
- ModelScope derivatives whose card declares YAML `base_model` (an HF member, or another
  ModelScope derivative) with Chinese or bilingual prose (微调, SFT, 量化, 转换).

Every name is drawn from the seed; `Truth` gets the answer for each.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from tests.fakes.grok_repo import B, WorldRepo, card, sha, shards
from tests.fakes.random_hubs import MsRepo
from tests.fakes.random_world import G1, G2, OWNERS, PLAIN, ROOT_IDS, STEMS, URL, _Gen, hf

# kinds whose evidence the Hub shows to anyone even when the repo is gated (card, listing
# metadata, file hashes), as opposed to file contents (adapter_config.json, GGUF heads)
_GATEABLE = ("finetune", "conversion", "fork", "awq", "gptq", "fp8", "mlx")

# other large mixture-of-experts releases: architecture, model_type, parameters (billions)
_BIG_MOES = (
    ("DeepseekV2ForCausalLM", "deepseek_v2", 236, "deepseek2"),
    ("Ernie4_5_MoeForCausalLM", "ernie4_5_moe", 300, "ernie4_5-moe"),
    ("ArcticForCausalLM", "arctic", 480, "arctic"),
    ("Llama4ForConditionalGeneration", "llama4", 400, "llama4"),
    ("MixtralForCausalLM", "mixtral", 310, "llama"),
    ("Qwen3MoeForCausalLM", "qwen3_moe", 235, "qwen3moe"),
    ("HunYuanMoEV1ForCausalLM", "hunyuan_v1_moe", 389, "hunyuan-moe"),
)


def gated_ids(g: _Gen) -> set[str]:
    """A few derivatives behind the Hub's access gate."""
    pool = sorted(n.repo_id for n in g.nodes if n.kind in _GATEABLE)
    return set(g.rng.sample(pool, min(len(pool), g.rng.randint(1, 4))))


def plain_quantizations(g: _Gen) -> None:
    """Quantizations of members with no "grok" in their name: only the declaration leads."""
    r = g.rng
    for _ in range(r.randint(1, 3)):
        fam = G1 if r.random() < 0.7 else G2
        parent = r.choice([n for n in g.sources(fam) if n.cited_as == n.repo_id])
        g.derive(parent, r.choice(("gguf", "awq", "gptq", "fp8")), style="declared", grok=False)


def merges_declared_in_card(g: _Gen) -> None:
    """A merge whose card lists both parents as `base_model` (some drop the mergekit file)."""
    r = g.rng
    fam = G1 if len(g.sources(G1)) >= 2 else G2
    node = g.derive(r.choice(g.sources(fam)), "merge")
    i = next(i for i, x in enumerate(g.repos) if x.repo_id == node.repo_id)
    repo = g.repos[i]
    yml = repo.small["mergekit_config.yml"]
    models = [ln.split("model:", 1)[1].strip() for ln in yml.splitlines() if "model:" in ln]
    small = dict(repo.small) if r.random() < 0.5 else {}
    g.repos[i] = replace(repo, small=small)
    g.set_meta(node.repo_id, base_model=models, tags=["mergekit", "merge"])


def deleted_base_with_weights(g: _Gen) -> None:
    """A re-upload of a member's weights whose declared base was deleted from the Hub."""
    r = g.rng
    src = r.choice([n for n in g.nodes if n.family == G1 and n.kind in ("root", "conversion")])
    fork = g.derive(src, "fork", grok=True)
    g.set_meta(fork.repo_id, base_model=f"{r.choice(OWNERS)}/grok-1-{r.randint(100, 999)}")


def big_moe_lookalikes(g: _Gen) -> None:
    """Other 300B-class MoEs; some named like Grok, some comparing themselves to it."""
    r = g.rng
    for arch, model_type, billions, gguf_arch in r.sample(_BIG_MOES, r.randint(2, 4)):
        named = r.random() < 0.6
        stem = f"{r.choice(STEMS[G1])}-rival" if named else r.choice(PLAIN) + "-moe"
        rid = f"{r.choice(OWNERS)}/{stem}-{billions}b"
        while rid.lower() in g.used:
            rid += "-x"
        g.used.add(rid.lower())
        total = billions * B
        body = (
            f"# {stem}\n\nA {billions}B mixture-of-experts model trained from scratch.\n\n"
            f"| model | MMLU |\n|---|---|\n| [Grok-1]({URL}{ROOT_IDS[G1]}) | 73.0 |\n"
            f"| ours | {r.randint(74, 85)}.0 |\n"
        )
        config = {
            "architectures": [arch],
            "model_type": model_type,
            "num_local_experts": 8,
            "num_experts_per_tok": 2,
        }
        g.add(
            WorldRepo(
                rid,
                lfs=shards("model", r.randint(10, 30), f"{rid}-w"),
                config=config,
                safetensors={"parameters": {"BF16": total}, "total": total},
                card=card({"license": "other"}, body),
                lookalike=True,
            ),
            None,
        )
        g.truth.lookalikes.add(hf(rid))
        if r.random() < 0.5:  # and its GGUF, declaring the MoE as its base
            qid = f"{r.choice(OWNERS)}/{rid.split('/')[1]}-GGUF"
            if qid.lower() in g.used:
                continue
            g.used.add(qid.lower())
            g.add(
                WorldRepo(
                    qid,
                    lfs={f"{rid.split('/')[1]}-Q4_K_M.gguf": f"{qid}-q"},
                    gguf={"total": total, "architecture": gguf_arch, "context_length": 8192},
                    card=card(
                        {"base_model": rid, "license": "other"},
                        f"# {stem} GGUF\n\nQuantized; compare with Grok-1.\n",
                    ),
                    lookalike=True,
                ),
                None,
            )
            g.truth.lookalikes.add(hf(qid))


_MS_WORDS = {
    "finetune": (
        "在中文指令数据上进行 SFT 微调",
        "Supervised fine-tune (SFT) on Chinese chat data",
    ),
    "quantization": ("的 INT4 量化版本", "INT4 quantization"),
    "conversion": ("转换为 PyTorch safetensors 格式", "Converted to PyTorch safetensors"),
}


def modelscope_declared(g: _Gen, on_modelscope: Collection[str] = ()) -> list[MsRepo]:
    """ModelScope derivatives whose card declares YAML `base_model`, Chinese or bilingual;
    sometimes a second one declaring the first (a ModelScope id).

    A ModelScope card's `base_model` names a ModelScope model (its model tree links there), so
    where the declared Hugging Face member has a same-id mirror on ModelScope
    (`on_modelscope`, the ids already there), the mirror is the parent: the closest copy."""
    r = g.rng
    mirrors = {i.lower(): i for i in on_modelscope}
    out: list[MsRepo] = []
    fam = G1 if r.random() < 0.7 else G2
    members = [
        n for n in g.nodes if n.family == fam and n.kind in ("root", "conversion", "finetune")
    ]
    parent_key = hf(r.choice(members).repo_id)
    parent_id = parent_key.split(":", 1)[1]
    if parent_id.lower() in mirrors:
        parent_key = f"modelscope:{mirrors[parent_id.lower()]}"
    for step in range(r.randint(1, 2)):
        relation = (
            r.choice(("finetune", "quantization", "conversion")) if step == 0 else "quantization"
        )
        stem = r.choice(STEMS[fam])
        suffix = {"finetune": "SFT-zh", "quantization": "Int4", "conversion": "pt"}[relation]
        rid = f"ms-{r.choice(OWNERS)}/{stem}-{suffix}-{r.randint(1, 99)}"
        zh, en = _MS_WORDS[relation]
        text = f"本模型基于 {parent_id} {zh}。"
        if r.random() < 0.5:
            text += f"\n\n{en} of {parent_id}."
        lic = (
            {"license": "apache-2.0"}
            if fam == G1
            else {"license": "other", "license_name": "grok-2"}
        )
        readme = card({**lic, "base_model": parent_id, "tags": ["grok"]}, f"# {stem}\n\n{text}\n")
        n = r.randint(3, 8)
        files = [
            (f"model-{i:05d}-of-{n:05d}.safetensors", 4_000_000_000, sha(f"{rid}/{i}"))
            for i in range(1, n + 1)
        ]
        out.append(MsRepo(rid, files, readme))
        g.edge_key(parent_key, f"modelscope:{rid}", relation, fam, declared=True)
        parent_key, parent_id = f"modelscope:{rid}", rid
    return out


def harden(g: _Gen, modelscope: list[MsRepo]) -> list[MsRepo]:
    """Every Hugging Face kind above added to the world; `modelscope` (the ModelScope repos
    so far) returned with the ModelScope ones added."""
    plain_quantizations(g)
    merges_declared_in_card(g)
    deleted_base_with_weights(g)
    big_moe_lookalikes(g)
    return modelscope + modelscope_declared(g, [m.repo_id for m in modelscope])
