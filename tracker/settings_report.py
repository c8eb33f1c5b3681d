"""`tracker config`: the effective settings, where each came from, secrets hidden.

Every scalar setting comes from `tracker.config.SETTINGS` (declared once there) with its
origin as `load_config` recorded it: `flag` (the command line), `environment` (and which
variable), `file` (and which) or `default`. Tokens, webhook secrets, mail passwords and the
password in a database URL are never shown: a token appears as set or not set, a webhook URL
as its scheme and host. The TOML output loads back as a config file.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tracker.config import DEFAULT_ROOTS, SETTINGS, Config

HIDDEN = "(hidden)"


def _origin(where: str) -> tuple[str, str]:
    """(kind, detail) of what `load_config` recorded for a setting."""
    if not where:
        return "default", ""
    if where == "command line":
        return "flag", ""
    if where.startswith("environment "):
        return "environment", where.removeprefix("environment ")
    return "file", where


def mask_url(url: str) -> str:
    """A URL with its password replaced (a database or SMTP URL)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc[-1]}"))


def _host_only(url: str) -> str:
    """A webhook URL cut to scheme and host: its path may be the secret itself (Slack)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/…"


def effective(config: Config) -> dict[str, Any]:
    """The settings as data: each with value, origin and its source; roots, tokens, alerts."""
    settings = {}
    for setting in SETTINGS:
        kind, source = _origin(config.origins.get(setting.key, ""))
        value = config.values[setting.key]
        if setting.key == "database.url":
            value = mask_url(value)
        settings[setting.key] = {"value": value, "origin": kind, "source": source}
    roots_origin = ("default" if config.source == "defaults" or _default_roots(config)
                    else "file")
    roots = {
        name: {"nodes": list(r.nodes), "license": r.license, "search_terms": list(r.search_terms)}
        for name, r in config.roots.items()
    }
    tokens = {
        hub: {"variable": h.token_env, "set": h.token is not None} for hub, h in config.hubs.items()
    }
    webhooks = [
        {"name": w.name, "url": _host_only(w.url), "format": w.format,
         "secret_env": w.secret_env, "secret_set": w.secret is not None,
         "events": list(w.events), "roots": list(w.roots)}
        for w in config.webhooks
    ]
    email = None
    if config.email is not None:
        e = config.email
        email = {"smtp_url": mask_url(e.smtp_url), "from": e.sender, "to": list(e.to),
                 "user": e.user, "password_env": e.password_env,
                 "password_set": e.password is not None, "events": list(e.events),
                 "roots": list(e.roots)}
    return {"config_file": "" if config.source == "defaults" else config.source,
            "settings": settings, "roots": roots, "roots_origin": roots_origin,
            "tokens": tokens, "webhooks": webhooks, "email": email}


def _default_roots(config: Config) -> bool:
    return {n: (list(r.nodes), r.license) for n, r in config.roots.items()} == {
        n: (list(r["nodes"]), r["license"]) for n, r in DEFAULT_ROOTS.items()
    }


# --- TOML ------------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # JSON's escapes are TOML's


def _line(key: str, value: Any, note: str, width: int = 80) -> list[str]:
    """`key = value  # note`, the note on a line of its own above when that is too wide."""
    line = f"{_key(key)} = {_value(value)}"
    if len(line) > width and isinstance(value, list | tuple):  # one item a line
        items = [f"    {_value(v)}," for v in value]
        return [*([f"# {note}"] if note else []), f"{_key(key)} = [", *items, "]"]
    if not note:
        return [line]
    if len(line) + len(note) + 4 <= width:
        return [f"{line}  # {note}"]
    return [f"# {note}", line]


def _note(entry: dict[str, Any]) -> str:
    """The origin after a value; a file's path is said once, in the header."""
    if entry["origin"] == "environment":
        return f"environment {entry['source']}"
    return str(entry["origin"])


def as_toml(data: dict[str, Any]) -> str:
    """The effective settings as a config file, each value's origin in a comment."""
    lines = [
        "# The tracker's effective settings; after each value, where it came from:",
        "# flag, environment VARIABLE, file or default. Secrets are never shown.",
        f"# file: {data['config_file'] or '(none: built-in defaults)'}",
    ]
    sections: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for key, entry in data["settings"].items():
        section, _, name = key.rpartition(".")
        sections.setdefault(section, []).append((name, entry))
    for section, entries in sections.items():
        lines += ["", f"[{'.'.join(_key(p) for p in section.split('.'))}]"]
        for name, entry in entries:
            lines += _line(name, entry["value"], _note(entry))
        hub = section.removeprefix("hubs.")
        if section.startswith("hubs.") and hub in data["tokens"]:
            token = data["tokens"][hub]
            lines.append(f"# token: {'set' if token['set'] else 'not set'} in "
                         f"{token['variable']} {HIDDEN if token['set'] else ''}".rstrip())
    for name, root in data["roots"].items():
        lines += ["", f"[roots.{_key(name)}]  # {data['roots_origin']}"]
        for key in ("nodes", "license", "search_terms"):
            lines += _line(key, root[key], "")
    for hook in data["webhooks"]:
        lines += ["", "[[alerts.webhooks]]"]
        for key in ("name", "url", "format", "secret_env", "events", "roots"):
            note = "path hidden" if key == "url" else (
                ("set" if hook["secret_set"] else "not set") if key == "secret_env" else "")
            lines += _line(key, hook[key], note)
    if data["email"]:
        lines += ["", "[alerts.email]"]
        for key in ("smtp_url", "from", "to", "user", "password_env", "events", "roots"):
            note = ("set" if data["email"]["password_set"] else "not set") \
                if key == "password_env" else ""
            lines += _line(key, data["email"][key], note)
    return "\n".join(lines)
