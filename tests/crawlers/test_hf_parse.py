"""Hub JSON to records: declared parents and relations, licenses, formats, hostile values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.huggingface.parse import (
    card_body,
    file_records,
    formats_of,
    parse_repo,
    sibling_files,
)

URL = "https://huggingface.co"


def parse(**fields):
    return parse_repo({"id": "a/child", **fields}, hub_url=URL)


@pytest.mark.parametrize(
    ("card", "tags", "parent", "relation"),
    [
        ({"base_model": "x/p", "base_model_relation": "quantized"}, [], "x/p", "quantization"),
        ({"base_model": "x/p", "base_model_relation": "adapter"}, [], "x/p", "adapter"),
        ({"base_model": "x/p", "base_model_relation": "merge"}, [], "x/p", "merge"),
        ({"base_model": "x/p", "base_model_relation": "finetune"}, [], "x/p", "finetune"),
        ({"base_model": "x/p"}, [], "x/p", "finetune"),  # no word anywhere: fine-tune
        ({"base_model": "x/p"}, ["base_model:quantized:x/p"], "x/p", "quantization"),
        ({"base_model": ["x/p", "y/q"]}, ["base_model:finetune:x/p"], "x/p", "merge"),
        ({"base_model": ["x/p", "y/q"], "base_model_relation": "adapter"}, [], "y/q", "adapter"),
        ({"base_model": ["x/p", "a/child"]}, [], "x/p", "finetune"),  # self is not a 2nd parent
        ({}, ["base_model:x/p", "base_model:adapter:x/p"], "x/p", "adapter"),
        ({"base_model": "x/p", "base_model_relation": "Quantization"}, [], "x/p", "quantization"),
    ],
)
def test_declared_relation(card, tags, parent, relation):
    listed = parse(cardData=card, tags=tags)
    assert listed.relation_to(parent)[0] == relation


def test_evidence_names_the_source():
    listed = parse(cardData={"base_model": ["x/p", "y/q"]}, tags=["base_model:merge:x/p"])
    assert listed.relation_to("x/p")[1] == "card base_model: x/p, y/q"
    tag_only = parse(tags=["base_model:quantized:x/p"])
    assert tag_only.relation_to("x/p")[1] == "Hub tag base_model:quantized:x/p"
    assert tag_only.parents == ("x/p",)


@pytest.mark.parametrize(
    "base_model",
    [42, {"id": "x/p"}, [["x/p"]], "not an id", "../../etc/passwd", "x/" + "p" * 200, None],
)
def test_unusable_base_model_values_are_dropped(base_model):
    listed = parse(cardData={"base_model": base_model})
    assert listed.card_parents == ()
    assert bool(listed.warnings) == (base_model is not None)


def test_base_model_urls_and_duplicates_are_normalized():
    listed = parse(cardData={"base_model": ["https://huggingface.co/x/p/", "X/P", " y/q "]})
    assert listed.card_parents == ("x/p", "y/q")


def test_license_fields_and_tag():
    listed = parse(
        cardData={"license": "other", "license_name": "grok-2", "license_link": "LICENSE"},
        tags=["license:other", "region:us"],
    )
    assert listed.record.license_raw == {
        "license": "other",
        "license_name": "grok-2",
        "license_link": "LICENSE",
        "tag": "other",
    }
    assert parse(cardData={"license": ["mit", "apache-2.0"]}).record.license_raw == {
        "license": ["mit", "apache-2.0"]
    }
    odd = parse(cardData={"license": {"name": "mit"}})
    assert odd.record.license_raw == {} and odd.warnings


def test_record_fields():
    listed = parse(
        sha="abc",
        createdAt="2024-03-18T12:00:00.000Z",
        lastModified="2025-01-01T00:00:00+02:00",
        downloads=12,
        likes=True,  # wrong type: not a count
        gated="manual",
        config={"architectures": ["Grok1ForCausalLM", 3], "model_type": "grok-1"},
        safetensors={"parameters": {"BF16": 10, "F32": 5}, "total": 15},
        siblings=[{"rfilename": "model.safetensors"}, {"rfilename": "q4.gguf"}, {"oops": 1}],
        tags=["mlx", "text-generation", 7],
        library_name="transformers",
    )
    r = listed.record
    assert (r.sha, r.downloads, r.likes, r.gated, r.status) == ("abc", 12, 0, True, "gated")
    assert r.created_at == datetime(2024, 3, 18, 12, tzinfo=UTC)
    assert r.last_modified == datetime(2024, 12, 31, 22, tzinfo=UTC)
    assert r.architectures == ("Grok1ForCausalLM",)
    assert r.model_type == "grok-1"
    assert r.parameters == 15
    assert r.formats == ("gguf", "mlx", "safetensors")
    assert r.tags == ("mlx", "text-generation")
    assert r.url == f"{URL}/a/child"
    assert listed.siblings == ("model.safetensors", "q4.gguf")
    assert r.extra == {"library_name": "transformers"}


def test_gguf_parameters_when_no_safetensors():
    r = parse(gguf={"total": 99, "architecture": "grok", "chat_template": "x" * 10_000}).record
    assert r.parameters == 99
    assert r.gguf == {"total": 99, "architecture": "grok"}


@pytest.mark.parametrize("data", [None, [], "x", {"id": "no-slash"}, {"id": 5}, {"id": "a/../b"}])
def test_items_without_a_usable_id_are_rejected(data):
    with pytest.raises(ValueError):
        parse_repo(data, hub_url=URL)


def test_hostile_fields_do_not_stop_parsing():
    listed = parse(
        cardData="a string",
        config=[1, 2],
        tags="not-a-list",
        createdAt="yesterday",
        safetensors={"parameters": "many", "total": -3},
        gguf=["x"],
        siblings={"a": 1},
    )
    r = listed.record
    assert r.repo_id == "a/child"
    assert r.parameters == 0 and r.created_at is None and r.gguf is None
    assert len(listed.warnings) == 2  # cardData, createdAt


def test_formats_from_tags_and_files():
    assert formats_of(["GGUF", "pytorch"], ["x/model.onnx", "flax_model.msgpack"]) == (
        "gguf",
        "jax",
        "onnx",
        "pytorch",
    )


def test_file_records_from_a_tree_page():
    files, bad = file_records(
        [
            {"type": "directory", "oid": "d", "size": 0, "path": "ckpt-0"},
            {"type": "file", "oid": "b1", "size": 10, "path": "README.md"},
            {
                "type": "file",
                "oid": "b2",
                "size": 5,
                "path": "ckpt-0/w.bin",
                "lfs": {"oid": "f" * 64, "size": 5, "pointerSize": 134},
            },
            {"type": "file", "oid": "b3", "path": None},
            "junk",
        ]
    )
    assert [(f.path, f.size, f.sha256, f.blob_id) for f in files] == [
        ("README.md", 10, None, "b1"),
        ("ckpt-0/w.bin", 5, "f" * 64, "b2"),
    ]
    assert bad == 2


@pytest.mark.parametrize(
    ("readme", "body"),
    [
        ("---\nlicense: mit\n---\n# Title\nPowered by xAI\n", "# Title\nPowered by xAI\n"),
        ("\ufeff---\nlicense: mit\n---\nbody", "body"),
        ("# No front matter\n", "# No front matter\n"),
        ("---\nlicense: mit\n---", ""),
        ("---\nunterminated", "---\nunterminated"),
    ],
)
def test_card_body(readme, body):
    assert card_body(readme) == body


def test_model_info_siblings_with_file_metadata_stand_for_the_tree():
    sha = "a" * 64
    siblings = [
        {"rfilename": "model.safetensors", "size": 10, "blobId": "b" * 40,
         "lfs": {"sha256": sha, "size": 10, "pointerSize": 134}},
        {"rfilename": "config.json", "size": 2, "blobId": "c" * 40},
    ]
    files = sibling_files(siblings)
    assert files is not None
    assert [(f.path, f.size, f.sha256, f.blob_id) for f in files] == [
        ("model.safetensors", 10, sha, "b" * 40), ("config.json", 2, None, "c" * 40)]
    # without the metadata (names only), with an odd entry, or a list that may be cut short:
    # not known, the tree is asked
    assert sibling_files([{"rfilename": "config.json"}]) is None
    assert sibling_files([*siblings, "README.md"]) is None
    assert sibling_files([{"rfilename": "a\x00b", "blobId": "c" * 40}]) is None
    assert sibling_files(siblings, limit=2) is None
    assert sibling_files(None) is None
