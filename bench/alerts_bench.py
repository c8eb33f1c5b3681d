"""Benchmark of alerts: what 1,000 events cost a crawl, delivered to a webhook and the feed.

A fake Hub (in this process) serves xai-org/grok-1 alone; a first crawl makes the baseline.
Then 1,000 declared descendants appear and the second crawl runs twice from copies of the
same baseline database: once without `[alerts]`, once with the Atom feed and a webhook
receiver on 127.0.0.1 that verifies every signature with the `standardwebhooks` package.
Prints the time of both crawls, and within the second the time spent deriving the events
and delivering them, with what the receiver and the feed got.

    python bench/alerts_bench.py [--family 1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="alerts-bench-"))


class Timed:
    """Wraps a function and adds up the wall time of its calls."""

    def __init__(self, module, name: str) -> None:
        self.module, self.name, self.seconds = module, name, 0.0
        self.inner = getattr(module, name)
        setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def main() -> None:
    import feedparser

    import tracker.alerts as alerts
    import tracker.alerts.events as events
    from tests.fakes.hf_hub import FakeHub
    from tests.fakes.hf_world import World, synthetic_family
    from tests.fakes.receivers import SECRET, WebhookReceiver
    from tracker.config import load_config
    from tracker.pipeline import crawl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", type=int, default=1000)
    args = parser.parse_args()
    family = synthetic_family(args.family, files_per_repo=2)
    work = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
    world = World(family[:1])
    env = {"HOOK_SECRET": SECRET}
    with FakeHub(world) as hub, WebhookReceiver() as hook:
        def config(name: str, with_alerts: bool):
            text = (f'[database]\nurl = "sqlite:///{work / name}"\n\n'
                    f'[hubs.huggingface]\nendpoint = "{hub.url}"\n')
            if with_alerts:
                text += (f'\n[alerts]\nfeed = "{work / "feed.xml"}"\nfeed_entries = 200\n\n'
                         f'[[alerts.webhooks]]\nurl = "{hook.url}"\nsecret_env = "HOOK_SECRET"\n')
            path = work / f"{name}.toml"
            path.write_text(text)
            return load_config(path, environ=env)

        def run(cfg) -> float:
            started = time.perf_counter()
            report = crawl(cfg, roots=["grok-1"], hubs=["huggingface"])
            assert report.status == "ok", report.errors
            return time.perf_counter() - started

        run(config("base.db", True))  # the baseline: registers the sinks, alerts nothing
        for repo in family[1:]:
            world.add(repo)
        shutil.copy(work / "base.db", work / "plain.db")
        shutil.copy(work / "base.db", work / "alerts.db")
        plain = run(config("plain.db", False))
        derive = Timed(events, "derive_events")
        deliver = Timed(alerts, "deliver")
        with_alerts = run(config("alerts.db", True))
    got = hook.events()
    feed = feedparser.parse(str(work / "feed.xml"))
    assert all(d.verified for d in hook.got)
    print(f"members added between crawls: {args.family}")
    print(f"second crawl without [alerts]: {plain:.2f} s")
    print(f"second crawl with feed + webhook: {with_alerts:.2f} s "
          f"(difference {with_alerts - plain:+.2f} s)")
    print(f"  deriving events: {derive.seconds:.3f} s; delivering: {deliver.seconds:.3f} s; "
          f"together {derive.seconds + deliver.seconds:.3f} s (target < 2 s)")
    print(f"  webhook: {len(got)} events in {len(hook.got)} signed POSTs, "
          f"{len({e['id'] for e in got})} distinct ids; feed: {len(feed.entries)} entries")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
