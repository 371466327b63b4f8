"""Builders of small SYNTHETIC evaluation inputs for unit tests (hand-chosen numbers, not market data)."""

import numpy as np

from liqheat_nautilus.evaluation.series import (
    NS_PER_HOUR,
    BarSeries,
    EvaluationData,
    LiquidationWindows,
    Observations,
)

T0 = 1_700_000_000 * 1_000_000_000  # an arbitrary synthetic start (UNIX ns, a multiple of one hour)


def hourly_bars(high, low, close, volume=None) -> BarSeries:
    """Synthetic 1 h bars starting at T0 (open = previous close, first open = first close)."""
    high, low, close = (np.asarray(v, dtype=np.float64) for v in (high, low, close))
    n = close.size
    opens = np.concatenate(([close[0]], close[:-1]))
    open_ns = T0 + np.arange(n, dtype=np.int64) * NS_PER_HOUR
    vol = np.ones(n) if volume is None else np.asarray(volume, dtype=np.float64)
    return BarSeries(open_ns, open_ns + NS_PER_HOUR, opens, np.maximum(high, opens), np.minimum(low, opens),
                     close, vol)


def windows(n: int, hours: int = 4, long_usd=None, short_usd=None) -> LiquidationWindows:
    """Synthetic consecutive windows of ``hours`` from T0."""
    start = T0 + np.arange(n, dtype=np.int64) * hours * NS_PER_HOUR
    zeros = np.zeros(n)
    return LiquidationWindows(start, start + hours * NS_PER_HOUR,
                              zeros if long_usd is None else np.asarray(long_usd, dtype=np.float64),
                              zeros if short_usd is None else np.asarray(short_usd, dtype=np.float64))


def data(bars: BarSeries, oi_hours, oi_usd, liq: LiquidationWindows) -> EvaluationData:
    """Synthetic EvaluationData with OI observed ``oi_hours`` after T0 and no funding."""
    ts = T0 + np.asarray(oi_hours, dtype=np.int64) * NS_PER_HOUR
    return EvaluationData(bars, Observations(ts, np.asarray(oi_usd, dtype=np.float64), "oi"),
                          Observations(np.zeros(0, dtype=np.int64), np.zeros(0), "funding"), liq,
                          source="synthetic")
