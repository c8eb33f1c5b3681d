"""SQLAlchemy 2 models: the lineage record as it is kept on disk.

Nothing here is ever deleted by a crawl. A node that vanishes from a hub keeps its row with
status `removed`; what changes on a node is appended to `node_history`; what each run saw of
each node is in `observations`. Indexes are chosen for the recursive lineage query
(`edges.parent_id`, `edges.child_id`) and for "what did run N see" (`observations`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# JSON columns as Python sees them
JSONMap = dict[str, Any]
JSONList = list[Any]

class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite as on PostgreSQL.

    SQLite keeps no zone, so values come back naive; we store UTC and mark them UTC again.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class Node(Base):
    """One repository on one hub, keyed `<hub>:<repo_id>` (its current id)."""

    __tablename__ = "nodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    hub: Mapped[str] = mapped_column(String(20))
    repo_id: Mapped[str] = mapped_column(String(250))
    url: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    sha: Mapped[str | None] = mapped_column(String(64))
    license: Mapped[str] = mapped_column(String(100), default="")  # normalized, "" = none
    license_raw: Mapped[JSONMap] = mapped_column(JSON, default=dict)
    # codes found by the last audit (comma-separated), refreshed at the end of each crawl
    license_issues: Mapped[str] = mapped_column(String(100), default="")
    attribution: Mapped[bool | None] = mapped_column(Boolean)  # card shows "Powered by xAI"
    architectures: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    model_type: Mapped[str] = mapped_column(String(100), default="")
    formats: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    parameters: Mapped[int] = mapped_column(BigInteger, default=0)
    downloads: Mapped[int] = mapped_column(BigInteger, default=0)
    likes: Mapped[int] = mapped_column(BigInteger, default=0)
    gated: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[JSONList] = mapped_column(JSON, default=list)
    meta: Mapped[JSONMap] = mapped_column(JSON, default=dict)  # gguf/safetensors summaries, extra
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_modified: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(String(64), default="")  # hash of content fields
    # what the resolver reads of the repo beyond the columns: card lineage keys, PEFT/mergekit/
    # GGUF declarations, the card body (bounded); merged per key, never part of the fingerprint
    signals: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class Alias(Base):
    """A former id of a renamed repo; it still resolves to the node in every command."""

    __tablename__ = "aliases"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class Edge(Base):
    """parent -> child, one row per pair; `relation` is what the files support, the child's
    own declaration is kept in `declared_relation`."""

    __tablename__ = "edges"
    __table_args__ = (
        UniqueConstraint("parent_id", "child_id", name="uq_edges_parent_child"),
        Index("ix_edges_child", "child_id"),
        # covering index for the lineage walk (db/lineage.py): no table lookups
        Index("ix_edges_walk", "parent_id", "child_id", "relation", "source", "confidence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"))
    relation: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    evidence: Mapped[str] = mapped_column(Text, default="")
    declared_relation: Mapped[str | None] = mapped_column(String(20))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class RootMember(Base):
    """Which nodes a configured root (`grok-1`) starts from."""

    __tablename__ = "root_members"

    root: Mapped[str] = mapped_column(String(100), primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), primary_key=True)
    license: Mapped[str] = mapped_column(String(100), default="")


class File(Base):
    """A file of a node as last listed: path, size, sha256 (LFS oid) or git blob id."""

    __tablename__ = "files"
    __table_args__ = (Index("ix_files_sha256", "sha256"),)

    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(1000), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    blob_id: Mapped[str | None] = mapped_column(String(64))


class CrawlRun(Base):
    """One crawl: when, what it covered, how it ended, what it cost."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # running, ok, partial, interrupted, failed
    status: Mapped[str] = mapped_column(String(20), default="running")
    roots: Mapped[JSONList] = mapped_column(JSON, default=list)
    hubs: Mapped[JSONList] = mapped_column(JSON, default=list)
    counts: Mapped[JSONMap] = mapped_column(JSON, default=dict)  # per root: new/changed/removed
    requests: Mapped[JSONMap] = mapped_column(JSON, default=dict)  # per kind of request
    errors: Mapped[JSONList] = mapped_column(JSON, default=list)  # hub/root failures, one line each
    holder: Mapped[str] = mapped_column(String(200), default="")  # host:pid that ran it


class Observation(Base):
    """What one run saw of one node: the facts later runs are compared with."""

    __tablename__ = "observations"

    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(10))
    sha: Mapped[str | None] = mapped_column(String(64))
    license: Mapped[str] = mapped_column(String(100), default="")
    downloads: Mapped[int] = mapped_column(BigInteger, default=0)
    likes: Mapped[int] = mapped_column(BigInteger, default=0)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")


class NodeHistory(Base):
    """One change of one field of a node, as a run found it; never overwritten."""

    __tablename__ = "node_history"
    __table_args__ = (Index("ix_node_history_node", "node_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    field: Mapped[str] = mapped_column(String(40))  # license, status, relation, files, ...
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class RunWarning(Base):
    """Bad hub data a run skipped, with the repo it came from."""

    __tablename__ = "run_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    repo: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)


class CrawlLock(Base):
    """At most one row per lock name: who crawls this database now (see db/lock.py).

    On SQLite the row is the lock: `machine`/`pid`/`pid_started` let a taker on the same
    machine see that the holder died, `heartbeat_at` lets any other taker see that it went
    silent. On PostgreSQL an advisory lock is the lock and the row only says who holds it.
    """

    __tablename__ = "crawl_lock"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease: Mapped[str] = mapped_column(String(32), default="")  # random per acquisition
    machine: Mapped[str] = mapped_column(String(400), default="")  # host/boot id/pid namespace
    pid: Mapped[int] = mapped_column(Integer, default=0)
    pid_started: Mapped[str] = mapped_column(String(40), default="")  # ticks since boot


class HubCache(Base):
    """What a crawler keeps between runs: conditional-request validators (GitHub,
    ModelScope), candidates rejected after reading them (Hugging Face)."""

    __tablename__ = "hub_cache"

    hub: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(1000), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertEvent(Base):
    """One thing a run changed that people are told about (SPEC "Alert events"): the outbox.

    `id` is stable (a hash of what the event is), so deriving the same run's events twice
    inserts nothing new; `seq` orders events for delivery and feeds.
    """

    __tablename__ = "alert_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    root: Mapped[str] = mapped_column(String(100))
    node: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    data: Mapped[JSONMap] = mapped_column(JSON, default=dict)  # the event as sinks send it


class AlertRun(Base):
    """A run whose events were derived (possibly none): later runs derive only the others."""

    __tablename__ = "alert_runs"

    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    derived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    events: Mapped[int] = mapped_column(Integer, default=0)
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)


class AlertSink(Base):
    """A receiver as delivery knows it: which events are its own, and its backoff.

    A sink gets the events with `seq > after_seq` (those made since it was configured);
    `failures` consecutive failed attempts push `retry_at` further out. No URL, address or
    secret is kept here: the config holds them.
    """

    __tablename__ = "alert_sinks"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    after_seq: Mapped[int] = mapped_column(Integer, default=0)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_delivery: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertDelivery(Base):
    """One event's fate at one sink: `delivered` (never sent again) or `failed` (retried)."""

    __tablename__ = "alert_deliveries"

    sink: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("alert_events.seq"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Evidence(Base):
    """One lineage signal: `child` may derive from `parent_key`, by `kind`, with a strength.

    `origin` says who saw it: `crawl` (a crawler's claim, kept until the child is judged
    again) or `resolve` (computed by the resolver from every stored repo, replaced as a set at
    each resolve). A signal that goes is not deleted: `retracted_at` says when it went, so
    `tracker explain` can show what an edge rested on then. The parent need not be a node.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("child_id", "parent_key", "kind", "origin", name="uq_evidence"),
        Index("ix_evidence_parent", "parent_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("nodes.id"), index=True)
    parent_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    origin: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))  # declared / inferred
    relation: Mapped[str] = mapped_column(String(20))
    declared_relation: Mapped[str | None] = mapped_column(String(20))
    strength: Mapped[float] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text, default="")
    # what the last resolve made of it: "parent", "merge parent", or why it lost
    verdict: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Rejection(Base):
    """A candidate read and left out of a family, with why and what it showed."""

    __tablename__ = "rejections"

    hub: Mapped[str] = mapped_column(String(20), primary_key=True)
    repo_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    root: Mapped[str] = mapped_column(String(100), primary_key=True)
    sha: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


# --- the Hub sweep (tracker sweep, issue 14) -------------------------------------------------
# Light rows of every model of a hub live in their own tables, not in `nodes`/`edges`: the
# Grok families keep small tables (their queries, exports and audits never wade through three
# million strangers), a sweep never writes history or observations for models nobody follows,
# and the sweep's bulk writes need no ORM identity, foreign keys or per-row timestamps.


class SweptModel(Base):
    """One model as the hub's listing shows it; rewritten only when something changed.
    (On PostgreSQL the sweep tables' keys and looked-up columns are COLLATE "C", bytewise as
    on SQLite: migration 0010.)"""

    __tablename__ = "swept_models"
    __table_args__ = (
        Index("ix_swept_models_architecture", "architecture"),
        Index("ix_swept_models_model_type", "model_type"),
        Index("ix_swept_models_gguf_arch", "gguf_arch"),
    )

    hub: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(250), primary_key=True)  # lower-cased repo id
    repo_id: Mapped[str] = mapped_column(String(250))
    sha: Mapped[str | None] = mapped_column(String(64))
    # the hub's own ISO text ("2024-03-18T00:00:00.000Z"): compared as text for watermarks
    created_at: Mapped[str | None] = mapped_column(String(32))
    last_modified: Mapped[str | None] = mapped_column(String(32))
    library: Mapped[str] = mapped_column(String(100), default="")
    pipeline: Mapped[str] = mapped_column(String(100), default="")
    license: Mapped[str] = mapped_column(String(100), default="")
    architecture: Mapped[str] = mapped_column(String(100), default="")  # the first listed
    architectures: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    model_type: Mapped[str] = mapped_column(String(100), default="")
    gguf_arch: Mapped[str] = mapped_column(String(100), default="")
    parameters: Mapped[int] = mapped_column(BigInteger, default=0)
    gated: Mapped[str] = mapped_column(String(10), default="")  # "", auto, manual
    tags: Mapped[str] = mapped_column(Text, default="")  # comma-separated, lineage tags left out
    fingerprint: Mapped[str] = mapped_column(String(16), default="")
    sweep: Mapped[int] = mapped_column(Integer, default=0)  # the sweep that wrote this version


class SweptEdge(Base):
    """A declared parent of a swept model (`base_model:<relation>:<id>` tag); keys lower-cased,
    the parent need not be swept itself."""

    __tablename__ = "swept_edges"
    __table_args__ = (
        # covering index for the declared-lineage walk (db/sweep.py)
        Index("ix_swept_edges_walk", "hub", "parent_key", "child_key", "relation"),
    )

    hub: Mapped[str] = mapped_column(String(20), primary_key=True)
    child_key: Mapped[str] = mapped_column(String(250), primary_key=True)
    parent_key: Mapped[str] = mapped_column(String(250), primary_key=True)
    relation: Mapped[str] = mapped_column(String(20))


class SweepState(Base):
    """Where a hub's sweep stands: the cursor of the next page, committed with each page, and
    the watermark of the last complete sweep (later sweeps stop there)."""

    __tablename__ = "sweep_state"

    hub: Mapped[str] = mapped_column(String(20), primary_key=True)
    sweep: Mapped[int] = mapped_column(Integer, default=0)  # number of the current/last sweep
    # running; stored (every page, not yet swept_family: db/swept_read.py STORED); complete
    status: Mapped[str] = mapped_column(String(10), default="running")
    full: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[str | None] = mapped_column(Text)  # path?query of the next page
    stop_at: Mapped[str | None] = mapped_column(String(32))  # this sweep stops below it
    watermark: Mapped[str | None] = mapped_column(String(32))  # of the last complete sweep
    high: Mapped[str | None] = mapped_column(String(32))  # newest lastModified seen this sweep
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pages: Mapped[int] = mapped_column(Integer, default=0)
    models: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)


class SweptFamily(Base):
    """The members of a big declared family, stored together (db/swept_family.py): one row per
    declared edge reached from `root` (the root's own row has parent_key ''), with the columns
    lineage and export show, so a family is one range scan of the primary key instead of a
    walk with one scattered lookup per member. WITHOUT ROWID on SQLite: the table is that
    key's B-tree, ordered by (hub, root, key)."""

    __tablename__ = "swept_family"
    __table_args__ = {"sqlite_with_rowid": False}

    hub: Mapped[str] = mapped_column(String(20), primary_key=True)
    root: Mapped[str] = mapped_column(String(250), primary_key=True)
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    parent_key: Mapped[str] = mapped_column(String(250), primary_key=True)
    relation: Mapped[str] = mapped_column(String(20))
    # copied from swept_models; None for a parent that was never swept
    repo_id: Mapped[str | None] = mapped_column(String(250))
    license: Mapped[str | None] = mapped_column(String(100))
    parameters: Mapped[int | None] = mapped_column(BigInteger)
    gated: Mapped[str | None] = mapped_column(String(10))
    gguf_arch: Mapped[str | None] = mapped_column(String(100))
    library: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[str | None] = mapped_column(String(32))
    last_modified: Mapped[str | None] = mapped_column(String(32))
