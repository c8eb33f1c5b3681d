"""Event derivation on its own, from what runs recorded: idempotent, a baseline first, a
dead run derived by the next, and a parent moved by the resolver told as a move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from db import repository as repo
from db.models import AlertEvent, Edge, NodeHistory
from db.session import open_database, session_scope
from tracker.alerts.events import after_run, derive_events

T0 = datetime(2026, 11, 20, 4, tzinfo=UTC)
ROOTS = {}  # the license audit needs no configured roots here


def node(key: str) -> dict:
    hub, _, repo_id = key.partition(":")
    return {"key": key, "hub": hub, "repo_id": repo_id, "url": f"https://h/{repo_id}",
            "status": "active", "license": "apache-2.0"}


def edge(ids, parent: str, child: str, relation: str = "finetune") -> dict:
    return {"parent_id": ids[parent], "child_id": ids[child], "relation": relation,
            "source": "declared", "confidence": 1.0, "evidence": "card",
            "declared_relation": None}


def a_run(session, day: int, status: str = "ok") -> int:
    now = T0 + timedelta(days=day)
    run_id = repo.start_run(session, now=now, roots=["grok-1"], hubs=["huggingface"],
                            holder="test")
    if status != "running":
        repo.finish_run(session, run_id, now=now + timedelta(minutes=5), status=status,
                        counts={}, requests={}, errors=[])
    return run_id


def kinds(session) -> list[tuple[int, str, str]]:
    rows = session.execute(select(AlertEvent.run_id, AlertEvent.kind, AlertEvent.node)
                           .order_by(AlertEvent.seq))
    return [tuple(r) for r in rows]


def test_derivation_is_a_baseline_first_then_once_per_run(db_url):
    engine = open_database(db_url)
    keys = ["huggingface:x/root", "huggingface:a/one", "huggingface:c/two"]
    with session_scope(engine) as session:
        first = a_run(session, 0)
        ids = repo.upsert_nodes(session, [node(k) for k in keys[:2]], now=T0 + timedelta(
            minutes=1), run_id=first).ids
        repo.upsert_edges(session, [edge(ids, keys[0], keys[1])], now=T0 + timedelta(minutes=1),
                          run_id=first)
        repo.set_root_members(session, "grok-1", "apache-2.0", [ids[keys[0]]])
        assert derive_events(session, first) == 0  # the first crawl is a silent baseline
        second = a_run(session, 1, status="running")  # a crawl that dies after storing
        at = T0 + timedelta(days=1, minutes=1)
        ids |= repo.upsert_nodes(session, [node(keys[2])], now=at, run_id=second).ids
        repo.upsert_edges(session, [edge(ids, keys[1], keys[2], "quantization")], now=at,
                          run_id=second)
        repo.abandon_runs(session, now=T0 + timedelta(days=2), by_run=-1)
        third = a_run(session, 2)
        after_run(session, third, roots=ROOTS, now=T0 + timedelta(days=2, minutes=6))
        assert kinds(session) == [(second, "new", keys[2])]  # the dead run's, by the next
        assert derive_events(session, second) == 0  # ids are stable: nothing twice
        assert derive_events(session, third) == 0
    engine.dispose()


def test_a_parent_moved_by_the_resolver_is_a_relation_change_not_a_new_member(db_url):
    engine = open_database(db_url)
    keys = ["huggingface:x/root", "huggingface:a/one", "huggingface:c/two"]
    with session_scope(engine) as session:
        first = a_run(session, 0)
        at = T0 + timedelta(minutes=1)
        ids = repo.upsert_nodes(session, [node(k) for k in keys], now=at, run_id=first).ids
        repo.upsert_edges(session, [edge(ids, keys[0], keys[1]), edge(ids, keys[1], keys[2])],
                          now=at, run_id=first)
        repo.set_root_members(session, "grok-1", "apache-2.0", [ids[keys[0]]])
        derive_events(session, first)
        second = a_run(session, 1)
        moved = T0 + timedelta(days=1, minutes=1)
        # what a resolution does: one edge out, one in, one `parent` history row
        session.execute(delete(Edge).where(Edge.child_id == ids[keys[2]]))
        repo.upsert_edges(session, [edge(ids, keys[0], keys[2], "quantization")], now=moved,
                          run_id=second)
        session.add(NodeHistory(node_id=ids[keys[2]], run_id=second, changed_at=moved,
                                field="parent", old=f"finetune of {keys[1]}",
                                new=f"quantization of {keys[0]}"))
        session.flush()
        derive_events(session, second)
        (event,) = [e.data for e in session.scalars(select(AlertEvent))]
    engine.dispose()
    assert (event["kind"], event["node"], event["parent"]) == (
        "relation_changed", keys[2], keys[0])
    assert (event["old"], event["new"]) == (f"finetune of {keys[1]}",
                                            f"quantization of {keys[0]}")


def test_a_resolve_before_any_crawl_does_not_end_the_baseline(db_url):
    engine = open_database(db_url)
    keys = ["huggingface:x/root", "huggingface:a/one"]
    with session_scope(engine) as session:
        resolve = repo.start_run(session, now=T0, roots=["grok-1"], hubs=[], holder="test")
        repo.finish_run(session, resolve, now=T0, status="ok", counts={}, requests={},
                        errors=[])
        derive_events(session, resolve)
        first = a_run(session, 1)
        at = T0 + timedelta(days=1, minutes=1)
        ids = repo.upsert_nodes(session, [node(k) for k in keys], now=at, run_id=first).ids
        repo.upsert_edges(session, [edge(ids, keys[0], keys[1])], now=at, run_id=first)
        repo.set_root_members(session, "grok-1", "apache-2.0", [ids[keys[0]]])
        derive_events(session, first)
        assert kinds(session) == []
    engine.dispose()
