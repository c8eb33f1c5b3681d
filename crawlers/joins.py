"""Candidates joining a family together: the order of joins, and re-checks (pure, no HTTP).

`crawlers.evidence.assess` judges one candidate against the family as it stands. A pool of
candidates can depend on each other (a quantization of an undeclared conversion, a merge of
two undeclared members), so `settle` lets them join in order of evidence strength, makes a
candidate that names another undecided candidate wait for it, and re-checks the inferred
joins against the final family so the closest parent wins whatever the order was. `recheck`
does the last step again after reads added to what joined candidates show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from crawlers.base import MemberFacts, RepoRecord
from crawlers.evidence import GROK, Family, Markers, Verdict, assess, member_facts
from crawlers.references import mentioned_ids


def settle(
    pool: Mapping[str, RepoRecord],
    members: Mapping[str, MemberFacts],
    markers: Markers = GROK,
    *,
    max_passes: int = 3,
) -> tuple[dict[str, Verdict], dict[str, MemberFacts]]:
    """Verdicts for a pool of candidates against a family that grows as they join.

    Joins go in order of evidence strength, and a candidate that names another candidate
    still in the pool waits for it, so a quantization of an undeclared conversion lands under
    the conversion. A last pass re-checks every joined candidate against the final family
    (without itself and its descendants) so the closest parent wins whatever the order was.
    Returns (verdict by key, members including the joined ones).
    """
    members = dict(members)
    verdicts: dict[str, Verdict] = {}
    joined: set[str] = set()
    mentions: dict[str, set[str]] = {}

    def mention(k: str) -> set[str]:
        if k not in mentions:
            mentions[k] = mentioned_ids(pool[k]) - {k.split(":", 1)[1].lower()}
        return mentions[k]

    just_joined: set[str] | None = None  # lower ids joined by the last pass; None: all
    while True:
        family = Family(members, markers)
        open_ = [k for k in pool if k not in joined and k not in members]
        current: dict[str, Verdict] = {}
        skipped = False
        for k in open_:
            old = verdicts.get(k)
            # what rests on declared metadata changes when a repo it names joins: only then
            # is it worth assessing again (a long declared chain stays linear)
            if just_joined is not None and old and old.tier in (1, 8):
                if not mention(k) & just_joined:
                    current[k] = old
                    skipped = True
                    continue
            current[k] = assess(pool[k], family)
        verdicts.update(current)
        ready = [k for k, v in current.items() if v.joined]
        if not ready:
            if skipped:  # one full pass before concluding nothing else can join
                just_joined = None
                continue
            break
        open_ids = {k.split(":", 1)[1].lower() for k in open_}
        waiting = {k for k in ready if mention(k) & open_ids}
        # the strongest evidence first, among those not waiting for another candidate
        free = [k for k in ready if k not in waiting] or ready
        best = min(current[k].tier for k in free)
        just_joined = set()
        for key in [k for k in free if current[k].tier == best]:
            members[key] = _joined_facts(pool[key], current[key], members)
            joined.add(key)
            just_joined.add(key.split(":", 1)[1].lower())
    for _ in range(max_passes):
        changed = False
        # each pass judges against the family as the pass began (a copy: a Family indexes
        # and caches what it is given, and moves below would leave it half-updated)
        family = Family(dict(members), markers)
        children = _children_of(members)
        # declared parents are the metadata's word: only inferred joins may move
        movable = [k for k in joined if verdicts[k].tier != 1]
        for key in sorted(movable, key=lambda k: members[k].depth):
            v = assess(pool[key], family, _descendants(key, children))
            if v.joined and _parents(v) != _parents(verdicts[key]):
                verdicts[key] = v
                members[key] = _joined_facts(pool[key], v, members)
                changed = True
        if not changed:
            break
        _fix_depths(members)
    return verdicts, members


def recheck(
    pool: Mapping[str, RepoRecord],
    verdicts: Mapping[str, Verdict],
    members: Mapping[str, MemberFacts],
    keys: Iterable[str],
    markers: Markers = GROK,
) -> tuple[dict[str, Verdict], dict[str, MemberFacts]]:
    """Verdicts of joined candidates again, after reads added to what they show (their file
    hashes may make a fork, or point at a closer parent). Membership does not change here;
    a declared parent stays, only its relation may."""
    verdicts, members = dict(verdicts), dict(members)
    family = Family(dict(members), markers)  # as it was: the loop below changes members
    children = _children_of(members)
    for key in sorted(keys, key=lambda k: members[k].depth if k in members else 0):
        old = verdicts.get(key)
        if old is None or not old.joined:
            continue
        v = assess(pool[key], family, _descendants(key, children))
        if not v.joined or (old.tier == 1 and _parents(v) != _parents(old)):
            # the verdict stands, but the member is known by what the reads showed (its file
            # hashes: a mirror of it on another hub is matched on them)
            members[key] = _joined_facts(pool[key], old, members)
            continue
        verdicts[key] = v
        members[key] = _joined_facts(pool[key], v, members)
    _fix_depths(members)
    return verdicts, members


def _parents(v: Verdict) -> tuple[str, ...]:
    return tuple(sorted(c.parent for c in v.claims))


def _joined_facts(
    record: RepoRecord, v: Verdict, members: Mapping[str, MemberFacts]
) -> MemberFacts:
    first = v.claims[0]
    parent = members.get(first.parent)
    depth = parent.depth + 1 if parent else 1
    return member_facts(record, parent=first.parent, relation=first.relation, depth=depth)


def _children_of(members: Mapping[str, MemberFacts]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for k, m in members.items():
        if m.parent:
            children.setdefault(m.parent, []).append(k)
    return children


def _descendants(key: str, children: Mapping[str, list[str]]) -> set[str]:
    out, todo = {key}, [key]
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _fix_depths(members: dict[str, MemberFacts]) -> None:
    """Each member's depth along its parent chain; iterative and memoized, because a hub's
    content can declare a chain thousands deep (issue 17: a recursive walk crashed the crawl)."""
    depth: dict[str, int] = {}
    for start in members:
        chain: list[str] = []
        on_chain: set[str] = set()
        k = start
        while k not in depth:
            parent = members[k].parent
            if not parent or parent not in members or k in on_chain:  # a root, or a cycle
                depth[k] = 0
                break
            chain.append(k)
            on_chain.add(k)
            k = parent
        base = depth[k]
        for c in reversed(chain):
            if c in depth:  # where a cycle closed
                base = depth[c]
                continue
            base += 1
            depth[c] = base
    for k, d in depth.items():
        if members[k].depth != d:
            members[k] = replace(members[k], depth=d)


def parents_first(parents: Mapping[str, set[str]]) -> list[str]:
    """Keys ordered so that each comes after every parent of it that is also a key."""
    order: list[str] = []
    placed: set[str] = set()
    pending = sorted(parents)
    while pending:
        ready = [k for k in pending if not (parents[k] & set(pending)) - {k}]
        for k in ready or pending[:1]:  # a cycle (never from settle) still terminates
            order.append(k)
            placed.add(k)
        pending = [k for k in pending if k not in placed]
    return order
