"""The map's book: both sides on one re-centring price grid, with sweeps, closing, decay and the ledger.

The book knows nothing about where positions come from (that is :mod:`~.entries` and the engine): it adds a
cohort at its liquidation levels, sweeps the levels price reaches, closes pro rata or newest first, decays by
holding time, moves levels with funding and re-centres the grid. Price sweeps are *deferred*: a bar only lowers
the pending low and raises the pending high (two comparisons); the sweep to the most extreme price since the last
settlement runs when the state is needed (:meth:`MapBook.settle`). Sweeping to ``l1`` then to ``l2 < l1`` leaves
exactly the state of sweeping to ``l2`` (a partially swept bin keeps ``(1 - s2)/(1 - s0)`` of its notional
either way), so the deferral changes no result, only when the work is done.

Ledger (USD, both sides): ``opened = active + outside + swept + closed + decayed``, where ``active`` is the
notional in the grid and ``outside`` the notional of open positions whose levels lie outside it.
"""

import math
from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.core.cohorts import STATUS_ACTIVE, STATUS_CLEARED, SideBook
from liqheat_nautilus.core.funding import funding_price_shift
from liqheat_nautilus.core.grid import PriceGrid
from liqheat_nautilus.core.kernels import anchor_sides, open_cohort, scale_sides, scatter_cohort, sweep_down, sweep_up
from liqheat_nautilus.core.models import LevelModel
from liqheat_nautilus.core.params import MapParams

__all__ = ["Ledger", "MapBook"]

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


class MapBook:
    """
    Long and short notional per price bin × leverage point on one grid, and how price and time change it.

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
        """The long (``+1``) or short (``-1``) side."""
        return self.long if sign > 0 else self.short

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
        grid = self.grid
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
        grid = self.grid
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

    # -- sweeps ------------------------------------------------------------------------------------------------

    def settle(self) -> None:
        """Run the deferred sweeps: liquidate the levels reached by the pending low and high."""
        low, high = self.pending_low, self.pending_high
        if low < self.long_trigger:
            self._sweep_long(low)
        if high > self.short_trigger:
            self._sweep_short(high)
        self.pending_low, self.pending_high = math.inf, -math.inf

    def _sweep_long(self, low: float) -> None:
        side, grid = self.long, self.grid
        width = grid.width
        j = int(math.floor(low / width)) - grid.base
        units = np.zeros(side.units.size)
        swept, side.edge = sweep_down(side.usd, side.layer_block, side.status, side.share, side.edge, j,
                                      ((grid.base + j) * width + width - low) / width, self._unit_w[1],
                                      self._inverse, grid.base, width, units)
        side.units -= units
        np.maximum(side.units, 0.0, out=side.units)
        self.swept_long += swept
        self.ledger.swept += swept
        self.set_triggers()

    def _sweep_short(self, high: float) -> None:
        side, grid = self.short, self.grid
        width = grid.width
        j = int(math.floor(high / width)) - grid.base
        units = np.zeros(side.units.size)
        swept, side.edge = sweep_up(side.usd, side.layer_block, side.status, side.share, side.edge, j,
                                    (high - (grid.base + j) * width) / width, self._unit_w[-1], self._inverse,
                                    grid.base, width, units)
        side.units -= units
        np.maximum(side.units, 0.0, out=side.units)
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
        grid, spans = self.grid, self.spans
        w = grid.width
        k = self.long.edge
        self.long_trigger = (grid.base + k) * w + w * (1.0 - self.long.share.item(k)) if k >= 0 else -math.inf
        if k < 0:
            spans[0] = (grid.n_bins, -1)
        elif spans.item(0, 1) > k:
            spans[0, 1] = k
        k = self.short.edge
        self.short_trigger = (grid.base + k) * w + w * self.short.share.item(k) if k >= 0 else math.inf
        if k < 0:
            spans[1] = (grid.n_bins, -1)
        elif spans.item(1, 0) < k:
            spans[1, 0] = k

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

    # -- opening and closing ---------------------------------------------------------------------------------

    def _widen(self, sign: int, k_min: int, k_max: int) -> None:
        """Widen a side's span to bins ``k_min..k_max`` (notional landed there)."""
        row = 0 if sign > 0 else 1
        spans = self.spans
        if k_min < spans.item(row, 0):
            spans[row, 0] = k_min
        if k_max > spans.item(row, 1):
            spans[row, 1] = k_max

    def open(self, sign: int, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray, amount_usd: float,
             sweep_at: np.ndarray) -> float:
        """
        Open ``amount_usd`` of one side's positions at entry prices.

        Parameters
        ----------
        sign : int
            +1 long, -1 short.
        entries : np.ndarray
            ``(n,)`` entry prices.
        weights : np.ndarray
            ``(n, 1)`` or ``(n, n_tiers)`` share of the amount at each entry (columns sum to 1).
        tier_w : np.ndarray
            ``(n_tiers,)`` leverage weights (sum 1).
        amount_usd : float
            Notional opened (USD), >= 0.
        sweep_at : np.ndarray
            ``(n,)`` most adverse price reached after each entry (long: lowest, short: highest); levels it
            reached are liquidated at once and counted as swept.

        Returns
        -------
        float
            The part of ``amount_usd`` liquidated at once (USD).
        """
        if amount_usd <= 0.0:
            return 0.0
        self.settle()
        side, grid = self.side(sign), self.grid
        levels, size_w, per_unit = self.model.levels(entries, sign)
        side.new_cohort()
        slot = side.order[-1] if side.layers is not None and side.order else -1
        swept, k_min, k_max = scatter_cohort(
            np.asarray(entries, dtype=np.float64), levels, per_unit, weights, tier_w, size_w, amount_usd,
            grid.base * grid.width, grid.width, grid.base, side.usd, side.layer_block, slot, side.status,
            side.share, sweep_at, sign, self._inverse, side.units, side.outside,
        )
        self.ledger.opened += amount_usd
        self.ledger.swept += swept
        if sign > 0:
            self.swept_long += swept
        else:
            self.swept_short += swept
        if k_max >= 0:
            self._widen(sign, k_min, k_max)
            if sign > 0:
                side.edge = max(side.edge, k_max)
            else:
                side.edge = k_min if side.edge < 0 else min(side.edge, k_min)
        self.set_triggers()
        return swept

    def open_units(self, sign: int, units: float, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                   sweep_at: np.ndarray) -> float:
        """
        Open enough of one side's positions at entry prices that ``units`` position units survive the sweeps of
        the entries' later prices (one compiled pass: :func:`~.kernels.open_cohort`).

        The cohort's survival ``S`` (position units per USD not liquidated at once) is computed first; then
        ``units / S`` USD is opened exactly as :meth:`open` opens it.

        Parameters
        ----------
        sign : int
            +1 long, -1 short.
        units : float
            Position units that must survive (base units, or USD for inverse contracts).
        entries, weights, tier_w, sweep_at
            As :meth:`open`.

        Returns
        -------
        float
            The USD opened (0 when ``units <= 0`` or no level survives).
        """
        if units <= 0.0:
            return 0.0
        self.settle()
        side, grid = self.side(sign), self.grid
        levels, size_w, per_unit = self.model.levels(entries, sign)
        src = dst = slot = -1
        layers = side.layers
        if layers is not None:  # SideBook.new_cohort's choice of layer, committed below only if something opens
            order = side.order
            if len(order) < layers.shape[0]:
                slot = next(s for s in range(layers.shape[0]) if s not in order)
            else:
                src, dst = order[0], order[1]
                slot = src
        amount, swept, k_min, k_max = open_cohort(
            np.asarray(entries, dtype=np.float64), levels, per_unit, weights, tier_w, size_w, units,
            grid.base * grid.width, grid.width, grid.base, side.usd, side.layer_block, src, dst, slot, side.status,
            side.share, sweep_at, sign, self._inverse, side.units, side.outside,
        )
        if amount <= 0.0:
            return 0.0
        if layers is not None:
            if src >= 0:
                side.order.pop(0)
            side.order.append(slot)
        self.ledger.opened += amount
        self.ledger.swept += swept
        if sign > 0:
            self.swept_long += swept
        else:
            self.swept_short += swept
        if k_max >= 0:
            self._widen(sign, k_min, k_max)
            if sign > 0:
                side.edge = max(side.edge, k_max)
            else:
                side.edge = k_min if side.edge < 0 else min(side.edge, k_min)
        self.set_triggers()
        return amount

    @property
    def fused_anchor(self) -> bool:
        """Whether :meth:`anchor` applies (pro-rata closing and levels proportional to the entry price)."""
        return self.long.layers is None and self.model.per_unit is not None

    def anchor(self, factor: np.ndarray, entries: np.ndarray, weights: np.ndarray, lowest: np.ndarray,
               highest: np.ndarray, long_w: np.ndarray, short_w: np.ndarray, long_units: float,
               short_units: float) -> float:
        """
        One open-interest reading in one compiled call (:func:`~.kernels.anchor_sides`): decay by ``factor`` (if
        any), then bring the long side, then the short side, to their target units by :meth:`open_units` at the
        entries or :meth:`close_fraction` — the same arithmetic in the same order (requires :attr:`fused_anchor`).

        Parameters
        ----------
        factor : np.ndarray
            ``(n_tiers,)`` holding-time survival factors, or ``(0,)`` for no decay.
        entries, weights : np.ndarray
            As :meth:`open`.
        lowest, highest : np.ndarray
            ``(n,)`` most adverse prices after each entry for the longs and the shorts.
        long_w, short_w : np.ndarray
            ``(n_tiers,)`` leverage weights of each side's new positions.
        long_units, short_units : float
            Position units each side must hold after the reading.

        Returns
        -------
        float
            USD opened (both sides).
        """
        self.settle()
        grid, long, short = self.grid, self.long, self.short
        long_levels, size_w = self.model.per_unit[1]
        short_levels = self.model.per_unit[-1][0]
        edges = np.array([long.edge, short.edge], dtype=np.int64)
        out = np.empty((2, 3))
        before = np.empty(long_w.size)
        anchor_sides(factor, before, entries, weights, lowest, highest, long_levels, short_levels, size_w, long_w,
                     short_w, long_units, short_units, grid.base * grid.width, grid.width, grid.base, self._inverse,
                     long.usd, long.status, long.share, long.units, long.outside, short.usd, short.status,
                     short.share, short.units, short.outside, long.layer_block, edges, self.spans, out)
        ledger = self.ledger
        if factor.size:
            ledger.decayed += float(np.dot(before, 1.0 - factor))
        long.edge, short.edge = int(edges[0]), int(edges[1])
        (opened_l, swept_l, closed_l), (opened_s, swept_s, closed_s) = out.tolist()
        if opened_l > 0.0:
            ledger.opened += opened_l
            ledger.swept += swept_l
            self.swept_long += swept_l
        elif closed_l > 0.0:
            ledger.closed += closed_l
        if opened_s > 0.0:
            ledger.opened += opened_s
            ledger.swept += swept_s
            self.swept_short += swept_s
        elif closed_s > 0.0:
            ledger.closed += closed_s
        self.set_triggers()
        return opened_l + opened_s

    def open_survival(self, sign: int, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                      sweep_at: np.ndarray) -> float:
        """
        Share of a cohort that would survive :meth:`open` (not liquidated at once), in position units (numpy; the
        engine computes it inside :meth:`open_units`).

        Parameters
        ----------
        sign, entries, weights, tier_w, sweep_at
            As :meth:`open`.

        Returns
        -------
        float
            Units surviving per USD opened (base units per USD for linear contracts, 1 at most for inverse);
            0 when nothing survives.
        """
        levels, size_w, per_unit = self.model.levels(entries, sign)
        entries = np.asarray(entries, dtype=np.float64)
        prices = entries[:, None, None] * levels if per_unit else levels  # (n, n_tiers, n_sizes)
        reached = (prices >= sweep_at[:, None, None]) & (prices > 0.0) if sign > 0 else prices <= sweep_at[:, None,
                                                                                                            None]
        w = weights if weights.shape[1] > 1 else np.broadcast_to(weights, (entries.size, tier_w.size))
        mass = w[:, :, None] * tier_w[None, :, None] * size_w[None, None, :]
        unit = 1.0 if self._inverse else 1.0 / entries[:, None, None]
        return float((mass * unit * ~reached).sum())

    def close(self, sign: int, amount_usd: float) -> float:
        """
        Close ``amount_usd`` of one side (``close_mode``: pro rata or newest first).

        Parameters
        ----------
        sign : int
            +1 long, -1 short.
        amount_usd : float
            Notional to close (USD), >= 0.

        Returns
        -------
        float
            The notional closed (USD).
        """
        side = self.side(sign)
        total = side.total_usd()
        if total <= 0.0 or amount_usd <= 0.0:
            return 0.0
        self.settle()
        newest = self.params.close_mode == "newest_first"
        closed = side.close_newest(amount_usd) if newest else side.close_pro_rata(min(amount_usd / total, 1.0),
                                                                                  total)
        self.ledger.closed += closed
        self.recompute_edges(scaled_only=not newest)
        return closed

    def close_fraction(self, sign: int, fraction: float) -> float:
        """
        Close a fraction of one side's open notional.

        Parameters
        ----------
        sign : int
            +1 long, -1 short.
        fraction : float
            In [0, 1].

        Returns
        -------
        float
            The notional closed (USD).
        """
        return self.close(sign, fraction * self.side(sign).total_usd())

    def decay(self, factor: np.ndarray) -> float:
        """
        Close every cohort by holding time: multiply each tier by its factor (both sides).

        Parameters
        ----------
        factor : np.ndarray
            ``(n_tiers,)`` survival factors in [0, 1].

        Returns
        -------
        float
            The notional closed (USD), added to ``ledger.decayed``.
        """
        self.settle()
        before = np.empty(factor.size)
        long, short = self.long, self.short
        scale_sides(long.usd, long.layer_block, long.outside, long.units, short.usd, short.layer_block, short.outside,
                    short.units, factor, before, self.spans)
        decayed = float(np.dot(before, 1.0 - factor))
        self.ledger.decayed += decayed
        self.recompute_edges(scaled_only=True)
        return decayed

    def charge_funding(self, rate: float) -> None:
        """
        Move every open cohort's levels by one funding settlement (see :mod:`~.funding`).

        Parameters
        ----------
        rate : float
            Funding rate of the settlement (fraction per interval).
        """
        if rate == 0.0 or not math.isfinite(self.price) or self.grid is None:
            return
        self.settle()
        self.spans[:] = ((0, self.grid.n_bins - 1), (0, self.grid.n_bins - 1))  # levels move: any bin may fill
        for sign, side in ((1, self.long), (-1, self.short)):
            shift = funding_price_shift(self.price, rate, sign, self.model.tier_mmr) / self.grid.width
            side.shift_tiers_fractional(shift)
            refilled = (side.totals() > 0.0) & (side.status == STATUS_CLEARED)
            side.status[refilled] = STATUS_ACTIVE
            side.share[refilled] = 0.0
        self.recompute_edges()
        self.sweep_beyond_price()

    # -- reads -----------------------------------------------------------------------------------------------

    def units(self, sign: int) -> float:
        """Position units of one side's open positions (base units, or USD for inverse contracts)."""
        return float(self.side(sign).units.sum())

    def take_swept(self) -> tuple[float, float]:
        """Settle, then return and reset the notional swept since the last call: ``(long, short)`` USD."""
        self.settle()
        swept = (self.swept_long, self.swept_short)
        self.swept_long = self.swept_short = 0.0
        return swept

    def active_usd(self) -> float:
        """Notional (USD) in the grid, both sides."""
        return float(_add_reduce(self.long.usd, axis=None) + _add_reduce(self.short.usd, axis=None))

    def outside_usd(self) -> float:
        """Open notional (USD) whose levels lie outside the grid, both sides."""
        return float(self.long.outside.sum() + self.short.outside.sum())
