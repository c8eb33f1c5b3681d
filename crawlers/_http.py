"""Retrying hub calls: bounded exponential backoff with jitter, and rate-limit waits.

Transport-neutral: a crawler hands `RetryPolicy.call` a zero-argument function doing one
request and a `classify` function that turns what it raised into a decision: `Retry` (a 5xx,
a timeout, a dropped connection, a truncated body: back off and try again; or a 429: wait as
long as the hub says), `None` (not transient: re-raise it unchanged, e.g. a 404 that the
crawler reads as data), or raise one of our `HubError`s itself (a rejected token).

Why not the client's own retries: huggingface_hub does not retry `model_info` at all, its
paginated calls sleep on the wall clock for `reset + 1` seconds with no ceiling, and tests must
never sleep. Here `sleep` and `clock` are injectable, a 429 is waited out for exactly the
seconds the hub names (`RateLimit: "api";r=0;t=<s>` or `Retry-After`) up to `max_retry_wait`,
and one 429 pauses every thread sharing the policy, not just the one that met it.
"""

from __future__ import annotations

import errno
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from crawlers.base import Cancelled, HubUnavailable, RateLimited

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """A transient failure. `wait`: seconds the hub asked for (None: use the backoff)."""

    reason: str
    wait: float | None = None
    rate_limited: bool = False


Classifier = Callable[[BaseException], Retry | None]


def wait_from_headers(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds a hub asks us to wait: `RateLimit: "api";r=0;t=55` first, then `Retry-After`
    (seconds or an HTTP date). None when neither says anything usable.

    An HTTP date is read against the answer's own `Date` header when it has one: the wait is
    then the hub's, whatever this machine's clock says (a clock running ahead would otherwise
    come back early and meet another 429). Without one it is read against `now`, the caller's
    wall clock (seconds since the epoch; injected, so tests never read the real one)."""
    lower = {k.lower(): v for k, v in headers.items()}
    ratelimit = lower.get("ratelimit")
    if ratelimit:
        fields = {}
        for part in ratelimit.split(";"):
            name, _, value = part.strip().partition("=")
            fields[name.strip().lower()] = value.strip()
        try:
            if int(fields.get("r", "0")) == 0 and "t" in fields:
                return max(0.0, float(fields["t"]))
        except ValueError:
            pass
    value = (lower.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    try:
        sent = parsedate_to_datetime(lower.get("date", "")).timestamp()
    except (TypeError, ValueError):
        sent = now
    return max(0.0, when.timestamp() - sent)


def connect_failure(exc: BaseException) -> str | None:
    """Why a connection could not even be opened (refused, unknown host, no route), read from
    the OS error under a client's exception; None when it was something else (a timeout, a
    connection dropped after it was made), which is worth retrying."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, TimeoutError | socket.timeout):
            return None
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "host not found"
        if isinstance(current, OSError) and current.errno in _NO_ROUTE:
            return "no route to the host (is the network up?)"
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
        # requests wraps urllib3's error in its first argument, urllib3 its cause in `reason`
        todo += [a for a in current.args[:1] if isinstance(a, BaseException)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return None


_NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}


class RetryPolicy:
    """How one crawler retries; shared by its worker threads.

    `retries` bounds the retries of transient failures per call. A 429 is waited out for
    exactly the seconds the hub names, as often as it takes, as long as one call's waits add
    up to at most `max_retry_wait` (issue 17: a fixed count of 10 waits gave up in a storm the
    hub would have let through); a single wait longer than that is `RateLimited` at once, so a
    cron run ends instead of sleeping for an hour. `cancel()` (a stop) wakes every wait and
    makes each call raise `Cancelled` before its next request.
    """

    def __init__(
        self,
        *,
        hub: str = "",
        retries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        max_retry_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.hub = hub
        self.retries = max(0, int(retries))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_wait = float(max_retry_wait)
        self._sleep = sleep
        self._cancelled = threading.Event()
        self.clock = clock
        self.jitter = jitter
        self._lock = threading.Lock()
        self._resume_at = 0.0

    def cancel(self) -> None:
        """Stop: wake every wait, and let no call make another request."""
        self._cancelled.set()

    def reset(self) -> None:
        """Allow calls again (a new crawl on the same crawler)."""
        self._cancelled.clear()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less if cancelled (then raise `Cancelled`). The real clock's
        sleep waits on the cancel event, so a stop is honoured at once, mid-wait."""
        if self._cancelled.is_set():
            raise Cancelled()
        if self._sleep is time.sleep:
            self._cancelled.wait(seconds)
        else:
            self._sleep(seconds)
        if self._cancelled.is_set():
            raise Cancelled()

    def backoff(self, attempt: int) -> float:
        """Equal-jitter exponential backoff for the n-th retry (1-based)."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return delay / 2 + self.jitter() * delay / 2

    def pause(self, seconds: float) -> None:
        """Hold every call of this policy for `seconds` (the hub's quota is shared)."""
        with self._lock:
            self._resume_at = max(self._resume_at, self.clock() + seconds)

    def _wait_for_pause(self) -> None:
        with self._lock:
            remaining = self._resume_at - self.clock()
        if remaining > 0:
            self.sleep(remaining)

    def call(
        self,
        fn: Callable[[], T],
        *,
        what: str,
        classify: Classifier,
        on_attempt: Callable[[], None] | None = None,
    ) -> T:
        """`fn()` until it succeeds, a non-transient error escapes, or the bounds are hit."""
        failures = limited = 0
        waited = 0.0  # seconds this call has waited out 429s
        while True:
            self._wait_for_pause()
            if self._cancelled.is_set():
                raise Cancelled()
            if on_attempt is not None:
                on_attempt()
            try:
                return fn()
            except Exception as exc:
                decision = classify(exc)
                if decision is None:
                    raise
                if decision.rate_limited:
                    limited += 1
                    wait = decision.wait if decision.wait is not None else self.backoff(limited)
                    if wait > self.max_retry_wait:
                        raise RateLimited(
                            f"{what}: rate limited, the hub asks to wait {wait:.0f}s "
                            f"(more than crawl.max_retry_wait = {self.max_retry_wait:.0f}s)",
                            hub=self.hub,
                            retry_after=wait,
                        ) from exc
                    if waited + wait > self.max_retry_wait:
                        raise RateLimited(
                            f"{what}: still rate limited after waiting {waited:.0f}s "
                            f"(crawl.max_retry_wait = {self.max_retry_wait:.0f}s)",
                            hub=self.hub,
                            retry_after=wait,
                        ) from exc
                    waited += wait
                    self.pause(wait)
                    continue
                failures += 1
                if failures > self.retries:
                    raise HubUnavailable(
                        f"{what}: {decision.reason} (gave up after {self.retries} retries)",
                        hub=self.hub,
                    ) from exc
                wait = self.backoff(failures)
                if decision.wait is not None:  # a 503 with Retry-After
                    wait = min(max(wait, decision.wait), self.max_retry_wait)
                self.sleep(wait)
