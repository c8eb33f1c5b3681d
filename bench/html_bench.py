"""Benchmark: the html export of 2,000- and 10,000-member families, opened in headless Chromium.

Generates each family (tests/fakes/big_family.py), writes the page with `graph.export`, opens it
from disk in Debian's Chromium (Selenium + chromium-driver, network blocked, as the tests do) a
few times, and prints the page size and the render time: from navigation start until the page
has drawn every node and edge (its `data-ready`), as the page measured it, plus the wall time
the driver saw. Targets (issue 12): 2,000 members < 5 s, 10,000 < 10 s, 10,000 page < 5 MB.

    python bench/html_bench.py [--sizes 2000 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.export import export  # noqa: E402
from graph.export.html import BROWSER_LAYOUT_MAX  # noqa: E402
from tests.fakes.big_family import family  # noqa: E402
from tests.graph.browser import Browser, available  # noqa: E402

TARGETS = {2_000: 5.0, 10_000: 10.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not available():
        print("needs chromium and chromium-driver (apt-get install chromium chromium-driver)")
        return 2
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"the browser lays out up to {BROWSER_LAYOUT_MAX:,} nodes itself")
    browser = Browser()
    ok = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for size in args.sizes:
                graph = family(size)
                page = Path(tmp) / f"family-{size}.html"
                start = time.perf_counter()
                export(graph, "html", page)
                written = time.perf_counter() - start
                renders, walls = [], []
                for _ in range(args.runs):
                    walls.append(browser.open(page))
                    renders.append(browser.js("return lineage.timings.drawn") / 1000)
                    drawn = browser.js("return lineage.drawn()")
                    assert drawn == [size, graph.number_of_edges()], drawn
                    assert not browser.console_errors(), browser.console_errors()
                megabytes = page.stat().st_size / 1e6
                target = TARGETS.get(size)
                render = statistics.median(renders)
                met = target is None or render < target
                ok &= met
                print(
                    f"{size:>6,} members, {graph.number_of_edges():,} edges: "
                    f"page {megabytes:.2f} MB, written in {written:.2f} s; "
                    f"render {render:.2f} s median (runs {', '.join(f'{r:.2f}' for r in renders)};"
                    f" wall {statistics.median(walls):.2f} s)"
                    + (f"; target < {target:.0f} s {'met' if met else 'MISSED'}" if target else "")
                )
                if size == 10_000:
                    ok &= megabytes < 5
                    print(f"        10,000-member page {megabytes:.2f} MB; target < 5 MB "
                          f"{'met' if megabytes < 5 else 'MISSED'}")
    finally:
        browser.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
