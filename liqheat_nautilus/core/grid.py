"""A bounded, re-centring linear price grid (pure numpy).

Bin ``g`` (a global integer) covers prices ``[g·w, (g+1)·w)`` for bin width ``w``. The grid holds ``n_bins``
consecutive global bins starting at ``base``; local index ``k = g - base``. Edges are multiples of ``w``, so
they stay put when the grid re-centres (only ``base`` moves).
"""

import math

import numpy as np


class PriceGrid:
    """
    The price axis of a liquidation map.

    Parameters
    ----------
    bin_width : float
        Width of a bin in price units, > 0.
    n_bins : int
        Number of bins held, >= 8.
    centre_price : float
        Price to centre the grid on, > 0.

    Raises
    ------
    ValueError
        If a parameter is out of range.
    """

    def __init__(self, bin_width: float, n_bins: int, centre_price: float) -> None:
        if not (bin_width > 0.0 and math.isfinite(bin_width)):
            raise ValueError(f"bin_width must be a finite price > 0, was {bin_width}")
        if n_bins < 8:
            raise ValueError(f"n_bins must be >= 8, was {n_bins}")
        if not (centre_price > 0.0 and math.isfinite(centre_price)):
            raise ValueError(f"centre_price must be a finite price > 0, was {centre_price}")
        self.width = float(bin_width)
        self.n_bins = int(n_bins)
        self.base = self.base_for(centre_price)

    def base_for(self, price: float) -> int:
        """Return the ``base`` that puts ``price`` in the middle bin."""
        return int(math.floor(price / self.width)) - self.n_bins // 2

    def local_index(self, price: float) -> int:
        """Local bin index of a price (may lie outside ``[0, n_bins)``)."""
        return int(math.floor(price / self.width)) - self.base

    def lower_edge(self, k: int) -> float:
        """Lower edge (price) of local bin ``k``."""
        return (self.base + k) * self.width

    def edges(self) -> np.ndarray:
        """Bin edges, shape ``(n_bins + 1,)`` (price)."""
        return (self.base + np.arange(self.n_bins + 1)) * self.width

    def centres(self) -> np.ndarray:
        """Bin centres, shape ``(n_bins,)`` (price)."""
        return (self.base + np.arange(self.n_bins) + 0.5) * self.width


def shift_rows(array: np.ndarray, shift: int, fill=0) -> np.ndarray:
    """
    Shift an array along axis 0 by ``shift`` rows in place: row ``k`` takes old row ``k + shift``.

    Parameters
    ----------
    array : np.ndarray
        Any array with rows along axis 0.
    shift : int
        Positive moves content toward lower indices (the grid moved up in price).
    fill : scalar
        Value for the vacated rows.

    Returns
    -------
    np.ndarray
        The same array object.
    """
    n = array.shape[0]
    if shift == 0:
        return array
    if abs(shift) >= n:
        array[...] = fill
    elif shift > 0:
        array[: n - shift] = array[shift:]
        array[n - shift :] = fill
    else:
        array[-shift:] = array[: n + shift]
        array[:-shift] = fill
    return array


def shift_fractional(column: np.ndarray, shift_bins: float) -> float:
    """
    Move a notional profile by a fractional number of bins along axis 0 in place, conserving notional in range.

    Bin ``k``'s content goes to ``k + n`` (share ``1 - f``) and ``k + n + 1`` (share ``f``) with
    ``n = floor(shift_bins)``, ``f = shift_bins - n`` (linear split): the notional-weighted mean position moves
    by exactly ``shift_bins`` bins for content that stays in range.

    Parameters
    ----------
    column : np.ndarray
        Shape ``(n_bins, ...)`` float64 (e.g. one tier of one side, or all tiers), modified in place.
    shift_bins : float
        Shift in bins, positive toward higher prices.

    Returns
    -------
    float
        Notional pushed outside ``[0, n_bins)`` (lost from the profile).
    """
    if shift_bins < 0.0:  # mirror: a downward move is an upward move of the reversed profile
        return shift_fractional(column[::-1], -shift_bins)
    total = float(column.sum())
    if shift_bins == 0.0 or total == 0.0:
        return 0.0
    # upward: whole rows first (what leaves the top is lost in both target bins), then the fraction
    whole = math.floor(shift_bins)
    frac = shift_bins - whole
    if whole:
        shift_rows(column, -whole, 0.0)  # row k takes old row k - whole: content moves up by `whole` bins
    if frac > 0.0:
        moved = column[:-1] * frac
        column *= 1.0 - frac
        column[1:] += moved
    return total - float(column.sum())
