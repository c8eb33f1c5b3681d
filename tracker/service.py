"""The read side: what `lineage` and `show` ask of the store, and how a target is named.

Each function takes the `Config`, opens the database, answers, and returns plain data that the
CLI renders; nothing here prints. Targets resolve in one place (`resolve_target`): a root name
from config, a node key, a former key (alias), or a bare `owner/name` on any hub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, TypeVar

from crawlers.base import RELATIONS, is_valid_repo_id
from crawlers.hubs import HUBS, repo_from_url
from tracker.config import Config
from tracker.errors import UnknownNode, did_you_mean

if TYPE_CHECKING:  # the store's modules load SQLAlchemy: imported where they are used, so
    # that `tracker lineage ROOT` on an SQLite file answers without it (db/lite.py)
    from db.lineage import Lineage
    from db.lite import Reader
    from db.session import Session
    from graph.export.common import ExportGraph

T = TypeVar("T")


@contextmanager
def store(config: Config) -> Iterator[Session]:
    """A session on the configured database, read as it is (never created or migrated)."""
    from db.session import open_readonly, session_scope

    engine = open_readonly(config.database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


@dataclass
class Target:
    label: str
    start_ids: list[int]
    roots: list[str]  # root names when the target is a root


class Lookups(Protocol):
    """What resolving a target asks of the store: the full path's session or the driver's
    own connection (db/lite.py) answer it alike, so both resolve a target the same way."""

    def root_ids(self, root: str) -> list[int]: ...
    def node_by_key(self, key: str) -> tuple[str, int] | None: ...
    def nodes_by_repo_id(self, repo_id: str, hubs: Sequence[str]) -> list[tuple[str, int]]: ...


class _StoreLookups:
    def __init__(self, session: Session) -> None:
        self.session = session

    def root_ids(self, root: str) -> list[int]:
        from db import repository as repo

        return repo.root_members(self.session).get(root, [])

    def node_by_key(self, key: str) -> tuple[str, int] | None:
        from db import repository as repo

        node = repo.resolve_key(self.session, key)
        return None if node is None else (node.key, node.id)

    def nodes_by_repo_id(self, repo_id: str, hubs: Sequence[str]) -> list[tuple[str, int]]:
        from db import repository as repo

        return [(n.key, n.id) for n in repo.find_nodes_by_repo_id(self.session, repo_id, hubs)]


class _DriverLookups:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def root_ids(self, root: str) -> list[int]:
        from db import lite

        return lite.root_start_ids(self.reader, root)

    def node_by_key(self, key: str) -> tuple[str, int] | None:
        from db import lite

        return lite.node_by_key(self.reader, key)

    def nodes_by_repo_id(self, repo_id: str, hubs: Sequence[str]) -> list[tuple[str, int]]:
        from db import lite

        return lite.nodes_by_repo_id(self.reader, repo_id, hubs)


def resolve_target(session: Session, config: Config, target: str) -> Target:
    """A root name (any case), node key, alias, bare repo id or pasted repo URL -> start node
    ids; UnknownNode (with "did you mean") if none. Repo ids match without regard to case,
    as on the hubs."""
    found = _resolve(_StoreLookups(session), config, target)
    if found is not None:
        return found
    target = _normalized(config, target)
    roots = ", ".join(config.roots)
    raise UnknownNode(
        f"{target!r} is neither a root ({roots}) nor a node in the database"
        f"{_suggestion(session, config, target)}; use a key like huggingface:xai-org/grok-1"
    )


def _normalized(config: Config, target: str) -> str:
    """The target as resolving reads it: stripped, a root in its configured case, a pasted
    URL as `hub:owner/name`."""
    target = target.strip()
    root = root_name(config, target)
    if root is not None:
        target = root
    hub, rid = repo_from_url(target, {h: c.endpoint for h, c in config.hubs.items()})
    if rid:
        target = f"{hub}:{rid}" if hub else rid
    return target


def _resolve(lookups: Lookups, config: Config, target: str) -> Target | None:
    """resolve_target's answer through `lookups`, None when nothing matches."""
    target = _normalized(config, target)
    if target in config.roots:
        ids = lookups.root_ids(target)
        if not ids:
            raise UnknownNode(
                f"root {target!r} has no crawled nodes yet; run `tracker crawl` first"
            )
        return Target(target, sorted(ids), [target])
    if ":" in target:
        node = lookups.node_by_key(target)
        if node is not None:
            return Target(node[0], [node[1]], [])
        hub, _, repo_id = target.partition(":")
        nodes = lookups.nodes_by_repo_id(repo_id, [hub.lower()])
    else:
        nodes = lookups.nodes_by_repo_id(target, HUBS)
    if nodes:
        label = nodes[0][0] if len(nodes) == 1 else target
        return Target(label, [i for _, i in nodes], [])
    return None


def root_name(config: Config, name: str) -> str | None:
    """The configured root `name` names, without regard to case; None if none."""
    return next((r for r in config.roots if r.lower() == name.strip().lower()), None)


def canonical_root(config: Config, name: str) -> str:
    """The configured root `name` names, without regard to case; UnknownNode (with the
    closest name) if none."""
    found = root_name(config, name)
    if found is None:
        raise UnknownNode(f"unknown root {name!r}{did_you_mean(name, config.roots)}; "
                          f"known: {', '.join(config.roots)}")
    return found


def _suggestion(session: Session, config: Config, target: str) -> str:
    """' (did you mean X?)': the closest root, node key or repo id to what was asked."""
    from db import repository as repo

    names = [*config.roots, *repo.node_names(session)]
    by_id = {n.partition(":")[2]: n for n in names if ":" in n}
    wanted = target.partition(":")[2] if ":" in target else target
    if ":" not in target and did_you_mean(target, by_id):
        return did_you_mean(target, by_id)
    return did_you_mean(wanted if ":" not in target else target, names)


def lineage(
    config: Config, target: str, *, depth: int | None = None, relations: Sequence[str] = ()
) -> Lineage:
    """All descendants of a root or node (a `db.lineage.Lineage`), optionally filtered.

    With `relations`, only nodes whose edge to their parent has one of them are kept, plus
    the ancestors that connect them, so a tree still reads from the root.
    """
    bad = [r for r in relations if r not in RELATIONS]
    if bad:
        raise UnknownNode(f"unknown relation {bad[0]!r}; one of {', '.join(RELATIONS)}")
    if depth is not None and depth < 0:
        raise UnknownNode("--depth must be 0 or more")
    result = _lineage_lite(config, target, depth)
    if result is None:
        result = _lineage_store(config, target, depth)
    if relations:
        keep = {i for i, n in result.nodes.items() if n.relation in relations}
        wanted = set(keep)
        for node_id in keep:  # climb to a start node along shown parents
            current = node_id
            while result.nodes[current].parents:
                current = result.nodes[current].parents[0][0]
                if current in wanted:
                    break
                wanted.add(current)
        wanted.update(i for i in result.start if i in result.nodes)
        result.order = [i for i in result.order if i in wanted]
        result.nodes = {i: result.nodes[i] for i in result.order}
        result.matched = keep
    return result


def _lineage_lite(config: Config, target: str, depth: int | None) -> Lineage | None:
    """The lineage the full path answers, read through the database's driver alone (an
    SQLite file, or PostgreSQL through psycopg, at this version's schema), without loading
    SQLAlchemy (db/lite.py): a target resolved as resolve_target does, else a swept model's
    declared lineage. None when that does not apply or finds nothing: the full path answers,
    or says what is wrong."""

    def read(reader: Reader) -> Lineage | None:
        from db import lite

        found = _resolve(_DriverLookups(reader), config, target)
        if found is None:
            return _swept_lineage(reader, target, depth)
        result = lite.descendants(reader, found.start_ids, max_depth=depth)
        result.label = found.label
        return result

    return _through_driver(config, read)


def _through_driver(config: Config, read: Callable[[Reader], T]) -> T | None:
    """`read` on a Reader of the database's driver alone (db/lite.py); None when the URL or
    schema does not suit one, when the target names a root not crawled yet, or when the
    driver fails: the full path then answers, or says what is wrong."""
    from db import lite

    reader = lite.open_reader(config.database_url)
    if reader is None:
        return None
    try:
        return read(reader)
    except UnknownNode:  # a root not crawled yet: the full path says so
        return None
    except lite.driver_errors():
        return None
    finally:
        reader.close()


def export_swept(
    config: Config, fmt: str, output: str | BinaryIO, target: str
) -> tuple[int, list[Path]] | None:
    """`tracker export --node` of a swept model's declared family, read through the driver
    alone like `_lineage_lite` (graph.swept.declared_graph): a family of 50,000 without
    loading SQLAlchemy, NetworkX and the Grok graph's modules. (node count, files written),
    or None when the target is a Grok root or node, or the driver path does not apply:
    tracker.graph_reads.export answers then, as it always did."""
    from graph.export import export
    from graph.swept import declared_graph

    rid = swept_target(target)
    if rid is None:
        return None

    def read(reader: Reader) -> ExportGraph | None:
        if _resolve(_DriverLookups(reader), config, target) is not None:
            return None  # a Grok root or node: its evidence, through the full path
        endpoint = config.hubs["huggingface"].endpoint
        return declared_graph(reader, "huggingface", rid, endpoint)

    rows = _through_driver(config, read)
    if rows is None:
        return None
    notes = {"at": "", "focus": f"huggingface:{rid}", "issues": {}}
    return len(rows.nodes), export(rows, fmt, output, notes=notes)


def _lineage_store(config: Config, target: str, depth: int | None) -> Lineage:
    from db.lineage import descendants

    with store(config) as session:
        try:
            found = resolve_target(session, config, target)
        except UnknownNode:  # not in a Grok family: any swept model, declared lineage only
            result = swept_lineage(session, target, max_depth=depth)
            if result is None:
                raise
            return result
        else:
            result = descendants(session, found.start_ids, max_depth=depth)
    result.label = found.label
    return result


def swept_target(target: str) -> str | None:
    """The repo id a target names on the swept hub (`huggingface:owner/name` or `owner/name`)."""
    hub, sep, rid = target.rpartition(":")
    if sep and hub != "huggingface":
        return None
    return rid if is_valid_repo_id(rid) else None


def swept_lineage(
    session: Session, target: str, *, max_depth: int | None = None
) -> Lineage | None:
    from db.sweep import session_reader

    return _swept_lineage(session_reader(session), target, max_depth)


def _swept_lineage(reader: Reader, target: str, max_depth: int | None) -> Lineage | None:
    """A swept model's declared lineage labelled with its key, or None."""
    from graph.swept import declared_lineage

    rid = swept_target(target)
    result = None if rid is None else declared_lineage(reader, "huggingface", rid,
                                                       max_depth=max_depth)
    if result is not None:
        result.label = result.nodes[result.start[0]].key
    return result


def show(config: Config, key: str) -> dict[str, Any]:
    """One node: metadata, roots and ancestors, parents and children with evidence, files,
    history."""
    from db import repository as repo
    from db.lineage import ancestors

    with store(config) as session:
        found = resolve_target(session, config, key)
        if len(found.start_ids) != 1:
            raise UnknownNode(f"{key!r} matches several nodes; give the full key (hub:owner/name)")
        return repo.node_detail(
            session, found.start_ids[0], ancestors=ancestors(session, found.start_ids[0])
        )
