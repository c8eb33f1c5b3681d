"""The Hugging Face crawler: a root's declared lineage, breadth-first, to any depth.

Cost model (the Hub's quota, not CPU, bounds a crawl): per family member one children listing
(`GET /api/models?filter=base_model:<id>&expand=...`, whose items carry every field a
RepoRecord needs, so no model_info per child; an empty answer stands for the rest of the run,
so a member of two roots' families is listed once; none for a member where lineages end:
quantized weights in an inference-only format, a tokenizer alone, a random-init test model,
economy.ends_a_line) and, only when its `sha` differs from the last
crawl's, one recursive tree listing for the file hashes. `model_info` is called for the roots
and for declared parents outside the family (merges, missing bases). A walked member's README
is fetched only for roots whose terms require a notice in it (`RootSpec.read_cards`, e.g.
"Powered by xAI" for grok-2), only when the sha changed, and once per distinct README blob;
a member whose lineage nothing declares (found by discovery, or an outside parent showing the
family's architecture) has its README read as evidence.

The hub calls (paging, retries, rename detection, request counts) are client.py's. Work runs
on a few threads; records are yielded in breadth-first order, deterministically.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import quote, urlsplit

import httpx2
from huggingface_hub.errors import (
    GatedRepoError,
    RemoteEntryNotFoundError,
    RevisionNotFoundError,
)

from crawlers._http import wait_from_headers
from crawlers.base import (
    CrawlContext,
    CrawlItem,
    CrawlWarning,
    FileRecord,
    HubError,
    LineageClaim,
    RepoRecord,
    TokenRejected,
    is_valid_repo_id,
    node_key,
)
from crawlers.evidence import GROK, architecture_match
from crawlers.huggingface.client import GONE, HubCalls, Unreadable
from crawlers.huggingface.discovery import Discovery
from crawlers.huggingface.economy import ends_a_line
from crawlers.huggingface.parse import Listed, parse_repo
from crawlers.huggingface.reader import RepoGone, Unread
from crawlers.huggingface.walk import Expansion, Node, Walk


class HuggingFaceCrawler(HubCalls):
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
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            endpoint,
            token,
            session,
            retries=retries,
            max_retry_wait=max_retry_wait,
            timeout=timeout,
            max_pages=max_pages,
            sleep=sleep,
            clock=clock,
            wall_clock=wall_clock,
            jitter=jitter,
        )
        self.workers = max(1, int(workers))
        # Members fetched ahead of the consumer, so the hub keeps being asked while the
        # pipeline writes a batch; bounded, so a closed crawl wastes few requests.
        self.prefetch = max(1, prefetch or self.workers * 32)
        self.read_cards = read_cards  # None: as the root says (RootSpec.read_cards)
        # undeclared derivatives (discovery.py); one Discovery serves every root of this
        # crawler, so the candidate listings and reads are shared between roots
        self.discover = discover
        self._discovery: Discovery | None = None

    # --- the interface ---------------------------------------------------------------------

    def crawl(self, ctx: CrawlContext) -> Iterator[CrawlItem]:
        read_cards = self._reads_cards(ctx)
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
        except GONE:
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
                listed = self._info(repo_id, files=True)
            except GatedRepoError:
                listed = Listed(RepoRecord(self.hub, repo_id, self._url(repo_id), "gated"))
            except GONE:
                yield CrawlWarning(f"root {repo_id} does not exist on {self.endpoint}", repo=key)
                listed = Listed(RepoRecord(self.hub, repo_id, self._url(repo_id), "removed"))
            except (ValueError, Unreadable) as exc:
                # what the last good crawl knew of the root stays (its license, its dates): no
                # record for it this time, but its children are still walked (issue 17)
                yield CrawlWarning(f"root {repo_id}: unreadable metadata ({exc})", key, True)
                listed = Listed(RepoRecord(self.hub, repo_id, self._url(repo_id)))
                walk.add(Node(listed, is_root=True, stale=True))
                continue
            sha = listed.record.sha
            if sha is not None and ctx.known_shas.get(listed.repo_id) == sha:
                # unchanged: its stored files stand, as for any member whose sha is known
                listed = replace(listed, record=replace(listed.record, files=None))
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
                if record.files is not None:  # model_info listed them with their hashes
                    out.files = list(record.files)
                else:
                    try:
                        out.files, out.moved_to, bad = self._tree(record.repo_id, record.sha)
                    except RevisionNotFoundError:  # pushed to since the listing: take main
                        out.files, out.moved_to, bad = self._tree(record.repo_id, None)
                    if bad:
                        out.warnings.append(f"{bad} unreadable entries in the file list skipped")
                # a root's card is not read: the audit holds derivatives to the root's terms,
                # and nothing in it can name a parent
                if read_cards and not node.is_root:
                    out.card_text, out.card_complete = self._card(
                        out.moved_to or record.repo_id, out.files
                    )
            except GatedRepoError:
                out.warnings.append("the hub refused the file list (gated repo)")
            except GONE:
                out.gone = True
            except Unreadable as exc:
                # files unknown this time: keep the stored ones, and the stored sha, so the
                # next crawl lists them again (tests/tracker/test_bad_data.py)
                out.files, out.unread = None, True
                out.incomplete.append(f"file list skipped: {exc}")
        if not node.is_root and self._ends_a_line(node, out):
            return out  # quantized for inference, a tokenizer, a test model: no children asked
        # A member renamed since the listing keeps children that declare its former id.
        names = [out.moved_to or record.repo_id, record.repo_id, *node.aliases]
        for parent_id in dict.fromkeys(names):
            try:
                out.children.append((parent_id, self._children(parent_id)))
            except Unreadable as exc:
                out.incomplete.append(f"children listing skipped: {exc}")
        return out

    def _ends_a_line(self, node: Node, out: Expansion) -> bool:
        """Whether the member's files show a repo lineages end at (economy.ends_a_line)."""
        record = node.listed.record
        files = out.files if out.files is not None else record.files
        if files is None and node.listed.siblings is not None:
            files = [FileRecord(name) for name in node.listed.siblings]
        if files is None:
            return False
        smallest = (self._discovery.markers if self._discovery else GROK).smallest_release
        return ends_a_line(replace(record, files=tuple(files)), smallest) is not None

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

    # --- discovery's reads (crawlers/huggingface/reader.Reader) --------------------------

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
        # read by parse_item's fixed paths only, so not walked for depth and size (4 us a
        # model): one upload nested past crawlers.bounded's limits no longer stops every
        # sweep at its page (its odd field is read as absent, like any of the wrong type)
        data, response = self._get_json(
            "listing", "sweeping the hub", self.endpoint + path, None, walked=False
        )
        if not isinstance(data, list):
            raise Unreadable("sweeping the hub: expected a JSON list", hub=self.hub)
        wait = wait_from_headers(response.headers, now=self.wall_clock())
        if wait:
            self.policy.pause(wait)
        link = response.links.get("next", {}).get("url")
        if not link:
            return data, None
        target = urlsplit(self._on_endpoint(link))
        return data, target.path + (f"?{target.query}" if target.query else "")

    def list_files(self, repo_id: str, revision: str | None) -> list[FileRecord]:
        """A candidate's files with their hashes; RepoGone when it is not there to list,
        Unread when the hub could not answer (discovery says "not checked")."""
        try:
            try:
                files, _, _ = self._tree(repo_id, revision)
            except RevisionNotFoundError:  # pushed to since the listing: take main
                files, _, _ = self._tree(repo_id, None)
        except (GatedRepoError, *GONE) as exc:
            raise RepoGone(type(exc).__name__) from exc
        except Unreadable as exc:  # not gone: unread this time (issue 17)
            raise Unread(f"file list unread ({exc})") from exc
        return files

    def current_id(self, repo_id: str) -> str | None:
        """The id a repo answers under today (the Hub redirects a former id); None when it
        does not exist, is gated or could not be read this time."""
        try:
            return self._current_id(repo_id)
        except (GatedRepoError, Unreadable, *GONE, ValueError):
            return None

    def read_file(self, repo_id: str, revision: str | None, path: str, limit: int) -> bytes | None:
        """The head of one file (a README, a small config, a GGUF header); None if missing."""
        rev = quote(revision or "main", safe="")
        url = f"{self.endpoint}/{repo_id}/resolve/{rev}/{quote(path)}"
        try:
            return self._call(
                lambda: self._read_capped(url, limit),
                what=f"reading {path} of {repo_id}",
                kind="file",
            )
        except (RemoteEntryNotFoundError, GatedRepoError, *GONE):
            return None
        except TokenRejected as exc:
            # one file refused (a 401 without a gate code) is that file unread, not the end of
            # the crawl: a token really rejected fails the listings too (issue 17)
            self._note(f"{path} of {repo_id} not read: {exc}", node_key(self.hub, repo_id))
            return None
        except Unreadable as exc:
            # never answered whole: not a missing file, and what needs it is not checked
            raise Unread(f"{path} unread ({exc})") from exc

    def _external_parents(self, walk: Walk) -> Iterator[CrawlItem]:
        """Declared parents outside the family: merges' other parents, and missing bases."""
        for written, children in walk.outside_parents():
            parent: Node | RepoRecord | str
            if written in walk.ctx.known_shas:
                parent = written  # already a node in the database: the edge is enough
            else:
                try:
                    listed = self._info(written, files=True)
                except GatedRepoError:
                    listed = Listed(RepoRecord(self.hub, written, self._url(written), "gated"))
                except Unreadable as exc:
                    for child in children:
                        yield CrawlWarning(f"declared base model {written}: {exc}", child.key, True)
                    continue
                except (*GONE, ValueError):
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
                    parent = _renamed(self._as_member(listed.record, walk.ctx), written)
                    yield parent
            yield from walk.link_outside(parent, written, children)
        for written, entries in list(walk.configured_parents()):
            # a merge's or an adapter's config naming a repo by an id no member answers to:
            # one lookup tells a member's former id (the Hub redirects) from an outside model
            if written in walk.ctx.known_shas:
                continue  # a node the database knows: the resolver reads the reference
            try:
                listed = self._info(written)
            except (GatedRepoError, Unreadable, *GONE, ValueError):
                continue  # the resolver sets the reference aside and says why
            member = walk.find(listed.repo_id)
            if member is None:
                record = _renamed(listed.record, written)
                yield record
                yield from walk.link_configured(record, entries)
            else:
                yield from walk.link_configured(member, entries)

    def _reads_cards(self, ctx: CrawlContext) -> bool:
        """Whether members' cards are read: as set on the crawler, else as the root says."""
        if self.read_cards is not None:
            return self.read_cards
        return bool(getattr(ctx.root, "read_cards", False))

    def _as_member(self, record: RepoRecord, ctx: CrawlContext) -> RepoRecord:
        """A declared parent outside the walk that shows the family's architecture is likely
        a member the resolver will keep (a declared cycle's way in): its files and its card
        are read as a discovered member's are, whatever the root's terms, since nothing
        declares where it comes from: the card may name its parent and say how it was made.
        Others stay as listed."""
        markers = self._discovery.markers if self._discovery else GROK
        shows, _ = architecture_match(
            record, markers.architectures, markers.model_types, markers.gguf_architectures
        )
        if shows != "match" or record.status != "active":
            return replace(record, files=None)
        if record.sha is not None and ctx.known_shas.get(record.repo_id) == record.sha:
            return replace(record, files=None)  # stored as it is: its files are too
        releases = {r.lower() for r in markers.release_parameters}
        if record.repo_id.lower() in releases:
            return record  # another root: its own walk lists it, and it has no parent to name
        if record.files is None:  # model_info did not list them with their hashes
            try:
                files, _, _ = self._tree(record.repo_id, None)
            except (GatedRepoError, RevisionNotFoundError, Unreadable, *GONE):
                return record  # the resolver decides from what the listing showed
            record = replace(record, files=tuple(files))
        try:  # its card whatever the root's terms: nothing declares where it comes from
            card, complete = self._card(record.repo_id, list(record.files or ()))
        except Unreadable:
            return record
        return replace(record, card_text=card, card_complete=complete)


def _renamed(record: RepoRecord, asked: str) -> RepoRecord:
    if record.repo_id.lower() == asked.lower():
        return record
    return replace(record, renamed_from=asked, status="renamed")
