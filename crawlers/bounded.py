"""Parsing what a hub serves without letting it stop the crawl: YAML, JSON, bounded.

Anyone who can upload to a hub chooses these bytes, and the tracker reads them for every
candidate (issue 17, item 2: a 1.3 KB "billion laughs" mergekit config kept a crawl busy for
good, because a walker expanded its aliases). So every parsed document is checked here, before
anything walks it, against limits of size, nesting depth and node count, counting a node each
time it is *reached* (an alias reached twice counts twice, which is what a walker pays). YAML
goes through a loader that refuses more than a few aliases and deep nesting while composing,
so a bomb is refused before it is built. A document over a limit is `TooLarge`, which callers
treat like unreadable data: a warning, never a crash.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import orjson

MAX_TEXT = 1_000_000  # characters of a config or card front matter parsed
MAX_DEPTH = 64  # nesting of mappings and lists
MAX_NODES = 100_000  # values reached by a full walk, aliases expanded
MAX_ALIASES = 32  # real configs use a handful (`<<: *defaults`); bombs need hundreds


class TooLarge(ValueError):
    """A document beyond the size, depth, node or alias limits."""


@cache
def _bounded_loader() -> Any:
    """PyYAML's safe loader (plain data only) that counts aliases and nesting as it composes.

    Built on first use: PyYAML costs about 40 ms to import, and most commands (lineage,
    resolve, export) never parse a card or a config."""
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._aliases = 0
            self._depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_ALIASES:
                    raise TooLarge(f"more than {MAX_ALIASES} YAML aliases")
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise TooLarge(f"YAML nested deeper than {MAX_DEPTH}")
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return BoundedLoader


def check_shape(data: object, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
    """Raise TooLarge when a full walk of `data` would go deeper than `max_depth` or reach more
    than `max_nodes` values (a mapping's keys count as values).

    Walks one level at a time: each container's children join the next level by one C-level
    `extend`, and a scalar costs one class test, so a sweep's listing page of 1,000 models
    (about 40,000 values) is checked in a few milliseconds; a walk pushing each value on a
    stack with its depth cost 20 ms a page, more than decoding it. Parsed keys are scalars
    (JSON's are strings, safe YAML refuses unhashable ones), so a plain dict's keys are counted
    and not walked. A level is finished before the limits are checked: no more work than one
    pass over data already in memory."""
    level: list[Any] = [data]
    reached = 0
    depth = 0
    while level:
        reached += len(level)
        below: list[Any] = []
        for value in level:
            cls = value.__class__
            if cls is str or cls is int or cls is float or cls is bool or value is None:
                continue
            if cls is dict:
                reached += len(value)
                below += value.values()
            elif cls is list:
                below += value
            elif isinstance(value, dict):  # a subclass: walk its keys too, whatever they are
                below += value.keys()
                below += value.values()
            elif isinstance(value, list | tuple):
                below += value
        if reached > max_nodes:
            raise TooLarge(f"more than {max_nodes} values")
        if below and depth >= max_depth:
            raise TooLarge(f"nested deeper than {max_depth}")
        depth += 1
        level = below


def load_yaml(text: str) -> object:
    """Plain data from YAML within the limits; raises yaml.YAMLError or TooLarge."""
    if len(text) > MAX_TEXT:
        raise TooLarge(f"YAML longer than {MAX_TEXT} characters")
    loader = _bounded_loader()(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    check_shape(data)
    return data


def load_json(
    raw: bytes | str, *, max_size: int = MAX_TEXT, max_nodes: int = MAX_NODES, walked: bool = True
) -> object:
    """Plain data from JSON within the limits; raises ValueError (TooLarge included).

    `walked=False` skips the depth and node check, for a caller that reads fixed paths and
    never walks what it was given (a sweep's listing page: `parse_item` reads a dozen fields
    at depth three at most); the size limit and the decoders' own nesting limit, about a
    thousand, still hold.

    Decoded by orjson (a sweep's listing page in half the time of the standard library's),
    falling back to the standard library for what orjson refuses and it reads: lone surrogate
    escapes (JavaScript's JSON.stringify writes them), NaN and Infinity, a byte order mark,
    UTF-16. The one difference left: an integer beyond 64 bits reads as a float, not an int;
    every count the crawlers keep must be an int below 2**63, so both are refused alike."""
    if len(raw) > max_size:
        raise TooLarge(f"JSON larger than {max_size} bytes")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:  # (past its own depth limit, 1,024, too: refused below)
        try:
            data = json.loads(raw)
        except RecursionError:  # the C scanner's own guard against deep nesting
            raise TooLarge(f"JSON nested deeper than {MAX_DEPTH}") from None
    if walked:
        check_shape(data, max_nodes=max_nodes)
    return data
