"""The `[alerts]` part of the configuration: webhooks and e-mail, read and checked.

`tracker.config.load_config` calls these; they live apart so that config.py stays one
screenful of the general settings. Secrets are read from the environment variables the file
names, never from the file itself.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tracker.errors import ConfigError

ALERT_KINDS = (
    "new",
    "removed",
    "renamed",
    "gated",
    "relicensed",
    "relation_changed",
    "license_issue",
    "license_issue_resolved",
)


@dataclass(frozen=True)
class WebhookConfig:
    """One `[[alerts.webhooks]]` receiver; the URL (a Slack URL is a secret) is never shown."""

    name: str
    url: str = field(repr=False)
    secret_env: str = ""
    secret: str | None = field(default=None, repr=False)  # never printed
    events: tuple[str, ...] = ALERT_KINDS
    roots: tuple[str, ...] = ()  # empty: every root
    format: str = "standard"  # or "slack"


@dataclass(frozen=True)
class EmailConfig:
    """`[alerts.email]`: one message per crawl that has events."""

    smtp_url: str
    sender: str
    to: tuple[str, ...]
    user: str = ""
    password_env: str = ""
    password: str | None = field(default=None, repr=False)  # never printed
    events: tuple[str, ...] = ALERT_KINDS
    roots: tuple[str, ...] = ()


def _filters(
    body: Mapping[str, Any], key: str, origin: str, roots: Mapping[str, Any]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The `events` and `roots` filters of a sink, checked against what exists."""
    events = body.get("events", list(ALERT_KINDS))
    wanted_roots = body.get("roots", [])
    for name, value, known in (("events", events, ALERT_KINDS), ("roots", wanted_roots, roots)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{origin}: {key}.{name} must be a list of strings")
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ConfigError(
                f"{origin}: {key}.{name} has {unknown[0]!r}; known: {', '.join(known)}"
            )
    return tuple(events), tuple(wanted_roots)


def parse_webhooks(
    raw: Any, origin: str, roots: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[WebhookConfig, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{origin}: alerts.webhooks must be [[alerts.webhooks]] tables")
    out: list[WebhookConfig] = []
    for i, body in enumerate(raw, 1):
        key = f"alerts.webhooks[{i}]"
        if not isinstance(body, Mapping):
            raise ConfigError(f"{origin}: {key} must be a table with url = ...")
        extra = set(body) - {"name", "url", "secret_env", "events", "roots", "format"}
        if extra:
            raise ConfigError(f"{origin}: unknown key {key}.{sorted(extra)[0]}")
        url = body.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{origin}: {key}.url must be an http(s) URL")
        fmt = body.get("format", "standard")
        if fmt not in ("standard", "slack"):
            raise ConfigError(f'{origin}: {key}.format must be "standard" or "slack"')
        secret_env = body.get("secret_env", "")
        if not isinstance(secret_env, str):
            raise ConfigError(f"{origin}: {key}.secret_env must name an environment variable")
        secret = environ.get(secret_env) if secret_env else None
        if fmt == "standard" and not secret:
            raise ConfigError(
                f"{origin}: {key} needs a signing secret: set secret_env and that variable "
                "(base64, whsec_ prefix allowed)"
            )
        if secret and not _base64(secret.removeprefix("whsec_")):
            raise ConfigError(
                f"{origin}: {key}: the secret in {secret_env} is not base64 (a Standard "
                "Webhooks secret, e.g. whsec_ followed by base64)"
            )
        # a sink's name is what `tracker alerts` shows: never the URL's path, which may be
        # the secret itself (Slack)
        name = body.get("name") or f"webhook:{parts.hostname}"
        if not isinstance(name, str):
            raise ConfigError(f"{origin}: {key}.name must be a string")
        taken = {w.name for w in out}
        if name in taken:
            name = next(f"{name}-{n}" for n in range(2, 100) if f"{name}-{n}" not in taken)
        events, wanted = _filters(body, key, origin, roots)
        out.append(WebhookConfig(name, str(url), secret_env, secret, events, wanted, fmt))
    return tuple(out)


def _base64(text: str) -> bool:
    try:
        return bool(base64.b64decode(text + "==", validate=True))
    except (binascii.Error, ValueError):
        return False


def parse_email(
    raw: Any, origin: str, roots: Mapping[str, Any], environ: Mapping[str, str]
) -> EmailConfig | None:
    if raw is None:
        return None
    key = "alerts.email"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{origin}: [{key}] must be a table")
    extra = set(raw) - {"smtp_url", "user", "password_env", "from", "to", "events", "roots"}
    if extra:
        raise ConfigError(f"{origin}: unknown key {key}.{sorted(extra)[0]}")
    url = raw.get("smtp_url")
    if not isinstance(url, str) or not url.startswith(("smtp://", "smtps://")):
        raise ConfigError(f'{origin}: {key}.smtp_url must look like "smtp://host:587"')
    sender, to = raw.get("from"), raw.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(sender, str) or "@" not in sender:
        raise ConfigError(f'{origin}: {key}.from must be an address like "tracker@example.org"')
    if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
        raise ConfigError(f'{origin}: {key}.to must list addresses like ["audit@example.org"]')
    user, password_env = raw.get("user", ""), raw.get("password_env", "")
    if not isinstance(user, str) or not isinstance(password_env, str):
        raise ConfigError(f"{origin}: {key}.user and password_env must be strings")
    password = environ.get(password_env) if password_env else None
    events, wanted = _filters(raw, key, origin, roots)
    return EmailConfig(url, sender, tuple(to), user, password_env, password, events, wanted)
