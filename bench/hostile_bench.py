"""Benchmark of hostile shapes (issue 17): a 2,000-deep declared chain and a 10,000-wide family.

Each is served by the fake Hub in a subprocess and crawled by the real pipeline into a new
SQLite file, in a fresh process per shape so the memory figure is that crawl's alone. Prints
per shape: status, members, wall time, members per second, hub requests, the crawl process's
peak resident memory, and the time of `tracker lineage grok-1 --format json` on the result.

    python bench/hostile_bench.py [--chain 2000] [--wide 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="hostile-bench-"))


def serve(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.hf_hub", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def crawl_shape(label: str, hub_args: list[str]) -> None:
    """In this (fresh) process: serve, crawl, time the lineage query, print one block."""
    from click.testing import CliRunner

    from tracker.cli import cli
    from tracker.config import load_config
    from tracker.pipeline import crawl

    proc, url = serve(*hub_args)
    db = Path(tempfile.mkdtemp(prefix="hostile-bench-db-")) / "tracker.db"
    config = load_config(environ={"HF_ENDPOINT": url},
                         overrides={"database.url": f"sqlite:///{db}"})
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        report = crawl(config, roots=["grok-1"], hubs=["huggingface"])
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with urllib.request.urlopen(f"{url}/_fake/stats") as answer:
            requests = json.loads(answer.read())["total"]
    finally:
        proc.terminate()
        proc.wait()
    members = report.roots["grok-1"].seen
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["--database", f"sqlite:///{db}", "lineage", "grok-1",
                                      "--format", "json"])
    lineage = time.perf_counter() - start
    depth = max((n["depth"] for n in json.loads(result.stdout)["nodes"]), default=0)
    print(f"{label}: {report.status}, {members:,} members in {elapsed:.1f} s = "
          f"{members / elapsed:,.0f} members/s; {requests:,} hub requests")
    print(f"  peak memory of the crawl process {peak / 1024:,.0f} MB "
          f"(+{(peak - before) / 1024:,.0f} MB during the crawl); "
          f"lineage --format json {lineage:.2f} s, deepest node at depth {depth:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=2_000, help="depth of the declared chain")
    parser.add_argument("--wide", type=int, default=10_000, help="children of the root")
    parser.add_argument("--shape", choices=["chain", "wide"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.shape == "chain":
        crawl_shape(f"{args.chain:,}-deep declared chain", ["--chain", str(args.chain)])
        return
    if args.shape == "wide":
        crawl_shape(f"{args.wide:,}-wide family",
                    ["--family", str(args.wide), "--fanout", str(args.wide)])
        return
    for shape in ("chain", "wide"):  # a process each: each peak memory is its own
        subprocess.run([sys.executable, __file__, "--shape", shape, "--chain", str(args.chain),
                        "--wide", str(args.wide)], check=True)


if __name__ == "__main__":
    main()
