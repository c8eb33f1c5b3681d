"""Benchmark: `tracker lineage` on a database of 1,000,000 nodes, a root with 50,000 descendants.

Builds (once, cached in bench/out/) a SQLite database through the real schema: one root family
of 50,000 descendants five levels deep, and 950,000 unrelated nodes in 50,000 small families.
Then times the recursive SQL query alone and the whole `tracker lineage` command in a fresh
process (start-up and imports included), and prints the figures.

    python bench/lineage_bench.py [--nodes 1000000] [--family 50000] [--format tree]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from db.models import Edge, Node, RootMember  # noqa: E402
from db.session import open_database, session_scope  # noqa: E402

RELATIONS = ("quantization", "finetune", "conversion", "adapter", "fork", "merge")


def build(path: Path, total: int, family: int) -> None:
    engine = open_database(f"sqlite:///{path}")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rng = random.Random(7)
    base = {"hub": "huggingface", "url": "", "status": "active", "license": "apache-2.0",
            "license_raw": {}, "architectures": "", "model_type": "", "formats": "gguf",
            "parameters": 0, "downloads": 0, "likes": 0, "gated": False, "tags": [],
            "meta": {}, "fingerprint": "", "first_seen": now, "last_seen": now}
    with session_scope(engine) as s:
        rows, edges = [], []
        for i in range(1, total + 1):
            repo_id = "xai-org/grok-1" if i == 1 else f"user{i % 9973}/model-{i}"
            rows.append({**base, "id": i, "key": f"huggingface:{repo_id}", "repo_id": repo_id})
            if 1 < i <= family + 1:  # the root's family: parents among earlier members
                parent = 1 if i < 200 else rng.randrange(max(2, i // 20), i)
                edges.append((parent, i))
            elif i > family + 1 and (i - family - 2) % 19:  # unrelated families of 19 nodes
                edges.append((family + 2 + (i - family - 2) // 19 * 19, i))
            if len(rows) == 50_000:
                s.execute(insert(Node), rows)
                rows = []
        if rows:
            s.execute(insert(Node), rows)
        s.execute(insert(Edge), [
            {"parent_id": p, "child_id": c, "relation": RELATIONS[c % len(RELATIONS)],
             "source": "declared", "confidence": 1.0, "evidence": "card base_model",
             "first_seen": now, "last_seen": now} for p, c in edges if p != c
        ])
        s.execute(insert(RootMember), [{"root": "grok-1", "node_id": 1, "license": "apache-2.0"}])
    engine.dispose()


def time_query(path: Path, repeat: int = 5) -> tuple[float, float, int]:
    """Median seconds of the SQL alone (execute + fetch every row) and of `descendants()`."""
    from sqlalchemy import bindparam, text

    from db.lineage import _SELECT, _WALK, descendants

    engine = open_database(f"sqlite:///{path}")
    statement = text(_WALK + _SELECT).bindparams(bindparam("start", expanding=True))
    sql_times, call_times, size = [], [], 0
    for _ in range(repeat):
        with session_scope(engine) as s:
            start = time.perf_counter()
            s.execute(statement, {"start": [1]}).all()
            sql_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            size = len(descendants(s, [1]).order)
            call_times.append(time.perf_counter() - start)
    engine.dispose()
    return statistics.median(sql_times), statistics.median(call_times), size


def time_command(path: Path, fmt: str, repeat: int = 3) -> float:
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{path}"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracker", "lineage", "grok-1", "--format", fmt],
                       env=env, cwd=path.parent, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--family", type=int, default=50_000)
    parser.add_argument("--format", default="tree", choices=("tree", "table", "json"))
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"lineage-{args.nodes}-{args.family}.db"
    if not path.exists():
        start = time.perf_counter()
        build(path, args.nodes, args.family)
        print(f"built {path.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    query, call, size = time_query(path)
    command = time_command(path, args.format)
    print(f"database: {args.nodes:,} nodes; root family: {size - 1:,} descendants")
    print(f"lineage SQL query (recursive CTE, all rows fetched): {query:.3f} s  (target < 0.3 s)")
    print(f"descendants() with depths and parents in Python: {call:.3f} s")
    print(f"`tracker lineage grok-1 --format {args.format}` end to end: {command:.3f} s  "
          "(target < 1.5 s)")


if __name__ == "__main__":
    main()
