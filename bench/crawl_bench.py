"""Benchmark of `tracker crawl` end to end: fake Hub -> crawler -> pipeline -> SQLite file.

Serves a synthetic family of 10,000 declared descendants of xai-org/grok-1 from the fake Hub
in a subprocess (optionally with unrelated models, some named like grok), then runs the real
crawl pipeline twice on a new SQLite file: a first crawl and a second one with nothing changed.
Prints per crawl: members ingested, wall time, members per second, hub requests per member by
kind (as the hub counted them), and what the second crawl wrote: new or changed nodes, history
rows, rows rewritten on nodes and edges, and the batched `last_seen` stamp statements.

    python bench/crawl_bench.py [--family 10000] [--unrelated 0] [--grok-named 0]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="crawl-bench-"))


def serve(args) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.hf_hub", "--family", str(args.family),
         "--unrelated", str(args.unrelated), "--grok-named", str(args.grok_named)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    return proc, proc.stdout.readline().strip()


def hub_stats(url: str, reset: bool = False) -> dict:
    request = urllib.request.Request(f"{url}/_fake/{'reset' if reset else 'stats'}",
                                     method="POST" if reset else "GET")
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"{}")


class WriteCounter:
    """Counts UPDATE statements on nodes and edges, apart from the last_seen stamps."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.counts: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        words = statement.split()
        if len(words) > 3 and words[0] == "UPDATE" and words[1] in ("nodes", "edges"):
            stamp = words[3].startswith("last_seen") and "," not in statement.split("WHERE")[0]
            # an executemany is one row per parameter set; a stamp is one statement per batch
            rows = len(parameters) if executemany else 1
            self.counts[f"{words[1]} {'last_seen stamps' if stamp else 'content rows'}"] += rows


def crawl_once(config, label: str, url: str) -> dict:
    from sqlalchemy import func, select

    from db.models import NodeHistory
    from db.session import open_database, session_scope
    from tracker.pipeline import crawl

    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        history_before = s.scalar(select(func.count()).select_from(NodeHistory))
    engine.dispose()

    import tracker.pipeline as pipeline

    counter: dict = {}
    real_open = pipeline.open_database

    def counting_open(url_):  # count the pipeline's own statements
        engine_ = real_open(url_)
        counter["w"] = WriteCounter(engine_)
        return engine_

    pipeline.open_database = counting_open
    hub_stats(url, reset=True)
    start = time.perf_counter()
    try:
        report = crawl(config, hubs=["huggingface"])
    finally:
        pipeline.open_database = real_open
    elapsed = time.perf_counter() - start
    requests = hub_stats(url)["requests"]
    engine = open_database(config.database_url)
    with session_scope(engine) as s:
        history = s.scalar(select(func.count()).select_from(NodeHistory)) - history_before
    engine.dispose()
    members = sum(c.seen for c in report.roots.values())
    total = sum(requests.values())
    split = ", ".join(f"{k} {v / max(members, 1):.3f}" for k, v in sorted(requests.items()))
    print(f"{label}: {report.status}, {members:,} members in {elapsed:.1f} s = "
          f"{members / elapsed:,.0f} members/s")
    print(f"  hub requests: {total:,} = {total / max(members, 1):.3f} per member ({split})")
    new = sum(c.new for c in report.roots.values())
    changed = sum(c.changed for c in report.roots.values())
    writes = ", ".join(f"{k}: {v:,}" for k, v in sorted(counter["w"].counts.items())) or "none"
    print(f"  nodes new {new:,}, changed {changed:,}; history rows {history:,}; "
          f"UPDATEs: {writes}")
    return {"members": members, "requests": total, "seconds": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", type=int, default=10_000, help="declared descendants")
    parser.add_argument("--unrelated", type=int, default=0, help="unrelated models on the hub")
    parser.add_argument("--grok-named", type=int, default=0, help="of them named like grok")
    args = parser.parse_args()

    from tracker.config import load_config

    proc, url = serve(args)
    workdir = Path(tempfile.mkdtemp(prefix="crawl-bench-db-"))
    config = load_config(environ={"HF_ENDPOINT": url},
                         overrides={"database.url": f"sqlite:///{workdir / 'tracker.db'}"})
    print(f"fake hub {url}: grok-1 family of {args.family:,} declared descendants, "
          f"{args.unrelated:,} unrelated models ({args.grok_named:,} named like grok)")
    try:
        crawl_once(config, "first crawl", url)
        crawl_once(config, "second crawl, nothing changed", url)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
