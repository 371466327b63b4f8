"""Scale-free agreement metrics, a binomial confidence interval and a block bootstrap (pure numpy)."""

import math
from collections.abc import Callable

import numpy as np


def average_ranks(x: np.ndarray) -> np.ndarray:
    """
    Ranks 1..n with ties given the mean of the ranks they span (the "fractional" ranking of Spearman's rho).

    Parameters
    ----------
    x : np.ndarray
        Shape ``(n,)`` values.

    Returns
    -------
    np.ndarray
        Shape ``(n,)`` float64 ranks.
    """
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_x) != 0) + 1))
    ends = np.concatenate((starts[1:], [x.size]))
    mean_rank = (starts + ends + 1) / 2.0  # mean of ranks start+1 .. end
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """
    Pearson's product-moment correlation.

    Parameters
    ----------
    x, y : np.ndarray
        Shape ``(n,)`` values.

    Returns
    -------
    float
        In [-1, 1]; ``nan`` when n < 2 or either series is constant.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"pearson: shapes differ {x.shape} vs {y.shape}")
    if x.size < 2:
        return math.nan
    dx, dy = x - x.mean(), y - y.mean()
    denom = math.sqrt(float(np.dot(dx, dx)) * float(np.dot(dy, dy)))
    if denom == 0.0:
        return math.nan
    return float(np.clip(np.dot(dx, dy) / denom, -1.0, 1.0))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """
    Spearman's rank correlation: Pearson's correlation of the average ranks (exact with ties).

    Without ties it equals ``1 - 6 Σd² / (n (n² - 1))`` (Spearman 1904).

    Parameters
    ----------
    x, y : np.ndarray
        Shape ``(n,)`` values, ranked separately (ties share their average rank).

    Returns
    -------
    float
        In [-1, 1]; ``nan`` when n < 2 or either ranking is constant.

    Raises
    ------
    ValueError
        If the shapes differ (from :func:`pearson`).
    """
    return pearson(average_ranks(x), average_ranks(y))


def totals_ratio(estimated_usd: float, actual_usd: float) -> float:
    """
    Return the totals ratio ``estimated / actual`` of some windows, ``nan`` when it is undefined.

    Parameters
    ----------
    estimated_usd : float
        Estimated liquidations summed over the windows (USD, already scaled as the figure wants).
    actual_usd : float
        Actual liquidations summed over the same windows (USD, >= 0).

    Returns
    -------
    float
        ``nan`` when ``actual_usd`` is not > 0: no liquidation to compare with (dividing by 0 USD, or by a floor
        such as 1e-12, gave a meaningless 1e14).
    """
    return estimated_usd / actual_usd if actual_usd > 0.0 else math.nan


def r_squared(y: np.ndarray, *xs: np.ndarray) -> float:
    """
    Coefficient of determination of an ordinary least-squares fit of ``y`` on an intercept and ``xs``.

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` response.
    *xs : np.ndarray
        Regressors, each shape ``(n,)``.

    Returns
    -------
    float
        ``1 - SS_res / SS_tot`` in [0, 1]; ``nan`` when ``y`` is constant or n <= number of coefficients.
    """
    y = np.asarray(y, dtype=np.float64)
    design = np.column_stack([np.ones(y.size), *(np.asarray(x, dtype=np.float64) for x in xs)])
    if y.size <= design.shape[1]:
        return math.nan
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot == 0.0:
        return math.nan
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(max(0.0, 1.0 - float(resid @ resid) / ss_tot))


def incremental_rank_r2(actual: np.ndarray, baseline: np.ndarray, estimate: np.ndarray) -> float:
    """
    Measure what an estimate adds to a baseline (gain in rank R²).

    The gain in R² of the ranks of ``actual`` when the ranks of ``estimate`` join the ranks of ``baseline`` as
    regressors (a rank-based version of the "R² over distance alone" check of published liquidation-map
    evaluations).

    Parameters
    ----------
    actual, baseline, estimate : np.ndarray
        Shape ``(n,)`` values.

    Returns
    -------
    float
        ``R²(rank actual ~ rank baseline + rank estimate) - R²(rank actual ~ rank baseline)`` >= 0 up to
        rounding; ``nan`` when undefined.
    """
    ya, xb, xe = (average_ranks(v) for v in (actual, baseline, estimate))
    return r_squared(ya, xb, xe) - r_squared(ya, xb)


def top_membership(x: np.ndarray, share: float) -> tuple[np.ndarray, int]:
    """
    Membership of each element in the top ``share`` of a series, with ties at the cut shared fractionally.

    The top set has ``k = ceil(share · n)`` elements. Elements strictly above the cut value belong fully; the
    ``t`` elements equal to the cut value share the remaining ``r`` places, each with membership ``r / t`` (the
    expected membership when ties are broken at random). Memberships sum to ``k``.

    Parameters
    ----------
    x : np.ndarray
        Shape ``(n,)`` values, n >= 1.
    share : float
        In (0, 1], e.g. 0.1 for the top decile.

    Returns
    -------
    tuple[np.ndarray, int]
        Memberships, shape ``(n,)`` in [0, 1], and ``k``.

    Raises
    ------
    ValueError
        If ``share`` is out of range or ``x`` is empty.
    """
    x = np.asarray(x, dtype=np.float64)
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], was {share}")
    if x.size == 0:
        raise ValueError("top_membership: empty series")
    k = math.ceil(share * x.size - 1e-9)
    cut = np.sort(x)[::-1][k - 1]
    above = x > cut
    tied = x == cut
    member = above.astype(np.float64)
    member[tied] = (k - int(above.sum())) / int(tied.sum())
    return member, k


def top_share_overlap(actual: np.ndarray, estimate: np.ndarray, share: float = 0.1) -> float:
    """
    Share of the top-``share`` windows of ``actual`` that are also top-``share`` windows of ``estimate``.

    Computed as ``Σ m_actual · m_estimate / k`` with the fractional memberships of :func:`top_membership`, i.e.
    the expected overlap when ties are broken at random. An estimate unrelated to the actual series scores
    ``share`` on average; a perfect ranking scores 1.

    Parameters
    ----------
    actual, estimate : np.ndarray
        Shape ``(n,)`` values.
    share : float, default 0.1
        The top share (0.1 = top decile).

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ValueError
        If the shapes differ or ``share`` is out of range.
    """
    actual = np.asarray(actual, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    if actual.shape != estimate.shape:
        raise ValueError(f"top_share_overlap: shapes differ {actual.shape} vs {estimate.shape}")
    m_a, k = top_membership(actual, share)
    m_e, _ = top_membership(estimate, share)
    return float(np.dot(m_a, m_e) / k)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """
    Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998, method 3).

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = successes / trials`` and ``z`` the
    two-sided normal quantile of ``confidence``.

    Parameters
    ----------
    successes : int
        Number of successes, 0 <= successes <= trials.
    trials : int
        Number of trials, >= 0.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple[float, float]
        ``(low, high)`` in [0, 1]; ``(nan, nan)`` when ``trials`` is 0.

    Raises
    ------
    ValueError
        If the counts or the confidence level are out of range.
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"wilson_interval: need 0 <= successes <= trials, got {successes}/{trials}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), was {confidence}")
    if trials == 0:
        return math.nan, math.nan
    z = normal_quantile(0.5 + confidence / 2.0)
    n = float(trials)
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2.0 * n)
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    denom = 1.0 + z2 / n
    return max(0.0, (centre - half) / denom), min(1.0, (centre + half) / denom)


def normal_quantile(p: float) -> float:
    """
    Quantile of the standard normal distribution (inverse CDF), by Newton steps on ``math.erf``.

    Parameters
    ----------
    p : float
        Probability in (0, 1).

    Returns
    -------
    float
        ``z`` with ``Φ(z) = p`` to about 1e-12.

    Raises
    ------
    ValueError
        If ``p`` is not in (0, 1).
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"normal_quantile: p must be in (0, 1), was {p}")
    z = 0.0
    for _ in range(100):
        cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
        pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        step = (cdf - p) / max(pdf, 1e-300)
        z -= max(min(step, 2.0), -2.0)
        if abs(step) < 1e-13:
            break
    return z


def bootstrap_block(window_hours: float, horizon_hours: float = 0.0) -> int:
    """
    Block length (in windows) of the evaluation's moving-block bootstraps: one day, or ``2·H`` for a horizon ``H``.

    Windows one day apart are taken as roughly independent; a snapshot's ``H``-hour outcome overlaps those of the
    snapshots up to ``H`` later, so the attraction test's blocks span at least twice the horizon.

    Parameters
    ----------
    window_hours : float
        Length of one window (hours, > 0).
    horizon_hours : float, default 0
        Outcome horizon ``H`` (hours); 0 for the per-window tracking figures.

    Returns
    -------
    int
        ``max(1, round(24 / window_hours), ceil(2·H / window_hours))``. A series of no more windows than this has a
        single moving-block resample: its interval is reported as ``nan`` (the report notes it).
    """
    day = max(1, round(24.0 / window_hours))
    return max(day, math.ceil(2.0 * horizon_hours / window_hours)) if horizon_hours > 0.0 else day


def block_bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    n: int,
    block: int,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """
    Percentile confidence interval of a statistic by the moving-block bootstrap (Künsch 1989).

    Each resample concatenates ``ceil(n / block)`` blocks of ``block`` consecutive indices with uniformly
    drawn starts and cuts it to ``n`` indices, preserving serial dependence within blocks.

    Parameters
    ----------
    statistic : Callable[[np.ndarray], float]
        Maps an int64 index array of shape ``(n,)`` (into the caller's series) to a number; ``nan`` results are
        ignored.
    n : int
        Series length, >= 1.
    block : int
        Block length in observations, 1 <= block <= n.
    n_boot : int, default 1000
        Number of resamples.
    confidence : float, default 0.95
        Two-sided level.
    seed : int, default 0
        Seed of the generator (results are reproducible).

    Returns
    -------
    tuple[float, float]
        ``(low, high)`` percentiles; ``(nan, nan)`` if every resample gave ``nan``.

    Raises
    ------
    ValueError
        If ``n`` or ``block`` is out of range.
    """
    if n < 1 or not 1 <= block <= n:
        raise ValueError(f"block_bootstrap_ci: need 1 <= block <= n, got block={block}, n={n}")
    rng = np.random.default_rng(seed)
    n_blocks = math.ceil(n / block)
    offsets = np.arange(block)
    values = np.empty(n_boot)
    for b in range(n_boot):
        starts = rng.integers(0, n - block + 1, size=n_blocks)
        idx = (starts[:, None] + offsets[None, :]).ravel()[:n]
        values[b] = statistic(idx)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan
    alpha = (1.0 - confidence) / 2.0
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1.0 - alpha))
