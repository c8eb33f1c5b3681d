"""The three Hub reads discovery needs, behind a small protocol (`Reader`).

`crawlers.huggingface.discovery` asks a reader for listing pages, a repo's file tree and the
head of one file; the Hugging Face crawler implements it with its own paging, retries and
counting, and `HfApiReader` implements it with plain huggingface_hub calls (for tests and
scripts), and `record_from_info` maps its listing items (ModelInfo) to RepoRecords.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from crawlers.base import FileRecord, RepoRecord
from crawlers.content import LIBRARY, content_of, weight_format

PAGE = 1000  # the Hub's listing and tree page size


class RepoGone(Exception):
    """The repository is gone (404) or unreadable (gated) where its files were asked for."""


class Unread(Exception):
    """The hub gave no readable answer this time (5xx or cut-off bodies past the retries): the
    repository is not gone, and whatever needed the read is not checked (issue 17)."""


class Reader(Protocol):
    endpoint: str

    def list_models(self, params: Sequence[tuple[str, str]]) -> list[Any]:
        """Every item of `GET /api/models` with these query params (all pages)."""
        ...

    def list_files(self, repo_id: str, revision: str | None) -> list[FileRecord]:
        """Every file of a repo with its hashes; RepoGone if it is not there to list, Unread
        if the hub could not answer it this time."""
        ...

    def read_file(self, repo_id: str, revision: str | None, path: str, limit: int) -> bytes | None:
        """At most `limit` bytes from the head of a file; None if missing or refused, Unread
        if the hub could not answer it this time."""
        ...

    def current_id(self, repo_id: str) -> str | None:
        """The id the hub answers `repo_id` under today (a renamed repo redirects to its new
        id); None if it does not exist, is gated, or could not be read."""
        ...


def record_from_info(info: Any, endpoint: str = "https://huggingface.co") -> RepoRecord:
    """A RepoRecord from a listing item (huggingface_hub ModelInfo): names of files only."""
    card = info.card_data.to_dict() if getattr(info, "card_data", None) is not None else {}
    config = info.config if isinstance(getattr(info, "config", None), dict) else {}
    st = getattr(info, "safetensors", None)
    safetensors = {"parameters": dict(st.parameters or {}), "total": st.total} if st else None
    gguf = info.gguf if isinstance(getattr(info, "gguf", None), dict) else None
    siblings = getattr(info, "siblings", None)
    files = tuple(FileRecord(s.rfilename) for s in siblings) if siblings is not None else None
    archs = arch if isinstance(arch := config.get("architectures"), list) else []
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    formats = sorted({weight_format(f.path) for f in content_of(files).weights}) if files else []
    license_raw = {k: card[k] for k in ("license", "license_name", "license_link") if k in card}
    params = (safetensors or {}).get("total") or (gguf or {}).get("total") or 0
    extra: dict[str, object] = {}
    if getattr(info, "library_name", None):
        extra[LIBRARY] = info.library_name
    return RepoRecord(
        hub="huggingface",
        repo_id=info.id,
        url=f"{endpoint.rstrip('/')}/{info.id}",
        status="gated" if getattr(info, "gated", False) else "active",
        sha=getattr(info, "sha", None),
        created_at=_dt(getattr(info, "created_at", None)),
        last_modified=_dt(getattr(info, "last_modified", None)),
        downloads=int(getattr(info, "downloads", 0) or 0),
        likes=int(getattr(info, "likes", 0) or 0),
        gated=bool(getattr(info, "gated", False)),
        license_raw=license_raw,
        architectures=tuple(a for a in archs if isinstance(a, str)),
        model_type=model_type,
        formats=tuple(formats),
        parameters=int(params) if isinstance(params, int) else 0,
        tags=tuple(t for t in (getattr(info, "tags", None) or ()) if isinstance(t, str)),
        gguf=gguf,
        safetensors=safetensors,
        extra=extra,
        files=files,
    )


def _dt(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


class HfApiReader:
    """A Reader over huggingface_hub's HfApi; counts requests by kind in `requests`."""

    def __init__(self, api: Any, requests: Counter[str] | None = None) -> None:
        self.api = api
        self.endpoint = api.endpoint
        self.requests: Counter[str] = requests if requests is not None else Counter()
        self._lock = threading.Lock()

    def _count(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self.requests[kind] += n

    def list_models(self, params: Sequence[tuple[str, str]]) -> list[Any]:
        kwargs: dict[str, Any] = {}
        for name, value in params:
            if name == "expand":
                kwargs.setdefault("expand", []).append(value)
            else:
                kwargs[name] = value
        items = list(self.api.list_models(**kwargs))
        self._count("listing", max(1, math.ceil(len(items) / PAGE)))
        return items

    def list_files(self, repo_id: str, revision: str | None) -> list[FileRecord]:
        from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

        try:
            entries = list(self.api.list_repo_tree(repo_id, recursive=True, revision=revision))
        except RevisionNotFoundError:
            entries = list(self.api.list_repo_tree(repo_id, recursive=True))
            self._count("tree")
        except RepositoryNotFoundError as exc:  # GatedRepoError included
            self._count("tree")
            raise RepoGone(type(exc).__name__) from exc
        self._count("tree", max(1, math.ceil(len(entries) / PAGE)))
        files = []
        for e in entries:
            if hasattr(e, "blob_id"):  # a RepoFile, not a RepoFolder
                lfs = getattr(e, "lfs", None)
                sha256 = getattr(lfs, "sha256", None) if lfs is not None else None
                files.append(FileRecord(e.path, int(e.size or 0), sha256, e.blob_id))
        return files

    def current_id(self, repo_id: str) -> str | None:
        from huggingface_hub.errors import HfHubHTTPError

        self._count("model_info")
        try:
            return str(self.api.model_info(repo_id).id)
        except HfHubHTTPError:
            return None

    def read_file(self, repo_id: str, revision: str | None, path: str, limit: int) -> bytes | None:
        from huggingface_hub import hf_hub_url
        from huggingface_hub.errors import HfHubHTTPError
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        url = hf_hub_url(repo_id, path, revision=revision, endpoint=self.endpoint)
        headers = build_hf_headers(token=self.api.token or False)
        headers["Range"] = f"bytes=0-{limit - 1}"
        self._count("file")
        try:
            with get_session().stream("GET", url, headers=headers, follow_redirects=True) as r:
                if r.status_code >= 400:
                    r.read()
                hf_raise_for_status(r)
                data = bytearray()
                for chunk in r.iter_bytes():
                    data += chunk
                    if len(data) >= limit:  # a server that ignores Range: stop reading
                        break
                return bytes(data[:limit])
        except HfHubHTTPError:  # EntryNotFound, GatedRepo, gone: nothing to read
            return None
