"""The parts of a random world (tests/fakes/random_world.py) beyond the Hugging Face family:
lookalikes named like Grok, GitHub forks and ports, ModelScope mirrors and fine-tunes."""

from __future__ import annotations

import json

from tests.fakes.grok_repo import G1_ARCH, B, WorldRepo, card, sha, shards
from tests.fakes.random_hubs import GhRepo, MsRepo
from tests.fakes.random_world import G1, G2, OWNERS, PLAIN, ROOT_IDS, STEMS, URL, _Gen, hf


def lookalikes(g: _Gen) -> None:
    r = g.rng
    link1, link2 = URL + ROOT_IDS[G1], URL + ROOT_IDS[G2]
    kinds = [
        (
            "chat-preset",
            {},
            {"preset.json": json.dumps({"model": ROOT_IDS[G1]})},
            None,
            f"# Chat preset\n\nA chat UI preset for {link1} with a friendly system prompt.\n",
        ),
        (
            "prompts",
            {},
            {"prompts.jsonl": '{"prompt": "Explain MoE"}\n'},
            None,
            f"# Prompt collection\n\nSystem prompts that work well with Grok-1 ({link1}).\n",
        ),
        (
            "chat-ui",
            {},
            {"index.html": "<html>chat</html>", "settings.json": "{}"},
            None,
            f"# Grok 2 chat UI\n\nA web UI to talk to {link2} through an API.\n",
        ),
        (
            "config",
            {},
            {},
            dict(G1_ARCH),
            f"# Config\n\nThe config of {link1}, for reference.\n",
        ),
        (
            "api-client",
            {},
            {"client.py": "import xai_sdk\n"},
            None,
            "# xAI API client\n\nA Python client for the xAI Grok API (api.x.ai).\n",
        ),
        (
            "phi3",
            {"model.safetensors": f"phi-{r.random()}"},
            {},
            {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3"},
            "# Grok-mini\n\nA Phi-3 fine-tune we call Grok.\n",
        ),
        (
            "llama-gguf",
            {"model-Q4_K_M.gguf": f"llama-{r.random()}"},
            {},
            None,
            "# Grok-like chat in GGUF\n\nA Llama 3 8B chat model.\n",
        ),
        (
            "bench",
            shards("model", 4, f"bench-{r.random()}"),
            {},
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
            f"# Our 70B\n\n| model | MMLU |\n|---|---|\n| [Grok-1]({link1}) | 73.0 |\n"
            "| ours | 74.1 |\n",
        ),
    ]
    for kind, lfs, small, config, body in r.sample(kinds, r.randint(5, len(kinds))):
        stem = r.choice(STEMS[G2] if "2" in body else STEMS[G1])
        rid = f"{r.choice(OWNERS)}/{stem}-{kind}"
        while rid.lower() in g.used:
            rid += "-x"
        g.used.add(rid.lower())
        meta = {"license": "mit"}
        if kind == "phi3":
            meta["base_model"] = "microsoft/Phi-3-mini-4k-instruct"
        gguf = (
            {"total": 8 * B, "architecture": "llama", "context_length": 8192}
            if kind == "llama-gguf"
            else None
        )
        g.add(
            WorldRepo(
                rid,
                lfs=lfs,
                small=small,
                config=config,
                gguf=gguf,
                card=card(meta, body),
                lookalike=True,
            ),
            None,
        )
        g.truth.lookalikes.add(hf(rid))
    for stem in ("grokking-modular-arithmetic", "grokking-transformers"):
        rid = f"{r.choice(OWNERS)}/{stem}"
        if rid.lower() not in g.used:
            g.used.add(rid.lower())
            g.add(
                WorldRepo(
                    rid,
                    lfs={"model.safetensors": f"grokking-{r.random()}"},
                    config={"architectures": ["GPT2LMHeadModel"]},
                    card="# Grokking\n\nDelayed generalization on modular arithmetic.\n",
                    lookalike=True,
                ),
                None,
            )
            g.truth.lookalikes.add(hf(rid))


def github(g: _Gen) -> list[GhRepo]:
    r, root = g.rng, "xai-org/grok-1"
    repos = [GhRepo(root, readme="# Grok-1\n\nJAX example code for the open weights.\n")]
    g.truth.members[G1].add(f"github:{root}")
    users = [
        f"{n}{r.randint(1, 999)}"
        for n in ("alice", "bob", "carol", "dan", "erin", "frank", "gwen", "hiro", "ivan")
    ]
    names = [root]
    for i, user in enumerate(r.sample(users, r.randint(3, 8))):
        parent = r.choice(names) if r.random() < 0.35 else root
        name = f"{user}/grok-1" if r.random() < 0.7 else f"{user}/{r.choice(PLAIN)}"
        repos.append(GhRepo(name, parent=parent, created_at=f"2024-04-{i + 1:02d}T00:00:00Z"))
        g.edge_key(f"github:{parent}", f"github:{name}", "fork", G1, declared=True)
        names.append(name)
    conv = r.choice([n for n in g.nodes if n.family == G1 and n.kind == "conversion"])
    port = f"porter{r.randint(1, 99)}/grok-1-pytorch-port"
    repos.append(
        GhRepo(
            port,
            readme=f"# Port\n\nThis script will convert the JAX "
            f"checkpoint, see {URL}{conv.repo_id}.\n",
        )
    )
    g.edge_key(hf(conv.repo_id), f"github:{port}", "conversion", G1, declared=False)
    kit = f"kitmaker{r.randint(1, 99)}/grok-1-finetune-kit"
    repos.append(
        GhRepo(kit, readme=f"# Kit\n\nTraining scripts built on https://github.com/{root}.\n")
    )
    g.edge_key(f"github:{root}", f"github:{kit}", "other", G1, declared=False)
    for name, text in (
        ("grok-patterns", "Logstash grok patterns for nginx logs."),
        ("grok-api-chat", "A chat app for the xAI Grok API (api.x.ai)."),
        ("grokking", "Code for the grokking paper."),
    ):
        rid = f"{r.choice(users)}/{name}"
        repos.append(GhRepo(rid, readme=f"# {name}\n\n{text}\n", spdx="MIT"))
        g.truth.lookalikes.add(f"github:{rid}")
    return repos


def modelscope(g: _Gen) -> list[MsRepo]:
    r = g.rng
    out = []
    pool = [n for n in g.nodes if n.kind in ("finetune", "conversion")]
    for node in r.sample(pool, min(len(pool), r.randint(1, 3))):
        repo = next(x for x in g.repos if x.repo_id == node.repo_id)
        own = node.repo_id if "grok" in node.repo_id.lower() else None
        rid = (
            own
            if own and r.random() < 0.5
            else f"ms-{r.choice(OWNERS)}/Grok-mirror-{node.repo_id.split('/')[1]}"
        )
        text = r.choice(
            (
                f"# 镜像\n\n本仓库是 {URL}{node.repo_id} 的镜像。\n",
                None,
                f"# Mirror\n\nA mirror of {node.repo_id} for users in China.\n",
            )
        )
        files = [(p, 4_000_000_000, sha(label)) for p, label in repo.lfs.items()]
        out.append(MsRepo(rid, files, text))
        g.edge_key(hf(node.repo_id), f"modelscope:{rid}", "fork", node.family, declared=False)
    src = r.choice(g.sources(G1))
    rid = f"ms-zh{r.randint(1, 99)}/Grok-1-chat-zh"
    out.append(
        MsRepo(
            rid,
            [(f"model-{i}.safetensors", 4_000_000_000, sha(f"{rid}/{i}")) for i in range(4)],
            f"# Grok-1 中文\n\n本模型基于 {URL}{src.repo_id} 在中文对话数据上微调。\n",
        )
    )
    g.edge_key(hf(src.repo_id), f"modelscope:{rid}", "finetune", G1, declared=False)
    look = f"phi-fan{r.randint(1, 99)}/grok-chat"
    out.append(
        MsRepo(
            look,
            [("model.safetensors", 900_000_000, sha(look))],
            "# grok-chat\n\nA small chat model trained from scratch.\n",
        )
    )
    g.truth.lookalikes.add(f"modelscope:{look}")
    return out
