"""Benchmark of the Hugging Face crawler alone: a synthetic declared family on the fake hub.

Prints, for a first crawl and for an unchanged second crawl, the members found, the time spent
consuming the crawler's iterator, members per second, and hub requests per member split by kind
(as the fake hub counted them). No database: this is the crawler's share of `tracker crawl`.

    python bench/hf_crawler_bench.py                # 10,000 descendants, hub in a subprocess
    python bench/hf_crawler_bench.py --size 2000 --in-process --workers 4 --no-discover
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="declared descendants")
    parser.add_argument("--workers", type=int, default=8, help="crawler threads")
    parser.add_argument("--in-process", action="store_true", help="serve from this process")
    parser.add_argument(
        "--no-discover", action="store_true", help="the declared walk only (no candidate search)"
    )
    args = parser.parse_args()

    import httpx2

    from crawlers.base import CrawlContext, RepoRecord, RootSpec
    from crawlers.huggingface.crawler import HuggingFaceCrawler

    server = hub = None
    if args.in_process:
        from tests.fakes.hf_hub import FakeHub
        from tests.fakes.hf_world import World, synthetic_family

        hub = FakeHub(World(synthetic_family(args.size))).start()
        url = hub.url
    else:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.hf_hub", "--family", str(args.size)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        url = server.stdout.readline().strip()

    def stats(reset: bool = False) -> dict[str, int]:
        if hub is not None:
            counts = dict(hub.requests)
            if reset:
                hub.reset_counts()
            return counts
        path = "reset" if reset else "stats"
        return httpx2.request("POST" if reset else "GET", f"{url}/_fake/{path}").json()["requests"]

    try:
        known: dict[str, str | None] = {}
        members: dict = {}
        for label in ("first crawl", "second crawl (unchanged)"):
            stats(reset=True)
            crawler = HuggingFaceCrawler(
                endpoint=url, workers=args.workers, discover=not args.no_discover
            )
            ctx = CrawlContext(RootSpec("grok-1", ("xai-org/grok-1",)), known, members)
            start = time.perf_counter()
            records = [i for i in crawler.crawl(ctx) if isinstance(i, RepoRecord)]
            elapsed = time.perf_counter() - start
            counts = stats()
            n = len(records)
            split = ", ".join(f"{k} {v / n:.3f}" for k, v in sorted(counts.items()))
            print(
                f"{label}: {n} members in {elapsed:.2f} s = {n / elapsed:.0f} members/s; "
                f"{sum(counts.values()) / n:.3f} requests/member ({split})"
            )
            known = {r.repo_id: r.sha for r in records}
            members = ctx.members
    finally:
        if hub is not None:
            hub.stop()
        if server is not None:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
