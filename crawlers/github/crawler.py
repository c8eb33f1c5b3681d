"""The GitHub crawler: a root's fork network, and the ports that name a family member.

Cost model (60 requests an hour anonymous, 5,000 with a token): per GitHub root one
`GET /repos/{o}/{r}`; per repo with forks, its fork pages (`GET /repos/{o}/{r}/forks?
per_page=100&sort=oldest`, `Link` pagination). Forks of forks are listed only for forks whose
own `forks_count` is above 0, which skips almost every fork of a popular repo. Oldest-first
keeps earlier pages unchanged when new forks arrive, so with an ETag store (see
`crawlers._rest.ETagStore`) a daily rerun is mostly 304s, which GitHub does not count against
an authenticated quota.

Search (`GET /search/repositories?q=<term>`, the root's `search_terms`, `search_pages` pages
of 100) proposes candidates; none joins on its name. A hit joins when it is a fork of a member
(declared `fork` claim, from `GET /repos/{o}/{r}`'s `parent`), or when its README
(`GET /repos/{o}/{r}/readme`, raw) links or names a member: an inferred claim, relation
`conversion` when the README says it converts weights, else `other` (a code port or kit).
Hits rejected after reading, unchanged since (`pushed_at`), are not read again
(`CrawlContext.rejected`, fed by `rejections(root)`). A hit whose README or repo page could
not be read is "not checked": a warning, and read again next time, never rejected.

One call that gives up (5xx or cut-off bodies past the retries, JSON that never parses) is
that repo unread: an incomplete `CrawlWarning` naming it, and the run is partial; the hub is
down only when it cannot be reached at all (crawlers/_rest.py, issue 17).

Every fork and joined hit becomes a RepoRecord (license `spdx_id`, stars as likes, created and
pushed dates; `files` is None: GitHub code is not matched by file hash) and a member in
`ctx.members`, so later candidates can name it.
"""

from __future__ import annotations

import enum
import json
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import replace

import requests

from crawlers._mentions import Mention, member_mentions
from crawlers._rest import Answer, ETagStore, RestClient
from crawlers.base import (
    CrawlContext,
    Crawler,
    CrawlItem,
    CrawlWarning,
    HubError,
    LineageClaim,
    Relation,
    RepoRecord,
    is_valid_repo_id,
    node_key,
)
from crawlers.evidence import Family, member_facts
from crawlers.github.parse import (
    parse_repo,
    port_relation,
    project_list,
    project_repo,
    project_search,
)

log = logging.getLogger(__name__)

API_URL = "https://api.github.com"
WEB_URL = "https://github.com"
_JSON = "application/vnd.github+json"
_RAW = "application/vnd.github.raw+json"
_MAX_FORK_PAGES = 1_000  # 100,000 forks of one repo: beyond any real network; crawl.max_pages
_GONE = (404, 410, 451)  # 451: blocked for legal reasons (DMCA); gone from the public


class _NotChecked(Exception):
    """What a verdict needs could not be read this time (issue 17)."""


class _Unchecked(enum.Enum):
    """_judge's answer for a hit it could not check (an enum member: a typed sentinel)."""

    NOT_CHECKED = "not checked"


_NOT_CHECKED = _Unchecked.NOT_CHECKED


class GitHubCrawler(Crawler):
    """Fork networks and evidence-backed ports on GitHub (or GitHub Enterprise) via REST."""

    hub = "github"

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        session: requests.Session | None = None,
        *,
        retries: int | None = 5,
        max_retry_wait: float | None = 300.0,
        timeout: float | None = 30.0,
        etag_cache: ETagStore | None = None,
        search: bool = True,
        search_pages: int = 1,
        max_pages: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__()
        self.endpoint = (endpoint or API_URL).rstrip("/")
        self.search = search
        self.search_pages = max(0, int(search_pages))
        self.max_pages = max(1, int(max_pages or _MAX_FORK_PAGES))
        # Without a store from the caller, validators still last for this crawler's life.
        self.etags: ETagStore = etag_cache if etag_cache is not None else {}
        self.client = RestClient(
            hub=self.hub,
            endpoint=self.endpoint,
            session=session,
            headers={
                "Accept": _JSON,
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "grok-lineage-tracker",
            },
            token=token,
            timeout=30.0 if timeout is None else float(timeout),
            retries=5 if retries is None else int(retries),
            max_retry_wait=300.0 if max_retry_wait is None else float(max_retry_wait),
            counter=self.requests,
            etags=self.etags,
            sleep=sleep,
            clock=clock,
            jitter=jitter,
            limit_fallback_wait=60.0,  # GitHub: "wait at least one minute" without headers
        )
        self._web = WEB_URL if self.endpoint == API_URL else self.endpoint
        # Shared by every root this crawler serves in one run: a term searched or a README
        # read for grok-1 is not asked again for grok-2.
        self._searched: dict[str, tuple[list[object], list[CrawlWarning]]] = {}
        self._readmes: dict[str, str | None] = {}
        self._cut_readmes: set[str] = set()  # longer than the read limit: head only
        self._forks_looked_up: dict[str, tuple[RepoRecord | None, list[CrawlWarning]]] = {}
        self._rejected: dict[str, dict[str, str]] = {}

    # --- the interface ---------------------------------------------------------------------

    def crawl(self, ctx: CrawlContext) -> Iterator[CrawlItem]:
        seen: set[str] = set()
        queue: deque[tuple[str, int]] = deque()  # (repo id, depth) whose forks to list
        for asked in dict.fromkeys(ctx.root.repo_ids):
            if not is_valid_repo_id(asked):
                yield CrawlWarning(f"root {asked[:120]!r} is not an owner/name repo id: skipped")
                continue
            record, warnings = self._lookup(asked)
            yield from warnings
            if record is None:
                continue
            if record.status == "removed":
                yield CrawlWarning(f"root {asked} does not exist on {self.endpoint}", record.key)
            yield record
            seen.update({asked.lower(), record.repo_id.lower()})
            self._remember(ctx, record, None, 0)
            if record.status != "removed" and record.extra.get("forks_count"):
                queue.append((record.repo_id, 0))
        yield from self._walk(ctx, queue, seen)
        if self.search and ctx.root.search_terms:
            for term in dict.fromkeys(ctx.root.search_terms):
                yield from self._search(ctx, term, queue, seen)
            yield from self._walk(ctx, queue, seen)  # forks of the ports that joined

    def check(self, repo_id: str) -> RepoRecord:
        """One repo looked up: active, removed (404/410/451) or renamed (new id)."""
        if not is_valid_repo_id(repo_id):
            raise HubError(f"not a repo id: {repo_id[:120]!r}", hub=self.hub)
        record, warnings = self._lookup(repo_id)
        if record is None:
            raise HubError(warnings[0].message if warnings else "unreadable", hub=self.hub)
        return record

    def rejections(self, root: str) -> dict[str, str]:
        """Search hits `root` rejected after reading their README: repo id -> `pushed_at`.
        Store them and pass them back as `CrawlContext.rejected` for this hub."""
        return dict(self._rejected.get(root, {}))

    @property
    def quota_spent(self) -> int:
        """Requests that cost quota: 304s are free on an authenticated call (GitHub docs)."""
        return sum(
            n for k, n in self.requests.items() if not (k.endswith("_304") and self.client.token)
        )

    def close(self) -> None:
        self.client.close()

    # --- the fork network --------------------------------------------------------------------

    def _walk(
        self, ctx: CrawlContext, queue: deque[tuple[str, int]], seen: set[str]
    ) -> Iterator[CrawlItem]:
        while queue:
            parent_id, depth = queue.popleft()
            parent_key = node_key(self.hub, parent_id)
            for item in self._fork_pages(parent_id):
                if isinstance(item, CrawlWarning):
                    yield item
                    continue
                record, warnings = self._record(item, parent=parent_id)
                yield from warnings
                if record is None or record.repo_id.lower() in seen:
                    continue
                seen.add(record.repo_id.lower())
                yield record
                yield LineageClaim(
                    parent_key,
                    record.key,
                    "fork",
                    "declared",
                    1.0,
                    f"GitHub fork parent: {parent_id}",
                )
                self._remember(ctx, record, parent_key, depth + 1, "fork")
                if len(seen) >= ctx.max_members:
                    ctx.limit_reached(
                        f"fork network larger than crawl.max_members = {ctx.max_members}: cut there"
                    )
                    return
                if record.extra.get("forks_count"):
                    if depth + 1 >= ctx.max_depth:
                        ctx.limit_reached(
                            f"forks of forks deeper than crawl.max_depth = "
                            f"{ctx.max_depth}: cut there"
                        )
                        continue
                    queue.append((record.repo_id, depth + 1))

    def _fork_pages(self, repo_id: str) -> Iterator[object]:
        """Every fork object of one repo, page by page; warnings for what is unreadable.

        A `Link` header is not trusted to end (issue 17): a next link already followed, or a
        page equal to one already read (a loop with a changing parameter), ends the listing
        with a warning, and so does the page budget (`crawl.max_pages`)."""
        where = node_key(self.hub, repo_id)
        url: str | None = f"/repos/{repo_id}/forks"
        params: dict[str, object] | None = {"per_page": 100, "sort": "oldest"}
        seen_urls: set[str] = set()
        seen_pages: set[str] = set()
        for _ in range(self.max_pages):
            if url is None:
                return
            answer = self.client.get(url, kind="forks", params=params, project=project_list)
            params = None  # the next link carries its own query
            if not answer.ok:
                yield CrawlWarning(f"fork listing of {repo_id}: {_why(answer)}", where,
                                   _unread(answer))
                return
            if not isinstance(answer.body, list):
                yield CrawlWarning(f"fork listing of {repo_id}: not a list", where, True)
                return
            page = json.dumps(answer.body, sort_keys=True)
            if page in seen_pages:
                yield CrawlWarning(f"fork listing of {repo_id}: a page came again; ended", where)
                return
            seen_pages.add(page)
            seen_urls.add(answer.url)
            yield from answer.body
            url = answer.next_url
            if url is not None and url in seen_urls:
                yield CrawlWarning(f"fork listing of {repo_id}: next link loops; ended", where)
                return
        if url is not None:
            yield CrawlWarning(
                f"fork listing of {repo_id}: stopped after {self.max_pages} pages "
                "(crawl.max_pages)",
                where,
            )

    # --- search ------------------------------------------------------------------------------

    def _search(
        self, ctx: CrawlContext, term: str, queue: deque[tuple[str, int]], seen: set[str]
    ) -> Iterator[CrawlItem]:
        hits, warnings = self._search_hits(term)
        yield from warnings
        family: Family | None = None
        members_seen = -1
        rejected = self._rejected.setdefault(ctx.root.name, {})
        for hit in hits:
            record, warns = self._record(hit)
            if record is None:
                yield from warns
                continue
            rid = record.repo_id
            if rid.lower() in seen:
                continue
            seen.add(rid.lower())
            marker = str(record.extra.get("pushed_at") or "")
            if marker and ctx.rejected.get(rid) == marker and record.key not in ctx.members:
                rejected[rid] = marker  # unchanged since it was read and rejected
                continue
            yield from warns
            if len(ctx.members) != members_seen:  # members joined since: index them again
                family, members_seen = Family(ctx.members), len(ctx.members)
            assert family is not None
            joined = yield from self._judge(ctx, record, hit, family)
            if joined is _NOT_CHECKED:  # read again next time: not a rejection
                continue
            if joined is None:
                if marker:
                    rejected[rid] = marker
                continue
            rejected.pop(rid, None)
            if joined.extra.get("forks_count"):
                queue.append((joined.repo_id, ctx.members[joined.key].depth))

    def _search_hits(self, term: str) -> tuple[list[object], list[CrawlWarning]]:
        if term in self._searched:
            return self._searched[term]
        hits: list[object] = []
        warnings: list[CrawlWarning] = []
        url: str | None = "/search/repositories"
        params: dict[str, object] | None = {"q": term, "per_page": 100}
        for _ in range(self.search_pages):
            if url is None:
                break
            answer = self.client.get(url, kind="search", params=params, project=project_search)
            params = None
            body = answer.body
            if not answer.ok or not isinstance(body, Mapping):
                why = _why(answer) if not answer.ok else "not an object"
                unread = _unread(answer) or answer.ok
                warnings.append(CrawlWarning(f"search {term[:60]!r}: {why}", None, unread))
                break
            hits.extend(body.get("items") or [])
            url = answer.next_url
        self._searched[term] = (hits, warnings)
        return hits, warnings

    def _judge(
        self, ctx: CrawlContext, record: RepoRecord, hit: object, family: Family
    ) -> Generator[CrawlItem, None, RepoRecord | _Unchecked | None]:
        """Yield the hit and its claim when evidence ties it to a member; return the record
        that joined (None: rejected; _NOT_CHECKED: what it needs could not be read)."""
        unread = False
        if isinstance(hit, Mapping) and hit.get("fork") is True:
            joined = yield from self._fork_of_member(ctx, record, family)
            if joined is _NOT_CHECKED:
                unread = True
            elif joined is not None:
                return joined
        try:
            readme = self._readme(record.repo_id)
        except _NotChecked as exc:
            yield CrawlWarning(f"not checked: {exc}", record.key, True)
            return _NOT_CHECKED
        if readme is None:
            return _NOT_CHECKED if unread else None
        with_card = replace(
            record, card_text=readme, card_complete=record.repo_id not in self._cut_readmes
        )
        mentions = member_mentions(
            with_card, family, prefer=("github", "huggingface", "modelscope")
        )
        if not mentions:
            return None
        relation, why = port_relation(with_card)
        mention = _pick(mentions, relation)
        evidence = mention.said + (f"; {why}" if why else "")
        confidence = 0.75 if mention.linked else 0.6
        yield with_card
        yield LineageClaim(mention.key, record.key, relation, "inferred", confidence, evidence)
        self._remember(ctx, with_card, mention.key, family.depth(mention.key) + 1, relation)
        return with_card

    def _fork_of_member(
        self, ctx: CrawlContext, record: RepoRecord, family: Family
    ) -> Generator[CrawlItem, None, RepoRecord | _Unchecked | None]:
        """A search hit that is a fork: joins when its parent (or its network's source) is a
        member. Costs one `GET /repos/{o}/{r}` (search results carry no parent)."""
        if record.repo_id not in self._forks_looked_up:
            self._forks_looked_up[record.repo_id] = self._lookup(record.repo_id)
        full, warnings = self._forks_looked_up[record.repo_id]
        yield from warnings
        if full is None and any(w.incomplete for w in warnings):
            return _NOT_CHECKED
        if full is None or full.status == "removed":
            return None
        for rel, confidence in (("parent", 1.0), ("source", 0.9)):
            other = full.extra.get(rel)
            key = family.resolve(other, "github", "github") if isinstance(other, str) else None
            if key and key.startswith("github:") and key != full.key:
                evidence = f"GitHub fork {rel}: {other}"
                yield full
                yield LineageClaim(key, full.key, "fork", "declared", confidence, evidence)
                self._remember(ctx, full, key, family.depth(key) + 1, "fork")
                return full
        return None

    def _readme(self, repo_id: str) -> str | None:
        if repo_id in self._readmes:
            return self._readmes[repo_id]
        answer = self.client.get(f"/repos/{repo_id}/readme", kind="readme", raw=True, accept=_RAW)
        if _unread(answer):  # not cached: the next root, or the next crawl, asks again
            raise _NotChecked(f"README unread ({_why(answer)})")
        body = answer.body if answer.ok and isinstance(answer.body, str) else None
        if answer.truncated:
            self._cut_readmes.add(repo_id)
        self._readmes[repo_id] = body
        return body

    # --- one repo ----------------------------------------------------------------------------

    def _lookup(self, asked: str) -> tuple[RepoRecord | None, list[CrawlWarning]]:
        """`GET /repos/{o}/{r}`: a record (removed when gone, renamed when redirected)."""
        key = node_key(self.hub, asked)
        answer = self.client.get(f"/repos/{asked}", kind="repo", project=project_repo)
        if answer.status in _GONE:
            return RepoRecord(self.hub, asked, self._url(asked), status="removed"), []
        if not answer.ok:
            return None, [CrawlWarning(f"{asked}: {_why(answer)}", key, _unread(answer))]
        return self._record(answer.body, asked=asked)

    def _record(
        self, obj: object, *, asked: str | None = None, parent: str | None = None
    ) -> tuple[RepoRecord | None, list[CrawlWarning]]:
        return parse_repo(obj, web=self._web, asked=asked, parent=parent)

    # --- helpers -----------------------------------------------------------------------------

    def _remember(
        self,
        ctx: CrawlContext,
        record: RepoRecord,
        parent: str | None,
        depth: int,
        relation: str | None = None,
    ) -> None:
        if record.status == "removed":
            return
        previous = ctx.members.get(record.key)
        aliases = previous.aliases if previous else ()
        ctx.members[record.key] = member_facts(
            record, parent=parent, relation=relation, depth=depth, aliases=aliases
        )

    def _url(self, repo_id: str) -> str:
        return f"{self._web}/{repo_id}"


def _pick(mentions: list[Mention], relation: Relation) -> Mention:
    """The member a port derives from: a weights repo for a conversion, the code otherwise;
    a link before a bare name."""
    want = "huggingface:" if relation == "conversion" else "github:"
    for linked in (True, False):
        for m in mentions:
            if m.linked == linked and m.key.startswith(want):
                return m
    return mentions[0]


def _unread(answer: Answer) -> bool:
    """The hub did not answer readably (gave up, or a body that never parsed): the repo is
    unread this time, not gone or forbidden."""
    return answer.bad_body is not None


def _why(answer: Answer) -> str:
    if answer.bad_body:
        return answer.bad_body
    if answer.status == 403:
        return "HTTP 403 (forbidden; not a rate limit)"
    return f"HTTP {answer.status}"
