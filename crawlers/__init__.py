"""Hub crawlers behind one interface (`crawlers.base.Crawler`), looked up by hub name."""

from __future__ import annotations

import importlib

from crawlers.base import Crawler

# hub name -> "module:Class"; a new hub is one module plus one line here.
REGISTRY: dict[str, str] = {
    "huggingface": "crawlers.huggingface:HuggingFaceCrawler",
    "modelscope": "crawlers.modelscope:ModelScopeCrawler",
    "github": "crawlers.github:GitHubCrawler",
}


def crawler_class(hub: str) -> type[Crawler]:
    """The crawler class for a hub, imported only when asked for (keeps CLI start-up fast)."""
    module_name, _, class_name = REGISTRY[hub].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
