"""Benchmark: `tracker sweep` of a generated Hub, into SQLite and PostgreSQL.

A fake Hub (tests/fakes/hf_population.py) serves N generated models from a child process of
its own, so the sweep's process measures only itself. Each sweep is a real `tracker sweep`
subprocess; its peak memory is its own (VmHWM, read by the process as it exits). Prints, per
database:

- the first sweep: requests per 1,000 models listed, models/s ingested (wall), the sweep
  process's CPU seconds (the comparable figure on a loaded machine) and the fake Hub's, peak
  memory;
- a daily sweep after 3,200 models changed: its requests;
- an unchanged re-sweep (`--full`, nothing changed): how much the database grew;
- `tracker lineage` of the largest declared family (N / 13 members): the SQL query alone
  (median of 5) and the whole command in a fresh process; on PostgreSQL also the query with
  the default planner, to show why each walk forces nested loops.

    python bench/sweep_bench.py [--models 1000000] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db import sweep as store  # noqa: E402
from db.session import open_database, session_scope  # noqa: E402

PG = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FAMILY = "meta-llama/Llama-3.1-8B"

HUB = """
import sys
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_population import Population
population = Population(int(sys.argv[1]))
with FakeHub(population=population) as hub:
    print(hub.url, len(population.family(0)), flush=True)
    for line in sys.stdin:
        n = int(line)
        population.touch(range(11, len(population), max(1, len(population) // n))[:n])
        print("touched", n, flush=True)
"""


# `tracker` run so that, at exit, it writes its own peak RSS (VmHWM, kB) to the file named
# first: wait4's ru_maxrss is no measure of a child of this process, since Linux folds the
# forking parent's peak into it at exec (a 600 MB parent made `python -c pass` report 613 MB;
# the PostgreSQL sweep "peaked at 628 MB", the bench's own lineage reads before it)
PEAK_WRAPPER = """
import atexit, sys
out = sys.argv.pop(1)
def peak():
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM"))
    with open(out, "w") as f:
        f.write(hwm.split()[1])
atexit.register(peak)
from tracker.cli import main
main(sys.argv[1:])
"""


def run_sweep(url: str, endpoint: str, *extra: str) -> tuple[dict, float, int, float]:
    """One `tracker sweep` subprocess: its JSON report, wall seconds, its own peak RSS (MB)
    and its own CPU seconds (on a loaded shared machine wall time is mostly waiting)."""
    env = {**os.environ, "HF_ENDPOINT": endpoint, "PYTHONPATH": str(ROOT)}
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        began = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                PEAK_WRAPPER,
                peak.name,
                "--database",
                url,
                "sweep",
                "--format",
                "json",
                *extra,
            ],
            stdout=out,
            stderr=err,
            env=env,
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"sweep failed ({proc.returncode}): {err.read()[-2000:]}")
        cpu = usage.ru_utime + usage.ru_stime
        return json.loads(out.read()), wall, int(peak.read()) // 1024, cpu


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def size(url: str) -> int:
    """Bytes the database holds (SQLite: file + WAL; PostgreSQL: the sweep tables)."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    engine = open_database(url)
    try:
        with session_scope(engine) as s:
            return store.table_bytes(s)
    finally:
        engine.dispose()


def lineage_times(url: str, endpoint: str) -> dict[str, float]:
    engine = open_database(url)
    out: dict[str, float] = {}
    try:
        store.analyze(engine)
        times, cpu = [], []
        for _ in range(5):
            with session_scope(engine) as s:
                began, began_cpu = time.perf_counter(), time.process_time()
                rows = store.declared_descendants(s, "huggingface", FAMILY)
                times.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
        out["members"] = len(rows)
        out["query_s"] = statistics.median(times)
        # CPU time of this process: the query itself on SQLite, the client side on PostgreSQL;
        # wall time on a loaded shared machine is mostly waiting for a core
        out["query_cpu_s"] = statistics.median(cpu)
        if engine.dialect.name == "postgresql":
            with session_scope(engine) as s:
                began = time.perf_counter()
                store.declared_descendants(s, "huggingface", FAMILY, force_plan=False)
                out["query_default_planner_s"] = time.perf_counter() - began
    finally:
        engine.dispose()
    env = {**os.environ, "HF_ENDPOINT": endpoint, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "--database",
            url,
            "lineage",
            FAMILY,
            "--format",
            "table",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    out["command_s"] = time.perf_counter() - began
    return out


def bench(name: str, url: str, endpoint: str, hub: subprocess.Popen, n: int) -> dict:
    hub_began = process_cpu(hub.pid)
    first, wall, peak, cpu = run_sweep(url, endpoint)
    hub_cpu = process_cpu(hub.pid) - hub_began
    assert first["status"] == "complete" and first["models"] == n, first
    result = {
        "models": n,
        "first_requests_per_1000": round(first["requests"] / n * 1000, 4),
        "first_models_per_s": round(n / wall),
        "first_seconds": round(wall, 1),
        "first_cpu_seconds": round(cpu, 1),
        "first_models_per_cpu_s": round(n / cpu),
        "first_cpu_us_per_model": round(cpu / n * 1e6, 1),
        # the fake Hub's own process, serving the pages: not the sweep's cost, but on a
        # 2-core machine it competes with the sweep for the cores
        "first_hub_cpu_seconds": round(hub_cpu, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "first_peak_mb": peak,
        "bytes_after_first": size(url),
    }
    hub.stdin.write("3200\n")
    hub.stdin.flush()
    hub.stdout.readline()
    daily, *_ = run_sweep(url, endpoint)
    result["daily_requests_after_3200"] = daily["requests"]
    result["daily_changed"] = daily["changed"]
    before = size(url)
    hub_began = process_cpu(hub.pid)
    again, wall, _, cpu = run_sweep(url, endpoint, "--full")
    result["unchanged_full_resweep_hub_cpu_seconds"] = round(process_cpu(hub.pid) - hub_began, 1)
    assert again["changed"] == 0 and again["new"] == 0, again
    result["unchanged_full_resweep_growth_mb"] = round((size(url) - before) / 2**20, 2)
    result["unchanged_full_resweep_seconds"] = round(wall, 1)
    result["unchanged_full_resweep_cpu_seconds"] = round(cpu, 1)
    result.update(
        {
            f"lineage_{k}": (round(v, 4) if isinstance(v, float) else v)
            for k, v in lineage_times(url, endpoint).items()
        }
    )
    print(f"{name}: " + json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in args.databases.split(","):
        hub = subprocess.Popen(
            [sys.executable, "-c", HUB, str(args.models)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            endpoint, family = hub.stdout.readline().split()
            print(f"hub: {args.models:,} models, family of {FAMILY}: {int(family):,}", flush=True)
            with tempfile.TemporaryDirectory() as tmp:
                if name == "sqlite":
                    url = f"sqlite:///{tmp}/sweep.db"
                else:
                    url = _pg_schema()
                try:
                    bench(name, url, endpoint, hub, args.models)
                finally:
                    if name != "sqlite":
                        drop_pg_schema(url)
        finally:
            hub.kill()
            hub.wait()


def _pg_schema() -> str:
    from sqlalchemy import create_engine, text

    schema = f"sweep_bench_{os.getpid()}"
    engine = create_engine(PG)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in PG else "?"
    return f"{PG}{sep}options=-csearch_path%3D{schema}"


def drop_pg_schema(url: str) -> None:
    """Drop the schema `_pg_schema` made for `url` (its search_path option)."""
    from sqlalchemy import create_engine, text

    schema = url.rsplit("%3D", 1)[1]
    engine = create_engine(PG)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


if __name__ == "__main__":
    main()
