"""The retry policy: how long it waits, when it gives up, and which error it gives up with."""

from __future__ import annotations

import threading
import time

import pytest

from crawlers._http import Cancelled, Retry, RetryPolicy, wait_from_headers
from crawlers.base import HubUnavailable, RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Flaky:
    """Raises the given exceptions in turn, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class Transient(Exception):
    pass


class Limited(Exception):
    def __init__(self, wait: float | None) -> None:
        self.wait = wait


def classify(exc: BaseException) -> Retry | None:
    if isinstance(exc, Limited):
        return Retry("429", exc.wait, rate_limited=True)
    if isinstance(exc, Transient):
        return Retry("HTTP 503")
    return None


def policy(clock: Clock, **kw) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, jitter=lambda: 1.0, **kw)


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"RateLimit": '"api";r=0;t=55'}, 55.0),
        ({"ratelimit": '"api";r=0;t=7', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}, 7),
        ({"RateLimit": '"api";r=12;t=55'}, None),  # quota left: not the reason for the 429
        ({"Retry-After": "120"}, 120.0),
        ({"retry-after": " 3 "}, 3.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"}, 30.0),
        ({"Retry-After": "soon"}, None),
        ({"RateLimit": "garbage", "Retry-After": "9"}, 9.0),
        ({}, None),
    ],
)
def test_wait_from_headers(headers, wait):
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert wait_from_headers(headers, now=now) == wait


def test_transient_failures_back_off_exponentially_within_bounds():
    clock = Clock()
    fn = Flaky(*[Transient()] * 6)
    assert (
        policy(clock, retries=6, base_delay=1, max_delay=8).call(fn, what="x", classify=classify)
        == "ok"
    )
    assert clock.sleeps == [1, 2, 4, 8, 8, 8]  # jitter 1.0: the full delay, capped


def test_jitter_spreads_each_wait_over_its_upper_half():
    clock = Clock()
    p = RetryPolicy(sleep=clock.sleep, clock=clock, jitter=lambda: 0.0)
    p.call(Flaky(Transient(), Transient()), what="x", classify=classify)
    assert clock.sleeps == [0.5, 1.0]


def test_gives_up_as_hub_unavailable_after_the_retries():
    clock = Clock()
    fn = Flaky(*[Transient()] * 10)
    with pytest.raises(HubUnavailable, match="x: HTTP 503 .gave up after 2 retries"):
        policy(clock, retries=2).call(fn, what="x", classify=classify)
    assert fn.calls == 3


def test_errors_that_are_data_pass_through_unretried():
    fn = Flaky(KeyError("gone"))
    with pytest.raises(KeyError):
        policy(Clock()).call(fn, what="x", classify=classify)
    assert fn.calls == 1


def test_a_rate_limit_is_waited_exactly_and_does_not_use_up_retries():
    clock = Clock()
    fn = Flaky(Limited(30), Limited(12), Transient())
    counted: list[int] = []
    result = policy(clock, retries=1).call(
        fn, what="x", classify=classify, on_attempt=lambda: counted.append(1)
    )
    assert result == "ok"
    assert clock.sleeps == [30, 12, 1]
    assert len(counted) == 4


def test_a_rate_limit_beyond_the_ceiling_raises_rate_limited():
    clock = Clock()
    with pytest.raises(RateLimited) as info:
        policy(clock, max_retry_wait=60).call(Flaky(Limited(61)), what="x", classify=classify)
    assert info.value.retry_after == 61
    assert clock.sleeps == []


def test_endless_rate_limits_end_once_the_waits_add_up_to_the_ceiling():
    clock = Clock()
    fn = Flaky(*[Limited(10)] * 20)
    with pytest.raises(RateLimited, match="still rate limited after waiting 60s"):
        policy(clock, max_retry_wait=65).call(fn, what="x", classify=classify)
    assert fn.calls == 7 and sum(clock.sleeps) == 60


def test_a_storm_of_short_rate_limits_is_waited_out_however_many():
    # issue 17: a cap of 10 waits a call gave up in a storm the hub would have let through
    clock = Clock()
    fn = Flaky(*[Limited(1)] * 25)
    assert policy(clock, max_retry_wait=300).call(fn, what="x", classify=classify) == "ok"
    assert fn.calls == 26 and sum(clock.sleeps) == 25


def test_a_cancelled_policy_wakes_from_its_wait_and_makes_no_request():
    p = RetryPolicy(retries=3, max_retry_wait=300, jitter=lambda: 0.5)  # the real sleep
    fn = Flaky(*[Limited(120)] * 3)
    threading.Timer(0.2, p.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        p.call(fn, what="x", classify=classify)
    assert time.monotonic() - started < 5 and fn.calls == 1


def test_a_rate_limit_pauses_every_caller_of_the_policy():
    clock = Clock()
    p = policy(clock)
    p.call(Flaky(Limited(20)), what="a", classify=classify)
    clock.sleeps.clear()
    clock.now -= 5  # another thread, 5 s before the pause ends
    p.call(Flaky(), what="b", classify=classify)
    assert clock.sleeps == [5]


def test_a_rate_limit_without_a_wait_uses_the_backoff():
    clock = Clock()
    policy(clock).call(Flaky(Limited(None)), what="x", classify=classify)
    assert clock.sleeps == [1]
