"""The book's state: both sides on one re-centring price grid, the deferred sweeps and the ledger.

:class:`BookState` holds the sides, the grid and the ledger, records the price path and runs the sweeps; what
enters and leaves the book (opening, closing, decay, funding) is :class:`~.book.MapBook`, built on it. Price sweeps
are *deferred*: a bar only lowers the pending low and raises the pending high (two comparisons); the sweep to the
most extreme price since the last settlement runs when the state is needed (:meth:`BookState.settle`). Sweeping to
``l1`` then to ``l2 < l1`` leaves exactly the state of sweeping to ``l2`` (a partially swept bin keeps
``(1 - s2)/(1 - s0)`` of its notional either way), so the deferral changes no result, only when the work is done.

Ledger (USD, both sides): ``opened = active + outside + swept + closed + decayed``, where ``active`` is the
notional in the grid and ``outside`` the notional of open positions whose levels lie outside it.
"""

import math
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.core.cohorts import SideBook
from liqheat_nautilus.core.grid import PriceGrid
from liqheat_nautilus.core.kernels import sweep_side
from liqheat_nautilus.core.models import LevelModel
from liqheat_nautilus.core.params import MapParams

__all__ = ["BookState", "Ledger"]

_add_reduce = np.add.reduce

@dataclass
class Ledger:
    """
    Cumulative notional (USD) per fate, both sides together.

    Attributes
    ----------
    opened : float
        Every dollar placed (seed, turnover, open-interest increases, trades).
    swept : float
        Liquidated by price (the map's estimated liquidations), including positions opened and swept within the
        same open-interest interval.
    closed : float
        Closed by open-interest decreases or by the anchor to open interest.
    decayed : float
        Closed by holding time (turnover).
    """

    opened: float = 0.0
    swept: float = 0.0
    closed: float = 0.0
    decayed: float = 0.0


class BookState:
    """
    Long and short notional per price bin × leverage point on one grid, the price path and the sweeps it causes.

    Parameters
    ----------
    params : MapParams
        Grid (``bin_bps``/``bin_size``, ``n_bins``, ``recentre_margin``), ``close_mode``/``cohort_layers`` and
        ``inverse``.
    model : LevelModel
        The liquidation-level model (tiers, per-unit factors, funding MMR).

    Attributes
    ----------
    grid : PriceGrid or None
        The price axis (``None`` until the first price).
    long, short : SideBook
        The sides.
    ledger : Ledger
        Cumulative fates (USD).
    price : float
        Last price (``nan`` before the first).
    revision : int
        Increases with every change of the per-bin notional.
    """

    def __init__(self, params: MapParams, model: LevelModel) -> None:
        self.params = params
        self.model = model
        self._inverse = bool(params.inverse)
        n_tiers = model.tiers.size
        n_layers = params.cohort_layers if params.close_mode == "newest_first" else 0
        self.long = SideBook(params.n_bins, n_tiers, n_layers)
        self.short = SideBook(params.n_bins, n_tiers, n_layers)
        # (first, last) bins holding every non-empty bin of the long (row 0) and short (row 1) side: the compiled
        # loops over the grid visit only these (a superset: widened when notional lands or the grid moves,
        # narrowed to the edge bin on the edge's side)
        self.spans = np.zeros((2, 2), dtype=np.int64)
        self._unit_w = {1: model.unit_factor[1], -1: model.unit_factor[-1]}
        # scratch of MapBook.anchor's compiled call (edges in, (opened, swept, closed) per side out, USD per tier
        # before the decay) and of the sweeps (units swept per tier): allocated once
        self._edges = np.zeros(2, dtype=np.int64)
        self._anchor_out = np.zeros((2, 3))
        self._before = np.zeros(n_tiers)
        self._swept_units = np.zeros(n_tiers)
        self.reset()

    def reset(self) -> None:
        """Return to the empty state (no grid, empty sides and ledger)."""
        self.grid: PriceGrid | None = None
        self.long.reset()
        self.short.reset()
        self.spans[:] = ((self.params.n_bins, -1), (self.params.n_bins, -1))
        self.ledger = Ledger()
        self.revision = 0
        self.price = math.nan
        self.swept_long = 0.0  # swept since the last take (USD)
        self.swept_short = 0.0
        self.long_trigger = -math.inf  # a pending low below this sweeps longs
        self.short_trigger = math.inf  # a pending high above this sweeps shorts
        self.pending_low = math.inf  # most adverse prices since the last settlement
        self.pending_high = -math.inf
        self.keep_low = -math.inf  # prices inside which no re-centring is needed
        self.keep_high = math.inf
        self._lo_idx = self._hi_idx = 0

    def side(self, sign: int) -> SideBook:
        """
        Return the long (``+1``) or short (``-1``) side.

        Parameters
        ----------
        sign : int
            ``+1`` long, ``-1`` short (any positive / other value: long / short).

        Returns
        -------
        SideBook
        """
        return self.long if sign > 0 else self.short

    @property
    def ready_grid(self) -> PriceGrid:
        """
        The grid, for the operations that need one.

        Raises
        ------
        RuntimeError
            Before the first price (no grid yet).
        """
        grid = self.grid
        if grid is None:
            raise RuntimeError("the map book has no price grid yet: feed a price first")
        return grid

    # -- grid ------------------------------------------------------------------------------------------------

    def init_grid(self, price: float) -> None:
        """
        Create the grid around the first price.

        Parameters
        ----------
        price : float
            First price (> 0): the bin width is ``bin_size`` or ``price · bin_bps / 10⁴``.
        """
        p = self.params
        width = p.bin_size if p.bin_size > 0.0 else price * p.bin_bps / 1e4
        self.grid = PriceGrid(width, p.n_bins, price)
        margin = int(p.n_bins * p.recentre_margin)
        self._lo_idx, self._hi_idx = margin, p.n_bins - 1 - margin
        self._set_keep_range()
        self.price = price

    def _set_keep_range(self) -> None:
        """Set the prices inside which no re-centring is needed (after the grid moved)."""
        grid = self.ready_grid
        self.keep_low = (grid.base + self._lo_idx) * grid.width
        self.keep_high = (grid.base + self._hi_idx + 1) * grid.width

    def recentre(self, price: float) -> None:
        """
        Move the grid so that ``price`` is in its middle bin; notional pushed out stays open outside the grid.

        Parameters
        ----------
        price : float
            The price to centre on.
        """
        self.settle()
        grid = self.ready_grid
        if self._regrid_due(grid, price):
            self.regrid(price)
            return
        shift = grid.base_for(price) - grid.base
        self.long.shift(shift)
        self.short.shift(shift)
        n = grid.n_bins
        for row in (0, 1):
            lo, hi = int(self.spans[row, 0]) - shift, int(self.spans[row, 1]) - shift
            self.spans[row] = (max(lo, 0), min(hi, n - 1)) if lo <= hi and hi >= 0 and lo < n else (n, -1)
        grid.base += shift
        self._set_keep_range()
        self.recompute_edges()

    def _regrid_due(self, grid: PriceGrid, price: float) -> bool:
        """Whether the bin width is off ``price · bin_bps / 10⁴`` by more than ``regrid_ratio`` (bin_bps grids)."""
        p = self.params
        if p.regrid_ratio <= 0.0 or p.bin_size > 0.0:
            return False
        drift = grid.width / (price * p.bin_bps / 1e4)
        return not 1.0 / p.regrid_ratio <= drift <= p.regrid_ratio

    def regrid(self, price: float) -> None:
        """
        Re-bin both sides onto a grid of width ``price · bin_bps / 10⁴`` centred on ``price``.

        :meth:`recentre` calls it instead of a plain shift once price has moved so far from the grid's first price
        that the bin width is off its ``bin_bps`` by more than ``regrid_ratio`` (default 2: after price halved
        or doubled), so that the map keeps its resolution and its price range in percent of price. Each side moves
        with :meth:`~.cohorts.SideBook.regrid`: notional is conserved (what falls outside the new grid stays open in
        ``outside``), position units are unchanged, and the prices whose crossing sweeps each side stay where they
        were. Map reads taken later carry the new bin width.

        Parameters
        ----------
        price : float
            The price to centre on (> 0).
        """
        self.settle()
        old = self.ready_grid
        p = self.params
        new = PriceGrid(price * p.bin_bps / 1e4, p.n_bins, price)
        self.long.regrid(1, old, new)
        self.short.regrid(-1, old, new)
        self._fit_span(0, self.long)
        self._fit_span(1, self.short)
        self.grid = new
        self._set_keep_range()
        self.recompute_edges()

    # -- sweeps ------------------------------------------------------------------------------------------------

    def settle(self) -> None:
        """Run the deferred sweeps: liquidate the levels reached by the pending low and high."""
        low, high = self.pending_low, self.pending_high
        if low < self.long_trigger:
            self._sweep(1, low)
        if high > self.short_trigger:
            self._sweep(-1, high)
        self.pending_low, self.pending_high = math.inf, -math.inf

    def _sweep(self, sign: int, price: float) -> None:
        """Liquidate one side's levels reached by ``price`` (long: a low, short: a high) and count them swept."""
        grid = self.ready_grid
        width, base = grid.width, grid.base
        j = math.floor(price / width) - base
        # sweep_down / sweep_up, then the side's units less the swept ones (floored at 0), in one compiled call
        if sign > 0:
            side = self.long
            swept, side.edge = sweep_side(1, side.usd, side.layer_block, side.status, side.share, side.edge, j,
                                          ((base + j) * width + width - price) / width, self._unit_w[1],
                                          self._inverse, base, width, side.units, self._swept_units)
            self.swept_long += swept
        else:
            side = self.short
            swept, side.edge = sweep_side(-1, side.usd, side.layer_block, side.status, side.share, side.edge, j,
                                          (price - (base + j) * width) / width, self._unit_w[-1], self._inverse,
                                          base, width, side.units, self._swept_units)
            self.swept_short += swept
        self.ledger.swept += swept
        self.set_triggers()

    def sweep_beyond_price(self) -> None:
        """Levels already beyond the current price (e.g. after a funding shift) are swept now."""
        self.pending_low = min(self.pending_low, self.price)
        self.pending_high = max(self.pending_high, self.price)
        self.settle()

    def set_triggers(self) -> None:
        """Recompute the prices whose crossing sweeps each side (after any change of the grid)."""
        self.revision += 1
        grid = self.ready_grid
        spans, w, base = self.spans, grid.width, grid.base
        k = self.long.edge
        if k >= 0:
            self.long_trigger = (base + k) * w + w * (1.0 - self.long.share.item(k))
            if spans.item(0, 1) > k:
                spans[0, 1] = k
        else:
            self.long_trigger = -math.inf
            spans[0] = (grid.n_bins, -1)
        k = self.short.edge
        if k >= 0:
            self.short_trigger = (base + k) * w + w * self.short.share.item(k)
            if spans.item(1, 0) < k:
                spans[1, 0] = k
        else:
            self.short_trigger = math.inf
            spans[1] = (grid.n_bins, -1)

    def recompute_edges(self, scaled_only: bool = False) -> None:
        """
        Find each side's edge bin again (long: highest non-empty; short: lowest non-empty).

        Parameters
        ----------
        scaled_only : bool, default False
            The grid was only multiplied by factors >= 0 (pro-rata closing, decay): an edge bin that still holds
            notional is still the edge, so only a side whose edge bin emptied is searched.
        """
        for side, highest in ((self.long, True), (self.short, False)):
            k = side.edge
            if scaled_only and k >= 0 and _add_reduce(side.usd[k]) > 0.0:
                continue
            nz = side.nonzero_rows(0, side.usd.shape[0])
            side.edge = (int(nz[-1]) if highest else int(nz[0])) if nz.size else -1
        self.set_triggers()

    def _fit_span(self, row: int, side: SideBook) -> None:
        """Set a side's span (``row`` 0 long, 1 short) to its first and last filled bins (``(n_bins, -1)``: none)."""
        n = side.usd.shape[0]
        nz = side.nonzero_rows(0, n)
        self.spans[row] = (int(nz[0]), int(nz[-1])) if nz.size else (n, -1)

    def _widen(self, sign: int, k_min: int, k_max: int) -> None:
        """Widen a side's span to bins ``k_min..k_max`` (notional landed there)."""
        row = 0 if sign > 0 else 1
        spans = self.spans
        if k_min < spans.item(row, 0):
            spans[row, 0] = k_min
        if k_max > spans.item(row, 1):
            spans[row, 1] = k_max

    # -- reads -----------------------------------------------------------------------------------------------

    def units(self, sign: int) -> float:
        """
        Position units of one side's open positions (base units, or USD for inverse contracts).

        Parameters
        ----------
        sign : int
            ``+1`` long, ``-1`` short.

        Returns
        -------
        float
        """
        return float(self.side(sign).units.sum())

    def take_swept(self) -> tuple[float, float]:
        """
        Settle, then return and reset the notional swept since the last call: ``(long, short)`` USD.

        Returns
        -------
        tuple[float, float]
            Swept notional (USD), long and short.
        """
        self.settle()
        swept = (self.swept_long, self.swept_short)
        self.swept_long = self.swept_short = 0.0
        return swept

    def active_usd(self) -> float:
        """
        Notional (USD) in the grid, both sides.

        Returns
        -------
        float
        """
        return float(_add_reduce(self.long.usd, axis=None) + _add_reduce(self.short.usd, axis=None))

    def outside_usd(self) -> float:
        """
        Open notional (USD) whose levels lie outside the grid, both sides.

        Returns
        -------
        float
        """
        return float(self.long.outside.sum() + self.short.outside.sum())
