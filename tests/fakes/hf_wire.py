"""The fake Hub's wire: its HTTP server and handler (faults applied per request), and the
small forms its answers take (JSON bodies, `X-Error-Code` errors, cursors, query values).

Split from tests/fakes/hf_hub.py, which holds the routes (`FakeHub.handle`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import socket
import struct
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import orjson

from tests.fakes.faults import (
    Hang,
    Pause,
    Rebody,
    Relink,
    Reply,
    Request,
    Reset,
    Response,
    Truncate,
    Unlink,
)
from tests.fakes.hf_world import World

if TYPE_CHECKING:
    from tests.fakes.hf_hub import FakeHub

REPO_OPS = ("tree", "revision", "paths-info", "refs", "commits")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"  # keep-alive, like the real Hub
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        hub = self.hub
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command,
            split.path,
            parse_qs(split.query, keep_blank_values=True),
            request_kind(split.path),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        if split.path.startswith("/_fake/"):
            self._write(self._control(split.path))
            return
        fault = hub.faults.take(request)
        if isinstance(fault, Reset):
            hub._record(request, 0)
            self._reset()
            return
        if isinstance(fault, Hang):
            hub._stopping.wait(fault.seconds)
        if isinstance(fault, Pause):
            fault.reached.set()
            while not (fault.release.wait(0.05) or hub._stopping.is_set()):
                pass
        if isinstance(fault, Reply):
            body_ = fault.body
            if isinstance(body_, dict | list):
                response = json_response(body_, dict(fault.headers))
                response.status = fault.status
            else:
                response = Response(fault.status, as_bytes(body_), dict(fault.headers))
        else:
            response = self._auth_failure(request) or hub.handle(
                request, f"http://{self.headers.get('Host') or hub.url[7:]}"
            )
        if isinstance(fault, Relink):
            response.headers["Link"] = _loop_link(self, request, fault)
        if isinstance(fault, Unlink):
            response.headers.pop("Link", None)
        if isinstance(fault, Rebody):
            body_ = fault.body
            response.body = json.dumps(body_).encode() if isinstance(body_, dict | list) else (
                as_bytes(body_))
        hub._record(request, response.status)
        self._write(response, fault if isinstance(fault, Truncate) else None)

    def _auth_failure(self, request: Request) -> Response | None:
        token = bearer_token(request)
        tokens = self.hub.tokens
        if token is not None and tokens is not None and token not in tokens:
            return error_response(401, None, "Invalid credentials in Authorization header")
        return None

    def _control(self, path: str) -> Response:
        if path == "/_fake/reset":
            self.hub.reset_counts()
        return json_response(self.hub.stats())

    def _write(self, response: Response, truncate: Truncate | None = None) -> None:
        body = response.body
        length = len(body)
        if truncate is not None:
            keep = truncate.keep if truncate.keep >= 1 else len(body) * truncate.keep
            body = body[: int(keep)]
            if truncate.honest_length:
                length = len(body)
        headers = {"Content-Length": str(length), **response.headers}
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        reason = self.responses.get(response.status, ("Error",))[0]
        head = f"HTTP/1.1 {response.status} {reason}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        payload = (head + "\r\n").encode("latin-1")
        if self.command != "HEAD":
            payload += body
        try:
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
        if len(body) != length:
            self.close_connection = True

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


def _loop_link(handler: Handler, request: Request, fault: Relink) -> str:
    """A next link back to the page just served (with a changing `_loop` parameter)."""
    fault.served += 1
    query = {k: v for k, v in request.query.items() if k != "_loop"}
    if fault.changing:
        query["_loop"] = [str(fault.served)]
    host = handler.headers.get("Host") or handler.hub.url[7:]
    return f'<http://{host}{request.path}?{urlencode(query, doseq=True)}>; rel="next"'


def request_kind(path: str) -> str:
    if path == "/api/models":
        return "listing"
    if path.startswith("/api/models/"):
        if "/tree/" in path:
            return "tree"
        if "/paths-info/" in path:
            return "paths_info"
        return "model_info"
    if "/resolve/" in path:
        return "file"
    return "other"


def split_repo(parts: list[str], world: World) -> tuple[str, str | None, list[str]]:
    """`ns/name[/op/rest]` or a legacy one-part id `name[/op/rest]`."""
    if len(parts) >= 2 and (parts[1] not in REPO_OPS or world.resolve(parts[0])[0] is None):
        return unquote(f"{parts[0]}/{parts[1]}"), (parts[2] if len(parts) > 2 else None), parts[3:]
    return unquote(parts[0]), (parts[1] if len(parts) > 1 else None), parts[2:]


def redirect(request: Request, old_prefix: str, new_prefix: str) -> Response:
    """The Hub answers a former repo id with 307 to the same path under the current id."""
    target = new_prefix + request.path[len(old_prefix) :]
    query = urlencode(request.query, doseq=True)
    location = quote(target, safe="/:") + ("?" + query if query else "")
    return Response(307, b"", {"Location": location, "Content-Type": "text/plain"})


def json_response(data: Any, headers: dict[str, str] | None = None) -> Response:
    try:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate (bad-data tests): sent as a \ud800 escape
        body = json.dumps(data, separators=(",", ":")).encode()
    return Response(
        200, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )


def listing_response(items: list[Any], headers: dict[str, str] | None = None) -> Response:
    """`json_response` of a listing page, encoded by orjson: a sweep's pages of generated
    models cost the fake Hub a third of the CPU (bench/sweep_bench.py runs it on the same
    two cores as the sweep). What orjson would write differently (NaN, a lone surrogate, an
    integer past 64 bits) goes through `json_response`."""
    try:
        body = orjson.dumps(items, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return json_response(items, headers)
    if b"null" in body and _has_nan(items):  # orjson writes NaN as null
        return json_response(items, headers)
    return Response(
        200, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )


def _has_nan(data: Any) -> bool:
    if isinstance(data, float):
        return not math.isfinite(data)
    if isinstance(data, dict):
        return any(_has_nan(v) for v in data.values())
    if isinstance(data, list | tuple):
        return any(_has_nan(v) for v in data)
    return False


def error_response(status: int, code: str | None, message: str) -> Response:
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    response = json_response({"error": message}, headers)
    response.status = status
    return response


def pick(data: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    item = {"_id": data["_id"], "id": data["id"]}
    for name in fields:
        if name in data:
            item[name] = data[name]
    return item


def sibling(f: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"rfilename": f.path, "size": f.size, "blobId": f.blob_id}
    if f.sha256:
        item["lfs"] = {"size": f.size, "sha256": f.sha256, "pointerSize": 134}
    return item


def one(q: dict[str, list[str]], name: str, default: Any = None) -> Any:
    values = q.get(name)
    return values[0] if values else default


def flag(q: dict[str, list[str]], name: str) -> bool:
    return one(q, name, "").lower() in ("1", "true")


def bearer_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None


def decode_cursor(value: str | None) -> int:
    if not value:
        return 0
    try:
        return max(0, int(base64.urlsafe_b64decode(value.encode()).decode()))
    except ValueError:
        return 0


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def oid(path: str) -> str:
    return hashlib.sha1(path.encode()).hexdigest()  # noqa: S324 - a fake tree oid


def as_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body
