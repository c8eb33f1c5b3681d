"""What a repository holds, read from its file list and listing metadata (pure, no HTTP).

Lineage verification and relation classification both start from the same questions: does
this repo hold weights, and in which format; only a tokenizer; a PEFT adapter; quantized
tensors? This module answers them from `RepoRecord.files` (paths, and hashes when the tree
was listed), the config/gguf/safetensors summaries, the tags, and small parsed configs. It
also parses the few texts we read (card YAML front matter, mergekit YAML, a GGUF header)
safely: YAML only through `yaml.safe_load`, never into objects.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeGuard

from crawlers.base import FileRecord, RepoRecord
from crawlers.bounded import load_json, load_yaml

FileKind = Literal["weights", "adapter", "tokenizer", "config", "code", "doc", "other"]

# Keys of RepoRecord.extra that lineage code reads. A crawler that has the data puts it there.
CARD_DATA = "card_data"  # the card's YAML front matter, as a plain dict
CONFIG = "config"  # the config.json subset the hub showed (quantization_config lives there)
CONFIGS = "configs"  # small files read for evidence: {"adapter_config.json": {...}, ...}
LIBRARY = "library_name"

_TOKENIZER_NAMES = frozenset(
    {
        "tokenizer.json",
        "tokenizer.model",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.json",
        "merges.txt",
        "vocab.txt",
        "added_tokens.json",
        "spiece.model",
        "sentencepiece.bpe.model",
        "tokenizer.tok.json",
        "chat_template.jinja",
        "chat_template.json",
    }
)
_ADAPTER_NAMES = frozenset(
    {"adapter_config.json", "adapter_model.safetensors", "adapter_model.bin", "adapter_model.pt"}
)
# Files with a weight extension that are training state, not a model.
_NOT_WEIGHTS = re.compile(
    r"(^|/)(training_args\.bin|optimizer\.pt|optimizer\.bin|scheduler\.pt|scaler\.pt|rng_state[^/]*\.pth)$"
)
_GGUF = re.compile(r"\.gguf(\.part\d+of\d+|-split-[a-z]+|\.\d+)?$", re.IGNORECASE)
_JAX_CKPT = re.compile(r"(^|/)ckpt-\d+/|(^|/)tensor\d+_\d+$")
_WEIGHT_EXT: dict[str, str] = {
    ".safetensors": "safetensors",
    ".bin": "pytorch",
    ".pt": "pytorch",
    ".pth": "pytorch",
    ".ckpt": "pytorch",
    ".onnx": "onnx",
    ".onnx_data": "onnx",
    ".h5": "tensorflow",
    ".pb": "tensorflow",
    ".tflite": "tensorflow",
    ".msgpack": "jax",  # Flax checkpoints: JAX weights, as the Hub's `flax` tag says
    ".npz": "numpy",
    ".npy": "numpy",
    ".mlmodel": "coreml",
    ".ggml": "ggml",
    ".nemo": "nemo",
}
_CODE_EXT = frozenset({".py", ".ipynb", ".sh", ".rs", ".cpp", ".cc", ".c", ".cu", ".h", ".js"})
_CODE_NAMES = frozenset({"requirements.txt", "dockerfile", "setup.cfg", "pyproject.toml"})
_DOC_EXT = frozenset(
    {".md", ".txt", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".pdf", ".rst", ".html"}
)
_CONFIG_EXT = frozenset({".json", ".yml", ".yaml", ".toml", ".jinja", ".cfg", ".ini"})

# GGUF quant types as llama.cpp names them in file and folder names.
_GGUF_TYPE = re.compile(
    r"(?<![A-Za-z0-9])(I?Q\d(?:_[0-9KSMLXN]+)*|BF16|F16|F32|FP16|FP32|TQ\d_\d)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_UNQUANTIZED_GGUF = frozenset({"BF16", "F16", "F32", "FP16", "FP32"})
# Quantization words in a repo name or tag (a weak signal: it only settles the relation of a
# repo that already joined on evidence, never membership).
_QUANT_WORDS = re.compile(
    r"(?<![a-z0-9])(gptq|awq|exl2|bnb|nf4|fp8|int4|int8|w4a16|w8a8|[2-8]bit|[2-8]-bit|"
    r"\d(?:\.\d+)?bpw|hqq|aqlm|quanto|marlin|q[2-8](?:_k)?(?:_[sml])?)(?![a-z0-9])"
)
_QUANT_TAGS = frozenset(
    {"gptq", "awq", "exl2", "4-bit", "8-bit", "bitsandbytes", "fp8", "compressed-tensors", "hqq"}
)
_QUANT_METHODS = frozenset(
    {
        "gptq",
        "awq",
        "exl2",
        "bitsandbytes",
        "fp8",
        "compressed-tensors",
        "hqq",
        "aqlm",
        "quanto",
        "eetq",
        "marlin",
        "torchao",
        "fbgemm_fp8",
        "bitnet",
        "mxfp4",
    }
)


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def file_kind(path: str) -> FileKind:
    """What one file is, by its path: weights, adapter, tokenizer, config, code or doc."""
    name = path.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower in _ADAPTER_NAMES:
        return "adapter"
    if lower in _TOKENIZER_NAMES or lower.endswith(".tiktoken"):
        return "tokenizer"
    if _NOT_WEIGHTS.search(path):
        return "other"
    if _GGUF.search(lower) or _JAX_CKPT.search(path) or _suffix(lower) in _WEIGHT_EXT:
        return "weights"
    if lower in _CODE_NAMES or _suffix(lower) in _CODE_EXT:
        return "code"
    if lower.startswith(("license", "notice", "readme")) or lower.startswith(".git"):
        return "doc"
    if _suffix(lower) in _CONFIG_EXT:
        return "config"
    if _suffix(lower) in _DOC_EXT:
        return "doc"
    return "other"


def weight_format(path: str) -> str:
    """The format of one weight file ("gguf", "safetensors", "pytorch", "jax", ...)."""
    lower = path.lower()
    if _GGUF.search(lower):
        return "gguf"
    if _JAX_CKPT.search(path):
        return "jax"
    return _WEIGHT_EXT.get(_suffix(lower), "other")


def file_identity(f: FileRecord) -> str | None:
    """A content identity: the LFS sha256, else the git blob id (small files are not in LFS)."""
    return f.sha256 or f.blob_id or None


@dataclass(frozen=True)
class Content:
    """A repo's files sorted by kind. `hashed` says whether identities were available."""

    weights: tuple[FileRecord, ...]
    adapter: tuple[FileRecord, ...]
    tokenizer: tuple[FileRecord, ...]
    config: tuple[FileRecord, ...]
    code: tuple[FileRecord, ...]
    known: bool  # False when the file list was not seen at all
    hashed: bool  # True when the listed weight/tokenizer files carry identities

    @property
    def weight_formats(self) -> tuple[str, ...]:
        return tuple(sorted({weight_format(f.path) for f in self.weights}))

    def has(self, name: str) -> bool:
        return any(f.path.rsplit("/", 1)[-1].lower() == name for f in self.config + self.adapter)

    @property
    def weights_in_branches(self) -> bool:
        """An EXL2 quantization's main branch: exllamav2's measurement.json and no weights,
        the quantized weights in one branch per bit rate (hub-facts.md)."""
        return not self.weights and self.has("measurement.json")

    def ids(self, kind: Literal["weights", "tokenizer"]) -> frozenset[str]:
        files = self.weights if kind == "weights" else self.tokenizer
        return frozenset(i for i in map(file_identity, files) if i)


def content_of(files: Iterable[FileRecord] | None) -> Content:
    """Sort a file list by kind; `files=None` (not listed) gives an unknown, empty Content."""
    if isinstance(files, tuple):
        return _content_of_tuple(files)  # records keep theirs in a tuple: sorted once
    return _content_of(files)


@lru_cache(maxsize=8192)
def _content_of_tuple(files: tuple[FileRecord, ...]) -> Content:
    return _content_of(files)


def _content_of(files: Iterable[FileRecord] | None) -> Content:
    if files is None:
        return Content((), (), (), (), (), known=False, hashed=False)
    buckets: dict[str, list[FileRecord]] = {k: [] for k in ("weights", "adapter", "tokenizer")}
    buckets.update(config=[], code=[])
    for f in files:
        kind = file_kind(f.path)
        if kind in buckets:
            buckets[kind].append(f)
    hashed = any(file_identity(f) for f in buckets["weights"] + buckets["tokenizer"])
    return Content(
        tuple(buckets["weights"]),
        tuple(buckets["adapter"]),
        tuple(buckets["tokenizer"]),
        tuple(buckets["config"]),
        tuple(buckets["code"]),
        known=True,
        hashed=hashed,
    )


def could_derive(files: Iterable[FileRecord] | None) -> bool:
    """Whether a repo holds what a derivative could hold: weights, a tokenizer, an adapter,
    code, or an EXL2 quantization's measurement (or its files are not known). A chat-UI
    preset, a prompt collection or a config-only repo that links a model is not derived
    from it."""
    content = content_of(files)
    if not content.known:
        return True
    return bool(
        content.weights
        or content.tokenizer
        or content.adapter
        or content.code
        or content.weights_in_branches
    )


def gguf_quant_types(files: Iterable[FileRecord]) -> set[str]:
    """llama.cpp quant types named in GGUF file or folder names (Q4_K_M, IQ2_XS, F16...)."""
    found: set[str] = set()
    for f in files:
        if weight_format(f.path) == "gguf":
            found.update(m.upper() for m in _GGUF_TYPE.findall(f.path))
    return found


def effective_parameters(record: RepoRecord) -> int:
    """The model's parameter count as well as listing data tells it (0 if unknown).

    GGUF `total` is the true count. A safetensors summary counts stored elements, so packed
    low-bit weights (GPTQ/AWQ in I32, MLX in U32, bitsandbytes in U8) are scaled back to
    parameters: 4 bits each unless the listing's config says how many (`bits`).
    """
    gguf = record.gguf or {}
    total = gguf.get("total") if isinstance(gguf, Mapping) else None
    if isinstance(total, int) and total > 0:
        return total
    st = record.safetensors or {}
    params = st.get("parameters") if isinstance(st, Mapping) else None
    if isinstance(params, Mapping) and params:
        factor: dict[str, float] = dict(PACKED)
        bits = _quantized_bits(record.extra.get(CONFIG))
        if bits:
            factor.update({"I32": 32 / bits, "U32": 32 / bits})
        n = sum(v * factor.get(str(k).upper(), 1) for k, v in params.items() if _int(v))
        if n > 0:
            return int(n)
    total = st.get("total") if isinstance(st, Mapping) else None
    if _int(total):
        return total
    return max(record.parameters, 0)


# elements per stored value of the dtypes that pack low-bit weights, at 4 bits a weight (the
# default of GPTQ, AWQ and mlx_lm.convert): a 314B model's 4-bit MLX copy lists about 39B U32
PACKED = {"I32": 8, "U32": 8, "U8": 2}


def _quantized_bits(config: object) -> int:
    """Bits per weight a config's quantization section states (MLX `quantization`, or
    `quantization_config`), 0 when none or an odd value."""
    if not isinstance(config, Mapping):
        return 0
    for name in ("quantization", "quantization_config"):
        section = config.get(name)
        bits = section.get("bits") if isinstance(section, Mapping) else None
        if _int(bits) and bits in (2, 3, 4, 5, 6, 8):
            return bits
    return 0


def _int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def quantization_signals(record: RepoRecord, content: Content) -> tuple[list[str], list[str]]:
    """Why a repo looks quantized: (strong reasons from files/config, weak ones from names).

    Strong: GGUF files with a quant type, a config `quantization_config.quant_method`, EXL2
    measurement.json or GPTQ quantize_config.json, FP8/packed tensors in the safetensors
    summary, MLX weights with `bits` in config. Weak: words in the repo name or tags.
    """
    strong: list[str] = []
    types = gguf_quant_types(content.weights)
    if any(weight_format(f.path) == "gguf" for f in content.weights):
        quant = sorted(types - _UNQUANTIZED_GGUF)
        if quant or not types:
            shown = ", ".join(quant[:4]) if quant else "quantized"
            strong.append(f"GGUF weights ({shown})")
    config = record.extra.get(CONFIG)
    qc = config.get("quantization_config") if isinstance(config, Mapping) else None
    if isinstance(qc, Mapping):
        method = str(qc.get("quant_method") or "").lower()
        if method in _QUANT_METHODS or qc.get("bits") or qc.get("load_in_4bit"):
            strong.append(f"config quantization_config ({method or 'bits ' + str(qc.get('bits'))})")
    if content.has("measurement.json"):
        strong.append("EXL2 measurement.json")
    if content.has("quantize_config.json") or content.has("quant_config.json"):
        strong.append("GPTQ/AWQ quantize_config.json")
    st = record.safetensors or {}
    dtypes = st.get("parameters") if isinstance(st, Mapping) else None
    if isinstance(dtypes, Mapping) and dtypes:
        names = {str(k).upper() for k, v in dtypes.items() if _int(v)}
        big = max(dtypes.items(), key=lambda kv: kv[1] if _int(kv[1]) else 0)[0]
        if any(n.startswith("F8") for n in names):
            strong.append("FP8 tensors in safetensors")
        elif str(big).upper() in {"I32", "U8", "I8", "U32"}:
            strong.append(f"packed {str(big).upper()} tensors in safetensors")
    if isinstance(config, Mapping) and ("mlx" in record.tags or record.extra.get(LIBRARY) == "mlx"):
        q = config.get("quantization")
        if isinstance(q, Mapping) and q.get("bits"):
            strong.append(f"MLX {q.get('bits')}-bit weights")
    # the Hub derives these tags from config.json's quantization_config
    for tag in record.tags:
        if tag.lower() in _QUANT_TAGS:
            strong.append(f"Hub tag {tag}")
    weak: list[str] = []
    name = record.repo_id.rsplit("/", 1)[-1].lower()
    for word in sorted(set(_QUANT_WORDS.findall(name))):
        weak.append(f"name says {word}")
    return strong, weak


def is_unquantized_gguf(content: Content) -> bool:
    """GGUF files whose names say F16/BF16/F32 only: a format conversion, not quantization."""
    types = gguf_quant_types(content.weights)
    has_gguf = any(weight_format(f.path) == "gguf" for f in content.weights)
    return has_gguf and bool(types) and types <= _UNQUANTIZED_GGUF


# --- safe parsing of the few texts we read -------------------------------------------------

_MAX_TEXT = 1_000_000


def safe_yaml(text: str) -> object:
    """Parse YAML into plain data (dicts, lists, scalars) only, within crawlers/bounded.py's
    limits (aliases, depth, nodes); None on any error or a document over a limit."""
    try:
        return load_yaml(text[:_MAX_TEXT])
    except Exception:  # yaml.YAMLError, TooLarge, RecursionError on hostile nesting
        return None


def parse_card(text: str) -> tuple[dict[str, object], str]:
    """Split a README into (YAML front matter as a dict, body). Bad YAML gives ({}, body)."""
    text = text.lstrip("\ufeff")
    m = re.match(r"^---[ \t]*\r?\n(.*?)(?:\r?\n)---[ \t]*(?:\r?\n|$)", text, re.DOTALL)
    if not m:
        return {}, text
    data = safe_yaml(m.group(1))
    return (data if isinstance(data, dict) else {}), text[m.end() :]


def parse_json_object(raw: bytes | str) -> dict[str, object] | None:
    """A small JSON config as a dict, or None if it is not one."""
    try:
        data = load_json(raw[:_MAX_TEXT])
    except (ValueError, TypeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


# GGUF value types (ggml's gguf.h); only what general.* keys use is decoded, the rest skipped.
_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_GGUF_SCALARS.update({10: "<Q", 11: "<q", 12: "<d"})


_GGUF_MAX_NESTING = 4


def parse_gguf_header(data: bytes, *, max_keys: int = 4096) -> dict[str, object]:
    """The metadata key/values at the start of a GGUF file (a prefix of it is enough).

    Stops quietly where the prefix ends or the data is malformed: a truncated header still
    yields the `general.*` keys, which llama.cpp writes first.
    """
    out: dict[str, object] = {}
    if data[:4] != b"GGUF" or len(data) < 24:
        return out
    pos = 24  # magic, version u32, tensor count u64, kv count u64
    (n_kv,) = struct.unpack_from("<Q", data, 16)

    def read_str(p: int) -> tuple[str, int]:
        (n,) = struct.unpack_from("<Q", data, p)
        if n > 65536 or p + 8 + n > len(data):
            raise ValueError("string out of range")
        return data[p + 8 : p + 8 + n].decode("utf-8", "replace"), p + 8 + n

    def read_value(t: int, p: int, depth: int = 0) -> tuple[object, int]:
        if t in _GGUF_SCALARS:
            fmt = _GGUF_SCALARS[t]
            return struct.unpack_from(fmt, data, p)[0], p + struct.calcsize(fmt)
        if t == 8:
            return read_str(p)
        if t == 9:
            (et, count) = struct.unpack_from("<IQ", data, p)
            p += 12
            # arrays of arrays: a hostile header nests them past any stack (issue 17)
            if depth >= _GGUF_MAX_NESTING or count > len(data):
                raise ValueError("GGUF array out of range")
            items: list[object] = []
            for _ in range(count):
                v, p = read_value(et, p, depth + 1)
                if len(items) < 16:  # keep small arrays only; tokenizer vocabularies are huge
                    items.append(v)
            return items, p
        raise ValueError(f"unknown GGUF type {t}")

    try:
        for _ in range(min(n_kv, max_keys)):
            key, pos = read_str(pos)
            (t,) = struct.unpack_from("<I", data, pos)
            value, pos = read_value(t, pos + 4)
            out[key] = value
    except (struct.error, ValueError):
        pass
    return out
