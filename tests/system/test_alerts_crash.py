"""SIGKILL between a send and its record: the batch is sent again once, with the same ids.

A real `tracker crawl` runs in a subprocess; the webhook receiver kills it with SIGKILL
when the POST arrives, before it answers, so the crawl dies after sending and before
recording the delivery. The next crawl sends that batch again: every event reaches the
receiver, none more than twice, and a repeat carries the same event ids and webhook-id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.grok_changes import EXPECTED, change
from tests.fakes.grok_history import world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.receivers import SECRET, WebhookReceiver
from tests.helpers.clock import DAY1, ticking
from tracker.config import load_config
from tracker.pipeline import crawl

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0


@pytest.mark.slow
def test_a_crawl_killed_after_sending_repeats_the_batch_once_with_the_same_ids(tmp_path):
    hub_world = world()
    with FakeHub(hub_world) as hub, WebhookReceiver() as hook:
        path = tmp_path / "config.toml"
        path.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n\n'
            f'[crawl]\nhubs = "huggingface"\n\n'
            f'[hubs.huggingface]\nendpoint = "{hub.url}"\n\n'
            f'[[alerts.webhooks]]\nurl = "{hook.url}"\nsecret_env = "HOOK_SECRET"\n'
        )
        env = {**os.environ, "PYTHONPATH": str(REPO), "HOOK_SECRET": SECRET}
        config = load_config(path, environ=env)
        assert crawl(config, roots=["grok-1"], clock=ticking(DAY1)).status == "ok"
        change(hub_world)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(path), "crawl", "--root",
             "grok-1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
        )

        def kill_sender(_delivery) -> None:
            hook.on_post = None
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(WAIT)

        hook.on_post = kill_sender
        try:
            assert proc.wait(WAIT) == -signal.SIGKILL, proc.stderr.read().decode()
        finally:
            if proc.poll() is None:
                proc.kill()
        assert len(hook.got) == 1  # sent, and the sender died before recording it
        report = crawl(config, roots=["grok-1"])
        assert report.status == "ok" and report.errors == []
        crawl(config, roots=["grok-1"])  # and never again
    assert [d.verified for d in hook.got] == [True, True]
    first, again = hook.got
    assert {(e["kind"], e["node"]) for e in again.body["events"]} == EXPECTED
    assert [e["id"] for e in first.body["events"]] == [e["id"] for e in again.body["events"]]
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
