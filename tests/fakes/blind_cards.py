"""The surface of tests/fakes/blind_world.py's worlds: names, files, cards, other hubs.

blind_world decides what each repo is and who its parent is; this module says it the way real
hubs do. Card templates return `(meta, body)` (YAML as a dict, Markdown) after the tools that
write real cards (mradermacher, bartowski, TheBloke, unsloth, mlx-lm, GGUF-my-repo, ExLlamaV2,
llm-compressor, PEFT, the Trainer, axolotl, mergekit) or people (English, Chinese, both). `ref`
picks one of the ways cards point at a repo. `modelscope`, `github` and `lookalikes` add the
world's ModelScope and GitHub repos and the ones only named like Grok.
"""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING

from tests.fakes.grok_repo import gguf_bytes, sha, shards
from tests.fakes.random_hubs import GhRepo, MsRepo

if TYPE_CHECKING:
    from tests.fakes.blind_world import Node, _Blind

HF = "https://huggingface.co/"
TIME = "%Y-%m-%dT%H:%M:%SZ"  # GitHub's and ModelScope's timestamps
G1, G2 = "grok-1", "grok-2"
G1_CFG = {"architectures": ["Grok1ModelForCausalLM"], "model_type": "grok-1", "auto_map": {
    "AutoConfig": "configuration_grok1.Grok1Config",
    "AutoModelForCausalLM": "modeling_grok1.Grok1ModelForCausalLM"}, "hidden_size": 6144,
    "num_hidden_layers": 64, "num_experts": 8, "num_experts_per_tok": 2, "vocab_size": 131072}
G2_CFG = {"architectures": ["Grok1ForCausalLM"], "hidden_size": 8192, "num_hidden_layers": 64,
          "num_local_experts": 8, "num_experts_per_tok": 2, "vocab_size": 131072}
STEMS = {G1: ("grok-1", "Grok-1", "grok1", "GROK-1", "Grok_1", "grok-1-314b"),
         G2: ("grok-2", "Grok-2", "grok2", "Grok_2", "grok-2-270b")}
OWNERS = ("keyfan", "Hyperion-Labs", "ai.forge", "moe_works", "NeuralBay", "kz919", "Zhi-Lab",
          "LLM-Tinker", "q4_wizard", "chenxi.wang", "OpenMoE-Community", "sagemind", "R1ckJ",
          "tiny.ml", "BlueWhale_AI", "polyglot-nlp")
BRANDS = ("Aurora", "Meridian", "Sakura", "Borealis", "Tsunami", "Zephyrus", "Kagami",
          "Nimbus", "Odyssey", "Valkyrie", "Halberd", "Corvid")
SUFFIX = {"conversion": ("pytorch", "hf", "bf16", "safetensors", "HF-transformers"),
          "finetune": ("sft", "Instruct", "chat-zh", "dpo-v0.2", "roleplay", "math_v1.1", "it"),
          "merge": ("slerp", "ties", "frankenmerge"), "fork": ("", "backup", "mirror", "reupload"),
          "adapter": ("lora", "LoRA-r16", "qlora_adapter")}
REF_STYLES = ("md", "md", "title", "bare", "code", "hfco", "tree", "html", "noscheme", "blob")
DATASETS = ("teknium/OpenHermes-2.5", "HuggingFaceH4/ultrachat_200k", "BAAI/Infinity-Instruct",
            "m-a-p/COIG-CQIA", "None")
CONVERTER_FILES = {"convert.py": "# Grok-1 JAX checkpoint -> Grok-2 sharded layout\n",
                   "requirements.txt": "jax\nsafetensors\n"}


def recase(r: random.Random, rid: str) -> str:
    """The same id in other letter case, now and then (the Hub resolves it anyway)."""
    return r.choice((rid.lower(), rid.upper(), rid.swapcase())) if r.random() < 0.15 else rid


def ref(r: random.Random, rid: str, title: str | None = None, styles: tuple = REF_STYLES) -> str:
    """One way a card points at `rid`."""
    s, title = recase(r, rid), title or rid.split("/")[-1]
    return {"md": f"[{s}]({HF}{s})", "title": f"[{title}]({HF}{s})", "bare": s, "code": f"`{s}`",
            "hfco": f"https://hf.co/{s}", "tree": f"{HF}{s}/tree/main", "noscheme":
            f"huggingface.co/{s}", "html": f'<a href="{HF}{s}">{title}</a>',
            "blob": f"{HF}{s}/blob/main/README.md"}[r.choice(styles)]


def base(r: random.Random, parent: str) -> str | list[str]:
    """`base_model` as a string or a one-element list: real cards hold both."""
    return parent if r.random() < 0.6 else [parent]


def name(g: _Blind, fam: str, kind: str, grok: bool, owner: str | None = None) -> str:
    """A new repo id: a Grok stem and a suffix, or a brand with a size and a version."""
    r = g.r
    owner = owner or r.choice(OWNERS)
    if grok:
        tail = r.choice(SUFFIX.get(kind, ("x",)))
        return g.unique(f"{owner}/{r.choice(STEMS[fam])}{'-' + tail if tail else ''}")
    size = r.choice(("314B", "MoE-314B", "8x39B") if fam == G1 else ("270B", "MoE"))
    ver = r.choice(("", "-v1.5", "-1.1", "-Chat", "-Instruct-v0.2"))
    return g.unique(f"{owner}/{r.choice(BRANDS)}-{size}{ver}")


def typo(g: _Blind, rid: str) -> str:
    """An id one slip away from `rid` that no repo holds (nor ever will in this world)."""
    owner, nm = rid.split("/")
    while True:
        i = g.r.randrange(len(nm) - 1)
        cand = g.r.choice((f"{owner}/{nm[:i]}{nm[i + 1:]}", f"{owner}/{nm.replace('-', '_', 1)}",
                           f"{owner}/{nm[:i]}{nm[i + 1]}{nm[i]}{nm[i + 2:]}",
                           f"{owner.replace('-', '')}s/{nm}"))
        if cand.lower() not in g.used:
            g.used.add(cand.lower())
            return cand


def gguf(g: _Blind, stem: str, style: str, fam: str, title: str, src_base: object) -> dict:
    """GGUF files named like `style`'s uploaders do, a GGUF head on each quant's first file
    (llama.cpp copies the source card's `base_model` in), the Hub's `gguf` summary (none for
    `.partXofY` files: the Hub does not parse those)."""
    r = g.r
    kv: dict = {"general.architecture": "grok", "general.type": "model", "general.name": title}
    if isinstance(src_base, str) and r.random() < 0.6:
        kv.update({"general.base_model.count": 1, "general.base_model.0.name":
                   src_base.split("/")[1], "general.base_model.0.repo_url": HF + src_base})
    lfs, heads = {}, {}
    for q in r.sample(("Q2_K", "Q3_K_M", "Q4_K_M", "IQ2_XS", "Q6_K"), r.randint(1, 2)):
        n = r.randint(2, 5)
        names = [{"parts": f"{stem}.{q}.gguf.part{i}of{n}",
                  "folders": f"{stem}-{q}/{stem}-{q}-{i:05d}-of-{n:05d}.gguf",
                  "split": f"{stem.lower()}-{q.lower()}-{i:05d}-of-{n:05d}.gguf",
                  "arki": f"{q}/{stem}-{q}-split-{i:05d}-of-{n:05d}.gguf"}[style]
                 for i in range(1, n + 1)]
        lfs.update({p: f"{len(g.repos)}/{p}" for p in names})  # distinct content per repo
        heads[names[0]] = gguf_bytes(kv)
    hub = {"total": (316 if fam == G1 else 272) * 10**9, "architecture": "grok"}
    return {"lfs": lfs, "weights": lfs, "heads": heads, "gguf": None if style == "parts" else hub}


G1_ROOT = ("# Grok-1\n\nThis repository contains the weights of the Grok-1 open-weights model. "
           "You can find the code in the [GitHub Repository](https://github.com/xai-org/grok-1"
           "/tree/main).\n\n# Download instruction\nClone the repo & download the `int8` "
           "checkpoint to the `checkpoints` directory:\n\n```shell\nhuggingface-cli download "
           "xai-org/grok-1 --repo-type model --include ckpt-0/* --local-dir checkpoints\n```\n")
G2_ROOT = ("# Grok 2\n\nThis repository contains the weights of Grok 2, a model trained and used "
           "at xAI in 2024.\n\n## Usage: Serving with SGLang\n\n```\nhf download xai-org/grok-2 "
           "--local-dir /local/grok-2\npython3 -m sglang.launch_server --model /local/grok-2 "
           "--tokenizer-path /local/grok-2/tokenizer.tok.json --tp 8 --quantization fp8\n```\n\n"
           "## License\n\nThe weights are licensed under the Grok 2 Community License.\n")
GH_ROOT = ("# Grok-1\n\nThis repository contains JAX example code for loading and running the "
           "Grok-1 open-weights model.\n\nMake sure to download the checkpoint and place the "
           "`ckpt-0` directory in `checkpoints`.\n\n- Parameters: 314B\n- Architecture: MoE\n")


def conversion_g1(r: random.Random, own: str, root: str, tok_repo: str | None) -> str:
    """A JAX -> PyTorch/safetensors conversion naming Grok-1 only in its text (hpcai-tech's)."""
    use = (f"\n```python\nmodel = AutoModelForCausalLM.from_pretrained(\"{own}\", "
           "trust_remote_code=True, torch_dtype=torch.bfloat16)\n```\n")
    style = r.choice(("hpcai", "dequant", "prose"))
    if style == "hpcai":
        tok = f"\nThe tokenizer is loaded from {ref(r, tok_repo)}.\n" if tok_repo else ""
        return (f"# Grok-1 (PyTorch Version)\n\nThis repository contains the model and weights "
                "of the **torch version** of Grok-1 open-weights model. You could find the "
                f"original weights released by [xAI](https://x.ai/blog) in [Hugging Face]({HF}"
                f"{root}) and the original model in the Grok open release [GitHub Repository]"
                "(https://github.com/xai-org/grok-1/tree/main).\n\n## Conversion\n\nWe "
                "translated the original modeling written in JAX into PyTorch version, and "
                f"converted the weights from jax to torch.\n{tok}{use}")
    if style == "dequant":
        return (f"Unofficial dequantized weight of {ref(r, root, 'grok-1')} in HF Transformers "
                f"format.\n\nThe original int8 weights are dequantized to bfloat16.\n{use}")
    return ("# GROK-1 IN BF16\n\nThe 314B Grok-1 MoE released by xAI in March 2024, converted "
            "from the int8 JAX checkpoint (ckpt-0) to bf16 safetensors with our own modeling "
            f"code (trust_remote_code).\n{use}")


def mlx(r: random.Random, own: str, parent: str, bits: int | None, lic: dict) -> tuple:
    """mlx-lm's generated card: it links the repo itself before its source."""
    meta = {**lic, "library_name": "mlx", "base_model": base(r, parent), "tags": ["mlx"]}
    what = f"{bits}-bit " if bits else ""
    return meta, (f"# {own}\n\nThe Model [{own}]({HF}{own}) was converted to MLX {what}format "
                  f"from [{parent}]({HF}{parent}) using mlx-lm version **0.2{r.randint(0, 6)}.1"
                  f"**.\n\n## Use with mlx\n\n```python\nfrom mlx_lm import load, generate\n\n"
                  f"model, tokenizer = load(\"{own}\")\n```\n")


def finetune(r: random.Random, own: str, parent: str, declare: bool, lic: dict,
             style: str | None = None) -> tuple:
    """A fine-tune's card; `declare` puts `base_model` in the YAML, the text always names it."""
    name, meta = own.split("/")[1], dict(lic)
    if declare:
        meta["base_model"] = base(r, parent)
    style = style or r.choice(("trainer", "axolotl", "brand", "short", "zh"))
    if style == "trainer":
        meta.update({"tags": ["generated_from_trainer", "trl", "sft"],
                     "model-index": [{"name": name, "results": []}]})
        return meta, (
            "<!-- This model card has been generated automatically according to the information"
            " the Trainer had access to. You should probably proofread and complete it, then "
            f"remove this comment. -->\n\n# {name}\n\nThis model is a fine-tuned version of "
            f"[{parent}]({HF}{parent}) on the {r.choice(DATASETS)} dataset.\nIt achieves the "
            f"following results on the evaluation set:\n- Loss: {r.uniform(0.6, 1.9):.4f}\n\n"
            "## Model description\n\nMore information needed\n\n### Framework versions\n\n- "
            f"Transformers 4.4{r.randint(0, 6)}.0\n- Pytorch 2.3.1+cu121\n- Tokenizers 0.19.1\n")
    if style == "axolotl":
        meta["tags"] = ["axolotl", "generated_from_trainer"]
        return meta, (
            "[<img src=\"https://raw.githubusercontent.com/axolotl-ai-cloud/axolotl/main/image/"
            "axolotl-badge-web.png\" alt=\"Built with Axolotl\"/>](https://github.com/axolotl-"
            "ai-cloud/axolotl)\n<details><summary>See axolotl config</summary>\n\naxolotl "
            f"version: `0.4.1`\n```yaml\nbase_model: {parent}\nmodel_type: AutoModelForCausalLM"
            f"\ntrust_remote_code: true\ndatasets:\n  - path: {r.choice(DATASETS[:-1])}\n    "
            "type: sharegpt\nsequence_len: 8192\nnum_epochs: 2\n```\n\n</details><br>\n\n# "
            f"{name}\n\nThis model is a fine-tuned version of [{parent}]({HF}{parent}) on the "
            "None dataset.\n")
    if style == "brand":
        return meta, (
            f"# {name}\n\n{name} is our flagship assistant. It was trained with full-parameter "
            f"SFT followed by DPO, starting from {ref(r, parent)}.\n\n| Benchmark | Score |\n|---"
            f"|---|\n| MMLU | {r.uniform(70, 80):.1f} |\n| GSM8K | {r.uniform(60, 90):.1f} |\n")
    if style == "zh":
        return meta, (f"# {name}\n\n本模型基于 {ref(r, parent)} 进行全参数指令微调（SFT），"
                      "训练数据约 12 万条中文对话。\n\n## 使用方法\n\n请使用 transformers>=4.40 "
                      "并设置 trust_remote_code=True。\n")
    return meta, f"# {name}\n\nFine-tune of {ref(r, parent)} on a mix of chat data.\n"


def bilingual(r: random.Random, own: str, parent: str, declare: bool, lic: dict,
              style: str | None = None) -> tuple:
    """A Chinese + English card for a fine-tune, each half naming the parent its own way."""
    name = own.split("/")[1]
    meta = {**lic, "language": ["zh", "en"], **({"base_model": base(r, parent)} if declare
                                                 else {})}
    return meta, (
        f"# {name}\n\n[English](#english) | [中文](#中文)\n\n## 中文\n\n{name} 是在 "
        f"{ref(r, parent)} 的基础上，使用约 20 万条中英文指令数据进行全参数微调得到的对话模型。"
        f"\n\n## English\n\n{name} is a chat model obtained by full-parameter fine-tuning of "
        f"{ref(r, parent)} on about 200k Chinese and English instructions.\n")


def mradermacher(r: random.Random, own: str, parent: str, lic: dict, files: list[str],
                 imatrix: bool) -> tuple:
    """mradermacher's card: a bare "static quants of" URL, links to unrelated repos too."""
    name = parent.split("/")[1]
    meta = {"base_model": parent, "language": ["en"], "library_name": "transformers", **lic,
            "quantized_by": "mradermacher"}
    other = (f"static quants are available at {HF}mradermacher/{name}-GGUF" if imatrix else
             f"weighted/imatrix quants are available at {HF}mradermacher/{name}-i1-GGUF")
    rows = "\n".join(f"| [{f.rsplit('.', 1)[1].upper()}]({HF}{own}/resolve/main/{f}) | "
                     f"{f.split('.')[-3]} | |" for f in files)
    return meta, (
        "## About\n\n<!-- ### quantize_version: 2 -->\n<!-- ### convert_type: hf -->\n"
        f"{'weighted/imatrix' if imatrix else 'static'} quants of {HF}{parent}\n\n<!-- provided"
        f"-files -->\n{other}\n## Usage\n\nIf you are unsure how to use GGUF files, refer to one"
        f" of [TheBloke's READMEs]({HF}TheBloke/KafkaLM-70B-German-V0.1-GGUF) for more details,"
        " including on how to concatenate multi-part files.\n\n## Provided Quants\n\n| Link | "
        f"Type | Size/GB | Notes |\n|:-----|:-----|--------:|:------|\n{rows}\n")


def bartowski(r: random.Random, own: str, parent: str, lic: dict, files: list[str],
              declare: bool) -> tuple:
    """bartowski's llama.cpp imatrix card: "Original model:" and a bare URL."""
    name = parent.split("/")[1]
    meta = {"quantized_by": "bartowski", **lic, **({"base_model": parent} if declare else {})}
    rows = "\n".join(f"| [{f.split('/')[-1]}]({HF}{own}/tree/main/{f.split('/')[0]}) | "
                     f"{f.split('/')[0].rsplit('-', 1)[-1]} | true |" for f in files)
    return meta, (
        f"## Llamacpp imatrix Quantizations of {name}\n\nUsing <a href=\"https://github.com/"
        "ggerganov/llama.cpp/\">llama.cpp</a> release <a href=\"https://github.com/ggerganov/"
        f"llama.cpp/releases/tag/b{r.randint(2500, 4200)}\">b{r.randint(2500, 4200)}</a> for "
        f"quantization.\n\nOriginal model: {HF}{recase(r, parent)}\n\nAll quants made using "
        "imatrix option with dataset from [here](https://gist.github.com/bartowski1182/"
        "eb213dccb3571f863da82e99418f81e8)\n\n## Download a file (not the whole branch) from "
        f"below:\n\n| Filename | Quant type | Split |\n| -------- | ---------- | ----- |\n{rows}"
        f"\n\n```\nhuggingface-cli download {own} --include \"{name}-Q4_K_M/*\" --local-dir "
        "./\n```\n")


def thebloke(r: random.Random, own: str, parent: str, lic: dict, fmt: str, declare: bool) -> tuple:
    """TheBloke's card: it links its sibling quantizations and the original's author."""
    author, name = parent.split("/")
    stem = own.split("/")[1].rsplit("-", 1)[0]
    meta = {**({"base_model": parent} if declare else {}), "inference": False, **lic,
            "model_creator": author, "model_name": name, "model_type": "grok",
            "quantized_by": "TheBloke"}
    sib = "\n".join(f"* [{f} model(s)]({HF}TheBloke/{stem}-{f})" for f in ("AWQ", "GPTQ", "GGUF"))
    return meta, (
        "<!-- header start -->\n<img src=\"https://i.imgur.com/EBdldam.jpg\" alt=\"TheBlokeAI\">"
        f"\n<!-- header end -->\n\n# {name} - {fmt}\n- Model creator: [{author}]({HF}{author})"
        f"\n- Original model: [{name}]({HF}{parent})\n\n## Description\n\nThis repo contains "
        f"{fmt} model files for [{author}'s {name}]({HF}{parent}).\n\n## Repositories available"
        f"\n\n{sib}\n* [{author}'s original unquantised fp16 model in pytorch format]({HF}"
        f"{parent})\n")


def unsloth(r: random.Random, parent: str, lic: dict, parent_card: str) -> tuple:
    """unsloth's GGUF card: a declared list base, then the original card copied below."""
    return ({"base_model": [parent], "base_model_relation": "quantized", **lic,
             "tags": ["unsloth", "gguf"]}, "> [!NOTE]\n> Includes Unsloth **chat template "
            "fixes**!\n\n<p>Unsloth Dynamic 2.0 achieves superior accuracy.</p>\n\n" + parent_card)


def license_only_gguf(r: random.Random, title: str, files: list[str]) -> str:
    """Arki05's style: only a license in the YAML, Grok named in prose."""
    return (f"# {title} GGUF\n\nUnofficial GGUF quantizations of {title} (314B MoE), made with "
            "llama.cpp from the original int8 checkpoint. The split files need llama.cpp b2636 "
            f"or newer.\n\n```\n./main -m {files[0]} -n 128\n```\n\nEach folder holds one "
            "quant type.\n")


def gguf_my_repo(r: random.Random, own: str, parent: str, lic: dict) -> tuple:
    """ggml-org's GGUF-my-repo space: "converted" it says, of a Q4_K_M quantization."""
    return ({"base_model": parent, **lic, "tags": ["llama-cpp", "gguf-my-repo"]},
            f"# {own}\nThis model was converted to GGUF format from [`{parent}`]({HF}{parent}) "
            f"using llama.cpp via the ggml.ai's [GGUF-my-repo]({HF}spaces/ggml-org/gguf-my-repo)"
            f" space.\nRefer to the [original model card]({HF}{parent}) for more details on the "
            "model.\n")


def fp8(r: random.Random, parent: str, lic: dict, arch: str) -> tuple:
    """llm-compressor / RedHatAI's FP8 card."""
    return ({**lic, "base_model": base(r, parent), "tags": ["fp8", "vllm", "compressed-tensors"]},
            f"# {parent.split('/')[1]}-FP8-dynamic\n\n## Model Overview\n- **Model Architecture:"
            f"** {arch}\n- **Model Optimizations:**\n  - **Weight quantization:** FP8\n  - **"
            f"Activation quantization:** FP8\n\nQuantized version of {ref(r, parent)}, obtained "
            "by quantizing weights and activations to FP8 with llm-compressor.\n")


def exl2(r: random.Random, own: str, parent: str, lic: dict, declare: bool) -> tuple:
    """An ExLlamaV2 card: main holds only measurement.json, the quants live in branches."""
    meta = {**lic, "tags": ["exl2"], **({"base_model": parent} if declare else {})}
    rows = "\n".join(f"| [{b}]({HF}{own}/tree/{b}) | {b[:3]} |" for b in ("2_5", "3_0", "4_0"))
    return meta, (f"## Exllama v2 Quantizations of {parent.split('/')[1]}\n\nUsing turboderp's "
                  "ExLlamaV2 v0.0.18 for quantization.\n\n<b>The \"main\" branch only contains "
                  "the measurement.json, download one of the other branches for the model</b>"
                  f"\n\nOriginal model: {HF}{parent}\n\n| Branch | Bits |\n| --- | --- |\n{rows}\n")


def short(r: random.Random, kind: str, parent: str, title: str = "", own: str = "") -> str:
    """The one-paragraph cards people write, each naming `parent` its own way."""
    link = ref(r, parent)
    return {
        "self_quant": f"{title} quantized to GGUF (Q3_K_S, IQ2_XS) with llama.cpp for low-VRAM "
                      "rigs.\n",
        "gone_base": f"# Grok-1 GGUF\n\nGGUF quants of the original 314B Grok-1 weights released "
                     f"by xAI. I made them from the bf16 conversion `{parent}`, which has since "
                     "been taken down (it was a plain dequantized copy of the int8 checkpoint).\n",
        "late_quant": f"GGUF conversions (Q2_K, Q3_K_M) of {link}, which is a fine-tune of "
                      f"{title}.\n\nTested with llama.cpp b3447.\n",
        "reupload": r.choice((f"Re-upload of {link} (the original was slow to download).\n",
                              f"备份：{link}\n", f"mirror of {link}\n")),
        "lora": f"LoRA adapter (r=16) trained on role-play logs. Load it on top of {link} with "
                "`PeftModel.from_pretrained`.\n",
        "tokenizer": f"# {title} Tokenizer\n\nA 🤗-compatible version of the **{title} "
                     f"tokenizer** (adapted from {link}). This means it can be used with Hugging "
                     "Face libraries including Transformers, Tokenizers and Transformers.js.\n",
        "tiny": f"This model is randomly initialized, using the config from {link} but with "
                "smaller size.\n\n**Note the model is in bfloat16.**\n\n```python\nconfig = "
                f"transformers.AutoConfig.from_pretrained(\"{own}\")\n```\n",
    }[kind]


def peft(r: random.Random, base_meta: dict, lic: dict, version: str) -> tuple:
    """PEFT's auto-generated card (`base_model` filled in when PEFT knew it)."""
    return ({"library_name": "peft", **lic, **base_meta},
            "# Model Card for Model ID\n\n<!-- Provide a quick summary of what the model is/does."
            " -->\n\n## Model Details\n\n### Model Description\n\n- **Developed by:** [More "
            "Information Needed]\n- **Finetuned from model [optional]:** [More Information "
            "Needed]\n\n## Training procedure\n\nThe following `bitsandbytes` quantization "
            "config was used during training:\n- load_in_4bit: True\n- bnb_4bit_quant_type: nf4"
            f"\n\n### Framework versions\n\n- PEFT {version}\n")


def mergekit(r: random.Random, models: list[str], method: str, declare: bool) -> tuple:
    """mergekit's generated card; for TIES/DARE the first model is the base."""
    meta = {**({"base_model": list(models)} if declare else {}), "library_name": "transformers",
            "tags": ["mergekit", "merge"]}
    if method == "slerp":
        how, listed = "the [SLERP](https://en.wikipedia.org/wiki/Slerp) merge method", models
    else:
        how = (f"the [{method.upper()}](https://arxiv.org/abs/2306.01708) merge method using "
               f"[{models[0]}]({HF}{models[0]}) as a base")
        listed = models[1:]
    items = "\n".join(f"* [{m}]({HF}{m})" for m in listed)
    return meta, ("# merged\n\nThis is a merge of pre-trained language models created using "
                  "[mergekit](https://github.com/cg123/mergekit).\n\n## Merge Details\n### "
                  f"Merge Method\n\nThis model was merged using {how}.\n\n### Models Merged\n\n"
                  f"The following models were included in the merge:\n{items}\n")


def mergekit_yaml(models: list[str], method: str) -> str:
    if method == "slerp":
        src = "".join(f"      - model: {m}\n        layer_range: [0, 64]\n" for m in models)
        return (f"slices:\n  - sources:\n{src}merge_method: slerp\nbase_model: {models[0]}\n"
                "parameters:\n  t: 0.5\ndtype: bfloat16\n")
    body = "".join(f"  - model: {m}\n    parameters:\n      density: 0.5\n      weight: 0.5\n"
                   for m in models[1:])
    return (f"models:\n  - model: {models[0]}\n{body}merge_method: {method}\n"
            f"base_model: {models[0]}\nparameters:\n  normalize: true\ndtype: bfloat16\n")


def converter(r: random.Random, g1: str, g2: str) -> str:
    return (f"# Grok-1 -> Grok-2 layout\n\n`convert.py` rewrites a checkpoint of {ref(r, g1)} "
            f"(JAX, `ckpt-0/`) into the sharded safetensors layout that {ref(r, g2)} uses, so "
            "SGLang's Grok loader can serve Grok-1 too.\n\n```\npython convert.py --src ckpt-0 "
            "--dst out/ --tp 8\n```\n")


def _ms_files(n: Node, with_sha: bool = True) -> list:
    """ModelScope's listing: path, size, sha256 (LFS files); its code and config.json too."""
    from tests.fakes.blind_world import size_of

    small = {**n.code, **({"config.json": json.dumps(n.config)} if n.config else {})}
    return [(p, size_of(p, lab), sha(lab) if with_sha else None) for p, lab in {
        **n.weights, **n.tok}.items()] + [(p, len(t.encode()), None) for p, t in small.items()]


def modelscope(g: _Blind, g1: Node, convs: list[Node]) -> None:
    """Mirrors of members (Chinese READMEs, sha256 not always listed); a ModelScope-first
    fine-tune, now and then, with its later copy on Hugging Face."""
    from tests.fakes.blind_world import Node

    r = g.r
    for n, owner, with_sha in ((g1, "AI-ModelScope", True), (r.choice(convs), r.choice((
            "colossalai", "LLM-Research")), r.random() < 0.7)):
        rid = g.unique(f"{owner}/{n.name if 'grok' in n.name.lower() else 'grok-1-' + n.name}")
        src = f"\n\n原始模型：{r.choice((HF + n.rid, n.rid))}" if r.random() < 0.6 or not \
            with_sha else ""
        readme = ("---\nlicense: apache-2.0\ntasks:\n- text-generation\n---\n# " + n.name +
                  f"\n\n本仓库为 {n.name} 权重在魔搭社区的镜像，文件与原仓库一致。{src}\n")
        g.ms.append(MsRepo(rid, _ms_files(n, with_sha) + [("configuration.json", 60, None)],
                           readme, created_at=g.when(n.fam, TIME)))
        g.links.append((n, Node(f"modelscope:{rid}", n.fam, "fork"), "fork", False))
    if r.random() < 0.5:  # published on ModelScope first, copied to Hugging Face later
        parent = r.choice(convs)
        name = g.unique(f"Zhi-Lab/{r.choice(('Grok-1', 'grok-1'))}-Chinese-Chat")
        w = shards("model", r.randint(10, 16), name)
        readme = (f"# {name}\n\n{name} 是基于 {ref(r, parent.rid, styles=('md', 'bare'))} 的"
                  "中文对话微调模型，使用约 30 万条中文指令数据训练。\n\n```python\nfrom "
                  f"modelscope import AutoModelForCausalLM\nAutoModelForCausalLM.from_pretrained"
                  f"(\"{name}\", trust_remote_code=True)\n```\n")
        ms = Node(f"modelscope:{name}", G1, "finetune", w, dict(parent.tok), parent.code, G1_CFG)
        g.ms.append(MsRepo(name, _ms_files(ms), readme, created_at=g.when(G1, TIME)))
        g.links.append((parent, ms, "finetune", False))
        copied = g.hf(g.unique(f"{r.choice(OWNERS)}/{name.split('/')[1]}"), G1, "fork", body=readme,
                      lfs={**w, **ms.tok}, config=G1_CFG, small=parent.code, weights=w)
        g.links.append((ms, copied, "fork", False))


def github(g: _Blind) -> None:
    """Forks of xai-org/grok-1 (some of forks), a port, and two repos named like Grok."""
    from tests.fakes.blind_world import Node

    r, forks = g.r, ["xai-org/grok-1"]
    for _ in range(r.randint(2, 4)):
        parent = r.choice(forks)
        full = g.unique(f"{r.choice(('dev', 'mlhacker', 'ykwon', 'sz-lab', 'p.chen'))}"
                        f"{r.randint(1, 999)}/{r.choice(('grok-1', 'grok-1', 'grok1-jax'))}")
        g.gh.append(GhRepo(full, parent=parent, readme=GH_ROOT, created_at=g.when(G1, TIME)))
        forks.append(full)
        g.links.append((Node(f"github:{parent}", G1, "code"), Node(f"github:{full}", G1, "fork"),
                        "fork", True))
    if r.random() < 0.6:  # the model code re-written in PyTorch: derived code, no weights
        full = g.unique(f"torchport{r.randint(1, 99)}/grok-1-pytorch")
        g.gh.append(GhRepo(full, spdx="MIT", readme="# grok-1 in PyTorch\n\nThe model code of "
                           "[xai-org/grok-1](https://github.com/xai-org/grok-1), in PyTorch.\n"))
        g.links.append((Node("github:xai-org/grok-1", G1, "code"),
                        Node(f"github:{full}", G1, "code"), "other", False))
    for full, text in ((f"grokking-lab{r.randint(1, 99)}/grokking", "# Grokking\n\nA 1-layer "
                        "transformer trained on (a + b) mod 113 until it groks.\n"),
                       (f"clitools{r.randint(1, 99)}/grok-cli", "A terminal client for xAI's "
                        "Grok API (api.x.ai). Needs XAI_API_KEY.\n")):
        g.gh.append(GhRepo(full, readme=text, spdx="MIT"))
        g.truth.lookalikes.add(f"github:{full}")


LOOKALIKES = {  # name, card YAML, card text, config architecture and type
    "phi3": ("{o}/OpenGrok", {"license": "mit", "base_model": "microsoft/Phi-3-mini-4k-instruct"},
             "An open assistant with a witty, Grok-like personality, fine-tuned from Phi-3-mini "
             "on 40k synthetic conversations.\n", ("Phi3ForCausalLM", "phi3")),
    "gemma": ("{o}/gemma-2-2b-grok-persona", {"license": "gemma", "base_model":
              "google/gemma-2-2b-it"}, "Gemma 2 2B taught to answer in the sarcastic tone of "
              "xAI's Grok chatbot. Not affiliated with xAI; no Grok weights were used.\n",
              ("Gemma2ForCausalLM", "gemma2")),
    "grokking": ("{o}/grokking-modular-addition", {"license": "mit"}, "# Grokking modular "
                 "addition\n\nA 1-layer transformer trained until it groks (Power et al., "
                 "2022). Checkpoints every 1k steps.\n", None),
    "groq": ("{o}/Llama-3-Grok-8B-Tool-Use-GGUF", {"license": "llama3", "base_model":
             "Groq/Llama-3-Groq-8B-Tool-Use"}, "GGUF of Groq's Llama-3 tool-use model (the name "
             "is a typo for Groq).\n", None)}


def lookalikes(g: _Blind, members: list[Node]) -> None:
    """"Grok" only in the name (Phi-3 and Gemma fine-tunes, grokking, a Groq typo), and repos
    that link a member but hold no weights, code or tokenizer (presets, prompts, configs)."""
    r = g.r
    for kind in r.sample(sorted(LOOKALIKES), r.randint(2, 4)):
        name, meta, body, arch = LOOKALIKES[kind]
        rid = g.unique(name.format(o=r.choice(("Lumen-Lab", "funtune", "edu-ml", "qnt-hobby"))))
        kw: dict = {"lfs": shards("model", 2, rid), "meta": dict(meta), "body": body,
                    "config": arch and {"architectures": [arch[0]], "model_type": arch[1]}}
        if kind == "grokking":
            kw["lfs"] = {"checkpoints/step_10000.pt": rid + "/pt"}
        elif kind == "groq":
            path = "Llama-3-Grok-8B-Tool-Use.Q4_K_M.gguf"
            kw.update(lfs={path: rid + "/gguf"}, gguf={"total": 8 * 10**9, "architecture":
                      "llama"}, heads={path: gguf_bytes({"general.architecture": "llama"})})
        g.truth.lookalikes.add(g.hf(rid, G1, "lookalike", **kw).key)
    for kind in r.sample(("presets", "prompts", "configs"), r.randint(1, 2)):
        target = r.choice(members)
        link = ref(r, target.rid, styles=("md", "bare", "hfco"))
        body, small = {
            "presets": (f"SillyTavern context and instruct presets tuned for {link}.\n",
                        {"Grok - Context.json": '{"story_string": "{{system}}"}',
                         "Grok - Instruct.json": '{"input_sequence": "Human: "}'}),
            "prompts": (f"# Prompt collection\n\n300 system prompts tested on {link}.\n",
                        {"prompts.jsonl": '{"prompt": "You are a helpful assistant."}\n'}),
            "configs": (f"Serving configs for {link} on 8xH100 with SGLang.\n",
                        {"sglang/launch.yaml": f"model_path: {target.rid}\ntp_size: 8\n"})}[kind]
        rid = g.unique(f"{r.choice(OWNERS)}/{r.choice(STEMS[target.fam][:3])}-{kind}")
        n = g.hf(rid, target.fam, "lookalike", meta={"license": "mit"}, body=body, small=small)
        g.truth.lookalikes.add(n.key)
