"""Entry inference from bars and open interest: where an interval's new positions were opened (pure numpy).

The OI-delta method: an open-interest increase of ΔOI over an OI interval opened ΔOI of long and ΔOI of short
notional somewhere in that interval; these functions give the entry prices and the share of ΔOI at each.
Sources: the volume-profile/VWAP placement and the "hot zone" and "OI spike" proxies of the Liquidation Map
Indicator API (RSTEIN2525/liquidation-map-indicator, ``src/entries.py``), adapted to an OI interval made of
several bars; the taker-imbalance skew follows the long-share blending described in
``/work/shared/LIQUIDATION_FACTS.md`` ("better designs seen elsewhere").
"""

import math

import numpy as np


def volume_profile(prices: np.ndarray, volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Entry prices and shares of the interval's volume profile.

    Parameters
    ----------
    prices : np.ndarray
        Shape ``(n,)`` typical price (H+L+C)/3 of each bar.
    volume : np.ndarray
        Shape ``(n,)`` bar volume (any unit), >= 0.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(prices, weights)``: weights ``v_i / Σv`` (equal weights when all volume is 0), summing to 1.
    """
    total = float(volume.sum())
    if total > 0.0:
        return prices, volume / total
    return prices, np.full(prices.size, 1.0 / prices.size)


def vwap_block(prices: np.ndarray, volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    One block at the interval's volume-weighted typical price ``Σ p_i v_i / Σ v_i``.

    Parameters
    ----------
    prices, volume : np.ndarray
        As :func:`volume_profile`.

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(array([vwap]), array([1.0]))``.
    """
    p, w = volume_profile(prices, volume)
    return np.array([float(np.dot(p, w))]), np.array([1.0])


def hot_zone_profile(
    prices: np.ndarray,
    volume: np.ndarray,
    hot: np.ndarray,
    hot_share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """
    Volume profile in which "hot" bars take ``hot_share`` of the increase.

    ``w_i = (1 - h) · v_i / Σv + h · hot_i · v_i / Σ_hot v`` (``h = hot_share``); without hot volume the plain
    volume profile. A bar is hot when price and OI move together on high volume (see
    :class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`): its close is above the previous close (OI
    rises over the interval) and its volume exceeds a multiple of its rolling mean.

    Parameters
    ----------
    prices, volume : np.ndarray
        As :func:`volume_profile`.
    hot : np.ndarray
        Shape ``(n,)`` 1.0 for hot bars, 0.0 otherwise.
    hot_share : float
        In [0, 1].

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(prices, weights)`` summing to 1.
    """
    _, base = volume_profile(prices, volume)
    hot_volume = volume * hot
    total_hot = float(hot_volume.sum())
    if total_hot <= 0.0 or hot_share <= 0.0:
        return prices, base
    return prices, (1.0 - hot_share) * base + hot_share * hot_volume / total_hot


def is_oi_spike(delta_usd: float, recent: list[float], k_sigma: float, min_samples: int) -> bool:
    """
    Whether an OI change is a spike: ``|ΔOI| > k · σ`` of the recent changes (population σ).

    Parameters
    ----------
    delta_usd : float
        The change (USD).
    recent : list[float]
        Earlier changes (USD), not including ``delta_usd``.
    k_sigma : float
        k (> 0).
    min_samples : int
        No spike is detected with fewer earlier changes.

    Returns
    -------
    bool
    """
    if len(recent) < min_samples:
        return False
    mean = math.fsum(recent) / len(recent)
    sigma = math.sqrt(math.fsum((x - mean) ** 2 for x in recent) / len(recent))
    return sigma > 0.0 and abs(delta_usd) > k_sigma * sigma


def taker_imbalance(buy_usd: float, sell_usd: float) -> float:
    """
    Taker imbalance ``I = (buy - sell) / (buy + sell)`` in [-1, 1]; 0 without taker volume.

    Parameters
    ----------
    buy_usd, sell_usd : float
        Taker buy and sell volume (USD) over the interval, >= 0.

    Returns
    -------
    float
    """
    total = buy_usd + sell_usd
    return (buy_usd - sell_usd) / total if total > 0.0 else 0.0
