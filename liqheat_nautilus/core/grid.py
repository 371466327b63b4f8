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
        """
        Return the ``base`` that puts ``price`` in the middle bin.

        Parameters
        ----------
        price : float
            Price, > 0.

        Returns
        -------
        int
            Global index of the grid's first bin (``floor(price / width) - n_bins // 2``).
        """
        return int(math.floor(price / self.width)) - self.n_bins // 2

    def local_index(self, price: float) -> int:
        """
        Local bin index of a price (may lie outside ``[0, n_bins)``).

        Parameters
        ----------
        price : float
            Price.

        Returns
        -------
        int
            ``floor(price / width) - base``.
        """
        return int(math.floor(price / self.width)) - self.base

    def lower_edge(self, k: int) -> float:
        """
        Lower edge (price) of local bin ``k``.

        Parameters
        ----------
        k : int
            Local bin index (any integer; the grid's bins are ``0 .. n_bins - 1``).

        Returns
        -------
        float
            ``(base + k) · width`` (price).
        """
        return (self.base + k) * self.width

    def edges(self) -> np.ndarray:
        """
        Bin edges, shape ``(n_bins + 1,)`` (price).

        Returns
        -------
        np.ndarray
        """
        return (self.base + np.arange(self.n_bins + 1)) * self.width

    def centres(self) -> np.ndarray:
        """
        Bin centres, shape ``(n_bins,)`` (price).

        Returns
        -------
        np.ndarray
        """
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


def rebin(values: np.ndarray, lower: np.ndarray, upper: np.ndarray,
          edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Move content held over price intervals onto other bins, each interval's content spread uniformly over it.

    The content below a price ``x`` is the piecewise-linear cumulative sum of the intervals (linear inside an
    interval, flat between them); a new bin receives the difference of that sum at its two edges, so the content
    is conserved: ``binned.sum(axis=0) + below + above`` equals ``values.sum(axis=0)`` up to rounding (a difference
    that rounds below 0 is set to 0).

    Parameters
    ----------
    values : np.ndarray
        Shape ``(m, c)`` float64 content (e.g. USD notional per leverage tier) of ``m`` intervals, >= 0.
    lower, upper : np.ndarray
        Shape ``(m,)`` the intervals' price ranges ``[lower, upper)``, ``lower < upper``, ascending and not
        overlapping (``upper[i] <= lower[i + 1]``).
    edges : np.ndarray
        Shape ``(n + 1,)`` ascending edges (price) of the ``n`` new bins.

    Returns
    -------
    tuple[np.ndarray, np.ndarray, np.ndarray]
        ``(binned, below, above)``: shape ``(n, c)`` content per new bin, and shape ``(c,)`` the content below the
        first edge and at or above the last one.
    """
    m, c = values.shape
    if m == 0:
        return np.zeros((edges.size - 1, c)), np.zeros(c), np.zeros(c)
    points = np.empty(2 * m)
    points[0::2], points[1::2] = lower, upper
    cum = np.cumsum(values, axis=0)
    at_points = np.zeros((2 * m, c))
    at_points[1::2] = cum  # the content below each interval's upper end ...
    at_points[2::2] = cum[:-1]  # ... and below the next one's lower end (flat in between)
    below_edges = np.empty((edges.size, c))
    for j in range(c):
        below_edges[:, j] = np.interp(edges, points, at_points[:, j])  # 0 left of the first point, total right
    binned = np.maximum(np.diff(below_edges, axis=0), 0.0)
    return binned, below_edges[0].copy(), cum[-1] - below_edges[-1]


def to_width(first_bin: int, width: float, values: np.ndarray, new_width: float) -> tuple[int, np.ndarray]:
    """
    Content of consecutive global bins on bins of another width (:func:`rebin`, uniform within each bin).

    Parameters
    ----------
    first_bin : int
        Global index of the first bin (bin ``g`` covers ``[g·width, (g+1)·width)``).
    width : float
        Width of the bins of ``values`` (price, > 0).
    values : np.ndarray
        Shape ``(n,)`` content of bins ``first_bin .. first_bin + n - 1`` (e.g. USD notional).
    new_width : float
        Width of the new bins (price, > 0).

    Returns
    -------
    tuple[int, np.ndarray]
        ``(first new bin, content per new bin)``: the new bins of ``new_width`` that cover the old ones. The same
        arrays when the widths are equal.
    """
    if new_width == width or values.size == 0:
        return first_bin, values
    lower = (first_bin + np.arange(values.size)) * width
    g0 = int(math.floor(lower[0] / new_width))
    g1 = int(math.ceil((first_bin + values.size) * width / new_width))
    binned, _, _ = rebin(np.asarray(values, dtype=np.float64)[:, None], lower, lower + width,
                         (g0 + np.arange(max(g1 - g0, 1) + 1)) * new_width)
    return g0, binned[:, 0]


def common_grid(first_bins, widths, *profiles) -> tuple[int, float, list[np.ndarray]]:
    """
    Put per-update bin profiles on one grid: the newest bin width, from the lowest bin any update holds.

    Updates on another width (a map that re-binned its grid, ``MapParams.regrid_ratio``, or a node restarted at
    another price) are moved onto the newest one with :func:`to_width`; widths within 1e-12 relative count as
    equal.

    Parameters
    ----------
    first_bins : sequence of int
        Shape ``(k,)`` global index of each update's first bin (bin ``g`` covers ``[g·width, (g+1)·width)``).
    widths : sequence of float
        Shape ``(k,)`` each update's bin width (price, > 0).
    *profiles : sequence of np.ndarray
        Each a sequence of ``k`` arrays, update ``t``'s content per bin from ``first_bins[t]`` (e.g. long USD, then
        short USD).

    Returns
    -------
    tuple[int, float, list[np.ndarray]]
        ``(g0, width, grids)``: the first global bin, the newest width and one ``(k, g)`` array per profile.
    """
    k = len(first_bins)
    width = float(widths[-1])
    moved: list[list[np.ndarray]] = [[] for _ in profiles]
    firsts: list[int] = []
    for t in range(k):
        w = float(widths[t])
        w = width if abs(w - width) <= 1e-12 * width else w
        for p, rows in enumerate(profiles):
            first, values = to_width(int(first_bins[t]), w, np.asarray(rows[t], dtype=np.float64), width)
            moved[p].append(values)
        firsts.append(first)
    g0 = min(firsts)
    g = max(f + v.size for f, v in zip(firsts, moved[0], strict=True)) - g0
    grids = []
    for rows in moved:
        grid = np.zeros((k, g))
        for t, values in enumerate(rows):
            grid[t, firsts[t] - g0 : firsts[t] - g0 + values.size] = values
        grids.append(grid)
    return g0, width, grids
