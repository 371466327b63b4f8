"""Compiled sweeps: price trading through a side's bins liquidates the levels it reaches (``SideBook.sweep``)."""

import numpy as np

from liqheat_nautilus.core.kernels._base import STATUS_CLEARED, STATUS_PARTIAL, jit, position_units, row_nonzero


@jit
def _partial(usd, layers, status, share, k, new_share, unit_w, inverse, base, width, units_out):
    """
    Sweep bin ``k`` up to ``new_share`` of its range (uniform within the bin); return the swept USD.

    The bin is ``PARTIAL``, or ``CLEARED`` when swept to its far edge (``new_share`` 1: its whole range traded, as
    a price passing through it).
    """
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
        units_out[t] += position_units(gone, t, k, unit_w, inverse, base, width)
        usd[k, t] *= keep
    for layer in range(layers.shape[0]):
        for t in range(usd.shape[1]):
            layers[layer, k, t] *= keep
    share[k] = new_share
    status[k] = STATUS_CLEARED if new_share >= 1.0 else STATUS_PARTIAL
    return swept


@jit
def _clear(usd, layers, status, share, a, b, unit_w, inverse, base, width, units_out):
    """Zero bins ``a..b-1`` (total and layers), mark them CLEARED; return the removed USD."""
    removed = 0.0
    for k in range(a, b):
        for t in range(usd.shape[1]):
            gone = usd[k, t]
            if gone != 0.0:
                removed += gone
                units_out[t] += position_units(gone, t, k, unit_w, inverse, base, width)
                usd[k, t] = 0.0
        for layer in range(layers.shape[0]):
            for t in range(usd.shape[1]):
                layers[layer, k, t] = 0.0
        status[k] = STATUS_CLEARED
        share[k] = 1.0
    return removed


@jit
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
    while k >= 0 and not row_nonzero(usd, k):
        k -= 1
    return swept, k


@jit
def sweep_up(usd, layers, status, share, edge, j, new_share, unit_w, inverse, base, width, units_out):
    """
    Price rose into bin ``j``: liquidate the short levels it reached (the mirror of :func:`sweep_down`).

    Parameters
    ----------
    usd, layers, status, share, unit_w, inverse, base, width, units_out
        As :func:`sweep_down`, for the short side.
    edge, j : int
        Lowest non-empty bin (>= 0) and the local bin of the high (may lie outside ``[0, n_bins)``).
    new_share : float
        Share of bin ``j``'s range at or below the high: ``(high - (base + j)·width) / width``.

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
    while k < n and not row_nonzero(usd, k):
        k += 1
    return swept, (k if k < n else -1)


@jit
def sweep_side(sign, usd, layers, status, share, edge, j, new_share, unit_w, inverse, base, width, units, scratch):
    """
    :func:`sweep_down` (``sign > 0``) or :func:`sweep_up`, then the side's units less the swept ones, floored at 0.

    ``BookState._sweep``'s sequence in one call: the swept units are summed into ``scratch`` (zeroed first), then
    ``units ← max(units − scratch, 0)`` per tier (``np.maximum``'s result: a ``nan`` stays ``nan``).

    Parameters
    ----------
    sign : int
        +1: the long side and a low (:func:`sweep_down`); -1: the short side and a high (:func:`sweep_up`).
    usd, layers, status, share, edge, j, new_share, unit_w, inverse, base, width
        As :func:`sweep_down` / :func:`sweep_up`.
    units : np.ndarray
        ``(n_tiers,)`` the side's position units, modified in place.
    scratch : np.ndarray
        ``(n_tiers,)`` float64 work array; holds the swept units afterwards.

    Returns
    -------
    tuple[float, int]
        ``(swept USD, new edge)``.
    """
    for t in range(scratch.shape[0]):
        scratch[t] = 0.0
    if sign > 0:
        swept, edge = sweep_down(usd, layers, status, share, edge, j, new_share, unit_w, inverse, base, width, scratch)
    else:
        swept, edge = sweep_up(usd, layers, status, share, edge, j, new_share, unit_w, inverse, base, width, scratch)
    for t in range(units.shape[0]):
        u = units[t] - scratch[t]
        units[t] = u if (u >= 0.0 or u != u) else 0.0
    return swept, edge


@jit
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
                out[t] += position_units(v, t, k, unit_w, inverse, base, width)
    return out
