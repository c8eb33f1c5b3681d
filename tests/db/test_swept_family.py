"""Big declared families stored together (db/swept_family.py) answer exactly what the recursive
walk answers: after a first sweep (rebuilt) and after a second one that adds models, rewrites
some, moves members to other parents and makes a member a root of its own (updated), on
SQLite and PostgreSQL. Sweeps go through the sweep's own store path."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import text

from crawlers.huggingface.sweep import parse_item
from db import sweep as store
from db import swept_family, swept_read
from db.session import open_database, session_scope
from graph.swept import declared_lineage
from tests.fakes.hf_population import BASES, Population

HUB = "huggingface"
BIG = 40


def sweep_all(engine, population: Population) -> int:
    """One full sweep of the population through `store_page`; returns its number."""
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        state, _ = store.begin_sweep(s, HUB, full=True, now=now)
        number = state.sweep
    items = [parse_item(population.item(i)) for i in range(len(population))]
    pages = [items[i : i + 500] for i in range(0, len(items), 500)]
    for n, page in enumerate(pages):
        with session_scope(engine) as s:
            store.store_page(s, HUB, page, cursor=f"p{n}", done=n == len(pages) - 1,
                             requests=1, now=now)
    store.analyze(engine)
    return number


def subtree(population: Population, root: int) -> int:
    children: dict[int, list[int]] = {}
    for i, parents in enumerate(population.parents):
        for p in parents:
            children.setdefault(p, []).append(i)
    seen, todo = {root}, [root]
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return len(seen)


def assert_same_as_walk(engine, keys: list[str]) -> None:
    with session_scope(engine) as s:
        for key in keys:
            stored = swept_family.stored_family(s, HUB, key)
            assert stored is not None, key
            assert Counter(stored) == Counter(store.declared_descendants(s, HUB, key)), key


def stored_roots(engine) -> set[str]:
    with engine.connect() as conn:
        return {r for (r,) in conn.execute(text("SELECT DISTINCT root FROM swept_family"))}


def _add_rewrite_and_move(population) -> list[int]:
    """A later sweep's world: 300 new models, some rewritten, members moved to another parent
    (an edge lost). Returns the single-parent members it chose among."""
    population.add(300)
    population.touch(range(7, 2_000, 97))
    members = [i for i in range(4, 2_000) if len(population.parents[i]) == 1]
    for i in members[200:2_000:150]:
        population.parents[i] = (members[3],)
        population.touch([i])
    return members


def test_big_families_are_stored_together_and_follow_a_second_sweep(db_url):
    population = Population(2_000)
    engine = open_database(db_url)
    try:
        done = swept_family.refresh(engine, HUB, sweep_all(engine, population), big=BIG)
        bases = [b[0].lower() for b in BASES]
        assert done["mode"] == "rebuilt" and stored_roots(engine) == set(bases)
        assert_same_as_walk(engine, bases)
        with session_scope(engine) as s:  # what the user sees is the walk's answer
            lineage = declared_lineage(s, HUB, "Qwen/Qwen2.5-7B")
            assert lineage is not None
            assert {n.repo_id for n in lineage.nodes.values()} == population.family(2)
            assert swept_family.stored_family(s, HUB, "nobody/nothing") is None

        # the second sweep: new models, rewritten ones, members moved to another parent
        # (an edge lost), and the member with the biggest subtree made a root of its own
        members = _add_rewrite_and_move(population)
        big_member = max(members[:60], key=lambda i: subtree(population, i))
        assert subtree(population, big_member) >= BIG
        population.parents[big_member] = ()
        population.touch([big_member])
        done = swept_family.refresh(engine, HUB, sweep_all(engine, population), big=BIG)
        assert done["mode"] == "updated"
        new_root = population.repo_id(big_member).lower()
        assert stored_roots(engine) == {*bases, new_root}
        assert_same_as_walk(engine, [*bases, new_root])

        # a third sweep that adds models and rewrites some (new dates), no edge lost: only
        # their rows are written, no family is copied again
        population.add(100)
        population.touch(range(11, 2_000, 101))
        done = swept_family.refresh(engine, HUB, sweep_all(engine, population), big=BIG)
        assert done["mode"] == "updated" and done["rows"] < 100
        assert_same_as_walk(engine, [*bases, new_root])
    finally:
        engine.dispose()


def test_families_under_the_threshold_are_walked(db_url):
    population = Population(600)
    engine = open_database(db_url)
    try:
        done = swept_family.refresh(engine, HUB, sweep_all(engine, population), big=10_000)
        assert done == {"mode": "rebuilt", "families": 0, "rows": 0}
        with session_scope(engine) as s:
            lineage = declared_lineage(s, HUB, "meta-llama/Llama-3.1-8B")
            assert lineage is not None
            assert {n.repo_id for n in lineage.nodes.values()} == population.family(0)
    finally:
        engine.dispose()


def test_a_big_member_of_a_stored_family_is_cut_out_of_its_roots_rows(db_url, monkeypatch):
    monkeypatch.setattr(swept_read, "BIG_FAMILY", BIG)
    population = Population(3_000)
    engine = open_database(db_url)
    try:
        swept_family.refresh(engine, HUB, sweep_all(engine, population))
        sizes = {i: subtree(population, i) for i in range(4, 400)}
        big = [i for i, n in sizes.items() if n >= BIG * 2][:5]  # merges among them
        small = [i for i, n in sizes.items() if 1 < n < BIG // 2][:3]
        assert big and small
        with session_scope(engine) as s:
            for i in big:
                key = population.repo_id(i).lower()
                cut = swept_family.stored_family(s, HUB, key)
                assert cut is not None
                assert Counter(cut) == Counter(store.declared_descendants(s, HUB, key))
                lineage = declared_lineage(s, HUB, population.repo_id(i))
                assert lineage is not None and len(lineage.nodes) == sizes[i]
            for i in small:  # walked, as before
                assert swept_family.stored_family(s, HUB, population.repo_id(i).lower()) is None
    finally:
        engine.dispose()


def test_a_member_under_a_third_of_its_roots_rows_is_walked_once_and_answered(db_url, monkeypatch):
    # before: stored_family counted such a member's walk to a third of its root's rows, found
    # it short and answered None, so the caller walked it a second time
    monkeypatch.setattr(swept_read, "BIG_FAMILY", BIG // 2)
    population = Population(3_000)
    engine = open_database(db_url)
    try:
        swept_family.refresh(engine, HUB, sweep_all(engine, population))
        with session_scope(engine) as s:
            third = {
                root.lower(): s.execute(text("SELECT count(*) FROM swept_family WHERE root = :r"),
                                        {"r": root.lower()}).scalar_one() // 3
                for root, *_ in BASES
            }
        middle = []
        for i in range(4, 600):
            root = BASES[population.family_of[i]][0].lower() if i in population.family_of else ""
            if root and BIG * 0.75 <= subtree(population, i) < third[root] * 0.8:
                middle.append(i)
        assert middle
        with session_scope(engine) as s:
            for i in middle[:4]:
                key = population.repo_id(i).lower()
                walked = swept_family.stored_family(s, HUB, key)
                assert walked is not None, key
                assert Counter(walked) == Counter(store.declared_descendants(s, HUB, key))
                lineage = declared_lineage(s, HUB, population.repo_id(i))
                assert lineage is not None and len(lineage.nodes) == subtree(population, i)
    finally:
        engine.dispose()


def test_big_inner_members_are_stored_at_a_rebuild_and_follow_later_sweeps(db_url, monkeypatch):
    # a member with 50,000 below it in a 3,000,000-model database was walked (~1 s of CPU)
    monkeypatch.setattr(swept_family, "BIG_INNER", 60)
    monkeypatch.setattr(swept_family, "_BATCH", 7)  # a cut written in several batches
    population = Population(2_000)
    engine = open_database(db_url)
    try:
        done = swept_family.refresh(engine, HUB, sweep_all(engine, population), big=BIG)
        bases = {b[0].lower() for b in BASES}
        inner = stored_roots(engine) - bases
        assert inner and done["families"] == len(bases) + len(inner)
        by_key = {population.repo_id(i).lower(): i for i in range(4, 2_000)}
        assert all(subtree(population, by_key[k]) >= 60 for k in inner)
        assert_same_as_walk(engine, sorted(inner))
        with session_scope(engine) as s:
            for key in inner:
                lineage = declared_lineage(s, HUB, population.repo_id(by_key[key]))
                assert lineage is not None
                assert len(lineage.nodes) == subtree(population, by_key[key])

        # later sweeps add models under them, move members away and rewrite some
        _add_rewrite_and_move(population)
        done = swept_family.refresh(engine, HUB, sweep_all(engine, population), big=BIG)
        assert done["mode"] == "updated" and inner <= stored_roots(engine)
        assert_same_as_walk(engine, sorted(inner))
    finally:
        engine.dispose()


def test_a_refresh_probes_by_the_rewritten_models_not_a_scan_of_the_hub(tmp_path):
    # before: SQLite scanned every edge of the hub (and every row of the family) per stored
    # family: 1.5 s a family at 3,000,000 models for 3,000 rewritten ones
    engine = open_database(f"sqlite:///{tmp_path / 'tracker.db'}")
    try:
        swept_family.refresh(engine, HUB, sweep_all(engine, Population(600)), big=BIG)
        with engine.begin() as conn:
            conn.exec_driver_sql(swept_family._CHANGED_TABLE)
            for sql in (swept_family._LOST_EDGE, swept_family._ADD):
                plan = [r[3] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql),
                                                   {"hub": HUB, "root": "x"})]
                assert "SCAN c" in plan, plan
                assert not any(step.endswith("(hub=?)") for step in plan), plan
                assert not any(step.startswith("SCAN f") for step in plan), plan
    finally:
        engine.dispose()
