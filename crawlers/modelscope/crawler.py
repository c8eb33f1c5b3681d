"""The ModelScope crawler: mirrors of a family's weights, proved by hashes or by the card.

Routes, as the `modelscope` SDK 1.40 / `modelscope_hub` 0.5 use them (read from their source,
not guessed):
- search: `GET /openapi/v1/models?search=<term>&page_number=N&page_size=50` (OpenAPI
  `list_models`; envelope `{"success", "data": {"models": [...], "total_count"}}`; the
  server refuses `page_number * page_size > 3000`);
- detail: `GET /openapi/v1/models/{owner}/{name}`, falling back to the legacy
  `GET /api/v1/models/{owner}/{name}` on 404 (the SDK's `get_repo` does the same);
- files: `GET /api/v1/models/{id}/repo/files?Revision=master&Recursive=True` (legacy
  envelope `{"Code", "Data": {"Files": [{"Path", "Type", "Size", "Sha256"}]}}`; no paging,
  silently cut at 3,000 entries);
- README: `GET /api/v1/models/{id}/repo?Revision=master&FilePath=README.md` (raw bytes).

A ModelScope root node is read like a root (detail, files, card when the root's terms need
it). A search hit joins only on evidence, strongest first: its weight files share sha256 with
a member ("shares 3/3 weight files with huggingface:hpcai-tech/grok-1"), or its README links
or names a member. It joins as a `fork` (a mirror) from that member, source `inferred`;
files that plainly say otherwise (GGUF low-bit, adapter files, only a tokenizer) name their
own relation instead (crawlers/relation.py). A hit named "grok" with no evidence never joins.
Requests are counted as `listing`, `model_info`, `tree` (file listings) and `file` (READMEs).
ModelScope exposes no commit id in these routes, so `sha` stays None and the few candidates'
files are listed on each crawl; a hit rejected after reading is not read again while its
`last_modified` is unchanged (`CrawlContext.rejected`, fed by `rejections(root)`). A hit whose
files or card could not be read is "not checked": a warning, read again next time, never
rejected. One call that gives up is that repo unread (an incomplete warning, a partial run),
never the hub down (crawlers/_rest.py, issue 17).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import replace
from typing import Any

import requests

from crawlers._mentions import member_mentions
from crawlers._rest import Answer, ETagStore, RestClient, as_int
from crawlers.base import (
    CrawlContext,
    Crawler,
    CrawlItem,
    CrawlWarning,
    FileRecord,
    HubError,
    LineageClaim,
    MemberFacts,
    Relation,
    RepoRecord,
    is_valid_repo_id,
    node_key,
)
from crawlers.content import content_of, parse_card
from crawlers.evidence import Family, member_facts
from crawlers.modelscope.parse import (
    failure,
    listing_items,
    parse_files,
    parse_model,
    says_not_found,
    unwrap,
)
from crawlers.relation import NOTHING_STATED, classify

log = logging.getLogger(__name__)

ENDPOINT = "https://modelscope.cn"
PAGE_SIZE = 50  # the OpenAPI listing's largest page (modelscope_hub compat)
_LISTING_CAP = 3000  # page_number * page_size beyond this is refused


class _NotChecked(Exception):
    """A card that could not be read this time (issue 17)."""


class ModelScopeCrawler(Crawler):
    """Roots on ModelScope and mirrors of a family's members found by search."""

    hub = "modelscope"

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
        search_pages: int = 4,
        max_pages: int | None = None,  # listings here are numbered pages, capped below
        revision: str = "master",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__()
        self.endpoint = (endpoint or ENDPOINT).rstrip("/")
        self.search_pages = max(0, min(int(search_pages), _LISTING_CAP // PAGE_SIZE))
        self.revision = revision
        self.client = RestClient(
            hub=self.hub,
            endpoint=self.endpoint,
            session=session,
            headers={"Accept": "application/json", "User-Agent": "grok-lineage-tracker"},
            token=token,
            timeout=30.0 if timeout is None else float(timeout),
            retries=5 if retries is None else int(retries),
            max_retry_wait=300.0 if max_retry_wait is None else float(max_retry_wait),
            counter=self.requests,
            etags=etag_cache if etag_cache is not None else {},
            sleep=sleep,
            clock=clock,
            jitter=jitter,
        )
        self._listed: dict[str, tuple[list[object], list[CrawlWarning]]] = {}
        self._cut_readmes: set[str] = set()  # longer than the read limit: head only
        self._rejected: dict[str, dict[str, str]] = {}
        self._index: tuple[dict[str, Any], int, Family] | None = None

    # --- the interface ---------------------------------------------------------------------

    def crawl(self, ctx: CrawlContext) -> Iterator[CrawlItem]:
        seen: set[str] = set()
        read_cards = bool(getattr(ctx.root, "read_cards", False))
        for rid in dict.fromkeys(ctx.root.repo_ids):
            if not is_valid_repo_id(rid):
                yield CrawlWarning(f"root {rid[:120]!r} is not an owner/name repo id: skipped")
                continue
            record, warnings = self._detail(rid)
            yield from warnings
            if record is None:
                continue
            if record.status == "removed":
                yield CrawlWarning(f"root {rid} does not exist on {self.endpoint}", record.key)
            else:
                files, warns = self._files(record.repo_id)
                yield from warns
                card = None
                if read_cards:
                    try:
                        card = self._readme(record.repo_id)
                    except _NotChecked as exc:  # the stored card stays
                        yield CrawlWarning(f"card not read: {exc}", record.key, True)
                record = _with_files(
                    record, files, card, record.repo_id not in self._cut_readmes
                )
            seen.update({rid.lower(), record.repo_id.lower()})
            yield record
            self._remember(ctx, record, None, None, 0)
        for term in dict.fromkeys(ctx.root.search_terms):
            yield from self._search(ctx, term, seen, read_cards)

    def check(self, repo_id: str) -> RepoRecord:
        """One model looked up: active, gated, removed, or renamed (the hub answered another id)."""
        if not is_valid_repo_id(repo_id):
            raise HubError(f"not a repo id: {repo_id[:120]!r}", hub=self.hub)
        record, warnings = self._detail(repo_id)
        if record is None:
            raise HubError(warnings[0].message if warnings else "unreadable", hub=self.hub)
        return record

    def rejections(self, root: str) -> dict[str, str]:
        """Search hits `root` rejected after reading them: repo id -> `last_modified`. Store
        them and pass them back as `CrawlContext.rejected` for this hub."""
        return dict(self._rejected.get(root, {}))

    def close(self) -> None:
        self.client.close()

    # --- search ------------------------------------------------------------------------------

    def _search(
        self, ctx: CrawlContext, term: str, seen: set[str], read_cards: bool
    ) -> Iterator[CrawlItem]:
        items, warnings = self._listing(term)
        yield from warnings
        rejected = self._rejected.setdefault(ctx.root.name, {})
        for item in items:
            record, warns = self._parse(item)
            if record is None:
                yield from warns
                continue
            rid = record.repo_id
            if rid.lower() in seen:
                continue
            seen.add(rid.lower())
            marker = record.last_modified.isoformat() if record.last_modified else ""
            if marker and ctx.rejected.get(rid) == marker and record.key not in ctx.members:
                rejected[rid] = marker
                continue
            yield from warns
            joined = yield from self._judge(ctx, record, read_cards)
            if joined is None:  # not checked: read again next time, not a rejection
                continue
            if joined:
                rejected.pop(rid, None)
            elif marker:
                rejected[rid] = marker

    def _listing(self, term: str) -> tuple[list[object], list[CrawlWarning]]:
        if term in self._listed:
            return self._listed[term]
        items: list[object] = []
        warnings: list[CrawlWarning] = []
        for page in range(1, self.search_pages + 1):
            answer = self.client.get(
                "/openapi/v1/models",
                kind="listing",
                params={"search": term, "page_number": page, "page_size": PAGE_SIZE},
            )
            payload = unwrap(answer.body)
            failed = failure(answer.body)
            if not answer.ok or failed or not isinstance(payload, Mapping | list):
                why = _why(answer) if not answer.ok else (failed or "not a listing")
                unread = answer.bad_body is not None or (answer.ok and not failed)
                warnings.append(CrawlWarning(f"search {term[:60]!r} page {page}: {why}", None,
                                             unread))
                break
            page_items = listing_items(payload)
            items.extend(page_items)
            total = as_int(payload.get("total_count")) if isinstance(payload, Mapping) else None
            if len(page_items) < PAGE_SIZE or (total is not None and page * PAGE_SIZE >= total):
                break
        self._listed[term] = (items, warnings)
        return items, warnings

    def _judge(
        self, ctx: CrawlContext, hit: RepoRecord, read_cards: bool
    ) -> Generator[CrawlItem, None, bool | None]:
        """Yield the hit and its claim when its files or card tie it to a member; return
        whether it joined, or None when what it needs could not be read (not checked)."""
        family = self._family(ctx)
        rid = hit.repo_id
        files: tuple[FileRecord, ...] | None = None
        share: tuple[str, int, int] | None = None  # (member key, shared, of)
        unread = False
        if family.has_hashes:
            files, warns = self._files(rid)
            yield from warns
            unread = any(w.incomplete for w in warns)
            share = _best_share(family, content_of(files).ids("weights"), hit.key)
        card = None
        if share is None or read_cards or _older(hit, family.members.get(share[0])):
            try:
                card = self._readme(rid)
            except _NotChecked:
                unread = True
        mentions = member_mentions(
            replace(hit, card_text=card), family, prefer=("huggingface", "modelscope", "github")
        )
        if share is None and not mentions:
            if unread:
                yield CrawlWarning(f"{rid}: not checked (its files or card unread)", hit.key, True)
                return None
            return False
        detail, warns = self._detail(rid)  # the model page's own license and dates
        yield from warns
        record = detail if detail is not None and detail.status != "removed" else hit
        if files is None:
            files, warns = self._files(rid)
            yield from warns
        record = _with_files(record, files, card, rid not in self._cut_readmes)
        if share is not None:
            parent, k, n = share
            evidence = f"shares {k}/{n} weight files with {parent}"
            confidence = 0.95 if k == n else round(0.6 + 0.3 * k / n, 2)
            also = next((m for m in mentions if m.key == parent), None)
            if also is not None:
                evidence += f"; {also.said}"
                confidence = min(1.0, confidence + 0.04)
        else:
            mention = mentions[0]
            parent, evidence = mention.key, mention.said
            confidence = 0.7 if mention.linked else 0.55
        relation, why = _relation(record, family, parent, shared=share is not None)
        if why:
            evidence += f"; {why}"
        yield record
        yield LineageClaim(parent, record.key, relation, "inferred", confidence, evidence)
        self._remember(ctx, record, parent, relation, family.depth(parent) + 1)
        return True

    # --- one model ---------------------------------------------------------------------------

    def _detail(self, rid: str) -> tuple[RepoRecord | None, list[CrawlWarning]]:
        """The model page's metadata: OpenAPI first, the legacy route when it says 404."""
        key = node_key(self.hub, rid)
        owner, name = rid.split("/", 1)
        answer = self.client.get(f"/openapi/v1/models/{owner}/{name}", kind="model_info")
        if answer.status == 404 or _gone(answer):
            answer = self.client.get(
                f"/api/v1/models/{owner}/{name}",
                kind="model_info",
                params={"Revision": self.revision},
            )
            if answer.status in (404, 410) or _gone(answer):
                return RepoRecord(self.hub, rid, self._url(rid), status="removed"), []
        if not answer.ok:
            return None, [CrawlWarning(f"{rid}: {_why(answer)}", key, _unread(answer))]
        failed = failure(answer.body)
        if failed:
            return None, [CrawlWarning(f"{rid}: {failed}", key)]
        record, warnings = self._parse(unwrap(answer.body), asked=rid)
        return record, warnings

    def _files(self, rid: str) -> tuple[tuple[FileRecord, ...] | None, list[CrawlWarning]]:
        key = node_key(self.hub, rid)
        answer = self.client.get(
            f"/api/v1/models/{rid}/repo/files",
            kind="tree",
            params={"Revision": self.revision, "Recursive": "True"},
        )
        failed = failure(answer.body) if answer.ok else None
        if not answer.ok or failed:
            why = failed or _why(answer)
            return None, [CrawlWarning(f"file listing of {rid}: {why}", key, _unread(answer))]
        return parse_files(answer.body, rid)

    def _readme(self, rid: str) -> str | None:
        answer = self.client.get(
            f"/api/v1/models/{rid}/repo",
            kind="file",
            params={"Revision": self.revision, "FilePath": "README.md"},
            raw=True,
        )
        if _unread(answer):
            raise _NotChecked(_why(answer))
        if not answer.ok or not isinstance(answer.body, str):
            return None
        if answer.truncated:  # longer than the read limit: what it lacks is not checked
            self._cut_readmes.add(rid)
        # a JSON envelope instead of the file: the hub's way of saying "no such file"
        stripped = answer.body.lstrip()
        if stripped.startswith("{") and '"Code"' in stripped[:200] and "Success" in stripped:
            return None
        return answer.body

    def _parse(
        self, item: object, *, asked: str | None = None
    ) -> tuple[RepoRecord | None, list[CrawlWarning]]:
        return parse_model(item, web=self.endpoint, asked=asked)

    # --- helpers -----------------------------------------------------------------------------

    def _remember(
        self,
        ctx: CrawlContext,
        record: RepoRecord,
        parent: str | None,
        relation: str | None,
        depth: int,
    ) -> None:
        if record.status == "removed":
            return
        previous = ctx.members.get(record.key)
        ctx.members[record.key] = member_facts(
            record,
            parent=parent,
            relation=relation,
            depth=depth,
            aliases=previous.aliases if previous else (),
            previous=previous,
        )

    def _family(self, ctx: CrawlContext) -> Family:
        """The members indexed; again only when some joined since (the index is O(members))."""
        cached = self._index
        if cached is None or cached[0] is not ctx.members or cached[1] != len(ctx.members):
            cached = self._index = (ctx.members, len(ctx.members), Family(ctx.members))
        return cached[2]

    def _url(self, repo_id: str) -> str:
        return f"{self.endpoint}/models/{repo_id}"


def _with_files(
    record: RepoRecord,
    files: tuple[FileRecord, ...] | None,
    card: str | None,
    complete: bool = True,
) -> RepoRecord:
    formats = content_of(files).weight_formats if files is not None else record.formats
    card_text = card or record.card_text
    license_raw: dict[str, object] = dict(record.license_raw)
    if card_text:
        # the card's YAML says the license as the Hub does (`license: other` +
        # `license_name: grok-2`); it wins over the API's coarse field, as on Hugging Face
        front = parse_card(card_text)[0]
        declared: dict[str, object] = {
            k: v
            for k in ("license", "license_name", "license_link")
            if isinstance(v := front.get(k), str) and v.strip()
        }
        if declared:
            license_raw = declared
    # a card cut at the read limit: what its unread rest shows is not checked (issue 17)
    complete = complete if card else record.card_complete
    return replace(
        record,
        files=files,
        card_text=card_text,
        formats=formats,
        license_raw=license_raw,
        card_complete=complete,
    )


def _best_share(family: Family, ids: frozenset[str], own: str) -> tuple[str, int, int] | None:
    """The member holding most of these weight files: Hugging Face first, then the shallowest."""
    if not ids:
        return None
    shared = {k: n for k, n in family.shared(ids, "weights").items() if k != own}
    if not shared:
        return None
    best = min(
        shared,
        key=lambda k: (-shared[k], not k.startswith("huggingface:"), family.depth(k), k),
    )
    return best, shared[best], len(ids)


def _older(hit: RepoRecord, member: MemberFacts | None) -> bool:
    """Whether the hit was created before the member whose weight files it holds: then the
    hit may be the origin (a fine-tune first published here, copied to Hugging Face later),
    and its card names its own parent. A copy made after the member (the usual mirror) has
    nothing to add there, and its README is not worth a request."""
    mine, theirs = hit.created_at, member.created_at if member else None
    return mine is not None and theirs is not None and mine < theirs


def _relation(
    record: RepoRecord, family: Family, parent: str, *, shared: bool
) -> tuple[Relation, str]:
    """`fork` (a mirror) unless the files plainly show another relation; a hit tied only by
    its card, with weights of its own, takes the relation its card states (微调: finetune)."""
    facts = family.members.get(parent)
    c = classify(record, facts, scale=family.scale_of(parent))
    if c.strong and c.relation and c.relation != "fork":
        return c.relation, c.reason
    if not shared and c.relation and c.relation != "fork" and c.reason != NOTHING_STATED:
        return c.relation, c.reason
    return "fork", ""



def _gone(answer: Answer) -> bool:
    return answer.body is not None and says_not_found(answer.body)


def _unread(answer: Answer) -> bool:
    """The hub did not answer readably (gave up, or a body that never parsed): the repo is
    unread this time, not gone."""
    return answer.bad_body is not None


def _why(answer: Answer) -> str:
    return answer.bad_body or f"HTTP {answer.status}"
