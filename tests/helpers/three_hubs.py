"""Three fake hubs speaking real HTTP on 127.0.0.1 for pipeline tests (issue 17).

The Grok world on the fake Hub (tests/fakes/hf_hub.py) beside a small GitHub and ModelScope
(tests/fakes/rest_hub.py). `config_for(hubs, url)` points a config at all three, with one
retry; `quiet_crawlers` makes every crawler's backoff a recorded number, never a sleep (the
pipeline's default factory takes no clock); `family(url)` is what the database holds of a
root's family after a crawl.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from crawlers import crawler_class
from db import repository as repo
from db.lineage import descendants
from db.session import make_engine, session_scope
from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.rest_hub import FakeRestHub, new_github, new_modelscope
from tracker.config import Config, load_config


@pytest.fixture
def quiet_crawlers(monkeypatch) -> list[float]:
    slept: list[float] = []
    for hub in ("huggingface", "github", "modelscope"):
        defaults = crawler_class(hub).__init__.__kwdefaults__
        monkeypatch.setitem(defaults, "sleep", slept.append)
        monkeypatch.setitem(defaults, "jitter", lambda: 0.0)
    return slept


@pytest.fixture
def hubs(quiet_crawlers):
    with ExitStack() as stack:
        hf = stack.enter_context(FakeHub(grok_world.fake_repos()))
        gh = stack.enter_context(new_github())
        ms = stack.enter_context(new_modelscope())
        yield hf, gh, ms


def config_for(hubs: tuple[FakeHub, FakeRestHub, FakeRestHub], url: str, **settings) -> Config:
    hf, gh, ms = hubs
    overrides = {
        "database.url": url,
        "hubs.huggingface.endpoint": hf.url,
        "hubs.github.endpoint": gh.url,
        "hubs.modelscope.endpoint": ms.url,
        "crawl.retries": 1,
        "crawl.timeout": 5.0,
    }
    return load_config(environ={}, overrides={**overrides, **settings})


def family(url: str, root: str = "grok-1") -> set[str]:
    """Node keys of a root's family as the database holds it."""
    config = load_config(environ={}, overrides={"database.url": url})
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            start = list(repo.node_ids(s, config.roots[root].nodes).values())
            return {n.key for n in descendants(s, start).nodes.values()}
    finally:
        engine.dispose()
