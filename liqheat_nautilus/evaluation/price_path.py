"""Look-ups on the bar path: price at a time, and the lowest low / highest high over a time span (numpy)."""

import numpy as np

from liqheat_nautilus.evaluation.series import BarSeries, Observations


def value_at(ts_ns: np.ndarray, values: np.ndarray, at_ns: np.ndarray) -> np.ndarray:
    """
    Return the last value observed at or before each query time (step interpolation).

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 observation times, increasing.
    values : np.ndarray
        Shape ``(n,)`` observed values.
    at_ns : np.ndarray
        Shape ``(m,)`` int64 query times.

    Returns
    -------
    np.ndarray
        Shape ``(m,)`` float64; ``nan`` where no observation precedes the query.
    """
    pos = np.searchsorted(ts_ns, at_ns, side="right") - 1
    out = np.full(np.shape(at_ns), np.nan)
    ok = pos >= 0
    out[ok] = np.asarray(values, dtype=np.float64)[pos[ok]]
    return out


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


def oi_at(open_interest: Observations, at_ns: np.ndarray) -> np.ndarray:
    """
    Open interest (USD) last observed at or before each time.

    Parameters
    ----------
    open_interest : Observations
        Open-interest observations.
    at_ns : np.ndarray
        Shape ``(m,)`` int64 times (UNIX ns).

    Returns
    -------
    np.ndarray
        Shape ``(m,)`` USD; ``nan`` before the first observation.
    """
    return value_at(open_interest.ts_ns, open_interest.value, at_ns)


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
    lo_idx = np.searchsorted(bars.close_ns, start_ns, side="right")
    hi_idx = np.searchsorted(bars.close_ns, end_ns, side="right")
    low = np.full(np.shape(start_ns), np.nan)
    high = np.full(np.shape(start_ns), np.nan)
    for j, (a, b) in enumerate(zip(lo_idx.tolist(), hi_idx.tolist(), strict=True)):
        if b > a:
            low[j] = bars.low[a:b].min()
            high[j] = bars.high[a:b].max()
    return low, high


def covered_until(bars: BarSeries) -> int:
    """Close time (UNIX ns) of the last bar: spans ending later cannot be measured."""
    return int(bars.close_ns[-1])
