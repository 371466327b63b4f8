"""Leverage distributions: the share of position notional at each leverage (pure numpy).

Two families, selected by ``MapParams.leverage_model``:

* ``"normal"``: leverage ~ N(μ, σ) clipped to [1, 125], the method of the Liquidation Map Indicator
  API (profiles conservative N(12, 8), neutral N(25, 15), aggressive N(60, 25); ``dynamic``
  ``μ = 25 + 30a, σ = 15 − 5a`` with ``a = min(|funding|·10⁴, 2)``), discretised on
  :data:`NORMAL_LEVERAGE_GRID`: each grid point takes the probability of the interval between the midpoints to
  its neighbours; clipping puts the mass below 1x on 1x and the mass above 125x on 125x.
* ``"tiers"`` (default): weights on the tiers 5x...125x (the leverage choices offered by Binance USD-M for BTCUSDT;
  125x is the maximum of its first maintenance-margin bracket) from :data:`PROFILES`.

Both are modelling assumptions, not exchange facts; they are documented so users can replace them with
``{tier: weight}`` or fit them to real liquidations (``liqheat calibrate``).
"""

import math
from collections.abc import Mapping

import numpy as np

DEFAULT_TIERS: tuple[float, ...] = (5.0, 10.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0)

NORMAL_LEVERAGE_GRID: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 25.0, 35.0, 50.0, 75.0, 100.0,
                                           125.0)
"""Leverage points (x) on which the ``"normal"`` distribution is discretised (denser where levels are close)."""

NORMAL_PROFILES: dict[str, tuple[float, float]] = {
    "conservative": (12.0, 8.0),
    "neutral": (25.0, 15.0),
    "aggressive": (60.0, 25.0),
}
"""``(μ, σ)`` of the ``"normal"`` profiles (Liquidation Map Indicator API); ``dynamic`` is
:func:`dynamic_normal_parameters`."""

LEVERAGE_CLIP: tuple[float, float] = (1.0, 125.0)
"""The normal distribution is clipped to this range (x)."""

# Weights per tier of DEFAULT_TIERS (they are normalised to sum to 1).
PROFILES: dict[str, tuple[float, ...]] = {
    # mass on 5-10x
    "conservative": (0.35, 0.35, 0.12, 0.08, 0.05, 0.03, 0.01, 0.01),
    # centred on 20-50x
    "neutral": (0.05, 0.10, 0.20, 0.25, 0.20, 0.10, 0.06, 0.04),
    # skewed to 75-125x
    "aggressive": (0.02, 0.04, 0.07, 0.07, 0.15, 0.20, 0.25, 0.20),
}


def leverage_weights(
    profile: str | Mapping[float, float],
    tiers: tuple[float, ...] = DEFAULT_TIERS,
) -> np.ndarray:
    """
    Return the share of new position notional that goes to each leverage tier.

    Parameters
    ----------
    profile : str or Mapping[float, float]
        ``"conservative"``, ``"neutral"``, ``"aggressive"`` (defined on :data:`DEFAULT_TIERS`) or a user
        mapping ``{tier: weight}``; ``"dynamic"`` uses the ``"neutral"`` base (see :func:`funding_tilt`).
    tiers : tuple[float, ...]
        The leverage tiers (x), each >= 1 (a 1x long is never liquidated; MapParams and the normal grid allow it).

    Returns
    -------
    np.ndarray
        Shape ``(len(tiers),)``, float64, non-negative, summing to 1.

    Raises
    ------
    ValueError
        If the profile name is unknown, a named profile is used with tiers other than
        :data:`DEFAULT_TIERS`, a mapping names a tier not in ``tiers``, a weight is negative or all are 0,
        or a tier is below 1.
    """
    tiers_arr = np.asarray(tiers, dtype=np.float64)
    if tiers_arr.ndim != 1 or tiers_arr.size == 0 or not np.all(tiers_arr >= 1.0):
        raise ValueError(f"leverage tiers must be a non-empty sequence of values >= 1, was {tiers_arr.tolist()}")
    if isinstance(profile, str):
        name = "neutral" if profile == "dynamic" else profile
        if name not in PROFILES:
            raise ValueError(
                f"unknown leverage profile {profile!r}; use one of {sorted([*PROFILES, 'dynamic'])} "
                "or a {tier: weight} mapping",
            )
        if tuple(float(t) for t in tiers) != DEFAULT_TIERS:
            raise ValueError(
                f"the named profile {profile!r} is defined on tiers {DEFAULT_TIERS}; "
                "give a {tier: weight} mapping for other tiers",
            )
        weights = np.asarray(PROFILES[name], dtype=np.float64)
    else:
        weights = np.zeros(tiers_arr.size)
        index = {float(t): i for i, t in enumerate(tiers_arr)}
        for tier, weight in profile.items():
            if float(tier) not in index:
                raise ValueError(f"leverage weight given for tier {tier}, which is not one of {tiers}")
            weights[index[float(tier)]] = float(weight)
    if np.any(weights < 0.0) or not np.isfinite(weights).all() or weights.sum() <= 0.0:
        raise ValueError(f"leverage weights must be finite, >= 0 and not all 0, were {weights.tolist()}")
    return weights / weights.sum()


def funding_tilt(
    base: np.ndarray,
    tiers: tuple[float, ...],
    funding_rate: float,
    sensitivity: float = 2_000.0,
    max_tilt: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """
    Shift a leverage distribution per side by the funding rate (the ``dynamic`` profile).

    Positive funding (longs crowded, paying shorts) moves longs toward higher leverage and shorts toward
    lower; negative funding the reverse. The shift is an exponential tilt
    ``w_i · exp(±a · z_i)`` with ``z_i`` the standardised log-leverage of tier i and
    ``a = clip(sensitivity · funding_rate, -max_tilt, max_tilt)``, so it is bounded.

    Parameters
    ----------
    base, tiers
        As :func:`tilt_weights`.
    funding_rate : float
        Funding rate as a fraction per interval (0.0001 = 0.01 %).
    sensitivity : float, default 2000
        Tilt per unit funding rate (0.0005 -> a = 1).
    max_tilt : float, default 1.0
        Bound on ``|a|``.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(long_weights, short_weights)``, each shape ``(n_tiers,)`` summing to 1.
    """
    a = float(np.clip(sensitivity * funding_rate, -max_tilt, max_tilt))
    return tilt_weights(base, tiers, a), tilt_weights(base, tiers, -a)


def standardised_log_leverage(tiers: tuple[float, ...]) -> np.ndarray:
    """
    ``z_i = (ln L_i - mean(ln L)) / std(ln L)`` (0 for a single tier).

    Parameters
    ----------
    tiers : tuple[float, ...]
        Leverage tiers (x), >= 1.

    Returns
    -------
    np.ndarray
        Shape ``(n_tiers,)``.
    """
    log_lev = np.log(np.asarray(tiers, dtype=np.float64))
    return (log_lev - log_lev.mean()) / (log_lev.std() or 1.0)


def tilt_weights(base: np.ndarray, tiers: tuple[float, ...], a: float, z: np.ndarray | None = None) -> np.ndarray:
    """
    Exponentially tilt a leverage distribution toward higher (``a > 0``) or lower (``a < 0``) leverage.

    ``w_i ∝ base_i · exp(a · z_i)`` with ``z_i = (ln L_i - mean(ln L)) / std(ln L)``, the standardised
    log-leverage of tier i (a modelling choice of this project, not an exchange fact). Because
    ``|z_i| <= sqrt(n_tiers - 1)``, the ratio of any tier's weight to its base weight is bounded by
    ``exp(2·|a|·sqrt(n_tiers - 1))`` and the tilt keeps every tier that had weight.

    Parameters
    ----------
    base : np.ndarray
        Shape ``(n_tiers,)`` base weights summing to 1.
    tiers : tuple[float, ...]
        The leverage tiers (x).
    a : float
        Tilt strength (dimensionless).
    z : np.ndarray, optional
        Precomputed :func:`standardised_log_leverage` of ``tiers``.

    Returns
    -------
    np.ndarray
        Shape ``(n_tiers,)`` weights summing to 1.
    """
    if z is None:
        z = standardised_log_leverage(tiers)
    w = base * np.exp(a * z)
    return w / w.sum()


def _normal_cdf(x: float, mu: float, sigma: float) -> float:
    return 0.5 * (1.0 + math.erf((x - mu) / (sigma * math.sqrt(2.0))))


def normal_leverage_weights(mu: float, sigma: float, grid: tuple[float, ...] = NORMAL_LEVERAGE_GRID) -> np.ndarray:
    """
    Discretise leverage ~ N(μ, σ) clipped to [1, 125] on a grid of leverage points.

    Grid point ``L_i`` takes ``Φ(m_i) - Φ(m_{i-1})`` with ``m_i = (L_i + L_{i+1}) / 2`` the midpoints; the first
    point takes everything below ``m_0`` and the last everything above its lower midpoint (clipping: leverage
    below 1x counts as 1x, above 125x as 125x, when the grid spans 1...125).

    Parameters
    ----------
    mu : float
        Mean leverage (x), finite.
    sigma : float
        Standard deviation (x), > 0.
    grid : tuple[float, ...]
        Ascending leverage points (x), each >= 1.

    Returns
    -------
    np.ndarray
        Shape ``(len(grid),)`` weights summing to 1.

    Raises
    ------
    ValueError
        If ``sigma`` <= 0, ``mu`` is not finite or the grid is not ascending.
    """
    if not (math.isfinite(mu) and math.isfinite(sigma) and sigma > 0.0):
        raise ValueError(f"normal leverage distribution needs a finite mu and sigma > 0, were {mu}, {sigma}")
    points = np.asarray(grid, dtype=np.float64)
    if points.ndim != 1 or points.size == 0 or np.any(np.diff(points) <= 0) or points[0] < 1.0:
        raise ValueError(f"leverage grid must ascend from >= 1, was {grid!r}")
    cdf = [_normal_cdf(0.5 * (a + b), mu, sigma) for a, b in zip(points[:-1], points[1:], strict=True)]
    edges = np.array([0.0, *cdf, 1.0])
    weights = np.diff(edges)
    total = weights.sum()
    if total <= 0.0:  # a distribution far outside the grid: all mass on the nearest end
        weights = np.zeros(points.size)
        weights[0 if mu < points[0] else -1] = 1.0
        return weights
    return weights / total


def dynamic_normal_parameters(funding_rate: float) -> tuple[float, float]:
    """
    ``(μ, σ)`` of the ``dynamic`` normal profile: ``a = min(|f|·10⁴, 2)``, ``μ = 25 + 30a``, ``σ = 15 − 5a``.

    Source: the Liquidation Map Indicator API (docs/references.md): a high absolute funding
    rate (a crowded market) moves the assumed leverage up and concentrates it.

    Parameters
    ----------
    funding_rate : float
        Funding rate (fraction per interval, 0.0001 = 0.01 %).

    Returns
    -------
    tuple[float, float]
        ``(μ, σ)`` in x; e.g. ``f = 0.0001`` gives ``a = 1``: ``(55, 10)``.
    """
    a = min(abs(float(funding_rate)) * 1e4, 2.0)
    return 25.0 + 30.0 * a, 15.0 - 5.0 * a
