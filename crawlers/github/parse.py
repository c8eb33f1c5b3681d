"""GitHub's JSON as our records (pure): repo objects, what the ETag store keeps of them, and
what a port says it does.

`project_*` cut a REST answer down to the fields the crawler reads, before it is cached, so a
persisted ETag store stays small. `parse_repo` turns one repo object into a `RepoRecord`
(license `spdx_id`, stars as likes, created and pushed dates, fork parent in `extra`); a wrong
type is a `CrawlWarning`, never a crash. `port_relation` reads whether a port converts weights.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from crawlers._rest import answered_identity, count_field, parse_time, text
from crawlers.base import CrawlWarning, Relation, RepoRecord, is_valid_repo_id, node_key

HUB: Final = "github"
_CONVERTS = re.compile(
    r"\bconver(?:t|ts|ted|ting|sion|ter)\b[^\n.]{0,80}?\b(?:weights?|checkpoints?|ckpt|"
    r"safetensors|gguf|pytorch|torch|hugging\s?face|hf|jax|mlx)\b",
    re.IGNORECASE,
)
_CONVERT_NAME = re.compile(r"conver(t|sion)|[-_]to[-_](hf|pytorch|torch|gguf|safetensors)", re.I)


def project_repo(obj: object) -> object:
    """The fields of a GitHub repo object we read (what the ETag store keeps)."""
    if not isinstance(obj, Mapping):
        return obj
    keep = (
        "full_name",
        "html_url",
        "created_at",
        "pushed_at",
        "stargazers_count",
        "forks_count",
        "default_branch",
        "fork",
        "archived",
    )
    out: dict[str, Any] = {k: obj[k] for k in keep if k in obj}
    if "description" in obj:
        out["description"] = text(obj["description"], 500)
    lic = obj.get("license")
    if isinstance(lic, Mapping):
        out["license"] = {k: lic.get(k) for k in ("spdx_id", "key", "name") if k in lic}
    elif lic is not None:
        out["license"] = lic  # kept as is: the crawler warns about the wrong type
    for rel in ("parent", "source"):
        link = obj.get(rel)
        if isinstance(link, Mapping):
            out[rel] = {"full_name": link.get("full_name")}
    return out


def project_list(body: object) -> object:
    return [project_repo(x) for x in body] if isinstance(body, list) else body


def project_search(body: object) -> object:
    if isinstance(body, Mapping) and isinstance(body.get("items"), list):
        return {"items": [project_repo(x) for x in body["items"]]}
    return body


def parse_repo(
    obj: object, *, web: str, asked: str | None = None, parent: str | None = None
) -> tuple[RepoRecord | None, list[CrawlWarning]]:
    """A RepoRecord from a repo object; wrong types are warnings, never a crash.

    `asked`: the id looked up (a different `full_name` means renamed); `parent`: the repo
    whose fork listing held it.
    """
    where = node_key(HUB, asked) if asked else None
    if not isinstance(obj, Mapping):
        return None, [CrawlWarning(f"repo entry is {type(obj).__name__}, not an object", where)]
    full = obj.get("full_name")
    if not is_valid_repo_id(full):
        shown = repr(full)[:120]
        return None, [CrawlWarning(f"repo entry with full_name {shown}: not a repo id", where)]
    assert isinstance(full, str)
    repo_id, renamed_from, status = answered_identity(full, asked)
    key = node_key(HUB, repo_id)
    warnings: list[CrawlWarning] = []

    def time_of(name: str) -> datetime | None:
        value = obj.get(name)
        when = parse_time(value) if isinstance(value, str) else None
        if when is None and value is not None:
            warnings.append(CrawlWarning(f"{name} {repr(value)[:40]} is not a date", key))
        return when

    license_raw: dict[str, object] = {}
    lic = obj.get("license")
    if isinstance(lic, Mapping):
        spdx = text(lic.get("spdx_id"), 100)
        if spdx:
            license_raw["spdx_id"] = spdx
    elif lic is not None:
        warnings.append(CrawlWarning(f"license is {type(lic).__name__}: ignored", key))
    created, pushed = time_of("created_at"), time_of("pushed_at")
    stars = count_field(obj, "stargazers_count", key, warnings)
    forks = count_field(obj, "forks_count", key, warnings)
    links = {
        rel: link["full_name"]
        for rel in ("parent", "source")
        if isinstance(link := obj.get(rel), Mapping) and is_valid_repo_id(link.get("full_name"))
    }
    if parent:
        links.setdefault("parent", parent)
    extra: dict[str, object] = {
        "stars": stars,
        "forks_count": forks,
        "pushed_at": pushed.isoformat() if pushed else None,
        "default_branch": text(obj.get("default_branch"), 200),
        **links,
    }
    if isinstance(obj.get("description"), str):
        extra["description"] = text(obj["description"], 500)
    if obj.get("archived") is True:
        extra["archived"] = True
    html = obj.get("html_url")
    url = html if isinstance(html, str) and html.startswith("https://") else ""
    record = RepoRecord(
        hub=HUB,
        repo_id=repo_id,
        url=(url[:300] if url and not renamed_from else f"{web}/{repo_id}"),
        status=status,
        created_at=created,
        last_modified=pushed,
        likes=stars,
        license_raw=license_raw,
        extra=extra,
        renamed_from=renamed_from,
    )
    return record, warnings


def port_relation(record: RepoRecord) -> tuple[Relation, str]:
    """`conversion` when the repo says it converts weights, else `other` (a port or kit)."""
    name = record.repo_id.rsplit("/", 1)[-1]
    description = str(record.extra.get("description") or "")
    for where, body in (("description", description), ("README", record.card_text or "")):
        m = _CONVERTS.search(body)
        if m:
            return "conversion", f"{where} says {sentence(body, m.start(), m.end())!r}"
    if _CONVERT_NAME.search(name):
        return "conversion", f"its name {name!r} says it converts"
    return "other", "code that names the release"


def sentence(body: str, start: int, end: int, limit: int = 160) -> str:
    """The sentence around a match, so the evidence quotes something a person can find."""
    left = max(body.rfind(".", 0, start), body.rfind("\n", 0, start)) + 1
    stops = [i for i in (body.find(".", end), body.find("\n", end)) if i != -1]
    right = min(stops) if stops else len(body)
    quote = " ".join(body[left:right].split())
    return quote if len(quote) <= limit else quote[: limit - 1] + "\u2026"
