"""The crawl: hubs -> records -> database, as one recorded run.

`crawl()` opens the database (migrating it), takes the per-database crawl lock, records a run,
walks every selected root on every selected hub, and commits what it sees in batches (one
transaction each), so a crash loses at most one batch and a rerun repeats safely: every write
is an upsert keyed by node key or (parent, child). A hub that fails alone makes the run
`partial` and keeps everything the other hubs gave; the CLI edge maps the report to an exit
code (tracker.cli_errors).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from crawlers.base import (
    Cancelled,
    CrawlContext,
    Crawler,
    CrawlWarning,
    HubError,
    HubUnavailable,
    LineageClaim,
    RateLimited,
    RepoRecord,
    RootSpec,
    TokenRejected,
    Unreachable,
)
from crawlers.hubs import HUBS
from db import evidence
from db import repository as repo
from db.lock import HeldLock, crawl_lock
from db.session import Engine, open_database, session_scope
from graph.license_audit import load_rules
from tracker import rejections
from tracker.batch import store_batch
from tracker.config import Config
from tracker.errors import ConfigError
from tracker.hub_crawlers import (
    CrawlerFactory,
    TrackedCache,
    default_crawler_factory,
    guarded,
    load_etags,
    save_etags,
)
from tracker.members import (
    keep_proven_removals,
    load_members,
    swept_candidates,
    unseen_members,
)
from tracker.report import (
    CrawlReport,
    Observer,
    RootCounts,
    RootKeys,
    Silent,
    hubs_were_down,
    run_status,
)
from tracker.resolution import ResolveReport, resolve_families
from tracker.run_end import finish_run

log = logging.getLogger("tracker.crawl")

_UNREAD_SHOWN = 20  # unread repos named one by one in the run's errors; the rest counted


def utcnow() -> datetime:
    return datetime.now(UTC)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def crawl(
    config: Config,
    *,
    roots: Sequence[str] = (),
    hubs: Sequence[str] = (),
    observer: Observer | None = None,
    stop: threading.Event | None = None,
    crawler_factory: CrawlerFactory = default_crawler_factory,
    clock: Callable[[], datetime] = utcnow,
) -> CrawlReport:
    """Run one crawl and return its report; the run and everything seen are committed."""
    root_names = _select(roots, list(config.roots), "root")
    configured = config.get("crawl.hubs").split(",")
    hub_names: list[str] = [h for h in HUBS if h in (_select(hubs, list(HUBS), "hub") if hubs
                                               else configured)]
    engine = open_database(config.database_url)
    try:
        with crawl_lock(engine, holder_name()) as lock:
            return _Crawl(
                config,
                engine,
                root_names,
                hub_names,
                observer or Silent(),
                stop or threading.Event(),
                crawler_factory,
                clock,
                lock,
            ).run()
    finally:
        engine.dispose()


def _select(asked: Sequence[str], known: list[str], what: str) -> list[str]:
    unknown = [a for a in asked if a not in known]
    if unknown:
        raise ConfigError(f"unknown {what} {unknown[0]!r}; known: {', '.join(known)}")
    return list(asked) or known


class _Crawl:
    """One run's state: the batch buffer, counters, and what was seen."""

    def __init__(
        self,
        config: Config,
        engine: Engine,
        roots: list[str],
        hubs: list[str],
        observer: Observer,
        stop: threading.Event,
        factory: CrawlerFactory,
        clock: Callable[[], datetime],
        lock: HeldLock | None,
    ) -> None:
        self.config, self.engine, self.roots, self.hubs = config, engine, roots, hubs
        self.observer, self.stop, self.factory, self.clock, self.lock = (
            observer,
            stop,
            factory,
            clock,
            lock,
        )
        self.batch_size = max(1, int(config.get("crawl.batch_size")))
        self.requests: Counter[str] = Counter()
        self.errors: list[str] = []
        self.warnings = 0
        self.counts: dict[str, RootCounts] = {}
        self.keys: dict[str, RootKeys] = {}  # root -> the keys behind its counts
        self.seen_ids: dict[str, set[int]] = {}  # root -> node ids observed this run
        self.new_keys: dict[str, str] = {}  # node key counted new this run -> its root
        self.failed: set[tuple[str, str]] = set()  # (root, hub) that did not finish
        self.etags: dict[str, TrackedCache] = {}  # hub -> ETag store, saved at the end
        self.down: set[str] = set()  # hubs found unreachable or rate-limited in this run
        self.unreachable: dict[str, str] = {}  # hub -> why no connection could be made
        self.stored = 0  # records committed in this run: with any, a failing run is partial
        self.claimed: set[int] = set()  # nodes a crawler judged again (made claims about)
        self.dirty = False  # stored a new or changed repo: the signals must run again
        self.resolved: ResolveReport | None = None
        self.unread = 0  # repos a hub could not answer readably this run (see _unread)
        self.judged: list[rejections.Verdicts] = []  # kept only if the run completes
        # progress: one step per root and hub, and the resolve that ends the run
        self.step, self.steps = 0, len(roots) * len(hubs) + 1

    def run(self) -> CrawlReport:
        with session_scope(self.engine) as session:
            self.run_id = repo.start_run(
                session, now=self.clock(), roots=self.roots, hubs=self.hubs, holder=holder_name()
            )
            # we hold the lock, so a run still `running` is a crawl that died (SIGKILL, reboot)
            dead_runs = repo.abandon_runs(session, now=self.clock(), by_run=self.run_id)
            for dead in dead_runs:
                log.warning(
                    "run %d (%s, started %s) never finished: its crawl died; marked failed",
                    dead.id,
                    dead.holder or "unknown holder",
                    dead.started_at.strftime("%Y-%m-%d %H:%M UTC"),
                )
        log.info(
            "run %d: crawling %s on %s", self.run_id, ", ".join(self.roots), ", ".join(self.hubs)
        )
        if dead_runs:
            # a crawl that died stored evidence it never resolved: families first, so this
            # crawl starts from every member the stored evidence supports
            self._resolve(recompute=True)
        crawlers: dict[str, Crawler] = {}
        status = "failed"
        finished = threading.Event()
        threading.Thread(
            target=self._close_on_stop, args=(crawlers, finished), name="crawl-stop", daemon=True
        ).start()
        try:
            for root_name in self.roots:
                if self.stop.is_set():
                    break
                self._crawl_root(root_name, crawlers)
            self._resolve()
            status = self._status()
            if status == "ok":
                # Disappearance is proved, never assumed, and only after a complete run; a
                # rejection is remembered only by one (judged against the whole family)
                self._prove_disappearances(crawlers)
                with session_scope(self.engine) as session:
                    rejections.save(session, self.judged, now=self.clock(), run_id=self.run_id)
        except KeyboardInterrupt:  # a second Ctrl-C: what is committed stays, and says so
            self.errors.append("interrupted by a second signal")
            status = "interrupted"
            raise
        except BaseException as exc:
            self.errors.append(f"crashed: {type(exc).__name__}: {exc}")
            raise
        finally:
            finished.set()
            for hub, crawler in crawlers.items():
                # GitHub and ModelScope name their kinds like the Hub's; keep them apart
                prefix = "" if hub == "huggingface" else f"{hub} "
                self.requests.update({prefix + k: v for k, v in crawler.requests.items()})
                crawler.close()
            save_etags(self.engine, self.etags, now=self.clock())
            report = CrawlReport(
                self.run_id,
                status,
                self.counts,
                dict(sorted(self.requests.items())),
                self.errors,
                self.warnings,
                hubs_down=hubs_were_down(status, [hub for _, hub in self.failed], self.down),
                keys=self.keys,
                unreachable=self.unreachable,
            )
            finish_run(self.config, self.engine, self.run_id, report, clock=self.clock,
                       roots=self.roots)
        log.info("run %d: %s, %d requests", self.run_id, status, sum(self.requests.values()))
        return report

    def _resolve(self, *, recompute: bool | None = None) -> None:
        """Every family decided again from all stored evidence (graph/resolve.py)."""
        last = recompute is None  # the resolve ending the run is its last step
        self.observer.stage("resolving families", *((self.steps, self.steps) if last else ()))
        roots = {name: list(root.nodes) for name, root in self.config.roots.items()}
        licenses = {name: root.license for name, root in self.config.roots.items()}
        with session_scope(self.engine) as session:
            evidence.retract_unconfirmed_claims(
                session, self.claimed, run_id=self.run_id, now=self.clock()
            )
            self.resolved, _ = resolve_families(
                session,
                roots,
                licenses,
                now=self.clock(),
                run_id=self.run_id,
                seen=set().union(*self.seen_ids.values()),
                recompute=self.dirty if recompute is None else recompute,
            )
        log.info(
            "run %d: resolved: %d edges added, %d removed, %d relations changed",
            self.run_id,
            len(self.resolved.added),
            len(self.resolved.removed),
            len(self.resolved.relation_changed),
        )

    def _close_on_stop(self, crawlers: dict[str, Crawler], finished: threading.Event) -> None:
        """A stop (SIGTERM to `tracker schedule`) closes the crawlers at once: no request after
        the ones in flight, and a 429 wait ends now, not when the hub said (issue 17)."""
        while not self.stop.wait(0.2):
            if finished.is_set():
                return
        for crawler in list(crawlers.values()):
            crawler.close()

    def _status(self) -> str:
        if self.stop.is_set():
            # stopped after a committed transaction: what was found is kept, removals wait
            self.errors.append("stopped by signal before the run completed")
            return "interrupted"
        return run_status(
            attempted=len(self.roots) * len(self.hubs),
            failed=len(self.failed),
            errors=bool(self.errors),
            stored=self.stored,
        )

    def _prove_disappearances(self, crawlers: dict[str, Crawler]) -> None:
        """Members not seen this run are looked up directly; only a 404 makes them removed."""
        for root_name in self.roots:
            root = self.config.roots[root_name]
            # seen under any root is seen: a merge of two roots' weights is listed under one
            seen = set().union(*self.seen_ids.values())
            with session_scope(self.engine) as session:
                unseen = unseen_members(session, root, seen, self.hubs)
            for node in unseen:
                crawler = crawlers.get(node.hub)
                if crawler is None:
                    continue
                try:
                    record = crawler.check(node.repo_id)
                except NotImplementedError:
                    continue
                except HubError as exc:
                    log.warning("could not check %s: %s", node.key, exc)
                    continue
                if record.status == "removed":
                    with session_scope(self.engine) as session:
                        repo.set_status(
                            session, node.id, "removed", now=self.clock(), run_id=self.run_id
                        )
                    self.counts[root_name].removed += 1
                    self.keys[root_name].removed.add(node.key)
                    log.info("%s is gone from %s: marked removed", node.key, node.hub)
                elif record.status == "gated" and record.repo_id == node.repo_id:
                    # a gate hides the card and files; it does not erase what we knew of them
                    with session_scope(self.engine) as session:
                        repo.set_status(
                            session, node.id, "gated", now=self.clock(), run_id=self.run_id
                        )
                    log.info("%s is gated on %s", node.key, node.hub)
                else:
                    self._flush(root_name, [record], [], [])

    # --- one root ---------------------------------------------------------------------------

    def _crawl_root(self, root_name: str, crawlers: dict[str, Crawler]) -> None:
        root = self.config.roots[root_name]
        self.counts[root_name] = RootCounts()
        self.keys[root_name] = RootKeys()
        self.seen_ids[root_name] = set()
        with session_scope(self.engine) as session:
            members = load_members(session, root)
        for hub in self.hubs:
            self.step += 1
            if self.stop.is_set():
                self.failed.add((root_name, hub))
                break
            if hub in self.down:  # unreachable for an earlier root: don't wait on it again
                self.failed.add((root_name, hub))
                continue
            spec = RootSpec(root_name, root.repo_ids(hub), root.search_terms,
                            read_cards=self._terms_need_cards(root.license))
            with session_scope(self.engine) as session:
                known = repo.known_shas(session, hub)
                rejected = rejections.load(session, hub, root_name, members)
                swept = swept_candidates(session, hub, spec.repo_ids)
            ctx = CrawlContext(
                spec,
                known,
                members,
                rejected=rejected,
                extra_candidates=swept,
                max_depth=self.config.get("crawl.max_depth"),
                max_members=self.config.get("crawl.max_members"),
            )
            self.observer.stage(f"{root_name} on {hub}", self.step, self.steps)
            try:
                crawler = crawlers.get(hub) or crawlers.setdefault(hub, self._make_crawler(hub))
                self._consume(root_name, guarded(crawler.crawl(ctx), hub), hub, crawler)
                for message in ctx.cut:  # a limit reached: the family is known incomplete
                    self._limit_reached(root_name, hub, message)
                # don't read these lookalikes again, if the run completes
                verdicts = rejections.of_crawler(crawler, hub, root_name, members)
                if verdicts is not None:
                    self.judged.append(verdicts)
            except TokenRejected:
                raise
            except Cancelled:  # stopped: what was found is kept, the run says it stopped
                self.failed.add((root_name, hub))
                break
            except HubError as exc:
                self.failed.add((root_name, hub))
                if isinstance(exc, HubUnavailable | RateLimited):
                    self.down.add(hub)
                later = [r for r in self.roots[self.roots.index(root_name) + 1:]]
                skipped = f" (not tried for {', '.join(later)})" if hub in self.down and later \
                    else ""
                message = f"{root_name} on {hub}: {exc}{skipped}"
                self.errors.append(" ".join(message.split()))
                if isinstance(exc, Unreachable):  # told once, by whoever reads the report
                    self.unreachable[hub] = str(exc)
                    log.debug("%s", message)
                else:
                    log.error("%s", message)
        with session_scope(self.engine) as session:
            ids = repo.node_ids(session, root.nodes)
            repo.set_root_members(session, root_name, root.license, ids.values())

    def _limit_reached(self, root_name: str, hub: str, message: str) -> None:
        """A crawl limit cut the family short: a warning on the run, and the run partial (so
        nothing past the limit is taken for removed)."""
        text = f"{root_name} on {hub}: {message}"
        self.errors.append(text)
        self._flush(root_name, [], [], [CrawlWarning(message, None)])
        log.warning("%s", text)

    def _make_crawler(self, hub: str) -> Crawler:
        """A crawler for `hub`; the default ones get the ETag store kept in the database."""
        if self.factory is not default_crawler_factory:
            return self.factory(hub, self.config)
        self.etags[hub] = load_etags(self.engine, hub)
        return default_crawler_factory(hub, self.config, etag_cache=self.etags[hub])

    def _terms_need_cards(self, root_license: str) -> bool:
        """Read members' cards only where the root's terms require a displayed notice."""
        if not hasattr(self, "_rules"):
            self._rules = load_rules(self.config.get("licenses.rules") or None)
        rule = self._rules.rule_for(root_license)
        return bool(rule and rule.attribution)

    def _consume(
        self, root_name: str, items: Iterable[Any], hub: str = "", crawler: Crawler | None = None
    ) -> None:
        records: list[RepoRecord] = []
        claims: list[LineageClaim] = []
        warnings: list[CrawlWarning] = []

        def flush() -> None:
            kept = keep_proven_removals(self.engine, records, crawler, warnings)
            self._flush(root_name, kept, claims, warnings)

        try:
            for item in items:
                # A batch ends only before a record: a record and the claims yielded after it
                # (its parents) commit together. A crash between them would store a member
                # without its edges, and the next crawl, seeing it unchanged, would not read
                # it again to find them (tests/system/test_crash.py).
                if isinstance(item, RepoRecord) and len(records) + len(claims) >= self.batch_size:
                    flush()
                    records, claims, warnings = [], [], []
                    if self.stop.is_set():  # Ctrl-C, SIGTERM: end with this transaction
                        break
                if isinstance(item, RepoRecord):
                    records.append(item)
                elif isinstance(item, LineageClaim):
                    claims.append(item)
                elif isinstance(item, CrawlWarning):
                    warnings.append(item)
                    if item.incomplete:
                        self._unread(root_name, hub, item)
        finally:
            # what a hub gave before it failed is kept (a partial run loses nothing)
            flush()

    def _unread(self, root_name: str, hub: str, warning: CrawlWarning) -> None:
        """One repo unread this time (its files, children or metadata): it keeps what the last
        good crawl stored, and the run is partial and says which (issue 17)."""
        self.unread += 1
        if self.unread <= _UNREAD_SHOWN:
            where = warning.repo or hub
            self.errors.append(" ".join(f"{root_name} on {hub}: {where}: {warning.message}"
                                        .split())[:500])
        elif self.unread == _UNREAD_SHOWN + 1:
            self.errors.append("more repos unread: see the run's warnings")

    def _flush(
        self,
        root_name: str,
        records: list[RepoRecord],
        claims: list[LineageClaim],
        warnings: list[CrawlWarning],
    ) -> None:
        """One batch, one transaction: nodes, files, observations, edges, warnings."""
        if not (records or claims or warnings):
            return
        now = self.clock()
        counts, keys = self.counts[root_name], self.keys[root_name]
        with session_scope(self.engine) as session:
            stored = store_batch(session, self.run_id, records, claims, warnings, now=now)
            written = stored.written
            counts.new += len(written.new)
            keys.new.update(written.new)
            self.new_keys.update(dict.fromkeys(written.new, root_name))
            for key, dropped in written.folded:  # counted new, then proved a renamed node
                if key in self.new_keys:
                    owner = self.new_keys.pop(key)
                    self.counts[owner].new -= 1
                    self.keys[owner].new.discard(key)
                for name, seen in self.seen_ids.items():
                    seen.discard(dropped)
                    self.counts[name].seen = len(seen)
            counts.changed += len(written.changed)
            counts.renamed += len(written.renamed)
            keys.changed.update(written.changed)
            keys.renamed.update(written.renamed)
            self.stored += stored.nodes
            self.seen_ids[root_name].update(written.ids.values())
            counts.seen = len(self.seen_ids[root_name])
            if written.new or written.changed or stored.files_read:
                self.dirty = True
            self.claimed.update(stored.claimed)
            self.warnings += stored.warnings
        if self.lock is not None and hasattr(self.lock, "heartbeat"):
            self.lock.heartbeat()
        self.observer.advance(len(records))
