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
from liqheat_nautilus.core.kernels import scatter_cohort, sweep_down, sweep_up
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
        self._unit_w = {1: model.unit_factor[1], -1: model.unit_factor[-1]}
        self.reset()

    def reset(self) -> None:
        """Return to the empty state (no grid, empty sides and ledger)."""
        self.grid: PriceGrid | None = None
        self.long.reset()
        self.short.reset()
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
        grid = self.grid
        w = grid.width
        k = self.long.edge
        self.long_trigger = (grid.base + k) * w + w * (1.0 - self.long.share.item(k)) if k >= 0 else -math.inf
        k = self.short.edge
        self.short_trigger = (grid.base + k) * w + w * self.short.share.item(k) if k >= 0 else math.inf

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
            if sign > 0:
                side.edge = max(side.edge, k_max)
            else:
                side.edge = k_min if side.edge < 0 else min(side.edge, k_min)
        self.set_triggers()
        return swept

    def open_survival(self, sign: int, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                      sweep_at: np.ndarray) -> float:
        """
        Share of a cohort that would survive :meth:`open` (not liquidated at once), in position units.

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
        before = self.long.usd.sum(axis=0) + self.long.outside + self.short.usd.sum(axis=0) + self.short.outside
        self.long.scale(factor)
        self.short.scale(factor)
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
