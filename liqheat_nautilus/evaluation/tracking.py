"""Evaluation 1: does the map's estimated liquidation volume per window track the actual one."""

import math
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.evaluation.metrics import (
    block_bootstrap_ci,
    incremental_rank_r2,
    pearson,
    spearman,
    top_share_overlap,
)


@dataclass(frozen=True)
class Agreement:
    """
    Agreement of one estimate with the actual series.

    Attributes
    ----------
    spearman : float
        Spearman rank correlation.
    pearson : float
        Pearson correlation of the USD values (dominated by the largest windows).
    top_overlap : float
        Share of the top-decile actual windows also in the estimate's top decile (random: the decile share).
    """

    spearman: float
    pearson: float
    top_overlap: float


@dataclass(frozen=True)
class SideTracking:
    """
    Tracking figures of one side (long or short liquidations).

    Attributes
    ----------
    side : str
        ``"long"`` or ``"short"``.
    n_windows : int
        Windows evaluated.
    map : Agreement
        The map's estimate.
    baseline_abs_return : Agreement
        ``|return| × OI``.
    baseline_excursion : Agreement
        Side-aware adverse excursion × OI.
    spearman_gain_ci : tuple[float, float]
        Block-bootstrap 95 % interval of ``spearman(map) - spearman(|return| × OI)``.
    rank_r2_gain_over_excursion : float
        Gain in R² of the actual ranks when the map's ranks join the excursion baseline's ranks
        (:func:`~liqheat_nautilus.evaluation.metrics.incremental_rank_r2`): what the map adds to price alone.
    share_of_windows_with_estimate : float
        Share of windows in which the map estimated any liquidation (> 0 USD).
    estimated_total_usd, actual_total_usd : float
        Sums over the evaluated windows (not comparable in scale when OI and liquidations cover different
        venues).
    windows_without_estimate : int
        Windows in which the map estimated nothing.
    without_estimate_small_move : int
        Of those, the windows whose adverse move (``adverse_move``) stayed below ``closest_liquidation``: no
        position opened inside them could be liquidated there; -1 when not given.
    closest_liquidation : float
        The configuration's smallest entry-to-liquidation distance on this side (fraction of entry;
        ``LevelModel.closest_distance``), ``nan`` when not given.
    actual_share_without_estimate : float
        Share of the actual liquidations (USD, summed over the evaluated windows) that fell in the windows without
        an estimate: what the map's empty windows miss, in money rather than in windows (``nan`` when the actual
        total is 0).
    """

    side: str
    n_windows: int
    map: Agreement
    baseline_abs_return: Agreement
    baseline_excursion: Agreement
    spearman_gain_ci: tuple[float, float]
    rank_r2_gain_over_excursion: float
    share_of_windows_with_estimate: float
    estimated_total_usd: float
    actual_total_usd: float
    windows_without_estimate: int = 0
    without_estimate_small_move: int = -1
    closest_liquidation: float = math.nan
    actual_share_without_estimate: float = math.nan


def agreement(actual: np.ndarray, estimate: np.ndarray, top_share: float) -> Agreement:
    """
    Spearman, Pearson and top-share overlap of an estimate against the actual series.

    Parameters
    ----------
    actual, estimate : np.ndarray
        Shape ``(n,)`` USD per window.
    top_share : float
        Share defining the "top" windows (0.1 = decile).

    Returns
    -------
    Agreement
    """
    return Agreement(spearman(estimate, actual), pearson(estimate, actual),
                     top_share_overlap(actual, estimate, top_share))


def track_side(
    side: str,
    actual: np.ndarray,
    estimate: np.ndarray,
    baseline_abs_return: np.ndarray,
    baseline_excursion: np.ndarray,
    top_share: float = 0.1,
    block: int = 6,
    n_boot: int = 500,
    seed: int = 0,
    adverse_move: np.ndarray | None = None,
    closest_liquidation: float = math.nan,
) -> SideTracking:
    """
    Compare one side's estimated liquidations with the actual ones, beside the two naive baselines.

    Parameters
    ----------
    side : str
        ``"long"`` or ``"short"`` (label only).
    actual, estimate, baseline_abs_return, baseline_excursion : np.ndarray
        Shape ``(n,)`` USD per window, already restricted to the evaluated windows (finite).
    top_share : float, default 0.1
        Top share for the overlap.
    block : int, default 6
        Bootstrap block length in windows (6 × 4 h = one day).
    n_boot : int, default 500
        Bootstrap resamples (0 skips the interval).
    seed : int, default 0
        Bootstrap seed.
    adverse_move : np.ndarray, optional
        Shape ``(n,)`` the largest move against the side inside each window (fraction of price;
        :func:`~liqheat_nautilus.evaluation.price_path.adverse_moves`), to count the windows without an estimate
        whose move stayed below ``closest_liquidation``.
    closest_liquidation : float, optional
        The configuration's smallest entry-to-liquidation distance on this side (fraction of entry).

    Returns
    -------
    SideTracking

    Raises
    ------
    ValueError
        If the arrays differ in shape or contain non-finite values.
    """
    arrays = (actual, estimate, baseline_abs_return, baseline_excursion) + (
        () if adverse_move is None else (adverse_move,))
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"track_side: shapes differ {[a.shape for a in arrays]}")
    if not all(np.isfinite(a).all() for a in arrays):
        raise ValueError("track_side: inputs must be finite (restrict to evaluated windows first)")
    n = actual.size

    def gain(idx: np.ndarray) -> float:
        return spearman(estimate[idx], actual[idx]) - spearman(baseline_abs_return[idx], actual[idx])

    # no more windows than one block: every resample is the sample itself, a zero-width "interval" (nan instead)
    ci = block_bootstrap_ci(gain, n, block, n_boot, seed=seed) if n_boot and n > block else (math.nan,) * 2
    empty = estimate <= 0.0
    actual_total = float(actual.sum())
    return SideTracking(
        side=side,
        n_windows=int(n),
        map=agreement(actual, estimate, top_share),
        baseline_abs_return=agreement(actual, baseline_abs_return, top_share),
        baseline_excursion=agreement(actual, baseline_excursion, top_share),
        spearman_gain_ci=ci,
        rank_r2_gain_over_excursion=incremental_rank_r2(actual, baseline_excursion, estimate),
        share_of_windows_with_estimate=float(np.mean(estimate > 0.0)) if n else math.nan,
        estimated_total_usd=float(estimate.sum()),
        actual_total_usd=actual_total,
        windows_without_estimate=int(np.count_nonzero(empty)),
        without_estimate_small_move=(-1 if adverse_move is None else
                                     int(np.count_nonzero(empty & (adverse_move < closest_liquidation)))),
        closest_liquidation=closest_liquidation,
        actual_share_without_estimate=float(actual[empty].sum()) / actual_total if actual_total > 0.0 else math.nan,
    )
