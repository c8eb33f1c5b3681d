"""The relation of a lineage edge, read from what the child repository holds (pure).

SPEC.md's vocabulary from files: identical weights -> fork; the same weights in another
format -> conversion; GGUF/GPTQ/AWQ/EXL2/MLX low-bit/bitsandbytes/FP8 -> quantization; PEFT
adapter files -> adapter; several parents -> merge; only tokenizer files -> tokenizer; config
or code without weights, random-init test models -> other; trained weights -> finetune.

`classify` says how sure the files are (`strong`). For declared edges `classify_declared`
keeps the metadata's word unless strong file evidence contradicts it (a GGUF repo the Hub
calls a finetune): then the files win and the claim keeps the declared word beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawlers.base import LineageClaim, MemberFacts, Relation, RepoRecord
from crawlers.content import (
    Content,
    content_of,
    effective_parameters,
    is_unquantized_gguf,
    quantization_signals,
)
from crawlers.references import CITED

TINY_FRACTION = 0.02  # below 2% of the release: a test or random-init model
NOTHING_STATED = "own weights of the same architecture"  # the reason when nothing says more
# what the repo's own words say (its name, its card), as opposed to what its files suggest
NAMED_CONVERSION = "converted weights (name or card says so)"
NAMED_QUANTIZATION = "quantized weights (card says so)"

HUB_RELATIONS: dict[str, Relation] = {
    "quantized": "quantization",
    "quantization": "quantization",
    "adapter": "adapter",
    "merge": "merge",
    "finetune": "finetune",
    "fork": "fork",
    "conversion": "conversion",
    "tokenizer": "tokenizer",
    "other": "other",
}


def normalize_relation(word: object) -> Relation | None:
    """The SPEC word for a Hub relation word (`quantized` -> `quantization`); None if unknown."""
    return HUB_RELATIONS.get(str(word).strip().lower()) if word else None


@dataclass(frozen=True)
class Classification:
    """A relation read from files; `strong` when files alone settle it."""

    relation: Relation | None
    strong: bool
    reason: str


# Relation words in the languages derivatives' cards are written in: English and Chinese
# (ModelScope's cards are mostly Chinese: 微调 fine-tune, 训练 training, 量化 quantized,
# 转换 converted, 移植 ported, 导出 exported).
_FINETUNE_WORDS = re.compile(
    r"fine-?tun|\btrained on\b|\bsft\b|\bdpo\b|\brlhf\b|\borpo\b|instruction[- ]tun"
    r"|微调|精调|指令调优|继续预训练|增量预训练|训练数据|训练集",
    re.I,
)
_CONVERSION_WORDS = re.compile(
    r"\bconver(t|ted|sion)\b|\bported?\b|de-?quantiz|\bexport|转换|转为|移植|导出|反量化",
    re.I,
)
# A repo that says it is a copy: "mirror of", 镜像 (mirror), 搬运 (carried over), 备份 (backup)
_MIRROR_WORDS = re.compile(r"\bmirror(ed)?\b|\bre-?upload(ed)?\b|镜像|搬运|备份", re.I)
_QUANTIZATION_WORDS = re.compile(r"量化版|量化模型|量化权重|量化后|低比特")
# a format word ending the name, before a version mark if any (`-bf16`, `-hf-v2`, `_pt_v1.5`)
_CONVERSION_NAME = re.compile(
    r"(-|_)(hf|bf16|fp16|f16|fp32|pytorch|pt|safetensors|transformers|mlx)"
    r"((-|_)v\d+(\.\d+)*)?$"
)


def classify(
    record: RepoRecord,
    parent: MemberFacts | None = None,
    *,
    scale: int = 0,
    n_parents: int = 1,
    weight_ids: frozenset[str] | None = None,
) -> Classification:
    """The relation a repo's own files show towards `parent` (SPEC vocabulary).

    `scale` is the parameter count of the parent's release (to tell a random-init test
    model); `n_parents` > 1 means the metadata names several parents (a merge);
    `weight_ids` stands in for the weight hashes when the files carry none (not re-listed).
    """
    content = content_of(record.files)
    if n_parents >= 2:
        return Classification("merge", True, f"weights combined from {n_parents} parents")
    if content.adapter:
        names = ", ".join(sorted({f.path.rsplit("/", 1)[-1] for f in content.adapter}))
        return Classification("adapter", True, f"holds PEFT adapter files ({names})")
    if not content.known:
        if record.gguf:
            return Classification("quantization", True, "GGUF weights (listing)")
        return Classification(None, False, "files not listed")
    if content.weights:
        scale = scale or (parent.parameters if parent else 0)
        return _classify_weights(record, content, parent, scale, weight_ids)
    if content.weights_in_branches:
        why = "EXL2 measurement.json on main (its quantized weights are in branches)"
        return Classification("quantization", True, why)
    if content.tokenizer:
        return Classification("tokenizer", True, "holds only tokenizer files")
    if content.config or content.code:
        return Classification("other", True, "holds config or code but no weights")
    return Classification("other", False, "holds no weights, tokenizer or config")


def _classify_weights(
    record: RepoRecord,
    content: Content,
    parent: MemberFacts | None,
    scale: int,
    weight_ids: frozenset[str] | None = None,
) -> Classification:
    ids = content.ids("weights") or weight_ids or frozenset()
    if parent is not None and ids:
        theirs = parent.weight_sha256s or parent.sha256s
        shared = len(ids & theirs)
        if shared == len(ids):
            return Classification("fork", True, f"identical weight files ({shared}/{len(ids)})")
    params = effective_parameters(record)
    if params and scale and params < TINY_FRACTION * scale:
        return Classification("other", True, f"test-size model ({fmt_params(params)} parameters)")
    strong, weak = quantization_signals(record, content)
    if strong:
        return Classification("quantization", True, strong[0])
    if is_unquantized_gguf(content):
        return Classification("conversion", True, "unquantized GGUF export (F16/BF16)")
    if weak:
        return Classification("quantization", False, weak[0])
    card_body = _prose(record)
    if _QUANTIZATION_WORDS.search(card_body) and not _FINETUNE_WORDS.search(card_body):
        return Classification("quantization", False, NAMED_QUANTIZATION)
    formats = set(content.weight_formats) | ({"mlx"} if "mlx" in record.tags else set())
    body = card_body
    if _FINETUNE_WORDS.search(body) or any(t.startswith("dataset:") for t in record.tags):
        return Classification("finetune", False, "trained weights (card or tags name training)")
    if _MIRROR_WORDS.search(body):  # after training words: a fine-tune may list its mirrors
        return Classification("fork", False, "a copy of another repo (card says mirror)")
    parent_formats = set(parent.formats) if parent else set()
    if parent_formats and formats and not formats & parent_formats:
        shown = f"{'/'.join(sorted(parent_formats))} -> {'/'.join(sorted(formats))}"
        return Classification("conversion", False, f"same weights in another format ({shown})")
    if _says_converted(record):
        return Classification("conversion", False, NAMED_CONVERSION)
    return Classification("finetune", False, NOTHING_STATED)


def _says_converted(record: RepoRecord) -> bool:
    """The repo's name or card calls it converted (`-hf`, `-bf16`, "converted to")."""
    name = record.repo_id.rsplit("/", 1)[-1].lower()
    return bool(_CONVERSION_NAME.search(name) or _CONVERSION_WORDS.search(_prose(record)))


def _prose(record: RepoRecord) -> str:
    """The card's words, without the links and repo ids it cites: "atlas-dpo" in a link to
    the parent says what the parent is, not what this repo is."""
    return CITED.sub(" ", record.card_text or "")


def fmt_params(n: int) -> str:
    for unit, div in (("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= div:
            return f"{n / div:.3g}{unit}"
    return str(n)


def classify_declared(
    record: RepoRecord,
    parent: MemberFacts | None,
    declared_relation: object,
    *,
    scale: int = 0,
    n_parents: int = 1,
    weight_ids: frozenset[str] | None = None,
    stated: bool = True,
) -> tuple[Relation, str | None, str]:
    """Relation for a declared edge: (relation, declared_relation if overruled, note).

    The declared word (card `base_model_relation` or the Hub's tag) stands unless the files
    say otherwise with strong evidence (a GGUF repo the Hub calls a finetune): then the files
    win and the declared word is kept in `declared_relation`. A word the card did not state
    (`stated=False`: the Hub's guess) gives way to any relation the files, name or card text
    show. Without a declared word, the files decide, and a repo we cannot read falls back to
    the Hub's default, finetune.
    """
    files = classify(record, parent, scale=scale, n_parents=n_parents, weight_ids=weight_ids)
    declared = normalize_relation(declared_relation)
    if declared is None and n_parents >= 2:
        declared = "merge"
    if declared is None:
        return files.relation or "finetune", None, files.reason
    if files.relation and files.strong and files.relation != declared and declared != "merge":
        return files.relation, declared, f"declared {declared}, but files say: {files.reason}"
    worded = files.reason in (NAMED_CONVERSION, NAMED_QUANTIZATION) or (
        files.relation == "conversion" and _says_converted(record)
    )
    if (
        not stated
        and files.relation is not None
        and files.relation != declared
        and worded
        and declared != "merge"
    ):
        # the Hub's guess (the card states no relation) against what the repo's name or card
        # says it is: the guess gives way; nothing declared was overruled. A format change
        # alone does not: a fine-tune of a JAX release is saved in another format too.
        reason = NAMED_CONVERSION if files.relation == "conversion" else files.reason
        return files.relation, None, f"no relation stated (the Hub's guess: {declared}); {reason}"
    body = _prose(record)
    if (
        declared == "finetune"
        and files.relation == "conversion"
        and _CONVERSION_WORDS.search(body)
        and not _FINETUNE_WORDS.search(body)
    ):
        # "finetune" is the Hub's word for any declared base without a stated relation: a
        # card that says "converted" and names no training tells more
        return "conversion", declared, "declared finetune, but the card says converted"
    return declared, None, files.reason if files.relation == declared else ""


def declared_claim(
    record: RepoRecord,
    parent_key: str,
    declared_relation: object,
    where: str,
    *,
    parent: MemberFacts | None = None,
    scale: int = 0,
    n_parents: int = 1,
    confidence: float = 1.0,
) -> LineageClaim:
    """A `source=declared` claim parent -> record, relation settled by `classify_declared`.

    `where` says which metadata named the parent ("card base_model", "Hub tag base_model").
    """
    relation, overruled, note = classify_declared(
        record, parent, declared_relation, scale=scale, n_parents=n_parents
    )
    evidence = f"{where} names {parent_key.split(':', 1)[1]}"
    if note:
        evidence += f"; {note}"
    return LineageClaim(
        parent_key, record.key, relation, "declared", confidence, evidence, overruled
    )
