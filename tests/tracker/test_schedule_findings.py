"""`tracker schedule` logs what each run found (issue 11): its new derivatives and the new
license issues, by name, not only how many requests it took. The scheduled job crawls the
fake Hub over real HTTP; the hub's world changes between two runs."""

from __future__ import annotations

import logging
import threading

from tests.fakes.grok_history import ROOT, child, world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import FakeFile, FakeRepo
from tracker.config import load_config
from tracker.schedule import ScheduledCrawl, scheduled_crawl


def found_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "tracker.schedule" and " found " in r.getMessage()]


def test_each_scheduled_run_logs_its_new_derivatives_and_license_issues(db_url, caplog):
    caplog.set_level(logging.INFO)
    hub_world = world()
    with FakeHub(hub_world) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": db_url})
        job = ScheduledCrawl(scheduled_crawl(config, roots=["grok-1"], hubs=["huggingface"]),
                             threading.Event())
        assert job().status == "ok"
        first = found_lines(caplog)
        assert len(first) == 1
        # the root is not its own derivative; its six descendants are new
        assert first[0].startswith("run 1 found 6 new derivatives (huggingface:alice/grok-1-ft, ")
        assert f"huggingface:{ROOT}," not in first[0]
        assert "0 new license issues" in first[0]

        caplog.clear()
        hub_world.add(child("someone/grok-1-Q8-GGUF", "keyfan/grok-1-hf", "quantized",
                            files=[FakeFile("grok-1.Q8_0.gguf", 9_000, "d" * 64)]))
        hub_world.add(FakeRepo("nolicense/grok-1-ft",  # declares its base, not its license
                               card={"base_model": "keyfan/grok-1-hf"},
                               files=[FakeFile("model.safetensors", 7_000, "e" * 64)]))
        hub_world.delete("alice/grok-1-ft")
        assert job().status == "ok"
    assert found_lines(caplog) == [
        "run 2 found 2 new derivatives (huggingface:nolicense/grok-1-ft, "
        "huggingface:someone/grok-1-Q8-GGUF), "
        "1 new license issue (huggingface:nolicense/grok-1-ft missing), 1 removed"
    ]
