"""Issue 11's bugs, each with the test that failed before its fix."""

from __future__ import annotations

import pytest

from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tracker.config import load_config
from tracker.pipeline import crawl


@pytest.fixture(scope="module")
def hub():
    with FakeHub(grok_world.fake_repos()) as hub:
        yield hub


def test_an_unchanged_hub_costs_the_same_every_day(hub, tmp_path):
    """Bug 1: a lookalike skipped as rejected before was dropped from the saved set, so every
    other crawl read it again (94, 38, 44, 38, 44 requests)."""
    config = load_config(environ={"HF_ENDPOINT": hub.url},
                         overrides={"database.url": f"sqlite:///{tmp_path / 't.db'}"})
    costs = []
    for _ in range(5):
        hub.reset_counts()
        assert crawl(config, hubs=["huggingface"]).status == "ok"
        costs.append(sum(hub.requests.values()))
    assert costs[0] > costs[1]
    assert costs[1:] == [costs[1]] * 4, costs
