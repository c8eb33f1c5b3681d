"""Fake GitHub and ModelScope REST APIs for random worlds (tests/fakes/random_world.py).

`RestHub` answers canned routes: `add(path, body, query=..., **headers)` (a dict or list is
sent as JSON, a string as raw text), matched on the path and the exact query; anything else
gets the hub's 404 body. Every call is counted by path in `calls`. `github_routes(repos)` and
`modelscope_routes(repos)` fill one from plain descriptions of repositories, with the routes the
crawlers use (crawlers/github.py, crawlers/modelscope.py): GitHub's repo, fork pages (100 a
page, `Link` pagination, oldest first), search (non-forks whose name holds the term) and raw
README; ModelScope's OpenAPI search and detail, legacy file listing (with Sha256) and README.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.github_api import repo as gh_repo
from tests.fakes.modelscope_api import item as ms_item

GH_NOT_FOUND = {"message": "Not Found"}
MS_NOT_FOUND = {"Code": 10010205001, "Message": "model not exist", "Success": False}


class RestHub:
    """A threaded HTTP server answering canned routes."""

    def __init__(self, not_found: object) -> None:
        self.not_found = not_found
        self.routes: dict[tuple[str, frozenset], tuple[int, bytes, dict[str, str]]] = {}
        self.calls: Counter[str] = Counter()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, path: str, body: object, *, query: dict | None = None, **headers: str) -> None:
        raw = isinstance(body, str)
        payload = (body if raw else json.dumps(body)).encode()
        kind = "text/plain; charset=utf-8" if raw else "application/json; charset=utf-8"
        key = (path, frozenset((k, str(v)) for k, v in (query or {}).items()))
        self.routes[key] = (200, payload, {"Content-Type": kind, **headers})

    def start(self) -> RestHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                key = (parts.path, frozenset(parse_qsl(parts.query)))
                hub.calls[parts.path] += 1
                status, payload, headers = hub.routes.get(
                    key, (404, json.dumps(hub.not_found).encode(), {})
                )
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v.replace("{base}", hub.url))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> RestHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class GhRepo:
    full_name: str
    parent: str | None = None  # the repo it is a fork of
    readme: str | None = None
    spdx: str | None = "Apache-2.0"
    created_at: str = "2024-03-18T10:00:00Z"


@dataclass
class MsRepo:
    repo_id: str
    files: list[tuple[str, int, str | None]] = field(default_factory=list)  # path, size, sha256
    readme: str | None = None
    license: str = "Apache License 2.0"
    created_at: str = "2025-01-10T08:00:00Z"  # mirrors come after what they copy


def github_routes(repos: list[GhRepo], terms: tuple[str, ...] = ("grok",)) -> RestHub:
    hub = RestHub(GH_NOT_FOUND)
    children: dict[str, list[GhRepo]] = {}
    for r in repos:
        if r.parent:
            children.setdefault(r.parent, []).append(r)

    def body(r: GhRepo, *, full: bool) -> dict:
        out = gh_repo(
            r.full_name,
            forks=len(children.get(r.full_name, ())),
            spdx=r.spdx,
            fork=r.parent is not None,
            created_at=r.created_at,
        )
        if full and r.parent:
            out["parent"] = gh_repo(r.parent, fork=False)
        return out

    for r in repos:
        hub.add(f"/repos/{r.full_name}", body(r, full=True))
        if r.readme is not None:
            hub.add(f"/repos/{r.full_name}/readme", r.readme)
        forks = sorted(children.get(r.full_name, ()), key=lambda f: (f.created_at, f.full_name))
        pages = [forks[i : i + 100] for i in range(0, len(forks), 100)] or [[]]
        for n, page in enumerate(pages, 1):
            query = {"per_page": 100, "sort": "oldest", **({"page": n} if n > 1 else {})}
            link = (
                {
                    "Link": f"<{{base}}/repos/{r.full_name}/forks?per_page=100&sort=oldest"
                    f'&page={n + 1}>; rel="next"'
                }
                if n < len(pages)
                else {}
            )
            hub.add(
                f"/repos/{r.full_name}/forks",
                [body(f, full=False) for f in page],
                query=query,
                **link,
            )
    for term in terms:
        hits = [
            body(r, full=False)
            for r in repos
            if r.parent is None and term.lower() in r.full_name.lower()
        ]
        hub.add(
            "/search/repositories",
            {"total_count": len(hits), "incomplete_results": False, "items": hits},
            query={"q": term, "per_page": 100},
        )
    return hub


def modelscope_routes(repos: list[MsRepo], terms: tuple[str, ...] = ("grok",)) -> RestHub:
    hub = RestHub(MS_NOT_FOUND)
    for term in terms:
        items = [_ms_item(r) for r in repos if term.lower() in r.repo_id.lower()]
        hub.add(
            "/openapi/v1/models",
            {"success": True, "data": {"models": items, "total_count": len(items)}},
            query={"search": term, "page_number": 1, "page_size": 50},
        )
    for r in repos:
        hub.add(f"/openapi/v1/models/{r.repo_id}", {"success": True, "data": _ms_item(r)})
        files = [
            {
                "Name": p.rsplit("/", 1)[-1],
                "Path": p,
                "Type": "blob",
                "Size": size,
                **({"Sha256": sha} if sha else {}),
            }
            for p, size, sha in r.files
        ]
        if r.readme is not None:
            files.append(
                {
                    "Name": "README.md",
                    "Path": "README.md",
                    "Type": "blob",
                    "Size": len(r.readme.encode()),
                }
            )
        hub.add(
            f"/api/v1/models/{r.repo_id}/repo/files",
            {"Code": 200, "Data": {"Files": files}, "Success": True},
            query={"Revision": "master", "Recursive": "True"},
        )
        if r.readme is not None:
            hub.add(
                f"/api/v1/models/{r.repo_id}/repo",
                r.readme,
                query={"Revision": "master", "FilePath": "README.md"},
            )
    return hub


def _ms_item(r: MsRepo) -> dict:
    return ms_item(
        r.repo_id, license=r.license, created_at=r.created_at, last_modified=r.created_at
    )
