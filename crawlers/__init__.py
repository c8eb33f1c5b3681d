"""Hub crawlers behind one interface (`crawlers.base.Crawler`), looked up by hub name."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from crawlers.base import Crawler
from crawlers.hubs import hub_info

# A hub's crawler class, called with the settings of its config section (endpoint=, token=,
# retries=, ... as README "Extending" lists); each hub's own keywords differ a little.
CrawlerClass = Callable[..., Crawler]


def crawler_class(hub: str) -> CrawlerClass:
    """The crawler class of a hub in the hub table (crawlers/hubs.py), imported only when
    asked for (keeps CLI start-up fast)."""
    module_name, _, class_name = hub_info(hub).crawler.partition(":")
    crawler: CrawlerClass = getattr(importlib.import_module(module_name), class_name)
    return crawler
