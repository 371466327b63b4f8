"""How history requests are walked and retried, the same way for every venue and data kind.

Forward pagination over time windows (:func:`paginate`, :func:`paginate_newest_first`) and retries with exponential
backoff for transient exchange errors (:func:`call_with_retry`: rate limits, 5xx, network).
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import ccxt


@dataclass(frozen=True)
class Page:
    """
    One request's rows after clipping to its window.

    Attributes
    ----------
    rows : list
        ccxt rows (OHLCV lists or dicts) with ``since <= ts <= until``, ascending.
    since, until : int
        The requested window (ms, inclusive).
    """

    rows: list
    since: int
    until: int


def paginate(fetch: Callable[[int, int], list], ts_of: Callable[[Any], int], start_ms: int, end_ms: int,
             limit: int, window_ms: int, key_of: Callable[[Any], object] | None = None,
             step_ms: int = 1) -> Iterator[Page]:
    """
    Walk ``[start_ms, end_ms)`` forward in windows of at most ``window_ms``, one request per window or page.

    Each request asks for ``[since, until]`` with ``until = min(end_ms - 1, since + window_ms - 1)`` and at most
    ``limit`` rows. The window never holds more than ``limit`` rows of fixed-cadence data (``window_ms`` is
    ``limit`` x cadence), so venues that return the newest rows of a window first (OKX, Bybit) cannot skip
    any. If a page is full, the next request starts at its last timestamp (``+ step_ms``, or the same millisecond
    when ``key_of`` is given: trades sharing the millisecond are then told apart by key); otherwise the window
    is exhausted and the next starts at ``until + 1``. Empty windows (venue down-time) are stepped over.

    Parameters
    ----------
    fetch : callable
        ``fetch(since_ms, until_ms) -> list`` of rows sorted by time.
    ts_of : callable
        Row -> timestamp (ms).
    start_ms, end_ms : int
        The range, ``end_ms`` exclusive.
    limit : int
        Rows per request.
    window_ms : int
        Widest span one request may cover.
    key_of : callable, optional
        Row -> unique key (trade id), for data with repeated timestamps.
    step_ms : int, default 1
        Smallest spacing of distinct timestamps (the bar length for bars), so a page that ends at the range end
        is not followed by an empty request.

    Yields
    ------
    Page
        Non-empty pages in time order, without repeated rows.
    """
    since = start_ms
    seen: set = set()
    while since < end_ms:
        until = min(end_ms - 1, since + window_ms - 1)
        raw = fetch(since, until)
        inside = [r for r in raw if since <= ts_of(r) <= until]
        rows = [r for r in inside if key_of(r) not in seen] if key_of is not None else inside
        if rows:
            yield Page(rows, since, until)
        if len(raw) < limit or not inside:
            since, seen = until + 1, set()
            continue
        last = ts_of(inside[-1])
        if key_of is not None and last > since:
            # Resume inside the last millisecond; the rows already taken there are skipped by key.
            seen = {key_of(r) for r in inside if ts_of(r) == last}
            since = last
        else:
            # Unique timestamps, or one millisecond holding a full page (more than `limit` trades): move on.
            since, seen = last + (step_ms if key_of is None else 1), set()


def paginate_newest_first(fetch: Callable[[int, int], list], ts_of: Callable[[Any], int], start_ms: int,
                          end_ms: int, limit: int, window_ms: int,
                          key_of: Callable[[Any], object]) -> Iterator[Page]:
    """
    Walk ``[start_ms, end_ms)`` forward in windows, paging backward inside each window.

    For endpoints that return the newest ``limit`` rows below an upper bound and have no fixed cadence (OKX
    ``history-trades``): within a window ``[since, until]`` requests go ``[since, upper]`` with ``upper`` moving down
    to the oldest timestamp received (rows repeated at that millisecond are dropped by key) until a page is not
    full; the window's rows are then yielded in ascending order of (timestamp, trade id), trade ids compared as
    integers when they are. Memory is bounded by one window's rows.

    Parameters
    ----------
    fetch : callable
        ``fetch(since_ms, upper_ms) -> list`` of the newest rows with ``since <= ts <= upper`` (any order).
    ts_of, key_of : callable
        Row -> timestamp (ms) and row -> unique key (trade id).
    start_ms, end_ms : int
        The range, ``end_ms`` exclusive.
    limit : int
        Rows per request.
    window_ms : int
        Span of one window.

    Yields
    ------
    Page
        Non-empty windows in time order, rows ascending and unique.
    """
    since = start_ms
    while since < end_ms:
        until = min(end_ms - 1, since + window_ms - 1)
        upper = until
        rows: dict = {}
        while True:
            raw = fetch(since, upper)
            inside = [r for r in raw if since <= ts_of(r) <= upper]
            for row in inside:
                rows.setdefault(key_of(row), row)
            if len(raw) < limit or not inside:
                break
            oldest = min(ts_of(r) for r in inside)
            # a full page within one millisecond cannot be paged by time: step below it
            upper = oldest if oldest < max(ts_of(r) for r in inside) else oldest - 1
            if upper < since:
                break
        if rows:
            yield Page(sorted(rows.values(), key=lambda r: (ts_of(r), _natural(key_of(r)))), since, until)
        since = until + 1


def _natural(key: object) -> tuple:
    """Order of trade ids within one millisecond: numerically when they are integers (venue sequence numbers)."""
    text = str(key)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


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
    *args
        Positional arguments of ``fn``.
    policy : RetryPolicy, optional
        Retry count and delays (default ``RetryPolicy()``).
    exchange : ccxt.Exchange, optional
        Read for the last response's ``Retry-After`` header.
    sleep : callable, default time.sleep
        The waiting function (injectable for tests).
    on_retry : callable, optional
        Called as ``on_retry(attempt, error, delay_seconds)`` before each wait.
    **kwargs
        Keyword arguments of ``fn`` (e.g. ccxt's ``params``).

    Returns
    -------
    T
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


def backoff_delay(interval_secs: float, consecutive_errors: int, max_backoff_secs: float) -> float:
    """
    Wait before the next poll: ``interval * 2**consecutive_errors``, capped.

    Parameters
    ----------
    interval_secs : float
        Healthy poll interval (s).
    consecutive_errors : int
        Errors in a row (0 when healthy).
    max_backoff_secs : float
        Cap (s).

    Returns
    -------
    float
        Seconds.
    """
    return min(interval_secs * (2.0 ** min(consecutive_errors, 30)), max(max_backoff_secs, interval_secs))
