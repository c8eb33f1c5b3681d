"""The Hugging Face crawler: a root's declared lineage, breadth-first, to any depth.

Cost model (the Hub's quota, not CPU, bounds a crawl): per family member one children listing
(`GET /api/models?filter=base_model:<id>&expand=...`, whose items carry every field a
RepoRecord needs, so no model_info per child) and, only when its `sha` differs from the last
crawl's, one recursive tree listing for the file hashes. `model_info` is called for the roots
and for declared parents outside the family (merges, missing bases). A README is fetched only
for roots whose terms require a notice in it (`RootSpec.read_cards`, e.g. "Powered by xAI" for
grok-2), only when the sha changed, and once per distinct README blob.

huggingface_hub is the transport: its shared httpx2 client, headers and `X-Error-Code`
mapping. Listings, model_info and trees are paged here (same `Link` protocol as its
`paginate`) so every page gets our timeout, our retries (crawlers/_http.py; its own retries
sleep on the wall clock without a ceiling), an exact request count, and rename detection.
Work runs on a few threads; records are yielded in breadth-first order, deterministically.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

# huggingface_hub reads these once, at import: no telemetry, and no call to huggingface.co's
# agent-harness registry when the tracker points at another endpoint.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import httpx2  # noqa: E402
from huggingface_hub.errors import (  # noqa: E402
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status  # noqa: E402

from crawlers._hf_parse import EXPAND, Listed, card_body, file_records, parse_repo  # noqa: E402
from crawlers._hf_reader import RepoGone  # noqa: E402
from crawlers._hf_walk import Expansion, Node, Walk  # noqa: E402
from crawlers._http import Retry, RetryPolicy, wait_from_headers  # noqa: E402
from crawlers.base import (  # noqa: E402
    Cancelled,
    CrawlContext,
    Crawler,
    CrawlItem,
    CrawlWarning,
    FileRecord,
    HubError,
    HubUnavailable,
    LineageClaim,
    RateLimited,
    RepoRecord,
    TokenRejected,
    is_valid_repo_id,
    node_key,
)
from crawlers.bounded import load_json  # noqa: E402
from crawlers.discovery import Discovery  # noqa: E402

HUB_URL = "https://huggingface.co"
LIBRARY = "grok-lineage-tracker"
_CARD_LIMIT = 8 << 20  # bytes of README read: any real card, in full (more: "not checked")
_MAX_PAGES = 1_000  # a listing of 1,000,000 items; crawl.max_pages
_MAX_JSON = 64 << 20  # bytes of one JSON answer (a full listing page is a few MB)
_DOWN_AFTER = 3  # calls given up in a row, no answer between: the hub is down (see _call)
_GONE = (RepositoryNotFoundError, DisabledRepoError)  # GatedRepoError is caught before these


class _BadJSON(Exception):
    """A body that is not the JSON we asked for (truncated, HTML from a proxy...)."""


class _Unreadable(HubError):
    """An answer still not the JSON asked for after every retry: bad data of one repo (its
    file list, its children listing), a warning on that repo, not the end of the crawl."""


class HuggingFaceCrawler(Crawler):
    """Declared lineage on a Hugging Face hub (or a mirror) through huggingface_hub."""

    hub = "huggingface"

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        session: httpx2.Client | None = None,
        *,
        retries: int | None = 5,
        max_retry_wait: float | None = 300.0,
        timeout: float | None = 30.0,
        workers: int = 8,
        prefetch: int | None = None,
        read_cards: bool | None = None,
        discover: bool = True,
        max_pages: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__()
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or HUB_URL).rstrip("/")
        self.token = token or None
        self.timeout = 30.0 if timeout is None else float(timeout)
        self.workers = max(1, int(workers))
        # Members fetched ahead of the consumer, so the hub keeps being asked while the
        # pipeline writes a batch; bounded, so a closed crawl wastes few requests.
        self.prefetch = max(1, prefetch or self.workers * 32)
        self.read_cards = read_cards  # None: as the root says (RootSpec.read_cards)
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
        # undeclared derivatives (crawlers/discovery.py); one Discovery serves every root of
        # this crawler, so the candidate listings and reads are shared between roots
        self.discover = discover
        self._discovery: Discovery | None = None

    # --- the interface ---------------------------------------------------------------------

    def crawl(self, ctx: CrawlContext) -> Iterator[CrawlItem]:
        read_cards = self.read_cards
        if read_cards is None:
            read_cards = bool(getattr(ctx.root, "read_cards", False))
        walk = Walk(ctx, self.endpoint)
        self._stop.clear()
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="hf-crawl")
        inflight: list[tuple[Node, Future[Expansion]]] = []
        try:
            yield from self._add_roots(walk, ctx)
            while True:
                while walk.queue or inflight:
                    while walk.queue and len(inflight) < self.prefetch:
                        node = walk.queue.popleft()
                        inflight.append((node, pool.submit(self._expand, node, ctx, read_cards)))
                    node, future = inflight.pop(0)
                    yield from walk.consume(node, future.result())
                    yield from self._drain_notes()
                # then the members that declare nothing; their declared children are walked
                # in the next round, until a round finds nobody new
                if not self.discover or not (yield from self._discover(walk, ctx, read_cards)):
                    break
            yield from self._external_parents(walk)
            yield from self._drain_notes()
        finally:
            self._stop.set()
            pool.shutdown(wait=True, cancel_futures=True)

    def check(self, repo_id: str) -> RepoRecord:
        """One repo looked up directly: active, gated, removed, or renamed (new id)."""
        if not is_valid_repo_id(repo_id):
            raise HubError(f"not a repo id: {repo_id[:120]!r}", hub=self.hub)
        self._stop.clear()
        try:
            listed = self._info(repo_id)
        except GatedRepoError:
            return RepoRecord(self.hub, repo_id, url=self._url(repo_id), status="gated", gated=True)
        except _GONE:
            return RepoRecord(self.hub, repo_id, url=self._url(repo_id), status="removed")
        return _renamed(listed.record, repo_id)

    def close(self) -> None:
        """Stop at once: every worker before its next request, every wait now (a SIGTERM)."""
        self._stop.set()
        self.policy.cancel()

    # --- walk steps ------------------------------------------------------------------------

    def _add_roots(self, walk: Walk, ctx: CrawlContext) -> Iterator[CrawlItem]:
        for repo_id in dict.fromkeys(ctx.root.repo_ids):
            if not is_valid_repo_id(repo_id):
                yield CrawlWarning(f"root {repo_id[:120]!r} is not a repo id: skipped")
                continue
            if walk.find(repo_id) is not None:
                continue
            key = f"{self.hub}:{repo_id}"
            try:
                listed = self._info(repo_id)
            except GatedRepoError:
                listed = Listed(RepoRecord(self.hub, repo_id, self._url(repo_id), "gated"))
            except _GONE:
                yield CrawlWarning(f"root {repo_id} does not exist on {self.endpoint}", repo=key)
                listed = Listed(RepoRecord(self.hub, repo_id, self._url(repo_id), "removed"))
            except (ValueError, _Unreadable) as exc:
                # what the last good crawl knew of the root stays (its license, its dates): no
                # record for it this time, but its children are still walked (issue 17)
                yield CrawlWarning(f"root {repo_id}: unreadable metadata ({exc})", key, True)
                listed = Listed(RepoRecord(self.hub, repo_id, self._url(repo_id)))
                walk.add(Node(listed, is_root=True, stale=True))
                continue
            node = Node(listed, is_root=True)
            if listed.repo_id.lower() != repo_id.lower():
                node.renamed_from = repo_id
                node.aliases.append(repo_id)
            walk.add(node)

    def _expand(self, node: Node, ctx: CrawlContext, read_cards: bool) -> Expansion:
        """In a worker thread: a member's files (if its sha changed), card, and children."""
        record = node.listed.record
        out = Expansion()
        if (
            not node.found
            and not node.stale
            and record.status != "removed"
            and (record.sha is None or ctx.known_shas.get(record.repo_id) != record.sha)
        ):
            try:
                try:
                    out.files, out.moved_to, bad = self._tree(record.repo_id, record.sha)
                except RevisionNotFoundError:  # pushed to since the listing: take main
                    out.files, out.moved_to, bad = self._tree(record.repo_id, None)
                if bad:
                    out.warnings.append(f"{bad} unreadable entries in the file list skipped")
                if read_cards:
                    out.card_text, out.card_complete = self._card(
                        out.moved_to or record.repo_id, out.files
                    )
            except GatedRepoError:
                out.warnings.append("the hub refused the file list (gated repo)")
            except _GONE:
                out.gone = True
            except _Unreadable as exc:
                # files unknown this time: keep the stored ones, and the stored sha, so the
                # next crawl lists them again (tests/tracker/test_bad_data.py)
                out.files, out.unread = None, True
                out.incomplete.append(f"file list skipped: {exc}")
        # A member renamed since the listing keeps children that declare its former id.
        names = [out.moved_to or record.repo_id, record.repo_id, *node.aliases]
        for parent_id in dict.fromkeys(names):
            try:
                out.children.append((parent_id, self._children(parent_id)))
            except _Unreadable as exc:
                out.incomplete.append(f"children listing skipped: {exc}")
        return out

    def _discover(
        self, walk: Walk, ctx: CrawlContext, read_cards: bool
    ) -> Generator[CrawlItem, None, int]:
        """One discovery round: yield what it found; hand new members to the walk."""
        if self._discovery is None:
            self._discovery = Discovery(
                self,
                to_record=lambda item: parse_repo(item, hub_url=self.endpoint).record,
                workers=self.workers,
            )
        self._discovery.fetch_cards = read_cards
        items = self._discovery.discover(ctx, exclude=walk.ids())
        claims: dict[str, list[LineageClaim]] = {}
        for item in items:
            if isinstance(item, LineageClaim):
                claims.setdefault(item.child, []).append(item)
        added = 0
        for item in items:
            yield item
            if isinstance(item, RepoRecord) and walk.find(item.repo_id) is None:
                member = ctx.members.get(item.key)
                depth = member.depth if member else 1
                if walk.admits(depth):
                    walk.add_found(item, claims.get(item.key, []), depth)
                    added += 1
        return added

    def rejections(self, root: str) -> dict[str, str]:
        """Candidates `root` rejected after reading them (repo id -> sha): store them and pass
        them back as `CrawlContext.rejected`, and the next crawl does not read them again."""
        return self._discovery.rejections(root) if self._discovery else {}

    def rejection_reasons(self, root: str) -> dict[str, tuple[str, str]]:
        """Candidates `root` rejected after reading them: repo id -> (sha, why)."""
        return self._discovery.rejection_reasons(root) if self._discovery else {}

    def discovery_stats(self) -> Counter[str]:
        """Discovery's counts over this crawler's life: joined, kept, rejected_from_listing,
        rejected_after_reads."""
        return Counter(self._discovery.stats) if self._discovery else Counter()

    # --- discovery's reads (crawlers/_hf_reader.Reader) -------------------------------------

    def list_models(self, params: Sequence[tuple[str, str]]) -> list[object]:
        """Every item of one candidate search (`GET /api/models`), all pages."""
        items: list[object] = []
        url = f"{self.endpoint}/api/models"
        for page, _ in self._pages("listing", "searching candidates", url, list(params)):
            items.extend(page)
        return items

    def get_page(self, path: str) -> tuple[list[object], str | None]:
        """One listing page (`path?query` on this endpoint), with our retries and count: its
        items and the next page's `path?query` (None on the last). Honours the quota the
        answer announces (`RateLimit: ...;r=0;t=N` pauses this crawler N seconds)."""
        data, response = self._get_json("listing", "sweeping the hub", self.endpoint + path, None)
        if not isinstance(data, list):
            raise _Unreadable("sweeping the hub: expected a JSON list", hub=self.hub)
        wait = wait_from_headers(response.headers)
        if wait:
            self.policy.pause(wait)
        link = response.links.get("next", {}).get("url")
        if not link:
            return data, None
        target = urlsplit(self._on_endpoint(link))
        return data, target.path + (f"?{target.query}" if target.query else "")

    def list_files(self, repo_id: str, revision: str | None) -> list[FileRecord]:
        """A candidate's files with their hashes; RepoGone when it cannot be listed."""
        try:
            try:
                files, _, _ = self._tree(repo_id, revision)
            except RevisionNotFoundError:  # pushed to since the listing: take main
                files, _, _ = self._tree(repo_id, None)
        except (GatedRepoError, *_GONE) as exc:
            raise RepoGone(type(exc).__name__) from exc
        except _Unreadable as exc:
            # not gone: unread this time, and the run must say so (issue 17)
            self._note(f"file list skipped: {exc}", node_key(self.hub, repo_id), incomplete=True)
            raise RepoGone(str(exc)) from exc
        return files

    def read_file(self, repo_id: str, revision: str | None, path: str, limit: int) -> bytes | None:
        """The head of one file (a README, a small config, a GGUF header); None if missing."""
        rev = quote(revision or "main", safe="")
        url = f"{self.endpoint}/{repo_id}/resolve/{rev}/{quote(path)}"
        try:
            return self._call(
                lambda: self._read_capped(url, limit), what=f"reading {path} of {repo_id}",
                kind="file",
            )
        except (RemoteEntryNotFoundError, GatedRepoError, *_GONE):
            return None
        except (TokenRejected, _Unreadable) as exc:
            # one file refused (a 401 without a gate code) or never answered whole is that
            # file unread, not the end of the crawl: a token really rejected, or a hub really
            # down, fails the listings too (issue 17)
            self._note(f"{path} of {repo_id} not read: {exc}", node_key(self.hub, repo_id))
            return None

    def _external_parents(self, walk: Walk) -> Iterator[CrawlItem]:
        """Declared parents outside the family: merges' other parents, and missing bases."""
        for written, children in walk.outside_parents():
            parent: Node | RepoRecord | str
            if written in walk.ctx.known_shas:
                parent = written  # already a node in the database: the edge is enough
            else:
                try:
                    listed = self._info(written)
                except GatedRepoError:
                    listed = Listed(RepoRecord(self.hub, written, self._url(written), "gated"))
                except _Unreadable as exc:
                    for child in children:
                        yield CrawlWarning(f"declared base model {written}: {exc}", child.key,
                                           True)
                    continue
                except (*_GONE, ValueError):
                    for child in children:
                        yield CrawlWarning(
                            f"declared base model {written} does not exist on the hub",
                            repo=child.key,
                        )
                    continue
                member = walk.find(listed.repo_id)
                if member is not None:  # a member's former id
                    parent = member
                else:
                    parent = _renamed(listed.record, written)
                    yield parent
            yield from walk.link_outside(parent, written, children)

    # --- hub calls -------------------------------------------------------------------------

    def _info(self, repo_id: str) -> Listed:
        """model_info with our expand list; raises the huggingface_hub errors that are data.

        Read raw (not through `HfApi.model_info`) so the answer's host is checked like every
        other JSON answer: a redirect to another host is not data about this repo (issue 17)."""
        url = f"{self.endpoint}/api/models/{repo_id}"
        data, _ = self._get_json("model_info", f"model_info {repo_id}", url, _expand())
        return parse_repo(data, hub_url=self.endpoint)

    def _children(self, parent_id: str) -> list[object]:
        params = [("filter", f"base_model:{parent_id}"), *_expand()]
        items: list[object] = []
        what = f"listing children of {parent_id}"
        for page, _ in self._pages("listing", what, f"{self.endpoint}/api/models", params):
            items.extend(page)
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
        except (TokenRejected, _Unreadable) as exc:  # unread (see read_file); the stored stays
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
                raise _Unreadable(f"{what}: expected a JSON list", hub=self.hub)
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
        self, kind: str, what: str, url: str, params: Any
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
                follow_redirects=True,  # a renamed repo answers 307 (and a given session may not)
            ) as response:
                if response.history:  # each redirect was a request too
                    self._count(kind, len(response.history))
                off = self._off_host(response)
                if response.history and off is None:
                    target[:] = [str(response.url), None]
                if off is not None:
                    raise _Unreadable(
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
                        raise _Unreadable(f"{what}: answer over {_MAX_JSON} bytes", hub=self.hub)
            try:
                return load_json(bytes(body), max_size=_MAX_JSON, max_nodes=_MAX_JSON), response
            except ValueError as exc:
                raise _BadJSON(f"unreadable JSON ({exc})") from exc

        return self._call(call, what=what, kind=kind)

    def _call(self, fn: Callable[[], Any], *, what: str, kind: str) -> Any:
        """One hub call through the retry policy, and what its giving up means.

        A call that gives up (5xx, cut-off bodies, a 429 storm past crawl.max_retry_wait) while
        other calls get answers is that one repo unread: `_Unreadable`, a warning on it and a
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
                raise _Unreadable(str(exc), hub=self.hub) from exc
            if isinstance(cause, httpx2.ConnectError | httpx2.ConnectTimeout) or self._gave_up():
                raise
            raise _Unreadable(str(exc), hub=self.hub) from exc
        except RateLimited as exc:
            if (exc.retry_after or 0) > self.policy.max_retry_wait or self._gave_up():
                raise
            raise _Unreadable(str(exc), hub=self.hub) from exc
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
            return Retry("rate limited (HTTP 429)", wait_from_headers(headers), rate_limited=True)
        if status == 408 or status >= 500:
            return Retry(f"HTTP {status}", wait_from_headers(headers))
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


def _renamed(record: RepoRecord, asked: str) -> RepoRecord:
    if record.repo_id.lower() == asked.lower():
        return record
    return replace(record, renamed_from=asked, status="renamed")


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
