"""Three fake hubs on 127.0.0.1 for pipeline tests (issue 17): a config and a family.

The hubs are the `hubs` fixture of tests/tracker/conftest.py (the Grok world on the fake Hub,
a small GitHub and ModelScope from tests/fakes/rest_hub.py). `config_for(hubs, url)` points a
config at all three, with one retry; `family(url)` is what the database holds of a root's
family after a crawl.
"""

from __future__ import annotations

from db import repository as repo
from db.lineage import descendants
from db.session import make_engine, session_scope
from tests.fakes.hf_hub import FakeHub
from tests.fakes.rest_hub import FakeRestHub
from tracker.config import Config, load_config


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
