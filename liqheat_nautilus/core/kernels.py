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
    "magnet_sums",
    "read_map",
    "row_totals",
    "scatter_cohort",
    "side_units",
    "sweep_down",
    "sweep_up",
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
def _threshold(totals, method, quantile, k_sigma):
    """Cluster threshold of one side (``inf`` when every bin is empty); see ``clusters.cluster_threshold``."""
    m = 0
    for k in range(totals.size):
        if totals[k] > 0.0:
            m += 1
    if m == 0:
        return np.inf
    nonzero = np.empty(m)
    m = 0
    for k in range(totals.size):
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
def _side_runs(usd, status, tiers, totals, base, width, method, quantile, k_sigma, max_gap, max_runs, out, row):
    """Runs of one side's cluster bins, largest first, written to ``out[row:]``; return the next free row."""
    n = totals.size
    thr = _threshold(totals, method, quantile, k_sigma)
    # runs of bins >= threshold (and non-empty), gaps of at most max_gap bins bridged
    firsts = np.empty(n, dtype=np.int64)
    lasts = np.empty(n, dtype=np.int64)
    n_runs = 0
    for k in range(n):
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
    n_long = _side_runs(long_usd, long_status, tiers, long_tot, base, width, method, quantile, k_sigma,
                        max_gap, max_runs, out, 0)
    n_all = _side_runs(short_usd, short_status, tiers, short_tot, base, width, method, quantile, k_sigma,
                       max_gap, max_runs, out, n_long)
    up, down = _magnet_sums(long_tot, short_tot, base, width, price)
    return out[:n_all], n_long, up, down


@_jit
def _magnet_sums(long_tot, short_tot, base, width, price):
    floor_pct = 50.0 * width / price
    scale = 100.0 / price
    up = 0.0
    down = 0.0
    for k in range(long_tot.size):
        centre = (base + k + 0.5) * width
        d = max(abs(centre - price) * scale, floor_pct)
        inv_d2 = 1.0 / (d * d)
        if centre > price:
            up += short_tot[k] * inv_d2
        elif centre < price:
            down += long_tot[k] * inv_d2
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
    return _magnet_sums(row_totals(long_usd), row_totals(short_usd), base, width, price)


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
