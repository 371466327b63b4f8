"""Forward pagination over time windows, the same way for every venue and data kind."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass


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


def paginate(fetch: Callable[[int, int], list], ts_of: Callable[[object], int], start_ms: int, end_ms: int,
             limit: int, window_ms: int, key_of: Callable[[object], object] | None = None,
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


def paginate_newest_first(fetch: Callable[[int, int], list], ts_of: Callable[[object], int], start_ms: int,
                          end_ms: int, limit: int, window_ms: int,
                          key_of: Callable[[object], object]) -> Iterator[Page]:
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
