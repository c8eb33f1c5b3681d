"""HTTP for the crawlers that speak `requests` (GitHub, ModelScope): one GET with everything.

`RestClient.get` sends one logical GET and returns an `Answer`. Around it:
- retries through `crawlers._http.RetryPolicy` (bounded exponential backoff with jitter for
  5xx, 408, timeouts, dropped connections; rate-limit waits of exactly what the hub names, up
  to `max_retry_wait`, else `RateLimited`), with injectable `sleep` and `clock`;
- rate limits read from every header form the two hubs use: `Retry-After`, `RateLimit`
  (`"api";r=0;t=55`), and GitHub's `X-RateLimit-Remaining` / `X-RateLimit-Reset` (epoch
  seconds). A success that leaves `X-RateLimit-Remaining: 0` is remembered, so the next call
  on that bucket waits for the reset (or raises `RateLimited` at once) instead of spending a
  request on a certain 403;
- conditional requests: with an `ETagStore` the client sends `If-None-Match` and a 304 is
  answered from the store (`Answer.cached`), counted as `<kind>_304`;
- our errors at the boundary: 401 -> `TokenRejected`; a hub that cannot be reached at all
  (connection refused, nothing answered yet, `_DOWN_AFTER` calls in a row given up, a quota
  spent past `max_retry_wait`) -> `HubUnavailable` or `RateLimited`. A 404 or a non-rate-limit
  403 is data (`Answer.status`), the caller decides. One call that gives up while the hub
  answers others (5xx or cut-off bodies past the retries, a 429 storm past `max_retry_wait`),
  and a body that is not the JSON asked for (fetched once more), come back as
  `Answer.bad_body`: that one repo unread, for the caller to turn into an incomplete
  `CrawlWarning` (issue 17).

The token goes into the `Authorization` header only: never into a URL, a cache key, a log
line or an error message. Next-page links must stay on the endpoint, or the token would follow
them to another host.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from crawlers._http import Retry, RetryPolicy, connect_failure, wait_from_headers
from crawlers.base import (
    CrawlWarning,
    HubError,
    HubUnavailable,
    RateLimited,
    Status,
    TokenRejected,
    Unreachable,
)

log = logging.getLogger(__name__)

MAX_BODY = 4 << 20  # bytes of one answer we are willing to hold (a fork page is ~500 KB)
_DOWN_AFTER = 3  # calls given up in a row, no answer between: the hub is down
_MAX_TEXT = 1 << 20  # characters of a README kept


class ETagStore(Protocol):
    """Where conditional-request validators live between runs (a plain dict qualifies).

    Key: the full request URL with its query (`https://api.github.com/repos/a/b/forks?page=2
    &per_page=100&sort=oldest`); never a token. Value: `(etag, payload)`, where `payload` is
    `{"body": <JSON-safe value>, "next": <next-page URL or None>}`: the *projected* body (only
    the fields the crawler reads, so a 10,000-fork network stays a few MB) and the page's next
    link, which a 304 does not repeat. Everything is JSON-serializable, so the pipeline may
    persist the store as JSON (a table `(key, etag, payload)` or a file); a value read back as
    a list instead of a tuple is accepted, an unreadable one is ignored.
    """

    def get(self, key: str, /) -> Any: ...

    def __setitem__(self, key: str, value: tuple[str, object], /) -> None: ...


@dataclass(frozen=True)
class Answer:
    """One GET as the crawler sees it."""

    status: int
    body: Any = None  # parsed JSON (or text when raw), projected; None when unreadable
    url: str = ""  # final URL, after redirects
    next_url: str | None = None  # Link: rel="next", checked to stay on the endpoint
    cached: bool = False  # 304: the body came from the ETag store
    redirected: bool = False
    bad_body: str | None = None  # why the body could not be used
    truncated: bool = False  # raw text longer than we keep: `body` is its head only
    headers: Mapping[str, str] | None = None

    @property
    def ok(self) -> bool:
        return (200 <= self.status < 300 or self.cached) and self.bad_body is None


class _Transient(Exception):
    def __init__(self, decision: Retry):
        super().__init__(decision.reason)
        self.decision = decision


class _BadBody(Exception):
    pass


_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


def next_link(header: str | None) -> str | None:
    """The `rel="next"` target of a `Link` header."""
    for target, rel in _LINK.findall(header or ""):
        if "next" in rel.split():
            return str(target)
    return None


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text or epoch seconds (or ms); None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value) / (1000 if value > 1e11 else 1)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def as_int(value: object) -> int | None:
    """A non-negative count from the hub, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def count_field(obj: Mapping[str, Any], name: str, key: str,
                warnings: list[CrawlWarning]) -> int:
    """`obj[name]` as a count; 0 when absent, 0 and a warning on `key` when not a count."""
    value = obj.get(name)
    n = as_int(value)
    if n is None and value is not None:
        warnings.append(CrawlWarning(f"{name} is {type(value).__name__}: ignored", key))
    return n or 0


def answered_identity(found: str, asked: str | None) -> tuple[str, str | None, Status]:
    """(repo_id, renamed_from, status) for the id a hub answered when `asked` was requested.

    Both hubs match ids without regard to case, so the configured spelling is kept; any other
    id means the repo was renamed.
    """
    if asked is None:
        return found, None, "active"
    if found.lower() == asked.lower():
        return asked, None, "active"
    return found, asked, "renamed"


def text(value: object, limit: int = 300) -> str | None:
    """A hub string, bounded; None when it is not a string."""
    if not isinstance(value, str):
        return None
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


class RestClient:
    """GETs against one endpoint for one crawler; see the module docstring."""

    def __init__(
        self,
        *,
        hub: str,
        endpoint: str,
        session: requests.Session | None,
        headers: Mapping[str, str],
        token: str | None,
        timeout: float,
        retries: int,
        max_retry_wait: float,
        counter: Counter[str],
        etags: ETagStore | None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        limit_fallback_wait: float | None = None,
    ) -> None:
        self.hub = hub
        self.endpoint = endpoint.rstrip("/")
        self._origin = _origin(self.endpoint)
        self._own_session = session is None
        self.session = session or requests.Session()
        self.headers = dict(headers)
        self.token = token or None
        if self.token:
            self.headers["Authorization"] = f"Bearer {self.token}"
        self.timeout = timeout
        self.counter = counter
        self.etags = etags
        self.clock = clock
        # A 403 that says "rate limit" with no header telling how long: GitHub asks for at
        # least a minute; None means the policy's backoff.
        self.limit_fallback_wait = limit_fallback_wait
        self.policy = RetryPolicy(
            hub=hub,
            retries=retries,
            max_retry_wait=max_retry_wait,
            sleep=sleep,
            clock=clock,
            jitter=jitter,
        )
        self.rate_remaining: dict[str, int] = {}  # bucket -> what the hub last said is left
        self._spent_until: dict[str, float] = {}  # bucket -> epoch of its reset
        self.answered = 0  # calls the hub answered (any status, readable or not)
        self._give_ups = 0  # calls given up in a row

    def close(self) -> None:
        """Stop: no further request, and a wait in progress ends now (a SIGTERM)."""
        self.policy.cancel()
        if self._own_session:
            self.session.close()

    # --- the one call ------------------------------------------------------------------------

    def get(
        self,
        path: str,
        *,
        kind: str,
        params: Mapping[str, object] | None = None,
        raw: bool = False,
        accept: str | None = None,
        project: Callable[[Any], Any] | None = None,
        conditional: bool = True,
    ) -> Answer:
        """GET `path` (relative to the endpoint, or an absolute URL on it)."""
        url = path if path.startswith(("http://", "https://")) else self.endpoint + path
        if _origin(url) != self._origin:
            raise HubError(f"refusing to follow a link off {self.endpoint}", hub=self.hub)
        prepared = requests.Request("GET", url, params=dict(params or {})).prepare()
        key = prepared.url or url
        cached = self._cached(key) if conditional and self.etags is not None else None
        headers = dict(self.headers)
        if accept:
            headers["Accept"] = accept
        if cached is not None:
            headers["If-None-Match"] = cached[0]
        bucket = "search" if "/search/" in urlsplit(key).path else "core"
        bad_reads = 0

        def once() -> Answer:
            self._respect_spent(bucket, key)
            try:
                resp = self.session.get(key, headers=headers, timeout=self.timeout, stream=True)
            except requests.RequestException:
                self.counter[kind] += 1
                raise
            self.counter[f"{kind}_304" if resp.status_code == 304 else kind] += 1
            try:
                content = _read_capped(resp)  # a dropped body raises: retried like the rest
            finally:
                resp.close()
            self._note_quota(resp)
            return self._answer(resp, content, cached, raw=raw, project=project)

        def classify(exc: BaseException) -> Retry | None:
            nonlocal bad_reads
            if isinstance(exc, _Transient):
                return exc.decision
            if isinstance(exc, _BadBody):
                bad_reads += 1
                return Retry(str(exc)) if bad_reads < 2 else None
            if isinstance(exc, requests.Timeout):
                return Retry(f"no answer within {self.timeout:g}s")
            if isinstance(exc, requests.ConnectionError) and (why := connect_failure(exc)):
                raise Unreachable(f"cannot reach {self.endpoint}: {why}", hub=self.hub,
                                  endpoint=self.endpoint, reason=why) from exc
            if isinstance(exc, requests.RequestException):  # refused, reset, truncated
                return Retry(f"cannot reach {self.endpoint} ({type(exc).__name__})")
            return None

        try:
            answer = self.policy.call(once, what=f"{self.hub} {kind}", classify=classify)
        except _BadBody as exc:
            self._answer_seen()
            return Answer(200, None, key, bad_body=str(exc))
        except (HubUnavailable, RateLimited) as exc:
            if self._down(exc):
                raise
            return Answer(0, None, key, bad_body=f"unread: {exc}")
        self._answer_seen()
        if answer.ok and not answer.cached and self.etags is not None and conditional:
            etag = (answer.headers or {}).get("ETag") or (answer.headers or {}).get("etag")
            if etag and answer.body is not None:
                self.etags[key] = (etag, {"body": answer.body, "next": answer.next_url})
        return answer

    # --- pieces ------------------------------------------------------------------------------

    def _answer_seen(self) -> None:
        self.answered += 1
        self._give_ups = 0

    def _down(self, exc: HubError) -> bool:
        """Whether a call given up means the hub is down, not one repo unread: it refuses
        connections, it has answered nothing yet, `_DOWN_AFTER` calls in a row gave up, or
        it asks to wait longer than we may (its quota is spent)."""
        self._give_ups += 1
        if isinstance(exc, RateLimited):
            spent = (exc.retry_after or 0) > self.policy.max_retry_wait
            return spent or self.answered == 0 or self._give_ups >= _DOWN_AFTER
        cause = exc.__cause__
        refused = isinstance(cause, requests.ConnectTimeout) or (
            isinstance(cause, requests.ConnectionError)
            and bool(cause.args)
            and isinstance(getattr(cause.args[0], "reason", None), NewConnectionError)
        )
        return refused or self.answered == 0 or self._give_ups >= _DOWN_AFTER

    def _cached(self, key: str) -> tuple[str, dict[str, Any]] | None:
        try:
            value = self.etags.get(key) if self.etags is not None else None
        except Exception:  # a broken store costs a full request, never the crawl
            return None
        if not isinstance(value, tuple | list) or len(value) != 2:
            return None
        etag, payload = value
        if not isinstance(etag, str) or not etag or not isinstance(payload, Mapping):
            return None
        if "body" not in payload:
            return None
        return etag, dict(payload)

    def _answer(
        self,
        resp: requests.Response,
        content: bytes | None,
        cached: tuple[str, dict[str, Any]] | None,
        *,
        raw: bool,
        project: Callable[[Any], Any] | None,
    ) -> Answer:
        status = resp.status_code
        url = resp.url or ""
        redirected = bool(resp.history)
        hops = [*(r.url or "" for r in resp.history), url]
        if any(_origin(hop) != self._origin for hop in hops):
            # requests dropped the token on the way, but the answer is still another host's
            # word: not data about a repo on this hub (issue 17)
            off = next(hop for hop in hops if _origin(hop) != self._origin)
            where = "://".join(_origin(off))
            return Answer(status, None, url, redirected=True,
                          bad_body=f"redirected to another host ({where}): not used")
        if status == 304 and cached is not None:
            payload = cached[1]
            nxt = payload.get("next")
            return Answer(
                304,
                payload.get("body"),
                url,
                self._on_endpoint(nxt if isinstance(nxt, str) else None),
                cached=True,
                redirected=redirected,
                headers=resp.headers,
            )
        limited = self._rate_limit(resp, content or b"")
        if limited is not None:
            raise _Transient(limited)
        if status == 408 or status >= 500:
            raise _Transient(
                Retry(f"HTTP {status}", wait_from_headers(resp.headers, now=self.clock()))
            )
        if status == 401:
            why = "rejected the token" if self.token else "requires a token"
            raise TokenRejected(f"{self.endpoint} {why} (HTTP 401)", hub=self.hub)
        if status == 304:  # not modified, but we hold nothing: ask again without a validator
            raise _Transient(Retry("HTTP 304 without a cached body"))
        nxt = self._on_endpoint(next_link(resp.headers.get("Link")))
        if not 200 <= status < 300:
            return Answer(status, None, url, redirected=redirected, headers=resp.headers)
        if content is None:
            raise _BadBody(f"answer from {_path(url)} larger than {MAX_BODY} bytes")
        truncated = False
        if raw:
            body: Any = content.decode(resp.encoding or "utf-8", errors="replace")
            truncated = len(body) > _MAX_TEXT
            body = body[:_MAX_TEXT]
        else:
            try:
                body = json.loads(content)
            except (ValueError, RecursionError) as exc:
                raise _BadBody(f"malformed JSON from {_path(url)}") from exc
        if project is not None:
            body = project(body)
        return Answer(status, body, url, nxt, redirected=redirected, headers=resp.headers,
                      truncated=truncated)

    def _rate_limit(self, resp: requests.Response, content: bytes) -> Retry | None:
        """A rate-limit answer, with how long the hub asks us to wait (None: back off)."""
        status = resp.status_code
        if status not in (403, 429):
            return None
        h = resp.headers
        wait = wait_from_headers(h, now=self.clock())
        if wait is None and h.get("X-RateLimit-Remaining", "").strip() == "0":
            reset = _float(h.get("X-RateLimit-Reset"))
            if reset is not None:
                wait = max(0.0, reset - self.clock())
        reason = f"rate limited (HTTP {status})"
        if wait is not None:
            return Retry(reason, wait, rate_limited=True)
        if status == 429:
            return Retry(reason, None, rate_limited=True)
        head = content[:2000].decode("utf-8", errors="replace").lower()
        if "rate limit" in head or "ratelimitexceed" in head or "quotalimitexceed" in head:
            return Retry(reason, self.limit_fallback_wait, rate_limited=True)
        return None  # a plain 403: forbidden, the caller's data

    def _note_quota(self, resp: requests.Response) -> None:
        """Remember a spent bucket, so the next call waits for its reset instead of failing."""
        h = resp.headers
        remaining = h.get("X-RateLimit-Remaining")
        if remaining is None:
            return
        bucket = (h.get("X-RateLimit-Resource") or "core").strip().lower()
        try:
            self.rate_remaining[bucket] = int(remaining)
        except ValueError:
            return
        reset = _float(h.get("X-RateLimit-Reset"))
        if self.rate_remaining[bucket] == 0 and resp.status_code < 400 and reset is not None:
            self._spent_until[bucket] = reset

    def _respect_spent(self, bucket: str, url: str) -> None:
        until = self._spent_until.pop(bucket, None)
        if until is None:
            return
        wait = until - self.clock()
        if wait <= 0:
            return
        if wait > self.policy.max_retry_wait:
            self._spent_until[bucket] = until  # still spent for whoever asks next
            raise RateLimited(
                f"{self.hub} {bucket} quota spent until its reset in {wait:.0f}s (more than "
                f"crawl.max_retry_wait = {self.policy.max_retry_wait:.0f}s)",
                hub=self.hub,
                retry_after=wait,
            )
        log.info("%s %s quota spent: waiting %.0fs for its reset", self.hub, bucket, wait)
        self.policy.sleep(wait)

    def _on_endpoint(self, link: str | None) -> str | None:
        if link is None:
            return None
        if _origin(link) != self._origin:
            log.warning("%s: next-page link off the endpoint ignored", self.hub)
            return None
        return link


def _read_capped(resp: requests.Response) -> bytes | None:
    """The body, or None when it is larger than MAX_BODY (read no further than that)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(chunk_size=1 << 16):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _path(url: str) -> str:
    return urlsplit(url).path[:200]


def _float(value: object) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None
