"""What a crawl tells: progress while it runs (an observer), and its report at the end.

The report says what happened (status, counts per root, requests per hub, errors); it decides
no exit code: the CLI edge (`tracker.cli_errors.crawl_exit_code`) maps it to one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol


class Observer(Protocol):
    """Progress for a person; the CLI gives a rich status line, tests give nothing."""

    def stage(self, message: str) -> None: ...
    def advance(self, count: int) -> None: ...


class Silent:
    """The observer for when no one watches."""

    def stage(self, message: str) -> None:
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
        }


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
