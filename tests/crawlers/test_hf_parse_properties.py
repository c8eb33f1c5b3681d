"""Property-based tests of the Hub JSON parser: whatever a hub sends, it never raises (but a
ValueError for an item without a usable id) and returns only validated values.

The strategies build listing items and model_info answers the way user-written metadata goes
wrong: every field may be missing, of any JSON type, nested, huge, or hold NUL, escapes, lone
surrogates and odd Unicode; ids are sometimes valid, sometimes traversal or three-part paths.
What comes out must be storable as it is (no character a database or a UTF-8 encoder refuses,
nothing beyond its column) and safe to put into a URL (ids and revisions).
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.base import RELATIONS, clean_text, is_valid_repo_id
from crawlers.huggingface.parse import (
    card_body,
    file_records,
    formats_of,
    normalize_repo_ref,
    parse_repo,
)
from tracker.rows import node_row

URL = "https://huggingface.co"
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ODD = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\u202e", "\ufeff", "\ufffe"]
chars = st.one_of(st.characters(), st.sampled_from(ODD), st.sampled_from("/.-_:"))
text = st.text(chars, max_size=40) | st.builds(
    lambda s, n: s * n, st.text(chars, max_size=3), st.integers(0, 3000)
)
valid_ids = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,20}/[A-Za-z0-9][A-Za-z0-9_-]{0,20}\Z")
ids = valid_ids | text | st.sampled_from(["../../etc/passwd", "a/b/c", "/abs", "a/", "a/.."])
scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=8,
)
base_model = (
    ids
    | st.lists(ids | json_values, max_size=5)
    | json_values
    | st.lists(st.lists(ids, max_size=2), max_size=2)
)
licenses = text | st.lists(text, max_size=3) | json_values
cards = (
    st.fixed_dictionaries(
        {},
        optional={
            "base_model": base_model,
            "base_model_relation": text | json_values,
            "license": licenses,
            "license_name": licenses,
            "license_link": licenses,
            "library_name": text | json_values,
        },
    )
    | json_values
)
tags = (
    st.lists(
        text
        | ids.map(lambda i: f"base_model:{i}")
        | ids.map(lambda i: f"base_model:adapter:{i}")
        | text.map(lambda t: f"license:{t}"),
        max_size=6,
    )
    | json_values
)
dates = st.sampled_from(["2024-03-18T00:00:00.000Z", "2024-03-18", "yesterday", ""]) | json_values
hub_json = st.fixed_dictionaries(
    {"id": ids},
    optional={
        "sha": st.from_regex(r"\A[0-9a-f]{40}\Z") | text | json_values,
        "cardData": cards,
        "config": st.fixed_dictionaries(
            {},
            optional={
                "architectures": st.lists(text | json_values) | json_values,
                "model_type": text | json_values,
            },
        )
        | json_values,
        "tags": tags,
        "createdAt": dates,
        "lastModified": dates,
        "downloads": json_values,
        "likes": json_values,
        "gated": json_values,
        "disabled": json_values,
        "author": text | json_values,
        "pipeline_tag": text | json_values,
        "gguf": st.fixed_dictionaries(
            {},
            optional={
                "total": json_values,
                "architecture": text | json_values,
                "context_length": json_values,
            },
        )
        | json_values,
        "safetensors": st.fixed_dictionaries(
            {},
            optional={
                "parameters": st.dictionaries(text, json_values, max_size=3) | json_values,
                "total": json_values,
            },
        )
        | json_values,
        "siblings": st.lists(
            st.fixed_dictionaries({"rfilename": text | json_values}) | json_values, max_size=4
        )
        | json_values,
    },
)
_HEX = re.compile(r"^[0-9a-fA-F]{1,64}$")


def storable(value: object, limit: int | None = None) -> bool:
    """A string no database, UTF-8 encoder or terminal will choke on, within its column."""
    return (
        isinstance(value, str)
        and clean_text(value) == value
        and (limit is None or len(value) <= limit)
    )


@SETTINGS
@given(hub_json)
def test_parse_repo_never_raises_and_returns_only_validated_values(data):
    try:
        listed = parse_repo(data, hub_url=URL)
    except ValueError:
        assert not is_valid_repo_id(data.get("id"))
        return
    r = listed.record
    assert is_valid_repo_id(r.repo_id) and r.repo_id == data["id"]
    assert r.url == f"{URL}/{r.repo_id}"
    assert r.sha is None or _HEX.match(r.sha)  # safe as a URL revision
    for parent in (*listed.card_parents, *listed.tag_parents):
        assert is_valid_repo_id(parent)
        relation, evidence, _ = listed.relation_to(parent)
        assert relation in RELATIONS
        assert storable(evidence)
    assert all(storable(a, 200) for a in r.architectures) and len(r.architectures) <= 20
    assert r.model_type is None or storable(r.model_type, 100)
    assert all(storable(t, 300) for t in r.tags)
    assert set(r.license_raw) <= {"license", "license_name", "license_link", "tag"}
    for value in r.license_raw.values():
        values = value if isinstance(value, list) else [value]
        assert all(storable(v, 200) for v in values)
    for count in (r.downloads, r.likes, r.parameters):
        assert type(count) is int and 0 <= count < 2**63
    for moment in (r.created_at, r.last_modified):
        assert moment is None or moment.utcoffset().total_seconds() == 0
    assert set(r.formats) <= set(formats_of(list(r.tags), listed.siblings or ()))
    assert r.status in ("active", "gated")
    assert all(isinstance(w, str) for w in listed.warnings)
    for part in (r.gguf, r.safetensors, r.extra):
        # plain JSON: what the pipeline stores in JSON columns
        json.dumps(part, allow_nan=False)
    for key, value in {**(r.gguf or {}), **r.extra}.items():
        assert not isinstance(value, str) or storable(value, 200), key
    # and the row the pipeline writes is storable as it is
    row = node_row(r)
    for column in ("key", "repo_id", "url", "sha", "license", "architectures", "model_type"):
        assert row[column] is None or storable(row[column]), column


@SETTINGS
@given(
    st.lists(
        json_values
        | st.fixed_dictionaries(
            {"type": st.sampled_from(["file", "directory"]) | json_values},
            optional={
                "path": text | json_values,
                "size": json_values,
                "oid": text | json_values,
                "lfs": st.fixed_dictionaries({}, optional={"oid": text | json_values})
                | json_values,
            },
        ),
        max_size=8,
    )
)
def test_file_records_never_raise_and_keep_only_usable_entries(items):
    files, bad = file_records(items)
    assert 0 <= bad <= len(items) and len(files) <= len(items)
    for f in files:
        assert storable(f.path, 1000) and f.path
        assert type(f.size) is int and 0 <= f.size < 2**63
        assert f.sha256 is None or (isinstance(f.sha256, str) and len(f.sha256) == 64)
        assert f.blob_id is None or (isinstance(f.blob_id, str) and len(f.blob_id) <= 64)


@SETTINGS
@given(text)
def test_text_helpers_never_raise(value):
    assert isinstance(card_body(value), str)
    assert isinstance(normalize_repo_ref(value), str)
    cleaned = clean_text(value, 50)
    assert storable(cleaned, 50)
    assert clean_text(cleaned) == cleaned  # idempotent
