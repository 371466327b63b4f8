"""Compiled loops of the engine's hot paths: sweeps, cohort scatter and the cluster/magnet read (numba).

Each of these paths used to be a chain of 15-60 small numpy calls per event; inside a Nautilus backtest the
Python-level overhead of those calls (and the caches they evict) dominated the arithmetic. Here each path is
one ``numba.njit`` function over the same arrays, with the same formulas as the numpy versions they replace
(``tests/core/test_kernels.py`` checks them against straightforward numpy references). Nothing here imports
Nautilus; no ``fastmath`` (IEEE semantics kept). The first call of each kernel compiles it (cached on disk
with ``cache=True``, so later processes load it).

Conventions: a side's ``usd`` is ``(n_bins, n_tiers)`` float64 USD notional, ``status`` ``(n_bins,)`` int8
(0 ACTIVE, 1 PARTIAL, 2 CLEARED), ``share`` ``(n_bins,)`` float64 traded share of a bin's range, ``layers``
``(n_layers, n_bins, n_tiers)`` cohort layers (``n_layers`` may be 0). Bin ``k`` covers prices
``[(base + k)·width, (base + k + 1)·width)``.
"""

import math
import time

import numba
import numpy as np

__all__ = [
    "METHOD_QUANTILE",
    "METHOD_SIGMA",
    "STATUS_ACTIVE",
    "STATUS_CLEARED",
    "STATUS_PARTIAL",
    "anchor_sides",
    "interval_entries",
    "magnet_sums",
    "open_cohort",
    "pairwise_sum",
    "read_curves",
    "read_map",
    "row_totals",
    "scale_sides",
    "scatter_cohort",
    "side_units",
    "sweep_down",
    "sweep_up",
    "track_clusters",
    "warm_up",
]

METHOD_QUANTILE = 0
METHOD_SIGMA = 1
# bin status codes (``SideBook.status``; names in ``engine.STATUS_NAMES``)
STATUS_ACTIVE = 0
STATUS_PARTIAL = 1
STATUS_CLEARED = 2

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _row_sum(usd, k):
    total = 0.0
    for t in range(usd.shape[1]):
        total += usd[k, t]
    return total


@_jit
def _row_nonzero(usd, k):
    # an explicit loop (numba does not compile a generator inside any())
    for t in range(usd.shape[1]):  # noqa: SIM110
        if usd[k, t] > 0.0:
            return True
    return False


@_jit
def row_totals(usd):
    """
    Notional per bin: the row sums of ``usd``.

    Parameters
    ----------
    usd : np.ndarray
        ``(n_bins, n_tiers)`` float64 USD.

    Returns
    -------
    np.ndarray
        ``(n_bins,)`` float64 USD (tiers summed in order).
    """
    n = usd.shape[0]
    out = np.empty(n)
    for k in range(n):
        out[k] = _row_sum(usd, k)
    return out


@_jit
def _units(usd_amount, t, k, unit_w, inverse, base, width):
    """Position units of ``usd_amount`` USD in bin ``k``, tier ``t``: USD (inverse) or base ≈ USD·f_t / centre."""
    if inverse:
        return usd_amount
    return usd_amount * unit_w[t] / ((base + k + 0.5) * width)


@_jit
def _partial(usd, layers, status, share, k, new_share, unit_w, inverse, base, width, units_out):
    """Sweep bin ``k`` up to ``new_share`` of its range (uniform within the bin); return the swept USD."""
    if new_share > 1.0:  # a price on the bin's edge can give 1 + 1e-16 by rounding: never keep a negative share
        new_share = 1.0
    old = share[k]
    if new_share <= old or status[k] == STATUS_CLEARED:
        return 0.0
    frac = (new_share - old) / (1.0 - old) if old < 1.0 else 1.0
    keep = 1.0 - frac
    swept = 0.0
    for t in range(usd.shape[1]):
        gone = usd[k, t] * frac
        swept += gone
        units_out[t] += _units(gone, t, k, unit_w, inverse, base, width)
        usd[k, t] *= keep
    for layer in range(layers.shape[0]):
        for t in range(usd.shape[1]):
            layers[layer, k, t] *= keep
    share[k] = new_share
    status[k] = STATUS_PARTIAL
    return swept


@_jit
def _clear(usd, layers, status, share, a, b, unit_w, inverse, base, width, units_out):
    """Zero bins ``a..b-1`` (total and layers), mark them CLEARED; return the removed USD."""
    removed = 0.0
    for k in range(a, b):
        for t in range(usd.shape[1]):
            gone = usd[k, t]
            if gone != 0.0:
                removed += gone
                units_out[t] += _units(gone, t, k, unit_w, inverse, base, width)
                usd[k, t] = 0.0
        for layer in range(layers.shape[0]):
            for t in range(usd.shape[1]):
                layers[layer, k, t] = 0.0
        status[k] = STATUS_CLEARED
        share[k] = 1.0
    return removed


@_jit
def sweep_down(usd, layers, status, share, edge, j, new_share, unit_w, inverse, base, width, units_out):
    """
    Price fell into bin ``j``: liquidate the long levels it reached.

    Bins above ``j`` up to the edge are passed through (``CLEARED``, all their notional swept); bin ``j`` is
    swept for the share of its range traded (``PARTIAL``). Arrays are modified in place.

    Parameters
    ----------
    usd, layers, status, share : np.ndarray
        The long side (see the module conventions).
    edge : int
        Highest non-empty bin (>= 0).
    j : int
        Local bin of the low (may lie outside ``[0, n_bins)``).
    new_share : float
        Share of bin ``j``'s range at or above the low: ``((base + j + 1)·width - low) / width``.
    unit_w : np.ndarray
        ``(n_tiers,)`` level per unit of entry of each tier (``LevelModel.unit_factor``): the swept notional's
        base units are ``USD · unit_w[t] / bin centre`` (linear).
    inverse : bool
        Inverse contract: units are USD.
    base : int
        Grid's base index.
    width : float
        Bin width (price).
    units_out : np.ndarray
        ``(n_tiers,)`` float64; the swept units are added to it.

    Returns
    -------
    tuple[float, int]
        ``(swept USD, new edge)``; the edge is -1 when the side is empty.
    """
    top = edge
    if j == top and new_share < 1.0:  # the common case: price only entered the edge bin
        return _partial(usd, layers, status, share, j, new_share, unit_w, inverse, base, width, units_out), top
    swept = 0.0
    if j < top:
        swept += _clear(usd, layers, status, share, max(j + 1, 0), top + 1, unit_w, inverse, base, width,
                        units_out)
    if 0 <= j <= top:
        swept += _partial(usd, layers, status, share, j, new_share, unit_w, inverse, base, width, units_out)
    k = max(min(j, top) + 1, 0) - 1
    while k >= 0 and not _row_nonzero(usd, k):
        k -= 1
    return swept, k


@_jit
def sweep_up(usd, layers, status, share, edge, j, new_share, unit_w, inverse, base, width, units_out):
    """
    Price rose into bin ``j``: liquidate the short levels it reached (the mirror of :func:`sweep_down`).

    Parameters
    ----------
    usd, layers, status, share : np.ndarray
        The short side (see the module conventions).
    edge : int
        Lowest non-empty bin (>= 0).
    j : int
        Local bin of the high (may lie outside ``[0, n_bins)``).
    new_share : float
        Share of bin ``j``'s range at or below the high: ``(high - (base + j)·width) / width``.
    unit_w, inverse, base, width, units_out
        As :func:`sweep_down`.

    Returns
    -------
    tuple[float, int]
        ``(swept USD, new edge)``; the edge is -1 when the side is empty.
    """
    bottom = edge
    if j == bottom and new_share < 1.0:
        return _partial(usd, layers, status, share, j, new_share, unit_w, inverse, base, width, units_out), bottom
    n = usd.shape[0]
    swept = 0.0
    if j > bottom:
        swept += _clear(usd, layers, status, share, bottom, min(j, n), unit_w, inverse, base, width, units_out)
    if bottom <= j < n:
        swept += _partial(usd, layers, status, share, j, new_share, unit_w, inverse, base, width, units_out)
    k = max(j, bottom, 0)
    while k < n and not _row_nonzero(usd, k):
        k += 1
    return swept, (k if k < n else -1)


@_jit
def scatter_cohort(entries, levels, per_unit, weights, tier_w, size_w, amount_usd, low, width, base, usd, layers,
                   slot, status, share, sweep_at, side, inverse, units_out, outside_out):
    """
    Open one cohort: ``amount_usd · weights[i, t] · tier_w[t] · size_w[s]`` at the bin of the liquidation price of
    entry ``i``, tier ``t`` and position size ``s``.

    A level that price reached after its entry (long: ``level >= sweep_at[i]``; short: ``level <= sweep_at[i]``)
    is liquidated at once (returned as swept, not added). A level outside the grid (or not finite, or <= 0: a
    long that is never liquidated) is still an open position: its USD goes to ``outside_out`` instead of a bin.
    Amounts landing in the same bin and tier are summed in input order before being added to ``usd`` (and to
    layer ``slot``); every bin that received notional becomes ``ACTIVE`` with share 0.

    Parameters
    ----------
    entries : np.ndarray
        ``(n,)`` entry prices.
    levels : np.ndarray
        With ``per_unit``: ``(1, n_tiers, n_sizes)`` liquidation price per unit of entry price (the level is
        ``entries[i] · levels[0, t, s]``, for models proportional to the entry); otherwise
        ``(n, n_tiers, n_sizes)`` the liquidation prices themselves.
    per_unit : bool
        Which of the two ``levels`` means (explicit: with ``n == 1`` the shapes agree).
    weights : np.ndarray
        ``(n, 1)`` share of the cohort at each entry, or ``(n, n_tiers)`` per entry and tier (e.g. survival that
        depends on the tier's holding time); each column sums to 1 over the entries.
    tier_w : np.ndarray
        ``(n_tiers,)`` leverage-tier weights (sum 1).
    size_w : np.ndarray
        ``(n_sizes,)`` position-size (or model) weights (sum 1).
    amount_usd : float
        Cohort notional (USD).
    low : float
        Grid's lowest price ``base·width``.
    width : float
        Bin width (price).
    base : int
        Grid's base index.
    usd, layers, status, share : np.ndarray
        The side (see the module conventions), modified in place.
    slot : int
        Layer receiving the cohort (-1: none).
    sweep_at : np.ndarray
        ``(n,)`` the most adverse price reached after each entry (long: the lowest; short: the highest).
    side : int
        +1 long, -1 short.
    inverse : bool
        Units are USD (inverse contracts) instead of base units ``USD / entry``.
    units_out : np.ndarray
        ``(n_tiers,)``; the position units of what stays open (in the grid or outside it) are added.
    outside_out : np.ndarray
        ``(n_tiers,)``; the USD of open levels outside the grid is added.

    Returns
    -------
    tuple[float, int, int]
        ``(swept USD, lowest bin, highest bin)`` of the notional added (bins -1, -1 when none landed).
    """
    return _scatter(entries, levels, per_unit, weights, tier_w, size_w, amount_usd, low, width, base, usd, layers,
                    slot, status, share, sweep_at, side, inverse, units_out, outside_out)


@_jit
def _scatter(entries, levels, per_unit, weights, tier_w, size_w, amount_usd, low, width, base, usd, layers, slot,
             status, share, sweep_at, side, inverse, units_out, outside_out):
    """The body of :func:`scatter_cohort` (shared with :func:`open_cohort`)."""
    n_bins, n_tiers = usd.shape
    n_sizes = levels.shape[2]
    per_tier = weights.shape[1] > 1
    lowest = low if low > 0.0 else 5e-324
    high = low + n_bins * width
    n = entries.shape[0]
    bins = np.empty((n, n_tiers, n_sizes), dtype=np.int64)
    k_min, k_max = n_bins, -1
    swept = 0.0
    for i in range(n):
        unit = 1.0 if inverse else 1.0 / entries[i]
        for t in range(n_tiers):
            wt = weights[i, t] if per_tier else weights[i, 0]
            for s in range(n_sizes):
                price = entries[i] * levels[0, t, s] if per_unit else levels[i, t, s]
                amount = amount_usd * wt * tier_w[t] * size_w[s]
                reached = (price >= sweep_at[i]) if side > 0 else (price <= sweep_at[i])
                bins[i, t, s] = -1
                if reached and price > 0.0:
                    swept += amount
                    continue
                units_out[t] += amount * unit
                if price >= lowest and price < high:
                    k = min(np.int64(price / width) - base, n_bins - 1)
                    bins[i, t, s] = k
                    k_min = min(k_min, k)
                    k_max = max(k_max, k)
                else:
                    outside_out[t] += amount
    if k_max < 0:
        return swept, -1, -1
    block = np.zeros((k_max - k_min + 1, n_tiers))
    touched = np.zeros(k_max - k_min + 1, dtype=np.bool_)
    for i in range(n):
        for t in range(n_tiers):
            wt = weights[i, t] if per_tier else weights[i, 0]
            for s in range(n_sizes):
                k = bins[i, t, s]
                if k >= 0:
                    block[k - k_min, t] += amount_usd * wt * tier_w[t] * size_w[s]
                    touched[k - k_min] = True
    for r in range(block.shape[0]):
        if touched[r]:
            status[k_min + r] = STATUS_ACTIVE
            share[k_min + r] = 0.0
        for t in range(n_tiers):
            usd[k_min + r, t] += block[r, t]
            if slot >= 0:
                layers[slot, k_min + r, t] += block[r, t]
    return swept, k_min, k_max


@_jit
def side_units(usd, unit_w, inverse, base, width):
    """
    Position units per tier held in the grid: ``Σ_k usd[k, t]`` (inverse) or ``Σ_k usd[k, t]·unit_w[t]/centre_k``.

    Parameters
    ----------
    usd : np.ndarray
        ``(n_bins, n_tiers)`` USD.
    unit_w : np.ndarray
        ``(n_tiers,)`` level per unit of entry of each tier.
    inverse : bool
        Units are USD.
    base : int
        Grid's base index.
    width : float
        Bin width (price).

    Returns
    -------
    np.ndarray
        ``(n_tiers,)`` units.
    """
    n_bins, n_tiers = usd.shape
    out = np.zeros(n_tiers)
    for k in range(n_bins):
        for t in range(n_tiers):
            v = usd[k, t]
            if v != 0.0:
                out[t] += _units(v, t, k, unit_w, inverse, base, width)
    return out


@_jit
def _threshold(totals, method, quantile, k_sigma, lo, hi):
    """Cluster threshold of one side (``inf`` when every bin is empty; every non-empty bin lies in ``lo..hi``);
    see ``clusters.cluster_threshold``."""
    m = 0
    for k in range(lo, hi + 1):
        if totals[k] > 0.0:
            m += 1
    if m == 0:
        return np.inf
    nonzero = np.empty(m)
    m = 0
    for k in range(lo, hi + 1):
        if totals[k] > 0.0:
            nonzero[m] = totals[k]
            m += 1
    if method == METHOD_SIGMA:
        mean = nonzero.sum() / m
        var = 0.0
        for v in nonzero:
            var += (v - mean) * (v - mean)
        return mean + k_sigma * math.sqrt(var / m)
    # numpy's default ("linear") quantile: a[i] + (pos - i)·(a[i+1] - a[i]) of the sorted values
    pos = quantile * (m - 1)
    i = int(pos)
    lo = _select(nonzero, i)  # leaves every value after position i >= lo
    hi = lo
    if i + 1 < m:
        hi = nonzero[i + 1]
        for v in nonzero[i + 2 :]:
            if v < hi:
                hi = v
    return lo + (pos - i) * (hi - lo)


@_jit
def _select(values, k):
    """
    The ``k``-th smallest of ``values`` (0-based; Hoare's quickselect, in place): afterwards values before
    position ``k`` are <= it and values after it >= it. (A hand-written loop: ``np.partition`` takes seconds
    to compile.)
    """
    lo, hi = 0, values.size - 1
    while lo < hi:
        pivot = values[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    return values[k]


@_jit
def _side_runs(usd, status, tiers, totals, base, width, method, quantile, k_sigma, max_gap, max_runs, out, row,
               lo, hi):
    """Runs of one side's cluster bins (all non-empty bins in ``lo..hi``), largest first, written to ``out[row:]``;
    return the next free row."""
    n = totals.size
    thr = _threshold(totals, method, quantile, k_sigma, lo, hi)
    # runs of bins >= threshold (and non-empty), gaps of at most max_gap bins bridged
    firsts = np.empty(n, dtype=np.int64)
    lasts = np.empty(n, dtype=np.int64)
    n_runs = 0
    for k in range(lo, hi + 1):
        t = totals[k]
        if t >= thr and t > 0.0:
            if n_runs and k - lasts[n_runs - 1] <= max_gap + 1:
                lasts[n_runs - 1] = k
            else:
                firsts[n_runs] = k
                lasts[n_runs] = k
                n_runs += 1
    if n_runs == 0:
        return row
    sums = np.zeros((n_runs, 4))  # notional, price moment, leverage moment, PARTIAL bins
    for r in range(n_runs):
        for k in range(firsts[r], lasts[r] + 1):
            sums[r, 0] += totals[k]
            sums[r, 1] += totals[k] * ((base + k + 0.5) * width)
            lev = 0.0
            for t in range(tiers.size):
                lev += usd[k, t] * tiers[t]
            sums[r, 2] += lev
            if status[k] == STATUS_PARTIAL:
                sums[r, 3] += 1.0
    # the max_runs largest, largest first, ties in price order (a repeated scan: few runs are kept)
    taken = np.zeros(n_runs, dtype=np.bool_)
    for _ in range(min(max_runs, n_runs)):
        r = -1
        for c in range(n_runs):
            if not taken[c] and (r < 0 or sums[c, 0] > sums[r, 0]):
                r = c
        notional = sums[r, 0]
        if notional <= 0.0:
            break
        taken[r] = True
        out[row, 0] = firsts[r]
        out[row, 1] = lasts[r]
        out[row, 2] = notional
        out[row, 3] = sums[r, 1] / notional
        out[row, 4] = sums[r, 2] / notional
        out[row, 5] = 1.0 if sums[r, 3] > 0.5 else 0.0
        row += 1
    return row


@_jit
def read_map(long_usd, short_usd, long_status, short_status, tiers, base, width, method, quantile, k_sigma,
             max_gap, max_runs, price):
    """
    One read of the map: each side's clusters and the magnet forces at ``price``.

    Clusters: bins whose notional reaches the side's threshold (``METHOD_QUANTILE``: the ``quantile`` of its
    non-empty bins, numpy's linear interpolation; ``METHOD_SIGMA``: mean + ``k_sigma``·σ of them) form runs,
    gaps of at most ``max_gap`` bins bridged; each run's notional, notional-weighted centre, notional-weighted
    leverage and PARTIAL flag; at most ``max_runs`` per side, largest first. Magnet: ``Σ USD / d²`` with ``d``
    the distance of a bin centre from price in percent, floored at half a bin (see ``magnet.magnet_force``).

    Parameters
    ----------
    long_usd, short_usd : np.ndarray
        ``(n_bins, n_tiers)`` USD per bin × tier.
    long_status, short_status : np.ndarray
        ``(n_bins,)`` int8 bin status.
    tiers : np.ndarray
        ``(n_tiers,)`` leverage of each tier.
    base : int
        Grid's base index.
    width : float
        Bin width (price).
    method : int
        ``METHOD_QUANTILE`` or ``METHOD_SIGMA``.
    quantile, k_sigma : float
        Threshold parameters.
    max_gap, max_runs : int
        Gap bridged inside a run (bins); clusters kept per side.
    price : float
        Current price (> 0).

    Returns
    -------
    tuple[np.ndarray, int, float, float]
        ``(runs, n_long, up, down)``: ``runs`` is ``(n_long + n_short, 6)`` rows ``(first bin, last bin,
        notional USD, price level, leverage, partial 0/1)``, long clusters first; ``up`` the force of the
        short notional above price, ``down`` that of the long notional below (USD / %²).
    """
    long_tot = row_totals(long_usd)
    short_tot = row_totals(short_usd)
    out = np.empty((2 * max_runs, 6))
    n = long_tot.size
    n_long = _side_runs(long_usd, long_status, tiers, long_tot, base, width, method, quantile, k_sigma,
                        max_gap, max_runs, out, 0, 0, n - 1)
    n_all = _side_runs(short_usd, short_status, tiers, short_tot, base, width, method, quantile, k_sigma,
                       max_gap, max_runs, out, n_long, 0, n - 1)
    up, down = _magnet_sums(long_tot, short_tot, base, width, price, 0, n - 1, 0, n - 1)
    return out[:n_all], n_long, up, down


@_jit
def _magnet_sums(long_tot, short_tot, base, width, price, long_lo, long_hi, short_lo, short_hi):
    """Magnet forces; every non-empty long bin lies in ``long_lo..long_hi``, every short one in ``short_lo..
    short_hi`` (empty bins add nothing: the sums are those of the full loop, term for term)."""
    floor_pct = 50.0 * width / price
    scale = 100.0 / price
    up = 0.0
    down = 0.0
    for k in range(short_lo, short_hi + 1):
        centre = (base + k + 0.5) * width
        if centre > price:
            d = max(abs(centre - price) * scale, floor_pct)
            up += short_tot[k] * (1.0 / (d * d))
    for k in range(long_lo, long_hi + 1):
        centre = (base + k + 0.5) * width
        if centre < price:
            d = max(abs(centre - price) * scale, floor_pct)
            down += long_tot[k] * (1.0 / (d * d))
    return up, down


@_jit
def magnet_sums(long_usd, short_usd, base, width, price):
    """
    Magnet forces at ``price``: ``Σ USD / d²`` with ``d`` the distance of a bin centre ``(base + k + 0.5)·width``
    from price in percent of price, floored at half a bin (the formula of ``magnet.magnet_force``).

    Parameters
    ----------
    long_usd, short_usd : np.ndarray
        ``(n_bins, n_tiers)`` USD per bin × tier.
    base : int
        Grid's base index.
    width : float
        Bin width (price).
    price : float
        Current price (> 0).

    Returns
    -------
    tuple[float, float]
        ``(up, down)``: the force of the short notional above price and of the long notional below (USD / %²);
        exactly what :func:`read_map` returns for the same state.
    """
    n = long_usd.shape[0]
    return _magnet_sums(row_totals(long_usd), row_totals(short_usd), base, width, price, 0, n - 1, 0, n - 1)


@_jit
def _block_sum(values, lo, n):
    """numpy's pairwise summation of a run of at most 128 values (the leaves of :func:`pairwise_sum`)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += values[i]
        return res
    r0, r1, r2, r3 = values[lo], values[lo + 1], values[lo + 2], values[lo + 3]
    r4, r5, r6, r7 = values[lo + 4], values[lo + 5], values[lo + 6], values[lo + 7]
    stop = n - n % 8
    i = 8
    while i < stop:
        j = lo + i
        r0 += values[j]
        r1 += values[j + 1]
        r2 += values[j + 2]
        r3 += values[j + 3]
        r4 += values[j + 4]
        r5 += values[j + 5]
        r6 += values[j + 6]
        r7 += values[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += values[lo + i]
        i += 1
    return res


@_jit
def pairwise_sum(values, lo, n):
    """
    ``values[lo:lo + n].sum()`` exactly as numpy computes it (its pairwise summation of a contiguous float64 run).

    numpy adds runs of fewer than 8 values in order; up to 128 values in eight interleaved partial sums combined
    as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))`` plus the remainder in order; longer runs are split
    at half (rounded down to a multiple of 8) and the halves' sums added. Reproducing it keeps the compiled paths
    bit-identical with the numpy code they replace. (The recursion is unrolled onto an explicit stack: numba's
    on-disk cache cannot load a recursive function called from another one.)

    Parameters
    ----------
    values : np.ndarray
        1-d float64, contiguous.
    lo, n : int
        First index and count.

    Returns
    -------
    float
    """
    if n <= 128:
        return _block_sum(values, lo, n)
    st_lo = np.empty(64, dtype=np.int64)
    st_n = np.empty(64, dtype=np.int64)
    st_stage = np.empty(64, dtype=np.int64)
    st_acc = np.empty(64)
    st_lo[0], st_n[0], st_stage[0] = lo, n, 0
    top = 1
    ret = 0.0
    while top > 0:
        f = top - 1
        f_lo, f_n = st_lo[f], st_n[f]
        if f_n <= 128:
            ret = _block_sum(values, f_lo, f_n)
            top -= 1
            continue
        half = f_n // 2
        half -= half % 8
        stage = st_stage[f]
        if stage == 0:  # first half
            st_stage[f] = 1
            st_lo[top], st_n[top], st_stage[top] = f_lo, half, 0
            top += 1
        elif stage == 1:  # second half, keeping the first's sum
            st_acc[f] = ret
            st_stage[f] = 2
            st_lo[top], st_n[top], st_stage[top] = f_lo + half, f_n - half, 0
            top += 1
        else:
            ret = st_acc[f] + ret
            top -= 1
    return ret


@_jit
def interval_entries(bars, bar_w, n_groups, price):
    """
    The virtual entries of an open-interest interval's bars (``entries.bar_entries`` of the volume profile), with
    consecutive bars merged into at most ``n_groups`` coarser bars.

    Each bar (or group) takes weight ``w_i`` (``bar_w``, or its share of the interval's volume ``v_i / Σv``, equal
    shares without volume); it is spread over its low, typical price and high (1/4, 1/2, 1/4), each half before
    the bar's own extremes (the most adverse price after the entry is the bar's own low/high or a later one) and
    half after them (only later bars and the current price). With ``n_groups > 0`` and more bars than that, bar
    ``i`` joins group ``⌊i·n_groups/n⌋``: a group is treated as one coarser bar — volume-weighted typical price
    (plain mean without volume), lowest low, highest high, summed weight — which is what the intrabar rule does
    with a bar of that length. Without grouping the output equals ``bar_entries(volume_profile(...))`` exactly.

    Parameters
    ----------
    bars : np.ndarray
        ``(n, 4)`` float64 rows ``(typical price, low, high, volume)`` in time order, ``n >= 1``.
    bar_w : np.ndarray
        ``(n,)`` weights of the bars (summing to 1), or ``(0,)``: the volume profile.
    n_groups : int
        Most bars/groups kept (0: no merging).
    price : float
        The current price (the adverse price after the last bar).

    Returns
    -------
    tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ``(entries (6m,), weights (6m, 1), lowest (6m,), highest (6m,))``, ``m = min(n, n_groups)`` (or ``n``), in
        ``bar_entries``' order: lows (before, after), typical prices (before, after), highs (before, after).
    """
    n = bars.shape[0]
    vol = np.empty(n)
    for i in range(n):
        vol[i] = bars[i, 3]
    w = np.empty(n)
    if bar_w.size:
        for i in range(n):
            w[i] = bar_w[i]
    else:
        total = pairwise_sum(vol, 0, n)
        if total > 0.0:
            for i in range(n):
                w[i] = vol[i] / total
        else:
            for i in range(n):
                w[i] = 1.0 / n
    m = n_groups if 0 < n_groups < n else n
    typ = np.empty(m)
    lo = np.empty(m)
    hi = np.empty(m)
    gw = np.empty(m)
    if m == n:
        for i in range(n):
            typ[i] = bars[i, 0]
            lo[i] = bars[i, 1]
            hi[i] = bars[i, 2]
            gw[i] = w[i]
    else:
        for g in range(m):
            a = (g * n) // m
            b = ((g + 1) * n) // m
            v = 0.0
            pv = 0.0
            ps = 0.0
            wsum = 0.0
            low = bars[a, 1]
            high = bars[a, 2]
            for i in range(a, b):
                v += vol[i]
                pv += bars[i, 0] * vol[i]
                ps += bars[i, 0]
                wsum += w[i]
                low = min(low, bars[i, 1])
                high = max(high, bars[i, 2])
            typ[g] = pv / v if v > 0.0 else ps / (b - a)
            lo[g] = low
            hi[g] = high
            gw[g] = wsum
    later_low = np.empty(m)
    later_high = np.empty(m)
    later_low[m - 1] = price
    later_high[m - 1] = price
    for g in range(m - 2, -1, -1):
        later_low[g] = min(lo[g + 1], later_low[g + 1])
        later_high[g] = max(hi[g + 1], later_high[g + 1])
    entries = np.empty(6 * m)
    weights = np.empty((6 * m, 1))
    lowest = np.empty(6 * m)
    highest = np.empty(6 * m)
    for block in range(6):
        point = lo if block < 2 else (typ if block < 4 else hi)
        scale = 0.25 if block == 2 or block == 3 else 0.125  # 0.5 × (1/4, 1/2, 1/4)
        own = block % 2 == 0
        for g in range(m):
            r = block * m + g
            entries[r] = point[g]
            weights[r, 0] = gw[g] * scale
            if own:
                lowest[r] = min(later_low[g], lo[g])
                highest[r] = max(later_high[g], hi[g])
            else:
                lowest[r] = later_low[g]
                highest[r] = later_high[g]
    return entries, weights, lowest, highest


@_jit
def open_cohort(entries, levels, per_unit, weights, tier_w, size_w, target_units, low, width, base, usd, layers,
                merge_src, merge_dst, slot, status, share, sweep_at, side, inverse, units_out, outside_out):
    """
    Open enough of one side's cohort that ``target_units`` position units survive, in one pass: the survival of
    the cohort (the share of its units whose level no later price reached) followed by :func:`scatter_cohort` of
    ``target_units / survival`` USD.

    The survival is the sum over entries × tiers × sizes of ``w·tier_w·size_w·unit`` over the levels not reached
    (``unit = 1/entry`` base units per USD for linear contracts, 1 for inverse), added in numpy's pairwise order
    over the C-ordered terms (so it equals the numpy expression it replaces bit for bit). With cohort layers all
    in use, the oldest layer ``merge_src`` is first merged into the next oldest ``merge_dst`` and emptied to
    receive the cohort (``SideBook.new_cohort``'s bookkeeping), only when something is opened.

    Parameters
    ----------
    entries, levels, per_unit, weights, tier_w, size_w
        As :func:`scatter_cohort`.
    target_units : float
        Position units that must survive (> 0).
    low, width, base, usd, layers, status, share, sweep_at, side, inverse, units_out, outside_out
        As :func:`scatter_cohort`.
    merge_src, merge_dst : int
        ``-1, -1``, or the layer merged into ``merge_dst`` (and emptied) before opening.
    slot : int
        Layer receiving the cohort (-1: none).

    Returns
    -------
    tuple[float, float, int, int]
        ``(USD opened, USD liquidated at once, lowest bin, highest bin)``; ``(0, 0, -1, -1)`` and nothing changed
        when no level survives.
    """
    n = entries.shape[0]
    n_bins, n_tiers = usd.shape
    n_sizes = levels.shape[2]
    per_tier = weights.shape[1] > 1
    lowest = low if low > 0.0 else 5e-324
    high = low + n_bins * width
    terms = np.empty(n * n_tiers * n_sizes)
    codes = np.empty(n * n_tiers * n_sizes, dtype=np.int64)  # bin, or -1 liquidated at once, -2 open outside
    k_min, k_max = n_bins, -1
    r = 0
    for i in range(n):  # pass 1: levels, their fate and the survival terms
        unit = 1.0 if inverse else 1.0 / entries[i]
        for t in range(n_tiers):
            wt = weights[i, t] if per_tier else weights[i, 0]
            for s in range(n_sizes):
                price = entries[i] * levels[0, t, s] if per_unit else levels[i, t, s]
                reached = (price >= sweep_at[i]) if side > 0 else (price <= sweep_at[i])
                if reached and price > 0.0:
                    codes[r] = -1
                    terms[r] = 0.0
                else:
                    terms[r] = wt * tier_w[t] * size_w[s] * unit
                    if price >= lowest and price < high:
                        k = min(np.int64(price / width) - base, n_bins - 1)
                        codes[r] = k
                        k_min = min(k_min, k)
                        k_max = max(k_max, k)
                    else:
                        codes[r] = -2
                r += 1
    survive = pairwise_sum(terms, 0, r)
    if not survive > 0.0:
        return 0.0, 0.0, -1, -1
    amount_usd = target_units / survive
    if merge_src >= 0:
        for k in range(layers.shape[1]):
            for t in range(layers.shape[2]):
                layers[merge_dst, k, t] += layers[merge_src, k, t]
                layers[merge_src, k, t] = 0.0
    # pass 2: the amounts, added in scatter_cohort's order (swept, units, outside, then the bins)
    rows = k_max - k_min + 1 if k_max >= 0 else 0
    block = np.zeros((rows, n_tiers))
    touched = np.zeros(rows, dtype=np.bool_)
    swept = 0.0
    r = 0
    for i in range(n):
        unit = 1.0 if inverse else 1.0 / entries[i]
        for t in range(n_tiers):
            wt = weights[i, t] if per_tier else weights[i, 0]
            for s in range(n_sizes):
                code = codes[r]
                r += 1
                amount = amount_usd * wt * tier_w[t] * size_w[s]
                if code == -1:
                    swept += amount
                    continue
                units_out[t] += amount * unit
                if code == -2:
                    outside_out[t] += amount
                else:
                    block[code - k_min, t] += amount
                    touched[code - k_min] = True
    for q in range(rows):
        if touched[q]:
            status[k_min + q] = STATUS_ACTIVE
            share[k_min + q] = 0.0
        for t in range(n_tiers):
            usd[k_min + q, t] += block[q, t]
            if slot >= 0:
                layers[slot, k_min + q, t] += block[q, t]
    if k_max < 0:
        return amount_usd, swept, -1, -1
    return amount_usd, swept, k_min, k_max


@_jit
def _close_side(usd, status, outside, units, fraction):
    """``MapBook.close_fraction`` pro rata without layers: return the USD closed (``SideBook.close_pro_rata``)."""
    n_bins, n_tiers = usd.shape
    total = pairwise_sum(usd.reshape(n_bins * n_tiers), 0, n_bins * n_tiers) + pairwise_sum(outside, 0, n_tiers)
    amount = fraction * total
    if total <= 0.0 or amount <= 0.0:
        return 0.0
    fraction = min(amount / total, 1.0)
    keep = 1.0 - fraction
    for k in range(n_bins):
        for t in range(n_tiers):
            usd[k, t] *= keep
    for t in range(n_tiers):
        outside[t] *= keep
        units[t] *= keep
    return total * fraction


@_jit
def _edge_after_scaling(usd, edge, highest, lo, hi):
    """``MapBook.recompute_edges(scaled_only=True)`` for one side (non-empty bins in ``lo..hi``): the edge bin,
    searched again if it emptied."""
    if edge >= 0 and _row_sum(usd, edge) > 0.0:
        return edge
    n = usd.shape[0]
    lo, hi = max(lo, 0), min(hi, n - 1)
    if highest:
        for k in range(hi, lo - 1, -1):
            if _row_sum(usd, k) > 0.0:
                return k
        return -1
    for k in range(lo, hi + 1):
        if _row_sum(usd, k) > 0.0:
            return k
    return -1


@_jit
def anchor_sides(factor, before_out, entries, weights, lowest, highest, long_levels, short_levels, size_w, long_tw,
                 short_tw, long_target, short_target, low, width, base, inverse, long_usd, long_status, long_share,
                 long_units, long_outside, short_usd, short_status, short_share, short_units, short_outside,
                 no_layers, edges, spans, out):
    """
    One open-interest reading of both sides in one call (pro-rata closing, levels proportional to the entry): the
    holding-time decay, then each side (long, then short) opened to its target units at the entries
    (:func:`open_cohort`) or closed pro rata down to it — the sequence of ``MapBook.decay``, ``MapBook.open_units``
    and ``MapBook.close_fraction`` with the same arithmetic in the same order.

    Parameters
    ----------
    factor : np.ndarray
        ``(n_tiers,)`` holding-time survival factors, or ``(0,)``: no decay.
    before_out : np.ndarray
        ``(n_tiers,)``; with a decay, the USD per tier before it (see :func:`scale_sides`).
    entries, weights, lowest, highest : np.ndarray
        The interval's entries (:func:`interval_entries`); ``lowest`` sweeps the longs, ``highest`` the shorts.
    long_levels, short_levels : np.ndarray
        ``(1, n_tiers, n_sizes)`` levels per unit of entry.
    size_w : np.ndarray
        ``(n_sizes,)`` size weights.
    long_tw, short_tw : np.ndarray
        ``(n_tiers,)`` leverage weights of the new positions.
    long_target, short_target : float
        Units each side must hold after the reading.
    low, width, base, inverse
        Grid and contract (as :func:`scatter_cohort`).
    long_usd, long_status, long_share, long_units, long_outside, short_usd, short_status, short_share, short_units,
    short_outside : np.ndarray
        The sides (modified in place).
    no_layers : np.ndarray
        ``(0, n_bins, n_tiers)``.
    edges : np.ndarray
        ``(2,)`` int64 long and short edge bins, updated in place.
    spans : np.ndarray
        ``(2, 2)`` int64 bins ``(first, last)`` holding every non-empty bin of each side, widened in place to the
        bins opened.
    out : np.ndarray
        ``(2, 3)`` float64 per side: USD opened, USD liquidated at once, USD closed.
    """
    if factor.size:
        scale_sides(long_usd, no_layers, long_outside, long_units, short_usd, no_layers, short_outside, short_units,
                    factor, before_out, spans)
        edges[0] = _edge_after_scaling(long_usd, edges[0], True, spans[0, 0], spans[0, 1])
        edges[1] = _edge_after_scaling(short_usd, edges[1], False, spans[1, 0], spans[1, 1])
    n_tiers = long_tw.shape[0]
    for side in range(2):
        usd = long_usd if side == 0 else short_usd
        status = long_status if side == 0 else short_status
        share = long_share if side == 0 else short_share
        units = long_units if side == 0 else short_units
        outside = long_outside if side == 0 else short_outside
        have = pairwise_sum(units, 0, n_tiers)
        gap = (long_target if side == 0 else short_target) - have
        out[side, 0] = 0.0
        out[side, 1] = 0.0
        out[side, 2] = 0.0
        if gap > 0.0:
            amount, swept, k_min, k_max = open_cohort(
                entries, long_levels if side == 0 else short_levels, True, weights, long_tw if side == 0 else short_tw,
                size_w, gap, low, width, base, usd, no_layers, -1, -1, -1, status, share,
                lowest if side == 0 else highest, 1 if side == 0 else -1, inverse, units, outside)
            out[side, 0] = amount
            out[side, 1] = swept
            if k_max >= 0:
                spans[side, 0] = min(spans[side, 0], k_min)
                spans[side, 1] = max(spans[side, 1], k_max)
                if side == 0:
                    edges[0] = max(edges[0], k_max)
                else:
                    edges[1] = k_min if edges[1] < 0 else min(edges[1], k_min)
        elif gap < 0.0 and have > 0.0:
            out[side, 2] = _close_side(usd, status, outside, units, min(-gap / have, 1.0))
            edges[0] = _edge_after_scaling(long_usd, edges[0], True, spans[0, 0], spans[0, 1])
            edges[1] = _edge_after_scaling(short_usd, edges[1], False, spans[1, 0], spans[1, 1])


@_jit
def scale_sides(long_usd, long_layers, long_outside, long_units, short_usd, short_layers, short_outside, short_units,
                factor, before_out, spans):
    """
    Close every cohort of both sides by holding time: multiply each tier by its factor (grid, layers, outside,
    units).

    Parameters
    ----------
    long_usd, long_layers, long_outside, long_units, short_usd, short_layers, short_outside, short_units
        The sides' arrays (``SideBook.usd``, ``layer_block``, ``outside``, ``units``), modified in place.
    factor : np.ndarray
        ``(n_tiers,)`` survival factors in [0, 1].
    before_out : np.ndarray
        ``(n_tiers,)``; set to the open USD per tier before scaling, both sides, grid and outside (added as
        ``((Σ long grid + long outside) + Σ short grid) + short outside``, each grid sum bin by bin).
    spans : np.ndarray
        ``(2, 2)`` int64 ``(first, last)`` bins holding every non-empty bin of the long and the short side (only
        those are visited; empty bins neither add to the sums nor change when scaled).
    """
    n_tiers = factor.shape[0]
    n = long_usd.shape[0]
    long_col = np.zeros(n_tiers)
    short_col = np.zeros(n_tiers)
    for k in range(max(spans[0, 0], 0), min(spans[0, 1], n - 1) + 1):
        for t in range(n_tiers):
            long_col[t] += long_usd[k, t]
    for k in range(max(spans[1, 0], 0), min(spans[1, 1], n - 1) + 1):
        for t in range(n_tiers):
            short_col[t] += short_usd[k, t]
    for t in range(n_tiers):
        before_out[t] = long_col[t] + long_outside[t] + short_col[t] + short_outside[t]
    for side in range(2):
        usd = long_usd if side == 0 else short_usd
        layers = long_layers if side == 0 else short_layers
        outside = long_outside if side == 0 else short_outside
        units = long_units if side == 0 else short_units
        lo, hi = max(spans[side, 0], 0), min(spans[side, 1], n - 1)
        for k in range(lo, hi + 1):
            for t in range(n_tiers):
                usd[k, t] *= factor[t]
        for t in range(n_tiers):
            outside[t] *= factor[t]
            units[t] *= factor[t]
        for layer in range(layers.shape[0]):
            for k in range(lo, hi + 1):
                for t in range(n_tiers):
                    layers[layer, k, t] *= factor[t]


@_jit
def read_curves(long_tot, short_tot, k, long_cum, short_cum):
    """
    Cumulative liquidation notional outward from price (``reads.cumulative_curves``): ``long_cum[j]`` the long
    notional at or above bin ``j`` up to price (0 above bin ``k``), ``short_cum[j]`` the short notional at or below
    bin ``j`` down from price (0 below bin ``k``); sums in numpy ``cumsum``'s order.

    Parameters
    ----------
    long_tot, short_tot : np.ndarray
        ``(n_bins,)`` USD per bin.
    k : int
        Local bin of the current price.
    long_cum, short_cum : np.ndarray
        ``(n_bins,)`` outputs.
    """
    n = long_tot.shape[0]
    acc = 0.0
    for j in range(n - 1, -1, -1):
        acc += long_tot[j]
        long_cum[j] = acc
    acc = 0.0
    for j in range(n):
        acc += short_tot[j]
        short_cum[j] = acc
    for j in range(max(k + 1, 0), n):
        long_cum[j] = 0.0
    for j in range(0, min(max(k, 0), n)):
        short_cum[j] = 0.0


@_jit
def read_totals(long_usd, short_usd, long_status, short_status, tiers, base, width, method, quantile, k_sigma,
                max_gap, max_runs, price, long_tot, short_tot, spans):
    """
    :func:`read_map` writing the per-bin totals it computes into ``long_tot`` and ``short_tot`` (``(n_bins,)``):
    one pass gives clusters, magnet and the totals the curves and the history row are made of. Only the bins of
    each side's span are visited (``spans``: ``(2, 2)`` int64 rows ``(first, last)`` for long and short, holding
    every non-empty bin of the side; totals are 0 elsewhere), which changes no result.

    Returns
    -------
    tuple[np.ndarray, int, float, float]
        As :func:`read_map`.
    """
    n = long_usd.shape[0]
    long_lo, long_hi = max(spans[0, 0], 0), min(spans[0, 1], n - 1)
    short_lo, short_hi = max(spans[1, 0], 0), min(spans[1, 1], n - 1)
    for k in range(n):
        long_tot[k] = _row_sum(long_usd, k) if long_lo <= k <= long_hi else 0.0
        short_tot[k] = _row_sum(short_usd, k) if short_lo <= k <= short_hi else 0.0
    out = np.empty((2 * max_runs, 6))
    n_long = _side_runs(long_usd, long_status, tiers, long_tot, base, width, method, quantile, k_sigma,
                        max_gap, max_runs, out, 0, long_lo, long_hi)
    n_all = _side_runs(short_usd, short_status, tiers, short_tot, base, width, method, quantile, k_sigma,
                       max_gap, max_runs, out, n_long, short_lo, short_hi)
    up, down = _magnet_sums(long_tot, short_tot, base, width, price, long_lo, long_hi, short_lo, short_hi)
    return out[:n_all], n_long, up, down


@_jit
def track_clusters(runs, n_long, base, width, prev_int, prev_low, prev_high, n_prev, tol, next_id, ts_ns, low_since,
                   high_since):
    """
    Stable cluster ids (``clusters.ClusterTracker.update_fields`` as one compiled loop): the runs of this read,
    largest notional first (ties in read order), each take the id of the earlier same-side cluster whose range,
    widened by ``tol`` on each side, overlaps theirs most (the first such earlier cluster on ties; each used once),
    or a new id. Earlier clusters left unmatched whose range price passed through since the previous read (low at
    or below a long cluster's lower edge, high at or above a short cluster's upper edge) are reported as cleared.

    Parameters
    ----------
    runs : np.ndarray
        ``(n, 6)`` rows of :func:`read_map` (first bin, last bin, notional, level, leverage, partial).
    n_long : int
        The first ``n_long`` runs are long-side.
    base, width
        Grid base index and bin width (a run's range is ``[(base + first)·width, (base + last + 1)·width)``).
    prev_int : np.ndarray
        ``(capacity, 5)`` int64 rows of the earlier clusters in their order: side (+1/-1), first and last global
        bin, id, first-seen time; rows ``0..n_prev-1`` are used. Overwritten with this read's rows.
    prev_low, prev_high : np.ndarray
        ``(capacity,)`` their ranges (price); overwritten with this read's.
    n_prev : int
        Earlier clusters in use.
    tol : float
        Widening of the earlier ranges (price).
    next_id : int
        The next new id.
    ts_ns : int
        Time of this read (first seen of new clusters).
    low_since, high_since : float
        Lowest low and highest high since the previous read (price).

    Returns
    -------
    tuple[np.ndarray, np.ndarray, np.ndarray, int]
        ``(ints, floats, cleared, next_id)``: this read's clusters largest first as ``ints`` ``(m, 5)`` (the
        ``prev_int`` columns) and ``floats`` ``(m, 4)`` (notional, level, leverage, partial 0/1); ``cleared`` the
        indices (in the earlier order) of the earlier clusters reported cleared.
    """
    n = runs.shape[0]
    order = np.arange(n)
    for i in range(1, n):  # stable insertion sort, largest notional first
        x = order[i]
        j = i - 1
        while j >= 0 and runs[order[j], 2] < runs[x, 2]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = x
    ints = np.empty((n, 5), dtype=np.int64)
    floats = np.empty((n, 4))
    lows = np.empty(n)
    highs = np.empty(n)
    matched = np.zeros(n_prev, dtype=np.bool_)
    for q in range(n):
        x = order[q]
        side = 1 if x < n_long else -1
        first = base + np.int64(runs[x, 0])
        last = base + np.int64(runs[x, 1])
        low = first * width
        high = (last + 1) * width
        best = -1
        best_overlap = 0.0
        for c in range(n_prev):
            if matched[c] or prev_int[c, 0] != side:
                continue
            c_low = prev_low[c] - tol
            c_high = prev_high[c] + tol
            overlap = (c_high if c_high < high else high) - (c_low if c_low > low else low)
            if overlap > best_overlap:
                best = c
                best_overlap = overlap
        ints[q, 0] = side
        ints[q, 1] = first
        ints[q, 2] = last
        if best >= 0:
            matched[best] = True
            ints[q, 3] = prev_int[best, 3]
            ints[q, 4] = prev_int[best, 4]
        else:
            ints[q, 3] = next_id
            ints[q, 4] = ts_ns
            next_id += 1
        floats[q, 0] = runs[x, 2]
        floats[q, 1] = runs[x, 3]
        floats[q, 2] = runs[x, 4]
        floats[q, 3] = runs[x, 5]
        lows[q] = low
        highs[q] = high
    n_cleared = 0
    cleared = np.empty(n_prev, dtype=np.int64)
    for c in range(n_prev):
        if not matched[c]:
            passed = low_since <= prev_low[c] if prev_int[c, 0] > 0 else high_since >= prev_high[c]
            if passed:
                cleared[n_cleared] = c
                n_cleared += 1
    for q in range(n):
        for col in range(5):
            prev_int[q, col] = ints[q, col]
        prev_low[q] = lows[q]
        prev_high[q] = highs[q]
    return ints, floats, cleared[:n_cleared], next_id


def warm_up() -> float:
    """
    Compile (or load from numba's on-disk cache) every kernel by calling it once on a tiny synthetic map.

    The first call of a kernel in a process otherwise pays this cost (seconds on a fresh install, about 0.2 s
    from the cache) in the middle of the data stream; ``LiquidationMapActor.on_start`` calls this.

    Returns
    -------
    float
        Seconds spent (wall clock).
    """
    start = time.perf_counter()
    usd = np.zeros((4, 2))
    layers = np.zeros((0, 4, 2))
    status = np.zeros(4, dtype=np.int8)
    share = np.zeros(4)
    one = np.ones(1)
    units = np.zeros(2)
    for levels in (np.full((1, 2, 1), 1.5), np.full((1, 2, 1), 1.5)[:, :, ::-1]):  # contiguous, and a view
        for weights in (np.ones((1, 1)), np.full((1, 2), 1.0)):
            for side, at in ((1, 0.0), (-1, np.inf)):
                scatter_cohort(one, levels, True, weights, np.full(2, 0.5), one, 1.0, 0.0, 1.0, 0, usd, layers, -1,
                               status, share, np.full(1, at), side, False, units, units)
    read_map(usd, usd, status, status, np.ones(2), 0, 1.0, METHOD_QUANTILE, 0.9, 2.0, 1, 8, 2.0)
    magnet_sums(usd, usd, 0, 1.0, 2.0)
    side_units(usd, np.ones(2), False, 0, 1.0)
    sweep_down(usd, layers, status, share, 1, 1, 0.5, np.ones(2), False, 0, 1.0, units)
    sweep_up(usd, layers, status, share, 1, 1, 0.5, np.ones(2), False, 0, 1.0, units)
    return time.perf_counter() - start
