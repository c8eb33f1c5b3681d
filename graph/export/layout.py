"""Positions for a big family, computed here so the browser only draws (html export).

Layered by generation, roots on top: each generation is a band of rows; within it nodes are
ordered by where their parents sit (children gather under their parent), and a generation wider
than the picture wraps onto more rows, so 10,000 nodes make a readable block, not a line 400 km
long. Linear in nodes and edges, once sorted; no crossing minimisation beyond the parent order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

STEP_X = 48  # between neighbours in a row
STEP_Y = 48  # between the rows of one generation
GAP_Y = 140  # between generations, so the edges between them stay visible


def layered(
    keys: Sequence[str],
    edges: Sequence[tuple[str, str]],
    depth: Mapping[str, int],
    *,
    order: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, tuple[int, int]]:
    """Node key -> (x, y) in pixels, generation `depth[key]` at the top of band `depth`.
    `order` breaks ties between children of the same parents (default: the key)."""
    if not keys:
        return {}
    width = max(24, math.ceil(2 * math.sqrt(len(keys))))  # nodes per row
    parents: dict[str, list[str]] = {}
    for parent, child in edges:
        parents.setdefault(child, []).append(parent)
    bands: dict[int, list[str]] = {}
    for key in keys:
        bands.setdefault(depth[key], []).append(key)
    positions: dict[str, tuple[int, int]] = {}
    top = 0
    for level in sorted(bands):
        members = bands[level]

        def place(key: str) -> tuple[float, tuple[str, ...], str]:
            xs = [positions[p][0] for p in parents.get(key, ()) if p in positions]
            centre = sum(xs) / len(xs) if xs else 0.0
            return (centre, order[key] if order else (), key)

        members.sort(key=place)
        rows = math.ceil(len(members) / width)
        for row in range(rows):
            chunk = members[row * width : (row + 1) * width]
            left = -(len(chunk) - 1) * STEP_X / 2
            for column, key in enumerate(chunk):
                positions[key] = (round(left + column * STEP_X), top + row * STEP_Y)
        top += (rows - 1) * STEP_Y + GAP_Y
    return positions
