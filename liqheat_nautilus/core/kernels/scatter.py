"""Compiled cohort opening: an interval's virtual entries and the scatter of a cohort onto the grid.

A cohort's notional is scattered onto the grid at its liquidation levels.
"""

import numpy as np

from liqheat_nautilus.core.kernels._base import STATUS_ACTIVE, jit, pairwise_sum


@jit
def scatter_cohort(entries, levels, per_unit, weights, tier_w, size_w, amount_usd, low, width, base, usd, layers,
                   slot, status, share, sweep_at, side, inverse, units_out, outside_out):
    """
    Open one cohort at its liquidation levels.

    ``amount_usd · weights[i, t] · tier_w[t] · size_w[s]`` at the bin of the liquidation price of entry ``i``, tier
    ``t`` and position size ``s``.

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


@jit
def _level_code(entry, levels, per_unit, i, t, s, sweep_at, side, lowest, high, width, base, n_bins):
    """
    Fate of one liquidation level of entry ``i``, tier ``t``, size ``s``: its bin, -1 or -2.

    The level is ``entry · levels[0, t, s]`` (``per_unit``) or ``levels[i, t, s]``. -1: price reached it after the
    entry (:func:`_reached`), liquidated at once; else its bin in the grid or -2 outside it (:func:`_level_bin`).
    """
    price = entry * levels[0, t, s] if per_unit else levels[i, t, s]
    if _reached(price, sweep_at[i], side):
        return -1
    return _level_bin(price, lowest, high, width, base, n_bins)


@jit
def _reached(price, sweep_at, side):
    """Whether price reached a level after its entry (long: ``level >= sweep_at``; short: ``<=``; levels > 0)."""
    reached = (price >= sweep_at) if side > 0 else (price <= sweep_at)
    return reached and price > 0.0


@jit
def _level_bin(price, lowest, high, width, base, n_bins):
    """
    Local bin ``min(int(level / width) - base, n_bins - 1)`` of a level in the grid ``[lowest, high)``, else -2.

    -2: still open but outside the grid (or not finite, or <= 0: a long never liquidated).
    """
    if price >= lowest and price < high:
        return min(np.int64(price / width) - base, n_bins - 1)
    return -2


@jit
def _scatter(entries, levels, per_unit, weights, tier_w, size_w, amount_usd, low, width, base, usd, layers, slot,
             status, share, sweep_at, side, inverse, units_out, outside_out):
    """Scatter one cohort: the body of :func:`scatter_cohort` (shared with :func:`open_cohort`)."""
    n_bins, n_tiers = usd.shape
    n_sizes = levels.shape[2]
    lowest = low if low > 0.0 else 5e-324
    high = low + n_bins * width
    n = entries.shape[0]
    codes = np.empty(n * n_tiers * n_sizes, dtype=np.int64)
    k_min, k_max = n_bins, -1
    r = 0
    for i in range(n):
        for t in range(n_tiers):
            for s in range(n_sizes):
                k = _level_code(entries[i], levels, per_unit, i, t, s, sweep_at, side, lowest, high, width, base,
                                n_bins)
                codes[r] = k
                if k >= 0:
                    k_min = min(k_min, k)
                    k_max = max(k_max, k)
                r += 1
    swept = _place(codes, entries, weights, tier_w, size_w, amount_usd, inverse, k_min, k_max, usd, layers, slot,
                   status, share, units_out, outside_out)
    if k_max < 0:
        return swept, -1, -1
    return swept, k_min, k_max


@jit
def _place(codes, entries, weights, tier_w, size_w, amount_usd, inverse, k_min, k_max, usd, layers, slot, status,
           share, units_out, outside_out):
    """
    Add a cohort of ``amount_usd`` USD at its levels' fates; return the USD liquidated at once.

    ``codes``: shape ``(n · n_tiers · n_sizes,)`` int64, :func:`_level_code` of each level in C order (entry, tier,
    size). In entry, tier, size order: a level liquidated at once adds to the returned swept USD; an open one adds its
    position units to ``units_out`` and its USD to ``outside_out`` (outside the grid) or to its bin in
    ``k_min..k_max`` (summed per bin and tier first, then added by :func:`_add_block`).
    """
    n_tiers = tier_w.shape[0]
    n_sizes = size_w.shape[0]
    per_tier = weights.shape[1] > 1
    rows = k_max - k_min + 1 if k_max >= 0 else 0
    block = np.zeros((rows, n_tiers))
    touched = np.zeros(rows, dtype=np.bool_)
    swept = 0.0
    r = 0
    for i in range(entries.shape[0]):
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
    if rows:
        _add_block(block, touched, k_min, usd, layers, slot, status, share)
    return swept


@jit
def _add_block(block, touched, k_min, usd, layers, slot, status, share):
    """Add a cohort's ``(rows, n_tiers)`` block to bins ``k_min..`` (and to layer ``slot``); refill touched bins.

    Rows no level landed in are all 0 and skipped (adding 0 leaves a bin's notional, never -0, unchanged).
    """
    for r in range(block.shape[0]):
        if not touched[r]:
            continue
        status[k_min + r] = STATUS_ACTIVE
        share[k_min + r] = 0.0
        for t in range(block.shape[1]):
            usd[k_min + r, t] += block[r, t]
            if slot >= 0:
                layers[slot, k_min + r, t] += block[r, t]


@jit
def interval_entries(bars, bar_w, n_groups, price):
    """
    Return the virtual entries of an open-interest interval's bars.

    ``entries.bar_entries`` of the volume profile, with consecutive bars merged into at most ``n_groups`` coarser bars.

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


@jit
def open_cohort(entries, levels, per_unit, weights, tier_w, size_w, target_units, low, width, base, usd, layers,
                merge_src, merge_dst, slot, status, share, sweep_at, side, inverse, units_out, outside_out, twin=0):
    """
    Open enough of one side's cohort that ``target_units`` position units survive, in one pass.

    The survival of the cohort (the share of its units whose level no later price reached) followed by
    :func:`scatter_cohort` of ``target_units / survival`` USD.

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
    twin : int, default 0
        ``m > 0``: the entries are :func:`interval_entries`' six blocks of ``m`` rows, each "after" block (1, 3, 5)
        repeating the prices of the block before it; their levels' bins are then computed once (a row whose price
        differs from its twin's is computed anew). Only the work changes, not the result.

    Returns
    -------
    tuple[float, float, int, int]
        ``(USD opened, USD liquidated at once, lowest bin, highest bin)``; ``(0, 0, -1, -1)`` and nothing changed
        when no level survives, or so little that ``target_units / survival`` is not finite.
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
    stride = n_tiers * n_sizes
    shared = twin > 0 and per_unit
    bins = np.empty(n * stride if shared else 0, dtype=np.int64)  # each level's bin (or -2), reached or not
    r = 0
    for i in range(n):  # pass 1: levels, their fate and the survival terms
        entry = entries[i]
        unit = 1.0 if inverse else 1.0 / entry
        # the entry price of row i - twin again (interval_entries' "after" half): the same levels, the same bins
        again = shared and (i // twin) % 2 == 1 and entry == entries[i - twin]
        for t in range(n_tiers):
            wt = weights[i, t] if per_tier else weights[i, 0]
            for s in range(n_sizes):
                price = entry * levels[0, t, s] if per_unit else levels[i, t, s]
                if again:
                    k = bins[r - twin * stride]
                else:
                    k = _level_bin(price, lowest, high, width, base, n_bins)
                    if shared:
                        bins[r] = k
                if _reached(price, sweep_at[i], side):
                    k = -1
                codes[r] = k
                if k == -1:
                    terms[r] = 0.0
                else:
                    terms[r] = wt * tier_w[t] * size_w[s] * unit
                    if k >= 0:
                        k_min = min(k_min, k)
                        k_max = max(k_max, k)
                r += 1
    survive = pairwise_sum(terms, 0, r)
    if not survive > 0.0:
        return 0.0, 0.0, -1, -1
    amount_usd = target_units / survive
    if not amount_usd < np.inf:  # so little survives that the USD needed overflows (e.g. a subnormal bar volume)
        return 0.0, 0.0, -1, -1
    if merge_src >= 0:
        for k in range(layers.shape[1]):
            for t in range(layers.shape[2]):
                layers[merge_dst, k, t] += layers[merge_src, k, t]
                layers[merge_src, k, t] = 0.0
    # pass 2: the amounts, as scatter_cohort adds them
    swept = _place(codes, entries, weights, tier_w, size_w, amount_usd, inverse, k_min, k_max, usd, layers, slot,
                   status, share, units_out, outside_out)
    if k_max < 0:
        return amount_usd, swept, -1, -1
    return amount_usd, swept, k_min, k_max
