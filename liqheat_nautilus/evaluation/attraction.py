"""Evaluation 2: do the map's clusters attract price (are they touched more often than other levels).

At each eligible snapshot the ``top_k`` largest clusters (by notional, both sides together) within
``max_distance_pct`` of price (and at least ``min_distance_pct`` away, 0 by default) are taken. A long cluster
(below price) is *touched* when the lowest low of the bars closing in ``(t, t + H]`` reaches its notional-weighted
level; a short cluster (above) when the highest high does. Two baselines use the same distances without the map:

* **same-distance base rate**: for each selected cluster at signed distance ``d``, the share of *all* eligible
  snapshots at which a level at ``d`` was touched within ``H`` (the lift is hit rate minus this);
* **mirror**: the level at ``-d`` (same distance, other side of price) at the same snapshot.
"""

import math
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.evaluation.baselines import same_distance_touch_rate, touched
from liqheat_nautilus.evaluation.metrics import block_bootstrap_ci, wilson_interval


@dataclass(frozen=True)
class Attraction:
    """
    Touch rates of the map's clusters and of the baselines, for one horizon.

    Attributes
    ----------
    horizon_hours : float
        H.
    top_k : int
        Clusters taken per snapshot.
    max_distance_pct : float
        Largest distance from price (percent) of a selected cluster.
    n_snapshots : int
        Eligible snapshots (after warm-up, with the whole horizon inside the bar data).
    n_clusters : int
        Cluster-snapshot pairs judged (a persisting cluster counts once per snapshot).
    mean_abs_distance_pct : float
        Mean |distance| of the judged clusters (percent).
    hit_rate : float
        Share of judged clusters touched within H.
    hit_rate_ci : tuple[float, float]
        Wilson 95 % interval of ``hit_rate`` (treats pairs as independent: too narrow; see ``lift_ci``).
    base_rate : float
        Mean same-distance base rate of the judged clusters.
    lift : float
        ``hit_rate - base_rate``.
    lift_ci : tuple[float, float]
        Moving-block bootstrap 95 % interval of ``lift`` over snapshots.
    mirror_rate : float
        Touch rate of the mirrored levels.
    min_distance_pct : float
        Smallest distance from price (percent) of a selected cluster (0: every cluster up to
        ``max_distance_pct``; a band such as 0.5-1 % checks a published distance-band finding).
    """

    horizon_hours: float
    top_k: int
    max_distance_pct: float
    n_snapshots: int
    n_clusters: int
    mean_abs_distance_pct: float
    hit_rate: float
    hit_rate_ci: tuple[float, float]
    base_rate: float
    lift: float
    lift_ci: tuple[float, float]
    mirror_rate: float
    min_distance_pct: float = 0.0


def distance_band(min_distance_pct: float, max_distance_pct: float) -> str:
    """
    Name the distance band of the judged clusters for reports: ``"5%"`` or, with a floor, ``"0.5-1%"``.

    Parameters
    ----------
    min_distance_pct, max_distance_pct : float
        The band's limits (percent of price).

    Returns
    -------
    str
    """
    return f"{min_distance_pct:g}-{max_distance_pct:g}%" if min_distance_pct > 0.0 else f"{max_distance_pct:g}%"


def select_clusters(
    snapshot: np.ndarray,
    distance_pct: np.ndarray,
    notional: np.ndarray,
    eligible: np.ndarray,
    top_k: int,
    max_distance_pct: float,
    min_distance_pct: float = 0.0,
) -> np.ndarray:
    """
    Select the ``top_k`` largest clusters within ``max_distance_pct`` at each eligible snapshot (indices).

    Only clusters at least ``min_distance_pct`` from price compete (the top ``k`` of that distance band).

    Parameters
    ----------
    snapshot : np.ndarray
        Shape ``(m,)`` int snapshot index of each cluster.
    distance_pct : np.ndarray
        Shape ``(m,)`` signed distance from price in percent.
    notional : np.ndarray
        Shape ``(m,)`` USD notional.
    eligible : np.ndarray
        Shape ``(n_snapshots,)`` bool.
    top_k : int
        Clusters kept per snapshot, >= 1.
    max_distance_pct : float
        Distance limit in percent, > 0.
    min_distance_pct : float, default 0
        Distance floor in percent, ``0 <= min_distance_pct < max_distance_pct``.

    Returns
    -------
    np.ndarray
        int64 indices into the cluster arrays, ordered by snapshot then decreasing notional.
    """
    away = np.abs(distance_pct)
    ok = eligible[snapshot] & (away <= max_distance_pct) & (away >= min_distance_pct) & (distance_pct != 0.0)
    idx = np.flatnonzero(ok)
    order = np.lexsort((-notional[idx], snapshot[idx]))
    idx = idx[order]
    snaps = snapshot[idx]
    first = np.concatenate(([True], snaps[1:] != snaps[:-1])) if idx.size else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(idx.size), 0)) if idx.size else idx
    rank = np.arange(idx.size) - group_start
    return idx[rank < top_k]


def cluster_attraction(
    snapshot: np.ndarray,
    distance_pct: np.ndarray,
    notional: np.ndarray,
    max_drop: np.ndarray,
    max_rise: np.ndarray,
    eligible: np.ndarray,
    horizon_hours: float,
    top_k: int = 5,
    max_distance_pct: float = 5.0,
    block: int = 12,
    n_boot: int = 500,
    seed: int = 0,
    min_distance_pct: float = 0.0,
) -> Attraction:
    """
    Touch rate of the map's nearby top clusters against the same-distance base rate and the mirror levels.

    Parameters
    ----------
    snapshot, distance_pct, notional : np.ndarray
        Shape ``(m,)`` clusters recorded by the replay (snapshot index, signed distance in percent, USD).
    max_drop, max_rise : np.ndarray
        Shape ``(n_snapshots,)`` ``lowest_low / price - 1`` and ``highest_high / price - 1`` over ``(t, t + H]``
        (``nan`` where not measurable).
    eligible : np.ndarray
        Shape ``(n_snapshots,)`` bool: snapshots judged (must have finite extremes).
    horizon_hours : float
        H (label).
    top_k : int, default 5
        Clusters per snapshot.
    max_distance_pct : float, default 5.0
        Distance limit (percent).
    block : int, default 12
        Bootstrap block length in snapshots.
    n_boot : int, default 500
        Bootstrap resamples (0 skips).
    seed : int, default 0
        Bootstrap seed.
    min_distance_pct : float, default 0
        Distance floor (percent): only clusters in ``[min_distance_pct, max_distance_pct]`` of price are judged.

    Returns
    -------
    Attraction
        With ``n_snapshots == 0`` and every rate ``nan`` when no eligible snapshot is left once those with a
        non-finite extreme (horizon not covered by the price path) are dropped (the report notes why).
    """
    eligible = eligible & np.isfinite(max_drop) & np.isfinite(max_rise)
    if not eligible.any():
        nan = math.nan
        return Attraction(float(horizon_hours), int(top_k), float(max_distance_pct), 0, 0, nan, nan, (nan, nan), nan,
                          nan, (nan, nan), nan, float(min_distance_pct))
    chosen = select_clusters(snapshot, distance_pct, notional, eligible, top_k, max_distance_pct, min_distance_pct)
    snap = snapshot[chosen]
    d = distance_pct[chosen] / 100.0
    hit = touched(d, max_drop[snap], max_rise[snap]).astype(np.float64)
    base = same_distance_touch_rate(d, max_drop[eligible], max_rise[eligible])
    mirror = touched(-d, max_drop[snap], max_rise[snap]).astype(np.float64)
    n = int(chosen.size)
    k = int(hit.sum())
    eligible_idx = np.flatnonzero(eligible)
    # bootstrap over eligible snapshots: resampled snapshots contribute all their judged clusters
    per_snap_hit = np.bincount(snap, weights=hit, minlength=eligible.size)[eligible_idx]
    per_snap_base = np.bincount(snap, weights=base, minlength=eligible.size)[eligible_idx]
    per_snap_n = np.bincount(snap, minlength=eligible.size)[eligible_idx]

    def lift_of(idx: np.ndarray) -> float:
        count = per_snap_n[idx].sum()
        return float((per_snap_hit[idx].sum() - per_snap_base[idx].sum()) / count) if count else math.nan

    s = eligible_idx.size
    lift_ci = (block_bootstrap_ci(lift_of, s, block, n_boot, seed=seed)
               if n and n_boot and s > block else (math.nan, math.nan))  # s <= block: one resample, no interval
    return Attraction(
        horizon_hours=float(horizon_hours),
        top_k=int(top_k),
        max_distance_pct=float(max_distance_pct),
        n_snapshots=int(s),
        n_clusters=n,
        mean_abs_distance_pct=float(np.mean(np.abs(d)) * 100.0) if n else math.nan,
        hit_rate=k / n if n else math.nan,
        hit_rate_ci=wilson_interval(k, n),
        base_rate=float(base.mean()) if n else math.nan,
        lift=float(hit.mean() - base.mean()) if n else math.nan,
        lift_ci=lift_ci,
        mirror_rate=float(mirror.mean()) if n else math.nan,
        min_distance_pct=float(min_distance_pct),
    )
