"""Each hub's crawler, built from the config, and what a crawler keeps between runs.

`default_crawler_factory` builds the crawler the hub table names (crawlers/hubs.py) with the
configured endpoint, token and crawl limits; a hub that keeps ETags gets a `TrackedCache`
loaded from the database, and only the entries that changed are written back. `guarded`
turns a crawler's own bug into a failure of that root on that hub, not of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from crawlers import crawler_class
from crawlers.base import Cancelled, Crawler, CrawlerFault, HubError
from crawlers.hubs import hub_info
from db import repository as repo
from db.session import Engine, session_scope
from tracker.config import Config

log = logging.getLogger("tracker.crawl")

CrawlerFactory = Callable[[str, Config], Crawler]
_ETAGS = "http"  # the cache name of a hub's ETag store


def default_crawler_factory(hub: str, config: Config, etag_cache: Any = None) -> Crawler:
    """The crawler of `hub` as the config says (endpoint, token, retries, limits)."""
    hub_config = config.hubs[hub]
    options = {"etag_cache": etag_cache} if hub_info(hub).etags else {}
    return crawler_class(hub)(
        endpoint=hub_config.endpoint,
        token=hub_config.token,
        retries=config.get("crawl.retries"),
        max_retry_wait=config.get("crawl.max_retry_wait"),
        timeout=config.get("crawl.timeout"),
        max_pages=config.get("crawl.max_pages"),
        **options,
    )


class TrackedCache(dict[str, Any]):
    """A crawler's ETag store (crawlers._rest.ETagStore) that remembers what changed, so the
    pipeline writes back only those entries."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.dirty: set[str] = set()

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.dirty.add(key)


def load_etags(engine: Engine, hub: str) -> TrackedCache:
    """The ETag store the last runs kept for `hub`."""
    with session_scope(engine) as session:
        return TrackedCache(repo.load_cache(session, hub, _ETAGS))


def save_etags(engine: Engine, stores: dict[str, TrackedCache], *, now: datetime) -> None:
    """Write back the ETag entries that changed in this run."""
    for hub, cache in stores.items():
        if cache.dirty:
            with session_scope(engine) as session:
                repo.save_cache(session, hub, {k: cache[k] for k in cache.dirty}, now=now)


def guarded(items: Iterable[Any], hub: str) -> Iterator[Any]:
    """A crawler's items; an exception from its own code (not a HubError, not a stop) becomes
    a CrawlerFault, logged with its traceback. Raised here, where the crawler runs, so an
    error of our storing (a full disk) is never taken for one."""
    it = iter(items)
    while True:
        try:
            item = next(it)
        except StopIteration:
            return
        except (HubError, Cancelled):
            raise
        except Exception as exc:
            log.error("internal error in the %s crawler (a bug: please report it)", hub,
                      exc_info=True)
            raise CrawlerFault(
                f"internal error, {type(exc).__name__}: {exc} (a bug in the tracker, its "
                "traceback is in the log; what was found before it is kept)", hub=hub,
            ) from exc
        yield item
