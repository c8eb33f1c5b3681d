"""`parse_item` reads each tag through a memo of what that tag means (the same few words are
on millions of models): a model's light row must not depend on what was read before it, nor
on the memo filling up and being emptied."""

from __future__ import annotations

from crawlers.huggingface import sweep
from crawlers.huggingface.sweep import parse_item


def item(tags: list[object]) -> dict[str, object]:
    return {"id": "org/model", "lastModified": "2026-11-29T00:00:00.000Z", "tags": tags}


TAGS = [
    "transformers",
    "a,b",
    "region:us",
    "license:mit",
    "license:apache-2.0",  # the first license is kept
    "base_model:finetune:Org/Base",
    "base_model:org/base",  # the same parent, no relation: counted once
    "base_model:quantized:x/..bad",  # no valid repo id: dropped
    "bad\x00tag",
    "y" * 101,
    7,
]


def test_the_same_tags_read_twice_give_the_same_row():
    first, again = parse_item(item(TAGS)), parse_item(item(TAGS))
    assert first == again
    assert first is not None
    assert first.tags == ("transformers", "a b")
    assert first.license == "mit"
    assert first.parents == (("Org/Base", "finetune"),)


def test_a_full_memo_is_emptied_and_rows_stay_the_same(monkeypatch):
    monkeypatch.setattr(sweep, "_TAG_MEMO_SIZE", 4)
    before = parse_item(item(TAGS))
    for n in range(20):  # more distinct tags than the memo holds
        parse_item(item([f"tag-{n}", f"base_model:adapter:u{n}/m"]))
    assert len(sweep._TAG_MEMO) <= 4
    assert parse_item(item(TAGS)) == before
    assert parse_item(item(["base_model:adapter:u3/m"])).parents == (("u3/m", "adapter"),)
