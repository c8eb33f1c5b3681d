"""A fake Hugging Face Hub speaking real HTTP on 127.0.0.1, for tests and benchmarks.

It serves a `World` (tests/fakes/hf_world.py) through the routes huggingface_hub 2.4 calls:

- `GET /api/models` with repeated `filter` (AND), `search`, `author`, `expand`/`expand[]`,
  `full`, `cardData`, `config`, `limit`, and cursor pagination through an absolute
  `Link: <...>; rel="next"` header (`page_size` items a page, at most 1000 like the Hub);
- `GET /api/models/{id}[/revision/{rev}]` (model_info, full or `expand`ed, `blobs=true`);
- `GET /api/models/{id}/tree/{rev}[/{path}]` (`recursive`, paginated by `tree_page_size`);
- `POST /api/models/{id}/paths-info/{rev}` (get_paths_info);
- `GET|HEAD /{id}/resolve/{rev}/{path}` (raw files; README.md built from the card);
- `GET /api/agent-harnesses`, `GET /api/whoami-v2`.

Errors carry the Hub's `X-Error-Code` (RepoNotFound 404, RevisionNotFound, EntryNotFound,
GatedRepo 401/403); a bad token gets 401 "Invalid credentials in Authorization header". A
former id answers 307 to the same path under the current id. Every request is counted by kind
(`listing`, `model_info`, `tree`, `paths_info`, `file`, `other`) in `hub.requests`, and logged
in `hub.log`; routes the Hub does not have land in `hub.unexpected`.

Faults (tests/fakes/faults.py): `hub.faults.add(match, *faults)` queues canned misbehaviour
for the requests `match` selects (a kind, a path, a regex or a predicate); each matching
request takes the next one. `Reply` (any status and headers: `rate_limited()`,
`retry_after()`, `server_error()`), `Hang`, `Pause` (hold until released, for a kill at an
exact request), `Reset` (connection reset), `Truncate` (body cut, lying or honest
Content-Length), `Relink` (a `Link` loop), `Unlink` (the `Link` dropped) and `Rebody` (the
real headers with another body). `hub.faults.storm(match, fault, every=2)` repeats
one without end. Hostile worlds (deep chains, YAML bombs, off-host redirects):
tests/fakes/hostile.py.

Use it as a context manager or with start()/stop(); `hub.url` is the endpoint. From another
process: `python -m tests.fakes.hf_hub --family 10000` serves a synthetic family, and
`GET /_fake/stats` / `POST /_fake/reset` read and clear the counters.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

from tests.fakes.faults import (  # noqa: F401 - re-exported for tests
    Fault,
    FaultQueue,
    Hang,
    Matcher,
    Pause,
    Rebody,
    Relink,
    Reply,
    Request,
    Reset,
    Response,
    Truncate,
    Unlink,
    rate_limited,
    retry_after,
    server_error,
)
from tests.fakes.hf_population import Population, serve_sorted
from tests.fakes.hf_wire import (
    Handler,
    Server,
    bearer_token,
    decode_cursor,
    encode_cursor,
    error_response,
    flag,
    json_response,
    listing_response,
    oid,
    one,
    pick,
    redirect,
    sibling,
    split_repo,
)
from tests.fakes.hf_world import (
    GATED_PUBLIC_FILES,
    INFO_ONLY_EXPAND,
    LISTING_DEFAULT,
    LISTING_EXPAND,
    FakeRepo,
    World,
)

MAX_PAGE = 1000
_FULL_ORDER = (
    "modelId author sha lastModified private disabled gated pipeline_tag tags downloads "
    "library_name likes trendingScore cardData config gguf safetensors siblings spaces createdAt"
).split()


# --- the hub ---------------------------------------------------------------------------------


class FakeHub:
    """A threaded HTTP server serving `world`; `tokens` (if set) are the only valid tokens."""

    def __init__(
        self,
        world: World | Iterable[FakeRepo] | None = None,
        *,
        page_size: int = MAX_PAGE,
        tree_page_size: int = MAX_PAGE,
        tokens: Iterable[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        population: Population | None = None,
    ) -> None:
        self.world = world if isinstance(world, World) else World(world or ())
        self.population = population  # light models listed beside the world (the sweep's)
        self.page_size = max(1, min(page_size, MAX_PAGE))  # the Hub never sends more
        self.tree_page_size = max(1, min(tree_page_size, MAX_PAGE))
        self.tokens = set(tokens) if tokens is not None else None
        self.gated_access: dict[str, set[str]] = {}  # repo id -> tokens granted access
        self.faults = FaultQueue()
        self.requests: Counter[str] = Counter()
        self.log: list[tuple[str, str, str, int]] = []  # (kind, method, path?query, status)
        self.unexpected: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeHub:
        handler = type("Handler", (Handler,), {"hub": self})
        # the listen backlog is fixed when the socket starts listening (in the constructor):
        # set it on the class, or a burst of connections from a crawl's worker threads on a
        # busy machine meets the default of 5 and fails with no fault injected
        self._server = Server((self._host, self._port), handler)
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging requests
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the hub first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- counting --------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.log.clear()
            self.unexpected.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": dict(self.requests), "total": self.total}

    def _record(self, request: Request, status: int) -> None:
        query = urlencode(request.query, doseq=True)
        with self._lock:
            self.requests[request.kind] += 1
            self.log.append(
                (request.kind, request.method, request.path + "?" * bool(query) + query, status)
            )

    # --- routing ---------------------------------------------------------------------------

    def handle(self, request: Request, base_url: str) -> Response:
        path = request.path
        if path == "/api/models":
            return self._listing(request, base_url)
        if path.startswith("/api/models/"):
            return self._repo_api(request, base_url)
        if "/resolve/" in path:
            return self._resolve(request)
        if path == "/api/agent-harnesses":
            return json_response({"standardEnvVars": [], "harnesses": {}})
        if path == "/api/whoami-v2":
            token = bearer_token(request)
            if token is None or (self.tokens is not None and token not in self.tokens):
                return error_response(401, None, "Invalid credentials in Authorization header")
            return json_response(
                {"type": "user", "name": "tester", "auth": {"type": "access_token"}}
            )
        with self._lock:
            self.unexpected.append(f"{request.method} {path}")
        return error_response(404, None, f"no route {path}")

    def _listing(self, request: Request, base_url: str) -> Response:
        q = request.query
        expand = q.get("expand", []) + q.get("expand[]", [])
        bad = [e for e in expand if e not in LISTING_EXPAND]
        if bad:
            return error_response(400, "BadRequest", f"Invalid expand value(s) for listing: {bad}")
        size = self.page_size
        if one(q, "limit", "").isdigit():
            size = max(1, min(size, int(q["limit"][0])))
        if one(q, "sort") == "lastModified":  # newest first, keyset cursor
            return self._sorted(q, size, expand, base_url)
        repos: list = self.world.query(q.get("filter", []), one(q, "search"), one(q, "author"))
        if self.population is not None:
            repos += self.population.query(q.get("filter", []), one(q, "search"),
                                           one(q, "author"))
        start = decode_cursor(one(q, "cursor"))
        page = repos[start : start + size]
        if expand:
            fields = expand
        elif flag(q, "full"):
            fields = [k for k in _FULL_ORDER if k not in INFO_ONLY_EXPAND]
        else:
            fields = list(LISTING_DEFAULT)
            fields += ["cardData"] * flag(q, "cardData") + ["config"] * flag(q, "config")
        items = [pick(self._json_of(r), fields) for r in page]
        headers = {}
        if start + size < len(repos):
            rest = {k: v for k, v in q.items() if k != "cursor"}
            rest["cursor"] = [encode_cursor(start + size)]
            headers["Link"] = f'<{base_url}/api/models?{urlencode(rest, doseq=True)}>; rel="next"'
        return json_response(items, headers)

    def _json_of(self, repo: FakeRepo | int) -> dict[str, Any]:
        if isinstance(repo, int):
            assert self.population is not None
            return self.population.item(repo)
        return self.world.json_of(repo)

    def _sorted(self, q: dict[str, list[str]], size: int, expand: list[str], base_url: str
                ) -> Response:
        fields = expand or list(LISTING_DEFAULT)
        items, cursor = serve_sorted(self.world, self.population, q, size, fields,
                                     self.world.json_of, pick)
        headers = {}
        if cursor is not None:
            rest = {k: v for k, v in q.items() if k != "cursor"}
            rest["cursor"] = [cursor]
            headers["Link"] = f'<{base_url}/api/models?{urlencode(rest, doseq=True)}>; rel="next"'
        return listing_response(items, headers)

    def _repo_api(self, request: Request, base_url: str) -> Response:
        parts = request.path[len("/api/models/") :].split("/")
        repo_id, op, rest = split_repo(parts, self.world)
        repo, current = self.world.resolve(repo_id)
        if repo is None:
            return error_response(404, "RepoNotFound", "Repository not found")
        if current is not None:
            return redirect(request, f"/api/models/{repo_id}", f"/api/models/{current}")
        if op is None or op == "revision":
            if op == "revision" and unquote("/".join(rest)) not in ("main", repo.sha):
                return error_response(404, "RevisionNotFound", "Invalid rev id")
            return self._info(repo, request.query)
        if op == "tree":
            return self._tree(repo, rest, request.query, base_url, request.path)
        if op == "paths-info" and request.method == "POST":
            return self._paths_info(repo, request)
        with self._lock:
            self.unexpected.append(f"{request.method} {request.path}")
        return error_response(404, None, "no such route")

    def _info(self, repo: FakeRepo, q: dict[str, list[str]]) -> Response:
        data = self.world.json_of(repo)
        expand = q.get("expand", []) + q.get("expand[]", [])
        bad = [e for e in expand if e not in LISTING_EXPAND | INFO_ONLY_EXPAND]
        if bad:
            return error_response(400, "BadRequest", f"Invalid expand value(s): {bad}")
        if expand:
            data = pick(data, expand)
            if "childrenModelCount" in expand:
                data["childrenModelCount"] = len(self.world.query([f"base_model:{repo.id}"]))
            return json_response(data)
        data = {k: v for k, v in data.items() if k not in ("baseModels", "downloadsAllTime")}
        if flag(q, "blobs"):
            data["siblings"] = [sibling(f) for f in self.world.files_of(repo)]
        return json_response(data)

    def _tree(
        self, repo: FakeRepo, rest: list[str], q: dict[str, list[str]], base_url: str, path: str
    ) -> Response:
        if not rest or unquote(rest[0]) not in ("main", repo.sha):
            return error_response(404, "RevisionNotFound", "Invalid rev id")
        folder = unquote("/".join(rest[1:])).strip("/")
        prefix = folder + "/" if folder else ""
        entries: dict[str, dict[str, Any]] = {}
        recursive = flag(q, "recursive")
        for f in self.world.files_of(repo):
            if not f.path.startswith(prefix):
                continue
            relative = f.path[len(prefix) :].split("/")
            for depth in range(1, len(relative)):  # the folders on the way
                if depth > 1 and not recursive:
                    break
                d = prefix + "/".join(relative[:depth])
                entries.setdefault(d, {"type": "directory", "oid": oid(d), "size": 0, "path": d})
            if recursive or len(relative) == 1:
                entries[f.path] = f.to_tree_json()
        if folder and not entries:
            return error_response(404, "EntryNotFound", f"{folder} does not exist on main")
        items = [entries[k] for k in sorted(entries)]
        start = decode_cursor(one(q, "cursor"))
        page = items[start : start + self.tree_page_size]
        headers = {}
        if start + self.tree_page_size < len(items):
            rest_q = {k: v for k, v in q.items() if k != "cursor"}
            rest_q["cursor"] = [encode_cursor(start + self.tree_page_size)]
            headers["Link"] = f'<{base_url}{path}?{urlencode(rest_q, doseq=True)}>; rel="next"'
        return json_response(page, headers)

    def _paths_info(self, repo: FakeRepo, request: Request) -> Response:
        form = parse_qs(request.body.decode(errors="replace"))
        try:
            paths = form.get("paths") or json.loads(request.body or b"{}").get("paths", [])
        except (ValueError, AttributeError):
            paths = []
        files = {f.path: f for f in self.world.files_of(repo)}
        return json_response([files[p].to_tree_json() for p in paths if p in files])

    def _resolve(self, request: Request) -> Response:
        head, _, tail = request.path.lstrip("/").partition("/resolve/")
        repo, current = self.world.resolve(unquote(head))
        if repo is None:
            return error_response(404, "RepoNotFound", "Repository not found")
        if current is not None:
            return redirect(request, f"/{head}/resolve/", f"/{current}/resolve/")
        rev, _, file_path = tail.partition("/")
        if unquote(rev) not in ("main", repo.sha):
            return error_response(404, "RevisionNotFound", "Invalid rev id")
        file_path = unquote(file_path)
        if repo.gated and file_path not in GATED_PUBLIC_FILES:
            token = bearer_token(request)
            if token is None:
                return error_response(401, "GatedRepo", "Access to this model is restricted")
            if token not in self.gated_access.get(repo.id, set()):
                return error_response(403, "GatedRepo", "You are not in the authorized list")
        f = next((f for f in self.world.files_of(repo) if f.path == file_path), None)
        if f is None:
            return error_response(404, "EntryNotFound", "Entry not found")
        body = f.content or b""
        headers = {
            "Content-Type": "application/octet-stream",
            "ETag": f'"{f.sha256 or f.blob_id}"',
            "X-Repo-Commit": repo.sha,
        }
        if f.sha256:
            headers["X-Linked-Etag"] = f'"{f.sha256}"'
            headers["X-Linked-Size"] = str(f.size)
        return Response(200, body, headers)


def main(argv: list[str] | None = None) -> None:
    """Serve a synthetic world from the command line (for benchmarks in another process)."""
    import argparse
    import time

    from tests.fakes.hf_world import synthetic_family, unrelated_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", type=int, default=10_000, help="declared descendants")
    parser.add_argument("--fanout", type=int, default=20, help="children of each member")
    parser.add_argument("--chain", type=int, default=0,
                        help="serve a declared chain this deep instead (tests/fakes/hostile.py)")
    parser.add_argument("--unrelated", type=int, default=0)
    parser.add_argument("--grok-named", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if args.chain:
        from tests.fakes.hostile import declared_chain

        world = World(declared_chain(args.chain))
    else:
        world = World(synthetic_family(args.family, fanout=args.fanout))
    world.add(*unrelated_models(args.unrelated, grok_named=args.grok_named))
    with FakeHub(world, port=args.port) as hub:
        print(hub.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
