"""Alert sinks and delivery against real receivers, from an outbox filled with events.

The outbox is filled through db/outbox.py as a run would fill it; what is checked is what a
receiver or a person sees: signatures, Slack text, feed ids across rewrites and its bound,
the timeout paid once, filters, redelivery, the commands' output, and no secret anywhere.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db import outbox
from db import repository as repo
from db.models import AlertSink
from db.session import open_database, session_scope
from tests.fakes.receivers import SECRET, MailReceiver, WebhookReceiver, blackhole
from tracker.alerts import delivery
from tracker.alerts.events import event_id
from tracker.cli import cli
from tracker.config import load_config
from tracker.errors import ConfigError

T0 = datetime(2026, 11, 20, 4, tzinfo=UTC)
ENV = {"HOOK_SECRET": SECRET}


def fill(url: str, runs: int, per_run: int) -> list[str]:
    """`runs` finished runs with `per_run` events each (grok-1, then grok-2 alternating)."""
    engine = open_database(url)
    ids = []
    with session_scope(engine) as session:
        for r in range(runs):
            run = repo.start_run(session, now=T0 + timedelta(days=r), roots=["grok-1"],
                                 hubs=["huggingface"], holder="test")
            rows = []
            for i in range(per_run):
                root = ("grok-1", "grok-2")[i % 2]
                kind = ("new", "license_issue")[i % 2]
                eid = event_id(run, kind, root, i)
                at = T0 + timedelta(days=r, seconds=i)
                data = {"id": eid, "kind": kind, "root": root, "node": f"huggingface:o/m-{i}",
                        "at": at.isoformat(), "run": run, "url": f"https://h/o/m-{i}"}
                rows.append({"id": eid, "run_id": run, "kind": kind, "root": root,
                             "node": data["node"], "at": at, "data": data})
                ids.append(eid)
            outbox.insert_events(session, rows)
            outbox.insert_events(session, rows)  # deriving twice adds nothing
    engine.dispose()
    return ids


def config_file(tmp_path: Path, url: str, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{url}"\n\n{body}')
    return path


def hook_toml(url: str, **extra) -> str:
    more = "".join(f"{k} = {json.dumps(v)}\n" for k, v in extra.items())
    return f'[[alerts.webhooks]]\nurl = "{url}"\nsecret_env = "HOOK_SECRET"\n{more}\n'


def deliver(path: Path, now: datetime = T0 + timedelta(days=30)):
    config = load_config(path, environ=ENV)
    engine = open_database(config.database_url)
    try:
        return delivery.deliver(config, engine, clock=lambda: now)
    finally:
        engine.dispose()


def test_an_unreachable_sink_costs_its_timeout_once_not_per_event(sqlite_url, tmp_path):
    fill(sqlite_url, runs=3, per_run=20)
    with blackhole() as url:
        path = config_file(tmp_path, sqlite_url,
                           f"[alerts]\ntimeout = 0.5\n\n{hook_toml(url)}")
        _register_from_start(sqlite_url, "webhook:127.0.0.1")
        started = time.monotonic()
        (result,) = deliver(path)
        took = time.monotonic() - started
    assert result.error == "127.0.0.1 did not answer within 0.5 s"
    assert result.waiting == 60
    assert took < 1.5, took  # one timeout for three runs' batches
    (again,) = deliver(path, T0 + timedelta(days=30, seconds=60))
    assert again.skipped.startswith("retry after") and again.sent == 0  # backing off


def _register_from_start(url: str, name: str) -> None:
    """A sink configured before the events were made (a new sink gets only later ones)."""
    engine = open_database(url)
    with session_scope(engine) as session:
        outbox.register_sink(session, name, after_seq=0, now=T0)
    engine.dispose()


def test_filters_batches_and_no_repeat(sqlite_url, tmp_path):
    fill(sqlite_url, runs=2, per_run=600)
    with WebhookReceiver() as hook:
        path = config_file(tmp_path, sqlite_url, hook_toml(hook.url, roots=["grok-2"],
                                                           events=["license_issue"]))
        _register_from_start(sqlite_url, "webhook:127.0.0.1")
        (result,) = deliver(path)
        assert deliver(path) == []  # delivered events are never sent again
    assert result.sent == 600 and result.waiting == 0
    assert all(d.verified for d in hook.got)
    assert [(d.body["run"], len(d.body["events"])) for d in hook.got] == [
        (1, 300), (2, 300)]  # one POST per run's batch
    assert {e["kind"] for e in hook.events()} == {"license_issue"}
    assert {e["root"] for e in hook.events()} == {"grok-2"}


def test_slack_format_sends_text(sqlite_url, tmp_path):
    fill(sqlite_url, runs=1, per_run=50)
    with WebhookReceiver(secret="whsec_" + "A" * 32) as hook:
        path = config_file(tmp_path, sqlite_url, hook_toml(hook.url, format="slack"))
        _register_from_start(sqlite_url, "webhook:127.0.0.1")
        deliver(path)
    (got,) = hook.got
    lines = got.body["text"].splitlines()
    assert lines[0] == "tracker run 1: 50 change(s)"
    assert lines[1] == "• grok-1: new derivative huggingface:o/m-0 (license none)"
    assert lines[-1] == "… and 10 more"


def test_feed_keeps_ids_across_rewrites_and_only_the_last_entries(sqlite_url, tmp_path):
    ids = fill(sqlite_url, runs=1, per_run=5)
    feed_path = tmp_path / "feed.xml"
    path = config_file(tmp_path, sqlite_url,
                       f'[alerts]\nfeed = "{feed_path}"\nfeed_entries = 8\n')
    _register_from_start(sqlite_url, "feed")
    deliver(path)
    before = [e.id for e in feedparser.parse(str(feed_path)).entries]
    assert before == [f"urn:tracker:event:{i}" for i in reversed(ids)]
    more = fill(sqlite_url, runs=1, per_run=6)
    deliver(path)
    feed = feedparser.parse(str(feed_path))
    assert not feed.bozo
    after = [e.id for e in feed.entries]
    assert after == [f"urn:tracker:event:{i}" for i in reversed((ids + more)[-8:])]
    assert set(before[:2]) <= set(after)  # an entry keeps its id when the file is rewritten


def test_mail_is_one_message_with_text_and_html(sqlite_url, tmp_path):
    fill(sqlite_url, runs=2, per_run=3)
    with MailReceiver() as mail:
        path = config_file(
            tmp_path, sqlite_url,
            f'[alerts.email]\nsmtp_url = "{mail.url}"\nfrom = "t@example.org"\n'
            'to = ["a@example.org", "b@example.org"]\nevents = ["new"]\n')
        _register_from_start(sqlite_url, "email")
        (result,) = deliver(path)
    assert result.sent == 4
    (message,) = mail.messages
    assert message["Subject"] == "tracker: 4 change(s) in grok-1"
    assert message["To"] == "a@example.org, b@example.org"
    assert "huggingface:o/m-2" in message.get_body(("plain",)).get_content()
    assert "<li>" in message.get_body(("html",)).get_content()


def test_a_new_sink_gets_what_comes_after_it_not_the_past(sqlite_url, tmp_path):
    fill(sqlite_url, runs=2, per_run=4)
    with WebhookReceiver() as hook:
        path = config_file(tmp_path, sqlite_url, hook_toml(hook.url))
        assert deliver(path) == []
        fill(sqlite_url, runs=1, per_run=2)
        (result,) = deliver(path)
    assert result.sent == 2


def test_commands_status_test_redeliver_and_no_secret_printed(sqlite_url, tmp_path):
    fill(sqlite_url, runs=1, per_run=4)
    with WebhookReceiver() as hook:
        path = config_file(tmp_path, sqlite_url, hook_toml(hook.url, name="audit"))
        runner = CliRunner()

        def invoke(*args):
            return runner.invoke(cli, ["--config", str(path), "alerts", *args], env=ENV)

        _register_from_start(sqlite_url, "audit")
        deliver(path)
        table = invoke()
        assert table.exit_code == 0
        assert table.stdout.splitlines()[1].split()[:5] == ["audit", "webhook", "0", "0", "4"]
        test = invoke("test", "audit")
        assert test.exit_code == 0 and "sample event test-" in test.stdout
        assert hook.got[-1].verified and hook.got[-1].body["events"][0]["kind"] == "new"
        redo = invoke("redeliver", "--since", "2026-11-20", "--format", "json")
        assert json.loads(redo.stdout) == [{"sink": "audit", "sent": 4, "waiting": 0,
                                            "error": None}]
        assert [len(d.body["events"]) for d in hook.got] == [4, 1, 4]
        unknown = invoke("test", "nope")
        assert unknown.exit_code == 2
        assert unknown.stderr.strip() == (
            "tracker: config: unknown sink 'nope'; configured: audit")
        bad_date = invoke("redeliver", "--since", "last tuesday")
        assert bad_date.exit_code == 2 and "Traceback" not in bad_date.output
    with blackhole() as url:
        path.write_text(path.read_text().replace(hook.url, url)
                        + "[alerts]\ntimeout = 0.2\n")
        down = invoke("test", "audit")
        assert down.exit_code == 1
        assert down.stderr.strip() == "tracker: 127.0.0.1 did not answer within 0.2 s"
    for result in (table, test, redo, down):
        assert SECRET not in result.output and "hooks" not in result.output
    engine = open_database(sqlite_url)
    with session_scope(engine) as session:
        stored = [repr(vars(s)) for s in session.scalars(select(AlertSink))]
    engine.dispose()
    assert stored and not any(SECRET in s or "/hooks" in s for s in stored)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[alerts.webhooks]]\nurl = "ftp://x"\n', "alerts.webhooks[1].url must be an http(s) URL"),
        ('[[alerts.webhooks]]\nurl = "https://x.org/h"\n',
         "alerts.webhooks[1] needs a signing secret"),
        ('[[alerts.webhooks]]\nurl = "https://x.org/h"\nsecret_env = "HOOK_SECRET"\n'
         'events = ["nwe"]\n', "alerts.webhooks[1].events has 'nwe'; known: new, removed"),
        ('[[alerts.webhooks]]\nurl = "https://x.org/h"\nsecret_env = "HOOK_SECRET"\n'
         'roots = ["grok-3"]\n', "alerts.webhooks[1].roots has 'grok-3'; known: grok-1"),
        ('[[alerts.webhooks]]\nurl = "https://x.org/h"\nformat = "teams"\n',
         'alerts.webhooks[1].format must be "standard" or "slack"'),
        ('[alerts.email]\nsmtp_url = "mail.org"\nfrom = "a@b"\nto = ["c@d"]\n',
         'alerts.email.smtp_url must look like "smtp://host:587"'),
        ('[alerts.email]\nsmtp_url = "smtp://m"\nfrom = "a@b"\nto = []\n',
         "alerts.email.to must list addresses"),
        ("[alerts]\nfed = 'x'\n", "unknown key alerts.fed"),
        ("[alerts]\ntimeout = 0\n", "alerts.timeout must be more than 0 seconds"),
    ],
)
def test_bad_alert_config_is_one_clear_line(tmp_path, body, message):
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_config(path, environ=ENV)
    assert message in str(err.value)


def test_a_secret_that_is_not_base64_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[alerts.webhooks]]\nurl = "https://x.org/h"\nsecret_env = "S"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={"S": "whsec_not base64!"})
    assert "the secret in S is not base64" in str(err.value)
    assert "not base64!" not in str(err.value).replace("is not base64", "")


def test_mail_uses_starttls_when_offered_and_logs_in_without_showing_the_password(
    sqlite_url, tmp_path, monkeypatch
):
    import ssl

    import trustme

    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # our client trusts the CA
    fill(sqlite_url, runs=1, per_run=2)
    password = "s3cret-Pa55"
    mail_toml = ('[alerts.email]\nsmtp_url = "{url}"\nuser = "tracker"\n'
                 'password_env = "SMTP_PASSWORD"\nfrom = "t@example.org"\nto = ["a@example.org"]\n')
    with MailReceiver({"tracker": password}, tls_context=server_tls,
                      require_starttls=True) as mail:
        path = config_file(tmp_path, sqlite_url, mail_toml.format(url=mail.url))
        _register_from_start(sqlite_url, "email")
        config = load_config(path, environ={"SMTP_PASSWORD": password})
        engine = open_database(sqlite_url)
        (result,) = delivery.deliver(config, engine, clock=lambda: T0)
        assert result.sent == 2 and mail.logins == ["tracker"] and len(mail.messages) == 1
        wrong = load_config(path, environ={"SMTP_PASSWORD": "wrong"})
        fill(sqlite_url, runs=1, per_run=1)
        (refused,) = delivery.deliver(wrong, engine, clock=lambda: T0)
        engine.dispose()
    assert refused.error == "127.0.0.1 refused the login of 'tracker'"
    assert "wrong" not in refused.line() and password not in repr(config)


def test_debug_logs_never_hold_the_webhook_path_secret_or_mail_password(
    sqlite_url, tmp_path, restore_root_logger
):
    from tracker.logsetup import setup_logging

    fill(sqlite_url, runs=1, per_run=3)
    log_file = tmp_path / "tracker.log"
    with WebhookReceiver() as hook:
        slack_like = hook.url.replace("/hooks/grok", "/services/T0001/B0002/XyZsecretPath")
        path = config_file(
            tmp_path, sqlite_url,
            f'[logging]\nlevel = "DEBUG"\nfile = "{log_file}"\n\n'
            + hook_toml(slack_like)
            + '[alerts.email]\nsmtp_url = "smtp://127.0.0.1:9"\nuser = "u"\n'
            'password_env = "SMTP_PASSWORD"\nfrom = "t@example.org"\nto = ["a@example.org"]\n')
        config = load_config(path, environ={**ENV, "SMTP_PASSWORD": "pw-Secret-42"})
        setup_logging(config)
        _register_from_start(sqlite_url, "webhook:127.0.0.1")
        _register_from_start(sqlite_url, "email")
        engine = open_database(sqlite_url)
        results = delivery.deliver(config, engine, clock=lambda: T0)
        engine.dispose()
    assert [r.sent for r in results] == [3, 0] and hook.got[0].verified
    text = log_file.read_text()
    assert "POST" in text  # urllib3 did log the request, at DEBUG
    for secret in ("XyZsecretPath", SECRET, "pw-Secret-42"):
        assert secret not in text
