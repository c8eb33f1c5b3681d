"""Find a family's undeclared derivatives on the Hugging Face Hub, economically.

Most Grok derivatives declare no `base_model` (hub-facts.md), so the declared-lineage walk
misses them. `Discovery.discover(ctx)` searches for candidates, keeps the few worth a look,
reads just enough of each to decide, and returns the new members with their claims.

Cost model (issue 3): the Hub's quota bounds a crawl, so every read is justified.
1. Listing pages only: per root, its search terms (default "grok") over repo names and the
   family's model-type tags, with `expand` fields (config, gguf, safetensors, cardData, tags,
   siblings, ...). Listings are cached per query, so the second root costs nothing.
2. Listing data rejects most lookalikes for free: another architecture, a GGUF of another
   architecture, a card `base_model` outside the family, a name where the search term is
   only part of another word ("grokking"), a repo holding nothing a derivative could hold.
3. The rest get at most three reads each, most decisive first (`evidence.Verdict.needs`): a
   small config named in the file list (adapter_config.json, mergekit_config.yml), the file
   tree (sha256 of weights and tokenizer), the README (only if the file list has one, and
   only for what the files left undecided: a candidate that joins through another candidate
   of the same round, a copy of its weights, is decided without it). A repo holding nothing
   a derivative holds is rejected unread, whatever its card links.
4. New members get their tree if not read yet (the pipeline stores their files), then their
   README, unless their own files fix their parent and relation (economy.settled_by_files)
   and the root's terms check no notice in cards: so a member costs at most three requests
   beyond the listing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from crawlers.base import (
    CrawlContext,
    CrawlItem,
    CrawlWarning,
    FileRecord,
    MemberFacts,
    RepoRecord,
    is_valid_repo_id,
)
from crawlers.content import (
    CARD_DATA,
    CONFIG,
    CONFIGS,
    content_of,
    effective_parameters,
    parse_card,
    parse_gguf_header,
    parse_json_object,
    safe_yaml,
)
from crawlers.evidence import (
    DECLARED_OUTSIDE,
    GROK,
    SCALE_TOLERANCE,
    SMALL_CONFIGS,
    Family,
    Markers,
    Verdict,
    assess,
)
from crawlers.huggingface.economy import (
    judged_unread,
    names_member,
    settled_by_files,
    unread_gguf_header,
    with_files,
    worth_reading,
)
from crawlers.huggingface.parse import EXPAND, item_field, sibling_names
from crawlers.huggingface.reader import Reader, RepoGone, Unread, record_from_info
from crawlers.huggingface.renames import former_ids, known_as
from crawlers.joins import parents_first, recheck, settle
from crawlers.references import declares_one_of
from crawlers.signals.keep import compact

LISTING_EXPAND = list(EXPAND)  # one list of listing fields, the crawler's (huggingface/parse)
MAX_READS = 3
MAX_SMALL_FILE = 1_000_000  # README, adapter_config.json, mergekit_config.yml
GGUF_HEAD = 256 * 1024  # llama.cpp writes the general.* keys first
_README = "README.md"


class Gone(Exception):
    """A candidate disappeared (or became unreadable) between listing and reading."""


class Discovery:
    """Candidate search and verification, through one crawler's `Reader`.

    The reader does the HTTP (and counts it); `to_record` turns a listing item into a
    RepoRecord (the crawler's own mapping, so both paths store the same fields). One object
    serves every root of a crawl: listings and reads are cached, so a repo is read once.
    """

    def __init__(
        self,
        reader: Reader,
        *,
        markers: Markers = GROK,
        tag_filters: Iterable[str] | None = None,
        fetch_cards: bool = True,
        to_record: Callable[[Any], RepoRecord] | None = None,
        workers: int = 8,
    ) -> None:
        self.reader = reader
        self.workers = max(1, workers)  # reads in flight (the reader must be thread-safe)
        self.markers = markers
        # model types become Hub tags (`filter=grok-1`); architectures and GGUF
        # architectures are not searchable, only checked on what the listings return
        self.tag_filters = tuple(tag_filters if tag_filters is not None else ("grok-1",))
        self.fetch_cards = fetch_cards
        self._to_record = to_record or (lambda info: record_from_info(info, reader.endpoint))
        self._listings: dict[tuple[str, str], list[Any]] = {}
        self._read: dict[str, RepoRecord] = {}  # repo id -> record with the reads done so far
        self._trees: set[str] = set()  # repo ids whose full tree was read
        self._records: dict[tuple[str, str | None], RepoRecord] = {}  # (id, sha) -> listed
        self.rejected: dict[str, str] = {}  # repo id -> why (last discover call)
        self._rejections: dict[str, dict[str, str]] = {}  # root -> repo id -> sha
        self._reasons: dict[str, dict[str, str]] = {}  # root -> repo id -> why, after reads
        self._current: dict[str, str | None] = {}  # lower id asked -> the id the hub answers
        self._asked: dict[str, set[str]] = {}  # repo id -> the reads a verdict asked for
        self.stats: Counter[str] = Counter()

    def rejections(self, root: str) -> dict[str, str]:
        """Candidates a root rejected after reading them, with their sha: keep them and pass
        them back as `CrawlContext.rejected` next time, and they are not read again."""
        return dict(self._rejections.get(root, {}))

    def rejection_reasons(self, root: str) -> dict[str, tuple[str, str]]:
        """Candidates a root rejected after reading them: repo id -> (sha, why)."""
        reasons = self._reasons.get(root, {})
        shas = self._rejections.get(root, {})
        return {rid: (sha, reasons.get(rid, "")) for rid, sha in shas.items()}

    # --- the search ---------------------------------------------------------------------

    def queries(self, ctx: CrawlContext) -> list[tuple[str, str]]:
        terms = ctx.root.search_terms or ("grok",)
        return [("search", t) for t in terms] + [("filter", f) for f in self.tag_filters]

    def listing(self, kind: str, value: str) -> list[Any]:
        """One listing query with expand fields, cached for the life of this object."""
        key = (kind, value)
        if key not in self._listings:
            params = [(kind, value), *(("expand", e) for e in LISTING_EXPAND)]
            self._listings[key] = list(self.reader.list_models(params))
        return self._listings[key]

    def discover(self, ctx: CrawlContext, *, exclude: Collection[str] = ()) -> list[CrawlItem]:
        """Members of `ctx.root`'s family that the listings show beyond `exclude`.

        `exclude` holds the repo ids the caller already yielded this run (the declared walk).
        New members come back as RepoRecords (with files and card) and their LineageClaims,
        parents before children, and are added to `ctx.members` so later walks and roots can
        match them. Members known from earlier crawls whose `sha` is unchanged come back as
        their listing record with `files=None` and no claim (their edges are stored): no read.
        """
        self.rejected = {}
        skip = {i.lower() for i in exclude}
        infos: dict[str, Any] = {}
        for kind, value in self.queries(ctx):
            for info in self.listing(kind, value):
                rid = item_field(info, "id")
                if is_valid_repo_id(rid) and rid.lower() not in skip:
                    infos.setdefault(rid, info)
        for info in ctx.extra_candidates:  # a sweep's candidates; a listing's copy wins
            rid = item_field(info, "id")
            if is_valid_repo_id(rid) and rid.lower() not in skip:
                infos.setdefault(rid, info)
        known = {k.split(":", 1)[1].lower(): k for k in ctx.members if k.startswith("huggingface:")}
        family = Family(ctx.members, self.markers)
        terms = ctx.root.search_terms or ("grok",)
        candidate_ids = {i.lower() for i in infos}
        own = [n for r, n in self.markers.release_parameters.items() if r in ctx.root.repo_ids]
        pool: dict[str, RepoRecord] = {}
        waiting: dict[str, tuple[RepoRecord, Verdict]] = {}  # rejected from listing data
        kept: list[CrawlItem] = []
        for rid, info in infos.items():
            try:
                rec = self._read.get(rid) or self._listing_record(info)
            except (ValueError, TypeError) as exc:  # hub data we cannot map: skip, say so
                kept.append(CrawlWarning(f"unreadable listing item skipped: {exc}", rid))
                continue
            if rid.lower() in known:
                sha = item_field(info, "sha")
                if sha and ctx.known_shas.get(rid) == sha:
                    kept.append(self._public(rec))  # unchanged member
                    self.stats["kept"] += 1
                else:
                    pool[rec.key] = rec  # a member that changed: verify it again
                continue
            sha = item_field(info, "sha")
            stored_elsewhere = sha == ctx.known_shas.get(rid) and not _at_scale(rec, family, own)
            if sha and (sha == ctx.rejected.get(rid) or stored_elsewhere):
                # rejected here, or another family's node, unchanged: the same verdict, no
                # reads. Not one at this family's own scale: another root's walk stores the
                # parents it meets unjudged, and skipping those lost whole branches
                self.rejected[rid] = "unchanged since a crawl where it did not join"
                self.stats["rejected_from_listing"] += 1
                if sha == ctx.rejected.get(rid):
                    # carried into the set the caller saves, which replaces the old one: a
                    # dropped entry was read again on every other crawl (issue 11, bug 1)
                    self._rejections.setdefault(ctx.root.name, {})[rid] = sha
                continue
            verdict = assess(rec, family)
            if verdict.fault:  # not judged: left out this time, not remembered as rejected
                self.rejected[rid] = verdict.reason
                kept.append(CrawlWarning(verdict.reason, rec.key, incomplete=True))
                continue
            if worth_reading(rec, verdict, family, terms):
                pool[rec.key] = rec
            else:
                if verdict.tier == DECLARED_OUTSIDE or declares_one_of(rec, candidate_ids):
                    # its declared base may join, or be a member's former id: a second look
                    waiting[rec.key] = (rec, verdict)
                self.rejected[rid] = verdict.reason
                self.stats["rejected_from_listing"] += 1
                # read for another root, or judged on its files alone (explain says why)
                if rec.sha and (rid in self._read or judged_unread(rec, terms)):
                    self._rejections.setdefault(ctx.root.name, {})[rid] = rec.sha
                    self._reasons.setdefault(ctx.root.name, {})[rid] = verdict.reason
        warnings: list[CrawlItem] = []
        # files first, cards after: a candidate that joins through another candidate of this
        # round (a copy of its weights, an adapter on it) is decided without its card
        self._each(pool, lambda rec: self._investigate(rec, family, card=False), warnings)
        base = {k: m for k, m in ctx.members.items() if k not in pool}
        first, _ = settle(pool, base, self.markers)
        unsure = {k: r for k, r in pool.items() if not first[k].joined}
        self._each(unsure, lambda rec: self._investigate(rec, family), warnings)
        # as read; without the gone and the unread (`_each` warned of them)
        pool = {k: unsure.get(k, r) for k, r in pool.items() if first[k].joined or k in unsure}
        listed = candidate_ids | {i.lower() for i in ctx.known_shas}
        renames_asked = False
        while True:
            verdicts, members = settle(pool, base, self.markers)
            # a card declaring a candidate that has now joined (or a member's former id): a
            # child of a member
            joined_ids = {i.lower() for k, m in members.items()
                          for i in (k.split(":", 1)[1], *m.aliases)}
            called = [k for k, (r, _) in waiting.items() if declares_one_of(r, joined_ids)]
            for key in called:
                pool[key] = waiting.pop(key)[0]
                self.rejected.pop(pool[key].repo_id, None)
                self.stats["rejected_from_listing"] -= 1
            if called:
                continue
            if renames_asked:
                break
            # a rejected candidate (read, or judged on its listing alone: a tokenizer repo
            # holds nothing else to read) may name a member by its former id: ask, decide again
            renames_asked = True
            heard = {k: r for k, (r, _) in waiting.items()} | pool
            judged = {k: v for k, (_, v) in waiting.items()} | verdicts
            renamed = former_ids(self.reader, self._current, heard, judged, members, terms, listed)
            if not renamed:
                break
            known_as(renamed, base, pool)
        # members need their files and card; what those reads show may move an edge
        new = {k: pool[k] for k, v in verdicts.items() if v.joined and k in pool}
        before = dict(new)
        self._each(new, self._complete_files, warnings)
        # then the cards, with every new member's hashes known: a copy of another's files
        hashed = Family({k: with_files(m, new.get(k)) for k, m in members.items()}, self.markers)
        dates = {k: r.created_at for k, r in new.items()}
        self._each(new, lambda rec: self._complete_card(rec, hashed, dates), warnings)
        # a card read just now may link its parent's page by a former id: ask, as above
        joined = {k: verdicts[k] for k in new}
        late = former_ids(self.reader, self._current, new, joined, members, terms, listed)
        known_as(late, base, new, members)
        if any(k not in new for k in before):  # a member vanished: decide again without it
            pool = {k: r for k, r in pool.items() if k in new or k not in before}
            pool.update(new)
            verdicts, members = settle(pool, base, self.markers)
        else:
            pool.update(new)
            changed = list(new) if late else [k for k in new if new[k] is not before[k]]
            verdicts, members = recheck(pool, verdicts, members, changed, self.markers)
        items = self._emit(ctx, pool, verdicts, members)
        # a known member that no longer passes is still seen (not removed); its edges stay
        for key, v in verdicts.items():
            if not v.joined and key in pool and key in ctx.members:
                items.append(self._public(pool[key]))
        return warnings + kept + items

    def _listing_record(self, info: Any) -> RepoRecord:
        """The caller's RepoRecord for a listing item, plus what evidence reads from it."""
        ident = (item_field(info, "id"), item_field(info, "sha"))
        cached = self._records.get(ident)
        if cached is None:
            cached = self._records[ident] = self._map_listing(info)
        return cached

    def _map_listing(self, info: Any) -> RepoRecord:
        rec = self._to_record(info)
        card = item_field(info, "card_data") or item_field(info, "cardData")
        if hasattr(card, "to_dict"):
            card = card.to_dict()
        config = item_field(info, "config")
        extra = dict(rec.extra)
        extra[CARD_DATA] = card if isinstance(card, Mapping) else {}
        extra[CONFIG] = config if isinstance(config, Mapping) else {}
        files = rec.files
        if files is None:  # the listing's file names (siblings), no hashes yet
            names = sibling_names(item_field(info, "siblings"))
            files = tuple(FileRecord(n) for n in names) if names is not None else None
        return replace(rec, extra=extra, files=files)

    def _public(self, rec: RepoRecord) -> RepoRecord:
        """A record as the pipeline stores it: files only from a tree listing (with hashes),
        of parsed configs their bounded lineage (signals/keep.py), the card without YAML."""
        extra = {k: v for k, v in rec.extra.items() if k not in _EVIDENCE_KEYS}
        extra.update({CONFIGS: lin} if (lin := compact(rec).get("configs")) else {})
        card = parse_card(rec.card_text)[1] if rec.card_text else rec.card_text
        files = rec.files if rec.repo_id in self._trees else None
        return replace(rec, extra=extra, card_text=card, files=files)

    def _emit(
        self,
        ctx: CrawlContext,
        pool: Mapping[str, RepoRecord],
        verdicts: Mapping[str, Verdict],
        members: Mapping[str, MemberFacts],
    ) -> list[CrawlItem]:
        items: list[CrawlItem] = []
        joined = parents_first(
            {k: {c.parent for c in v.claims} for k, v in verdicts.items() if v.joined and k in pool}
        )
        for key in joined:
            ctx.members[key] = members[key]
            items.append(self._public(pool[key]))
            items.extend(verdicts[key].claims)
            self.stats["joined"] += 1
        for key, v in verdicts.items():
            if not v.joined and key in pool and key not in ctx.members:
                rid = key.split(":", 1)[1]
                self.rejected[rid] = v.reason
                if v.fault:  # not judged: the run is partial, the candidate not remembered
                    items.append(CrawlWarning(v.reason, key, incomplete=True))
                    continue
                self.stats["rejected_after_reads"] += 1
                sha = pool[key].sha
                if sha:
                    self._rejections.setdefault(ctx.root.name, {})[rid] = sha
                    self._reasons.setdefault(ctx.root.name, {})[rid] = v.reason
        return items

    def _each(
        self,
        records: dict[str, RepoRecord],
        read: Callable[[RepoRecord], RepoRecord],
        warnings: list[CrawlItem],
    ) -> None:
        """Apply `read` to every record, a few at a time; drop (and warn about) the gone, and
        the unread: those are "not checked" this time, neither joined nor rejected, so the
        next crawl reads them again (issue 17)."""

        def one(key: str) -> tuple[str, RepoRecord | Gone | Unread]:
            try:
                return key, read(records[key])
            except (Gone, Unread) as exc:
                return key, exc

        keys = sorted(records)
        if self.workers > 1 and len(keys) > 1:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="hf-discover") as pool:
                results = list(pool.map(one, keys))
        else:
            results = [one(k) for k in keys]
        for key, result in results:
            if isinstance(result, Unread):
                warnings.append(CrawlWarning(f"not checked: {result}", key, True))
                del records[key]
            elif isinstance(result, Gone):
                warnings.append(CrawlWarning(str(result), key))
                del records[key]
            else:
                records[key] = result

    def _investigate(self, rec: RepoRecord, family: Family, *, card: bool = True) -> RepoRecord:
        """Read what the verdict asks for, most decisive first, until it is decided; the
        README only with `card` (a second pass, for what the first left undecided)."""
        done: set[str] = set(self._asked.get(rec.repo_id, ()))
        if not card:
            done.add("readme")
        # declared lineage in small configs settles the parent even where listing data
        # already joined the candidate (a merge looks like its parents' architecture)
        configs = _configs(rec)
        for f in content_of(rec.files).config + content_of(rec.files).adapter:
            if f.path in SMALL_CONFIGS and f.path not in configs:
                done.add(f"file:{f.path}")
                rec = self._read_need(rec, f"file:{f.path}")
        asked = self._asked.setdefault(rec.repo_id, set())
        asked |= done - {"readme"}
        while len(asked) < MAX_READS:
            verdict = assess(rec, family)
            if verdict.status != "undecided":
                break
            need = next((n for n in verdict.needs if n not in done), None)
            if need is None:
                break
            done.add(need)
            asked.add(need)
            rec = self._read_need(rec, need)
        return rec

    def _complete_files(self, rec: RepoRecord) -> RepoRecord:
        """A member's file tree, when not read yet (its GGUF header waits for its card)."""
        if rec.repo_id not in self._trees:
            rec = self._read_need(rec, "tree")
        return rec

    def _complete_card(
        self, rec: RepoRecord, family: Family, dates: Mapping[str, datetime | None]
    ) -> RepoRecord:
        """A member's README, when not read yet. The card is evidence (what it names, the
        relation its prose states), read once per member whatever the root's terms; but not
        where the member's own files fix both and the root's terms check no notice in it."""
        settled = settled_by_files(rec, family, dates)
        if rec.card_text is None and (self.fetch_cards or not settled):
            rec = self._read_need(rec, "readme")
        first = unread_gguf_header(rec)
        if first and not settled and not names_member(rec, family):
            rec = self._read_need(rec, f"gguf:{first}")
        return rec

    # --- reads --------------------------------------------------------------------------

    def _read_need(self, rec: RepoRecord, need: str) -> RepoRecord:
        if need == "tree":
            rec = replace(rec, files=self._tree(rec))
            self._trees.add(rec.repo_id)
        elif need == "readme":
            listed = _listed(rec, _README)
            data = self._file_bytes(rec, _README, limit=MAX_SMALL_FILE) if listed else b""
            card = data.decode("utf-8", "replace") if data is not None else ""
            # a card over the read limit: what its unread rest shows is not checked (issue 17)
            complete = data is None or len(data) < MAX_SMALL_FILE
            rec = replace(rec, card_text=card, card_complete=complete)
        elif need.startswith("gguf:"):
            path = need[5:]
            head = self._file_bytes(rec, path, limit=GGUF_HEAD) if _listed(rec, path) else None
            configs = _configs(rec)
            configs["gguf_header"] = parse_gguf_header(head or b"")
            rec = replace(rec, extra={**rec.extra, CONFIGS: configs})
        elif need.startswith("file:"):
            path = need[5:]
            text = self._file_text(rec, path) if _listed(rec, path) else None
            value: object = None
            if text is not None:
                value = parse_json_object(text) if path.endswith(".json") else safe_yaml(text)
            configs = _configs(rec)
            configs[path] = value
            rec = replace(rec, extra={**rec.extra, CONFIGS: configs})
        self._read[rec.repo_id] = rec
        return rec

    def _tree(self, rec: RepoRecord) -> tuple[FileRecord, ...]:
        try:
            return tuple(self.reader.list_files(rec.repo_id, rec.sha))
        except RepoGone as exc:
            raise Gone(f"gone before its files were listed ({exc})") from exc

    def _file_text(self, rec: RepoRecord, path: str) -> str | None:
        """A small file's text; None when it is missing or not readable (gated)."""
        data = self._file_bytes(rec, path, limit=MAX_SMALL_FILE)
        return None if data is None else data.decode("utf-8", "replace")

    def _file_bytes(self, rec: RepoRecord, path: str, *, limit: int) -> bytes | None:
        return self.reader.read_file(rec.repo_id, rec.sha, path, limit)


_EVIDENCE_KEYS = (CARD_DATA, CONFIG, CONFIGS)


def _at_scale(rec: RepoRecord, family: Family, scales: Iterable[int]) -> bool:
    """Whether the listing shows the family's architecture at one of these release scales,
    or with no parameter count at all (.bin weights, which the Hub does not count)."""
    params = effective_parameters(rec) or 0
    near = not params or any(abs(params - n) <= SCALE_TOLERANCE * n for n in scales)
    return near and family.architecture(rec)[0] == "match"


def _listed(rec: RepoRecord, path: str) -> bool:
    """Whether the file list (from the listing's siblings or the tree) holds `path`."""
    return rec.files is None or any(f.path == path for f in rec.files)


def _configs(rec: RepoRecord) -> dict[str, object]:
    """The small configs read so far for a candidate (path -> parsed), as a new dict."""
    known = rec.extra.get(CONFIGS)
    return dict(known) if isinstance(known, Mapping) else {}
