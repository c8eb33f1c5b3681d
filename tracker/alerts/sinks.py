"""Where events go: an Atom feed file, webhooks (Standard Webhooks, or Slack), e-mail.

A sink sends a batch of events (the JSON dicts of SPEC's "Alert events") or raises
`SinkError` with one line that names no URL path, address password or secret: a Slack URL
is itself a secret, and sink errors end up in `tracker runs`. Each sink has a `name` (what
`tracker alerts` shows and delivery state is kept under) and its `events`/`roots` filters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from tracker.alerts.events import describe
from tracker.config_alerts import ALERT_KINDS, EmailConfig, WebhookConfig
from tracker.errors import TrackerError

if TYPE_CHECKING:
    from email.message import EmailMessage

ATOM = "http://www.w3.org/2005/Atom"
USER_AGENT = "grok-lineage-tracker alerts"
BATCH = 500  # events per webhook POST; a run's events go in as few as this allows
SLACK_LINES = 40  # Slack truncates long messages; the rest is counted
# XML 1.0 cannot hold these; a hub string may carry them, so they become U+FFFD, visibly
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class SinkError(TrackerError):
    """One line on why a sink did not take its events (safe to print and store)."""


def batch_id(events: Sequence[dict[str, Any]]) -> str:
    """The same events give the same message id, so a receiver drops a repeated batch."""
    digest = hashlib.sha256("\n".join(e["id"] for e in events).encode()).hexdigest()
    return f"msg_{digest[:32]}"


def _xml(value: Any) -> str:
    text = str(value)
    if text.isascii() and text.isprintable():
        return text  # the common case, without the regex
    return _NOT_XML.sub("\ufffd", text)


class FeedSink:
    """An Atom file rewritten with the latest events; entry ids never change."""

    kind = "feed"

    def __init__(self, path: str, entries: int) -> None:
        self.name = "feed"
        self.path = Path(path)
        self.entries = entries
        self.events, self.roots = ALERT_KINDS, ()
        self.batch = 0  # everything due at once: the file is rewritten whole

    def write(self, latest: Sequence[dict[str, Any]]) -> None:
        """Rewrite the file with `latest` (newest first), atomically."""
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed")
        ET.SubElement(feed, f"{{{ATOM}}}id").text = "urn:tracker:feed"
        ET.SubElement(feed, f"{{{ATOM}}}title").text = "Grok lineage tracker: what changed"
        updated = latest[0]["at"] if latest else "1970-01-01T00:00:00+00:00"
        ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
        author = ET.SubElement(feed, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = "tracker"
        for event in latest:
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
            ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:tracker:event:{event['id']}"
            ET.SubElement(entry, f"{{{ATOM}}}title").text = _xml(describe(event))
            ET.SubElement(entry, f"{{{ATOM}}}updated").text = event["at"]
            if event.get("url"):
                ET.SubElement(entry, f"{{{ATOM}}}link", href=_xml(event["url"]))
            for term in (event["kind"], event["root"]):
                ET.SubElement(entry, f"{{{ATOM}}}category", term=_xml(term))
            content = ET.SubElement(entry, f"{{{ATOM}}}content", type="text")
            content.text = _xml(json.dumps(event, ensure_ascii=False, sort_keys=True))
        data = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)  # a reader never sees half a feed
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror or exc}") from None


class WebhookSink:
    """One JSON POST per batch, signed per the Standard Webhooks spec (or Slack's text)."""

    kind = "webhook"

    def __init__(self, config: WebhookConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        self.name, self.events, self.roots = config.name, config.events, config.roots
        self.batch = BATCH
        import requests  # here: a command that sends nothing need not load it

        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def body(self, run: int | None, events: Sequence[dict[str, Any]]) -> bytes:
        if self.config.format == "slack":
            return json.dumps({"text": slack_text(run, events)}).encode()
        payload = {"type": "tracker.events", "run": run, "events": list(events)}
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    def send(self, run: int | None, events: Sequence[dict[str, Any]]) -> None:
        body = self.body(run, events)
        headers = {"Content-Type": "application/json"}
        if self.config.secret:
            msg_id, stamp = batch_id(events), str(int(time.time()))  # receivers check the age
            headers.update({
                "webhook-id": msg_id,
                "webhook-timestamp": stamp,
                "webhook-signature": sign(self.config.secret, msg_id, stamp, body),
            })
        import requests

        host = urlsplit(self.config.url).hostname
        try:
            answer = self.http.post(self.config.url, data=body, headers=headers,
                                    timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise SinkError(f"{host} did not answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise SinkError(f"cannot reach {host}: {_reason(exc)}") from None
        if not 200 <= answer.status_code < 300:
            raise SinkError(f"{host} answered HTTP {answer.status_code}")


def sign(secret: str, msg_id: str, stamp: str, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the base64 secret (whsec_ ok)."""
    mac = hmac.new(secret_key(secret), f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def secret_key(secret: str) -> bytes:
    """The key bytes of a Standard Webhooks secret, decoded as the reference libraries do
    (padding optional); ValueError if it is not base64."""
    return base64.b64decode(secret.removeprefix("whsec_") + "==")


def _reason(exc: Exception) -> str:
    """The cause of a connection failure, without the URL requests puts in its message."""
    text = str(exc).lower()
    for words, reason in (
        (("refused",), "connection refused"),
        (("name or service", "nodename", "name resolution"), "unknown host"),
        (("reset",), "connection reset"),
        (("ssl", "certificate"), "TLS failed"),
    ):
        if any(w in text for w in words):
            return reason
    return type(exc).__name__


def slack_text(run: int | None, events: Sequence[dict[str, Any]]) -> str:
    head = f"tracker run {run}: {len(events)} change(s)" if run else f"tracker: {len(events)}"
    lines = [f"• {describe(e)}" for e in events[:SLACK_LINES]]
    if len(events) > SLACK_LINES:
        lines.append(f"… and {len(events) - SLACK_LINES} more")
    return "\n".join([head, *lines])


class EmailSink:
    """One message (plain text and HTML) for everything due, through smtplib."""

    kind = "email"

    def __init__(self, config: EmailConfig, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        self.name, self.events, self.roots = "email", config.events, config.roots
        self.batch = 0  # one message per delivery

    def message(self, events: Sequence[dict[str, Any]]) -> EmailMessage:
        from email.message import EmailMessage

        roots = sorted({e["root"] for e in events})
        msg = EmailMessage()
        msg["Subject"] = f"tracker: {len(events)} change(s) in {', '.join(roots)}"
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(self.config.to)
        msg["Message-ID"] = f"<{batch_id(events)}@tracker>"  # a resend is recognisable
        lines = [describe(e) + (f"\n    {e['url']}" if e.get("url") else "") for e in events]
        ids = "\n".join(f"urn:tracker:event:{e['id']}" for e in events)
        msg.set_content("\n".join(lines) + "\n\nevent ids:\n" + ids + "\n")
        items = "".join(
            f'<li><a href="{html.escape(e.get("url") or "", quote=True)}">'
            f"{html.escape(describe(e))}</a></li>" for e in events
        )
        msg.add_alternative(f"<html><body><ul>{items}</ul></body></html>", subtype="html")
        return msg

    def send(self, run: int | None, events: Sequence[dict[str, Any]]) -> None:
        import smtplib  # with ssl and email: loaded only by a delivery that sends mail
        import ssl

        url = urlsplit(self.config.smtp_url)
        host = url.hostname or "localhost"
        secure = url.scheme == "smtps"
        port = url.port or (465 if secure else 25)
        try:
            if secure:
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=self.timeout, context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(host, port, timeout=self.timeout)
            with server:
                server.ehlo()
                if not secure and server.has_extn("starttls"):
                    server.starttls(context=ssl.create_default_context())
                    server.ehlo()
                user = self.config.user or unquote(url.username or "")
                if user:
                    server.login(user, self.config.password or "")
                server.send_message(self.message(events))
        except smtplib.SMTPAuthenticationError:
            raise SinkError(f"{host} refused the login of {self.config.user!r}") from None
        except smtplib.SMTPServerDisconnected:
            raise SinkError(f"{host} closed the connection") from None
        except smtplib.SMTPException as exc:
            code = getattr(exc, "smtp_code", None)
            raise SinkError(f"{host} refused the mail" + (f" ({code})" if code else "")) from None
        except TimeoutError:
            raise SinkError(f"{host} did not answer within {self.timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise SinkError(f"cannot reach {host}:{port}: {exc.strerror or exc}") from None
