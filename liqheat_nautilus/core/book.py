"""The map's book: what enters and leaves it — opening cohorts, closing, decay by holding time and funding.

The book knows nothing about where positions come from (that is :mod:`~.entries` and the engine): it adds a
cohort at its liquidation levels (liquidating at once the levels later prices already reached), closes pro rata or
newest first, decays by holding time and moves levels with funding. The grid, the deferred sweeps and the ledger
are :class:`~.book_state.BookState`, which :class:`MapBook` extends.

Ledger (USD, both sides): ``opened = active + outside + swept + closed + decayed``, where ``active`` is the
notional in the grid and ``outside`` the notional of open positions whose levels lie outside it.
"""

import math

import numpy as np

from liqheat_nautilus.core.book_state import BookState, Ledger
from liqheat_nautilus.core.cohorts import STATUS_ACTIVE, STATUS_CLEARED
from liqheat_nautilus.core.funding import funding_price_shift
from liqheat_nautilus.core.kernels import (
    anchor_interval,
    anchor_sides,
    open_cohort,
    scale_sides,
    scatter_cohort,
    shift_side,
)
from liqheat_nautilus.core.models import LevelModel
from liqheat_nautilus.core.params import MapParams

__all__ = ["Ledger", "MapBook"]

_ONE_WEIGHT = np.ones((1, 1))


class MapBook(BookState):
    """
    Long and short notional per price bin × leverage point on one grid, and how positions enter and leave it.

    Parameters
    ----------
    params, model
        As :class:`~.book_state.BookState`, which documents the state (grid, sides, ledger, sweeps, reads).
    """

    def __init__(self, params: MapParams, model: LevelModel) -> None:
        super().__init__(params, model)
        # built once, in __init__ (an attribute added later would turn the instance's inline attribute values into
        # a dict and slow every attribute access of the book, the per-bar path's too):
        # the arguments that end an anchor kernel call (contract, both sides, edges, spans, out), the same arrays for
        # the book's life (changed in place only) ...
        long, short = self.long, self.short
        self._anchor_state = (self._inverse, long.usd, long.status, long.share, long.units, long.outside, short.usd,
                              short.status, short.share, short.units, short.outside, long.layer_block, self._edges,
                              self.spans, self._anchor_out)
        # ... and the levels per unit of entry of the longs and the shorts and the size weights (None: the model's
        # levels are not proportional to the entry price, see fused_anchor)
        per_unit = model.per_unit
        self._anchor_levels = None if per_unit is None else (per_unit[1][0], per_unit[-1][0], per_unit[1][1])

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
        side, grid = self.side(sign), self.ready_grid
        levels, size_w, per_unit = self.model.levels(entries, sign)
        side.new_cohort()
        slot = side.order[-1] if side.layers is not None and side.order else -1
        swept, k_min, k_max = scatter_cohort(
            np.asarray(entries, dtype=np.float64), levels, per_unit, weights, tier_w, size_w, amount_usd,
            grid.base * grid.width, grid.width, grid.base, side.usd, side.layer_block, slot, side.status,
            side.share, sweep_at, sign, self._inverse, side.units, side.outside,
        )
        self._count_opened(sign, amount_usd, swept, k_min, k_max)
        return swept

    def open_units(self, sign: int, units: float, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                   sweep_at: np.ndarray) -> float:
        """
        Open enough of one side's positions at entry prices that ``units`` position units survive.

        They must survive the sweeps of the entries' later prices (one compiled pass: :func:`~.kernels.open_cohort`).

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
            The USD opened (0 when ``units <= 0``). When no level of the entries survives their later prices (e.g. a
            VWAP block far above a price that has since crashed), the units are opened at the current price instead
            (:meth:`_open_at_price`), so that the side still reaches its share of open interest.
        """
        amount = self._open_units(sign, units, entries, weights, tier_w, sweep_at)
        return amount if amount > 0.0 or units <= 0.0 else self._open_at_price(sign, units, tier_w)

    def _open_at_price(self, sign: int, units: float, tier_w: np.ndarray) -> float:
        """
        Open ``units`` position units at the current price (the fallback of :meth:`open_units` and :meth:`anchor`).

        Positions open now whose every possible entry in the interval would already have been liquidated were opened
        where they survive: at the current price every model puts long levels below it and short levels above it
        (property-tested), so the whole amount survives. Returns the USD opened.
        """
        price = np.array([self.price])
        return self._open_units(sign, units, price, _ONE_WEIGHT, tier_w, price)

    def _open_units(self, sign: int, units: float, entries: np.ndarray, weights: np.ndarray, tier_w: np.ndarray,
                    sweep_at: np.ndarray) -> float:
        """:meth:`open_units` without the fallback: 0 when no level survives (nothing changed)."""
        if units <= 0.0:
            return 0.0
        self.settle()
        side, grid = self.side(sign), self.ready_grid
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
        self._count_opened(sign, amount, swept, k_min, k_max)
        return amount

    def _count_swept(self, sign: int, amount: float, swept: float) -> None:
        """Add ``amount`` USD opened on one side, of which ``swept`` USD liquidated at once, to the ledger."""
        self.ledger.opened += amount
        self.ledger.swept += swept
        if sign > 0:
            self.swept_long += swept
        else:
            self.swept_short += swept

    def _count_opened(self, sign: int, amount: float, swept: float, k_min: int, k_max: int) -> None:
        """
        Book a cohort just scattered on one side: ledger and swept totals, span and edge, triggers.

        Parameters
        ----------
        sign : int
            +1 long, -1 short.
        amount : float
            Notional opened (USD).
        swept : float
            Part of it liquidated at once (USD).
        k_min, k_max : int
            First and last local bin that received notional (``k_max < 0``: none).
        """
        self._count_swept(sign, amount, swept)
        if k_max >= 0:
            self._widen(sign, k_min, k_max)
            side = self.side(sign)
            if sign > 0:
                side.edge = max(side.edge, k_max)
            else:
                side.edge = k_min if side.edge < 0 else min(side.edge, k_min)
        self.set_triggers()

    @property
    def fused_anchor(self) -> bool:
        """Whether :meth:`anchor` applies (pro-rata closing and levels proportional to the entry price)."""
        return self.long.layers is None and self.model.per_unit is not None

    def anchor(self, factor: np.ndarray, entries: np.ndarray, weights: np.ndarray, lowest: np.ndarray,
               highest: np.ndarray, long_w: np.ndarray, short_w: np.ndarray, long_units: float,
               short_units: float, floor: bool = False) -> float:
        """
        Apply one open-interest reading in one compiled call (:func:`~.kernels.anchor_sides`).

        With ``floor``, first close what ``OpenInterestAnchor._floor`` closes (``turnover_floor``); decay by
        ``factor`` (if any), then bring the long side, then the short side, to their target units by
        :meth:`open_units` at the entries or :meth:`close_fraction` — the same arithmetic in the same order
        (requires :attr:`fused_anchor`).

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
        floor : bool, default False
            Apply ``turnover_floor`` before the decay.

        Returns
        -------
        float
            USD opened (both sides).
        """
        long_levels, short_levels, size_w, low, width, base = self._anchor_setup()
        anchor_sides(factor, floor, self._before, entries, weights, lowest, highest, long_levels, short_levels, size_w,
                     long_w, short_w, long_units, short_units, low, width, base, *self._anchor_state)
        return self._anchor_book(factor, long_w, short_w, long_units, short_units)

    def anchor_bars(self, factor: np.ndarray, bars: np.ndarray, bar_w: np.ndarray, n_groups: int, long_w: np.ndarray,
                    short_w: np.ndarray, long_units: float, short_units: float, floor: bool = False) -> float:
        """
        :meth:`anchor` at the entries of an interval's bars, in one compiled call (:func:`~.kernels.anchor_interval`).

        The entries are :func:`~.kernels.interval_entries` of ``bars`` at the current price (what
        :meth:`~.interval.IntervalBars.entries` returns for the volume profile or ``hot_zones``); the result and the
        state are those of :meth:`anchor` with those entries.

        Parameters
        ----------
        factor : np.ndarray
            ``(n_tiers,)`` holding-time survival factors, or ``(0,)`` for no decay.
        bars : np.ndarray
            ``(n, 4)`` float64 rows ``(typical price, low, high, volume)``, ``n >= 1``.
        bar_w : np.ndarray
            ``(n,)`` weights of the bars, or ``(0,)``: the volume profile.
        n_groups : int
            ``interval_entry_groups`` (0: no merging).
        long_w, short_w, long_units, short_units, floor
            As :meth:`anchor`.

        Returns
        -------
        float
            USD opened (both sides).
        """
        long_levels, short_levels, size_w, low, width, base = self._anchor_setup()
        anchor_interval(bars, bar_w, n_groups, self.price, factor, floor, self._before, long_levels, short_levels,
                        size_w, long_w, short_w, long_units, short_units, low, width, base, *self._anchor_state)
        return self._anchor_book(factor, long_w, short_w, long_units, short_units)

    def _anchor_setup(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float, int]:
        """Settle and load the edges for an anchor call; return the levels, size weights and grid arguments."""
        self.settle()
        grid = self.ready_grid
        if self._anchor_levels is None:
            raise RuntimeError("MapBook.anchor needs levels proportional to the entry price (see fused_anchor)")
        long_levels, short_levels, size_w = self._anchor_levels
        edges = self._edges
        edges[0] = self.long.edge
        edges[1] = self.short.edge
        width = grid.width
        return long_levels, short_levels, size_w, grid.base * width, width, grid.base

    def _anchor_book(self, factor: np.ndarray, long_w: np.ndarray, short_w: np.ndarray, long_units: float,
                     short_units: float) -> float:
        """
        Book an anchor call's results (ledger, swept totals, edges, triggers); return the USD opened.

        A side the call left below its target without opening anything (no level of the entries survived) opens the
        gap at the current price, as :meth:`open_units` does.
        """
        ledger = self.ledger
        if factor.size:
            ledger.decayed += float(np.dot(self._before, 1.0 - factor))
        self.long.edge, self.short.edge = self._edges.tolist()
        (l_opened, l_swept, l_closed), (s_opened, s_swept, s_closed) = self._anchor_out.tolist()
        # (opened, swept, closed) USD of each side; closed: the floor's close, or the close down to the target
        if l_opened > 0.0:
            self._count_swept(1, l_opened, l_swept)
        if l_closed > 0.0:
            ledger.closed += l_closed
        if s_opened > 0.0:
            self._count_swept(-1, s_opened, s_swept)
        if s_closed > 0.0:
            ledger.closed += s_closed
        self.set_triggers()
        opened = l_opened + s_opened
        if l_opened > 0.0 and s_opened > 0.0:  # the common case: the call opened both sides
            return opened
        for sign, side_opened, target, tier_w in ((1, l_opened, long_units, long_w), (-1, s_opened, short_units,
                                                                                       short_w)):
            if side_opened > 0.0:  # the call opened this side
                continue
            gap = target - self.units(sign)
            if gap > 1e-9 * target:  # not a rounding residue of a close down to the target
                opened += self._open_at_price(sign, gap, tier_w)
        return opened

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
            The notional closed (USD). A side without notional (all swept) still closes ``fraction`` of the position
            units the estimate of swept units (``USD · f_t / bin centre``) left it, so that it can reach a target of 0.
        """
        side = self.side(sign)
        total = side.total_usd()
        if total <= 0.0:
            if fraction > 0.0:
                side.units *= 1.0 - min(fraction, 1.0)
            return 0.0
        return self.close(sign, fraction * total)

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
        grid = self.grid
        if rate == 0.0 or not math.isfinite(self.price) or grid is None:
            return
        self.settle()
        for row, sign, side in ((0, 1, self.long), (1, -1, self.short)):
            shift = funding_price_shift(self.price, rate, sign, self.model.tier_mmr) / grid.width
            if side.layers is None:  # one compiled pass: the move, the notional pushed outside, status and span
                shift_side(side.usd, side.status, side.share, shift, side.outside, self.spans[row])
                continue
            side.shift_tiers_fractional(shift)
            refilled = (side.totals() > 0.0) & (side.status == STATUS_CLEARED)
            side.status[refilled] = STATUS_ACTIVE
            side.share[refilled] = 0.0
            self._fit_span(row, side)  # levels moved: the side's span is where its notional now lies
        # each span is now exactly its side's filled bins, so the edges (long: highest, short: lowest) are its ends
        n = grid.n_bins
        self.long.edge = int(self.spans[0, 1])
        self.short.edge = int(self.spans[1, 0]) if self.spans[1, 0] < n else -1
        self.set_triggers()
        self.sweep_beyond_price()
