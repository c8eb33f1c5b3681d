"""Benchmark of issue 3: what finding the undeclared derivatives costs in hub requests.

Serves the Grok fixture world (tests/fakes/grok_world.py: both families, declared and not,
and lookalikes) plus 50,000 unrelated models, 500 of them named like grok, on the fake hub,
and crawls both roots with one Hugging Face crawler (declared walk + discovery), as
`tracker crawl` does. Prints, for a first crawl and an unchanged second one, the requests by
kind (listing, model_info, tree, file), per member, and the budget of issue 3: at most 3
requests per family member plus 1 per 10 candidates rejected.

    python bench/discovery_bench.py [--unrelated 50000] [--grok-named 500] [--family 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="discovery-bench-"))

KINDS = ("listing", "model_info", "tree", "file")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unrelated", type=int, default=50_000, help="unrelated models")
    parser.add_argument("--grok-named", type=int, default=500, help="of them named like grok")
    parser.add_argument(
        "--family", type=int, default=0, help="extra declared descendants of grok-1 (synthetic)"
    )
    args = parser.parse_args()

    from crawlers.base import CrawlContext, RepoRecord, RootSpec
    from crawlers.huggingface.crawler import HuggingFaceCrawler
    from tests.fakes import grok_world
    from tests.fakes.hf_hub import FakeHub
    from tests.fakes.hf_world import World, synthetic_family, unrelated_models

    repos = grok_world.fake_repos() + unrelated_models(args.unrelated, grok_named=args.grok_named)
    if args.family:  # hung under the world's keyfan conversion, which declares nothing
        extra = synthetic_family(args.family, root="keyfan/grok-1-hf")[1:]
        repos += extra
    hub = FakeHub(World(repos)).start()
    try:
        known: dict[str, str | None] = {}
        members: dict[str, dict] = {}
        rejected: dict[str, dict[str, str]] = {}
        for label in ("first crawl", "second crawl (unchanged)"):
            hub.reset_counts()
            crawler = HuggingFaceCrawler(endpoint=hub.url)
            found: dict[str, str | None] = {}
            n = 0
            start = time.perf_counter()
            for root, ids in grok_world.ROOTS.items():
                ctx = CrawlContext(
                    RootSpec(root, ids),
                    known,
                    dict(members.get(root, {})),
                    rejected=rejected.get(root, {}),
                )
                records = [i for i in crawler.crawl(ctx) if isinstance(i, RepoRecord)]
                n += len(records)
                found.update({r.repo_id: r.sha for r in records})
                members[root] = ctx.members
                rejected[root] = crawler.rejections(root)
            elapsed = time.perf_counter() - start
            counts = Counter(hub.requests)
            stats = crawler.discovery_stats()
            n_rejected = stats["rejected_from_listing"] + stats["rejected_after_reads"]
            total = sum(counts.values())
            budget = 3 * n + n_rejected / 10
            split = ", ".join(f"{k} {counts.get(k, 0)}" for k in KINDS)
            print(f"{label}: {n} members of 2 roots in {elapsed:.2f} s")
            print(f"  requests {total} ({split}); {total / n:.2f} per member")
            print(
                f"  candidates rejected {n_rejected} ({stats['rejected_from_listing']} from "
                f"listing data alone, {stats['rejected_after_reads']} after reads)"
            )
            verdict = "within" if total <= budget else "OVER"
            print(f"  budget 3/member + 1/10 rejected = {budget:.0f}: {verdict}")
            known = found
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
