"""What a crawl tells: progress while it runs (an observer), and its report at the end.

The report says what happened (status, counts per root, requests per hub, errors); it decides
no exit code: the CLI edge (`tracker.cli_errors.crawl_exit_code`) maps it to one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tracker.config import Config


class Observer(Protocol):
    """Progress for a person; the CLI gives a rich status line, tests give nothing. A stage
    may say which step it is out of how many (`step` of `of`, from 1) when that is known."""

    def stage(self, message: str, step: int | None = None, of: int | None = None) -> None: ...
    def advance(self, count: int) -> None: ...


class Silent:
    """The observer for when no one watches."""

    def stage(self, message: str, step: int | None = None, of: int | None = None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


@dataclass
class RootCounts:
    new: int = 0
    changed: int = 0
    removed: int = 0
    renamed: int = 0
    seen: int = 0


@dataclass
class RootKeys:
    """The node keys behind a root's counts, for scripts (`tracker crawl --format json`)."""

    new: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    renamed: set[tuple[str, str]] = field(default_factory=set)  # (old key, new key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "new": sorted(self.new),
            "changed": sorted(self.changed),
            "removed": sorted(self.removed),
            "renamed": [{"from": old, "to": new} for old, new in sorted(self.renamed)],
        }


@dataclass
class CrawlReport:
    run_id: int
    status: str  # ok, partial, interrupted, failed
    roots: dict[str, RootCounts] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: int = 0
    license_issues: dict[str, int] = field(default_factory=dict)
    # failed only because the hubs could not be reached or rate-limited beyond the ceiling
    hubs_down: bool = False
    alerts: list[str] = field(default_factory=list)  # what each sink took after the crawl
    keys: dict[str, RootKeys] = field(default_factory=dict)  # root -> the keys counted
    new_issues: list[tuple[str, str]] = field(default_factory=list)  # (node key, code)
    # hub -> why no connection could be made ("cannot reach URL: connection refused"); its
    # errors are in `errors` too, for the run's record, and told once (`unreachable_line`)
    unreachable: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "roots": {
                name: {**vars(c), "nodes": self.keys.get(name, RootKeys()).to_dict()}
                for name, c in self.roots.items()
            },
            "requests": self.requests,
            "errors": self.errors,
            "warnings": self.warnings,
            "license_issues": self.license_issues,
            "alerts": self.alerts,
            "unreachable": self.unreachable,
        }

    def other_errors(self) -> list[str]:
        """The errors but those of unreachable hubs (which `unreachable_line` tells)."""
        told = [f" on {hub}: {text}" for hub, text in self.unreachable.items()]
        return [e for e in self.errors if not any(t in f" {e}" for t in told)]


_NAMED = 10  # keys named one by one in a run's findings line; the rest counted


def _some(items: list[str]) -> str:
    more = len(items) - _NAMED
    return ", ".join(items[:_NAMED]) + (f" and {more} more" if more > 0 else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def findings(report: CrawlReport, roots_own: Collection[str] = ()) -> str:
    """One line for a log: what the run found. New derivatives (a root's own node is not its
    derivative, `roots_own` names them), new license issues, then other changes counted."""
    own = {key.lower() for key in roots_own}
    new = sorted({k for keys in report.keys.values() for k in keys.new if k.lower() not in own})
    issues = [f"{key} {code}" for key, code in report.new_issues]
    parts = [_plural(len(new), "new derivative") + (f" ({_some(new)})" if new else ""),
             _plural(len(issues), "new license issue") + (f" ({_some(issues)})" if issues else "")]
    for what in ("changed", "removed", "renamed"):
        count = sum(getattr(c, what) for c in report.roots.values())
        if count:
            parts.append(f"{count} {what}")
    return f"run {report.run_id} found " + ", ".join(parts)


def unreachable_line(report: CrawlReport, config: Config, *, readme: str = "README.md") -> str:
    """One line for every hub that could not be reached: its endpoint, the setting that names
    it and where this value came from, the reason, and where to read how to try the tracker
    without a network."""
    from crawlers.hubs import HUB_TABLE

    env: dict[str, str] = {info.name: info.endpoint_env for info in HUB_TABLE}
    parts = []
    for hub, text in report.unreachable.items():
        origin = config.origins.get(f"hubs.{hub}.endpoint", "")
        setting = f"{env.get(hub, '')} or [hubs.{hub}] endpoint".strip()
        where = f"{setting}; this one from {origin}" if origin else f"{setting}; the default"
        endpoint, _, why = text.removeprefix("cannot reach ").rpartition(": ")
        parts.append(f"{endpoint} for {hub} ({where}): {why}")
    kept = "" if report.status == "failed" else "; what the other hubs gave is kept"
    return (f"cannot reach {'; '.join(parts)}{kept}. Tip: check the network and the "
            f'setting; to try the tracker without one, see "Try it offline" in {readme}')


def run_status(*, attempted: int, failed: int, errors: bool, stored: int) -> str:
    """ok without errors; failed when every (root, hub) failed and nothing was stored; else
    partial: what was found before the failure is kept."""
    if not errors:
        return "ok"
    if attempted and failed >= attempted and not stored:
        return "failed"
    return "partial"


def hubs_were_down(status: str, failed_hubs: Collection[str], down: Collection[str]) -> bool:
    """Whether a failed run failed only because its hubs could not be reached (or rate-limited
    beyond the ceiling), rather than for a reason of ours."""
    return status == "failed" and bool(failed_hubs) and all(hub in down for hub in failed_hubs)
