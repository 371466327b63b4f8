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
        ``(2,)`` int64, overwritten with the side's new span.
    """
    n, m = usd.shape
    for t in range(m):
        s = shift_bins[t]
        if s == 0.0:
            continue
        before = 0.0
        for k in range(n):
            before += usd[k, t]
        if before == 0.0:
            continue
        a = s if s > 0.0 else -s
        whole = int(math.floor(a))
        frac = a - whole
        keep = 1.0 - frac
        if s > 0.0:  # upward: read bins at or below k, written from the top down
            for k in range(n - 1, -1, -1):
                src = k - whole
                v = usd[src, t] if src >= 0 else 0.0
                if frac > 0.0:
                    v = v * keep
                    if src >= 1:
                        v += usd[src - 1, t] * frac
                usd[k, t] = v
        else:  # downward: the mirror, written from the bottom up
            for k in range(n):
                src = k + whole
                v = usd[src, t] if src < n else 0.0
                if frac > 0.0:
                    v = v * keep
                    if src + 1 < n:
                        v += usd[src + 1, t] * frac
                usd[k, t] = v
        after = 0.0
        for k in range(n):
            after += usd[k, t]
        if before > after:
            outside[t] += before - after
    lo = n
    hi = -1
    for k in range(n):
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
