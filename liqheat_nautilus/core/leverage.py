"""Leverage tiers and the distribution of position notional over them (pure numpy).

The tiers 5x...125x are the leverage choices offered by Binance USD-M for BTCUSDT (125x is the
maximum of its first maintenance-margin bracket). The profile weights are modelling assumptions,
not exchange facts; they are documented so users can replace them with ``{tier: weight}``.
"""

from collections.abc import Mapping

import numpy as np

DEFAULT_TIERS: tuple[float, ...] = (5.0, 10.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0)

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
        The leverage tiers (x), each > 1.

    Returns
    -------
    np.ndarray
        Shape ``(len(tiers),)``, float64, non-negative, summing to 1.

    Raises
    ------
    ValueError
        If the profile name is unknown, a named profile is used with tiers other than
        :data:`DEFAULT_TIERS`, a mapping names a tier not in ``tiers``, a weight is negative or all are 0,
        or a tier is not > 1.
    """
    tiers_arr = np.asarray(tiers, dtype=np.float64)
    if tiers_arr.ndim != 1 or tiers_arr.size == 0 or np.any(tiers_arr <= 1.0):
        raise ValueError(f"leverage tiers must be a non-empty sequence of values > 1, was {tiers!r}")
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
    base : np.ndarray
        Shape ``(n_tiers,)`` base weights summing to 1.
    tiers : tuple[float, ...]
        The leverage tiers (x).
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
        Leverage tiers (x), > 1.

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
