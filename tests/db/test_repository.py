"""The repository's functions, called directly on a real SQLite file and on PostgreSQL.

What the rest of the code relies on, one subject at a time: runs, nodes (upserts, history,
renames, status), files, edges, roots, the hub cache, license issues, lineage reads.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import repository as repo
from db.lineage import ancestors, descendants
from db.session import open_database, session_scope

T1 = datetime(2026, 11, 20, 4, tzinfo=UTC)
T2 = T1 + timedelta(days=1)


@pytest.fixture
def engine(db_url):
    engine = open_database(db_url)
    yield engine
    engine.dispose()


def node(repo_id: str, **kw) -> dict:
    row = {
        "key": f"huggingface:{repo_id}",
        "hub": "huggingface",
        "repo_id": repo_id,
        "status": "active",
        "sha": "a" * 40,
        "license": "apache-2.0",
        "downloads": 1,
        "likes": 1,
    }
    row.update(kw)
    return row


def store(engine, *rows, now=T1, run_id=None, **kw) -> repo.NodeWrite:
    with session_scope(engine) as session:
        return repo.upsert_nodes(session, list(rows), now=now, run_id=run_id, **kw)


def edge(ids, parent, child, relation="finetune", source="declared") -> dict:
    return {
        "parent_id": ids[f"huggingface:{parent}"],
        "child_id": ids[f"huggingface:{child}"],
        "relation": relation,
        "source": source,
        "confidence": 1.0,
        "evidence": "card",
    }


def test_runs_start_finish_and_dead_runs_are_marked_failed(engine):
    with session_scope(engine) as session:
        dead = repo.start_run(
            session, now=T1, roots=["grok-1"], hubs=["huggingface"], holder="old:1"
        )
        live = repo.start_run(
            session, now=T2, roots=["grok-1"], hubs=["huggingface"], holder="new:2"
        )
        abandoned = repo.abandon_runs(session, now=T2, by_run=live)
        assert [r.id for r in abandoned] == [dead]
        repo.add_warnings(session, live, [("huggingface:a/b", "card YAML is not valid")])
        repo.finish_run(
            session,
            live,
            now=T2,
            status="ok",
            counts={"grok-1": {"new": 1}},
            requests={"listing": 3},
            errors=[],
        )
    with session_scope(engine) as session:
        assert repo.get_run(session, dead).status == "failed"
        assert "never finished" in repo.get_run(session, dead).errors[-1]
        assert repo.latest_run(session).id == live
        assert repo.latest_run(session, before_id=live).id == dead
        assert repo.run_warnings(session, live) == [("huggingface:a/b", "card YAML is not valid")]


def test_upsert_nodes_inserts_then_writes_only_changes_with_history(engine):
    first = store(engine, node("xai-org/grok-1"), node("keyfan/grok-1-hf"))
    assert sorted(first.new) == ["huggingface:keyfan/grok-1-hf", "huggingface:xai-org/grok-1"]
    same = store(engine, node("xai-org/grok-1"), now=T2)
    assert (same.new, same.changed) == ([], [])
    stats = store(engine, node("xai-org/grok-1", downloads=5), now=T2)
    assert stats.changed == []  # download counts are history, not a change
    relicensed = store(engine, node("keyfan/grok-1-hf", license="mit"), now=T2, run_id=None)
    assert relicensed.changed == ["huggingface:keyfan/grok-1-hf"]
    with session_scope(engine) as session:
        ids = repo.node_ids(session, ["huggingface:keyfan/grok-1-hf"])
        detail = repo.node_detail(session, ids["huggingface:keyfan/grok-1-hf"], ancestors=[])
        assert [(h["field"], h["old"], h["new"]) for h in detail["history"]] == [
            ("license", "apache-2.0", "mit")
        ]
        assert detail["last_seen"] == T2.isoformat()
        assert repo.known_shas(session, "huggingface")["xai-org/grok-1"] == "a" * 40


def test_a_rename_keeps_the_node_and_its_former_key_resolves(engine):
    store(engine, node("bob/grok-1-chat"))
    renamed = store(
        engine,
        node("bob/grok-1-chat-v2"),
        now=T2,
        renamed_from={"huggingface:bob/grok-1-chat-v2": "huggingface:bob/grok-1-chat"},
    )
    assert renamed.renamed == [("huggingface:bob/grok-1-chat", "huggingface:bob/grok-1-chat-v2")]
    assert renamed.new == []
    with session_scope(engine) as session:
        old = repo.resolve_key(session, "huggingface:bob/grok-1-chat")
        assert old is not None and old.key == "huggingface:bob/grok-1-chat-v2"
        assert repo.aliases_of_nodes(session, [old.id]) == {old.id: ["huggingface:bob/grok-1-chat"]}
        assert [n.key for n in repo.find_nodes_by_repo_id(session, "BOB/grok-1-chat-v2")] == [
            old.key
        ]


def test_set_status_writes_history_and_nothing_when_unchanged(engine):
    ids = store(engine, node("alice/grok-1-ft")).ids
    node_id = ids["huggingface:alice/grok-1-ft"]
    with session_scope(engine) as session:
        repo.set_status(session, node_id, "removed", now=T2, run_id=None)
        repo.set_status(session, node_id, "removed", now=T2, run_id=None)
    with session_scope(engine) as session:
        detail = repo.node_detail(session, node_id, ancestors=[])
        assert detail["status"] == "removed"
        assert [(h["field"], h["new"]) for h in detail["history"]] == [("status", "removed")]


def test_files_are_replaced_and_a_changed_list_is_history(engine):
    node_id = store(engine, node("a/b")).ids["huggingface:a/b"]
    first = [{"path": "model.safetensors", "size": 10, "sha256": "f" * 64, "blob_id": None}]
    with session_scope(engine) as session:
        repo.replace_files(session, {node_id: first}, now=T1, run_id=None)
        repo.replace_files(session, {node_id: first}, now=T1, run_id=None)  # unchanged
        repo.replace_files(session, {node_id: [{**first[0], "size": 11}]}, now=T2, run_id=None)
    with session_scope(engine) as session:
        assert [(f.path, f.size) for f in repo.files_of(session, [node_id])[node_id]] == [
            ("model.safetensors", 11)
        ]
        history = repo.node_detail(session, node_id, ancestors=[])["history"]
        assert [h["field"] for h in history] == ["files"]


def test_edges_upsert_keep_declared_over_inferred_and_record_relation_changes(engine):
    ids = store(engine, node("xai-org/grok-1"), node("keyfan/grok-1-hf")).ids
    with session_scope(engine) as session:
        assert repo.upsert_edges(
            session, [edge(ids, "xai-org/grok-1", "keyfan/grok-1-hf")], now=T1, run_id=None
        ) == (1, 0)
        inferred = edge(ids, "xai-org/grok-1", "keyfan/grok-1-hf", "fork", "inferred")
        assert repo.upsert_edges(session, [inferred], now=T2, run_id=None) == (0, 0)
        conversion = edge(ids, "xai-org/grok-1", "keyfan/grok-1-hf", "conversion")
        assert repo.upsert_edges(session, [conversion], now=T2, run_id=None) == (0, 1)
    child = ids["huggingface:keyfan/grok-1-hf"]
    with session_scope(engine) as session:
        [stored] = repo.graph_edge_rows(session, [child])
        assert (stored.relation, stored.source) == ("conversion", "declared")
        [change] = repo.node_detail(session, child, ancestors=[])["history"]
        assert repo.parse_relation_text(change["new"]) == (
            "conversion",
            "huggingface:xai-org/grok-1",
        )


def test_root_members_follow_config_and_lineage_walks_the_family(engine):
    ids = store(
        engine,
        node("xai-org/grok-1"),
        node("keyfan/grok-1-hf"),
        node("someone/grok-1-hf-GGUF"),
        node("unrelated/model"),
    ).ids
    root = ids["huggingface:xai-org/grok-1"]
    gguf = ids["huggingface:someone/grok-1-hf-GGUF"]
    with session_scope(engine) as session:
        repo.upsert_edges(
            session,
            [
                edge(ids, "xai-org/grok-1", "keyfan/grok-1-hf", "conversion"),
                edge(ids, "keyfan/grok-1-hf", "someone/grok-1-hf-GGUF", "quantization"),
            ],
            now=T1,
            run_id=None,
        )
        repo.set_root_members(session, "grok-1", "apache-2.0", [root, gguf])
        repo.set_root_members(session, "grok-1", "apache-2.0", [root])  # config wins
    with session_scope(engine) as session:
        assert repo.root_members(session) == {"grok-1": [root]}
        assert repo.root_licenses(session) == {"grok-1": "apache-2.0"}
        family = descendants(session, [root])
        assert [family.nodes[i].key for i in family.order] == [
            "huggingface:xai-org/grok-1",
            "huggingface:keyfan/grok-1-hf",
            "huggingface:someone/grok-1-hf-GGUF",
        ]
        assert family.nodes[gguf].depth == 2 and family.nodes[gguf].relation == "quantization"
        assert [(k, d) for _, k, d in ancestors(session, gguf)] == [
            ("huggingface:keyfan/grok-1-hf", 1),
            ("huggingface:xai-org/grok-1", 2),
        ]


def test_license_issues_are_stored_and_cleared(engine):
    ids = store(engine, node("a/b"), node("c/d")).ids
    with session_scope(engine) as session:
        repo.store_license_issues(session, {"huggingface:a/b": "missing"})
    with session_scope(engine) as session:
        repo.store_license_issues(session, {"huggingface:c/d": "changed"})
    with session_scope(engine) as session:
        issues = {n.key: n.license_issues for n in repo.nodes_by_id(session, ids.values())}
    assert issues == {"huggingface:a/b": "", "huggingface:c/d": "changed"}


def test_the_hub_cache_saves_loads_and_replaces_by_prefix(engine):
    with session_scope(engine) as session:
        repo.save_cache(session, "github", {"http:a": {"etag": "1"}, "rejected:x": ["y"]}, now=T1)
        repo.save_cache(session, "github", {"http:a": {"etag": "2"}}, now=T2)
        repo.save_cache(session, "modelscope", {"http:a": {"etag": "9"}}, now=T2)
    with session_scope(engine) as session:
        assert repo.load_cache(session, "github", "http") == {"http:a": {"etag": "2"}}
        assert repo.load_cache(session, "github") == {"http:a": {"etag": "2"}, "rejected:x": ["y"]}
        assert repo.load_cache(session, "github", "http_") == {}  # a prefix, not a pattern


def test_candidates_two_roots_left_out_count_once_per_hub(engine):
    from db.evidence import count_rejected, save_rejections

    with session_scope(engine) as session:
        save_rejections(session, "huggingface", "grok-1",
                        {"fan/grok-chat-ui": (None, "no weights"), "x/grokking": (None, "x")},
                        now=T1, run_id=None)
        save_rejections(session, "huggingface", "grok-2", {"fan/grok-chat-ui": (None, "no")},
                        now=T1, run_id=None)
        save_rejections(session, "modelscope", "grok-1", {"ms/grok-ui": (None, "no")},
                        now=T1, run_id=None)
    with session_scope(engine) as session:
        assert count_rejected(session, "huggingface") == 2
        assert count_rejected(session, "modelscope") == 1
        assert count_rejected(session, "github") == 0
