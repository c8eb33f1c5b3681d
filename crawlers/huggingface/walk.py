"""The bookkeeping of one breadth-first walk of a declared family (no I/O here).

`Walk` knows which repos were found (by lower-cased id and former ids), which were already
yielded, which edges were recorded, and which declared parents lie outside the family. The
crawler feeds it each member's `Expansion` (what the hub said about the member's files, card and
children) in breadth-first order; `consume` yields the member's RepoRecord, then the claims
into it, then handles its children: a new child is queued with its claim waiting for its
record; an edge to a member already yielded (a cycle, a second parent) is yielded at once,
once; a repo listing itself as its own child is a warning, never an edge.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from crawlers.base import (
    CrawlContext,
    CrawlItem,
    CrawlWarning,
    FileRecord,
    LineageClaim,
    RepoRecord,
    is_valid_repo_id,
    node_key,
)
from crawlers.evidence import files_win, member_facts
from crawlers.huggingface.parse import Listed, parse_repo
from crawlers.references import Reference, config_parents
from crawlers.relation import normalize_relation


@dataclass(eq=False)
class Node:
    """A family member found by the walk, until and after its record is yielded."""

    listed: Listed
    is_root: bool = False
    renamed_from: str | None = None  # the id we asked for, when the hub redirected
    aliases: list[str] = field(default_factory=list)  # former ids: list their children too
    claims: list[LineageClaim] = field(default_factory=list)  # waiting for this record
    repo_id: str = ""
    depth: int = 0  # edges from the root, along the walk
    via: tuple[str, str] | None = None  # (parent key, relation) of the edge that found it
    found: bool = False  # yielded by discovery (huggingface/discovery.py): walk its children only
    stale: bool = False  # its metadata was unreadable: keep what is stored, walk its children
    read: RepoRecord | None = None  # the record as yielded: files and card as read
    # parents (lower-case keys) whose waiting claim carries the Hub's guess of the relation
    guessed: set[str] = field(default_factory=set)

    @property
    def record(self) -> RepoRecord:
        """The fullest record known: as read once yielded, else as listed."""
        return self.read or self.listed.record

    def __post_init__(self) -> None:
        self.repo_id = self.repo_id or self.listed.repo_id

    @property
    def key(self) -> str:
        return node_key("huggingface", self.repo_id)


@dataclass
class Expansion:
    """What a worker learned about one member."""

    files: list[FileRecord] | None = None  # None: not listed (sha unchanged)
    card_text: str | None = None
    card_complete: bool = True  # False: the card is longer than the read limit
    gone: bool = False  # 404 between the listing and now
    unread: bool = False  # the file list could not be read: keep the stored sha and files
    moved_to: str | None = None  # renamed between the listing and now
    children: list[tuple[str, list[object]]] = field(default_factory=list)  # (listed under, raw)
    warnings: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # unread parts: the run is partial


class Walk:
    def __init__(self, ctx: CrawlContext, hub_url: str) -> None:
        self.ctx = ctx
        self.hub_url = hub_url
        self.queue: deque[Node] = deque()
        self._nodes: dict[str, Node] = {}  # lower id or former id -> node
        self._done: set[int] = set()  # id() of nodes whose record was yielded
        self._edges: set[tuple[str, str]] = set()
        self._declared: dict[str, tuple[str, list[Node]]] = {}  # lower parent -> (as written,)
        # parents named by discovered members' config files: lower id -> (child, reference)
        self._configured: dict[str, list[tuple[Node, Reference]]] = {}
        self._members: set[int] = set()  # id() of every node added

    def find(self, repo_id: str) -> Node | None:
        return self._nodes.get(repo_id.lower())

    def admits(self, depth: int) -> bool:
        """Whether a member at `depth` fits the crawl's limits; says so once when not."""
        if depth > self.ctx.max_depth:
            self.ctx.limit_reached(
                f"declared chain deeper than crawl.max_depth = {self.ctx.max_depth}: cut there"
            )
            return False
        if len(self._members) >= self.ctx.max_members:
            self.ctx.limit_reached(
                f"family larger than crawl.max_members = {self.ctx.max_members}: cut there"
            )
            return False
        return True

    def add(self, node: Node) -> None:
        self._members.add(id(node))
        known = self.ctx.members.get(node.key)
        for alias in known.aliases if known is not None else ():
            # Children may still declare a former id (the Hub keeps their tags): list it too.
            if is_valid_repo_id(alias) and alias.lower() != node.repo_id.lower():
                node.aliases.append(alias)
        node.aliases[:] = list(dict.fromkeys(node.aliases))
        for name in (node.repo_id, *node.aliases):
            self._nodes.setdefault(name.lower(), node)
        for parent in node.listed.parents:
            if parent.lower() != node.repo_id.lower():
                self._declared.setdefault(parent.lower(), (parent, []))[1].append(node)
        self.queue.append(node)

    def ids(self) -> set[str]:
        """Every repo id (and former id) the walk has found, lower-cased."""
        return set(self._nodes)

    def add_found(self, record: RepoRecord, claims: list[LineageClaim], depth: int) -> None:
        """A member discovery found and yielded: queue it so its declared children are walked."""
        # with the parents it declares: one outside the family (a former id of a member, a
        # base that does not exist) is looked up at the end of the crawl like a walked one's
        node = Node(Listed.of_record(record), depth=depth, found=True)
        for claim in claims:
            self._edges.add((claim.parent.lower(), claim.child.lower()))
        self.add(node)
        for ref in config_parents(record):
            self._configured.setdefault(ref.repo_id.lower(), []).append((node, ref))

    def consume(self, node: Node, out: Expansion) -> Iterator[CrawlItem]:
        if node.found or node.stale:  # its record came from discovery, or stays as stored
            self._done.add(id(node))
            for message in out.incomplete:
                yield CrawlWarning(message, repo=node.key, incomplete=True)
            for listed_under, items in out.children:
                yield from self._children(node, listed_under, items)
            return
        record = listed = node.listed.record
        if out.files is not None:
            record = replace(record, files=tuple(out.files))
        if out.card_text is not None:
            record = replace(record, card_text=out.card_text, card_complete=out.card_complete)
        if out.moved_to:
            node.renamed_from = node.renamed_from or node.repo_id
            node.aliases.append(node.repo_id)
            node.repo_id = out.moved_to
            self._nodes.setdefault(out.moved_to.lower(), node)
            record = replace(record, repo_id=out.moved_to, url=f"{self.hub_url}/{out.moved_to}")
        if node.renamed_from:
            record = replace(record, renamed_from=node.renamed_from, status="renamed")
        if out.unread:  # the next crawl must see a change and list the files again
            record = replace(record, sha=self.ctx.known_shas.get(listed.repo_id))
        if out.gone:
            record = replace(record, status="removed")
            out.warnings.append("listed by the hub, then gone when its files were fetched")
        yield record
        node.read = record
        self._done.add(id(node))
        self._remember(record, node)
        for message in (*node.listed.warnings, *out.warnings):
            yield CrawlWarning(message, repo=node.key)
        for message in out.incomplete:
            yield CrawlWarning(message, repo=node.key, incomplete=True)
        siblings = node.listed.siblings
        for claim in node.claims:
            claim = replace(claim, child=node.key) if claim.child != node.key else claim
            # the files win where they contradict the declared relation (issue 3)
            stated = claim.parent.lower() not in node.guessed
            yield files_win(claim, record, self.ctx.members, siblings=siblings, stated=stated)
        node.claims.clear()
        for listed_under, items in out.children:
            yield from self._children(node, listed_under, items)

    def _children(self, node: Node, listed_under: str, items: list[object]) -> Iterator[CrawlItem]:
        own = {name.lower() for name in (node.repo_id, *node.aliases)}
        for raw in items:
            try:
                listed = parse_repo(raw, hub_url=self.hub_url)
            except ValueError as exc:
                yield CrawlWarning(f"unreadable child listed under {listed_under}: {exc}", node.key)
                continue
            if listed.repo_id.lower() in own:
                yield CrawlWarning(
                    f"{listed.repo_id} declares itself as its base model: self-edge skipped",
                    repo=node.key,
                )
                continue
            child = self.find(listed.repo_id)
            if child is None:
                if not self.admits(node.depth + 1):
                    continue
                child = Node(listed, depth=node.depth + 1)
                child.via = (node.key, listed.relation_to(listed_under)[0])
                self.add(child)
            yield from self._link(node, child, listed_under, listed)

    def _link(self, parent: Node, child: Node, written: str, listed: Listed) -> Iterator[CrawlItem]:
        edge = (parent.key.lower(), child.key.lower())
        if edge in self._edges:
            return
        self._edges.add(edge)
        relation, evidence, stated = listed.relation_to(written)
        if written.lower() != parent.repo_id.lower():
            evidence += f" (now {parent.repo_id})"
        claim = LineageClaim(parent.key, child.key, relation, "declared", 1.0, evidence)
        if id(child) in self._done:  # a cycle, a second parent, a member found by discovery
            yield files_win(claim, child.record, self.ctx.members,
                            siblings=child.listed.siblings, stated=stated)
        else:
            if not stated:
                child.guessed.add(claim.parent.lower())
            child.claims.append(claim)

    def outside_parents(self) -> Iterator[tuple[str, list[Node]]]:
        """Declared parents never reached by the walk, with the members declaring them."""
        for lower, (written, children) in self._declared.items():
            if lower not in self._nodes:
                yield written, children

    def link_outside(
        self, parent: Node | RepoRecord | str, written: str, children: list[Node]
    ) -> Iterator[CrawlItem]:
        """Edges from a parent outside the walk (a record just yielded, a node key known to the
        database, or a member reached under a former id)."""
        for child in children:
            if isinstance(parent, Node):
                yield from self._link(parent, child, written, child.listed)
                continue
            parent_id = parent.repo_id if isinstance(parent, RepoRecord) else parent
            edge = (node_key("huggingface", parent_id).lower(), child.key.lower())
            if edge in self._edges:
                continue
            self._edges.add(edge)
            relation, evidence, stated = child.listed.relation_to(written)
            if written.lower() != parent_id.lower():
                evidence += f" (now {parent_id})"
            claim = LineageClaim(
                node_key("huggingface", parent_id), child.key, relation, "declared", 1.0, evidence
            )  # the files win where they contradict the declared word, as for walked claims
            yield files_win(claim, child.record, self.ctx.members,
                            siblings=child.listed.siblings, stated=stated)

    def configured_parents(self) -> Iterator[tuple[str, list[tuple[Node, Reference]]]]:
        """Parents named by members' config files that no member answers to by any id
        the walk knows: looked up at the end of the crawl (a former id, an outside model)."""
        for lower, entries in self._configured.items():
            if lower not in self._nodes:
                yield entries[0][1].repo_id, entries

    def link_configured(
        self, parent: Node | RepoRecord, entries: list[tuple[Node, Reference]]
    ) -> Iterator[CrawlItem]:
        """Edges from a parent a config file named by another id (or an outside model)."""
        parent_id = parent.repo_id
        key = node_key("huggingface", parent_id)
        for child, ref in entries:
            edge = (key.lower(), child.key.lower())
            if edge in self._edges:
                continue
            self._edges.add(edge)
            evidence = f"{ref.where} names {ref.repo_id}"
            if ref.repo_id.lower() != parent_id.lower():
                evidence += f" (now {parent_id})"
            relation = normalize_relation(ref.relation) or "finetune"
            claim = LineageClaim(key, child.key, relation, "declared", 0.95, evidence)
            yield files_win(claim, child.record, self.ctx.members,
                            siblings=child.listed.siblings, stated=ref.relation is not None)

    def _remember(self, record: RepoRecord, node: Node) -> None:
        """Add the member to ctx.members, keeping the file hashes the database knew."""
        if record.status == "removed":
            return
        previous = self.ctx.members.get(record.key)
        if previous is None and node.renamed_from:
            previous = self.ctx.members.get(node_key("huggingface", node.renamed_from))
        parent, relation = node.via or (None, None)
        self.ctx.members[record.key] = member_facts(
            record,
            parent=parent,
            relation=relation,
            depth=node.depth,
            aliases=node.aliases,
            previous=previous,
        )
