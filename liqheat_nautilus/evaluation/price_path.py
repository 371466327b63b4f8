"""Look-ups on the bar path: price at a time; lowest low, highest high and largest moves over a time span (numpy)."""

from collections.abc import Callable

import numpy as np

from liqheat_nautilus.evaluation.series import BarSeries
from liqheat_nautilus.persistence.reader import value_at


def close_at(bars: BarSeries, at_ns: np.ndarray) -> np.ndarray:
    """
    Close of the last bar closing at or before each time (the price known then).

    Parameters
    ----------
    bars : BarSeries
        The bar path.
    at_ns : np.ndarray
        Shape ``(m,)`` int64 times (UNIX ns).

    Returns
    -------
    np.ndarray
        Shape ``(m,)`` prices; ``nan`` before the first bar.
    """
    return value_at(bars.close_ns, bars.close, at_ns)


def extremes_between(bars: BarSeries, start_ns: np.ndarray, end_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Lowest low and highest high of the bars closing in ``(start, end]``.

    Parameters
    ----------
    bars : BarSeries
        The bar path.
    start_ns, end_ns : np.ndarray
        Shape ``(m,)`` int64 span bounds (UNIX ns).

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(lowest_low, highest_high)``, each shape ``(m,)``; ``nan`` where no bar closes in the span.
    """
    return _per_span(bars, start_ns, end_ns, lambda a, b: (bars.low[a:b].min(), bars.high[a:b].max()))


def _per_span(bars: BarSeries, start_ns: np.ndarray, end_ns: np.ndarray,
              stat: Callable[[int, int], tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Two figures ``stat(a, b)`` of the bars ``a:b`` closing in each span ``(start, end]``; ``nan`` for none."""
    lo_idx = np.searchsorted(bars.close_ns, start_ns, side="right")
    hi_idx = np.searchsorted(bars.close_ns, end_ns, side="right")
    first = np.full(np.shape(start_ns), np.nan)
    second = np.full(np.shape(start_ns), np.nan)
    for j, (a, b) in enumerate(zip(lo_idx.tolist(), hi_idx.tolist(), strict=True)):
        if b > a:
            first[j], second[j] = stat(a, b)
    return first, second


def covered_until(bars: BarSeries) -> int:
    """
    Close time (UNIX ns) of the last bar: spans ending later cannot be measured.

    Parameters
    ----------
    bars : BarSeries
        The price path, at least one bar.

    Returns
    -------
    int
    """
    return int(bars.close_ns[-1])


def adverse_moves(bars: BarSeries, start_ns: np.ndarray, end_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Largest fall from a high to a later low, and rise from a low to a later high, of the bars closing in (start, end].

    Fall: ``max_j (1 − low_j / max(high_a … high_j))``; rise: ``max_j (high_j / min(low_a … low_j) − 1)``, over the
    span's bars ``a … j`` in time order. A bar's own high and low count in either order (the bars do not say which
    came first), so the figure is an upper bound of the move. It is how far a position opened inside the span could
    have been carried against it (longs by the fall, shorts by the rise) before the span ended.

    Parameters
    ----------
    bars, start_ns, end_ns
        As :func:`extremes_between` (``(m,)`` spans, UNIX ns).

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(fall, rise)``, each shape ``(m,)``, fractions of the price (>= 0); ``nan`` where no bar closes in the
        span.
    """
    def moves(a: int, b: int) -> tuple[float, float]:
        low, high = bars.low[a:b], bars.high[a:b]
        return (float(np.max(1.0 - low / np.maximum.accumulate(high))),
                float(np.max(high / np.minimum.accumulate(low) - 1.0)))

    return _per_span(bars, start_ns, end_ns, moves)
