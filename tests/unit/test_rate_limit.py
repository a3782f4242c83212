"""The per-key token bucket of the ingest endpoints."""

from __future__ import annotations

import pytest

from fireline.web.ingest import RateLimiter


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bursts_then_refills_at_the_rate() -> None:
    ticker = Ticker()
    limiter = RateLimiter(rate=2, burst=4, clock=ticker)

    assert [limiter.retry_after("k") for _ in range(4)] == [None] * 4
    assert limiter.retry_after("k") == pytest.approx(0.5)
    assert limiter.retry_after("other") is None
    ticker.now += 0.5
    assert limiter.retry_after("k") is None
    assert limiter.retry_after("k") == pytest.approx(0.5)


def test_zero_means_no_limit() -> None:
    limiter = RateLimiter(rate=0, burst=0)
    assert all(limiter.retry_after("k") is None for _ in range(1000))


def test_memory_stays_bounded_under_random_keys() -> None:
    limiter = RateLimiter(rate=1, burst=1, clock=Ticker())
    for n in range(RateLimiter.MAX_KEYS * 2):
        limiter.retry_after(f"key{n}")
    assert len(limiter._buckets) <= RateLimiter.MAX_KEYS
