"""Fake GitHub and ModelScope REST APIs speaking real HTTP on 127.0.0.1 (issue 17).

`FakeRestHub` reuses the fake Hub's HTTP plumbing (tests/fakes/hf_hub.py: keep-alive, faults,
counters) with a table of canned answers instead of a world: `add(path, body, query=...,
**headers)` answers one GET (JSON, or text for a string body), with an ETag and a 304 for a
matching `If-None-Match` when `etags`. Anything not in the table is the hub's 404. Faults are
queued as on the fake Hub (`hub.faults.storm(match, server_error(), every=1)`), so one repo's
calls can fail while the rest answer; `hub.stop()` leaves nothing listening (connection refused).

`small_world(gh, ms, hf_url)` fills both with a little three-hub family: a GitHub port whose
README links a Hugging Face member that only a crawl of the Hub finds, and a ModelScope mirror
sharing that member's weights (the very sha256s the fake Hub serves), beside lookalikes.
"""

from __future__ import annotations

import hashlib
import json

from tests.fakes import grok_world
from tests.fakes.faults import Request, Response
from tests.fakes.github_api import repo as gh_repo
from tests.fakes.hf_hub import FakeHub
from tests.fakes.modelscope_api import item as ms_item

HF_MEMBER = "hpcai-tech/grok-1"  # found on the fake Hub by its declared walk, not a root
GH_ROOT = "xai-org/grok-1"
GH_PORT = "porter/grok-1-pytorch"  # its README links HF_MEMBER
GH_LOOKALIKE = "carol/grok-patterns"
MS_MIRROR = "colossalai/grok-1-pytorch"  # HF_MEMBER's weights
MS_LOOKALIKE = "phi-fan/grok-chat"


class FakeRestHub(FakeHub):
    """Canned REST answers over real HTTP; see the module docstring."""

    def __init__(self, *, etags: bool = False, not_found: object = None) -> None:
        super().__init__()
        self.etags = etags
        self.not_found = not_found if not_found is not None else {"message": "Not Found"}
        self.routes: dict[tuple[str, frozenset], tuple[bytes, dict[str, str]]] = {}

    def add(self, path: str, body: object, *, query: dict | None = None, **headers: str) -> None:
        raw = isinstance(body, str)
        payload = (body if raw else json.dumps(body)).encode()  # type: ignore[union-attr]
        kind = "text/plain; charset=utf-8" if raw else "application/json; charset=utf-8"
        key = (path, frozenset((k, str(v)) for k, v in (query or {}).items()))
        self.routes[key] = (payload, {"Content-Type": kind, **headers})

    def handle(self, request: Request, base_url: str) -> Response:
        query = frozenset((k, v[-1]) for k, v in request.query.items())
        found = self.routes.get((request.path, query))
        if found is None:
            return Response(
                404, json.dumps(self.not_found).encode(), {"Content-Type": "application/json"}
            )
        payload, headers = found
        headers = dict(headers)
        if self.etags:
            etag = '"' + hashlib.sha1(payload).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            if request.headers.get("if-none-match") == etag:
                return Response(304, b"", headers)
        return Response(200, payload, headers)


def calls_to(path_part: str):
    """A fault matcher: requests whose path holds `path_part` (one repo's calls)."""
    return lambda r: path_part in r.path


# --- a small three-hub family ----------------------------------------------------------------


def github_world(gh: FakeRestHub) -> None:
    gh.add(f"/repos/{GH_ROOT}", gh_repo(GH_ROOT, forks=1, stars=49000))
    gh.add(
        f"/repos/{GH_ROOT}/forks",
        [gh_repo("alice/grok-1")],
        query={"per_page": 100, "sort": "oldest"},
    )
    hits = [
        gh_repo(GH_ROOT, fork=False),
        gh_repo(GH_PORT, fork=False, stars=12),
        gh_repo(GH_LOOKALIKE, fork=False, spdx="MIT"),
    ]
    gh.add(
        "/search/repositories",
        {"total_count": 3, "incomplete_results": False, "items": hits},
        query={"q": "grok", "per_page": 100},
    )
    gh.add(f"/repos/{GH_ROOT}/readme", "# Grok-1\n\nJAX example code for the open weights.\n")
    gh.add(
        f"/repos/{GH_PORT}/readme",
        f"# Grok-1 in PyTorch\n\nWeights from https://huggingface.co/{HF_MEMBER}.\n"
        "This script will convert the JAX checkpoint to PyTorch weights.\n",
    )
    gh.add(
        f"/repos/{GH_LOOKALIKE}/readme",
        "# Grok patterns\n\nLogstash grok patterns for nginx and haproxy logs.\n",
    )


def _ms_files(files: list[tuple[str, int, str | None]]) -> dict:
    entries = [
        {
            "Name": p.rsplit("/", 1)[-1],
            "Path": p,
            "Type": "blob",
            "Size": size,
            **({"Sha256": sha} if sha else {}),
        }
        for p, size, sha in files
    ]
    return {"Code": 200, "Data": {"Files": entries}, "Success": True}


def modelscope_world(ms: FakeRestHub) -> None:
    member = grok_world.world_repo(HF_MEMBER)
    mirror = [(p, 4_000_000_000, grok_world.sha(label)) for p, label in member.lfs.items()]
    lookalike = [("model.safetensors", 900_000_000, grok_world.sha("phi-fan/own-weights"))]
    items = [ms_item(MS_MIRROR, license="Apache License 2.0"), ms_item(MS_LOOKALIKE)]
    ms.add(
        "/openapi/v1/models",
        {"success": True, "data": {"models": items, "total_count": 2}},
        query={"search": "grok", "page_number": 1, "page_size": 50},
    )
    for rid, files, card in (
        (MS_MIRROR, mirror, f"# Grok-1 PyTorch\n\nA mirror of {HF_MEMBER} for China.\n"),
        (MS_LOOKALIKE, lookalike, "# grok-chat\n\nA small chat model; the name is a joke.\n"),
    ):
        files = [*files, ("README.md", 120, None)]
        ms.add(f"/openapi/v1/models/{rid}", {"success": True, "data": ms_item(rid)})
        ms.add(
            f"/api/v1/models/{rid}/repo/files",
            _ms_files(files),
            query={"Revision": "master", "Recursive": "True"},
        )
        ms.add(
            f"/api/v1/models/{rid}/repo",
            card,
            query={"Revision": "master", "FilePath": "README.md"},
        )


def new_github() -> FakeRestHub:
    gh = FakeRestHub(etags=True)
    github_world(gh)
    return gh


def new_modelscope() -> FakeRestHub:
    ms = FakeRestHub(
        not_found={"Code": 10010205001, "Message": "model not exist", "Success": False}
    )
    modelscope_world(ms)
    return ms
