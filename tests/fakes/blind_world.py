"""A second, independent generator of Grok-like hub worlds, to find discovery misses.

random_world.py scores 1.000 everywhere, so it no longer finds weaknesses. `blind_world(seed,
size)` returns a world of its shape (`.hf` FakeRepos in listing order, `.gh`, `.ms`, `.truth`)
built from real hub habits instead: tool-generated cards (blind_cards.py), `.partXofY` GGUFs,
GGUF heads naming the source's own base, re-uploads copying their source's README, bases that
are typos, deleted or the repo itself, 2- and 3-cycles, renamed repos cited by former ids, tiny
random-init models, a Grok-1 -> Grok-2 converter, presets linking a member, ModelScope mirrors
both ways, GitHub forks and ports, lookalikes. The answer key follows SPEC.md: the closest
parent, the relation the files show (equal weight hashes: fork, whatever the card says);
`declared` is read off the finished metadata. `_check` refuses a member the real Hub would not
let a crawler reach (no "grok" in its id, no `grok-1` tag, no `base_model` to a reachable one).
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from collections.abc import Mapping as Map
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from tests.fakes import blind_cards as C
from tests.fakes.grok_repo import G1_JAX, G1_TOKENIZER, G2_SHARDS, G2_TOKENIZER, B, sha, shards
from tests.fakes.hf_world import FakeFile, FakeRepo
from tests.fakes.random_hubs import GhRepo, MsRepo
from tests.fakes.random_world import G1, G2, RandomWorld, Truth

HUB_CFG = ("architectures", "model_type", "auto_map", "quantization_config")  # the API's subset
SCALE = {G1: 314 * B, G2: 270 * B}
LIC = {G1: {"license": "apache-2.0"},
       G2: {"license": "other", "license_name": "grok-2", "license_link": "LICENSE"}}
TITLE = {G1: "Grok-1", G2: "Grok 2"}
START = {G1: datetime(2024, 3, 18), G2: datetime(2025, 8, 24)}
NONE: Map = MappingProxyType({})  # an empty default no call can change
SOURCES = ("conversion", "finetune", "merge")  # kinds with full weights others derive from


def size_of(path: str, label: str) -> int:
    """A stable size per content: 5-45 GB a weight shard (a 314B model in 8-19 of them), less
    than 1 GB for tokenizers, adapters, tiny models and such."""
    n = int(sha(label)[:8], 16)
    if path.endswith((".json", ".model", ".dat", ".pt", ".txt")) or "adapter" in path:
        return 1_000_000 + n % 900_000_000
    return 1_000_000 + n % 900_000_000 if label.endswith("/t") else 5 * B + n % (40 * B)


def st(params: dict[str, int]) -> dict:
    return {"parameters": params, "total": sum(params.values())}


@dataclass
class Node:
    key: str
    fam: str
    kind: str
    weights: dict[str, str] = field(default_factory=dict)  # path -> label: forks copy these
    tok: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    config: dict | None = None
    repo: FakeRepo | None = None
    cited: str = ""  # the id cards use for it: a former id after a rename
    depth: int = 0

    @property
    def rid(self) -> str:
        return self.key.split(":", 1)[1]

    @property
    def name(self) -> str:
        return self.rid.split("/")[1]


class _Blind:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.truth = Truth()
        self.nodes: list[Node] = []
        self.links: list[tuple[Node, Node, str, bool]] = []  # parent, child, relation, declared
        self.repos: list[FakeRepo] = []
        self.gh: list[GhRepo] = []  # GitHub and ModelScope repos, for random_hubs.py
        self.ms: list[MsRepo] = []
        self.used: set[str] = set()
        self.day = {G1: 0, G2: 0}

    def when(self, fam: str, fmt: str = "%Y-%m-%dT%H:%M:%S.000Z") -> str:
        self.day[fam] += self.r.randint(1, 4)  # created in build order: copies follow sources
        return (START[fam] + timedelta(self.day[fam], minutes=self.r.randint(0, 1439))
                ).strftime(fmt)

    def unique(self, rid: str) -> str:
        base, n = rid, 2
        while rid.lower() in self.used:  # the Hub's ids are case-blind
            rid, n = f"{base}-{n}", n + 1
        self.used.add(rid.lower())
        return rid

    def lic(self, fam: str) -> dict:
        return dict(LIC[fam]) if self.r.random() < 0.85 else {}

    def hf(self, rid: str, fam: str, kind: str, *, lfs: Map = NONE, small: Map = NONE,
           config: dict | None = None, readme: str = "", heads: Map = NONE, weights: Map = NONE,
           tok: Map = NONE, code: Map = NONE, parent: Node | None = None, **kw) -> Node:
        """A Hugging Face repo and its node (`meta`+`body`: the card, `readme`: a raw one)."""
        files = [FakeFile(p, size_of(p, lab), sha(lab), heads.get(p)) for p, lab in lfs.items()]
        texts = {**small, **({"config.json": json.dumps(config, indent=2)} if config else {}),
                 **({"README.md": readme} if readme else {})}
        files += [FakeFile(p, len(t.encode()), None, t.encode()) for p, t in texts.items()]
        day, kw["card"], kw["card_text"] = self.when(fam), kw.pop("meta", {}), kw.pop("body", "")
        repo = FakeRepo(id=rid, files=files, created_at=day, last_modified=day, **kw,
                        config={k: v for k, v in (config or {}).items() if k in HUB_CFG} or None,
                        downloads=self.r.randrange(20, 9000), likes=self.r.randrange(60),
                        pipeline_tag="text-generation")
        self.repos.append(repo)
        node = Node(f"huggingface:{rid}", fam, kind, dict(weights or {}), dict(tok), dict(code),
                    config, repo, rid, parent.depth + 1 if parent else 0)
        self.nodes.append(node)
        return node

    def derive(self, parent: Node, relation: str, rid: str, kind: str, declared: bool = False,
               **kw) -> Node:
        """A child of `parent`; `declared` for metadata outside the card (adapter or mergekit
        config, GitHub's fork parent): a card's `base_model` is read at the end."""
        child = self.hf(rid, parent.fam, kind, parent=parent, **kw)
        self.links.append((parent, child, relation, declared))
        return child

    def cite(self, parent: Node) -> str:
        return parent.cited if parent.cited != parent.rid and self.r.random() < 0.6 else parent.rid

    def sources(self, fam: str, roots: bool = False) -> list[Node]:
        kinds = SOURCES + ("root",) * roots  # a root with a config: grok-2's
        return [n for n in self.nodes if n.fam == fam and n.kind in kinds and n.config
                and n.repo.library_name != "mlx"]  # nobody builds on MLX's bf16 copy

    def pick(self, nodes: list[Node]) -> Node:  # deep nodes more often: chains go deep
        return self.r.choices(nodes, weights=[1 + n.depth for n in nodes])[0]

    def shards(self, rid: str, fam: str, lo: int, hi: int) -> tuple[dict, dict | None]:
        """Weight shards: .safetensors (the Hub counts those) or .bin, maybe in a folder."""
        r = self.r
        safe, folder = r.random() < 0.75, r.choice(("",) * 5 + ("weights/", "hf/"))
        pre, ext = ("model", "safetensors") if safe else ("pytorch_model", "bin")
        w = {folder + p: v for p, v in shards(pre, r.randint(lo, hi), rid, ext).items()}
        return w, st({"BF16": SCALE[fam]}) if safe else None

    def roots(self) -> tuple[Node, Node]:
        g1 = self.hf("xai-org/grok-1", G1, "root", body=C.G1_ROOT, lfs={**G1_JAX, **G1_TOKENIZER},
                     meta={"license": "apache-2.0", "library_name": "grok", "tags": ["grok-1"]},
                     weights=G1_JAX, tok=G1_TOKENIZER)
        g2 = self.hf("xai-org/grok-2", G2, "root", meta=dict(LIC[G2]), body=C.G2_ROOT,
                     lfs={**G2_SHARDS, **G2_TOKENIZER}, config=C.G2_CFG, weights=G2_SHARDS,
                     tok=G2_TOKENIZER, safetensors=st({"BF16": SCALE[G2]}))
        self.used |= {"xai-org/grok-1", "xai-org/grok-2"}
        self.truth.members.update({G1: {g1.key}, G2: {g2.key}})
        self.gh.append(GhRepo("xai-org/grok-1", readme=C.GH_ROOT,
                              created_at="2024-03-17T19:00:00Z"))
        return g1, g2

    def conversion(self, root: Node, tok_repo: str | None = None) -> Node:
        r = self.r
        if root.fam == G2:  # mlx-lm at bf16: the same weights in another framework
            rid = self.unique(f"mlx-community/{r.choice(C.STEMS[G2][:2])}-bf16")
            meta, body = C.mlx(r, rid, root.rid, None, self.lic(G2))
            w = shards("model", r.randint(8, 12), rid)
            return self.derive(root, "conversion", rid, "conversion", meta=meta, body=body,
                               lfs=w, weights=w, config=C.G2_CFG, library_name="mlx",
                               safetensors=st({"BF16": SCALE[G2]}))
        rid = C.name(self, G1, "conversion", r.random() < 0.8)
        w, summary = self.shards(rid, G1, 12, 19)
        tok = dict(G1_TOKENIZER) if r.random() < 0.7 else {"tokenizer.json": rid + "/tok"}
        code = {"modeling_grok1.py": f"# Grok-1 in PyTorch, ported from JAX for {rid}\n",
                "configuration_grok1.py": f"# Grok1Config ({rid})\n"}
        meta = {**self.lic(G1), **({"base_model": C.base(r, root.rid)} if r.random() < .3 else {})}
        body = C.conversion_g1(r, rid, root.rid, tok_repo if r.random() < 0.5 else None)
        return self.derive(root, "conversion", rid, "conversion", meta=meta, body=body,
                           lfs={**w, **tok}, small=code, config=C.G1_CFG, weights=w, tok=tok,
                           code=code, tags=["custom_code"], safetensors=summary)

    def finetune(self, parent: Node, *, style: str | None = None, grok: bool | None = None,
                 declare: bool | None = None, rid: str = "", rename: bool = False) -> Node:
        r, fam = self.r, parent.fam
        cited = self.cite(parent)
        declare = r.random() < 0.55 if declare is None else declare
        reachable = (declare and cited == parent.rid) or fam == G1  # a walk, or the type tag
        grok = (r.random() < 0.5 or not reachable) if grok is None else grok
        former = None
        if rename and reachable and not rid:  # a grok-named repo renamed to a brand later
            owner = r.choice(C.OWNERS)
            former = C.name(self, fam, "finetune", True, owner)
            rid = C.name(self, fam, "", False, owner)
        rid = rid or C.name(self, fam, "finetune", grok)
        w, summary = self.shards(rid, fam, 8, 19)
        tok = dict(parent.tok) if r.random() < 0.7 else {}
        template = C.bilingual if style == "bilingual" else C.finetune
        meta, body = template(r, rid, cited, declare, self.lic(fam), style)
        node = self.derive(parent, "finetune", rid, "finetune", meta=meta, body=body,
                           lfs={**w, **tok}, small=parent.code, config=parent.config, weights=w,
                           tok=tok, code=parent.code, renamed_from=[former] if former else [],
                           safetensors=summary)
        node.cited = former or rid
        return node

    def quant(self, parent: Node, tpl: str | None = None) -> Node:
        r, fam, pname, lic, prid = self.r, parent.fam, parent.name, self.lic(parent.fam), parent.rid
        named = "grok" in pname.lower()  # else only a declared base lets a crawler reach it
        tpl = tpl or r.choice(("arki", "mrader") if prid == "xai-org/grok-1" else (
            "mrader", "bartowski", "ggufmy") * 2 + ("thebloke", "exl2", "fp8", "mlx")
            + ("unsloth",) * (parent.kind == "root"))
        cfg, kw = parent.config, {}
        if tpl in ("mrader", "bartowski", "ggufmy", "arki", "unsloth"):
            imat = tpl == "mrader" and r.random() < 0.4
            rid = self.unique({"mrader": f"mradermacher/{pname}{'-i1' * imat}-GGUF",
                               "bartowski": f"bartowski/{pname}-GGUF",
                               "ggufmy": f"{r.choice(C.OWNERS)}/{pname}-Q4_K_M-GGUF",
                               "arki": f"{r.choice(C.OWNERS)}/{r.choice(C.STEMS[fam][:3])}-GGUF",
                               "unsloth": f"unsloth/{pname}-GGUF"}[tpl])
            style = {"mrader": "parts", "ggufmy": "split", "arki": "arki"}.get(tpl, "folders")
            kw = C.gguf(self, pname, style, fam, pname, parent.repo.card.get("base_model"))
            cfg = None
            files = list(kw["lfs"])[:3]
            meta, body = {
                "mrader": lambda: C.mradermacher(r, rid, prid, lic, files, imat),
                "bartowski": lambda: C.bartowski(r, rid, prid, lic, files, r.random() < 0.7
                                                 or not named),
                "ggufmy": lambda: C.gguf_my_repo(r, rid, prid, lic),
                "unsloth": lambda: C.unsloth(r, prid, lic, parent.repo.card_text),
                "arki": lambda: (dict(LIC[fam]), C.license_only_gguf(r, TITLE[fam], files))}[tpl]()
            if imat:
                kw["lfs"] = {**kw["lfs"], "imatrix.dat": rid + "/imatrix"}
            if "base_model" in meta and tpl != "unsloth" and r.random() < 0.3:
                meta["base_model_relation"] = "quantized"
        elif tpl == "thebloke":
            fmt = r.choice(("GPTQ", "AWQ"))
            rid = self.unique(f"TheBloke/{pname}-{fmt}")
            cfg = {**cfg, "quantization_config": {"quant_method": fmt.lower(), "bits": 4}}
            meta, body = C.thebloke(r, rid, prid, lic, fmt, r.random() < 0.6 or not named)
            kw = {"lfs": shards("model", r.randint(3, 6), rid), "small": {"quantize_config.json":
                  '{"bits": 4}'} if fmt == "GPTQ" else {}, "safetensors": st({
                      "I32": SCALE[fam] // 8, "F16": 9 * B})}
        elif tpl == "exl2":  # main holds only measurement.json; the quants live in branches
            rid, cfg = self.unique(f"{r.choice(('LoneStriker', 'Dracones'))}/{pname}-exl2"), None
            meta, body = C.exl2(r, rid, prid, lic, r.random() < 0.5 or not named)
            kw = {"small": {"measurement.json": '{"measurement": {"model.layers.0": []}}'}}
        elif tpl == "fp8":
            rid = self.unique(f"{r.choice(('RedHatAI', 'neuralmagic'))}/{pname}-FP8-dynamic")
            cfg = {**cfg, "quantization_config": {"quant_method": "compressed-tensors",
                                                  "format": "float-quantized"}}
            meta, body = C.fp8(r, prid, lic, cfg["architectures"][0])
            kw = {"lfs": shards("model", r.randint(6, 10), rid),
                  "safetensors": st({"F8_E4M3": SCALE[fam], "BF16": 2 * B})}
        else:  # mlx at 4 or 8 bits: its card says "converted", its files say quantized
            bits = r.choice((4, 8))
            rid = self.unique(f"mlx-community/{pname}-{bits}bit")
            q = {"group_size": 64, "bits": bits}
            cfg = {**cfg, "quantization": q, "quantization_config": q}
            meta, body = C.mlx(r, rid, prid, bits, lic)
            kw = {"lfs": shards("model", r.randint(3, 8), rid), "library_name": "mlx",
                  "safetensors": st({"U32": SCALE[fam] * bits // 32})}
        kw.setdefault("weights", kw.get("lfs"))
        return self.derive(parent, "quantization", rid, "quant", meta=meta, body=body,
                           config=cfg, **kw)

    def adapter(self, parent: Node) -> Node:
        r = self.r
        card_base = r.random() < 0.6
        in_cfg = parent.rid if r.random() < 0.8 else r.choice((  # a path on the trainer's disk
            f"/root/.cache/huggingface/hub/models--{parent.rid.replace('/', '--')}/snapshots/"
            f"{sha(parent.rid)[:40]}", f"/data/ckpt/{parent.name}"))
        rid = C.name(self, parent.fam, "adapter", r.random() < 0.5 or not card_base)
        conf = json.dumps({"base_model_name_or_path": in_cfg, "peft_type": "LORA", "r": 16,
                           "lora_alpha": 32, "task_type": "CAUSAL_LM"})
        lfs = {f"adapter_model.{r.choice(('safetensors', 'safetensors', 'bin'))}": rid + "/a"}
        small = {"adapter_config.json": conf}
        if r.random() < 0.2:  # the trainer's output folder uploaded whole
            lfs["checkpoint-500/adapter_model.safetensors"] = rid + "/ckpt500"
            small["checkpoint-500/adapter_config.json"] = conf
        base, lic = ({"base_model": parent.rid} if card_base else {}), self.lic(parent.fam)
        if (in_cfg != parent.rid and not card_base) or r.random() < 0.3:  # written by hand
            meta = {**lic, "library_name": "peft", **base}
            body = C.short(r, "lora", parent.rid if card_base else self.cite(parent))
        else:
            meta, body = C.peft(r, base, lic, r.choice(("0.7.1", "0.10.0", "0.13.2")))
        return self.derive(parent, "adapter", rid, "adapter", in_cfg == parent.rid, meta=meta,
                           body=body, lfs=lfs, small=small)

    def merge(self, parents: list[Node]) -> Node:
        r, fam, first = self.r, parents[0].fam, parents[0]
        method = "slerp" if len(parents) == 2 else r.choice(("ties", "dare_ties"))
        models, declare = [p.rid for p in parents], r.random() < 0.7
        rid = C.name(self, fam, "merge", r.random() < 0.6 or not declare)
        w, summary = self.shards(rid, fam, 8, 16)
        meta, body = C.mergekit(r, models, method, declare)
        small = {"mergekit_config.yml": C.mergekit_yaml(models, method), **first.code}
        deepest = max(parents, key=lambda p: p.depth)
        node = self.derive(deepest, "merge", rid, "merge", True, meta={**meta, **self.lic(fam)},
                           body=body, small=small, lfs={**w, **first.tok}, config=first.config,
                           weights=w, tok=first.tok, code=first.code, safetensors=summary)
        self.links += [(p, node, "merge", True) for p in parents if p is not deepest]
        return node  # mergekit_config.yml names every parent: all declared

    def fork(self, parent: Node, mode: str | None = None, grok: bool | None = None) -> Node:
        """A copy of `parent`'s weights (same hashes) with no README, its README verbatim
        (YAML and all: a copied `base_model` names the grandparent), a note or broken YAML."""
        r, src = self.r, parent.repo
        mode = mode or r.choice(("none", "verbatim", "verbatim", "note", "broken"))
        w = dict(parent.weights)
        if r.random() < 0.15:
            w = {f"original/{p.rsplit('/', 1)[-1]}": v for p, v in w.items()}
        meta, body, readme = {}, "", None
        if mode == "verbatim":
            meta, body = copy.deepcopy(src.card), src.card_text
            if parent.kind == "root" and r.random() < 0.5:
                meta = {}  # the README's text copied, its YAML header left behind
        elif mode == "note":
            meta, body = self.lic(parent.fam), C.short(r, "reupload", self.cite(parent))
            if r.random() < 0.4:  # the Hub would call it "quantized" anyway
                meta.update({"base_model": parent.rid}, **({"base_model_relation": "quantized"}
                                                           if parent.kind == "quant" else {}))
        elif mode == "broken":
            readme = f"---\nlicense: apache-2.0\nbase_model: [{parent.rid}\n---\n# backup\n"
        tagged = "grok-1" in FakeRepo("x", card=meta, config=parent.config).hub_tags() or any(
            b in {n.rid for n in self.nodes} for b in FakeRepo("x", card=meta).declared_parents())
        grok = (r.random() < 0.7 or not tagged) if grok is None else grok
        if grok and ("grok" not in parent.name.lower() or r.random() < 0.6):
            rid = C.name(self, parent.fam, "fork", True)
        else:  # the same name under another owner
            rid = self.unique(f"{r.choice(C.OWNERS)}/{parent.name}")
        tok = dict(parent.tok) if r.random() < 0.6 else {}
        heads = {p: f.content for p, lab in w.items() for f in src.files
                 if f.sha256 == sha(lab) and f.content}
        node = self.derive(parent, "fork", rid, "fork", meta=meta, body=body, readme=readme,
                           lfs={**w, **tok}, small=parent.code, config=parent.config, weights=w,
                           tok=tok, code=parent.code, heads=heads, gguf=src.gguf,
                           safetensors=src.safetensors, library_name=src.library_name)
        node.depth = parent.depth  # a copy is no deeper than what it copies
        return node

    def tokenizer(self, root: Node) -> Node:
        r = self.r
        rid = self.unique(f"{r.choice(C.OWNERS + ('Xenova', 'alvarobartt'))}/"
                          f"{r.choice(C.STEMS[root.fam][:3])}-tokenizer")
        lfs = {"tokenizer.json": rid + "/tj", **(root.tok if r.random() < 0.4 else {})}
        return self.derive(root, "tokenizer", rid, "tokenizer", meta=self.lic(root.fam),
                           body=C.short(r, "tokenizer", root.rid, TITLE[root.fam]), lfs=lfs,
                           small={"tokenizer_config.json": '{"model_max_length": 8192}'})

    def tiny(self, parent: Node) -> Node:
        """A random-init test model: the parent's config layout, code and tokenizer files."""
        r = self.r
        rid = self.unique(f"{r.choice(C.OWNERS)}/" + r.choice((f"{r.choice(C.STEMS[parent.fam])}"
                          "-tiny-random", f"tiny-random-{parent.config['architectures'][0]}")))
        meta = {"base_model": parent.rid} if r.random() < 0.4 else {}
        body = C.short(r, "tiny", parent.rid, own=rid)
        if r.random() < 0.15:
            meta, body = {"base_model": parent.rid}, "tiny random weights for CI\n"
        return self.derive(parent, "other", rid, "tiny", meta=meta, body=body,
                           config={**parent.config, "hidden_size": 16, "num_hidden_layers": 2},
                           small=parent.code, lfs={"model.safetensors": rid + "/t", **parent.tok},
                           safetensors=st({"BF16": 2_400_000}))

    def odd_bases(self, g1: Node, g2: Node) -> None:
        r = self.r
        src = self.pick(self.sources(r.choice((G1, G2))) or self.sources(G1))
        child = (self.finetune(src, declare=False, grok=True) if r.random() < 0.5
                 else self.fork(src, mode="note", grok=True))
        child.repo.card["base_model"] = C.typo(self, src.rid)  # the text or the hashes tell
        gone = self.unique(f"{r.choice(C.OWNERS)}/grok-1-hf")
        self.repos.append(FakeRepo(id=gone, deleted=True))
        self.derive(g1, "quantization", self.unique(f"{r.choice(C.OWNERS)}/Grok-1-GGUF"), "quant",
                    meta={**self.lic(G1), "base_model": gone}, body=C.short(r, "gone_base", gone),
                    **C.gguf(self, "grok-1", "split", G1, "Grok 1", None))
        root = r.choice((g1, g2))
        if r.random() < 0.5:  # a quantization that declares itself
            stem = r.choice(C.STEMS[root.fam][:3])
            rid = self.unique(f"{r.choice(C.OWNERS)}/{stem}-IQ2-GGUF")
            self.derive(root, "quantization", rid, "quant", meta={**self.lic(root.fam),
                        "base_model": rid}, body=C.short(r, "self_quant", rid, TITLE[root.fam]),
                        **C.gguf(self, stem, "split", root.fam, TITLE[root.fam], None))
        else:
            ft = self.finetune(self.pick(self.sources(root.fam, True)), declare=False, grok=True)
            ft.repo.card["base_model"] = ft.rid

    def cycles(self) -> None:
        r = self.r
        a = self.finetune(self.pick(self.sources(r.choice((G1, G2)), True)), declare=False,
                          grok=True)
        a.repo.card["base_model"] = self.quant(a, r.choice(("ggufmy", "mrader"))).rid  # 2-cycle
        fam = r.choice((G1, G2))
        owner, stem = r.choice(C.OWNERS), r.choice(C.STEMS[fam])
        v = first = self.finetune(self.pick(self.sources(fam, True)), declare=False,
                                  rid=self.unique(f"{owner}/{stem}-sft-v0.1"))
        for n in (2, 3):
            v = self.finetune(v, declare=True, rid=self.unique(f"{owner}/{stem}-sft-v0.{n}"))
        first.repo.card["base_model"] = v.rid  # v0.1 names v0.3, created after it: a 3-cycle

    def both_roots(self, g1: Node, g2: Node) -> None:
        rid = self.unique(f"{self.r.choice(C.OWNERS)}/grok1-to-grok2-converter")
        node = self.derive(g2, "other", rid, "code", meta={"license": "apache-2.0"},  # after both
                           body=C.converter(self.r, g1.rid, g2.rid), small=C.CONVERTER_FILES)
        self.links.append((g1, node, "other", False))

    def late_parent(self, g2: Node, convs: list[Node]) -> None:
        """K names P in text; P has no "grok" in its name and is reached only by a walk."""
        r, src = self.r, g2 if self.r.random() < 0.6 else self.r.choice(convs)
        p = self.finetune(src, style="brand", declare=True, grok=False)
        rid = self.unique(f"{r.choice(C.OWNERS)}/{r.choice(C.STEMS[p.fam][:3])}-{p.name}-GGUF")
        self.derive(p, "quantization", rid, "quant", meta=self.lic(p.fam),
                    body=C.short(r, "late_quant", p.rid, TITLE[p.fam]),
                    **C.gguf(self, p.name, "folders", p.fam, p.name, src.rid))

    def build(self, size: int) -> None:
        r = self.r
        g1, g2 = self.roots()
        tok1 = self.tokenizer(g1) if r.random() < 0.5 else None
        convs = [self.conversion(g1, tok1 and tok1.rid) for _ in range(r.choice((1, 1, 2)))]
        if r.random() < 0.5:
            self.conversion(g2)
        node = r.choice(convs)
        for _ in range(r.randint(2, 3)):  # a spine several levels deep
            node = self.finetune(node, rename=r.random() < 0.25)
        self.quant(node)
        self.tiny(r.choice(convs) if r.random() < 0.6 else g2)
        if tok1 is None or r.random() < 0.4:
            self.tokenizer(g2)
        self.odd_bases(g1, g2)
        self.cycles()
        self.both_roots(g1, g2)
        self.late_parent(g2, convs)
        self.finetune(self.pick(self.sources(r.choice((G1, G2)), True)), style="bilingual")
        C.modelscope(self, g1, convs)
        C.github(self)
        for root, tpl in ((g1, "arki"), (g2, r.choice(("unsloth", "fp8", "mlx")))):
            if r.random() < 0.6:
                self.quant(root, tpl)
        while len({c.key for _, c, _, _ in self.links}) < size:
            self.one_more(g1, g2)
        C.lookalikes(self, [n for n in self.nodes if n.kind in ("root", "finetune")])

    def one_more(self, g1: Node, g2: Node) -> None:
        r = self.r
        fam = G1 if r.random() < 0.65 else G2
        root, src = (g1 if fam == G1 else g2), self.sources(fam, roots=True)
        kind = r.choices(("finetune", "quant", "adapter", "merge", "fork", "tiny", "conv"),
                         (4, 6, 2, 1, 2, 0.4, 0.4))[0]
        if kind in ("finetune", "adapter") and src:
            (self.adapter if kind == "adapter" else self.finetune)(self.pick(src))
        elif kind == "quant":
            self.quant(self.pick(src + [root]))
        elif kind == "merge" and len(pool := self.sources(fam)) >= 2:
            self.merge(r.sample(pool, min(len(pool), r.choice((2, 2, 3)))))
        elif kind == "fork":
            self.fork(self.pick([n for n in self.nodes if n.fam == fam and n.weights
                                 and n.kind in ("root", "quant") + SOURCES]))
        elif kind == "tiny":
            convs = [n for n in self.nodes if n.kind == "conversion" and n.code]
            self.tiny(r.choice(convs) if fam == G1 and convs else g2)
        elif kind == "conv":
            self.conversion(root)

    def finish(self) -> list[FakeRepo]:
        """The answer key from the finished metadata, a reachability check, the listing."""
        in_card = []  # repos whose card's base_model names their parent
        for p, c, relation, declared in self.links:
            self.truth.edges.add((p.key, c.key, relation))
            if c.repo and {b.lower() for b in c.repo.declared_parents()} & {p.rid.lower(),
                                                                              p.cited.lower()}:
                in_card.append(c.repo)
                declared = True
            if declared:
                self.truth.declared.add((p.key, c.key))
            self.truth.members[p.fam].add(c.key)
        self._check()
        if self.r.random() < 0.4:  # gated: the card (that names the parent) public, files not
            self.r.choice(in_card).gated = "manual"
        return self.r.sample(self.repos, len(self.repos))  # the listing order: shuffled

    def _check(self) -> None:
        """Every member reachable as on the real Hub; one parent each (merges aside)."""
        members = {k for ks in self.truth.members.values() for k in ks}
        by_key = {n.key: n for n in self.nodes}
        seen = {k for k in members if "grok" in k.lower() or k not in by_key
                or "grok-1" in by_key[k].repo.hub_tags()}
        while new := {k for k in members - seen if k in by_key and {s.split(":", 1)[1] for s
                      in seen} & set(by_key[k].repo.declared_parents())}:
            seen |= new
        assert members <= seen, f"unreachable members: {sorted(members - seen)}"
        parents = Counter(c for _, c, _ in self.truth.edges)
        assert all(n == 1 or by_key[c].kind in ("merge", "code") for c, n in parents.items())


def blind_world(seed: int, size: int = 30) -> RandomWorld:
    """One world of about `size` derivatives over three hubs, and its answer key."""
    b = _Blind(seed)
    b.build(size)
    return RandomWorld(seed, b.finish(), b.gh, b.ms, b.truth)
