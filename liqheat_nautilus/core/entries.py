"""Entry inference from bars and open interest: where an interval's new positions were opened (pure numpy).

The OI-delta method: an open-interest increase of ΔOI over an OI interval opened ΔOI of long and ΔOI of short
notional somewhere in that interval; these functions give the entry prices and the share of ΔOI at each.
Sources: the volume-profile/VWAP placement and the "hot zone" and "OI spike" proxies of the Liquidation Map
Indicator API (RSTEIN2525/liquidation-map-indicator, ``src/entries.py``), adapted to an OI interval made of
several bars; the taker-imbalance skew follows the long-share blending described in
docs/references.md ("better designs seen elsewhere").
"""

import math

import numpy as np

_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
"""2.2e-308: below it floats lose precision (subnormal), and products with them round by up to 100 %."""


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
    if total_hot < _SMALLEST_NORMAL:  # subnormal volumes: h·v would round (0.7 × 5e-324 = 5e-324), so shares first
        return prices, (1.0 - hot_share) * base + hot_share * (hot_volume / total_hot)
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


def adverse_after(lows: np.ndarray, highs: np.ndarray, price: float) -> tuple[np.ndarray, np.ndarray]:
    """
    Return the most adverse prices reached after each bar: what liquidates a position opened in that bar.

    A long opened in bar ``i`` is liquidated by any later low at or below its level, a short by any later high
    at or above it; the bar's own range is not used (the order of its high and low relative to the entry is
    unknown), the current price is.

    Parameters
    ----------
    lows, highs : np.ndarray
        Shape ``(n,)`` bar lows and highs in time order.
    price : float
        The current price (after the last bar).

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(lowest, highest)``, each ``(n,)``: ``min(lows[i+1:], price)`` and ``max(highs[i+1:], price)``.
    """
    n = lows.size
    lowest = np.empty(n)
    highest = np.empty(n)
    if n:
        lowest[-1] = price
        highest[-1] = price
        if n > 1:
            lowest[:-1] = np.minimum(np.minimum.accumulate(lows[:0:-1])[::-1], price)
            highest[:-1] = np.maximum(np.maximum.accumulate(highs[:0:-1])[::-1], price)
    return lowest, highest


def holding_survival(age_hours: np.ndarray, half_lives: np.ndarray) -> np.ndarray:
    """
    Share of positions still open after ``age`` hours, per leverage point: ``2^(−age / h_t)`` (1 when ``h_t = 0``).

    Parameters
    ----------
    age_hours : np.ndarray
        Shape ``(n,)`` ages (hours, >= 0).
    half_lives : np.ndarray
        Shape ``(n_tiers,)`` holding half-lives (hours; 0: never closed by age).

    Returns
    -------
    np.ndarray
        Shape ``(n, n_tiers)``.
    """
    hl = np.asarray(half_lives, dtype=np.float64)
    safe = np.where(hl > 0.0, hl, 1.0)
    return np.where(hl[None, :] > 0.0, np.exp2(-np.asarray(age_hours)[:, None] / safe[None, :]), 1.0)


def volume_span_hours(ts_ns: np.ndarray, now_ns: int) -> float:
    """
    Hours covered by bars closing at ``ts_ns`` up to ``now_ns``: from the first bar's *open* to ``now``.

    The first bar's open is its close minus the bars' spacing (the median gap between closes), so ``n`` bars of
    volume are divided by ``n`` bar lengths (not ``n − 1``). With fewer than two bars the spacing, and so the
    span, is unknown: 0.

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 bar close times (UNIX ns), ascending.
    now_ns : int
        The present (UNIX ns).

    Returns
    -------
    float
        Hours (>= 0; 0 with fewer than two bars).
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    if ts.size < 2:
        return 0.0
    spacing = float(np.median(np.diff(ts)))
    return max(now_ns - int(ts[0]) + spacing, 0.0) / 3.6e12


def clock_ages(ts_ns: np.ndarray, volume: np.ndarray, now_ns: int, clock: str) -> np.ndarray:
    """
    Age of each bar at ``now_ns`` in hours of the turnover clock.

    ``"time"``: ``(now − ts_i)`` in hours. ``"volume"``: the volume traded after bar ``i`` divided by the mean
    volume per hour of the whole span (``Σ v / span``, span from :func:`volume_span_hours`), so a quiet day ages
    positions less than a busy one and uniform volume gives the time ages; falls back to time when there is no
    volume.

    Parameters
    ----------
    ts_ns : np.ndarray
        Shape ``(n,)`` int64 bar close times (UNIX ns), ascending.
    volume : np.ndarray
        Shape ``(n,)`` bar volumes (any unit), >= 0.
    now_ns : int
        The present (UNIX ns).
    clock : str
        ``"volume"`` or ``"time"``.

    Returns
    -------
    np.ndarray
        Shape ``(n,)`` ages (hours, >= 0).
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    hours = np.maximum(now_ns - ts, 0) / 3.6e12
    total = float(np.sum(volume))
    span = volume_span_hours(ts, now_ns)
    if clock == "time" or total <= 0.0 or span <= 0.0:
        return hours
    after = total - np.cumsum(volume)  # volume traded after each bar
    return after / (total / span)


REFERENCE_BLEND = (0.7, 0.2, 0.1)
"""Weights of hot zones, big moves and VWAP in the reference entry blend (Liquidation Map Indicator API)."""
REFERENCE_MOVE = 0.008
"""A period is a hot zone or a big move when its return exceeds 0.8 % (up for longs, down for shorts)."""
REFERENCE_VOLUME_QUANTILE = 0.75
"""... and its volume exceeds this quantile of the lookback's periods."""
REFERENCE_OI_QUANTILE = 0.70
"""Hot zones also need an OI increase above this quantile of the lookback's |ΔOI|."""


def _groups(mask: np.ndarray) -> list[np.ndarray]:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    return np.split(idx, breaks)


def reference_entries(close: np.ndarray, volume: np.ndarray, returns: np.ndarray, d_oi: np.ndarray, side: int,
                      volume_threshold: float, oi_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """
    Entry prices and weights of one side by the reference blend: 70 % hot zones, 20 % big moves, 10 % VWAP.

    Method of the Liquidation Map Indicator API (``src/entries.py``; thresholds from its ``config.py``): over
    periods (its 1 h bars; here the open-interest intervals or the seed's hourly periods), a *hot zone* is a run
    of consecutive periods whose return exceeds +0.8 % (longs; −0.8 % for shorts) with an OI increase above the
    70 % quantile of |ΔOI| and volume above the 75 % quantile; its entry is the volume-weighted close of the run,
    weighted by the run's ΔOI. A *big move* is the same without the OI condition, weighted by the run's volume.
    The VWAP of all periods takes the last 10 %. Each method's weights are normalised to its share; methods with
    no entry are left out and the rest renormalised. Difference by design: the reference assigns the VWAP entry
    to a random side (unseeded); here both sides get it.

    Parameters
    ----------
    close, volume, returns, d_oi : np.ndarray
        Shape ``(n,)`` per period: close (price), volume (any unit, >= 0), return (fraction), OI change (any unit;
        ``nan`` when unknown: no hot zone).
    side : int
        +1 long, -1 short.
    volume_threshold, oi_threshold : float
        The 75 % quantile of the lookback's volume and the 70 % quantile of its |ΔOI| (``inf``: none qualifies).

    Returns
    -------
    tuple[np.ndarray, np.ndarray]
        ``(prices, weights)``: weights summing to 1.
    """
    close = np.asarray(close, dtype=np.float64)
    volume = np.asarray(volume, dtype=np.float64)
    moved = returns * side > REFERENCE_MOVE
    loud = volume > volume_threshold
    with np.errstate(invalid="ignore"):
        hot = moved & loud & (d_oi > oi_threshold)
    parts: list[tuple[float, list[float], list[float]]] = []
    for share, mask, use_oi in ((REFERENCE_BLEND[0], hot, True), (REFERENCE_BLEND[1], moved & loud, False)):
        prices, raw = [], []
        for g in _groups(mask):
            v = volume[g]
            prices.append(float(np.dot(close[g], v) / v.sum()) if v.sum() > 0.0 else float(close[g].mean()))
            raw.append(max(float(np.nansum(d_oi[g])), 0.0) if use_oi else float(v.sum()))
        if prices:
            parts.append((share, prices, raw))
    vsum = float(volume.sum())
    vwap = float(np.dot(close, volume) / vsum) if vsum > 0.0 else float(close.mean())
    parts.append((REFERENCE_BLEND[2], [vwap], [1.0]))
    total_share = sum(s for s, _, _ in parts)
    prices_out: list[float] = []
    weights_out: list[float] = []
    for share, prices, raw in parts:
        raw_sum = sum(raw)
        norm = [r / raw_sum for r in raw] if raw_sum > 0.0 else [1.0 / len(raw)] * len(raw)
        prices_out.extend(prices)
        weights_out.extend(share / total_share * w for w in norm)
    return np.asarray(prices_out), np.asarray(weights_out)


BAR_SPREAD = ((-1, 0.25), (0, 0.5), (1, 0.25))
"""Where a bar's openings are placed: its low, typical price (H+L+C)/3 and high with these weights."""


def bar_entries(typical: np.ndarray, lows: np.ndarray, highs: np.ndarray, weights: np.ndarray, price: float,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """
    Spread each bar's openings over its range and its unknown intrabar order.

    A bar is an aggregate: positions were opened at every price it traded, and the order of its high and low
    relative to each opening is unknown. Each bar's weight goes to three entry prices — its low, its typical price
    and its high (:data:`BAR_SPREAD`: 1/4, 1/2, 1/4) — each in two halves: one opened before the bar's own
    extremes (they can liquidate it), one after (only later bars can). With fine bars (1 minute) this changes
    little; with coarse bars (1 hour) it keeps the positions a bar both opened and liquidated, so the map does not
    depend on the bar length.

    Parameters
    ----------
    typical, lows, highs : np.ndarray
        Shape ``(n,)`` bar typical prices, lows and highs in time order.
    weights : np.ndarray
        Shape ``(n, k)`` weight of each bar (``k`` 1, or one column per leverage point).
    price : float
        The current price.

    Returns
    -------
    tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ``(entries, weights, lowest, highest)`` of the ``6n`` virtual entries: prices ``(6n,)``, weights
        ``(6n, k)`` (each bar's total kept), and the most adverse prices after each (see :func:`adverse_after`).
    """
    later_low, later_high = adverse_after(lows, highs, price)
    own_low, own_high = np.minimum(later_low, lows), np.maximum(later_high, highs)
    points = {-1: lows, 0: typical, 1: highs}
    entries, w, lo, hi = [], [], [], []
    for where, share in BAR_SPREAD:
        for low_after, high_after in ((own_low, own_high), (later_low, later_high)):
            entries.append(points[where])
            w.append(weights * (0.5 * share))
            lo.append(low_after)
            hi.append(high_after)
    return np.concatenate(entries), np.concatenate(w, axis=0), np.concatenate(lo), np.concatenate(hi)
