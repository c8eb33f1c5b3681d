"""A scripted crawler: a plain in-process `Crawler` that yields what a test scripts, and a
small Grok family to script, for tests of what the pipeline does with what a hub yields."""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.base import (
    Crawler,
    CrawlWarning,
    FileRecord,
    HubError,
    LineageClaim,
    RepoRecord,
)
from tracker.pipeline import crawl


def rec(repo_id, **kw) -> RepoRecord:
    kw.setdefault("sha", "a" * 40)
    kw.setdefault("license_raw", {"license": "apache-2.0"})
    return RepoRecord(hub="huggingface", repo_id=repo_id, **kw)


def claim(parent, child, relation="finetune") -> LineageClaim:
    return LineageClaim(
        f"huggingface:{parent}",
        f"huggingface:{child}",
        relation,
        "declared",
        1.0,
        f"card base_model: {parent}",
    )


class ScriptedCrawler(Crawler):
    hub = "huggingface"

    def __init__(self, world, fail_roots=(), checks=None, bug_roots=()):
        super().__init__()
        self.world, self.fail_roots, self.checks = world, fail_roots, checks or {}
        self.bug_roots = bug_roots

    def crawl(self, ctx):
        if ctx.root.name in self.bug_roots:
            yield from self.world.get(ctx.root.name, [])[:3]
            # a bug in the crawler's own code, half-way through this root
            raise ValueError("max() arg is an empty sequence")
        if ctx.root.name in self.fail_roots:
            yield from self.world.get(ctx.root.name, [])[:1]
            # a failure of this root's walk only; the hub still answers for other roots
            raise HubError("listing base_model:xai-org/grok-1 failed: 500", hub="huggingface")
        for item in self.world.get(ctx.root.name, []):
            self.requests["listing"] += 1
            if (
                isinstance(item, RepoRecord)
                and item.files is not None
                and ctx.known_shas.get(item.repo_id) == item.sha
            ):
                item = RepoRecord(**{**vars(item), "files": None})
            yield item

    def check(self, repo_id):
        return self.checks.get(
            repo_id, RepoRecord(hub="huggingface", repo_id=repo_id, status="removed")
        )


def family(extra=()):
    files = (FileRecord("model.safetensors", 10, "f" * 64),)
    return {
        "grok-1": [
            rec("xai-org/grok-1", files=files),
            rec("keyfan/grok-1-hf", files=(FileRecord("a.safetensors", 5, "b" * 64),)),
            claim("xai-org/grok-1", "keyfan/grok-1-hf", "conversion"),
            rec("someone/grok-1-hf-GGUF", license_raw={}),
            claim("keyfan/grok-1-hf", "someone/grok-1-hf-GGUF", "quantization"),
            CrawlWarning("card YAML is not valid", "huggingface:bad/card"),
            *extra,
        ],
        "grok-2": [
            rec("xai-org/grok-2", license_raw={"license": "other", "license_name": "grok-2"})
        ],
    }


def run(config, world, clock=None, **kw):
    crawler = ScriptedCrawler(world, **kw)
    clock = clock or (lambda: datetime(2026, 11, 20, 4, tzinfo=UTC))
    return crawl(
        config, hubs=["huggingface"], crawler_factory=lambda hub, cfg: crawler, clock=clock
    )
