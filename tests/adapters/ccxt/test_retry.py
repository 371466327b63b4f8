"""Retries with exponential backoff on transient ccxt errors."""

import ccxt
import pytest

from liqheat_nautilus.adapters.ccxt.paging import RetryPolicy, call_with_retry


def _flaky(errors):
    state = {"calls": 0}

    def fn():
        state["calls"] += 1
        if errors:
            raise errors.pop(0)
        return "ok"

    return fn, state


def test_transient_errors_are_retried_with_doubling_delays():
    fn, state = _flaky([ccxt.RateLimitExceeded("429"), ccxt.ExchangeNotAvailable("503")])
    waits = []
    assert call_with_retry(fn, policy=RetryPolicy(retries=5, base_delay=1.0), sleep=waits.append) == "ok"
    assert state["calls"] == 3
    assert waits == [1.0, 2.0]


def test_delay_is_capped_and_honours_retry_after():
    policy = RetryPolicy(retries=9, base_delay=1.0, max_delay=5.0)
    assert [policy.delay(a) for a in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert policy.delay(0, retry_after=3.0) == 3.0


def test_permanent_errors_are_not_retried():
    fn, state = _flaky([ccxt.BadSymbol("no such market")])
    with pytest.raises(ccxt.BadSymbol):
        call_with_retry(fn, sleep=lambda s: None)
    assert state["calls"] == 1


def test_gives_up_after_the_retries():
    fn, state = _flaky([ccxt.RequestTimeout("t")] * 5)
    with pytest.raises(ccxt.RequestTimeout):
        call_with_retry(fn, policy=RetryPolicy(retries=2, base_delay=0.0), sleep=lambda s: None)
    assert state["calls"] == 3
