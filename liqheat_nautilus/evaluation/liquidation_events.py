"""Aggregate individual real liquidation prints into per-window long/short USD totals (numpy)."""

import numpy as np

from liqheat_nautilus.evaluation.series import LiquidationWindows


def aggregate_liquidations(
    ts_ns: np.ndarray,
    is_long: np.ndarray,
    notional_usd: np.ndarray,
    window_ns: int,
) -> LiquidationWindows:
    """
    Sum liquidation prints into consecutive UTC-aligned windows.

    Windows are ``[k·w, (k+1)·w)`` for the window length ``w`` (aligned to the UNIX epoch, so 4 h windows start
    at 00:00, 04:00, ... UTC) and span from the window of the first print to the window of the last one; windows
    without prints inside that span count 0 USD (the feed is assumed to cover the whole span).

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 print times (UNIX ns), any order.
    is_long : np.ndarray
        Shape ``(n,)`` bool: the liquidated position was long (forced sell).
    notional_usd : np.ndarray
        Shape ``(n,)`` float64 USD notional of each print, >= 0.
    window_ns : int
        Window length (ns), > 0.

    Returns
    -------
    LiquidationWindows

    Raises
    ------
    ValueError
        If there are no prints, the shapes differ, a notional is negative or not finite, or ``window_ns`` <= 0.
    """
    ts_ns = np.asarray(ts_ns, dtype=np.int64)
    is_long = np.asarray(is_long, dtype=bool)
    notional_usd = np.asarray(notional_usd, dtype=np.float64)
    if window_ns <= 0:
        raise ValueError(f"window_ns must be > 0, was {window_ns}")
    if ts_ns.size == 0:
        raise ValueError("no liquidation prints to aggregate")
    if not (ts_ns.shape == is_long.shape == notional_usd.shape):
        raise ValueError("aggregate_liquidations: shapes differ")
    if not np.isfinite(notional_usd).all() or np.any(notional_usd < 0.0):
        raise ValueError("aggregate_liquidations: notional must be finite and >= 0")
    k = ts_ns // window_ns
    k0 = int(k.min())
    n = int(k.max()) - k0 + 1
    idx = k - k0
    long_usd = np.bincount(idx[is_long], weights=notional_usd[is_long], minlength=n)
    short_usd = np.bincount(idx[~is_long], weights=notional_usd[~is_long], minlength=n)
    start = (k0 + np.arange(n, dtype=np.int64)) * window_ns
    return LiquidationWindows(start, start + window_ns, long_usd, short_usd)
