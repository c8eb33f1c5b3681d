"""Alerts end to end: crawls of the fake Hub whose world changes, with real receivers.

The webhook receiver verifies each POST with the `standardwebhooks` package, the mail goes
to an aiosmtpd server, the feed is read by `feedparser`. Every change arrives once, in all
three; a receiver that is down gets the events at the next crawl, once.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
from click.testing import CliRunner

from db.models import CrawlRun
from db.session import make_engine, session_scope
from tests.fakes.grok_changes import EXPECTED, change
from tests.fakes.grok_history import ROOT, weights, world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import FakeFile, FakeRepo
from tests.fakes.receivers import SECRET, MailReceiver, WebhookReceiver
from tests.helpers.clock import DAY1, DAY2, DAY3, ticking
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl
from tracker.render import crawl_summary

ENV = {"HOOK_SECRET": SECRET, "SMTP_PASSWORD": "not-used"}


def write_config(tmp_path: Path, db_url: str, hub_url: str, hook_url: str, smtp_url: str,
                 **alerts) -> Path:
    path = tmp_path / "config.toml"
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in alerts.items())
    path.write_text(
        f'[database]\nurl = "{db_url}"\n\n'
        f'[hubs.huggingface]\nendpoint = "{hub_url}"\n\n'
        f'[alerts]\nfeed = "{tmp_path / "grok-feed.xml"}"\nfeed_entries = 50\n{extra}\n'
        f'[[alerts.webhooks]]\nurl = "{hook_url}"\nsecret_env = "HOOK_SECRET"\n\n'
        f'[alerts.email]\nsmtp_url = "{smtp_url}"\nfrom = "tracker@example.org"\n'
        'to = ["audit@example.org"]\n'
    )
    return path


def run(config_path: Path, day):
    config = load_config(config_path, environ=ENV)
    report = crawl(config, roots=["grok-1"], hubs=["huggingface"], clock=ticking(day))
    assert report.status == "ok", report.errors
    return report


def test_every_change_arrives_once_signed_in_feed_webhook_and_mail(db_url, tmp_path):
    hub_world = world()
    with FakeHub(hub_world) as hub, WebhookReceiver() as hook, MailReceiver() as mail:
        path = write_config(tmp_path, db_url, hub.url, hook.url, mail.url)
        first = run(path, DAY1)
        assert hook.got == [] and mail.messages == []  # the first crawl is a silent baseline
        assert first.alerts == []
        change(hub_world)
        second = run(path, DAY2)
        run(path, DAY3)  # nothing changed: nothing is sent again

    assert len(hook.got) == 1 and hook.got[0].verified
    body = hook.got[0].body
    assert body["type"] == "tracker.events" and body["run"] == second.run_id
    events = body["events"]
    assert {(e["kind"], e["node"]) for e in events} == EXPECTED
    assert len({e["id"] for e in events}) == len(events)
    by_kind = {e["kind"]: e for e in events if e["kind"] != "new"}
    new = {e["node"]: e for e in events if e["kind"] == "new"}
    q8 = new["huggingface:someone/grok-1-Q8-GGUF"]
    assert (q8["parent"], q8["relation"], q8["license"]) == (
        "huggingface:keyfan/grok-1-hf", "quantization", "apache-2.0")
    assert q8["url"].endswith("/someone/grok-1-Q8-GGUF")
    assert (by_kind["relicensed"]["old"], by_kind["relicensed"]["new"]) == ("apache-2.0", "mit")
    assert by_kind["renamed"]["old"] == "huggingface:bob/grok-1-chat"
    assert by_kind["license_issue"]["issues"] == ["missing"]
    assert all(e["root"] == "grok-1" and e["run"] == second.run_id for e in events)
    assert any(line.startswith("alerts: webhook:127.0.0.1: 7 event") for line in second.alerts)

    feed = feedparser.parse(str(tmp_path / "grok-feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert {entry.id for entry in feed.entries} == {f"urn:tracker:event:{e['id']}"
                                                    for e in events}

    assert len(mail.messages) == 1
    message = mail.messages[0]
    text = message.get_body(("plain",)).get_content()
    assert all(f"urn:tracker:event:{e['id']}" in text for e in events)
    assert "someone/grok-1-Q8-GGUF" in message.get_body(("html",)).get_content()
    assert message["To"] == "audit@example.org"

    result = CliRunner().invoke(cli, ["--config", str(path), "alerts", "--format", "json"],
                                env=ENV, catch_exceptions=False)
    rows = {r["sink"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"feed", "webhook:127.0.0.1", "email"}
    assert all((r["pending"], r["failed"], r["delivered"]) == (0, 0, 7) for r in rows.values())


def test_a_receiver_down_during_a_crawl_gets_the_events_at_the_next_once(db_url, tmp_path):
    hub_world = world()
    with FakeHub(hub_world) as hub, WebhookReceiver() as hook, MailReceiver() as mail:
        path = write_config(tmp_path, db_url, hub.url, hook.url, mail.url)
        run(path, DAY1)
        change(hub_world)
        hook.answer = 503
        second = run(path, DAY2)  # the sink's failure does not fail the crawl
        assert second.status == "ok"
        line = "alerts: webhook:127.0.0.1 failed: 127.0.0.1 answered HTTP 503; 7 event(s) kept"
        assert second.errors == [line]
        engine = make_engine(db_url)
        with session_scope(engine) as session:
            assert session.get(CrawlRun, second.run_id).errors == [line]
        engine.dispose()
        status = CliRunner().invoke(cli, ["--config", str(path), "alerts"], env=ENV)
        assert "webhook:127.0.0.1  webhook  0        7" in status.stdout
        assert "503, retry after" in status.stdout
        assert len(mail.messages) == 1  # the other sinks are not held back
        assert f"error: {line}" in crawl_summary(second).splitlines()
        hook.answer = 200
        third = CliRunner().invoke(cli, ["--config", str(path), "crawl", "--root", "grok-1",
                                         "--hub", "huggingface"], env=ENV)
        assert third.exit_code == 0, third.output
        assert "alerts: webhook:127.0.0.1: 7 event(s) delivered" in third.stdout.splitlines()
        run(path, DAY3.replace(year=2027))
    assert [d.verified for d in hook.got] == [True, True]
    failed, delivered = hook.got
    assert failed.body == delivered.body  # the same batch, once delivered
    assert failed.headers["webhook-id"] == delivered.headers["webhook-id"]
    assert {(e["kind"], e["node"]) for e in delivered.body["events"]} == EXPECTED


def test_a_resolved_issue_and_a_changed_relation_are_told(sqlite_url, tmp_path):
    hub_world = world()
    with FakeHub(hub_world) as hub, WebhookReceiver() as hook, MailReceiver() as mail:
        path = write_config(tmp_path, sqlite_url, hub.url, hook.url, mail.url)
        run(path, DAY1)
        hub_world.add(FakeRepo("eve/grok-1-nolicense", card={"base_model": ROOT},
                               files=weights("eve")))
        run(path, DAY2)
        hub_world.update("eve/grok-1-nolicense",
                         card={"base_model": ROOT, "license": "apache-2.0"})
        hub_world.update("dave/grok-1-instruct", card={
            "license": "apache-2.0", "base_model": ROOT, "base_model_relation": "adapter"},
            files=[FakeFile("adapter_model.safetensors", 100, "e" * 64),
                   FakeFile("adapter_config.json", 10, None)])
        third = run(path, DAY3)
    told = {(e["kind"], e["node"]): e for d in hook.got for e in d.body["events"]
            if e["run"] == third.run_id}
    eve = "huggingface:eve/grok-1-nolicense"
    assert told[("license_issue_resolved", eve)]["issues"] == ["missing"]
    assert (told[("relicensed", eve)]["old"], told[("relicensed", eve)]["new"]) == (
        "", "apache-2.0")
    dave = told[("relation_changed", "huggingface:dave/grok-1-instruct")]
    assert (dave["parent"], dave["old"], dave["new"]) == (
        "huggingface:xai-org/grok-1", "finetune", "adapter")
