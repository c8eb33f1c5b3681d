"""Fixtures of the tracker tests that crawl three fake hubs over real HTTP (issue 17)."""

from __future__ import annotations

import logging
from contextlib import ExitStack

import pytest

from crawlers import crawler_class
from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.rest_hub import new_github, new_modelscope


@pytest.fixture
def quiet_crawlers(monkeypatch) -> list[float]:
    """Every crawler's backoff is a recorded number, never a sleep (the pipeline's default
    factory takes no clock)."""
    slept: list[float] = []
    for hub in ("huggingface", "github", "modelscope"):
        defaults = crawler_class(hub).__init__.__kwdefaults__
        monkeypatch.setitem(defaults, "sleep", slept.append)
        monkeypatch.setitem(defaults, "jitter", lambda: 0.0)
    return slept


@pytest.fixture
def hubs(quiet_crawlers):
    """The Grok world on the fake Hub, a small GitHub and ModelScope (tests/fakes/rest_hub.py)."""
    with ExitStack() as stack:
        hf = stack.enter_context(FakeHub(grok_world.fake_repos()))
        gh = stack.enter_context(new_github())
        ms = stack.enter_context(new_modelscope())
        yield hf, gh, ms


@pytest.fixture
def restore_root_logger():
    """The root logger's level and handlers, and the levels setup_logging quiets, as they were
    before the test (setup_logging changes them process-wide)."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    quiet = {name: logging.getLogger(name).level for name in ("urllib3", "alembic")}
    yield
    for handler in root.handlers:
        if handler not in saved[1]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved[0])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)
