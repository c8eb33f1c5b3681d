"""Rejected candidates remembered between crawls, with the family they were judged against.

A crawler that reads a candidate and leaves it out returns it (`rejections(root)`: repo id ->
the sha or date it had then); the next crawl passes it back as `CrawlContext.rejected` and
does not read it again while it is unchanged, which keeps an unchanged hub cheap (issue 11,
bug 1). A rejection is only as good as the family it was judged against: a crawl of one hub
(`--hub github`), or one that ran while another hub was down, judged against a family that
lacked members, and a candidate left out then stayed out for good (issue 17, item 7).

So a rejection is remembered only by a complete run (status ok), together with the family it
was judged against (a short digest of each member's key) and the version of the rules; it is
used only while the family in hand has no member that family lacked. A family that grew, on
any hub, has every rejection of the root read and judged again, once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import evidence
from db import repository as repo
from db.session import Session
from tracker.resolution import RESOLVER_VERSION

# what a rejection was judged by: the candidate rules and signals (bumped with the resolver's)
VERSION = f"rules-{RESOLVER_VERSION}"


def cache_key(root: str) -> str:
    return f"rejected:{root}"


def digest(key: str) -> str:
    """A member's key, short: a 10,000-member family is stored in about 130 KB."""
    return hashlib.blake2b(key.lower().encode(), digest_size=6).hexdigest()


class Judged(Mapping[str, str]):
    """Repo id -> the sha (or date) a candidate had when it was rejected, for as long as the
    family in hand (`members`, which a crawl grows as it finds members) has no member the
    rejecting family lacked; empty from then on."""

    def __init__(
        self, shas: Mapping[str, str], against: Iterable[str], members: Mapping[str, Any]
    ) -> None:
        self._shas = dict(shas)
        self._against = frozenset(against)
        self._members = members
        self._checked = -1  # size of `members` when last checked: a crawl only adds to it
        self._valid = False

    def valid(self) -> bool:
        if len(self._members) != self._checked:
            self._checked = len(self._members)
            self._valid = all(digest(k) in self._against for k in list(self._members))
        return self._valid

    def __getitem__(self, repo_id: str) -> str:
        if not self.valid():
            raise KeyError(repo_id)
        return self._shas[repo_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._shas if self.valid() else ())

    def __len__(self) -> int:
        return len(self._shas) if self.valid() else 0


def load(session: Session, hub: str, root: str, members: Mapping[str, Any]) -> Judged:
    """The rejections a complete run kept for `root` on `hub`, checked against `members`.
    Entries of another version of the rules, or from before families were kept with them,
    are judged again."""
    value = repo.load_cache(session, hub, cache_key(root)).get(cache_key(root))
    if not isinstance(value, Mapping) or value.get("version") != VERSION:
        return Judged({}, (), members)
    shas, family = value.get("shas"), value.get("family")
    if not isinstance(shas, Mapping) or not isinstance(family, list):
        return Judged({}, (), members)
    return Judged(
        {k: v for k, v in shas.items() if isinstance(v, str)},
        (d for d in family if isinstance(d, str)),
        members,
    )


@dataclass(frozen=True)
class Verdicts:
    """What one crawler left out for one root, and the family it judged against."""

    hub: str
    root: str
    shas: dict[str, str]
    reasons: dict[str, tuple[str | None, str]]
    family: list[str]


def of_crawler(crawler: Any, hub: str, root: str, members: Mapping[str, Any]) -> Verdicts | None:
    """The rejections a crawler made for `root`, judged against `members` as they are now
    (every member it judged with, and those it found since); None for a crawler that keeps
    none."""
    if not hasattr(crawler, "rejections"):
        return None
    reasons = getattr(crawler, "rejection_reasons", None)
    return Verdicts(
        hub,
        root,
        dict(crawler.rejections(root)),
        dict(reasons(root)) if reasons is not None else {},
        sorted({digest(k) for k in list(members)}),
    )


def save(
    session: Session, verdicts: Iterable[Verdicts], *, now: datetime, run_id: int | None
) -> None:
    """Remember a complete run's rejections (each replaces the root's set on its hub), and
    why each candidate stays out, for `tracker explain`."""
    for v in verdicts:
        value = {"version": VERSION, "family": v.family, "shas": v.shas}
        repo.save_cache(session, v.hub, {cache_key(v.root): value}, now=now)
        if v.reasons:
            evidence.save_rejections(session, v.hub, v.root, v.reasons, now=now, run_id=run_id)
