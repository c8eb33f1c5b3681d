"""Benchmark: the sweep's store path alone, no HTTP: pages of parsed listing items through
`db.sweep.store_page`, into SQLite and PostgreSQL.

Items come from the generated Hub of the tests (tests/fakes/hf_population.py) and are parsed
up front (crawlers/huggingface/sweep.py), so the figures are the database's side of a sweep: a first
sweep (every model new), an unchanged re-sweep (nothing written) and one where 3% changed.
Prints models/s (wall) and the process's CPU seconds per phase.

    python bench/sweep_store_bench.py [--models 300000] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.huggingface.sweep import parse_item  # noqa: E402
from db import sweep as store  # noqa: E402
from db.session import open_database, session_scope  # noqa: E402
from tests.fakes.hf_population import Population  # noqa: E402

PG = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PAGE = 1000


def pages(population: Population) -> list[list]:
    models = [parse_item(population.item(i)) for i in range(len(population))]
    return [models[i : i + PAGE] for i in range(0, len(models), PAGE)]


def one_sweep(engine, all_pages: list[list], *, full: bool) -> tuple[float, float, int, int]:
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        store.begin_sweep(s, "huggingface", full=full, now=now)
    began, cpu = time.perf_counter(), time.process_time()
    new = changed = 0
    for n, page in enumerate(all_pages):
        with session_scope(engine) as s:
            a, b = store.store_page(
                s, "huggingface", page, cursor=f"p{n + 1}", done=n == len(all_pages) - 1,
                requests=1, now=now,
            )
        new, changed = new + a, changed + b
    store.analyze(engine)
    return time.perf_counter() - began, time.process_time() - cpu, new, changed


def bench(name: str, url: str, n: int) -> None:
    population = Population(n)
    first = pages(population)
    engine = open_database(url)
    try:
        wall, cpu, new, _ = one_sweep(engine, first, full=True)
        assert new == n, new
        print(f"{name}: first sweep {n:,} new: {n / wall:,.0f} models/s ({wall:.1f} s, "
              f"CPU {cpu:.1f} s)", flush=True)
        wall, cpu, new, changed = one_sweep(engine, first, full=True)
        assert new == changed == 0
        print(f"{name}: unchanged re-sweep: {n / wall:,.0f} models/s ({wall:.1f} s, "
              f"CPU {cpu:.1f} s)", flush=True)
        population.touch(range(5, n, 33))
        again = pages(population)
        wall, cpu, new, changed = one_sweep(engine, again, full=True)
        print(f"{name}: re-sweep, {changed:,} changed: {n / wall:,.0f} models/s ({wall:.1f} s, "
              f"CPU {cpu:.1f} s)", flush=True)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=300_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    for name in args.databases.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if name == "sqlite":
                bench(name, f"sqlite:///{tmp}/sweep.db", args.models)
            else:
                from bench.sweep_bench import _pg_schema, drop_pg_schema

                url = _pg_schema()
                try:
                    bench(name, url, args.models)
                finally:
                    drop_pg_schema(url)


if __name__ == "__main__":
    main()
