"""`tracker doctor`: one line per thing a crawl needs, checked now.

Each configured hub's endpoint gets one cheap request through the crawler's own client (a
lookup of the first root repo on that hub, no retry, a short timeout), which also tells
whether the hub takes the token; the database is opened read-only (reachable, schema
revision, writable); the crawl and sweep locks are read, never taken. A check is `ok`,
`warn` (works, with something to know), `fail` (a crawl would fail on it) or `skip` (a hub
the crawls do not cover).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from crawlers import crawler_class
from crawlers.base import Crawler, HubError, RateLimited, TokenRejected
from crawlers.hubs import HUBS, hub_info
from db import repository as repo
from tracker.config import Config

PROBE_REPO = "xai-org/grok-1"
STATUSES = ("ok", "warn", "fail", "skip")  # looked up on a hub where no root names a repo


@dataclass
class Check:
    check: str  # what was checked: database, lock, a hub's name, "<hub> token"
    status: str  # ok, warn, fail, skip
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "just now"


def database_checks(config: Config) -> list[Check]:
    """The database (reachable, schema current, writable) and the locks (free or whose)."""
    health = repo.database_health(config.database_url)
    where = health["where"]
    if health["error"]:
        return [Check("database", "fail", f"{where}: {health['error']}")]
    if not health["exists"]:
        if not health["writable"]:
            return [Check("database", "fail", f"no database at {where}, and its folder is not "
                                              "writable: a crawl cannot create it")]
        return [Check("database", "warn", f"no database at {where} yet; `tracker crawl` "
                                          "creates it")]
    revision, head = health["revision"], health["head"]
    if revision is None:
        state, status = "no tracker schema yet (a crawl creates it)", "warn"
    elif not health["known"]:
        state, status = (f"schema {revision} is unknown to this version (a newer tracker or "
                         "another application)"), "fail"
    elif revision != head:
        state, status = f"schema {revision}, older than {head} (a crawl upgrades it)", "warn"
    else:
        state, status = f"schema {revision} (current)", "ok"
    if not health["writable"]:
        state, status = f"{state}; read-only: crawls cannot write", "fail"
    else:
        state += ", writable"
    checks = [Check("database", status, f"{where}: {state}")]
    for name, holder in health["locks"].items():
        if holder is None:
            checks.append(Check(f"{name} lock", "ok", "free"))
        elif holder["alive"]:
            checks.append(Check(f"{name} lock", "warn", f"held by {holder['holder']} since "
                                                        f"{_when(holder['since'])}"))
        else:
            checks.append(Check(f"{name} lock", "ok", f"free (left by {holder['holder']}, "
                                                      "which is gone; the next taker takes it)"))
    sweeping = health["locks"].get("sweep")
    for sweep in health["sweeps"]:
        checks.append(_sweep_check(sweep, running=bool(sweeping and sweeping["alive"])))
    return checks


def _sweep_check(sweep: dict[str, Any], *, running: bool) -> Check:
    """The hub's last sweep: complete, running, or stopped with something left to finish."""
    name, number = f"{sweep['hub']} sweep", sweep["sweep"]
    if sweep["status"] == "complete":
        return Check(name, "ok", f"sweep {number} complete ({_when(sweep['finished_at'])})")
    if sweep["status"] == "stored" and running:  # its last step, or the next sweep redoing it
        return Check(name, "ok", f"sweep {number} stored every page; storing big families "
                                 "together")
    if sweep["status"] == "stored":
        return Check(name, "warn", f"sweep {number} stored every page but stopped before "
                                   "storing big families together; their lineage is walked "
                                   "edge by edge (slower) until `tracker sweep` finishes it")
    if running:
        return Check(name, "ok", f"sweep {number} running ({sweep['pages']} pages so far)")
    return Check(name, "warn", f"sweep {number} stopped after {sweep['pages']} pages; "
                               "`tracker sweep` resumes it there")


def _probe_repo(config: Config, hub: str) -> str:
    for root in config.roots.values():
        ids = root.repo_ids(hub)
        if ids:
            return ids[0]
    return PROBE_REPO


def _default_factory(hub: str, config: Config, timeout: float) -> Crawler:
    settings = config.hubs[hub]
    return crawler_class(hub)(endpoint=settings.endpoint, token=settings.token, retries=0,
                              max_retry_wait=0.0, timeout=timeout)


def hub_checks(
    config: Config,
    *,
    timeout: float = 10.0,
    factory: Callable[[str, Config, float], Crawler] = _default_factory,
    clock: Callable[[], float] = time.monotonic,
) -> list[Check]:
    """For each hub a crawl covers (`crawl.hubs`): one lookup, and what it says of the token."""
    checks = []
    wanted = config.get("crawl.hubs").split(",")
    for hub in HUBS:
        settings = config.hubs[hub]
        token_env = settings.token_env or hub_info(hub).token_env
        if hub not in wanted:
            checks.append(Check(hub, "skip", f"not checked: not in crawl.hubs "
                                           f"({config.get('crawl.hubs')})"))
            continue
        crawler = factory(hub, config, timeout)
        began = clock()
        try:
            crawler.check(_probe_repo(config, hub))
        except TokenRejected as exc:
            checks.append(Check(hub, "ok", f"{settings.endpoint} answered"))
            checks.append(Check(f"{hub} token", "fail", f"{token_env} was rejected: "
                                                        f"{_line(exc)}"))
            continue
        except RateLimited as exc:
            checks.append(Check(hub, "warn", f"{settings.endpoint} is rate-limiting: "
                                             f"{_line(exc)}"))
            continue
        except HubError as exc:
            checks.append(Check(hub, "fail", f"{_line(exc)} (hubs.{hub}.endpoint)"))
            continue
        finally:
            crawler.close()
        checks.append(Check(hub, "ok", f"{settings.endpoint} answered in "
                                       f"{clock() - began:.2f} s"))
        if settings.token:
            checks.append(Check(f"{hub} token", "ok", f"{token_env} is set and accepted"))
        else:
            checks.append(Check(f"{hub} token", "warn", f"{token_env} is not set: anonymous "
                                                        "requests, lower rate limits"))
    return checks


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def doctor(config: Config, *, timeout: float = 10.0, **hub_options: Any) -> list[Check]:
    """Every check, in the order `tracker doctor` prints them."""
    source = "built-in defaults" if config.source == "defaults" else config.source
    return [
        Check("config", "ok", f"{source} (`tracker config` shows every value)"),
        *database_checks(config),
        *hub_checks(config, timeout=timeout, **hub_options),
    ]


def render_checks(checks: list[Check], width: int = 80) -> str:
    """One line per check (a long detail goes on under itself, broken between words, so
    nothing is wider than `width`), then a verdict."""
    import textwrap

    name_width = max(len(c.check) for c in checks)
    indent = " " * (4 + 2 + name_width + 2)
    lines = []
    for c in checks:
        lines += textwrap.wrap(f"{c.status:<4}  {c.check:<{name_width}}  {c.detail}", width,
                               subsequent_indent=indent, break_on_hyphens=False,
                               break_long_words=False)
    count = {status: sum(c.status == status for c in checks) for status in STATUSES}
    warnings = f"{count['warn']} warning{'' if count['warn'] == 1 else 's'}"
    lines += ["", f"{count['fail']} failed, {warnings}, {count['skip']} skipped, "
                  f"{count['ok']} ok"]
    return "\n".join(lines)
