"""Seeded random Grok-like worlds over three hubs, with the answer, for discovery evaluation.

`random_world(seed)` builds what real hubs hold around Grok-1 and Grok-2, different for every
seed: members named with and without "grok" (a member without it is findable the way the real
Hub allows: a declared `base_model` the walk follows, or a `grok-1` model-type tag), chains 4-6
deep, every derivative kind (fine-tunes, conversions named only in prose, GGUF/AWQ/GPTQ/FP8/MLX
quantizations, PEFT adapters declared only in adapter_config.json, mergekit merges, re-uploads
with no card or a broken one, tokenizer repos, tiny random-init test models sharing tokenizer
files), declared bases that do not exist, that name the repo itself, that differ in casing or
name a former id of a renamed repo, declared 2- and 3-cycles, code that derives from both
roots, English/Chinese/bilingual cards, Grok-2 derivatives under the Grok-2 license, mirrors on
ModelScope, forks and ports on GitHub, lookalikes named like Grok (chat UIs, prompts, presets,
"grokking" papers, API clients, Phi-3s), tests/fakes/random_extra.py's kinds, shuffled.

Each derivative carries one line of evidence a careful reader could follow to its true parent,
chosen at random among the ways real cards say it; `Truth` holds the members per root, the
edges (parent key, child key, relation) with which ones no metadata declares, and the
lookalikes. tests/fakes/random_hubs.py serves the GitHub and ModelScope parts; `FakeHub` the rest.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace

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
from tests.fakes.random_hubs import GhRepo, MsRepo

G1, G2 = "grok-1", "grok-2"
ROOT_IDS = {G1: "xai-org/grok-1", G2: "xai-org/grok-2"}
ARCH = {G1: G1_ARCH, G2: G2_ARCH}
SCALE = {G1: 314 * B, G2: 270 * B}
TOKENIZER = {G1: G1_TOKENIZER, G2: G2_TOKENIZER}
LICENSE = {G1: {"license": "apache-2.0"}, G2: G2_LICENSE}
STEMS = {G1: ("grok-1", "Grok-1", "grok1", "Grok1", "grok_1"), G2: ("grok-2", "Grok-2", "grok2")}
PLAIN = ("orion-moe", "atlas", "kestrel-314b", "tiberius", "nebula", "polaris", "halcyon")
OWNERS = (
    "ptlab tunehouse quantfolk nightowl zh-ai bitwise deepwell Kestrel-AI orbital lonestar "
    "mlx-fans aaa-quants mergers loras ModelCloudX jaxport zzz-lab Gradient-Works"
).split()
SUFFIX = {
    "finetune": ("chat", "instruct", "sft", "dpo", "zh-chat", "code"),
    "conversion": ("hf", "pytorch", "bf16", "transformers"),
    "fork": ("copy", "backup", "reupload"),
    "gguf": ("GGUF", "Q4_K_M-GGUF", "i1-GGUF"),
    "awq": ("AWQ",),
    "gptq": ("GPTQ-Int4",),
    "fp8": ("FP8", "FP8-Dynamic"),
    "mlx": ("mlx-4bit",),
    "adapter": ("lora", "qlora-adapter"),
    "merge": ("slerp", "ties-merge"),
    "tokenizer": ("tokenizer",),
    "tiny": ("tiny-random",),
}
RELATION = {
    "finetune": "finetune",
    "conversion": "conversion",
    "fork": "fork",
    "gguf": "quantization",
    "awq": "quantization",
    "gptq": "quantization",
    "fp8": "quantization",
    "mlx": "quantization",
    "adapter": "adapter",
    "merge": "merge",
    "tokenizer": "tokenizer",
    "tiny": "other",
}
SOURCES = ("root", "finetune", "conversion", "merge")  # kinds that have children
URL = "https://huggingface.co/"


@dataclass
class Truth:
    members: dict[str, set[str]] = field(default_factory=lambda: {G1: set(), G2: set()})
    edges: set[tuple[str, str, str]] = field(default_factory=set)  # parent, child, relation
    declared: set[tuple[str, str]] = field(default_factory=set)  # (parent, child) declared
    lookalikes: set[str] = field(default_factory=set)


@dataclass
class RandomWorld:
    seed: int
    hf: list  # FakeRepo, in listing order
    gh: list[GhRepo]
    ms: list[MsRepo]
    truth: Truth


@dataclass
class _Node:
    repo_id: str
    family: str
    kind: str
    weights: dict[str, str]
    config: dict | None
    depth: int = 0
    cited_as: str = ""  # the id children's cards name (a renamed repo's former id)


def hf(rid: str) -> str:
    return f"huggingface:{rid}"


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.repos: list[WorldRepo] = []
        self.renamed: dict[str, str] = {}  # current id -> former id
        self.created: dict[str, int] = {}  # repo id -> day it was created
        self.nodes: list[_Node] = []
        self.used: set[str] = set()
        self.truth = Truth()

    # --- names and cards ---------------------------------------------------------------

    def name(self, family: str, kind: str, *, grok: bool) -> str:
        r = self.rng
        stem = r.choice(STEMS[family]) if grok else r.choice(PLAIN)
        rid = f"{r.choice(OWNERS)}/{stem}-{r.choice(SUFFIX[kind])}"
        while rid.lower() in self.used:
            rid = f"{rid}-v{r.randint(2, 99)}"
        self.used.add(rid.lower())
        return rid

    def cite(self, parent: _Node, style: str, kind: str) -> str:
        """A card sentence naming the parent the way `style` says, in English or Chinese."""
        pid = parent.repo_id
        lang = self.rng.choice(("en", "en", "zh", "both"))
        verb_en = {
            "finetune": "Fine-tuned from",
            "conversion": "Converted to safetensors from",
            "tiny": "Randomly initialized weights with the layout of",
            "tokenizer": "The tokenizer of",
        }.get(kind, "Quantized from")
        verb_zh = {
            "finetune": "本模型基于 {} 在中文对话数据上微调。",
            "conversion": "本模型由 {} 转换为 safetensors 格式。",
            "tiny": "随机初始化的测试模型, 结构同 {}。",
            "tokenizer": "{} 的分词器。",
        }.get(kind, "{} 的量化版本。")
        ref = f"{URL}{pid}" if style == "link" else pid
        en, zh = f"{verb_en} {ref}.", verb_zh.format(ref)
        return {"en": en, "zh": zh, "both": f"{zh}\n\n{en}"}[lang]

    def prose_only(self, family: str, kind: str) -> str:
        """Grok named in prose only: no id, no link (the scale and architecture tell)."""
        title = "Grok-1" if family == G1 else "Grok 2"
        return {
            "conversion": f"The {title} weights converted from the original checkpoint to "
            "bf16 safetensors for transformers.",
            "finetune": f"{title} fine-tuned on our instruction data (SFT).",
        }.get(kind, f"{title} quantized with llama.cpp.")

    # --- the family ----------------------------------------------------------------------

    def roots(self) -> dict[str, _Node]:
        g1 = WorldRepo(
            ROOT_IDS[G1],
            lfs={**G1_JAX, **G1_TOKENIZER},
            root=G1,
            card=card({"license": "apache-2.0"}, "# Grok-1\n\nOpen weights.\n"),
        )
        g2 = WorldRepo(
            ROOT_IDS[G2],
            lfs={**G2_SHARDS, **G2_TOKENIZER},
            config=G2_ARCH,
            safetensors={"parameters": {"BF16": 270 * B}, "total": 270 * B},
            card=card(G2_LICENSE, XAI_G2_README),
            root=G2,
        )
        self.add(g1, None)
        self.add(g2, None)
        out = {
            G1: _Node(g1.repo_id, G1, "root", dict(G1_JAX), None),
            G2: _Node(g2.repo_id, G2, "root", dict(G2_SHARDS), G2_ARCH),
        }
        for n in out.values():
            n.cited_as = n.repo_id
            self.truth.members[n.family].add(hf(n.repo_id))
        self.nodes += out.values()
        return out

    def add(self, repo: WorldRepo, node: _Node | None) -> None:
        self.created[repo.repo_id] = len(self.repos)
        self.repos.append(repo)
        if node is not None:
            node.cited_as = node.cited_as or node.repo_id
            self.nodes.append(node)

    def edge(self, parent: str, child: str, relation: str, family: str, *, declared: bool) -> None:
        self.truth.edges.add((hf(parent), hf(child), relation))
        if declared:
            self.truth.declared.add((hf(parent), hf(child)))
        self.truth.members[family].add(hf(child))

    def derive(
        self, parent: _Node, kind: str, *, style: str | None = None, grok: bool | None = None
    ) -> _Node:
        """One derivative of `parent` of this kind, with one line of evidence to it."""
        r, fam = self.rng, parent.family
        styles = ["declared", "link", "name"]
        if parent.kind == "root" and kind in ("finetune", "conversion", "gguf"):
            styles.append("prose")  # the architecture at the release's scale tells
        if kind == "gguf":
            styles.append("gguf_header")
        if kind in ("adapter", "merge", "fork"):
            styles = [kind]  # their own files carry the evidence
        style = style or r.choice(styles)
        typed = (
            fam == G1
            and kind not in ("gguf", "adapter", "tokenizer", "merge")
            and not (kind == "fork" and parent.config is None)
        )  # a grok-1 type tag
        findable_plain = (style == "declared" and parent.cited_as == parent.repo_id) or typed
        grok = (r.random() < 0.5 or not findable_plain) if grok is None else grok
        rid = self.name(fam, kind, grok=grok)
        meta: dict = dict(LICENSE[fam]) if r.random() < 0.85 else {}
        lfs: dict[str, str] = {}
        small: dict[str, str] = {}
        heads: dict[str, bytes] = {}
        config: dict | None = dict(ARCH[fam])
        st = {"parameters": {"BF16": SCALE[fam]}, "total": SCALE[fam]}
        gguf = None
        body = f"# {rid.split('/')[1]}\n\n"
        lib = None
        if kind in ("finetune", "conversion", "merge"):
            lfs = shards("model", r.randint(8, 19), f"{rid}-w")
            if r.random() < 0.6:
                lfs.update(TOKENIZER[fam])
        elif kind == "fork":
            lfs = dict(parent.weights)
            config = parent.config
            if r.random() < 0.5:
                lfs.update(TOKENIZER[fam])
        elif kind == "gguf":
            q = r.choice(("Q4_K_M", "Q2_K", "Q8_0", "IQ3_XS"))
            folder = f"{q}/" if r.random() < 0.4 else ""
            n = r.choice((1, 2, 3))
            lfs = (
                {
                    f"{folder}{rid.split('/')[1]}-{q}-{i:05d}-of-{n:05d}.gguf": f"{rid}-{i}"
                    for i in range(1, n + 1)
                }
                if n > 1
                else {f"{folder}model-{q}.gguf": rid}
            )
            gguf = {"total": SCALE[fam] + 2 * B, "architecture": "grok", "context_length": 8192}
            config, st = None, None
            if style == "gguf_header":
                first = sorted(lfs)[0]
                heads[first] = gguf_bytes(
                    {
                        "general.architecture": "grok",
                        "general.base_model.count": 1,
                        "general.base_model.0.repo_url": URL + parent.cited_as,
                    }
                )
        elif kind in ("awq", "gptq"):
            lfs = shards("model", r.randint(3, 6), f"{rid}-q")
            config = {**ARCH[fam], "quantization_config": {"quant_method": kind, "bits": 4}}
            st = {
                "parameters": {"I32": SCALE[fam] // 8, "F16": 12 * B},
                "total": SCALE[fam] // 8 + 12 * B,
            }
        elif kind == "fp8":
            lfs = shards("model", r.randint(6, 10), f"{rid}-fp8")
            config = {**ARCH[fam], "quantization_config": {"quant_method": "fp8"}}
            st = {"parameters": {"F8_E4M3": SCALE[fam]}, "total": SCALE[fam]}
        elif kind == "mlx":
            lfs = shards("model", r.randint(3, 6), f"{rid}-mlx")
            config = {**ARCH[fam], "quantization": {"group_size": 64, "bits": 4}}
            st = {
                "parameters": {"U32": SCALE[fam] // 8, "BF16": 6 * B},
                "total": SCALE[fam] // 8 + 6 * B,
            }
            lib = "mlx"
        elif kind == "adapter":
            lfs = {"adapter_model.safetensors": f"{rid}-lora"}
            small["adapter_config.json"] = json.dumps(
                {"base_model_name_or_path": parent.cited_as, "peft_type": "LORA", "r": 16}
            )
            config, st = None, None
        elif kind == "tokenizer":
            lfs = dict(TOKENIZER[fam]) if r.random() < 0.5 else {}
            if not lfs:
                small["tokenizer.json"] = json.dumps({"model": {"type": "BPE"}, "from": rid})
            config, st = None, None
        elif kind == "tiny":
            lfs = {"model.safetensors": f"{rid}-tiny", **TOKENIZER[fam]}
            st = {"parameters": {"F32": 8_000_000}, "total": 8_000_000}
        if style == "declared":
            cited = parent.cited_as
            if r.random() < 0.25 and grok:  # the Hub lets a card differ in casing
                cited = cited.upper() if r.random() < 0.5 else cited.swapcase()
            meta["base_model"] = cited
            if kind in ("gguf", "awq", "gptq", "fp8", "mlx") and r.random() < 0.5:
                meta["base_model_relation"] = "quantized"
            body += {
                "finetune": "Fine-tuned on our dialogue data.\n",
                "conversion": "Weights converted to safetensors.\n",
                "tiny": "Random weights for unit tests.\n",
            }.get(kind, "")
        elif style in ("link", "name"):
            body += self.cite(parent, style, kind) + "\n"
        elif style == "prose":
            body += self.prose_only(fam, kind) + "\n"
        elif kind == "merge":
            other = r.choice([n for n in self.sources(fam) if n is not parent])
            small["mergekit_config.yml"] = (
                "merge_method: slerp\nslices:\n  - sources:\n"
                f"      - model: {parent.cited_as}\n      - model: {other.cited_as}\n"
            )
            body += "A slerp merge made with mergekit.\n"
            self.edge(other.repo_id, rid, "merge", fam, declared=True)
        text: str | None = card(meta, body)
        if kind in ("fork", "adapter") and r.random() < 0.5:
            text = None if r.random() < 0.5 else "---\nbase_model: [oops\n---\n# copy\n"
        repo = WorldRepo(
            rid,
            lfs=lfs,
            small=small,
            heads=heads,
            config=config,
            gguf=gguf,
            safetensors=st,
            card=text,
            library_name=lib,
        )
        node = _Node(
            rid,
            fam,
            kind,
            {k: v for k, v in lfs.items() if k not in TOKENIZER[fam]},
            config,
            parent.depth + 1,
        )
        self.add(repo, node)
        declared = style in ("declared", "adapter", "merge", "gguf_header")
        self.edge(parent.repo_id, rid, RELATION[kind], fam, declared=declared)
        return node

    def sources(self, family: str) -> list[_Node]:
        return [n for n in self.nodes if n.family == family and n.kind in SOURCES]

    def rename(self, node: _Node) -> None:
        """The repo moves to a new id; cards written before still cite the former one."""
        old = node.repo_id
        new = self.name(node.family, node.kind, grok=True)
        repo = next(x for x in self.repos if x.repo_id == old)
        self.repos[self.repos.index(repo)] = replace(repo, repo_id=new)
        self.renamed[new] = old
        self.created[new] = self.created.pop(old)
        for edges in (self.truth.edges, self.truth.declared):
            for e in [e for e in edges if hf(old) in e[:2]]:
                edges.discard(e)
                edges.add(tuple(hf(new) if x == hf(old) else x for x in e))  # type: ignore
        for members in self.truth.members.values():
            if hf(old) in members:
                members.discard(hf(old))
                members.add(hf(new))
        node.repo_id, node.cited_as = new, old

    # --- the kinds issue 10 lists --------------------------------------------------------

    def chain(self, root: _Node) -> None:
        """A chain 4-6 deep: conversion, fine-tunes, then a leaf of any kind."""
        node = self.derive(root, "conversion")
        if self.rng.random() < 0.4:
            self.rename(node)
        for _ in range(self.rng.randint(2, 4)):
            node = self.derive(node, "finetune")
        self.derive(node, self.rng.choice(("gguf", "awq", "fp8", "mlx", "adapter")))

    def cycle(self, parent: _Node, length: int) -> None:
        """Fine-tunes declaring each other in a ring; the first also cites the real parent."""
        first = self.derive(parent, "finetune", style=self.rng.choice(("link", "name")), grok=True)
        node = first
        for _ in range(length - 1):
            node = self.derive(node, "finetune", style="declared", grok=True)
        self.set_meta(first.repo_id, base_model=node.repo_id)

    def set_meta(self, rid: str, **meta: object) -> None:
        from crawlers.content import parse_card

        i = next(i for i, x in enumerate(self.repos) if x.repo_id == rid)
        old_meta, body = parse_card(self.repos[i].card) if self.repos[i].card else ({}, "")
        self.repos[i] = replace(self.repos[i], card=card({**old_meta, **meta}, body))

    def odd_declarations(self, roots: dict[str, _Node]) -> None:
        r = self.rng
        src = r.choice(self.sources(G1))
        fork = self.derive(src, "fork", grok=True)  # a re-upload whose declared base is a typo
        typo = src.cited_as[:-3] + src.cited_as[-1:-4:-1]
        self.set_meta(fork.repo_id, base_model=typo, license="apache-2.0")
        ft = self.derive(r.choice(self.sources(G1)), "finetune", style="link", grok=True)
        self.set_meta(ft.repo_id, base_model=f"ghost{r.randint(1, 99)}/grok-1-deleted")
        fam = r.choice((G1, G2))
        quant = self.derive(roots[fam], "gguf", style="prose", grok=True)
        self.set_meta(quant.repo_id, base_model=quant.repo_id)  # declares itself

    def both_roots(self) -> None:
        rid = f"{self.rng.choice(OWNERS)}/grok-1-to-grok-2-layout"
        self.used.add(rid.lower())
        self.add(
            WorldRepo(
                rid,
                small={"convert.py": "# Grok-1 JAX -> Grok-2 layout\n"},
                card=card(
                    {"license": "apache-2.0"},
                    f"# Layout converter\n\nConverts checkpoints of {URL}"
                    f"{ROOT_IDS[G1]} into the layout of {URL}{ROOT_IDS[G2]}.\n",
                ),
            ),
            None,
        )
        for fam in (G1, G2):
            self.edge(ROOT_IDS[fam], rid, "other", fam, declared=False)

    def edge_key(self, parent: str, child: str, relation: str, fam: str, *, declared: bool) -> None:
        self.truth.edges.add((parent, child, relation))
        if declared:
            self.truth.declared.add((parent, child))
        self.truth.members[fam].add(child)


def random_world(seed: int, *, size: int = 30) -> RandomWorld:
    """One world: about `size` Hugging Face derivatives plus the fixed kinds, and the answer."""
    from tests.fakes.grok_world import as_fake_repos
    from tests.fakes.random_extra import gated_ids, harden
    from tests.fakes.random_others import github, lookalikes, modelscope

    g = _Gen(seed)
    r = g.rng
    roots = g.roots()
    g.chain(roots[G1])
    g.chain(roots[G1] if r.random() < 0.5 else roots[G2])
    tiny_parent = r.choice([n for n in g.nodes if n.kind == "conversion"])
    g.derive(tiny_parent, "tiny", style=r.choice(("link", "name")))
    g.cycle(r.choice(g.sources(G1)), 2)
    g.cycle(r.choice(g.sources(r.choice((G1, G2)))), 3)
    g.odd_declarations(roots)
    g.both_roots()
    g.derive(roots[G2], "tokenizer", style="name", grok=True)
    kinds = (
        "finetune",
        "conversion",
        "fork",
        "gguf",
        "awq",
        "gptq",
        "fp8",
        "mlx",
        "adapter",
        "merge",
        "tokenizer",
    )
    while len(g.truth.edges) < size:
        fam = G1 if r.random() < 0.7 else G2
        kind = r.choice(kinds)
        parent = r.choice(g.sources(fam))
        if kind == "conversion" and parent.kind != "root":
            kind = "finetune"
        if kind == "merge" and len(g.sources(fam)) < 2:
            continue
        g.derive(parent, kind)
    lookalikes(g)
    gh, ms, gated = github(g), harden(g, modelscope(g)), gated_ids(g)
    repos = []
    for fake in as_fake_repos(g.repos):
        day = g.created[fake.id]
        when = f"2024-{3 + day // 28:02d}-{1 + day % 28:02d}T00:00:00.000Z"
        old = g.renamed.get(fake.id)
        repos.append(
            replace(
                fake,
                created_at=when,
                last_modified=when,
                renamed_from=[old] if old else [],
                gated="manual" if fake.id in gated else False,
            )
        )
    r.shuffle(repos)
    return RandomWorld(seed, repos, gh, ms, g.truth)
