"""The Hugging Face hub calls under the crawler: paging, retries, JSON, and what failing means.

huggingface_hub is the transport: its shared httpx2 client, headers and `X-Error-Code`
mapping. Listings, model_info and trees are paged here (same `Link` protocol as its
`paginate`) so every page gets our timeout, our retries (crawlers/_http.py; its own retries
sleep on the wall clock without a ceiling), an exact request count, and rename detection.
Every answer must come from our endpoint (a redirect elsewhere is not data), and a call that
gives up is one repo unread (`Unreadable`) unless the hub is down.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx2
from huggingface_hub.errors import (
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from crawlers._http import Retry, RetryPolicy, connect_failure, wait_from_headers
from crawlers.base import (
    Cancelled,
    Crawler,
    CrawlWarning,
    HubError,
    HubUnavailable,
    RateLimited,
    TokenRejected,
    Unreachable,
    is_valid_repo_id,
    node_key,
)
from crawlers.bounded import load_json
from crawlers.huggingface.parse import (
    EXPAND,
    Listed,
    card_body,
    file_records,
    parse_repo,
    sibling_files,
)

T = TypeVar("T")

HUB_URL = "https://huggingface.co"
LIBRARY = "grok-lineage-tracker"
_CARD_LIMIT = 8 << 20  # bytes of README read: any real card, in full (more: "not checked")
_MAX_PAGES = 1_000  # a listing of 1,000,000 items; crawl.max_pages
_MAX_JSON = 64 << 20  # bytes of one JSON answer (a full listing page is a few MB)
_DOWN_AFTER = 3  # calls given up in a row, no answer between: the hub is down (see _call)
GONE = (RepositoryNotFoundError, DisabledRepoError)  # GatedRepoError is caught before these


class _BadJSON(Exception):
    """A body that is not the JSON we asked for (truncated, HTML from a proxy...)."""


class Unreadable(HubError):
    """An answer still not the JSON asked for after every retry: bad data of one repo (its
    file list, its children listing), a warning on that repo, not the end of the crawl."""


class HubCalls(Crawler):
    """A crawler's calls to one Hugging Face endpoint (the crawler itself is the subclass)."""

    def __init__(
        self,
        endpoint: str | None,
        token: str | None,
        session: httpx2.Client | None,
        *,
        retries: int | None,
        max_retry_wait: float | None,
        timeout: float | None,
        max_pages: int | None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__()
        # seconds since the epoch, for a `Retry-After` HTTP date (`clock` is monotonic)
        self.wall_clock = wall_clock
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or HUB_URL).rstrip("/")
        self.token = token or None
        self.timeout = 30.0 if timeout is None else float(timeout)
        self.policy = RetryPolicy(
            hub=self.hub,
            retries=5 if retries is None else retries,
            max_retry_wait=300.0 if max_retry_wait is None else max_retry_wait,
            sleep=sleep,
            clock=clock,
            jitter=jitter,
        )
        # token=False: never fall back to a token saved on this machine; only the configured one.
        self._headers = build_hf_headers(token=self.token or False, library_name=LIBRARY)
        self._session = session
        self._lock = threading.Lock()
        self.max_pages = max(1, int(max_pages or _MAX_PAGES))
        self._notes: list[CrawlWarning] = []  # from worker threads, yielded by crawl()
        self._give_ups = 0  # calls given up in a row (see _call)
        self._stop = threading.Event()
        self._cards: dict[str, tuple[str, bool]] = {}  # README blob id -> (body, complete)
        # parents whose children listing came back empty this run (a crawler serves one run):
        # a repo in two roots' families is not asked twice
        self._childless: set[str] = set()
        # model_info answers this run, by the id asked and the id answered (lower case), and
        # whether they hold the file hashes: a root that another family's walk met as a
        # declared parent (`XAI-ORG/GROK-2`) is not asked again when its own walk starts
        self._answers: dict[tuple[str, bool], Listed | GatedRepoError | HfHubHTTPError] = {}
        self._moves: dict[str, str] = {}  # a former id (lower case) -> the id it redirects to

    # --- hub calls -------------------------------------------------------------------------

    def _info(self, repo_id: str, *, files: bool = False) -> Listed:
        """model_info with our expand list; raises the huggingface_hub errors that are data.

        With `files`, asked with `blobs=true` instead (the Hub answers its default fields then,
        which hold every field of our list): the record carries every file with its hashes,
        as the tree would list them, so a root or an outside parent costs one request, not two.
        Not for a gated repo, nor one whose answer lacks the hashes: the tree says (`files`
        stays None). Read raw (not through `HfApi.model_info`) so the answer's host is checked
        like every other JSON answer: a redirect to another host is not data (issue 17)."""
        answer = self._remembered(repo_id, (files, True))
        if answer is not None:  # the hashes only to whom asked for them
            return answer if files else replace(answer, record=replace(answer.record, files=None))
        try:
            listed = self._ask_info(repo_id, files=files)
        except (GatedRepoError, *GONE) as exc:
            self._refused(repo_id, exc)
            raise
        for lower in (repo_id.lower(), listed.repo_id.lower()):
            self._answers[(lower, files)] = listed
        return listed

    def _remembered(self, repo_id: str, asks: tuple[bool, ...]) -> Listed | None:
        """This run's model_info answer for the id, from the first of these asks (with the
        file hashes or not) that has one; a gated or gone answer is raised again, not asked
        a second time."""
        for with_files in asks:
            answer = self._answers.get((repo_id.lower(), with_files))
            if isinstance(answer, Listed):
                return answer
            if answer is not None:
                raise answer.with_traceback(None)
        return None

    def _refused(self, repo_id: str, exc: GatedRepoError | HfHubHTTPError) -> None:
        """Remember a gated or gone answer: it stands whichever fields were asked for."""
        for with_files in (False, True):
            self._answers[(repo_id.lower(), with_files)] = exc

    def _current_id(self, repo_id: str) -> str:
        """The id `repo_id` answers under today, in one request: a renamed repo's redirect
        names its new id (`Location: /api/models/<new id>`), read without following it, as
        only the id is wanted. Raises as `_info` does for a gated or gone repo."""
        lower = repo_id.lower()
        if lower in self._moves:
            return self._moves[lower]
        answer = self._remembered(repo_id, (False, True))
        if answer is not None:
            return answer.repo_id
        url = f"{self.endpoint}/api/models/{repo_id}"
        try:
            data, response = self._get_json(
                "model_info", f"model_info {repo_id}", url, _expand(), follow=False
            )
        except (GatedRepoError, *GONE) as exc:
            self._refused(repo_id, exc)
            raise
        if data is None:
            target = urlsplit(urljoin(url, response.headers.get("location", "")))
            prefix = "/api/models/"
            moved = unquote(target.path[len(prefix):]).strip("/")
            ours = urlsplit(self.endpoint)
            if (
                (target.scheme, target.netloc) != (ours.scheme, ours.netloc)
                or not target.path.startswith(prefix)
                or not is_valid_repo_id(moved)
            ):
                return self._info(repo_id).repo_id  # not a rename's redirect: follow it
            self._moves[lower] = moved
            return moved
        listed = parse_repo(data, hub_url=self.endpoint)
        self._answers[(lower, False)] = listed
        return listed.repo_id

    def _ask_info(self, repo_id: str, *, files: bool) -> Listed:
        url = f"{self.endpoint}/api/models/{repo_id}"
        params = [("blobs", "true")] if files else _expand()
        data, _ = self._get_json("model_info", f"model_info {repo_id}", url, params)
        listed = parse_repo(data, hub_url=self.endpoint)
        if not files or listed.record.gated or not isinstance(data, Mapping):
            return listed
        hashed = sibling_files(data.get("siblings"))
        if hashed is None:
            return listed
        return replace(listed, record=replace(listed.record, files=hashed))

    def _children(self, parent_id: str) -> list[object]:
        """Every repo declaring `parent_id` as its base (the Hub's `base_model:` tag)."""
        if parent_id in self._childless:
            return []
        params = [("filter", f"base_model:{parent_id}"), *_expand()]
        items: list[object] = []
        what = f"listing children of {parent_id}"
        for page, _ in self._pages("listing", what, f"{self.endpoint}/api/models", params):
            items.extend(page)
        if not items:
            with self._lock:
                self._childless.add(parent_id)
        return items

    def _tree(self, repo_id: str, rev: str | None) -> tuple[list[Any], str | None, int]:
        """Every file of a repo; the repo's new id if the hub redirected; unreadable entries."""
        url = f"{self.endpoint}/api/models/{repo_id}/tree/{quote(rev or 'main', safe='')}"
        files: list[Any] = []
        moved, bad = None, 0
        params = {"recursive": "true", "expand": "false"}
        for i, (page, response) in enumerate(
            self._pages("tree", f"listing files of {repo_id}", url, params)
        ):
            if i == 0:
                moved = _moved_to(response, repo_id)
            got, unreadable = file_records(page)
            files += got
            bad += unreadable
        return files, moved, bad

    def _card(self, repo_id: str, files: list[Any] | None) -> tuple[str | None, bool]:
        """The card body, and whether it was read to its end (False: over the read limit)."""
        readme = next((f for f in files or () if f.path == "README.md"), None)
        if readme is None:
            return "", True  # no card at all: it shows nothing
        with self._lock:
            if readme.blob_id and readme.blob_id in self._cards:
                return self._cards[readme.blob_id]
        url = f"{self.endpoint}/{repo_id}/resolve/main/README.md"
        try:
            body = self._call(
                lambda: self._read_capped(url, _CARD_LIMIT),
                what=f"reading the card of {repo_id}",
                kind="file",
            )
        except RemoteEntryNotFoundError:
            return "", True
        except GatedRepoError:
            return None, True  # unknown, not empty: the stored card stays
        except (TokenRejected, Unreadable) as exc:  # unread (see read_file); the stored stays
            self._note(f"card not read: {exc}", node_key(self.hub, repo_id), incomplete=True)
            return None, True
        text = card_body(body.decode("utf-8", errors="replace"))
        read = (text, len(body) < _CARD_LIMIT)
        if readme.blob_id:
            with self._lock:
                self._cards[readme.blob_id] = read
        return read

    def _read_capped(self, url: str, limit: int = _CARD_LIMIT) -> bytes:
        self._check_stop()
        session = self._session or get_session()
        headers = self._headers
        if limit < _CARD_LIMIT:  # a head only (a GGUF header): ask for a range
            headers = {**headers, "Range": f"bytes=0-{limit - 1}"}
        with session.stream(
            "GET", url, headers=headers, timeout=self.timeout, follow_redirects=True
        ) as response:
            if response.status_code >= 400:
                response.read()
                hf_raise_for_status(response)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit:
                    break
        return b"".join(chunks)[:limit]

    def _pages(
        self, kind: str, what: str, url: str, params: Any
    ) -> Iterator[tuple[list[object], httpx2.Response]]:
        """Follow `Link: <...>; rel="next"` like huggingface_hub's paginate, page by page.

        A hub's Link header is not trusted to end (issue 17): a next link already followed, or
        a page whose items equal one already read (a loop with a changing parameter), ends the
        listing with a warning, and so does the page budget (`crawl.max_pages`)."""
        seen_urls: set[str] = {url}
        seen_pages: set[bytes] = set()
        next_url: str | None = url
        pages = 0
        while next_url is not None:
            if pages >= self.max_pages:
                self._note(f"{what}: stopped after {self.max_pages} pages (crawl.max_pages)")
                return
            data, response = self._get_json(kind, what, next_url, params)
            pages += 1
            if not isinstance(data, list):
                raise Unreadable(f"{what}: expected a JSON list", hub=self.hub)
            fingerprint = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).digest()
            if fingerprint in seen_pages:
                self._note(f"{what}: the hub served page {pages} again; listing ended there")
                return
            seen_pages.add(fingerprint)
            yield data, response
            link = response.links.get("next", {}).get("url")
            next_url, params = (self._on_endpoint(link) if link else None), None
            if next_url is not None and next_url in seen_urls:
                self._note(f"{what}: the next-page link loops back; listing ended there")
                return
            if next_url is not None:
                seen_urls.add(next_url)

    def _get_json(
        self, kind: str, what: str, url: str, params: Any, *, walked: bool = True,
        follow: bool = True,
    ) -> tuple[object, httpx2.Response]:
        # After a redirect (a renamed repo) retries go straight to where it led: a 429 storm
        # must not cost the redirect again on every attempt (issue 17)
        target: list[Any] = [url, params]

        def call() -> tuple[object, httpx2.Response]:
            self._check_stop()
            session = self._session or get_session()
            with session.stream(
                "GET",
                target[0],
                params=target[1],
                headers=self._headers,
                timeout=self.timeout,
                follow_redirects=follow,  # a renamed repo answers 307 (a session may not follow)
            ) as response:
                if not follow and response.is_redirect:
                    return None, response  # the caller reads where it leads
                if response.history:  # each redirect was a request too
                    self._count(kind, len(response.history))
                off = self._off_host(response)
                if response.history and off is None:
                    target[:] = [str(response.url), None]
                if off is not None:
                    raise Unreadable(
                        f"{what}: redirected to another host ({off}); its answer is not data "
                        f"about {self.endpoint}",
                        hub=self.hub,
                    )
                if response.status_code >= 400:
                    response.read()
                    hf_raise_for_status(response)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > _MAX_JSON:
                        raise Unreadable(f"{what}: answer over {_MAX_JSON} bytes", hub=self.hub)
            try:
                data = load_json(bytes(body), max_size=_MAX_JSON, max_nodes=_MAX_JSON,
                                 walked=walked)
                return data, response
            except ValueError as exc:
                raise _BadJSON(f"unreadable JSON ({exc})") from exc

        return self._call(call, what=what, kind=kind)

    def _call(self, fn: Callable[[], T], *, what: str, kind: str) -> T:
        """One hub call through the retry policy, and what its giving up means.

        A call that gives up (5xx, cut-off bodies, a 429 storm past crawl.max_retry_wait) while
        other calls get answers is that one repo unread: `Unreadable`, a warning on it and a
        partial run, never the end of the hub (issue 17). The hub is down only when it cannot
        be reached at all, when it asks to wait longer than crawl.max_retry_wait (its quota is
        spent), or when `_DOWN_AFTER` calls in a row give up with no answer between."""
        try:
            result = self.policy.call(
                fn, what=what, classify=self._classify, on_attempt=lambda: self._count(kind)
            )
        except HubUnavailable as exc:
            cause = exc.__cause__
            if isinstance(cause, _BadJSON):  # answered every time, never readably
                raise Unreadable(str(exc), hub=self.hub) from exc
            if isinstance(cause, httpx2.ConnectError | httpx2.ConnectTimeout) or self._gave_up():
                raise
            raise Unreadable(str(exc), hub=self.hub) from exc
        except RateLimited as exc:
            if (exc.retry_after or 0) > self.policy.max_retry_wait or self._gave_up():
                raise
            raise Unreadable(str(exc), hub=self.hub) from exc
        with self._lock:
            self._give_ups = 0
        return result

    def _gave_up(self) -> bool:
        """Count a call given up; True when so many in a row mean the hub is down."""
        with self._lock:
            self._give_ups += 1
            return self._give_ups >= _DOWN_AFTER

    def _off_host(self, response: httpx2.Response) -> str | None:
        """The other host an answer came from after redirects, or None when it is ours."""
        ours = urlsplit(self.endpoint)
        for hop in (*response.history, response):
            where = hop.url
            if (where.scheme, where.netloc.decode()) != (ours.scheme, ours.netloc):
                return f"{where.scheme}://{where.netloc.decode()}"
        return None

    def _classify(self, exc: BaseException) -> Retry | None:
        """Which failures are transient; the rest are data (None) or our errors (raised)."""
        if isinstance(exc, _BadJSON):
            return Retry(str(exc))
        if isinstance(exc, httpx2.TimeoutException):
            return Retry(f"no answer within {self.timeout:g}s")
        if isinstance(exc, httpx2.ConnectError) and (why := connect_failure(exc)):
            raise Unreachable(f"cannot reach {self.endpoint}: {why}", hub=self.hub,
                              endpoint=self.endpoint, reason=why) from exc
        if isinstance(exc, httpx2.TransportError):
            return Retry(f"cannot reach {self.endpoint} ({type(exc).__name__})")
        if not isinstance(exc, HfHubHTTPError) or isinstance(
            exc, RepositoryNotFoundError | RevisionNotFoundError | RemoteEntryNotFoundError
        ):
            return None  # data (gone, gated, missing file) or not ours to judge
        if isinstance(exc, DisabledRepoError):
            return None
        status = exc.response.status_code
        headers = exc.response.headers
        if status == 429:
            wait = wait_from_headers(headers, now=self.wall_clock())
            return Retry("rate limited (HTTP 429)", wait, rate_limited=True)
        if status == 408 or status >= 500:
            return Retry(f"HTTP {status}", wait_from_headers(headers, now=self.wall_clock()))
        if status in (401, 403):
            why = "rejected the token" if self.token else "requires a token"
            raise TokenRejected(f"{self.endpoint} {why} (HTTP {status})", hub=self.hub) from exc
        message = (exc.server_message or "").splitlines()[0][:200] if exc.server_message else ""
        raise HubError(f"HTTP {status} from {self.endpoint} {message}".strip(), hub=self.hub)

    # --- small helpers ---------------------------------------------------------------------

    def _note(self, message: str, repo: str | None = None, *, incomplete: bool = False) -> None:
        """A warning from inside a hub call (a listing cut short), for crawl() to yield."""
        with self._lock:
            self._notes.append(CrawlWarning(message, repo, incomplete))

    def _drain_notes(self) -> Iterator[CrawlWarning]:
        with self._lock:
            notes, self._notes = self._notes, []
        yield from notes

    def _count(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self.requests[kind] += n

    def _check_stop(self) -> None:
        if self._stop.is_set() or self.policy.cancelled:
            raise Cancelled()

    def _url(self, repo_id: str) -> str:
        return f"{self.endpoint}/{repo_id}"

    def _on_endpoint(self, link: str) -> str:
        """A next-page link, kept on our endpoint: the token is never sent to another host."""
        target, ours = urlsplit(link), urlsplit(self.endpoint)
        if (target.scheme, target.netloc) == (ours.scheme, ours.netloc):
            return link
        query = f"?{target.query}" if target.query else ""
        return f"{self.endpoint}{target.path}{query}"


def _expand() -> list[tuple[str, str]]:
    return [("expand", e) for e in EXPAND]


def _moved_to(response: httpx2.Response, repo_id: str) -> str | None:
    """The current id when the hub redirected `/api/models/<old>/...` to a new id (on this
    attempt, or on an earlier one whose target a retry went to directly)."""
    path = urlsplit(str(response.url)).path
    prefix = "/api/models/"
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix) :].split("/")
    new_id = "/".join(parts[:2])
    if is_valid_repo_id(new_id) and new_id.lower() != repo_id.lower():
        return new_id
    return None
