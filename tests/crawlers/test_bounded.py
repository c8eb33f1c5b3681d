"""The bounded JSON and shape checks every hub answer goes through (crawlers/bounded.py).

`check_shape` refuses exactly the documents a full walk would find deeper than the depth limit
or holding more values than the node limit (a mapping's keys count), whatever their mix of
dicts, lists and tuples; `load_json` reads what the standard library reads (orjson first, the
standard library for what orjson refuses: lone surrogate escapes, NaN, a byte order mark) and
refuses what is too big or too deep.
"""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.bounded import MAX_DEPTH, TooLarge, check_shape, load_json

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=2), inner, max_size=4)
    | st.builds(tuple, st.lists(inner, max_size=3))
    | st.builds(OrderedDict, st.dictionaries(st.text(max_size=2), inner, max_size=3)),
    max_leaves=40,
)


def walk(value: object, depth: int = 0) -> tuple[int, int]:
    """(values reached, deepest level holding a child) by a plain recursive walk."""
    if isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple):
        children = list(value)
    else:
        return 1, -1
    reached, deepest = 1, depth if children else -1
    for child in children:
        n, d = walk(child, depth + 1)
        reached, deepest = reached + n, max(deepest, d)
    return reached, deepest


def refused(data: object, max_depth: int, max_nodes: int) -> bool:
    try:
        check_shape(data, max_depth=max_depth, max_nodes=max_nodes)
    except TooLarge:
        return True
    return False


@SETTINGS
@given(documents, st.integers(0, 6), st.integers(0, 60))
def test_check_shape_refuses_exactly_what_is_too_deep_or_too_big(data, max_depth, max_nodes):
    reached, deepest = walk(data)
    assert refused(data, max_depth, max_nodes) == (reached > max_nodes or deepest >= max_depth)


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def test_json_nested_past_the_depth_limit_is_refused_at_any_depth():
    assert load_json(nested(MAX_DEPTH)) is not None
    for depth in (MAX_DEPTH + 1, 1_000, 1_100, 100_000):  # orjson's own limit is 1,024
        with pytest.raises(TooLarge):
            load_json(nested(depth), max_size=1 << 20)


def test_json_larger_than_the_size_or_node_limit_is_refused():
    with pytest.raises(TooLarge):
        load_json(b"[" + b"1," * 600 + b"1]", max_size=1_000)
    with pytest.raises(TooLarge):
        load_json(json.dumps([{"a": 1}] * 40), max_nodes=100)  # 40 x (dict, key, value)
    assert len(load_json(json.dumps([{"a": 1}] * 33), max_nodes=100)) == 33  # 100 values


@pytest.mark.parametrize(
    "raw",
    [
        b'[{"id": "a/b", "tags": ["\\ud800", "ok"]}]',  # lone surrogate: JSON.stringify writes it
        b'{"x": NaN, "y": -Infinity}',
        b'\xef\xbb\xbf{"x": 1}',  # a byte order mark
        '{"x": "caf\u00e9"}'.encode("utf-16"),
        '{"x": [1, 2.5, "\u2603", null, true]}',
    ],
)
def test_json_that_orjson_refuses_reads_as_the_standard_library_reads_it(raw):
    expected = json.loads(raw)
    got = load_json(raw)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)


@pytest.mark.parametrize("raw", [b"<html>busy</html>", b'[{"a": 1}', b'["\xff"]', b""])
def test_what_is_not_json_is_a_value_error(raw):
    with pytest.raises(ValueError):
        load_json(raw)
