"""Builders for tests of the GitHub crawler against a fake REST API (`responses`): answers,
a crawler on a fake clock, crawl contexts, and what to assert of what a crawl yields."""

from __future__ import annotations

from responses import matchers

from crawlers.base import (
    CrawlContext,
    CrawlWarning,
    LineageClaim,
    RepoRecord,
    RootSpec,
)
from crawlers.github.crawler import GitHubCrawler

API = "https://api.github.com"

ROOT = "xai-org/grok-1"

NOW = 1_700_000_000.0

TOKEN = "ghp_secret_token_value"


class Clock:
    """Wall clock stand-in: `sleep` records the delay and moves time on."""

    def __init__(self) -> None:
        self.now = NOW
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def repo(full: str, *, forks: int = 0, stars: int = 1, spdx: str | None = "Apache-2.0", **kw):
    body = {
        "id": abs(hash(full)) % 10**8,
        "full_name": full,
        "html_url": f"https://github.com/{full}",
        "created_at": "2024-03-18T10:00:00Z",
        "pushed_at": "2024-04-01T12:30:00Z",
        "stargazers_count": stars,
        "forks_count": forks,
        "default_branch": "main",
        "fork": full != ROOT,
        "license": {"key": (spdx or "").lower(), "spdx_id": spdx, "name": "x"} if spdx else None,
        "owner": {"login": full.split("/")[0], "avatar_url": "https://x/y.png"},
    }
    body.update(kw)
    return body


def q(**params):
    return [matchers.query_param_matcher({k: str(v) for k, v in params.items()})]


def crawler(clock: Clock, **kw) -> GitHubCrawler:
    kw.setdefault("search", False)
    return GitHubCrawler(API, sleep=clock.sleep, clock=clock, jitter=lambda: 0.0, **kw)


def ctx(*roots: str, members: dict | None = None, terms=("grok",), rejected=None) -> CrawlContext:
    return CrawlContext(
        RootSpec("grok-1", tuple(roots), terms),
        members={} if members is None else members,
        rejected=rejected or {},
    )


def forks_url(repo_id: str) -> str:
    return f"{API}/repos/{repo_id}/forks"


def split(items):
    records = [i for i in items if isinstance(i, RepoRecord)]
    claims = [i for i in items if isinstance(i, LineageClaim)]
    warnings = [i for i in items if isinstance(i, CrawlWarning)]
    return records, claims, warnings


def assert_claims_after_records(items) -> None:
    yielded: set[str] = set()
    for item in items:
        if isinstance(item, RepoRecord):
            yielded.add(item.key)
        elif isinstance(item, LineageClaim):
            assert item.child in yielded, item
            assert item.parent in yielded or item.parent.startswith("huggingface:"), item
