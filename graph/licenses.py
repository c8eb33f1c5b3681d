"""License ids: turn what a repository declares into one normalized id, and read attribution.

Pure functions, no database and no network. The pipeline calls `normalize_license` on each
`RepoRecord.license_raw` and stores `.id` and `.raw`; the audit (`graph/license_audit.py`)
compares those ids with the rules of each root.

The canonical form, one for the whole product:
- an SPDX id where one exists, spelled in lowercase (`apache-2.0`, `mit`, `cc-by-4.0`). SPDX
  matches license ids case-insensitively, so `apache-2.0` IS the SPDX id Apache-2.0; the
  lowercase spelling is also the Hub's own id for nearly all of them and what config.toml
  uses. `NormalizedLicense.display` gives the SPDX casing for humans.
- else the Hub's own id (`llama3`, `gemma`, `openrail`, `grok-2`, `other`, `unknown`);
- else, for a license the author named themselves, that name as a lowercase slug (`license:
  other` + `license_name: My License` -> `my-license`). Never a guess: nothing declared -> "".
- several licenses (a YAML list, or an expression like `MIT OR Apache-2.0`) -> the sorted,
  de-duplicated ids joined by the SPDX operator: `apache-2.0 OR mit`. A list is read as a
  choice the author offers (dual licensing), as Cargo and npm read it; the audit checks every
  alternative, so the reading only shows in the id. An expression mixing AND and OR is
  flattened to OR of its ids (rare; `raw` keeps it as written).
- GitHub's `NOASSERTION` (a license file GitHub could not identify) -> `other`: something is
  declared, we cannot say what. The Hub's `unknown` stays `unknown`.
- Every variant of the xAI / Grok 2 community license (`xai-community-license`, "xAI Community
  License Agreement", "Grok 2 Community License", a license_link to xai-org/grok-2's LICENSE)
  -> `grok-2`, the Hub's id.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# The keys a crawler may put into RepoRecord.license_raw, in the order they are trusted: the
# card's own `license` first, then the Hub's `license:` tag (derived from the card), then
# GitHub's detection. `license_name` / `license_link` refine an `other`.
RAW_KEYS: tuple[str, ...] = ("license", "license_name", "license_link", "tag", "spdx_id")
MAX_ID_LENGTH = 100  # the width of nodes.license; `raw` keeps the full declaration
_MAX_RAW_LENGTH = 500  # a license_name is free text; keep a pathological one bounded
_MAX_RAW_ITEMS = 20

GROK_2 = "grok-2"
OTHER = "other"
UNKNOWN = "unknown"

# The Hub's license ids (huggingface.co/docs/hub/repositories-licenses) and the SPDX ids
# GitHub reports, in canonical form -> SPDX spelling (None: no SPDX id, the Hub's id is kept).
_KNOWN: dict[str, str | None] = {
    "apache-2.0": "Apache-2.0", "apache-1.1": "Apache-1.1", "mit": "MIT", "mit-0": "MIT-0",
    "afl-3.0": "AFL-3.0", "artistic-2.0": "Artistic-2.0", "bsl-1.0": "BSL-1.0",
    "bsd": None, "0bsd": "0BSD", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
    "bsd-3-clause-clear": "BSD-3-Clause-Clear", "bsd-4-clause": "BSD-4-Clause",
    "c-uda-1.0": "C-UDA-1.0", "cc": None, "cc0-1.0": "CC0-1.0",
    "cc-by-2.0": "CC-BY-2.0", "cc-by-2.5": "CC-BY-2.5", "cc-by-3.0": "CC-BY-3.0",
    "cc-by-4.0": "CC-BY-4.0", "cc-by-sa-3.0": "CC-BY-SA-3.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc-by-nc-2.0": "CC-BY-NC-2.0", "cc-by-nc-3.0": "CC-BY-NC-3.0",
    "cc-by-nc-4.0": "CC-BY-NC-4.0", "cc-by-nd-4.0": "CC-BY-ND-4.0",
    "cc-by-nc-nd-3.0": "CC-BY-NC-ND-3.0", "cc-by-nc-nd-4.0": "CC-BY-NC-ND-4.0",
    "cc-by-nc-sa-2.0": "CC-BY-NC-SA-2.0", "cc-by-nc-sa-3.0": "CC-BY-NC-SA-3.0",
    "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0", "cdla-sharing-1.0": "CDLA-Sharing-1.0",
    "cdla-permissive-1.0": "CDLA-Permissive-1.0", "cdla-permissive-2.0": "CDLA-Permissive-2.0",
    "wtfpl": "WTFPL", "ecl-2.0": "ECL-2.0", "epl-1.0": "EPL-1.0", "epl-2.0": "EPL-2.0",
    "etalab-2.0": "etalab-2.0", "eupl-1.1": "EUPL-1.1", "eupl-1.2": "EUPL-1.2",
    "agpl-3.0": "AGPL-3.0", "agpl-3.0-or-later": "AGPL-3.0-or-later", "gfdl": None,
    "gpl": None, "gpl-2.0": "GPL-2.0", "gpl-2.0-or-later": "GPL-2.0-or-later",
    "gpl-3.0": "GPL-3.0", "gpl-3.0-or-later": "GPL-3.0-or-later", "lgpl": None,
    "lgpl-2.1": "LGPL-2.1", "lgpl-2.1-or-later": "LGPL-2.1-or-later", "lgpl-3.0": "LGPL-3.0",
    "lgpl-3.0-or-later": "LGPL-3.0-or-later", "lgpllr": "LGPLLR", "isc": "ISC",
    "lppl-1.3c": "LPPL-1.3c", "ms-pl": "MS-PL", "ms-rl": "MS-RL", "mpl-2.0": "MPL-2.0",
    "odc-by-1.0": "ODC-By-1.0", "odbl-1.0": "ODbL-1.0", "osl-3.0": "OSL-3.0",
    "postgresql": "PostgreSQL", "ofl-1.1": "OFL-1.1", "ncsa": "NCSA", "unlicense": "Unlicense",
    "upl-1.0": "UPL-1.0", "zlib": "Zlib", "pddl-1.0": "PDDL-1.0",
    "creativeml-openrail-m": "CreativeML-OpenRAIL-M", "openrail": None, "openrail++": None,
    "bigscience-openrail-m": None, "bigscience-bloom-rail-1.0": None,
    "bigcode-openrail-m": None, "openmdw-1.0": None, "h-research": None,
    "intel-research": None, "apple-ascl": None, "apple-amlr": None,
    "deepfloyd-if-license": None, "fair-noncommercial-research-license": None,
    "llama2": None, "llama3": None, "llama3.1": None, "llama3.2": None, "llama3.3": None,
    "llama4": None, "gemma": None, GROK_2: None, OTHER: None, UNKNOWN: None,
}  # fmt: skip

# Other spellings of the same license, as slugs (see `_slug`) -> canonical id. The Hub's ids
# that differ from SPDX beyond case map to the SPDX id; SPDX's `-only` forms to the plain id
# the Hub and GitHub use; common free-text names to the id they name.
_ALIASES: dict[str, str] = {
    "odbl": "odbl-1.0", "odc-by": "odc-by-1.0", "pddl": "pddl-1.0", "c-uda": "c-uda-1.0",
    "lgpl-lr": "lgpllr", "gpl-2.0-only": "gpl-2.0", "gpl-3.0-only": "gpl-3.0",
    "lgpl-2.1-only": "lgpl-2.1", "lgpl-3.0-only": "lgpl-3.0", "agpl-3.0-only": "agpl-3.0",
    "apache2": "apache-2.0", "apache-2": "apache-2.0", "apache2.0": "apache-2.0",
    "apache-v2": "apache-2.0", "apache-v2.0": "apache-2.0", "apache-license-2.0": "apache-2.0",
    "apache-license-v2.0": "apache-2.0", "apache-license-version-2.0": "apache-2.0",
    "the-apache-license-version-2.0": "apache-2.0", "apache-2.0-license": "apache-2.0",
    "mit-license": "mit", "the-mit-license": "mit", "expat": "mit", "cc0": "cc0-1.0",
    "llama-2": "llama2", "llama-3": "llama3", "llama-3.1": "llama3.1", "llama-3.2": "llama3.2",
    "llama-3.3": "llama3.3", "llama-4": "llama4",
}  # fmt: skip

# Where a license_link identifies the text itself (only consulted for an unnamed `other`).
_LINKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"xai-org/grok-2[\w.-]*/.*licen[cs]e", re.I), GROK_2),
    (re.compile(r"x\.ai/.*community", re.I), GROK_2),
    (re.compile(r"apache\.org/licenses/license-2\.0", re.I), "apache-2.0"),
    (re.compile(r"opensource\.org/licenses/mit\b", re.I), "mit"),
)

_NON_ID = re.compile(r"[^\w.+-]|_")
_DASHES = re.compile(r"-{2,}")
_GROK_2_WORD = re.compile(r"(?:^|-)grok-?2(?:\.\d+)?(?:$|-)")
_OTHER_GROK = re.compile(r"(?:^|-)grok-?(?:[013-9]|\d\d)")
_XAI_WORD = re.compile(r"(?:^|-)xai(?:$|-)")
_TERMS_WORD = re.compile(r"licen[cs]e|community|agreement|terms")
_SEPARATORS = re.compile(r"\s+(or|and)\s+|\s*[/,;|]\s*", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class NormalizedLicense:
    """One repository's license: `id` in canonical form ("" = none declared), `raw` as declared.

    `raw` holds only the known keys (`RAW_KEYS`) with empty values, junk types and control
    characters dropped, strings trimmed: fit for a JSON column. `display` is the SPDX spelling
    (`Apache-2.0`) where one exists, else `id`.
    """

    id: str
    raw: dict[str, object] = field(default_factory=dict)
    display: str = ""

    @property
    def declared(self) -> bool:
        return bool(self.id)


def normalize_license(raw: Mapping[str, object] | None) -> NormalizedLicense:
    """Normalize what a crawler found (`RepoRecord.license_raw`); never raises on odd input."""
    clean = clean_raw(raw)
    ids = _ids_from(clean)
    license_id = _combine(ids, "OR" if _operator(clean) != "AND" else "AND")
    return NormalizedLicense(license_id, clean, display_name(license_id))


def normalize_license_id(value: object) -> str:
    """Normalize one license id or expression as written by a person (config, rules file).

    Idempotent: `normalize_license_id(x) == x` for every id this module produces.
    """
    if isinstance(value, str):
        return _normalized_id(value)
    return normalize_license({"license": value}).id


@functools.lru_cache(maxsize=4096)
def _normalized_id(value: str) -> str:
    # an audit asks once per member, and a family of 10,000 holds a handful of licenses
    return normalize_license({"license": value}).id


def license_components(license_id: str) -> tuple[str, ...]:
    """The ids inside a canonical id: `apache-2.0 OR mit` -> ("apache-2.0", "mit")."""
    return tuple(p for p in license_id.split(" ") if p and p not in ("OR", "AND"))


def display_name(license_id: str) -> str:
    """The SPDX spelling of a canonical id (`Apache-2.0 OR MIT`); the id itself otherwise."""
    return " ".join(_KNOWN.get(p) or p for p in license_id.split(" ")) if license_id else ""


def is_known(license_id: str) -> bool:
    """True for an id of the Hub's list or SPDX's; False for a name an author made up."""
    return license_id in _KNOWN


# --- raw cleaning ----------------------------------------------------------------------------


def clean_raw(raw: Mapping[str, object] | None) -> dict[str, object]:
    """Keep the known keys with usable values: strings, numbers as strings, lists of those."""
    if not isinstance(raw, Mapping):
        return {}
    clean: dict[str, object] = {}
    for key in RAW_KEYS:
        value = raw.get(key)
        if isinstance(value, list | tuple | set | frozenset):
            items = [s for s in map(_clean_scalar, list(value)[:_MAX_RAW_ITEMS]) if s]
            if items:
                clean[key] = items
        else:
            text = _clean_scalar(value)
            if text:
                clean[key] = text
    return clean


def _clean_scalar(value: object) -> str:
    # bool first: YAML `license: no` is False, which is no declaration at all.
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        return ""  # a mapping or an object in a license field: junk, not a declaration
    return _CONTROL.sub("", value).strip()[:_MAX_RAW_LENGTH]


# --- ids -------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    """Lowercase, with spaces, `_` and punctuation other than `.` `+` `-` turned into `-`."""
    slug = _NON_ID.sub("-", text.strip().casefold())
    return _DASHES.sub("-", slug).strip("-.")


def _is_xai_community(slug: str) -> bool:
    """The xAI / Grok 2 community license under any of its names (renamed in 2025-11)."""
    if _OTHER_GROK.search(slug) and not _GROK_2_WORD.search(slug):
        return False  # "grok-1 license", "xai grok 3 terms": not this license
    if _GROK_2_WORD.search(slug):
        named = slug in ("grok-2", "grok2") or _XAI_WORD.search(slug)
        return bool(named or _TERMS_WORD.search(slug))
    return bool(_XAI_WORD.search(slug) and _TERMS_WORD.search(slug))


def _canonical(text: str) -> str:
    """One id from one token or name; unknown names are kept as their slug."""
    text = text.strip()
    if text[:8].casefold() == "license:":  # a Hub tag passed whole
        text = text[8:]
    slug = _slug(text)
    if slug in _KNOWN:
        return slug
    if slug in _ALIASES:
        return _ALIASES[slug]
    if slug == "noassertion":
        return OTHER
    if slug and _is_xai_community(slug):
        return GROK_2
    return slug


def _tokens(text: str) -> list[str]:
    """Split `MIT OR Apache-2.0`, `mit/apache-2.0`, `mit, apache-2.0` into ids.

    A free-text name ("Apache License, Version 2.0") is split only where every part is an id
    on its own, so a comma in a license's name does not make two licenses of it.
    """
    text = text.strip()
    whole = _canonical(text)
    if is_known(whole) or whole == GROK_2 or not _SEPARATORS.search(text):
        return [whole] if whole else []
    parts = [p.strip(" ()") for p in _SEPARATORS.split(text)[::2]]  # [part, operator, part..]
    parts = [p for p in parts if p]
    if len(parts) > 1 and all(not re.search(r"\s", p) or is_known(_canonical(p)) for p in parts):
        return [c for c in map(_canonical, parts) if c]
    return [whole] if whole else []


def _operator(clean: Mapping[str, object]) -> str:
    """`AND` only when the declaring string says so; lists and `OR` and `/` mean a choice."""
    for key in ("license", "tag", "spdx_id"):
        value = clean.get(key)
        if isinstance(value, str):
            ops = {m.group(1).upper() for m in _SEPARATORS.finditer(value) if m.group(1)}
            return "AND" if ops == {"AND"} else "OR"
        if value:
            return "OR"
    return "OR"


def _values(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [value] if isinstance(value, str) else []


def _refine_other(clean: Mapping[str, object]) -> str:
    """What an `other` (or NOASSERTION) is, from license_name and license_link; else `other`."""
    names = [c for n in _values(clean.get("license_name")) for c in [_canonical(n)] if c]
    named = [n for n in names if n not in (OTHER, UNKNOWN)]
    if any(is_known(n) for n in named):
        return next(n for n in named if is_known(n))
    for link in _values(clean.get("license_link")):
        for pattern, license_id in _LINKS:
            if pattern.search(link):
                return license_id
    return named[0] if named else OTHER


def _ids_from(clean: Mapping[str, object]) -> list[str]:
    for key in ("license", "tag", "spdx_id"):
        ids = [t for v in _values(clean.get(key)) for t in _tokens(v)]
        if ids:
            return [_refine_other(clean) if i == OTHER else i for i in ids]
    if clean.get("license_name") or clean.get("license_link"):
        # A name or link with no `license:` key still declares a license (the Hub would have
        # wanted `license: other` next to it).
        return [_refine_other(clean)]
    return []


def _combine(ids: list[str], operator: str) -> str:
    parts = sorted(set(ids))
    if len(parts) > 1 and OTHER in parts:
        # "other" beside named licenses adds nothing the names do not already say.
        parts.remove(OTHER)
    joiner = f" {operator} "
    # Bounded by the nodes.license column; whole ids are dropped from the end (the full
    # declaration stays in `raw`). Eight or more licenses on one repo: not seen in practice.
    while len(parts) > 1 and len(joiner.join(parts)) > MAX_ID_LENGTH:
        parts.pop()
    return joiner.join(parts)[:MAX_ID_LENGTH].rstrip("-.")


# --- attribution -----------------------------------------------------------------------------

DEFAULT_ATTRIBUTION = "Powered by xAI"
_FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n.*?\n---\s*(?:\n|\Z)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# Bounded repeats: a card is untrusted text, and `[[[[...` must not cost quadratic time.
_MD_LINK = re.compile(r"!?\[([^\]\n]{0,300})\]\([^)\n]{0,2000}\)")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,2000}>")
_EMPHASIS = re.compile(r"[*_~`#>|]+")
_SPACE = re.compile(r"\s+")


def _visible_text(card_text: str) -> str:
    """Roughly what a reader sees: no YAML header, no HTML comments, no markup."""
    text = _FRONT_MATTER.sub("", card_text)
    text = _HTML_COMMENT.sub(" ", text)
    text = _MD_LINK.sub(r" \1 ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _EMPHASIS.sub(" ", text)
    return _SPACE.sub(" ", text).casefold()


def shows_attribution(card_text: str | None, phrase: str = DEFAULT_ATTRIBUTION) -> bool | None:
    """Whether a card displays `phrase` (case-insensitive, through markdown and HTML markup).

    None when the card was not read (`card_text is None`): unknown, not absent. A phrase only
    in the YAML header or an HTML comment is not displayed, so it does not count.
    """
    if card_text is None:
        return None
    wanted = _SPACE.sub(" ", _EMPHASIS.sub(" ", phrase)).strip().casefold()
    if not wanted:
        return True
    return re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", _visible_text(card_text)) is not None
