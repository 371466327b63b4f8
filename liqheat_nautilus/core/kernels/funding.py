"""A funding settlement's move of a side's levels (``funding_adjusted``), in one compiled pass per tier."""

import math

from liqheat_nautilus.core.kernels._base import STATUS_ACTIVE, STATUS_CLEARED, jit


@jit
def shift_side(usd, status, share, shift_bins, outside, span):
    """
    Move each tier's column of a side by its own fractional number of bins, in place, conserving notional.

    The compiled form of :func:`liqheat_nautilus.core.grid.shift_fractional` applied to every tier column (the
    same arithmetic in the same order): bin ``k``'s notional goes to ``k + n`` (share ``1 − f``) and ``k + n + 1``
    (share ``f``), ``n = floor(s)``, ``f = s − n`` for ``s = shift_bins[t] >= 0``; a negative shift is the mirror
    move. Notional pushed beyond the grid stays open and is added to ``outside[t]`` (the column's sum before minus
    after). Then bins holding notional again after being ``CLEARED`` become ``ACTIVE`` (share 0), and ``span`` is
    set to the first and last bin holding notional (``(n_bins, -1)`` when none).

    Only the bins the notional can occupy before and after the move are read and written: every bin outside the
    side's ``span`` on entry holds 0 (the book keeps the span around every filled bin), and a sum that starts at
    +0.0 is unchanged by adding zeros, so the result is the same as a pass over the whole grid.

    Parameters
    ----------
    usd : np.ndarray
        ``(n_bins, n_tiers)`` float64 USD notional, modified in place.
    status : np.ndarray
        ``(n_bins,)`` int8 bin status, modified in place.
    share : np.ndarray
        ``(n_bins,)`` float64 traded share of each bin, modified in place.
    shift_bins : np.ndarray
        ``(n_tiers,)`` float64 shift per tier in bins (positive toward higher prices; finite).
    outside : np.ndarray
        ``(n_tiers,)`` float64 open notional (USD) outside the grid, increased in place.
    span : np.ndarray
        ``(2,)`` int64: on entry the first and last bin that may hold notional (every bin outside holds 0;
        ``(n_bins, -1)`` or any empty range when none), overwritten with the side's new span.
    """
    n, m = usd.shape
    lo_in = max(span[0], 0)
    hi_in = min(span[1], n - 1)
    lo_out = n  # the bins written: where the notional can be after the move
    hi_out = -1
    for t in range(m):
        s = shift_bins[t]
        if s == 0.0 or lo_in > hi_in:
            continue
        before = 0.0
        for k in range(lo_in, hi_in + 1):
            before += usd[k, t]
        if before == 0.0:
            continue
        a = s if s > 0.0 else -s
        whole = int(math.floor(a))
        frac = a - whole
        keep = 1.0 - frac
        if s > 0.0:  # upward: read bins at or below k, written from the top down
            top = min(hi_in + whole + 1, n - 1)  # above it every source bin is empty
            for k in range(top, lo_in - 1, -1):
                src = k - whole
                v = usd[src, t] if src >= 0 else 0.0
                if frac > 0.0:
                    v = v * keep
                    if src >= 1:
                        v += usd[src - 1, t] * frac
                usd[k, t] = v
            a_k, b_k = lo_in, top
        else:  # downward: the mirror, written from the bottom up
            bottom = max(lo_in - whole - 1, 0)
            for k in range(bottom, hi_in + 1):
                src = k + whole
                v = usd[src, t] if src < n else 0.0
                if frac > 0.0:
                    v = v * keep
                    if src + 1 < n:
                        v += usd[src + 1, t] * frac
                usd[k, t] = v
            a_k, b_k = bottom, hi_in
        after = 0.0
        for k in range(a_k, b_k + 1):
            after += usd[k, t]
        if before > after:
            outside[t] += before - after
        lo_out = min(lo_out, a_k)
        hi_out = max(hi_out, b_k)
    if lo_in <= hi_in:  # unmoved tiers stay inside the old span
        lo_out = min(lo_out, lo_in)
        hi_out = max(hi_out, hi_in)
    lo = n
    hi = -1
    for k in range(max(lo_out, 0), min(hi_out, n - 1) + 1):
        filled = False
        for t in range(m):
            if usd[k, t] > 0.0:
                filled = True
                break
        if filled:
            if lo == n:
                lo = k
            hi = k
            if status[k] == STATUS_CLEARED:
                status[k] = STATUS_ACTIVE
                share[k] = 0.0
    span[0] = lo
    span[1] = hi
