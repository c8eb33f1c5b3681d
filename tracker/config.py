"""Configuration: one frozen `Config`, built once, validated in one place.

Precedence is CLI flag > environment > config file > built-in defaults. Each scalar setting
is declared once in `SETTINGS` with its default, environment variable and help, so validation,
`tracker --help` and the README come from the same table. A bad file or value raises
`ConfigError` naming the key and what is expected; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from crawlers.base import is_valid_repo_id, split_key
from crawlers.hubs import HUB_TABLE, HUBS
from graph.licenses import is_known, license_components, normalize_license_id
from tracker.config_alerts import (  # noqa: F401  (ALERT_KINDS: read from here too)
    ALERT_KINDS,
    EmailConfig,
    WebhookConfig,
    parse_email,
    parse_webhooks,
)
from tracker.errors import ConfigError

# Settings that only some commands use (crawl, sweep, schedule, alerts): with strict=False
# their errors wait for those commands (Config.require), so a bad TRACKER_CRON or endpoint
# never stops `tracker lineage`.
USED_BY_SOME = ("schedule.", "hubs.", "crawl.", "alerts.")


@dataclass(frozen=True)
class Setting:
    key: str  # dotted path in config.toml
    default: Any
    help: str
    env: str | None = None
    kind: type = str
    maximum: float | None = None  # numbers: the largest value that makes sense


SETTINGS: tuple[Setting, ...] = (
    Setting("database.url", "sqlite:///tracker.db", "any SQLAlchemy URL", "TRACKER_DATABASE_URL"),
    *(  # from the hub table, two per hub
        setting
        for hub in HUB_TABLE
        for setting in (
            Setting(f"hubs.{hub.name}.endpoint", hub.endpoint, hub.endpoint_help,
                    hub.endpoint_env),
            Setting(f"hubs.{hub.name}.token_env", hub.token_env,
                    f"variable holding the {hub.title} token"),
        )
    ),
    Setting("schedule.cron", "0 4 * * *", "crontab line for `tracker schedule`", "TRACKER_CRON"),
    Setting("schedule.timezone", "UTC", "time zone of the cron line"),
    Setting("logging.file", "", "also append logs to this file", "TRACKER_LOG_FILE"),
    Setting("logging.level", "INFO", "DEBUG, INFO, WARNING or ERROR", "TRACKER_LOG_LEVEL"),
    Setting(
        "crawl.max_retry_wait",
        300.0,
        "seconds one hub call may wait out 429s, in all, before giving up",
        "TRACKER_MAX_RETRY_WAIT",
        float,
        86_400,
    ),
    Setting("crawl.retries", 5, "retries of a 5xx, timeout or dropped connection", None, int,
            100),
    Setting("crawl.timeout", 30.0, "seconds before a hub request times out", None, float,
            3600),
    Setting("crawl.batch_size", 500, "records committed per transaction", None, int, 100_000),
    Setting("crawl.max_depth", 10_000, "edges from a root a crawl follows at most", None, int,
            1_000_000),
    Setting("crawl.max_members", 200_000, "members of one family per hub at most", None, int,
            10_000_000),
    Setting("crawl.max_pages", 1_000, "pages of one hub listing followed at most", None, int,
            1_000_000),
    Setting(
        "crawl.hubs",
        ",".join(HUBS),
        "hubs a crawl covers when --hub is not given (comma-separated)",
        "TRACKER_HUBS",
    ),
    Setting(
        "licenses.rules", "", "a rules TOML file replacing the shipped one", "TRACKER_LICENSE_RULES"
    ),
    Setting("alerts.feed", "", "Atom file rewritten after each crawl (empty: no feed)"),
    Setting("alerts.feed_entries", 200, "entries the Atom feed keeps", None, int),
    Setting("alerts.timeout", 10.0, "seconds a webhook or mail server may take", None, float),
    Setting("alerts.retry_after", 300.0, "first wait (s) after a sink fails; doubles", None, float),
)
_BY_KEY = {s.key: s for s in SETTINGS}

DEFAULT_ROOTS: dict[str, dict[str, Any]] = {
    "grok-1": {
        "nodes": ["huggingface:xai-org/grok-1", "github:xai-org/grok-1"],
        "license": "apache-2.0",
    },
    "grok-2": {"nodes": ["huggingface:xai-org/grok-2"], "license": "grok-2"},
}


ROOT_KEYS = frozenset({"nodes", "license", "search_terms"})


@dataclass(frozen=True)
class RootConfig:
    name: str
    nodes: tuple[str, ...]
    license: str
    search_terms: tuple[str, ...] = ("grok",)

    def repo_ids(self, hub: str) -> tuple[str, ...]:
        return tuple(split_key(k)[1] for k in self.nodes if split_key(k)[0] == hub)


@dataclass(frozen=True)
class HubConfig:
    name: str
    endpoint: str
    token_env: str
    token: str | None = field(default=None, repr=False)  # never printed


@dataclass(frozen=True)
class Config:
    database_url: str
    roots: Mapping[str, RootConfig]
    hubs: Mapping[str, HubConfig]
    values: Mapping[str, Any]  # every SETTINGS key, resolved
    source: str = "defaults"  # the file it came from, for messages
    webhooks: tuple[WebhookConfig, ...] = ()
    email: EmailConfig | None = None
    # where each SETTINGS value came from: "command line", "environment VAR", the file, or
    # "" for the built-in default (`tracker config` shows it)
    origins: Mapping[str, str] = field(default_factory=dict)
    # strict=False: key -> its error, or the check still to run (Config.require)
    problems: Mapping[str, str | Callable[[], None]] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values[key]

    def require(self, *prefixes: str) -> Config:
        """Raise the first error among the settings under `prefixes` (every one if none)."""
        for key, problem in self.problems.items():
            if not prefixes or key.startswith(prefixes):
                if callable(problem):
                    problem()
                else:
                    raise ConfigError(problem)
        return self


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    where = f"{origin}: {setting.key}" if origin else setting.key
    try:
        if setting.kind is str:
            if not isinstance(value, str):
                raise TypeError
            return value.strip()
        if setting.kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError
            result: int | float = int(value)
        else:
            result = float(value)
    except (TypeError, ValueError, OverflowError):
        kind = {int: "a whole number", float: "a number"}.get(setting.kind, "a string")
        raise ConfigError(f"{where} must be {kind}, got {value!r}") from None
    if not math.isfinite(result):  # `inf` or `nan`: never a timeout or a wait
        raise ConfigError(f"{where} must be a finite number, got {value!r}")
    if result < 0:
        raise ConfigError(f"{where} must not be negative, got {value!r}")
    if setting.maximum is not None and result > setting.maximum:
        raise ConfigError(f"{where} must be at most {setting.maximum:g}, got {value!r}")
    return result


def _parse_roots(raw: Any, origin: str) -> dict[str, RootConfig]:
    if raw is None:
        raw = DEFAULT_ROOTS
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"{origin}: [roots] must hold at least one [roots.NAME] table")
    roots = {}
    for name, body in raw.items():
        key = f"roots.{name}"
        if not isinstance(body, Mapping):
            raise ConfigError(f"{origin}: {key} must be a table with nodes = [...]")
        for unknown in sorted(set(body) - ROOT_KEYS):  # `licence = ...` must not pass silently
            raise ConfigError(
                f"{origin}: unknown key {key}.{unknown}; known: {', '.join(sorted(ROOT_KEYS))}"
            )
        nodes = body.get("nodes")
        if not isinstance(nodes, list) or not nodes:
            raise ConfigError(
                f"{origin}: {key}.nodes must be a non-empty list of node keys like "
                '["huggingface:xai-org/grok-1"]'
            )
        for node in nodes:
            try:
                _hub, repo_id = split_key(node if isinstance(node, str) else "")
            except ValueError:
                raise ConfigError(
                    f"{origin}: {key}.nodes has {node!r}; expected <hub>:<owner>/<name> with hub "
                    f"one of {', '.join(HUBS)}"
                ) from None
            if not is_valid_repo_id(repo_id):
                raise ConfigError(f"{origin}: {key}.nodes has {node!r}; not an owner/name id")
        license_id = body.get("license", "")
        terms = body.get("search_terms", ["grok"])
        if not isinstance(license_id, str):
            raise ConfigError(f'{origin}: {key}.license must be a string like "apache-2.0"')
        if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
            raise ConfigError(f'{origin}: {key}.search_terms must be a list of words like ["grok"]')
        canonical = normalize_license_id(license_id)
        unknown_ids = [c for c in license_components(canonical) if not is_known(c)]
        if unknown_ids:
            raise ConfigError(
                f"{origin}: {key}.license has unknown license id {unknown_ids[0]!r}; use a Hub "
                'or SPDX id such as "apache-2.0" or "grok-2"'
            )
        roots[name] = RootConfig(name, tuple(nodes), canonical, tuple(terms))
    return roots


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Config:
    """Build the one `Config`. `path=None` reads ./config.toml when present, else defaults.

    `overrides` are CLI flags by setting key (e.g. {"database.url": ...}); they win over all.
    With `strict=False` an error in a setting of USED_BY_SOME is kept in `problems` (the
    setting keeps its default) for `Config.require` by the commands that use it.
    """
    environ = os.environ if environ is None else environ
    problems: dict[str, str | Callable[[], None]] = {}

    def later(key: str, check: Callable[[], Any], default: Any = None) -> Any:
        try:
            return check()
        except ConfigError as exc:
            if strict or not key.startswith(USED_BY_SOME):
                raise
            problems.setdefault(key, str(exc))
            return default

    data: dict[str, Any] = {}
    origin = ""
    if path is None and Path("config.toml").is_file():
        path = "config.toml"
    if path is not None:
        origin = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {origin} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{origin} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {origin}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:  # tomllib reads UTF-8 only
            raise ConfigError(
                f"{origin} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
            ) from None
        _reject_unknown(data, origin)

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for setting in SETTINGS:
        value, where = setting.default, ""
        from_file = _lookup(data, setting.key)
        if from_file is not None:
            value, where = from_file, origin
        if setting.env and environ.get(setting.env):
            value, where = environ[setting.env], f"environment {setting.env}"
        if overrides and overrides.get(setting.key) is not None:
            value, where = overrides[setting.key], "command line"
        values[setting.key] = later(
            setting.key, partial(_coerce, setting, value, where), setting.default
        )
        origins[setting.key] = where

    level = values["logging.level"].upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"logging.level must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    values["logging.level"] = level
    for key in ("crawl.timeout", "alerts.timeout"):
        later(key, partial(_positive, key, values[key]))
    values["crawl.hubs"] = later("crawl.hubs", lambda: _hub_list(values["crawl.hubs"]),
                                 values["crawl.hubs"])
    cron = values["schedule.cron"], values["schedule.timezone"]
    if strict:
        _validate_cron(*cron)
    else:  # checked when `schedule` asks: reading a cron line loads APScheduler (0.1 s)
        problems["schedule.cron"] = lambda: _validate_cron(*cron)

    hubs: dict[str, HubConfig] = {
        hub: HubConfig(
            hub,
            values[f"hubs.{hub}.endpoint"].rstrip("/"),
            values[f"hubs.{hub}.token_env"],
            environ.get(values[f"hubs.{hub}.token_env"]) or None,
        )
        for hub in HUBS
    }
    for hub in hubs.values():
        later(f"hubs.{hub.name}.endpoint", partial(_http_url, hub))
    roots = _parse_roots(data.get("roots"), origin or "defaults")
    alerts = data.get("alerts") or {}
    webhooks = later("alerts.webhooks", lambda: parse_webhooks(
        alerts.get("webhooks"), origin, roots, environ), ())
    email = later("alerts.email", lambda: parse_email(alerts.get("email"), origin, roots,
                                                       environ))
    return Config(values["database.url"], roots, hubs, values, origin or "defaults", webhooks,
                  email, origins, problems)


def _positive(key: str, value: float) -> None:
    if value <= 0:
        raise ConfigError(f"{key} must be more than 0 seconds, got {value!r}")


def _hub_list(text: str) -> str:
    wanted = [h.strip() for h in text.split(",") if h.strip()]
    if not wanted or any(h not in HUBS for h in wanted):
        raise ConfigError(f"crawl.hubs must list hubs among {', '.join(HUBS)}, got {text!r}")
    return ",".join(wanted)


def _http_url(hub: HubConfig) -> None:
    if not hub.endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"hubs.{hub.name}.endpoint must be an http(s) URL, got {hub.endpoint!r}")


_SECTIONS: dict[str, Callable[[str], bool]] = {
    "database": lambda k: f"database.{k}" in _BY_KEY,
    "schedule": lambda k: f"schedule.{k}" in _BY_KEY,
    "logging": lambda k: f"logging.{k}" in _BY_KEY,
    "crawl": lambda k: f"crawl.{k}" in _BY_KEY,
    "licenses": lambda k: f"licenses.{k}" in _BY_KEY,
    "alerts": lambda k: f"alerts.{k}" in _BY_KEY or k in ("webhooks", "email"),
    "roots": lambda k: True,
    "hubs": lambda k: k in HUBS,
}


def _reject_unknown(data: Mapping[str, Any], origin: str) -> None:
    """Typos must not pass silently: `[databse]` or `hubs.hugingface` is an error."""
    for section, body in data.items():
        if section not in _SECTIONS:
            raise ConfigError(
                f"{origin}: unknown section [{section}]; known: {', '.join(sorted(_SECTIONS))}"
            )
        if not isinstance(body, Mapping):
            raise ConfigError(f"{origin}: [{section}] must be a table")
        for key, value in body.items():
            if not _SECTIONS[section](key):
                raise ConfigError(f"{origin}: unknown key {section}.{key}")
            if section == "hubs":
                if not isinstance(value, Mapping):
                    raise ConfigError(f"{origin}: [hubs.{key}] must be a table")
                for sub in value:
                    if f"hubs.{key}.{sub}" not in _BY_KEY:
                        raise ConfigError(f"{origin}: unknown key hubs.{key}.{sub}")


def _validate_cron(line: str, timezone: str) -> None:
    from tracker.cron import validate_cron  # APScheduler: 0.1 s that only a cron line needs

    try:
        validate_cron(line, timezone)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def setting_help() -> list[tuple[str, str, str, str]]:
    """(key, default, env, help) rows, for `tracker config` and the README."""
    return [(s.key, str(s.default), s.env or "", s.help) for s in SETTINGS]
