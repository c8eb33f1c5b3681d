"""Bad hub data never stops a crawl and never enters the graph unvalidated.

A Grok-1 family on the fake Hub whose members carry what user-written metadata holds: wrong
types (`base_model` as a number, a dict, nested lists; `license` as a list; dates, counts and
flags of the wrong type), huge strings, NUL and other control characters, lone surrogates
and odd Unicode, repo ids that are not `owner/name`, file lists with unusable paths, and answers
that are not JSON at all, every time they are asked for. The crawl through the pipeline (real
crawler, real HTTP, SQLite and PostgreSQL) must end `ok`, keep every member whose id is
valid, record a warning naming the repo each oddity came from, and store only values the
schema can hold: no NUL, no lone surrogate, nothing longer than its column.
"""

from __future__ import annotations

import pytest
from sqlalchemy import String, select

from db.models import Edge, File, Node, NodeHistory, RunWarning
from db.session import make_engine, session_scope
from tests.fakes.hf_hub import FakeHub, Reply
from tests.fakes.hf_world import FakeFile, FakeRepo, World
from tracker.config import load_config
from tracker.pipeline import crawl

ROOT = "xai-org/grok-1"
HUGE = "L" * 100_000
ODD = "\x00\x07\x1b[31m\u202eevil\u202c\ud800\ufffe🦙"


def child(repo_id: str, **kw) -> FakeRepo:
    """A member the Hub indexes under the root (its tags say so), whatever its JSON says."""
    kw.setdefault("card", {"base_model": ROOT, "license": "apache-2.0"})
    kw.setdefault("files", [FakeFile("model.safetensors", 10, repo_id.replace("/", "0")[:1] * 64)])
    return FakeRepo(repo_id, **kw)


def card(**fields) -> dict:
    return {"json_overrides": {"cardData": fields}}


BAD = {
    "bad/base-number": card(base_model=42),
    "bad/base-dict": card(base_model={"id": ROOT}),
    "bad/base-nested": card(base_model=[[ROOT], None, 3.5]),
    "bad/base-not-an-id": card(base_model=["../../etc/passwd", "a/b/c", "x" * 5000]),
    "bad/license-list": card(base_model=ROOT, license=["mit", "apache-2.0"]),
    "bad/license-dict": card(base_model=ROOT, license={"id": "mit"}),
    "bad/license-huge": card(base_model=ROOT, license=ODD + HUGE),
    "bad/relation-odd": card(base_model=ROOT, base_model_relation=ODD),
    "bad/card-a-list": {"json_overrides": {"cardData": ["not", "a", "mapping"]}},
    "bad/sha-huge": {"json_overrides": {"sha": "f" * 500}},
    "bad/sha-odd": {"json_overrides": {"sha": ODD}},
    "bad/types": {
        "json_overrides": {
            "createdAt": "yesterday",
            "lastModified": 12345,
            "downloads": "many",
            "likes": -5,
            "gated": [1],
            "tags": "not-a-list",
            "config": ["a", "list"],
            "siblings": {"rfilename": 3},
        }
    },
    "bad/config": {
        "config": {
            "model_type": "m" * 5000 + ODD,
            "architectures": ["Grok\x00X", ODD, "A" * 10_000, 7, None],
        }
    },
    "bad/gguf": {
        "json_overrides": {
            "gguf": {"architecture": "\x00" * 300 + ODD, "total": "big", "context_length": 1e308},
            "safetensors": {"parameters": {ODD: 5, "BF16": "x"}, "total": -1},
        }
    },
    "bad/author": {"json_overrides": {"author": ODD + HUGE, "library_name": {"x": 1}}},
    "bad/tree-weird-paths": {},
    "bad/tree-not-json": {},
    "bad/tree-not-a-list": {},
    "bad/children-not-json": {},
}
# listed under the root, but with ids that must never become nodes, URLs or file paths
INVALID_IDS = {
    "bad/id-traversal": "../../etc/passwd",
    "bad/id-three-parts": "a/b/c",
    "bad/id-not-str": 12345,
    "bad/id-odd": "owner/" + ODD,
}


def bad_world() -> World:
    repos = [
        FakeRepo(ROOT, card={"license": "apache-2.0"}, files=[FakeFile("ckpt-0/t", 10, "a" * 64)]),
        child("good/grok-1-hf"),
    ]
    for repo_id, kw in BAD.items():
        kw = dict(kw)
        overrides = kw.pop("json_overrides", {})
        repos.append(child(repo_id, json_overrides=overrides, **kw))
    for repo_id, shown in INVALID_IDS.items():
        repos.append(child(repo_id, json_overrides={"id": shown, "modelId": shown}))
    return World(repos)


def queue_bad_answers(hub: FakeHub) -> None:
    """Answers that are wrong every time they are asked for (not a transient fault)."""

    def tree_of(repo_id):
        return lambda r: r.kind == "tree" and f"/api/models/{repo_id}/" in r.path

    weird = [
        {"type": "file", "path": "ok.safetensors", "size": 1, "lfs": {"oid": "e" * 64}},
        {"type": "file", "path": "nul\x00name.bin", "size": 1, "oid": "1" * 40},
        {"type": "file", "path": "lone\ud800.bin", "size": 1, "oid": "2" * 40},
        {"type": "file", "path": "x" * 5000, "size": 1},
        {"type": "file", "path": 42},
        {"type": "file", "path": "neg.bin", "size": -3, "oid": "3" * 400},
        {"type": "file", "path": "big.bin", "size": 10**30, "lfs": {"oid": ODD}},
        "not an entry",
        None,
    ]
    hub.faults.add(tree_of("bad/tree-weird-paths"), *[Reply(200, {}, weird)] * 3)
    hub.faults.add(tree_of("bad/tree-not-json"), *[Reply(200, {}, "{not json")] * 50)
    hub.faults.add(tree_of("bad/tree-not-a-list"), *[Reply(200, {}, {"error": "x"})] * 50)
    broken_listing = lambda r: (  # noqa: E731
        r.kind == "listing" and "base_model:bad/children-not-json" in r.query.get("filter", [])
    )
    hub.faults.add(broken_listing, *[Reply(200, {}, "[{]")] * 50)


@pytest.fixture
def crawled(db_url):
    with FakeHub(bad_world()) as hub:
        queue_bad_answers(hub)
        config = load_config(
            environ={"HF_ENDPOINT": hub.url},
            overrides={"database.url": db_url, "crawl.retries": 0},  # no wall-clock backoff
        )
        report = crawl(config, roots=["grok-1"], hubs=["huggingface"])
    return report, db_url


def read(url: str, model):
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            return list(s.scalars(select(model)))
    finally:
        engine.dispose()


def test_bad_data_never_stops_the_crawl(crawled):
    report, url = crawled
    # a file list or children listing never readable is that repo unread, visibly: a partial
    # run naming it (issue 17); everything else is a warning on its repo
    assert report.status == "partial", report.errors
    assert report.errors and all(
        "skipped" in e and any(f"huggingface:{bad}:" in e for bad in BAD) for e in report.errors
    ), report.errors
    keys = {n.key for n in read(url, Node)}
    expected = {f"huggingface:{r}" for r in (ROOT, "good/grok-1-hf", *BAD)}
    assert expected <= keys
    # every member is a child of the root, by its card or by the Hub's tags
    engine = make_engine(url)
    with session_scope(engine) as s:
        ids = {n.id: n.key for n in s.scalars(select(Node))}
        children = {ids[e.child_id] for e in s.scalars(select(Edge))}
    engine.dispose()
    assert expected - {f"huggingface:{ROOT}"} <= children


def test_ids_that_are_not_owner_name_never_become_nodes(crawled):
    _, url = crawled
    for node in read(url, Node):
        assert node.repo_id.count("/") == 1 and ".." not in node.repo_id, node.repo_id
        assert node.url.endswith("/" + node.repo_id)
    warnings = [(w.repo, w.message) for w in read(url, RunWarning)]
    for shown in ("../../etc/passwd", "a/b/c"):
        assert any(shown in m for _, m in warnings), shown


def test_each_oddity_is_a_warning_naming_its_repo(crawled):
    _, url = crawled
    warned = {w.repo for w in read(url, RunWarning)}
    unwarned = [r for r in BAD if f"huggingface:{r}" not in warned]
    # a huge sha or a card with a good base_model and a list license is readable as it is
    assert set(unwarned) <= {"bad/license-list"}, unwarned


def test_only_values_the_schema_holds_are_stored(crawled):
    _, url = crawled
    for model in (Node, Edge, File, NodeHistory, RunWarning):
        for row in read(url, model):
            for column in model.__table__.columns:
                value = getattr(row, column.key)
                if not isinstance(value, str):
                    continue
                where = f"{model.__tablename__}.{column.key} of {getattr(row, 'key', row)}"
                assert "\x00" not in value, where
                assert not any(0xD800 <= ord(c) <= 0xDFFF for c in value), where
                if isinstance(column.type, String) and column.type.length:
                    assert len(value) <= column.type.length, where


def test_the_files_that_can_be_stored_are_kept(crawled):
    _, url = crawled
    nodes = {n.id: n.key for n in read(url, Node)}
    paths = {f.path for f in read(url, File) if nodes[f.node_id].endswith("tree-weird-paths")}
    assert "ok.safetensors" in paths and "neg.bin" in paths


def test_a_file_list_skipped_as_unreadable_is_listed_again_next_time(db_url):
    """The skipped member keeps its stored sha: the next crawl sees a change and lists it."""
    with FakeHub(bad_world()) as hub:
        queue_bad_answers(hub)
        config = load_config(
            environ={"HF_ENDPOINT": hub.url},
            overrides={"database.url": db_url, "crawl.retries": 0},
        )
        crawl(config, roots=["grok-1"], hubs=["huggingface"])
        hub.faults.clear()  # the hub answers properly again
        report = crawl(config, roots=["grok-1"], hubs=["huggingface"])
    assert report.status == "ok", report.errors
    nodes = {n.id: n for n in read(db_url, Node)}
    broken = next(n for n in nodes.values() if n.repo_id == "bad/tree-not-json")
    assert broken.sha == hub.world.get("bad/tree-not-json").sha
    assert any(nodes[f.node_id] is broken or f.node_id == broken.id for f in read(db_url, File))
