"""Benchmark: declared lineage and export of a big swept family, on SQLite and PostgreSQL.

Builds (once per size, kept in bench/out/ for SQLite; a schema of its own on PostgreSQL) a
swept database of N generated models through the sweep's own store path (parse_item,
db.sweep.store_page, ANALYZE), then times for the largest declared family (N * 7.5% members,
meta-llama/Llama-3.1-8B):

- the walk alone (`db.sweep.declared_descendants`, every row fetched): median of 5, wall and
  this process's CPU; on PostgreSQL also with the default planner (no nested loops forced);
- with `--before`, the two commands below while no family is stored together (the walk);
- building `swept_family` (db/swept_family.py: every root of 5,000 rows or more), its rows
  and its size on disk, then reading the family from it (`stored_family`), median of 5;
- `tracker lineage` in a fresh process (start-up included), wall, median of 3;
- `tracker export --node` of the family to GraphML in a fresh process, wall;
- a member of the family (not its root) with nearest 50,000 in its subtree: its walk, its
  rows cut out of the stored root's (median of 3), and `tracker lineage` of it.

With `--family-size N` (the issue's case: a 50,000-member family in a 3,000,000-model
database) it times only the family of the model whose declared subtree is nearest N members
(a stored big family is built first if none is): the read the commands make
(`graph.swept._walk`, median of 3), `tracker lineage --format table` (fresh process, best
and median of 3; with `--compare CHECKOUT` also with that checkout's code, run for run) and
`tracker export --node` to GraphML (fresh process, median of 3), wall and CPU, with
`uptime`'s load. `--sqlite-dir` keeps the SQLite file elsewhere (a 3M file is 2.3 GB: /tmp);
`--pg-schema` keeps the PostgreSQL one (TRACKER_TEST_POSTGRES_URL names the database).

    python bench/swept_lineage_bench.py [--models 1000000] [--databases sqlite,postgres]
                                        [--before] [--pg-schema NAME] [--family-size N]
                                        [--compare CHECKOUT] [--sqlite-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sweep_bench import _pg_schema, drop_pg_schema  # noqa: E402
from bench.sweep_store_bench import one_sweep, pages  # noqa: E402
from db import sweep as store  # noqa: E402
from db import swept_family  # noqa: E402
from db.session import open_database, session_scope  # noqa: E402
from tests.fakes.hf_population import Population  # noqa: E402

FAMILY = "meta-llama/Llama-3.1-8B"


def build(url: str, n: int) -> None:
    began = time.perf_counter()
    engine = open_database(url)
    try:
        one_sweep(engine, pages(Population(n)), full=True)
    finally:
        engine.dispose()
    print(f"built {n:,} swept models in {time.perf_counter() - began:.0f} s", file=sys.stderr)


def walk_times(url: str) -> dict[str, float]:
    engine = open_database(url)
    out: dict[str, float] = {}
    try:
        plans = [True, False] if engine.dialect.name == "postgresql" else [True]
        for forced in plans:
            wall, cpu = [], []
            for _ in range(5):
                with session_scope(engine) as s:
                    began, began_cpu = time.perf_counter(), time.process_time()
                    rows = store.declared_descendants(s, "huggingface", FAMILY, force_plan=forced)
                    wall.append(time.perf_counter() - began)
                    cpu.append(time.process_time() - began_cpu)
            name = "walk" if forced else "walk_default_planner"
            out["members"] = len({r[0] for r in rows})
            out[f"{name}_s"] = statistics.median(wall)
            out[f"{name}_cpu_s"] = statistics.median(cpu)
    finally:
        engine.dispose()
    return out


# Bytecode cached as an installed tracker has it (pip writes it, or the first run does), kept
# apart per checkout; with --no-bytecode-cache every run compiles our modules from source, as
# under PYTHONDONTWRITEBYTECODE (about 0.1 s more a run on this machine).
BYTECODE: Path | None = Path(tempfile.gettempdir()) / "swept-lineage-bench-pycache"


def command_env(code: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    if BYTECODE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE / code.name)
    return env


def command(url: str, *args: str, code: Path = ROOT) -> tuple[float, float]:
    """Wall seconds of a fresh `tracker` process running the code in `code` (this checkout,
    or another one to compare with), and its own CPU seconds."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--database", url, *args],
        env=command_env(code),
        cwd=code,  # `-m` puts the working directory first on sys.path, before PYTHONPATH
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, args
    return time.perf_counter() - began, usage.ru_utime + usage.ru_stime


def family_build(url: str) -> dict[str, float]:
    """Build swept_family from scratch: seconds, rows, families, MB on disk."""
    engine = open_database(url)
    try:
        began = time.perf_counter()
        done = swept_family.rebuild(engine, "huggingface")
        out: dict[str, float] = {"family_build_s": time.perf_counter() - began}
        out["family_roots"], out["family_rows"] = done["families"], done["rows"]
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                size = conn.exec_driver_sql(
                    "SELECT pg_total_relation_size('swept_family')").scalar_one()
            else:
                size = conn.exec_driver_sql(
                    "SELECT sum(pgsize) FROM dbstat WHERE name = 'swept_family'").scalar_one()
        out["family_mb"] = size / 1e6
        wall, cpu = [], []
        for _ in range(5):
            with session_scope(engine) as s:
                began, began_cpu = time.perf_counter(), time.process_time()
                rows = swept_family.stored_family(s, "huggingface", FAMILY.lower())
                wall.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
            assert rows is not None
        out["stored_read_s"] = statistics.median(wall)
        out["stored_read_cpu_s"] = statistics.median(cpu)
    finally:
        engine.dispose()
    return out


def inner_member(url: str, want: int = 50_000) -> str:
    """The member of FAMILY (not its root) whose subtree is nearest `want` members."""
    engine = open_database(url)
    try:
        with session_scope(engine) as s:
            rows = swept_family.stored_family(s, "huggingface", FAMILY.lower())
    finally:
        engine.dispose()
    assert rows is not None
    children: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for key, parent, *_ in rows:
        if parent is not None and key not in first:  # a spanning tree: first parent only
            first[key] = parent
            children.setdefault(parent, []).append(key)
    size: dict[str, int] = {}
    order, todo = [], [FAMILY.lower()]
    while todo:
        key = todo.pop()
        order.append(key)
        todo.extend(children.get(key, ()))
    for key in reversed(order):
        size[key] = 1 + sum(size[c] for c in children.get(key, ()))
    del size[FAMILY.lower()]
    return min(size, key=lambda k: abs(size[k] - want))


def sized(url: str, want: int, compare: list[Path]) -> None:
    """The issue's case: the family of the model nearest `want` members, read and shown;
    `tracker lineage` also with the code of each checkout in `compare`, run for run."""
    from graph import swept

    engine = open_database(url)
    try:
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM swept_family").scalar_one()
        if not stored:
            swept_family.rebuild(engine, "huggingface")
        with session_scope(engine) as s:  # families stored: the sweep is complete, as after
            store.family_refreshed(s, "huggingface")  # `tracker sweep` (else lineage walks)
    finally:
        engine.dispose()
    member = inner_member(url, want)
    out: dict[str, float] = {}
    engine = open_database(url)
    try:
        wall, cpu = [], []
        for _ in range(3):
            with session_scope(engine) as s:
                began, began_cpu = time.perf_counter(), time.process_time()
                rows = swept._walk(s, "huggingface", member)
                wall.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
            assert rows is not None
        out["members"] = len({r[0] for r in rows})
        out["read_s"], out["read_cpu_s"] = statistics.median(wall), statistics.median(cpu)
    finally:
        engine.dispose()
    codes = {"": ROOT, **{f"_{c.name}": c for c in compare}}
    timed: dict[str, list[tuple[float, float]]] = {name: [] for name in codes}
    for code in codes.values():  # a first run writes the bytecode (when it is cached)
        command(url, "lineage", member, "--format", "table", code=code)
    for _ in range(3):  # each checkout in turn, so load changes fall on all of them alike
        for name, code in codes.items():
            timed[name].append(command(url, "lineage", member, "--format", "table", code=code))
    for name, runs in timed.items():
        runs.sort()
        out[f"lineage_command{name}_best_s"], out[f"lineage_command{name}_best_cpu_s"] = runs[0]
        out[f"lineage_command{name}_s"], out[f"lineage_command{name}_cpu_s"] = runs[1]
    with tempfile.TemporaryDirectory() as tmp:
        runs = sorted(command(url, "export", "--node", member, "--format", "graphml",
                              "--output", f"{tmp}/f.graphml") for _ in range(3))
    out["export_command_s"], out["export_command_cpu_s"] = runs[1]
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"model: {member}\n{url.split('?')[0]} ({uptime}): "
          + ", ".join(f"{k} {v:.3f}" for k, v in out.items()), flush=True)


def member_times(url: str, member: str) -> dict[str, float]:
    """The walk of `member` and its rows cut out of its stored root, median of 3 each."""
    engine = open_database(url)
    out: dict[str, float] = {}
    try:
        for name, read in (("member_walk", store.declared_descendants),
                           ("member_cut", swept_family.stored_family)):
            wall, cpu = [], []
            for _ in range(3):
                with session_scope(engine) as s:
                    began, began_cpu = time.perf_counter(), time.process_time()
                    rows = read(s, "huggingface", member)
                    wall.append(time.perf_counter() - began)
                    cpu.append(time.process_time() - began_cpu)
            assert rows is not None
            out["member_rows"] = len(rows)
            out[f"{name}_s"], out[f"{name}_cpu_s"] = statistics.median(wall), statistics.median(cpu)
    finally:
        engine.dispose()
    return out


def commands(url: str, out: dict[str, float], suffix: str = "") -> None:
    runs = sorted(command(url, "lineage", FAMILY, "--format", "table") for _ in range(3))
    out[f"lineage_command{suffix}_s"], out[f"lineage_command{suffix}_cpu_s"] = runs[1]
    with tempfile.TemporaryDirectory() as tmp:
        out[f"export_command{suffix}_s"], out[f"export_command{suffix}_cpu_s"] = command(
            url, "export", "--node", FAMILY, "--format", "graphml", "--output", f"{tmp}/f.graphml"
        )


def clear_family(url: str) -> None:
    engine = open_database(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM swept_family")
    finally:
        engine.dispose()


def bench(name: str, url: str, *, before: bool = False) -> None:
    clear_family(url)  # the walk's figures, as before swept_family
    out = walk_times(url)
    if before:
        commands(url, out, "_walk")
    out.update(family_build(url))
    commands(url, out)
    member = inner_member(url)
    out.update(member_times(url, member))
    runs = sorted(command(url, "lineage", member, "--format", "table") for _ in range(3))
    out["member_lineage_command_s"], out["member_lineage_command_cpu_s"] = runs[1]
    print(f"member: {member}", flush=True)
    load = os.getloadavg()[0]
    print(f"{name} (load average {load:.1f}): "
          + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v:,}"
                      for k, v in out.items()), flush=True)


def kept_pg_schema(schema: str) -> str:
    from sqlalchemy import create_engine, text

    from bench.sweep_bench import PG

    engine = create_engine(PG)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine.dispose()
    return f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{schema}"


def built(url: str) -> bool:
    engine = open_database(url)
    try:
        with session_scope(engine) as s:
            state = store.sweep_state(s, "huggingface")
            # 'stored': every page in, its swept_family refresh not run (the bench builds it)
            return state is not None and state.status in ("complete", "stored")
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--before", action="store_true", help="time the commands on the walk")
    parser.add_argument("--pg-schema", help="build into this PostgreSQL schema once and keep it")
    parser.add_argument("--family-size", type=int,
                        help="time only the family of the model nearest this many members")
    parser.add_argument("--compare", action="append", type=Path, default=[],
                        help="with --family-size: also time `tracker lineage` with the code "
                        "of this checkout (e.g. the main branch's), run for run")
    parser.add_argument("--sqlite-dir", default=str(ROOT / "bench" / "out"),
                        help="where the SQLite database is built once and kept")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="commands compile our modules from source every run")
    args = parser.parse_args()
    if args.no_bytecode_cache:
        global BYTECODE
        BYTECODE = None
    def run(name: str, url: str, before: bool) -> None:
        if args.family_size:
            sized(url, args.family_size, args.compare)
        else:
            bench(name, url, before=before)

    for name in args.databases.split(","):
        if name == "sqlite":
            path = Path(args.sqlite_dir) / f"swept-{args.models}.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
            if not path.exists():
                build(url, args.models)
            run(name, url, args.before)
            continue
        if args.pg_schema:  # kept between runs, built once
            url = kept_pg_schema(args.pg_schema)
            if not built(url):
                build(url, args.models)
            run(name, url, args.before)
            continue
        url = _pg_schema()
        try:
            build(url, args.models)
            run(name, url, args.before)
        finally:
            drop_pg_schema(url)


if __name__ == "__main__":
    main()
