"""Evaluation 3: does the magnet bias call the direction of the next H hours.

Snapshots are taken every ``stride`` windows (``stride = ceil(H / window)``) so that the judged horizons do not
overlap and the binomial interval is not made narrower by overlapping outcomes. A call is the magnet bias
(``UP`` +1, ``DOWN`` -1; ``UNBIASED`` snapshots are not calls); the outcome is the sign of
``close(t + H) / close(t) - 1`` (zero returns are dropped). Baselines on the same called snapshots:
independent calls with the same UP/DOWN mix, and momentum (the sign of the previous H hours' return).
"""

import math
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.evaluation.baselines import independent_hit_rate
from liqheat_nautilus.evaluation.metrics import wilson_interval


@dataclass(frozen=True)
class BiasAccuracy:
    """
    Direction-call accuracy of the magnet bias for one horizon.

    Attributes
    ----------
    horizon_hours : float
        H.
    n_snapshots : int
        Non-overlapping snapshots considered.
    n_calls : int
        Snapshots with an UP/DOWN bias and a non-zero outcome.
    up_call_share : float
        Share of calls that were UP.
    hit_rate : float
        Share of calls whose sign matched the outcome.
    hit_rate_ci : tuple[float, float]
        Wilson 95 % interval.
    independent_rate : float
        Hit rate expected from independent calls with the same UP/DOWN mix.
    momentum_rate : float
        Hit rate of the previous-H-hours sign on the same snapshots.
    momentum_ci : tuple[float, float]
        Wilson 95 % interval of the momentum rate.
    """

    horizon_hours: float
    n_snapshots: int
    n_calls: int
    up_call_share: float
    hit_rate: float
    hit_rate_ci: tuple[float, float]
    independent_rate: float
    momentum_rate: float
    momentum_ci: tuple[float, float]


def bias_accuracy(
    bias: np.ndarray,
    future_return: np.ndarray,
    past_return: np.ndarray,
    eligible: np.ndarray,
    stride: int,
    horizon_hours: float,
) -> BiasAccuracy:
    """
    Hit rate of the magnet bias against the sign of the next-H-hours return, beside two baselines.

    Parameters
    ----------
    bias : np.ndarray
        Shape ``(n,)`` int: +1 UP, -1 DOWN, 0 UNBIASED per snapshot.
    future_return : np.ndarray
        Shape ``(n,)`` ``close(t + H) / close(t) - 1`` (``nan`` where unknown).
    past_return : np.ndarray
        Shape ``(n,)`` ``close(t) / close(t - H) - 1`` (``nan`` where unknown).
    eligible : np.ndarray
        Shape ``(n,)`` bool snapshots that may be judged.
    stride : int
        Keep every ``stride``-th eligible snapshot (>= 1).
    horizon_hours : float
        H (label).

    Returns
    -------
    BiasAccuracy

    Raises
    ------
    ValueError
        If ``stride`` < 1 or the shapes differ.
    """
    if stride < 1:
        raise ValueError(f"stride must be >= 1, was {stride}")
    if not (bias.shape == future_return.shape == past_return.shape == eligible.shape):
        raise ValueError("bias_accuracy: shapes differ")
    ok = eligible & np.isfinite(future_return)
    picked = np.flatnonzero(ok)[::stride]
    calls = bias[picked].astype(np.int64)
    outcome = np.sign(future_return[picked])
    judged = (calls != 0) & (outcome != 0)
    calls, outcome, past = calls[judged], outcome[judged], past_return[picked][judged]
    n = int(calls.size)
    k = int(np.sum(calls == outcome))
    mom = np.sign(np.nan_to_num(past, nan=0.0))
    k_mom = int(np.sum(mom == outcome))
    return BiasAccuracy(
        horizon_hours=float(horizon_hours),
        n_snapshots=int(picked.size),
        n_calls=n,
        up_call_share=float(np.mean(calls > 0)) if n else math.nan,
        hit_rate=k / n if n else math.nan,
        hit_rate_ci=wilson_interval(k, n),
        independent_rate=independent_hit_rate(calls, outcome),
        momentum_rate=k_mom / n if n else math.nan,
        momentum_ci=wilson_interval(k_mom, n),
    )
