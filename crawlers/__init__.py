"""Hub crawlers behind one interface (`crawlers.base.Crawler`), looked up by hub name."""

from __future__ import annotations

import importlib

from crawlers.base import Crawler
from crawlers.hubs import hub_info


def crawler_class(hub: str) -> type[Crawler]:
    """The crawler class of a hub in the hub table (crawlers/hubs.py), imported only when
    asked for (keeps CLI start-up fast)."""
    module_name, _, class_name = hub_info(hub).crawler.partition(":")
    crawler: type[Crawler] = getattr(importlib.import_module(module_name), class_name)
    return crawler
