"""Trees given as child -> parent, for the resolver (graph/resolve.py): whether a choice of
parents has a cycle, and constant-time "is x below y" for its explanations (a candidate
parent below its child would form a cycle)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping


class Subtrees:
    """Constant-time "is x below y in the tree" (entry and exit times of one depth-first walk)."""

    def __init__(self, tree_parent: Mapping[str, str]) -> None:
        children: dict[str, list[str]] = defaultdict(list)
        for c, p in tree_parent.items():
            children[p].append(c)
        self.enter: dict[str, int] = {}
        self.leave: dict[str, int] = {}
        clock = 0
        tops = sorted(set(children) - set(tree_parent))
        for top in tops:
            stack = [(top, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    self.leave[node] = clock
                    continue
                self.enter[node] = clock
                clock += 1
                stack.append((node, True))
                stack.extend((c, False) for c in sorted(children.get(node, ()), reverse=True))

    def contains(self, top: str, node: str) -> bool:
        """Whether `node` is `top` or below it."""
        if top not in self.enter or node not in self.enter:
            return False
        return self.enter[top] <= self.enter[node] < max(self.leave[top], self.enter[top] + 1)


def has_cycle(parent_of: Mapping[str, str]) -> bool:
    """Whether following parents from some node comes back to it."""
    state: dict[str, int] = {}
    for start in parent_of:
        path = []
        node: str | None = start
        while node is not None and node in parent_of and node not in state:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            return True
        for n in path:
            state[n] = 2
    return False
