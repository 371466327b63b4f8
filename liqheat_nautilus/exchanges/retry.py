"""Retries with exponential backoff for transient exchange errors (rate limits, 5xx, network)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import ccxt

T = TypeVar("T")

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (ccxt.OperationFailed,)
"""ccxt's recoverable branch (ccxt manual, "Error Hierarchy"): ``OperationFailed`` and its ``NetworkError``
subclasses ``RateLimitExceeded``/``DDoSProtection`` (HTTP 429/418), ``ExchangeNotAvailable``/``OnMaintenance``
(HTTP 5xx), ``RequestTimeout`` and connection failures. Venue codes for temporary server faults map there too
(Binance ``-1001`` "Internal error; ... try again" -> ``OperationFailed``). ``ExchangeError`` and its subclasses
(bad symbol, bad request, authentication) are permanent and not retried."""


@dataclass(frozen=True)
class RetryPolicy:
    """
    Exponential backoff: wait ``min(max_delay, base_delay * 2**attempt)`` seconds before retry ``attempt + 1``.

    Attributes
    ----------
    retries : int
        Retries after the first attempt (so at most ``retries + 1`` requests).
    base_delay : float
        Seconds before the first retry.
    max_delay : float
        Cap on one wait, seconds.
    """

    retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """
        Seconds to wait before retry ``attempt + 1`` (``attempt`` counts from 0).

        Parameters
        ----------
        attempt : int
            Failures so far minus one.
        retry_after : float, optional
            The server's ``Retry-After`` (seconds); the wait is at least that, capped at ``max_delay``.

        Returns
        -------
        float
        """
        wait = self.base_delay * (2 ** attempt)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(self.max_delay, wait)


def _retry_after(exchange: object) -> float | None:
    headers = getattr(exchange, "last_response_headers", None) or {}
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def call_with_retry(fn: Callable[..., T], *args, policy: RetryPolicy | None = None, exchange: object = None,
                    sleep: Callable[[float], None] = time.sleep,
                    on_retry: Callable[[int, Exception, float], None] | None = None, **kwargs) -> T:
    """
    Call ``fn(*args, **kwargs)``, retrying transient ccxt errors with exponential backoff.

    Parameters
    ----------
    fn : callable
        Usually a bound ccxt method (``exchange.fetch_ohlcv``).
    policy : RetryPolicy, optional
        Retry count and delays (default ``RetryPolicy()``).
    exchange : ccxt.Exchange, optional
        Read for the last response's ``Retry-After`` header.
    sleep : callable, default time.sleep
        The waiting function (injectable for tests).
    on_retry : callable, optional
        Called as ``on_retry(attempt, error, delay_seconds)`` before each wait.

    Returns
    -------
    The result of ``fn``.

    Raises
    ------
    ccxt.OperationFailed
        The last transient error once the retries are used up.
    ccxt.ExchangeError
        Any permanent error, at once.
    """
    policy = policy or RetryPolicy()
    attempt = 0
    while True:
        try:
            return fn(*args, **kwargs)
        except TRANSIENT_ERRORS as exc:
            if attempt >= policy.retries:
                raise
            wait = policy.delay(attempt, _retry_after(exchange))
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            sleep(wait)
            attempt += 1
