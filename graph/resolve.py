"""Every family from all the evidence at once: acyclic, rooted, and the same in any order.

Crawlers observe; this module decides. Its input is plain data: the repos (`Repo`: a key, a
creation date, a role read from its files) and every piece of evidence that one repo derives
from another (`Signal`), whichever hub or run saw it. Its output (`Resolution`) is the set of
edges the lineage shows, the members of each root, and for every signal that lost, why.

How a parent is chosen:
1. Each signal gets a weight: its strength, times a factor for direction where the signal is
   symmetric (shared files say "related", not who came first: the root, the older repo, the
   one holding full weights is the source), and a penalty where the candidate parent cannot
   be where the child's weights came from (a random-init test model, an adapter, a tokenizer).
   A parent that other candidate parents of the same child lead to is the closer one and
   gets a small bonus (a quantization of an undeclared conversion hangs under the conversion).
   A declared parent created after its child weighs a little less: in a declared cycle, the
   declaration the dates contradict is the one set aside; an older repo's very weight files
   outweigh any declaration.
2. A super-root points at every root's repos; the graph of signals is cut to what it reaches.
3. Each repo takes its best incoming signal; where that forms a cycle, Edmonds' maximum
   spanning arborescence (NetworkX) decides over the whole graph, so no cycle survives and
   every member reaches a root.
4. Declared second parents become `merge` edges, and a repo whose evidence ties it to a second
   root's family gets an edge from it too (it belongs to both), unless either forms a cycle.
Ties break on the keys, never on the order the input came in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Literal, NamedTuple

from graph.subtrees import Subtrees, has_cycle

Role = Literal["full", "quantized", "adapter", "tokenizer", "test", "code", "unknown"]

# Signals that say two repos hold the same thing, not which came first.
SYMMETRIC_KINDS = frozenset({"weights", "tokenizer", "mirror"})
# Signals that are the child's own word: the direction is the child's.
DECLARED_KINDS = frozenset(
    {"card_base_model", "hub_tag", "peft", "gguf", "mergekit", "github_fork", "declared"}
)
# How far each kind of evidence goes in choosing among parents, beyond its strength: the
# architecture says "a copy of the release" but not which; a tokenizer is copied everywhere
# (every member ships the release's own), so even whole shared tokenizer files (0.9 x 0.75)
# weigh less than a card naming the member a tokenizer repo was made for (0.7)
KIND_FACTOR = {"architecture": 0.65, "tokenizer": 0.75}
MIN_WEIGHT = 0.45  # below this a signal does not tie a repo to a family
CLOSER_BONUS = 0.04  # less than the gap between two kinds of evidence
# A declared parent younger than its child (a repo may be created long before its weights
# are pushed): still above any inferred signal but shared weights or card text.
LATER_BASE = 0.7
SECOND_ROOT_MIN = 0.6
COPY_OVER_DECLARED = 1.1  # a GGUF's copy declaring the model: the bytes say where they came from
_ROOT_WEIGHT = 100.0
_SUPER = "\0roots"


class Repo(NamedTuple):
    """What the resolver needs of one repository."""

    key: str
    created_at: datetime | None = None
    role: Role = "unknown"
    name_bonus: Mapping[str, float] = MappingProxyType({})  # parent key -> bonus


class Signal(NamedTuple):
    """One piece of evidence that `child` derives from `parent`.

    A named tuple rather than a frozen dataclass: a resolve builds one per stored piece of
    evidence (50,000 for a 10,000-member family) and a frozen dataclass costs ten times more
    to build."""

    parent: str
    child: str
    kind: str
    source: str  # declared / inferred
    strength: float
    relation: str
    detail: str
    declared_relation: str | None = None
    origin: str = "resolve"  # resolve / crawl


class Edge(NamedTuple):
    """An edge of the lineage, with the signal it rests on."""

    parent: str
    child: str
    relation: str
    source: str
    confidence: float
    evidence: str
    declared_relation: str | None
    kind: str
    tree: bool  # the child's chosen parent (False: a merge's other parent, a second root)


@dataclass
class Resolution:
    edges: list[Edge]
    members: dict[str, set[str]]  # root name -> member keys (its repos included)
    set_aside: dict[str, list[tuple[Signal, str]]]  # child -> signals that lost, and why
    weights: dict[tuple[str, str], float]  # (parent, child) -> weight after adjustment


def resolve(
    repos: Mapping[str, Repo],
    signals: Iterable[Signal],
    roots: Mapping[str, Sequence[str]],
) -> Resolution:
    """The families the evidence supports (see the module docstring)."""
    root_keys = {k for keys in roots.values() for k in keys if k in repos}
    usable, set_aside = _usable(repos, signals, root_keys)
    best, weights = _weigh(repos, usable)
    chosen = _arborescence(best, weights, root_keys)
    edges = [_edge(best[pair], weights[pair], tree=True) for pair in sorted(chosen)]
    tree_parent = {c: p for p, c in chosen}
    members = _members(roots, repos, edges)
    edges += _merges(usable, weights, tree_parent, chosen, edges)
    edges += _second_roots(repos, best, weights, tree_parent, members, roots, edges)
    members = _members(roots, repos, edges)
    kept = {(e.parent, e.child) for e in edges}
    below = Subtrees(tree_parent)
    for pair, signal in best.items():
        if pair in kept:
            continue
        why = _why_lost(pair, weights, tree_parent, below)
        set_aside.setdefault(pair[1], []).append((signal, why))
    for sig_list in set_aside.values():
        sig_list.sort(key=lambda item: (item[0].parent, item[0].kind, _rank(item[0])))
    declared_in: dict[str, int] = defaultdict(int)
    for e in edges:
        if e.kind in DECLARED_KINDS:
            declared_in[e.child] += 1
    edges = [_merge_relation(e, declared_in[e.child]) for e in edges]
    return Resolution(sorted(edges, key=lambda e: (e.child, e.parent)), members, set_aside, weights)


# --- 1. weights ---------------------------------------------------------------------------


def _usable(
    repos: Mapping[str, Repo], signals: Iterable[Signal], root_keys: set[str]
) -> tuple[list[Signal], dict[str, list[tuple[Signal, str]]]]:
    """Signals between known repos, into a non-root, not onto itself; the rest set aside."""
    usable: list[Signal] = []
    aside: dict[str, list[tuple[Signal, str]]] = {}
    signals = list(signals)
    # what the resolver read itself, over everything stored, of the same kind of evidence
    reread = {(s.child, s.kind) for s in signals if s.origin == "resolve"}
    for s in signals:  # order-free: every choice below breaks ties on keys and ranks
        if s.origin == "crawl" and s.source == "inferred" and (s.child, s.kind) in reread:
            # a crawler infers from what it had seen so far (a stock tokenizer it had seen
            # only on the root looked like the root's own, or like the first member's that
            # shipped it); the resolver's reading of that kind, over all repos, stands
            aside.setdefault(s.child, []).append((s, "read again by the resolver over all repos"))
        elif s.parent == s.child:
            aside.setdefault(s.child, []).append((s, "names itself"))
        elif s.child in root_keys:
            aside.setdefault(s.child, []).append((s, "a root's parent is not tracked"))
        elif s.child not in repos:
            continue
        elif s.parent not in repos:
            aside.setdefault(s.child, []).append((s, f"{s.parent} is not a known repository"))
        else:
            usable.append(s)
    return usable, aside


def _weigh(
    repos: Mapping[str, Repo], signals: list[Signal]
) -> tuple[dict[tuple[str, str], Signal], dict[tuple[str, str], float]]:
    """The strongest signal per (parent, child) pair and the pair's weight."""
    best: dict[tuple[str, str], Signal] = {}
    raw: dict[tuple[str, str], float] = {}
    # a pair's kinds: one string for most pairs, a set once a second kind shows
    kinds: dict[tuple[str, str], str | set[str]] = {}
    for s in signals:  # written for 50,000 signals a resolve: one factor call, no set each
        pair = (s.parent, s.child)
        w = s.strength * _factor(s, repos[s.parent], repos[s.child])
        seen = kinds.get(pair)
        if seen is None:
            kinds[pair] = s.kind
        elif seen.__class__ is str:
            if seen != s.kind:
                kinds[pair] = {seen, s.kind}
        else:
            seen.add(s.kind)  # type: ignore[union-attr]
        held = raw.get(pair)
        # ranks only break exact ties: most pairs never build them
        if held is None or w > held or (w == held and _rank(s) > _rank(best[pair])):
            best[pair], raw[pair] = s, w
    weights: dict[tuple[str, str], float] = {}
    parents_of: dict[str, set[str]] = defaultdict(set)
    for pair, w in raw.items():
        # two independent kinds of evidence for one pair count a little more than one
        seen = kinds[pair]
        if seen.__class__ is not str:
            w += 0.01 * min(2, len(seen) - 1)
        bonus = repos[pair[1]].name_bonus
        if bonus:
            w += bonus.get(pair[0], 0.0)
        weights[pair] = w
        if w >= MIN_WEIGHT:
            parents_of[pair[1]].add(pair[0])
    # the closer parent: a candidate parent that another candidate parent of the same child
    # leads to (q -> p -> child) is nearer the child than q
    plain = dict(weights)
    no_parents: set[str] = set()
    for (p, c), w in plain.items():
        others = parents_of.get(c, no_parents)
        # (p is never its own candidate parent: a signal onto itself is set aside)
        if len(others) > 1 and not others.isdisjoint(parents_of.get(p, no_parents)):
            weights[(p, c)] = w + CLOSER_BONUS
    _origin_of_copies(repos, best, plain, weights)
    return best, weights


FULL_COPY = 0.99  # the weights signal's strength when every weight file is the same


def _origin_of_copies(
    repos: Mapping[str, Repo],
    best: Mapping[tuple[str, str], Signal],
    plain: Mapping[tuple[str, str], float],
    weights: dict[tuple[str, str], float],
) -> None:
    """Candidate parents holding the very weight files the child holds are copies of one
    another: none is nearer than the others (each "leads to" the next), so the nearness
    goes to the oldest holder, the files' origin, as a tokenizer copied widely does."""
    same = {pair for pair, s in best.items() if s.kind == "weights" and s.strength >= FULL_COPY}
    holders: dict[str, list[str]] = defaultdict(list)
    for p, c in same:
        holders[c].append(p)
    for c, group in holders.items():
        if len(group) < 2:
            continue
        origin = min(group, key=lambda k: (repos[k].created_at is None,
                                           repos[k].created_at or datetime.min, k))
        for p in group:
            weights[(p, c)] = plain[(p, c)] + (CLOSER_BONUS if p == origin else 0.0)


def _rank(s: Signal) -> tuple[bool, bool, str, str, str]:
    """Among signals of equal weight for one pair: the child's word, then a crawler's."""
    return (s.source == "declared", s.origin == "crawl", s.kind, s.relation, s.detail)


def _factor(s: Signal, parent: Repo, child: Repo) -> float:
    """How far a signal's strength carries in its direction, parent -> child."""
    factor = KIND_FACTOR.get(s.kind, 1.0)
    if s.kind in SYMMETRIC_KINDS:
        direction = _direction(parent, child)
        factor *= direction
        if direction == 1.0 and s.kind == "weights" and s.strength >= FULL_COPY:
            factor *= COPY_OVER_DECLARED
    if s.kind not in DECLARED_KINDS:
        factor *= _source_penalty(parent, child)
    elif parent.created_at and child.created_at and parent.created_at > child.created_at:
        # a declared base created after its derivative: in a declared cycle, the declaration
        # the dates contradict is the one set aside
        factor *= LATER_BASE
    return factor


def _direction(parent: Repo, child: Repo) -> float:
    """For symmetric signals: the older repo is the source; without dates, the copy on
    Hugging Face (where weights are published; ModelScope mirrors it, GitHub holds code)."""
    if parent.created_at and child.created_at:
        if parent.created_at < child.created_at:
            return 1.0
        if parent.created_at > child.created_at:
            return 0.8
    p_hf, c_hf = parent.key.startswith("huggingface:"), child.key.startswith("huggingface:")
    if p_hf != c_hf:
        return 0.92 if p_hf else 0.86
    return 0.9


_WEIGHTED = ("full", "quantized", "unknown")


def _source_penalty(parent: Repo, child: Repo) -> float:
    """Full weights do not come from a test model, an adapter, a tokenizer or low-bit copy."""
    if parent.role == "test" and child.role != "test":
        return 0.3
    if parent.role in ("adapter", "tokenizer", "code") and child.role in _WEIGHTED:
        return 0.3
    if parent.role == "quantized" and child.role == "full":
        return 0.5
    return 1.0


# --- 2-3. the tree ------------------------------------------------------------------------


def _arborescence(
    best: Mapping[tuple[str, str], Signal],
    weights: Mapping[tuple[str, str], float],
    root_keys: set[str],
) -> set[tuple[str, str]]:
    """(parent, child) pairs of the maximum spanning arborescence from the roots."""
    into: dict[str, list[tuple[str, float]]] = defaultdict(list)
    out: dict[str, list[str]] = defaultdict(list)
    for (p, c), w in weights.items():  # order-free: max() and the sorts below decide
        if w >= MIN_WEIGHT:
            into[c].append((p, w))
            out[p].append(c)
    reached = set(root_keys)
    todo = sorted(root_keys)
    while todo:
        for c in out.get(todo.pop(), ()):
            if c not in reached and c not in root_keys:
                reached.add(c)
                todo.append(c)
    greedy: dict[str, str] = {}
    for c in sorted(reached - root_keys):
        cands = [(w, p) for p, w in into[c] if p in reached]
        greedy[c] = max(cands)[1]
    if not has_cycle(greedy):
        return {(p, c) for c, p in greedy.items()}
    import networkx as nx  # only a cycle needs Edmonds: most resolves start without it

    g = nx.DiGraph()
    g.add_nodes_from(sorted(reached | {_SUPER}))
    for r in sorted(root_keys):
        g.add_edge(_SUPER, r, weight=_ROOT_WEIGHT)
    for c in sorted(reached - root_keys):
        for p, w in sorted(into[c]):
            if p in reached:
                # a sliver by key order makes equal weights deterministic for Edmonds too
                g.add_edge(p, c, weight=w)
    tree = nx.maximum_spanning_arborescence(g, attr="weight", preserve_attrs=True)
    return {(p, c) for p, c in tree.edges if p != _SUPER}


def _edge(s: Signal, weight: float, *, tree: bool) -> Edge:
    return Edge(
        s.parent,
        s.child,
        s.relation,
        s.source,
        round(min(1.0, max(0.0, s.strength)), 4),
        s.detail,
        s.declared_relation,
        s.kind,
        tree,
    )


# --- 4. second parents --------------------------------------------------------------------


def _ancestors(key: str, parents: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [key]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def _parent_sets(edges: Iterable[Edge]) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        parents[e.child].add(e.parent)
    return parents


def _merges(
    signals: list[Signal],
    weights: Mapping[tuple[str, str], float],
    tree_parent: Mapping[str, str],
    chosen: set[tuple[str, str]],
    edges: list[Edge],
) -> list[Edge]:
    """A member whose own metadata names two or more parents is a merge of all of them."""
    declared: dict[str, dict[str, Signal]] = defaultdict(dict)
    for s in signals:
        if s.source == "declared" and s.kind in ("card_base_model", "hub_tag", "mergekit"):
            held = declared[s.child].get(s.parent)
            if held is None or (s.strength, _rank(s)) > (held.strength, _rank(held)):
                declared[s.child][s.parent] = s
    out: list[Edge] = []
    parents = _parent_sets(edges)
    for child in sorted(declared):
        named = declared[child]
        if child not in tree_parent or len(named) < 2:
            continue
        for parent in sorted(named):
            if (parent, child) in chosen:
                continue
            if child in _ancestors(parent, parents) or parent == child:
                continue  # a declared cycle: the tree's choice stands
            s = named[parent]
            out.append(_edge(s, weights.get((parent, child), s.strength), tree=False))
            parents[child].add(parent)
    return out


def _second_roots(
    repos: Mapping[str, Repo],
    best: Mapping[tuple[str, str], Signal],
    weights: Mapping[tuple[str, str], float],
    tree_parent: Mapping[str, str],
    members: Mapping[str, set[str]],
    roots: Mapping[str, Sequence[str]],
    edges: list[Edge],
) -> list[Edge]:
    """A repo tied by its own evidence to a second root's family belongs to both."""
    out: list[Edge] = []
    if len(roots) < 2:
        return out
    parents = _parent_sets(edges)
    into: dict[str, list[str]] = defaultdict(list)
    for (p, c), s in best.items():
        # a weights repo naming the other release in its prose is context, not lineage: a
        # second family takes the child's own word, shared weights, or the card of a repo
        # without weights (conversion code for both releases)
        second = s.kind in DECLARED_KINDS or s.kind == "weights" or (
            s.kind == "card_text" and repos[c].role in ("code", "tokenizer", "unknown")
        )
        if second and weights[(p, c)] >= SECOND_ROOT_MIN:
            into[c].append(p)
    for name in sorted(roots):
        family = members.get(name, set())
        for child in sorted(tree_parent):
            if child in family:
                continue
            cands = [(weights[(p, child)], p) for p in into.get(child, ()) if p in family]
            if not cands:
                continue
            _, parent = max(cands)
            if child in _ancestors(parent, parents):
                continue
            out.append(_edge(best[(parent, child)], weights[(parent, child)], tree=False))
            parents[child].add(parent)
    return out


def _members(
    roots: Mapping[str, Sequence[str]], repos: Mapping[str, Repo], edges: Iterable[Edge]
) -> dict[str, set[str]]:
    children: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        children[e.parent].append(e.child)
    out: dict[str, set[str]] = {}
    for name, keys in roots.items():
        seen = {k for k in keys if k in repos}
        todo = list(seen)
        while todo:
            for c in children.get(todo.pop(), ()):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        out[name] = seen
    return out


def _merge_relation(edge: Edge, declared_parents: int) -> Edge:
    """Every parent edge of a merge says `merge` (the declared word may say otherwise)."""
    if declared_parents >= 2 and edge.kind in DECLARED_KINDS and edge.relation != "merge":
        return Edge(
            edge.parent,
            edge.child,
            "merge",
            edge.source,
            edge.confidence,
            edge.evidence,
            edge.declared_relation or edge.relation,
            edge.kind,
            edge.tree,
        )
    return edge


def _why_lost(
    pair: tuple[str, str],
    weights: Mapping[tuple[str, str], float],
    tree_parent: Mapping[str, str],
    below: Subtrees,
) -> str:
    parent, child = pair
    w = weights[pair]
    if w < MIN_WEIGHT:
        return f"too weak to tie a repo to a family (weight {w:.2f} < {MIN_WEIGHT})"
    chosen = tree_parent.get(child)
    if chosen is None:
        return "no chain of evidence from a root reaches the candidate parent"
    if below.contains(child, parent):
        return f"would form a cycle: {parent} descends from {child}"
    cw = weights.get((chosen, child), 0.0)
    return f"{chosen} has stronger evidence ({cw:.2f} against {w:.2f})"
