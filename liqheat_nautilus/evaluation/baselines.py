"""Baselines that use no liquidation map, one beside every figure of the evaluation (numpy).

* :func:`abs_return_oi` — the naive liquidation estimate ``|return| × OI`` per window (same for both sides).
* :func:`excursion_oi` — a side-aware naive estimate: the window's adverse excursion × OI (drop below the
  opening price for longs, rise above it for shorts).
* :func:`same_distance_touch_rate` — the base rate at which *any* level at a given signed distance from price is
  touched within the horizon, over all snapshots (the "same-distance base rate" of touch-lift studies).
* :func:`independent_hit_rate` — the hit rate expected from direction calls with the map's UP/DOWN mix that are
  independent of the outcome.
"""

import numpy as np

from liqheat_nautilus.evaluation.price_path import close_at, extremes_between
from liqheat_nautilus.evaluation.series import EvaluationData


def abs_return_oi(data: EvaluationData) -> np.ndarray:
    """
    Naive estimate ``|close(end) / close(start) - 1| × OI(start)`` per liquidation window.

    Uses only the price path and the open interest known at the window start.

    Parameters
    ----------
    data : EvaluationData
        Bars (the closes at each window's start and end), open interest and the windows.

    Returns
    -------
    np.ndarray
        Shape ``(n_windows,)`` USD; ``nan`` where the price or OI at the window start is unknown.
    """
    w = data.liquidations
    p0 = close_at(data.bars, w.start_ns)
    p1 = close_at(data.bars, w.end_ns)
    return np.abs(p1 / p0 - 1.0) * data.open_interest.at(w.start_ns)


def excursion_oi(data: EvaluationData) -> tuple[np.ndarray, np.ndarray]:
    """
    Side-aware naive estimate: adverse excursion of the window × OI at its start.

    Long: ``max(0, 1 - lowest_low / close(start)) × OI``; short: ``max(0, highest_high / close(start) - 1) × OI``.

    Parameters
    ----------
    data : EvaluationData
        Bars (the close at each window's start, the lowest low and highest high within it), open interest and
        the windows.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(long_usd, short_usd)``, each shape ``(n_windows,)``; ``nan`` where unknown.
    """
    w = data.liquidations
    p0 = close_at(data.bars, w.start_ns)
    low, high = extremes_between(data.bars, w.start_ns, w.end_ns)
    oi = data.open_interest.at(w.start_ns)
    return np.maximum(1.0 - low / p0, 0.0) * oi, np.maximum(high / p0 - 1.0, 0.0) * oi


def touched(distance: np.ndarray, max_drop: np.ndarray, max_rise: np.ndarray) -> np.ndarray:
    """
    Whether a level at a signed relative distance from price was reached.

    Parameters
    ----------
    distance : np.ndarray
        Shape ``(m,)`` ``level / price - 1``: < 0 below price, > 0 above.
    max_drop, max_rise : np.ndarray
        Shape ``(m,)`` ``lowest_low / price - 1`` (<= 0 typically) and ``highest_high / price - 1`` over the
        horizon.

    Returns
    -------
    np.ndarray
        Shape ``(m,)`` bool.
    """
    return np.where(distance < 0.0, max_drop <= distance, max_rise >= distance)


def same_distance_touch_rate(distance: np.ndarray, max_drop: np.ndarray, max_rise: np.ndarray) -> np.ndarray:
    """
    For each signed distance, the share of all snapshots at which a level that far from price was touched.

    Parameters
    ----------
    distance : np.ndarray
        Shape ``(m,)`` signed relative distances (``level / price - 1``) of the levels being judged.
    max_drop, max_rise : np.ndarray
        Shape ``(s,)`` horizon extremes relative to price at every eligible snapshot.

    Returns
    -------
    np.ndarray
        Shape ``(m,)`` in [0, 1]: ``mean(max_drop <= d)`` for ``d < 0``, ``mean(max_rise >= d)`` for ``d >= 0``.

    Raises
    ------
    ValueError
        If there are no snapshots.
    """
    if max_drop.size == 0:
        raise ValueError("same_distance_touch_rate: no snapshots")
    drops = np.sort(max_drop)
    rises = np.sort(max_rise)
    below = np.searchsorted(drops, distance, side="right") / drops.size
    above = 1.0 - np.searchsorted(rises, distance, side="left") / rises.size
    return np.where(distance < 0.0, below, above)


def independent_hit_rate(calls: np.ndarray, outcomes: np.ndarray) -> float:
    """
    Compute the expected hit rate of calls with the same UP/DOWN mix but independent of the outcomes.

    ``P(call UP)·P(outcome UP) + P(call DOWN)·P(outcome DOWN)`` over the sample: a map that only says "up"
    in a rising market scores this, not more.

    Parameters
    ----------
    calls, outcomes : np.ndarray
        Shape ``(n,)`` signs in {-1, +1}.

    Returns
    -------
    float
        In [0, 1]; ``nan`` for an empty sample.
    """
    if calls.size == 0:
        return float("nan")
    p_call = float(np.mean(calls > 0))
    p_out = float(np.mean(outcomes > 0))
    return p_call * p_out + (1.0 - p_call) * (1.0 - p_out)
