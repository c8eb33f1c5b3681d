"""The sweep's store (db/sweep.py): on PostgreSQL a page's stored fingerprints are read by one
index probe per key, whatever the planner's statistics say; on SQLite a page reads through
its 64 MB page cache, not the mapped file, so the sweep's memory stays flat.

During a first sweep nothing has analyzed `swept_models` since it was empty, and the planner
took the page's `key = ANY(1,000 keys)` as a filter over every row of the hub: each page cost
time in proportion to the rows already stored (1.2 s a page at 50,000 rows under load), a
first sweep of N models O(N^2).
"""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.huggingface.sweep import parse_item
from db import sweep as store
from db.session import open_database, session_scope
from tests.fakes.hf_population import Population

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_stored_fingerprints_are_read_by_key_on_a_table_never_analyzed(postgres_url):
    population = Population(6_000)
    models = [parse_item(population.item(i)) for i in range(len(population))]
    pages = [models[i : i + 1000] for i in range(0, len(models), 1000)]
    engine = open_database(postgres_url)
    try:
        with session_scope(engine) as session:
            store.begin_sweep(session, "huggingface", full=True, now=NOW)
        for n, page in enumerate(pages[:5]):  # 5,000 rows stored, no ANALYZE since empty
            with session_scope(engine) as session:
                store.store_page(
                    session, "huggingface", page, cursor=f"p{n + 1}", done=False, requests=1,
                    now=NOW,
                )
        with session_scope(engine) as session:
            conn = session.connection()
            last = [m.key for m in pages[5]]
            old = [m.key for m in pages[0][:500]]
            params = (last[:500] + old, "huggingface")
            plan = "\n".join(
                r[0] for r in conn.exec_driver_sql("EXPLAIN " + store._FINGERPRINTS_PG, params)
            )
            found = store._fingerprints(conn, "huggingface", last[:500] + old, True)
    finally:
        engine.dispose()
    assert "Index Cond" in plan and "k.key" in plan, plan  # one probe of the key per key
    assert "Seq Scan on swept_models" not in plan and "Bitmap" not in plan, plan
    assert found == {m.key: m.fingerprint() for m in pages[0][:500]}


def test_a_sweep_page_on_sqlite_reads_through_the_page_cache_not_the_mapped_file(sqlite_url):
    # Mapped, every index page a page's inserts read stayed resident in the sweep's process:
    # 528 MB peak at 1,000,000 models (the file's size), 196 MB through the 64 MB cache.
    population = Population(1_000)
    page = [parse_item(population.item(i)) for i in range(len(population))]
    engine = open_database(sqlite_url)
    try:
        with session_scope(engine) as session:
            store.begin_sweep(session, "huggingface", full=True, now=NOW)
        with session_scope(engine) as session:
            store.store_page(
                session, "huggingface", page, cursor=None, done=True, requests=1, now=NOW
            )
            conn = session.connection()
            mapped = conn.exec_driver_sql("PRAGMA mmap_size").scalar()
            cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    finally:
        engine.dispose()
    assert (mapped, cache) == (0, -65536)
