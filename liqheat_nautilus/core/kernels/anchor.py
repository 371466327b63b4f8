"""Compiled open-interest anchoring: holding-time decay, then each side opened or closed to its target units.

Closing is pro rata; ``MapBook.decay``, ``open_units`` and ``close_fraction`` in one call.
"""

import numpy as np

from liqheat_nautilus.core.kernels._base import jit, pairwise_sum, pairwise_sum_nonzero, row_sum
from liqheat_nautilus.core.kernels.scatter import interval_entries, open_cohort


@jit
def widen_span(spans, edges, side, k_min, k_max):
    """
    Widen one side's span and edge to bins ``k_min..k_max`` that just received notional (``MapBook._widen``).

    Parameters
    ----------
    spans : np.ndarray
        ``(2, 2)`` int64 ``(first, last)`` bins of the long (row 0) and short (row 1) side; modified in place.
    edges : np.ndarray
        ``(2,)`` int64 edge bins (long: highest non-empty, short: lowest; -1 when empty); modified in place.
    side : int
        0 long, 1 short.
    k_min, k_max : int
        First and last local bin that received notional (``k_max >= 0``).
    """
    spans[side, 0] = min(spans[side, 0], k_min)
    spans[side, 1] = max(spans[side, 1], k_max)
    if side == 0:
        edges[0] = max(edges[0], k_max)
    else:
        edges[1] = k_min if edges[1] < 0 else min(edges[1], k_min)


@jit
def _close_side(usd, status, outside, units, fraction, lo, hi):
    """
    ``MapBook.close_fraction`` pro rata without layers: return the USD closed (``SideBook.close_pro_rata``).

    Bins ``lo..hi`` hold every non-empty bin of the side (its span): only they are scaled (an empty bin stays 0). A
    side without notional (all swept) still closes ``fraction`` of the position units the estimate of swept units
    left it.
    """
    closed, keep = _close_keep(usd, outside, units, fraction, lo, hi)
    if keep != 1.0:
        for k in range(max(lo, 0), min(hi, usd.shape[0] - 1) + 1):
            for t in range(usd.shape[1]):
                usd[k, t] *= keep
    return closed


@jit
def _close_keep(usd, outside, units, fraction, lo, hi):
    """
    :func:`_close_side` but for scaling the grid: return ``(closed USD, keep)``.

    ``outside`` and ``units`` are scaled; the grid's span must still be multiplied by ``keep`` (1.0: nothing to
    scale) — :func:`_close_side` does it at once, :func:`_scale_kept` with the decay.
    """
    n_bins, n_tiers = usd.shape
    first, last = max(lo, 0), min(hi, n_bins - 1)  # the span: zeros elsewhere (not read)
    total = pairwise_sum_nonzero(usd.reshape(n_bins * n_tiers), 0, n_bins * n_tiers, first * n_tiers,
                                 (last + 1) * n_tiers) + pairwise_sum(outside, 0, n_tiers)
    amount = fraction * total
    if total <= 0.0:
        if fraction > 0.0:
            keep = 1.0 - min(fraction, 1.0)
            for t in range(n_tiers):
                units[t] *= keep
        return 0.0, 1.0
    if amount <= 0.0:
        return 0.0, 1.0
    fraction = min(amount / total, 1.0)
    keep = 1.0 - fraction
    for t in range(n_tiers):
        outside[t] *= keep
        units[t] *= keep
    return total * fraction, keep


@jit
def _edge_after_scaling(usd, edge, highest, lo, hi):
    """Return one side's edge bin after scaling, searched again if it emptied.

    ``MapBook.recompute_edges(scaled_only=True)`` for one side (non-empty bins in ``lo..hi``).
    """
    if edge >= 0 and row_sum(usd, edge) > 0.0:
        return edge
    n = usd.shape[0]
    lo, hi = max(lo, 0), min(hi, n - 1)
    if highest:
        for k in range(hi, lo - 1, -1):
            if row_sum(usd, k) > 0.0:
                return k
        return -1
    for k in range(lo, hi + 1):
        if row_sum(usd, k) > 0.0:
            return k
    return -1


@jit
def _floor_keeps(factor, long_target, short_target, long_usd, long_units, long_outside, short_usd, short_units,
                 short_outside, spans, out):
    """
    Close ahead of the decay so that each side still opens what holding time closes (``turnover_floor``).

    ``OpenInterestAnchor._floor`` for pro-rata closing: a side whose target is below what survives the decay first
    closes ``1 − keep / after`` of itself, ``after = Σ units·factor``, ``replaced = Σ units − after``,
    ``keep = max(target − replaced, 0)``; the USD closed is added to ``out[side, 2]``, ``outside`` and ``units`` are
    scaled. Returns ``(long keep, short keep)``: each side's grid must still be multiplied by its keep (1.0: nothing
    closed), which :func:`_scale_kept` does in the decay's pass, and the edges recomputed after it (the highest
    long, lowest short, non-empty bin after both scalings is the edge that recomputing after each gives).
    """
    n_tiers = factor.shape[0]
    long_keep = 1.0
    short_keep = 1.0
    for side in range(2):
        units = long_units if side == 0 else short_units
        total = pairwise_sum(units, 0, n_tiers)
        after = 0.0
        for t in range(n_tiers):
            after += units[t] * factor[t]
        replaced = total - after
        target = long_target if side == 0 else short_target
        if replaced > 0.0 and target < after and after > 0.0:
            keep = max(target - replaced, 0.0)
            if side == 0:
                closed, long_keep = _close_keep(long_usd, long_outside, long_units, 1.0 - keep / after, spans[0, 0],
                                                spans[0, 1])
            else:
                closed, short_keep = _close_keep(short_usd, short_outside, short_units, 1.0 - keep / after,
                                                 spans[1, 0], spans[1, 1])
            out[side, 2] += closed
    return long_keep, short_keep


@jit
def _scale_kept(long_usd, long_outside, long_units, short_usd, short_outside, short_units, factor, long_keep,
                short_keep, before_out, spans):
    """
    :func:`scale_sides` without layers, each side's grid first multiplied by its keep (:func:`_floor_keeps`).

    Each value ``v·keep`` is what the floor's close would have stored (``v·1.0 = v`` where nothing closed): it is
    added to its tier's sum and multiplied by the factor as :func:`scale_sides` does with the stored value.
    """
    n_tiers = factor.shape[0]
    n = long_usd.shape[0]
    long_col = np.zeros(n_tiers)
    short_col = np.zeros(n_tiers)
    for side in range(2):
        usd = long_usd if side == 0 else short_usd
        col = long_col if side == 0 else short_col
        keep = long_keep if side == 0 else short_keep
        first, last = max(spans[side, 0], 0), min(spans[side, 1], n - 1)
        span = usd[first:max(last + 1, first)]  # indexed from 0: no negative-index handling
        t0 = 0
        while t0 + 4 <= n_tiers:  # four tiers at a time, their sums in registers (each still added bin by bin)
            f0, f1, f2, f3 = factor[t0], factor[t0 + 1], factor[t0 + 2], factor[t0 + 3]
            c0, c1, c2, c3 = 0.0, 0.0, 0.0, 0.0
            for k in range(span.shape[0]):
                v0 = span[k, t0] * keep
                v1 = span[k, t0 + 1] * keep
                v2 = span[k, t0 + 2] * keep
                v3 = span[k, t0 + 3] * keep
                c0 += v0
                c1 += v1
                c2 += v2
                c3 += v3
                span[k, t0] = v0 * f0
                span[k, t0 + 1] = v1 * f1
                span[k, t0 + 2] = v2 * f2
                span[k, t0 + 3] = v3 * f3
            col[t0], col[t0 + 1], col[t0 + 2], col[t0 + 3] = c0, c1, c2, c3
            t0 += 4
        for t in range(t0, n_tiers):
            c = 0.0
            for k in range(span.shape[0]):
                v = span[k, t] * keep
                c += v
                span[k, t] = v * factor[t]
            col[t] = c
    for t in range(n_tiers):
        before_out[t] = long_col[t] + long_outside[t] + short_col[t] + short_outside[t]
    for t in range(n_tiers):
        long_outside[t] *= factor[t]
        long_units[t] *= factor[t]
    for t in range(n_tiers):
        short_outside[t] *= factor[t]
        short_units[t] *= factor[t]


@jit
def anchor_sides(factor, floor, before_out, entries, weights, lowest, highest, long_levels, short_levels, size_w,
                 long_tw, short_tw, long_target, short_target, low, width, base, inverse, long_usd, long_status,
                 long_share, long_units, long_outside, short_usd, short_status, short_share, short_units, short_outside,
                 no_layers, edges, spans, out, twin=0):
    """
    Apply one open-interest reading to both sides in one call.

    Pro-rata closing, levels proportional to the entry: the holding-time decay, then each side (long, then short) opened
    to its target units at the entries (:func:`open_cohort`) or closed pro rata down to it — the sequence of
    ``MapBook.decay``, ``MapBook.open_units`` and ``MapBook.close_fraction`` with the same arithmetic in the same order.

    Parameters
    ----------
    factor : np.ndarray
        ``(n_tiers,)`` holding-time survival factors, or ``(0,)``: no decay.
    floor : bool
        ``turnover_floor``: before the decay, a side whose target is below what survives it closes so that it still
        opens what holding time closed (:func:`_floor_keeps`).
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
        ``(2, 3)`` float64 per side: USD opened, USD liquidated at once, USD closed (by the floor or down to the
        target).
    twin : int, default 0
        As :func:`open_cohort` (``anchor_interval`` passes its entries' block length).
    """
    for side in range(2):
        for j in range(3):
            out[side, j] = 0.0
    if factor.size:  # the floor's closes (if any) and the decay in one pass over each side's grid
        long_keep, short_keep = 1.0, 1.0
        if floor:
            long_keep, short_keep = _floor_keeps(factor, long_target, short_target, long_usd, long_units,
                                                 long_outside, short_usd, short_units, short_outside, spans, out)
        _scale_kept(long_usd, long_outside, long_units, short_usd, short_outside, short_units, factor, long_keep,
                    short_keep, before_out, spans)
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
        if gap > 0.0:
            amount, swept, k_min, k_max = open_cohort(
                entries, long_levels if side == 0 else short_levels, True, weights, long_tw if side == 0 else short_tw,
                size_w, gap, low, width, base, usd, no_layers, -1, -1, -1, status, share,
                lowest if side == 0 else highest, 1 if side == 0 else -1, inverse, units, outside, twin)
            out[side, 0] = amount
            out[side, 1] = swept
            if k_max >= 0:
                widen_span(spans, edges, side, k_min, k_max)
        elif gap < 0.0 and have > 0.0:
            out[side, 2] += _close_side(usd, status, outside, units, min(-gap / have, 1.0), spans[side, 0],
                                        spans[side, 1])
            edges[0] = _edge_after_scaling(long_usd, edges[0], True, spans[0, 0], spans[0, 1])
            edges[1] = _edge_after_scaling(short_usd, edges[1], False, spans[1, 0], spans[1, 1])


@jit
def anchor_interval(bars, bar_w, n_groups, price, factor, floor, before_out, long_levels, short_levels, size_w,
                    long_tw, short_tw, long_target, short_target, low, width, base, inverse, long_usd, long_status,
                    long_share, long_units, long_outside, short_usd, short_status, short_share, short_units,
                    short_outside, no_layers, edges, spans, out):
    """
    :func:`interval_entries` of the interval's bars, then :func:`anchor_sides` at those entries, in one call.

    The same arithmetic in the same order as the two calls (one dispatch, and no entry arrays handed back to Python).

    Parameters
    ----------
    bars, bar_w, n_groups, price
        As :func:`interval_entries` (``bars`` has at least one row; ``price`` is also the current price).
    factor, floor, before_out, long_levels, short_levels, size_w, long_tw, short_tw, long_target, short_target
        As :func:`anchor_sides`.
    low, width, base, inverse, long_usd, long_status, long_share, long_units, long_outside, short_usd, short_status,
    short_share, short_units, short_outside, no_layers, edges, spans, out
        As :func:`anchor_sides`.
    """
    entries, weights, lowest, highest = interval_entries(bars, bar_w, n_groups, price)
    anchor_sides(factor, floor, before_out, entries, weights, lowest, highest, long_levels, short_levels, size_w,
                 long_tw, short_tw, long_target, short_target, low, width, base, inverse, long_usd, long_status,
                 long_share, long_units, long_outside, short_usd, short_status, short_share, short_units,
                 short_outside, no_layers, edges, spans, out, entries.shape[0] // 6)


@jit
def scale_sides(long_usd, long_layers, long_outside, long_units, short_usd, short_layers, short_outside, short_units,
                factor, before_out, spans):
    """
    Close every cohort of both sides by holding time.

    Multiply each tier by its factor (grid, layers, outside, units).

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
    for side in range(2):  # one pass per side: each value is added to its tier's sum (bin order), then scaled
        usd = long_usd if side == 0 else short_usd
        col = long_col if side == 0 else short_col
        for k in range(max(spans[side, 0], 0), min(spans[side, 1], n - 1) + 1):
            for t in range(n_tiers):
                v = usd[k, t]
                col[t] += v
                usd[k, t] = v * factor[t]
    for t in range(n_tiers):
        before_out[t] = long_col[t] + long_outside[t] + short_col[t] + short_outside[t]
    for side in range(2):
        layers = long_layers if side == 0 else short_layers
        outside = long_outside if side == 0 else short_outside
        units = long_units if side == 0 else short_units
        lo, hi = max(spans[side, 0], 0), min(spans[side, 1], n - 1)
        for t in range(n_tiers):
            outside[t] *= factor[t]
            units[t] *= factor[t]
        for layer in range(layers.shape[0]):
            for k in range(lo, hi + 1):
                for t in range(n_tiers):
                    layers[layer, k, t] *= factor[t]
