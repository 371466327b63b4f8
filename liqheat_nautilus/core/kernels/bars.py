"""A run of bars in one call: the checks, interval rows and sweep extremes of ``LiquidationMapEngine.update_bar``."""

import math

from liqheat_nautilus.core.kernels._base import jit


@jit
def bar_run(high, low, close, volume, ts_ns, start, last_ns, keep_low, keep_high, rows):
    """
    Scan bars from ``start`` as ``LiquidationMapEngine.update_bar`` would feed them, one run at a time.

    A run ends after the first bar whose close leaves ``[keep_low, keep_high)`` (the engine re-centres its grid
    there), before the first bar ``update_bar`` would refuse, or at the end.

    Parameters
    ----------
    high, low, close, volume : np.ndarray
        ``(n,)`` float64 bar prices and volumes.
    ts_ns : np.ndarray
        ``(n,)`` int64 bar close times (UNIX ns).
    start : int
        First bar of the run.
    last_ns : int
        Close time of the bar fed before bar ``start`` (UNIX ns): a bar must not be older.
    keep_low, keep_high : float
        Prices inside which no re-centring is needed (``MapBook.keep_low``/``keep_high``).
    rows : np.ndarray
        ``(>= n - start, 4)`` float64, filled from row 0 with the run's ``(typical, low, high, volume)``,
        typical ``= (high + low + close) / 3`` (the engine's ``IntervalBars`` rows).

    Returns
    -------
    stop : int
        The bar after the run (the run is ``start .. stop - 1``; empty when bar ``start`` is refused).
    low_min, high_max : float
        The run's lowest low and highest high (``inf``/``-inf`` for an empty run).
    refused : bool
        Whether bar ``stop`` is one ``update_bar`` refuses (a price or volume out of range or not finite:
        ``0 < low <= close <= high < inf``, ``0 <= volume < inf``; or older than the bar before it).
    """
    inf = math.inf
    low_min, high_max = inf, -inf
    prev = last_ns
    for k, i in enumerate(range(start, ts_ns.shape[0])):
        h, lo, c, v, t = high[i], low[i], close[i], volume[i], ts_ns[i]
        if not (0.0 < lo <= c <= h < inf and 0.0 <= v < inf and t >= prev):
            return i, low_min, high_max, True
        prev = t
        rows[k, 0] = (h + lo + c) / 3.0
        rows[k, 1] = lo
        rows[k, 2] = h
        rows[k, 3] = v
        if lo < low_min:
            low_min = lo
        if h > high_max:
            high_max = h
        if not keep_low <= c < keep_high:
            return i + 1, low_min, high_max, False
    return ts_ns.shape[0], low_min, high_max, False
