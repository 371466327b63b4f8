"""Compiled reads of the map: cluster runs, magnet forces, cumulative curves and stable cluster ids.

Cluster runs are the bins above a threshold.
"""

import math

import numpy as np

from liqheat_nautilus.core.kernels._base import METHOD_SIGMA, STATUS_PARTIAL, jit, row_sum, row_totals


@jit
def _threshold(totals, method, quantile, k_sigma, lo, hi):
    """Return the cluster threshold of one side (``inf`` when every bin is empty).

    Every non-empty bin lies in ``lo..hi``. ``METHOD_QUANTILE``: the ``quantile`` of the non-empty bins' totals
    (numpy's default linear interpolation); ``METHOD_SIGMA``: their mean + ``k_sigma``·std.
    """
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
    return _threshold_of(nonzero, method, quantile, k_sigma)


@jit
def _threshold_of(nonzero, method, quantile, k_sigma):
    """Return the cluster threshold of the non-empty bins' totals ``nonzero`` (at least one; reordered in place)."""
    m = nonzero.size
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


@jit
def _select(values, k):
    """
    Return the ``k``-th smallest of ``values`` (0-based; Hoare's quickselect, in place).

    Afterwards values before position ``k`` are <= it and values after it >= it. (A hand-written loop: ``np.partition``
    takes seconds to compile.)
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


@jit
def _side_runs(usd, status, tiers, totals, base, width, method, quantile, k_sigma, max_gap, max_runs, out, row,
               lo, hi):
    """Write one side's cluster runs, largest first, to ``out[row:]``; return the next free row.

    Every non-empty bin lies in ``lo..hi``.
    """
    thr = _threshold(totals, method, quantile, k_sigma, lo, hi)
    return _runs_above(usd, status, tiers, totals, base, width, thr, max_gap, max_runs, out, row, lo, hi)


@jit
def _runs_above(usd, status, tiers, totals, base, width, thr, max_gap, max_runs, out, row, lo, hi):
    """:func:`_side_runs` at a given threshold ``thr`` (``inf``: no runs)."""
    # runs of bins >= threshold (and non-empty), gaps of at most max_gap bins bridged (at most one run per bin)
    firsts = np.empty(max(hi - lo + 1, 0), dtype=np.int64)
    lasts = np.empty(max(hi - lo + 1, 0), dtype=np.int64)
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


@jit
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


@jit
def _magnet_sums(long_tot, short_tot, base, width, price, long_lo, long_hi, short_lo, short_hi):
    """Return the magnet forces, visiting only each side's span of bins.

    Every non-empty long bin lies in ``long_lo..long_hi``, every short one in ``short_lo.. short_hi`` (empty bins add
    nothing: the sums are those of the full loop, term for term).
    """
    floor_pct = 50.0 * width / price
    scale = 100.0 / price
    up = 0.0
    down = 0.0
    for k in range(short_lo, short_hi + 1):
        centre = (base + k + 0.5) * width
        if centre > price:
            up += _pull(short_tot[k], centre, price, scale, floor_pct)
    for k in range(long_lo, long_hi + 1):
        centre = (base + k + 0.5) * width
        if centre < price:
            down += _pull(long_tot[k], centre, price, scale, floor_pct)
    return up, down


@jit
def _pull(usd, centre, price, scale, floor_pct):
    """
    Return one bin's magnet term ``usd / d²`` (USD / %²).

    ``d`` is the bin centre's distance from price in % (``scale`` = 100 / price), at least ``floor_pct`` (half a
    bin). The formula: :func:`liqheat_nautilus.core.magnet.magnet_force`.
    """
    d = max(abs(centre - price) * scale, floor_pct)
    return usd * (1.0 / (d * d))


@jit
def magnet_sums(long_usd, short_usd, base, width, price):
    """
    Return the magnet forces at ``price`` (USD / %², up and down).

    ``Σ USD / d²`` with ``d`` the distance of a bin centre ``(base + k + 0.5)·width`` from price in percent of price,
    floored at half a bin (the formula of ``magnet.magnet_force``).

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


@jit
def read_curves(long_tot, short_tot, k, long_cum, short_cum):
    """
    Write the cumulative liquidation notional outward from price.

    As ``reads.cumulative_curves``: ``long_cum[j]`` the long notional at or above bin ``j`` up to price (0 above bin
    ``k``), ``short_cum[j]`` the short notional at or below bin ``j`` down from price (0 below bin ``k``); sums in numpy
    ``cumsum``'s order.

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
    # both running sums in one loop (each adds its bins in cumsum's order): the two dependent chains of additions
    # overlap instead of running one after the other
    acc_long = 0.0
    acc_short = 0.0
    for i in range(n):
        j = n - 1 - i
        acc_long += long_tot[j]
        long_cum[j] = acc_long
        acc_short += short_tot[i]
        short_cum[i] = acc_short
    for j in range(max(k + 1, 0), n):
        long_cum[j] = 0.0
    for j in range(0, min(max(k, 0), n)):
        short_cum[j] = 0.0


@jit
def read_totals(long_usd, short_usd, long_status, short_status, tiers, base, width, method, quantile, k_sigma,
                max_gap, max_runs, price, long_tot, short_tot, spans):
    """
    Run :func:`read_map` and keep the per-bin totals it computes.

    The per-bin totals go into ``long_tot`` and ``short_tot`` (``(n_bins,)``): one pass gives clusters, magnet and the
    totals the curves and the history row are made of. Only the bins of each side's span are visited (``spans``: ``(2,
    2)`` int64 rows ``(first, last)`` for long and short, holding every non-empty bin of the side; totals are 0
    elsewhere), which changes no result.

    Returns
    -------
    tuple[np.ndarray, int, float, float]
        As :func:`read_map`.
    """
    n = long_usd.shape[0]
    long_lo, long_hi = max(spans[0, 0], 0), min(spans[0, 1], n - 1)
    short_lo, short_hi = max(spans[1, 0], 0), min(spans[1, 1], n - 1)
    floor_pct = 50.0 * width / price
    scale = 100.0 / price
    long_nz = np.empty(max(long_hi - long_lo + 1, 0))
    short_nz = np.empty(max(short_hi - short_lo + 1, 0))
    m_long, down = _side_totals(long_usd, long_tot, long_lo, long_hi, 1, base, width, price, floor_pct, scale, long_nz)
    m_short, up = _side_totals(short_usd, short_tot, short_lo, short_hi, -1, base, width, price, floor_pct, scale,
                               short_nz)
    out = np.empty((2 * max_runs, 6))
    thr = _threshold_of(long_nz[:m_long], method, quantile, k_sigma) if m_long else np.inf
    n_long = _runs_above(long_usd, long_status, tiers, long_tot, base, width, thr, max_gap, max_runs, out, 0, long_lo,
                         long_hi)
    thr = _threshold_of(short_nz[:m_short], method, quantile, k_sigma) if m_short else np.inf
    n_all = _runs_above(short_usd, short_status, tiers, short_tot, base, width, thr, max_gap, max_runs, out, n_long,
                        short_lo, short_hi)
    return out[:n_all], n_long, up, down


@jit
def _side_totals(usd, tot, lo, hi, sign, base, width, price, floor_pct, scale, nonzero):
    """
    One side's per-bin totals, its non-empty totals and its magnet force, in one pass over its span.

    Writes ``tot`` (row sums of ``usd`` in ``lo..hi``, 0 elsewhere) and the non-empty totals in bin order to the
    start of ``nonzero``; returns ``(count, force)``: the number of non-empty bins and the side's magnet force
    (:func:`_magnet_sums`' ``down`` for ``sign`` +1, ``up`` for -1: the same terms in the same order, the empty
    bins' terms, exact zeros, left out).
    """
    n = tot.size
    for k in range(0, min(lo, n)):
        tot[k] = 0.0
    m = 0
    force = 0.0
    for k in range(lo, hi + 1):
        v = row_sum(usd, k)
        tot[k] = v
        if v > 0.0:
            nonzero[m] = v
            m += 1
            centre = (base + k + 0.5) * width
            if centre < price if sign > 0 else centre > price:
                force += _pull(v, centre, price, scale, floor_pct)
    for k in range(max(hi + 1, 0), n):
        tot[k] = 0.0
    return m, force


@jit
def track_clusters(runs, n_long, base, width, prev_int, prev_low, prev_high, n_prev, tol, next_id, ts_ns, low_since,
                   high_since):
    """
    Give this read's clusters stable ids (one compiled loop).

    ``clusters.ClusterTracker.update_fields`` as one compiled loop: the runs of this read, largest notional first (ties
    in read order), each take the id of the earlier same-side cluster whose range, widened by ``tol`` on each side,
    overlaps theirs most (the first such earlier cluster on ties; each used once), or a new id. Earlier clusters left
    unmatched whose range price passed through since the previous read (low at or below a long cluster's lower edge,
    high at or above a short cluster's upper edge) are reported as cleared.

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


@jit
def read_tracked(long_usd, short_usd, long_status, short_status, tiers, base, width, method, quantile, k_sigma,
                 max_gap, max_runs, price, long_tot, short_tot, spans, prev_int, prev_low, prev_high, n_prev, tol,
                 next_id, ts_ns, low_since, high_since, cleared_out):
    """
    :func:`read_totals` followed by :func:`track_clusters` of its runs, in one call.

    The same arithmetic in the same order as the two calls (one dispatch, and the runs are not handed back to Python).

    Parameters
    ----------
    long_usd, short_usd, long_status, short_status, tiers, base, width, method, quantile, k_sigma, max_gap, max_runs,
    price, long_tot, short_tot, spans
        As :func:`read_totals`.
    prev_int, prev_low, prev_high, n_prev, tol, next_id, ts_ns, low_since, high_since
        As :func:`track_clusters`.
    cleared_out : np.ndarray
        ``(capacity,)`` int64; its first ``n_cleared`` entries are set to :func:`track_clusters`' ``cleared``.

    Returns
    -------
    tuple[np.ndarray, np.ndarray, int, int, float, float]
        ``(ints, floats, n_cleared, next_id, up, down)``: :func:`track_clusters`' results (the cleared indices in
        ``cleared_out``) and :func:`read_totals`' magnet forces.
    """
    runs, n_long, up, down = read_totals(long_usd, short_usd, long_status, short_status, tiers, base, width, method,
                                         quantile, k_sigma, max_gap, max_runs, price, long_tot, short_tot, spans)
    ints, floats, cleared, next_id = track_clusters(runs, n_long, base, width, prev_int, prev_low, prev_high, n_prev,
                                                    tol, next_id, ts_ns, low_since, high_since)
    for i in range(cleared.size):
        cleared_out[i] = cleared[i]
    return ints, floats, cleared.size, next_id, up, down
