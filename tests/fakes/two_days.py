"""A scripted hub whose world changes between two crawl days, for the history tests.

Day 1 lists a Grok-1 family (a conversion, its quantization, fine-tunes, an adapter, an MLX
port) and a Grok-2 conversion; on day 2 Alice's fine-tune and Bob's old id are gone from the
listings, a quantization is new, a license, a download count and a relation changed, and one
member is gated. `Hub` answers listings per root and counts direct lookups (`check`).
"""

from __future__ import annotations

from crawlers.base import Crawler, FileRecord, HubError, RepoRecord
from tests.fakes.scripted import claim, rec

APACHE = {"license": "apache-2.0"}
GROK2 = {"license": "other", "license_name": "grok-2"}


def files(seed: str) -> tuple[FileRecord, ...]:
    return (FileRecord("model.safetensors", 100, seed * 64),)


def world_day1() -> dict[str, list]:
    return {
        "grok-1": [
            rec("xai-org/grok-1", files=files("a")),
            rec("keyfan/grok-1-hf", files=files("b")),
            claim("xai-org/grok-1", "keyfan/grok-1-hf", "conversion"),
            rec("someone/grok-1-hf-GGUF", license_raw={}, files=files("c")),
            claim("keyfan/grok-1-hf", "someone/grok-1-hf-GGUF", "quantization"),
            rec("alice/grok-1-ft", files=files("d")),
            claim("keyfan/grok-1-hf", "alice/grok-1-ft", "finetune"),
            rec("bob/grok-1-lora", files=files("e")),
            claim("xai-org/grok-1", "bob/grok-1-lora", "adapter"),
            rec("carol/grok-1-mlx", files=files("f"), downloads=10),
            claim("keyfan/grok-1-hf", "carol/grok-1-mlx", "quantization"),
            rec("dave/grok-1-instruct", files=files("1")),
            claim("xai-org/grok-1", "dave/grok-1-instruct", "finetune"),
        ],
        "grok-2": [
            rec("xai-org/grok-2", license_raw=GROK2, files=files("2")),
            rec("eve/grok-2-fp8", license_raw=GROK2, files=files("3")),
            claim("xai-org/grok-2", "eve/grok-2-fp8", "conversion"),
        ],
    }


def world_day2() -> dict[str, list]:
    """Alice's fine-tune and Bob's old id are gone from the listings; the rest changed."""
    return {
        "grok-1": [
            rec("xai-org/grok-1", files=files("a")),
            rec("keyfan/grok-1-hf", files=files("b")),
            claim("xai-org/grok-1", "keyfan/grok-1-hf", "conversion"),
            rec("someone/grok-1-hf-GGUF", license_raw={}, files=files("c")),
            claim("keyfan/grok-1-hf", "someone/grok-1-hf-GGUF", "quantization"),
            rec("someone/grok-1-Q8-GGUF", license_raw={}, files=files("4")),
            claim("keyfan/grok-1-hf", "someone/grok-1-Q8-GGUF", "quantization"),
            rec("carol/grok-1-mlx", license_raw={"license": "mit"}, files=files("f"), downloads=25),
            claim("keyfan/grok-1-hf", "carol/grok-1-mlx", "quantization"),
            rec("dave/grok-1-instruct", status="gated", gated=True, files=files("1")),
            claim("xai-org/grok-1", "dave/grok-1-instruct", "finetune"),
        ],
        "grok-2": [
            rec("xai-org/grok-2", license_raw=GROK2, files=files("2")),
            rec("eve/grok-2-fp8", license_raw=GROK2, files=files("3")),
            claim("xai-org/grok-2", "eve/grok-2-fp8", "quantization"),
        ],
    }


# What a direct lookup answers on day 2: Bob's old id redirects; anything else unlisted is 404.
CHECKS_DAY2 = {
    "bob/grok-1-lora": rec("bob/grok-1-lora-v2", renamed_from="bob/grok-1-lora", files=files("e")),
}


class Hub(Crawler):
    """A scripted hub: listings per root, direct lookups (`check`) counted as requests."""

    hub = "huggingface"

    def __init__(self, world, checks=None, fail_roots=()):
        super().__init__()
        self.world, self.checks, self.fail_roots = world, checks or {}, fail_roots
        self.checked: list[str] = []

    def crawl(self, ctx):
        for item in self.world.get(ctx.root.name, []):
            if ctx.root.name in self.fail_roots:
                # this root's walk fails; the hub still answers for the other root
                raise HubError("listing failed with 500 after 5 retries", hub="huggingface")
            self.requests["listing"] += 1
            if (
                isinstance(item, RepoRecord)
                and item.files is not None
                and ctx.known_shas.get(item.repo_id) == item.sha
            ):
                item = RepoRecord(**{**vars(item), "files": None})
            yield item

    def check(self, repo_id):
        self.requests["model_info"] += 1
        self.checked.append(repo_id)
        return self.checks.get(
            repo_id, RepoRecord(hub="huggingface", repo_id=repo_id, status="removed")
        )
