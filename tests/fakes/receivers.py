"""Real alert receivers on 127.0.0.1: a webhook endpoint and an SMTP server.

`WebhookReceiver` is an HTTP server that verifies every POST with the `standardwebhooks`
package (what a real receiver would run) and keeps what it got; `answer` sets the status it
replies with (a receiver that is up but failing), and `on_post` runs a hook before it
replies (the crash test kills the sender there). `MailReceiver` is aiosmtpd's controller
keeping every message. `blackhole()` is a port that accepts connections and never answers.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Delivery:
    headers: dict[str, str]
    body: dict[str, Any]
    verified: bool


@dataclass
class WebhookReceiver:
    secret: str = SECRET
    answer: int = 200
    on_post: Callable[[Delivery], None] | None = None
    got: list[Delivery] = field(default_factory=list)

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                from standardwebhooks.webhooks import Webhook

                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(raw, headers)
                    verified = True
                except Exception:
                    verified = False
                delivery = Delivery(headers, json.loads(raw), verified)
                receiver.got.append(delivery)
                if receiver.on_post is not None:
                    receiver.on_post(delivery)
                try:
                    self.send_response(receiver.answer)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone (killed while it waited for us)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/grok"

    def events(self) -> list[dict[str, Any]]:
        return [e for d in self.got for e in d.body.get("events", [])]


class MailReceiver:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it is given.

    `params` go to aiosmtpd's SMTP (a `tls_context` makes it offer STARTTLS); `accounts`
    (user -> password) make it require a login, kept in `logins`.
    """

    def __init__(self, accounts: dict[str, str] | None = None, **params) -> None:
        self.messages: list[EmailMessage] = []
        self.accounts, self.params = accounts, params
        self.logins: list[str] = []

    def _authenticate(self, server, session, envelope, mechanism, data):
        from aiosmtpd.smtp import AuthResult

        user, password = data.login.decode(), data.password.decode()
        ok = self.accounts is not None and self.accounts.get(user) == password
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok, handled=False)  # the server answers 535 itself

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.original_content,
                                                policy=policy.default))
        return "250 OK"

    def __enter__(self) -> MailReceiver:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        if self.accounts is not None:
            self.params.update(authenticator=self._authenticate, auth_required=True)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     server_hostname="127.0.0.1", **self.params)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def blackhole() -> Iterator[str]:
    """An URL whose server takes the connection and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections queue in the backlog; nobody accepts them
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"
    finally:
        sock.close()
