"""ModelScope's JSON as our records (pure): envelopes, listing pages, models, file lists.

The two API surfaces name things differently: the OpenAPI routes answer
`{"success", "data": {...snake_case}}`, the legacy `/api/v1` routes `{"Code", "Success",
"Data": {...PascalCase}}`, and both may say "failed" with HTTP 200. `parse_model` reads either
naming (the SDK's own alias table) into a `RepoRecord`; a wrong type is a `CrawlWarning`,
never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from crawlers._rest import answered_identity, as_int, count_field, parse_time, text
from crawlers.base import CrawlWarning, FileRecord, RepoRecord, is_valid_repo_id, node_key

HUB: Final = "modelscope"
FILES_CAP = 3000  # `repo/files` cuts a listing here without saying so
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_NOT_FOUND = re.compile(r"不存在|not exist|not found|notfound|resourcenotfound", re.IGNORECASE)
_ITEM_KEYS = ("models", "Models", "items", "list", "data", "results")
_ALIASES = {
    "Id": "id",
    "Path": "owner",
    "Owner": "owner",
    "Name": "name",
    "License": "license",
    "Downloads": "downloads",
    "Likes": "likes",
    "Stars": "likes",
    "CreatedAt": "created_at",
    "CreatedTime": "created_at",
    "UpdatedAt": "last_modified",
    "LastModified": "last_modified",
    "LastUpdatedTime": "last_modified",
    "updated_at": "last_modified",
    "Tags": "tags",
    "ChineseName": "display_name",
    "Tasks": "tasks",
}


def unwrap(body: object) -> object:
    """The payload inside either envelope (`data` / `Data`)."""
    if isinstance(body, Mapping):
        for k in ("data", "Data"):
            if k in body:
                return body[k]
    return body


def failure(body: object) -> str | None:
    """The message of an envelope that says the call failed (HTTP 200 notwithstanding)."""
    if not isinstance(body, Mapping):
        return None
    flag = body.get("success", body.get("Success"))
    if flag is False:
        msg = body.get("message") or body.get("Message") or body.get("code") or body.get("Code")
        return str(msg)[:200] if msg is not None else "unsuccessful"
    return None


def _normalize(item: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in item.items():
        out.setdefault(_ALIASES.get(k, k), v)
    return out


def _model_id(m: Mapping[str, Any]) -> object:
    mid = m.get("id")
    if isinstance(mid, str) and "/" in mid:
        return mid
    owner, name = m.get("owner"), m.get("name")
    if isinstance(owner, str) and isinstance(name, str):
        return f"{owner}/{name}"
    return mid


def listing_items(payload: object) -> list[object]:
    """The models of one listing page, under whichever key this server version uses."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, Mapping):
        for k in _ITEM_KEYS:
            items = payload.get(k)
            if isinstance(items, list):
                return items
    return []


def says_not_found(body: object) -> bool:
    """An envelope answering "no such model" (the legacy routes do so with HTTP 200)."""
    message = failure(body)
    return bool(message and _NOT_FOUND.search(message))


def parse_model(
    item: object, *, web: str, asked: str | None = None
) -> tuple[RepoRecord | None, list[CrawlWarning]]:
    """A RepoRecord from a listing item or a detail payload (either naming convention).

    `asked`: the id looked up (a different id in the answer means renamed). Wrong types are
    warnings, never a crash; strings are bounded.
    """
    where = node_key(HUB, asked) if asked else None
    if not isinstance(item, Mapping):
        return None, [CrawlWarning(f"model entry is {type(item).__name__}, not an object", where)]
    m = _normalize(item)
    mid = _model_id(m)
    if not is_valid_repo_id(mid):
        return None, [CrawlWarning(f"model entry with id {repr(mid)[:120]}: not a repo id", where)]
    assert isinstance(mid, str)
    repo_id, renamed_from, status = answered_identity(mid, asked)
    key = node_key(HUB, repo_id)
    warnings: list[CrawlWarning] = []

    def time_of(name: str) -> datetime | None:
        value = m.get(name)
        when = parse_time(value)
        if when is None and value not in (None, ""):
            warnings.append(CrawlWarning(f"{name} {repr(value)[:40]} is not a date", key))
        return when

    license_raw: dict[str, object] = {}
    lic = m.get("license")
    if isinstance(lic, str) and lic.strip():
        license_raw["license"] = text(lic.strip(), 200)
    elif lic not in (None, ""):
        warnings.append(CrawlWarning(f"license is {type(lic).__name__}: ignored", key))
    tags = m.get("tags")
    tag_list = (
        tuple(t[:200] for t in tags if isinstance(t, str))[:100] if isinstance(tags, list) else ()
    )
    tasks = m.get("tasks")
    extra: dict[str, object] = {}
    if isinstance(m.get("display_name"), str):
        extra["display_name"] = text(m["display_name"], 300)
    if isinstance(tasks, list):
        extra["tasks"] = [t[:100] for t in tasks if isinstance(t, str)][:20]
    gated = m.get("gated") is True
    if gated and status == "active":
        status = "gated"
    record = RepoRecord(
        hub=HUB,
        repo_id=repo_id,
        url=f"{web}/models/{repo_id}",
        status=status,
        created_at=time_of("created_at"),
        last_modified=time_of("last_modified"),
        downloads=count_field(m, "downloads", key, warnings),
        likes=count_field(m, "likes", key, warnings),
        gated=gated,
        license_raw=license_raw,
        tags=tag_list,
        extra=extra,
        renamed_from=renamed_from,
    )
    return record, warnings


def parse_files(body: object, rid: str) -> tuple[tuple[FileRecord, ...] | None, list[CrawlWarning]]:
    """The files of a `repo/files` answer (directories skipped; sha256 when it is one)."""
    key = node_key(HUB, rid)
    data = unwrap(body)
    if isinstance(data, Mapping):
        data = data.get("Files", data.get("files"))
    if not isinstance(data, list):
        return None, [CrawlWarning(f"file listing of {rid}: not a list", key)]
    files: list[FileRecord] = []
    bad = 0
    for entry in data:
        if not isinstance(entry, Mapping):
            bad += 1
            continue
        if (entry.get("Type") or entry.get("type")) == "tree":
            continue
        path = entry.get("Path") or entry.get("path") or entry.get("Name")
        if not isinstance(path, str) or not path or len(path) > 1000:
            bad += 1
            continue
        sha = entry.get("Sha256") or entry.get("sha256")
        files.append(
            FileRecord(
                path=path,
                size=as_int(entry.get("Size", entry.get("size"))) or 0,
                sha256=sha.lower() if isinstance(sha, str) and _SHA256.match(sha) else None,
            )
        )
    warnings = []
    if bad:
        warnings.append(CrawlWarning(f"file listing of {rid}: {bad} unreadable entries", key))
    if len(data) >= FILES_CAP:
        warnings.append(
            CrawlWarning(f"file listing of {rid}: cut at {FILES_CAP} entries by the hub", key)
        )
    return tuple(files), warnings
