"""Canned misbehaviour for fake hubs: what a request looks like, and faults to queue for it.

A `FaultQueue` holds per-matcher FIFO queues; each request the fake hub receives takes the
next fault whose matcher fits (a request kind such as "listing", an exact path, a compiled
regex searched in the path, or a predicate on `Request`). Faults: `Reply` (any status, headers
and body: `rate_limited()`, `retry_after()`, `server_error()`), `Hang` (hold the request, then
answer), `Pause` (hold it until the test says so, telling the test it got there: a kill lands
at an exact request), `Reset` (TCP reset, no answer), `Truncate` (the real body cut short,
with an honest Content-Length for broken JSON or a lying one for a connection that ends early)
`Relink` (the real answer with a `Link: rel="next"` pointing back at the page itself),
`Unlink` (the real answer without its `Link`) and `Rebody` (the real headers, another body).

Hostile mode (issue 17): `FaultQueue.storm(match, fault, every=2)` gives `fault` to every n-th
matching request for as long as the test runs (a 429 storm), and `Relink` makes a listing loop,
exactly or with a parameter that changes each time.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Request:
    """What a fault matcher or the log sees of one request."""

    method: str
    path: str
    query: dict[str, list[str]]
    kind: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    """A canned answer instead of the real one."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str | dict | list = b""


@dataclass
class Hang:
    """Hold the request `seconds` (None: until the hub stops), then answer it normally."""

    seconds: float | None = None


@dataclass
class Pause:
    """Set `reached`, then hold the request until `release` is set (or the hub stops), then
    answer it normally. One Pause queued many times holds every request it matches."""

    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class Reset:
    """Drop the connection with a TCP reset, without answering."""


@dataclass
class Truncate:
    """Send only `keep` bytes of the real body (a fraction if < 1). `honest_length` makes the
    Content-Length match what is sent (valid HTTP, broken JSON); else the connection ends short."""

    keep: float = 0.5
    honest_length: bool = True


@dataclass
class Relink:
    """Answer normally, but with `Link: <this very page>; rel="next"`: a loop. With
    `changing`, the link carries a parameter that differs each time (`&_loop=N`), so no two
    next links are equal while the page served is."""

    changing: bool = False
    served: int = 0


@dataclass
class Unlink:
    """Answer normally, but without the `Link` header: a proxy that strips it, or a Hub that
    forgets it. Queued for one request, a transient loss; as a storm, a systematic one."""


@dataclass
class Rebody:
    """The real answer's status and headers (its `Link` to the real next page) with `body`
    instead of its own: an empty page, or one whose every item is malformed."""

    body: bytes | str | dict | list = b"[]"


Fault = Reply | Hang | Pause | Reset | Truncate | Relink | Unlink | Rebody
Matcher = str | re.Pattern[str] | Callable[[Request], bool]


def rate_limited(reset: int = 30, *, remaining: int = 0) -> Reply:
    """A 429 with the Hub's IETF-draft headers: `RateLimit: "api";r=0;t=<reset>`."""
    return Reply(
        429,
        {
            "RateLimit": f'"api";r={remaining};t={reset}',
            "RateLimit-Policy": '"fixed window";"api";q=500;w=300',
        },
        {"error": "rate limited"},
    )


def retry_after(seconds: int = 5, status: int = 429) -> Reply:
    return Reply(status, {"Retry-After": str(seconds)}, {"error": "slow down"})


def server_error(status: int = 500) -> Reply:
    return Reply(status, {}, {"error": "Internal Error"})


class FaultQueue:
    """Per-matcher FIFO queues of faults; a request takes the first fault whose matcher fits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[tuple[Matcher, deque[Fault]]] = []
        self._storms: list[tuple[Matcher, Fault, int, list[int]]] = []

    def add(self, match: Matcher, *faults: Fault) -> None:
        """Queue faults for requests matching a kind ("listing"), a path ("/api/models/a/b"),
        a compiled regex (searched in the path) or a predicate on `Request`."""
        with self._lock:
            self._queues.append((match, deque(faults)))

    def storm(self, match: Matcher, fault: Fault, *, every: int = 2) -> None:
        """`fault` for every `every`-th request `match` selects, without end (a 429 storm)."""
        with self._lock:
            self._storms.append((match, fault, max(1, every), [0]))

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()
            self._storms.clear()

    def pending(self) -> int:
        with self._lock:
            return sum(len(q) for _, q in self._queues)

    def take(self, request: Request) -> Fault | None:
        with self._lock:
            for match, queue in self._queues:
                if queue and _matches(match, request):
                    return queue.popleft()
            for match, fault, every, seen in self._storms:
                if _matches(match, request):
                    seen[0] += 1
                    if seen[0] % every == 0:
                        return fault
        return None


def _matches(match: Matcher, request: Request) -> bool:
    if isinstance(match, re.Pattern):
        return match.search(request.path) is not None
    if isinstance(match, str):
        return match in (request.kind, request.path)
    return bool(match(request))
