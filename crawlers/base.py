"""What a hub crawler returns, and the one small interface every hub implements.

A crawler turns one hub's API into plain frozen records: `RepoRecord` (one repository as the
hub showed it), `FileRecord` (one file with its hash), `LineageClaim` (an edge with its
evidence) and `CrawlWarning` (something unreadable, skipped). It knows nothing of the database
or of the CLI: the pipeline in `tracker/` stores what it yields.

Errors at the boundary are ours, not the transport's: `HubUnavailable`, `RateLimited`,
`TokenRejected`. A repository that is gone is data (`RepoRecord.status == "removed"`), not an
exception.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, get_args

from crawlers.hubs import HUBS, Hub

Relation = Literal[
    "fork", "conversion", "quantization", "finetune", "adapter", "merge", "tokenizer", "other"
]
# the one vocabulary of relations: CLI choices, exports and the README read it
RELATIONS: tuple[Relation, ...] = get_args(Relation)
Source = Literal["declared", "inferred"]
Status = Literal["active", "gated", "removed", "renamed"]

# owner/name as the hubs allow them: letters, digits, '-', '_', '.'; no '..', no leading dot.
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


def strings_of(value: object) -> list[str]:
    """The strings a card or config field holds: one string, or the strings of a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def is_valid_repo_id(repo_id: object) -> bool:
    """True for an `owner/name` id that is safe to put into a URL path or a file name."""
    return isinstance(repo_id, str) and bool(_REPO_ID.match(repo_id)) and ".." not in repo_id


# NUL and the other C0 controls but tab and newlines (terminal escapes among them), and lone
# surrogates (a JSON "\ud800" escape decodes to one): no database, terminal or UTF-8 encoder
# takes them as they are.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str, limit: int | None = None) -> str:
    """A hub string as the tracker keeps it: unsafe characters replaced, visibly, by U+FFFD,
    and at most `limit` characters (a cut one ends with an ellipsis)."""
    text = _UNSAFE.sub("\ufffd", value)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "\u2026"
    return text


def node_key(hub: str, repo_id: str) -> str:
    """The identity of a node: `<hub>:<repo_id>` (SPEC.md)."""
    return f"{hub}:{repo_id}"


def split_key(key: str) -> tuple[str, str]:
    """Inverse of `node_key`; raises ValueError for a key without a known hub."""
    hub, sep, repo_id = key.partition(":")
    if not sep or hub not in HUBS or not repo_id:
        raise ValueError(f"not a node key: {key!r} (expected <hub>:<owner>/<name>)")
    return hub, repo_id


@dataclass(frozen=True)
class FileRecord:
    """One file of a repository. `sha256` is the LFS oid where the hub gives one."""

    path: str
    size: int = 0
    sha256: str | None = None
    blob_id: str | None = None  # git blob sha, for files outside LFS


@dataclass(frozen=True)
class RepoRecord:
    """One repository as a hub showed it during one crawl.

    `files is None` means the crawler did not list them this time (the repo's `sha` was
    unchanged since the last crawl), not that the repository is empty.
    """

    hub: Hub
    repo_id: str
    url: str = ""
    status: Status = "active"
    sha: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    downloads: int = 0
    likes: int = 0
    gated: bool = False
    # license as declared, raw: {"license": ..., "license_name": ..., "license_link": ...,
    # "tag": ..., "spdx_id": ...}; normalization happens in the pipeline.
    license_raw: Mapping[str, object] = field(default_factory=dict)
    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    formats: tuple[str, ...] = ()  # e.g. ("safetensors",), ("gguf",), ("jax",)
    parameters: int = 0
    tags: tuple[str, ...] = ()
    gguf: Mapping[str, object] | None = None
    safetensors: Mapping[str, object] | None = None
    card_text: str | None = None  # the README body, when the crawler read it
    # False: `card_text` is only the head of a card longer than the read limit, so what it
    # lacks (a "Powered by xAI" further down) is not checked, not absent (issue 17)
    card_complete: bool = True
    extra: Mapping[str, object] = field(default_factory=dict)  # hub-specific (stars, pushed_at)
    renamed_from: str | None = None  # the id we asked for, when the hub redirected
    files: tuple[FileRecord, ...] | None = None

    @property
    def key(self) -> str:
        return node_key(self.hub, self.repo_id)


@dataclass(frozen=True)
class LineageClaim:
    """An edge parent -> child with its evidence. Both ends are node keys."""

    parent: str
    child: str
    relation: Relation
    source: Source
    confidence: float
    evidence: str
    declared_relation: str | None = None  # what the child's metadata said, when files overrule it


@dataclass(frozen=True)
class CrawlWarning:
    """Something a crawler read but could not use; recorded on the run, never fatal.

    `incomplete`: the repo could not be read in full this time (its file list, its children,
    its metadata); what the last good crawl knew of it stays, and the run is partial."""

    message: str
    repo: str | None = None  # node key it came from, when known
    incomplete: bool = False


CrawlItem = RepoRecord | LineageClaim | CrawlWarning


@dataclass(frozen=True)
class RootSpec:
    """What a crawler needs to know of one root: its name and its nodes on this hub."""

    name: str
    repo_ids: tuple[str, ...]
    search_terms: tuple[str, ...] = ("grok",)
    # Read each changed member's card text: the root's terms require a notice in it (grok-2:
    # "Powered by xAI"). Costs one request per member whose sha changed, so off by default.
    read_cards: bool = False


@dataclass(frozen=True)
class MemberFacts:
    """What the tracker already knows of one family member, for verifying candidates."""

    key: str
    sha256s: frozenset[str] = frozenset()  # hashes of its weight and tokenizer files
    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    parameters: int = 0
    formats: tuple[str, ...] = ()
    # Added for candidate verification (crawlers/evidence.py); `sha256s` stays the union.
    # Identities are LFS sha256s, or git blob ids for small files outside LFS.
    weight_sha256s: frozenset[str] = frozenset()
    tokenizer_sha256s: frozenset[str] = frozenset()
    aliases: tuple[str, ...] = ()  # former repo ids (renames) that still name this member
    parent: str | None = None  # node key of its parent in the family; None for a root node
    relation: str | None = None  # relation of the edge from `parent`
    depth: int = 0  # edges from the root
    gguf_architecture: str | None = None
    # when the hub says it was created: of two repos holding the same weights, the older is
    # the origin, whichever hub it is on
    created_at: datetime | None = None


@dataclass
class CrawlContext:
    """Everything a crawler is told for one root: the root, what the database already holds.

    `known_shas` maps this hub's repo ids to the `sha` stored last time (skip the file listing
    when unchanged). `members` holds every known member of the family on every hub, by node
    key; a crawler adds what it finds during the walk so later candidates can match it.
    """

    root: RootSpec
    known_shas: Mapping[str, str | None] = field(default_factory=dict)
    members: dict[str, MemberFacts] = field(default_factory=dict)
    # Candidates this root rejected after reading them in an earlier crawl: repo id -> the sha
    # they had. Not read again while unchanged (crawlers/huggingface/discovery.py:
    # `Discovery.rejections`).
    rejected: Mapping[str, str] = field(default_factory=dict)
    # Listing items (the Hub's JSON shape) of models a whole-hub sweep found with the family's
    # architecture at its scale, whatever their name (tracker sweep): discovery weighs them
    # with the candidates of its own searches. Empty without a sweep.
    extra_candidates: Sequence[Mapping[str, Any]] = ()
    # Limits a hub's content cannot push past (issue 17): edges from the root, and members on
    # this hub. A crawler that reaches one stops there and says so in `cut`, and the run is
    # partial: the family is known to be incomplete.
    max_depth: int = 10_000
    max_members: int = 200_000
    cut: list[str] = field(default_factory=list)

    def limit_reached(self, message: str) -> None:
        """Say once that a limit cut the family short."""
        if message not in self.cut:
            self.cut.append(message)


class HubError(Exception):
    """Base of every error a crawler raises; `hub` names where it happened."""

    def __init__(self, message: str, *, hub: str = ""):
        super().__init__(message)
        self.hub = hub


class HubUnavailable(HubError):
    """The hub could not be reached or kept failing after retries."""


class Unreachable(HubUnavailable):
    """No connection could be made to the hub's endpoint at all (refused, unknown host, no
    route): not retried, since waiting does not make a wrong endpoint or a missing network
    answer (issue 11: three hubs took 74 s to fail with no network)."""

    def __init__(self, message: str, *, hub: str = "", endpoint: str = "", reason: str = ""):
        super().__init__(message, hub=hub)
        self.endpoint, self.reason = endpoint, reason


class RateLimited(HubError):
    """The hub's quota is spent for longer than we are willing to wait."""

    def __init__(self, message: str, *, hub: str = "", retry_after: float | None = None):
        super().__init__(message, hub=hub)
        self.retry_after = retry_after


class Cancelled(Exception):
    """The crawl was stopped (SIGTERM, `close()`): no further request, no further wait."""


class TokenRejected(HubError):
    """The hub refused the configured token (401/403 on an authenticated call)."""


class CrawlerFault(HubError):
    """A crawler failed in its own code (a bug, not the hub's answer): that root on that hub
    fails like a hub error, so the run goes on with the others, resolves what was stored, and
    ends partial instead of crashing with every family unresolved."""


class Crawler(ABC):
    """A hub crawler. Subclasses set `hub` and implement `crawl`.

    `crawl` walks one root's family on this hub and yields records as it goes, so the pipeline
    can commit in batches and a crash loses at most one batch. A crawler must not list files
    again for a repo whose sha equals `ctx.known_shas[repo_id]` (it yields `files=None` then).
    Each `LineageClaim` is yielded after the `RepoRecord`s of both its ends.

    `requests` counts every HTTP request by kind ("listing", "model_info", "tree", "file", ...),
    because the hub's quota, not CPU, is what bounds a crawl.
    """

    hub: ClassVar[Hub]

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()

    @abstractmethod
    def crawl(self, ctx: CrawlContext) -> Iterator[CrawlItem]:
        """Yield every repo of the root's family on this hub, with the claims linking them."""

    def check(self, repo_id: str) -> RepoRecord:
        """Look one repo up directly (to prove a disappearance). Default: not supported."""
        raise NotImplementedError(f"{type(self).__name__} cannot look up a single repo")

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release sessions; the default has nothing to release."""
