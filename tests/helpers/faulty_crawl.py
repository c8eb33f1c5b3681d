"""A real crawl of the Grok world on the fake Hub with a fake clock, for fault tests.

`new_hub()` serves the Grok fixture world with small pages (listings and trees take several
requests); `run_crawl()` is the pipeline's crawl with the real Hugging Face crawler, whose every
wait goes to a `FakeClock` (recorded, never slept); `assert_same_graph()` compares a crawl's
final graph with a clean crawl's (tests/helpers/snapshot.py).
"""

from __future__ import annotations

import threading

from crawlers.huggingface.crawler import HuggingFaceCrawler
from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tests.helpers.snapshot import Snapshot, graph_snapshot
from tracker.config import load_config
from tracker.pipeline import crawl

PAGE, TREE_PAGE = 5, 8  # small pages: listings and trees take several requests
TIMEOUT = 2.0  # seconds before a hanging answer is given up: a busy CI core answers within it
JITTER = 0.5  # equal jitter at 0.5: each backoff is 3/4 of 1 s, 2 s, 4 s, ...


class FakeClock:
    """sleep() advances the clock instead of waiting; every wait is recorded. `wall()` is the
    same clock read as seconds since the epoch, from `epoch` on (for HTTP dates)."""

    def __init__(self, epoch: float = 1_700_000_000.0) -> None:
        self.now = 0.0
        self.epoch = epoch
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.epoch + self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def new_hub() -> FakeHub:
    return FakeHub(grok_world.fake_repos(), page_size=PAGE, tree_page_size=TREE_PAGE)


def config_for(hub: FakeHub, url: str, **settings):
    overrides = {"database.url": url, "crawl.timeout": TIMEOUT, "crawl.batch_size": 7}
    overrides.update(settings)
    return load_config(environ={"HF_ENDPOINT": hub.url}, overrides=overrides)


def run_crawl(config, clock: FakeClock, *, workers: int = 1):
    """The pipeline's crawl with the real HF crawler, as the default factory builds it, but
    with the fake clock's sleep and wall clock."""

    def factory(hub_name, cfg):
        hub = cfg.hubs[hub_name]
        return HuggingFaceCrawler(
            endpoint=hub.endpoint,
            token=hub.token,
            retries=cfg.get("crawl.retries"),
            max_retry_wait=cfg.get("crawl.max_retry_wait"),
            timeout=cfg.get("crawl.timeout"),
            workers=workers,
            sleep=clock.sleep,
            clock=clock,
            wall_clock=clock.wall,
            jitter=lambda: JITTER,
        )

    return crawl(config, hubs=["huggingface"], crawler_factory=factory)


def assert_same_graph(url: str, hub: FakeHub, clean: Snapshot) -> None:
    got = graph_snapshot(url, hub.url)
    assert got == clean, got.diff(clean)
