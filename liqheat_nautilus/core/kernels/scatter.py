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
def _level_bin(price, lowest, high, divisor, base, top):
    """
    Local bin ``min(int(level / width) - base, n_bins - 1)`` of a level in the grid ``[lowest, high)``, else -2.

    -2: still open but outside the grid (or not finite, or <= 0: a long never liquidated). ``divisor`` is the bin
    width, or 1.0 when it is 0 (no level then lies in the grid: ``high == low``), ``top`` is ``n_bins - 1``: the
    compiler then knows the division cannot fail, and the function has no branch (a loop calling it vectorises).
    """
    inside = (price >= lowest) & (price < high)
    k = np.int64(price / divisor) - base if inside else 0
    return min(k, top) if inside else -2


@jit
def _scatter(entries, levels, per_unit, weights, tier_w, size_w, amount_usd, low, width, base, usd, layers, slot,
             status, share, sweep_at, side, inverse, units_out, outside_out):
    """
    Scatter one cohort: the body of :func:`scatter_cohort`.

    The levels' fates (:func:`_fates`; the survival terms it also fills are not needed), then :func:`_place`.
    """
    n_bins, n_tiers = usd.shape
    n = entries.shape[0] * n_tiers * levels.shape[2]
    codes = np.empty(n, dtype=np.int64)
    k_min, k_max = _fates(entries, levels, per_unit, weights, tier_w, size_w, low, width, base, n_bins, sweep_at,
                          side, inverse, 0, codes, np.empty(n))
    swept = _place(codes, entries, weights, tier_w, size_w, amount_usd, inverse, k_min, k_max, usd, layers, slot,
                   status, share, units_out, outside_out)
    if k_max < 0:
        return swept, -1, -1
    return swept, k_min, k_max


@jit
def _fates(entries, levels, per_unit, weights, tier_w, size_w, low, width, base, n_bins, sweep_at, side, inverse,
           twin, codes, terms):
    """
    Fill each level's fate and survival term; return the lowest and highest bin of the levels that stay open.

    Level ``r = (i · n_tiers + t) · n_sizes + s`` (entry ``i``, tier ``t``, size ``s``; column ``q = t · n_sizes +
    s``) has the price ``entries[i] · levels[0, t, s]`` (``per_unit``) or ``levels[i, t, s]``. ``codes[r]``: -1 when
    price reached it after the entry (long ``level >= sweep_at[i]``, short ``level <= sweep_at[i]``; only levels > 0:
    one <= 0 is a long never liquidated), liquidated at once, else its bin or -2 outside the grid
    (:func:`_level_bin`); ``terms[r]``: 0 when reached, else its survival
    ``w · tier_w[t] · size_w[s] · unit`` (``w = weights[i, 0]`` or ``weights[i, t]``; ``unit = 1 / entries[i]``, 1
    for inverse contracts), multiplied in that order.

    The work is shared where the results are equal anyway, and each value is computed as the plain per-level formula
    computes it (the same operations on the same operands, so bit for bit the same):

    - every column's bin is the branch-free :func:`_level_bin` of its price, in one loop that the compiler vectorises
      (cheaper than dividing once per distinct factor: columns with equal factors have equal prices and bins anyway);
    - with ``twin > 0`` (:func:`interval_entries`' six blocks of ``twin`` rows, each "after" block 1, 3, 5 repeating
      the prices of the block before it), row ``i + twin`` of an "after" block with the same entry price and weight
      as row ``i`` (``weights`` of one column, ``per_unit`` levels) has the same prices, bins and terms: they are
      computed once for both rows, which differ only in ``sweep_at`` (each row's reached levels get -1 and 0);
    - the per-column loops (prices, terms, the reached test ``sign · level >= sign · sweep_at`` with ``sign = ±1``,
      an exact negation for shorts) are branch-free over contiguous arrays, which lets the compiler vectorise them.

    Parameters
    ----------
    entries, levels, per_unit, weights, tier_w, size_w, low, width, base, sweep_at, side, inverse
        As :func:`scatter_cohort`.
    n_bins : int
        Bins of the side's grid.
    twin : int
        ``m > 0``: the entries are :func:`interval_entries`' six blocks of ``m`` rows (rows are paired only when
        their prices and weights are equal; 0: no pairing).
    codes : np.ndarray
        ``(n · n_tiers · n_sizes,)`` int64, filled: each level's bin, or -1 liquidated at once, -2 open outside.
    terms : np.ndarray
        ``(n · n_tiers · n_sizes,)`` float64, filled: each level's survival term.

    Returns
    -------
    tuple[int, int]
        ``(k_min, k_max)`` over the levels in the grid that stay open; ``(n_bins, -1)`` when none.
    """
    n = entries.shape[0]
    n_tiers, n_sizes = levels.shape[1], levels.shape[2]
    stride = n_tiers * n_sizes
    per_tier = weights.shape[1] > 1
    lowest = low if low > 0.0 else 5e-324
    high = low + n_bins * width
    sign = 1.0 if side > 0 else -1.0
    top = n_bins - 1
    divisor = width if width != 0.0 else 1.0  # see _level_bin
    tier_of = np.empty(stride, dtype=np.int64)
    factor = np.empty(stride)
    tier_q = np.empty(stride)
    size_q = np.empty(stride)
    for q in range(stride):
        t, s = q // n_sizes, q % n_sizes
        tier_of[q] = t
        factor[q] = levels[0, t, s]
        tier_q[q] = tier_w[t]
        size_q[q] = size_w[s]
    paired = twin > 0 and per_unit and not per_tier
    price = np.empty(stride)
    bins = np.empty(stride, dtype=np.int64)
    open_terms = np.empty(stride)
    done = np.zeros(n, dtype=np.bool_)
    k_min, k_max = n_bins, -1
    for i in range(n):
        if done[i]:  # computed with its twin
            continue
        entry = entries[i]
        unit = 1.0 if inverse else 1.0 / entry
        partner = -1
        if (paired and (i // twin) % 2 == 0 and i + twin < n and entries[i + twin] == entry
                and weights[i + twin, 0] == weights[i, 0]):
            partner = i + twin
            done[partner] = True
        if per_unit:
            for q in range(stride):
                p = entry * factor[q]
                price[q] = p
                bins[q] = _level_bin(p, lowest, high, divisor, base, top)
        else:
            for q in range(stride):
                p = levels[i, tier_of[q], q % n_sizes]
                price[q] = p
                bins[q] = _level_bin(p, lowest, high, divisor, base, top)
        if per_tier:
            for q in range(stride):
                open_terms[q] = weights[i, tier_of[q]] * tier_q[q] * size_q[q] * unit
        else:
            w = weights[i, 0]
            for q in range(stride):
                open_terms[q] = w * tier_q[q] * size_q[q] * unit
        for row in (i, partner):
            if row < 0:
                break
            signed_sweep = sign * sweep_at[row]
            row_codes = codes[row * stride:(row + 1) * stride]
            row_terms = terms[row * stride:(row + 1) * stride]
            for q in range(stride):
                hit = (sign * price[q] >= signed_sweep) & (price[q] > 0.0)  # reached after the entry
                k = -1 if hit else bins[q]
                row_codes[q] = k
                row_terms[q] = 0.0 if hit else open_terms[q]
                k_min = min(k_min, k if k >= 0 else n_bins)
                k_max = max(k_max, k)
    return k_min, k_max


@jit
def _place(codes, entries, weights, tier_w, size_w, amount_usd, inverse, k_min, k_max, usd, layers, slot, status,
           share, units_out, outside_out):
    """
    Add a cohort of ``amount_usd`` USD at its levels' fates; return the USD liquidated at once.

    ``codes``: shape ``(n · n_tiers · n_sizes,)`` int64, :func:`_level_code` of each level in C order (entry, tier,
    size). In entry, tier, size order: a level liquidated at once adds to the returned swept USD; an open one adds its
    position units to ``units_out`` and its USD to ``outside_out`` (outside the grid) or to its bin in
    ``k_min..k_max`` (summed per bin and tier first, then added by :func:`_add_block`).

    A tier's units and outside sums are held in registers over its sizes (the same additions in the same order); the
    common fate (a bin) is tested first, and the arrays are indexed so that the compiler knows the index is not
    negative (fewer instructions per level).
    """
    n_tiers = tier_w.shape[0]
    n_sizes = size_w.shape[0]
    per_tier = weights.shape[1] > 1
    rows = k_max - k_min + 1 if k_max >= 0 else 0
    block = np.zeros((rows, n_tiers))
    touched = np.zeros(rows, dtype=np.bool_)
    stride = n_tiers * n_sizes
    swept = 0.0
    for i in range(entries.shape[0]):
        unit = 1.0 if inverse else 1.0 / entries[i]
        row_codes = codes[i * stride:(i + 1) * stride]  # indexed from 0: no negative-index handling
        for t in range(n_tiers):
            wt = weights[i, t] if per_tier else weights[i, 0]
            tier_amount = amount_usd * wt * tier_w[t]
            units = units_out[t]  # the tier's sums, kept in registers over its sizes
            outside = outside_out[t]
            for s in range(n_sizes):
                code = row_codes[t * n_sizes + s]
                amount = tier_amount * size_w[s]
                if code >= 0:
                    units += amount * unit
                    k = np.uint64(code - k_min)  # >= 0
                    block[k, t] += amount
                    touched[k] = True
                elif code == -2:
                    units += amount * unit
                    outside += amount
                else:
                    swept += amount
            units_out[t] = units
            outside_out[t] = outside
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
        repeating the prices of the block before it; a row and its twin with the same price and weight then share
        their levels' bins and survival terms (:func:`_fates`). Only the work changes, not the result.

    Returns
    -------
    tuple[float, float, int, int]
        ``(USD opened, USD liquidated at once, lowest bin, highest bin)``; ``(0, 0, -1, -1)`` and nothing changed
        when no level survives, or so little that ``target_units / survival`` is not finite.
    """
    n_bins, n_tiers = usd.shape
    r = entries.shape[0] * n_tiers * levels.shape[2]
    terms = np.empty(r)
    codes = np.empty(r, dtype=np.int64)  # bin, or -1 liquidated at once, -2 open outside
    # pass 1: levels, their fate and the survival terms
    k_min, k_max = _fates(entries, levels, per_unit, weights, tier_w, size_w, low, width, base, n_bins, sweep_at,
                          side, inverse, twin, codes, terms)
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
