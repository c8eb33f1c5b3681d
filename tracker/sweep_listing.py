"""How far `tracker sweep` trusts the Hub's listing: where it loops, and where it ends.

The sweep follows the listing's `Link: <...>; rel="next"` as huggingface_hub's `paginate`
does, but a sweep's end is not a search's: it sets the watermark, and a later sweep stops
there, so a listing that ends too early hides every model it never listed until `--full`.
huggingface_hub takes a page without a next link as the last (`_paginate_pages`); so does
this guard when the page is short. A page as full as asked (its `limit`, or as big as the
biggest page served before) without a next link is the last only if the listing says so when
asked again: the same place is asked for one item (`limit=1`, one cheap request). A Hub that
paginates answers with a next link (there are more items than one), and the sweep follows it
at its own page size: it re-lists the rest of the full page (stored already, so not written)
and goes on, or finds a short page, a real end (a Hub of exactly N pages). No link there
either means links are being lost (a proxy stripping headers, a Hub fault): the page is stored
with itself as the cursor and the sweep stops as interrupted, so the next `tracker sweep`
reads it again. Only one such check in a row: a Hub that drops every full page's link does
not get read one item per check.

A loop is proven by a cursor followed before in this run (`cursor_of`: the Hub's `cursor`
parameter, whatever else in the link changes), or by a page listing the very models of an
earlier one in the same order. A page naming no model (empty, or every item malformed) proves
nothing: many of them in a row stop the sweep too, since a Hub may mint fresh cursors for ever.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crawlers.base import HubError
from crawlers.huggingface.sweep import cursor_of, page_limit, with_limit

EMPTY_RUN = 100  # pages in a row naming no model after which the sweep stops


class LinkLost(HubError):
    """A full page came without a next link and the listing would not say it ended there."""


class ListingGuard:
    """Per sweep run: the cursors followed, the pages read, the biggest page served."""

    def __init__(self, hub: str, first: str) -> None:
        self.hub = hub
        self._cursors = {cursor_of(first)}
        self._pages: set[int] = set()
        self._biggest = 0
        self._empty = 0
        self._keys: tuple[str, ...] = ()
        self._checked = False  # the current page was reached through an end check
        self._listed: frozenset[str] = frozenset()  # the checked page's repo ids

    def read(self, number: int, models: Sequence[Any]) -> None:
        """Page `number`'s parsed items (None for one naming no repo): raises HubError when
        it lists the models of an earlier page again, or ends a long run of empty pages."""
        keys = tuple([m.repo_id for m in models if m is not None])
        self._keys = keys
        if not keys:
            self._empty += 1
            if self._empty >= EMPTY_RUN:
                raise HubError(f"{self._empty} listing pages in a row named no model "
                               f"(up to page {number}); stopped there", hub=self.hub)
            return
        self._empty = 0
        page = hash(keys)  # 0.2 ms a page
        if page in self._pages:  # nothing new on it: not stored, the cursor stays
            raise HubError(f"the listing served page {number} again "
                           "(its next links loop); stopped there", hub=self.hub)
        self._pages.add(page)

    def follow(self, next_path: str) -> bool:
        """Record a next link about to be followed; False when its cursor was followed before
        in this run (a loop: the page holding it is stored, then the sweep stops)."""
        key = cursor_of(next_path)
        if key in self._cursors:
            return False
        self._cursors.add(key)
        return True

    def full(self, path: str, served: int) -> bool:
        """Whether a page of `served` items read from `path` is as full as the listing pages:
        as many as it asked for, or as the biggest page before it (a Hub that caps `limit`)."""
        asked = page_limit(path)
        full = served > 0 and (
            (asked is not None and served >= asked)
            or (self._biggest > 0 and served >= self._biggest)
        )
        self._biggest = max(self._biggest, served)
        return full

    def check_end(self, crawler: Any, path: str, number: int, served: int) -> str:
        """Page `number`, read from `path`, was full and had no next link: ask the listing the
        same place for one item. Returns the path to go on from (the check's next link at the
        page's own size); raises LinkLost when that answer has no next link either."""
        if self._checked:  # the page after a check is full and linkless too: links are lost
            raise self._lost(number, served)
        _, link = crawler.get_page(with_limit(path, 1))
        if link is None:
            raise self._lost(number, served)
        self._checked = True
        self._listed = frozenset(self._keys)
        return with_limit(link, page_limit(path))

    def unlisted(self, models: list[Any]) -> list[Any]:
        """`models` without those the checked page listed (the page after an end check lists
        them again from its second item on: not counted twice); `models` itself otherwise."""
        if not self._listed:
            return models
        listed, self._listed = self._listed, frozenset()
        return [m for m in models if m.repo_id not in listed]

    def went_on(self) -> None:
        """The page just read carried its own next link: the Hub is linking again."""
        self._checked = False

    def _lost(self, number: int, served: int) -> LinkLost:
        return LinkLost(
            f"page {number} of the listing was full ({served:,} items) but had no link to "
            "the next page, and the listing would not say it ends there (its Link header is "
            "lost: a proxy, or the Hub); the watermark stays, so nothing unlisted is hidden",
            hub=self.hub,
        )
