"""Grid state of one side of the map: notional per bin × leverage tier, optionally in cohort layers (pure numpy).

Besides the grid, a side keeps the notional of its open positions whose levels lie outside the grid (``outside``,
USD per tier: levels beyond the window, or never liquidated such as 1x longs) and the position units of all its
open positions (``units`` per tier: base units for linear contracts, USD for inverse ones), which is what the map
anchors to open interest.

Without layers the side holds one ``(n_bins, n_tiers)`` array and closes pro rata. With ``n_layers`` cohort
layers (``close_mode="newest_first"``), each opening goes into the newest layer; when all layers are in use
the two oldest are merged, so the ``n_layers - 1`` most recent openings stay separate and everything older is
one pooled cohort. Memory is bounded by ``n_layers × n_bins × n_tiers`` float64 whatever the history length.
``usd`` always equals the sum of the layers.
"""

import numpy as np

from liqheat_nautilus.core.grid import PriceGrid, rebin, shift_fractional, shift_rows
from liqheat_nautilus.core.kernels import STATUS_ACTIVE, STATUS_CLEARED, STATUS_PARTIAL, row_totals

__all__ = ["STATUS_ACTIVE", "STATUS_CLEARED", "STATUS_PARTIAL", "SideBook"]


class SideBook:
    """
    Notional (USD) per bin × tier of one side, bin status and traded share, optional cohort layers.

    Parameters
    ----------
    n_bins : int
        Bins of the grid.
    n_tiers : int
        Leverage tiers.
    n_layers : int, default 0
        Cohort layers for newest-first closing (0: none, >= 2 otherwise).

    Attributes
    ----------
    usd : np.ndarray
        ``(n_bins, n_tiers)`` open notional (USD).
    status : np.ndarray
        ``(n_bins,)`` int8 status code (0 ACTIVE, 1 PARTIAL, 2 CLEARED).
    share : np.ndarray
        ``(n_bins,)`` traded share of the bin's price range since it was (re)filled, in [0, 1].
    edge : int
        Long side: highest non-empty bin; short side: lowest non-empty bin; -1 when empty.
    layer_block : np.ndarray
        ``layers``, or a ``(0, n_bins, n_tiers)`` array without layers (what the compiled kernels take).
    outside : np.ndarray
        ``(n_tiers,)`` open notional (USD) whose levels lie outside the grid.
    units : np.ndarray
        ``(n_tiers,)`` position units of every open position of the side (grid and outside): base units
        (linear) or USD (inverse).
    """

    def __init__(self, n_bins: int, n_tiers: int, n_layers: int = 0) -> None:
        if n_layers == 1 or n_layers < 0:
            raise ValueError(f"cohort layers must be 0 or >= 2, was {n_layers}")
        self.usd = np.zeros((n_bins, n_tiers))
        self.status = np.zeros(n_bins, dtype=np.int8)
        self.share = np.zeros(n_bins)
        self.edge = -1
        self.layers = np.zeros((n_layers, n_bins, n_tiers)) if n_layers else None
        # ``layers`` for the compiled kernels, which take a 3-d array always (0 layers when there are none)
        self.layer_block = self.layers if self.layers is not None else np.zeros((0, n_bins, n_tiers))
        self.order: list[int] = []  # layer slots, oldest first
        self.outside = np.zeros(n_tiers)
        self.units = np.zeros(n_tiers)

    def total_usd(self) -> float:
        """
        Open notional (USD) of the side: grid plus outside.

        Returns
        -------
        float
        """
        return float(np.add.reduce(self.usd, axis=None)) + float(self.outside.sum())

    def totals(self) -> np.ndarray:
        """
        Notional (USD) per bin, shape ``(n_bins,)`` (tiers summed by :func:`~.kernels.row_totals`).

        Returns
        -------
        np.ndarray
        """
        return row_totals(self.usd)

    def nonzero_rows(self, a: int, b: int) -> np.ndarray:
        """
        Non-empty bins among ``a..b-1`` (notional is never negative, so a positive row sum means non-empty).

        Parameters
        ----------
        a, b : int
            Bin range ``[a, b)``.

        Returns
        -------
        np.ndarray
            int64 indices relative to ``a``, ascending.
        """
        return np.flatnonzero(row_totals(self.usd[a:b]) > 0.0)

    def nbytes(self) -> int:
        """
        Bytes held by the arrays.

        Returns
        -------
        int
        """
        extra = self.layers.nbytes if self.layers is not None else 0
        return self.usd.nbytes + self.status.nbytes + self.share.nbytes + extra

    # -- mutations (applied to the total and to every layer) --------------------------------------------

    def scale(self, factor) -> None:
        """
        Multiply everything (total and layers).

        Parameters
        ----------
        factor : float or np.ndarray
            A scalar or a per-tier ``(n_tiers,)`` factor.
        """
        self.usd *= factor
        self.outside *= factor
        self.units *= factor
        if self.layers is not None:
            self.layers *= factor

    def shift(self, shift: int) -> float:
        """
        Shift rows (total, layers, status, share) as the grid re-centres (see :func:`shift_rows`).

        Parameters
        ----------
        shift : int
            Rows; positive when the grid moved up in price.

        Returns
        -------
        float
            The notional pushed out of the grid (USD); it stays open, counted in ``outside``.
        """
        n = self.usd.shape[0]
        out = self.usd[: min(shift, n)] if shift > 0 else self.usd[max(n + shift, 0) :]
        moved = out.sum(axis=0) if shift else np.zeros(self.usd.shape[1])
        self.outside += moved
        lost = float(moved.sum())
        shift_rows(self.usd, shift, 0.0)
        if self.layers is not None:
            shift_rows(np.moveaxis(self.layers, 1, 0), shift, 0.0)
        shift_rows(self.status, shift, STATUS_ACTIVE)
        shift_rows(self.share, shift, 0.0)
        return lost

    def regrid(self, sign: int, old: PriceGrid, new: PriceGrid) -> float:
        """
        Move the side onto a grid of another bin width (:meth:`~.book_state.BookState.regrid`).

        Each non-empty bin's notional (total and layers) is spread uniformly over the part of its range not yet
        traded (a long bin's swept share is the top of its range, a short bin's the bottom) and re-binned
        (:func:`~.grid.rebin`); what falls outside the new grid stays open in ``outside`` (layers drop it, as in
        :meth:`shift`). Position units are unchanged. A new bin with notional is ``ACTIVE``, or ``PARTIAL`` when it
        covers a traded or cleared old bin; an empty one is ``CLEARED`` (swept share 1, as a sweep leaves a bin it
        empties) when it covers a traded or cleared old bin, whose notional was swept, else ``ACTIVE`` (never
        filled): a bin without notional is never ``PARTIAL``. The edge bin's traded share is set so that the price
        whose crossing sweeps the side stays where it was.

        Parameters
        ----------
        sign : int
            +1 long, -1 short.
        old, new : PriceGrid
            The grid the side is on, and the one it moves to (same ``n_bins``).

        Returns
        -------
        float
            The notional pushed out of the grid (USD); it stays open, counted in ``outside``.
        """
        n, n_tiers = self.usd.shape
        rows = self.nonzero_rows(0, n)
        lower = (old.base + rows) * old.width
        upper = lower + old.width
        traded = self.share[rows] * old.width
        if sign > 0:
            upper = np.maximum(upper - traded, lower + old.width * 1e-9)  # a bin's notional is never on a point
        else:
            lower = np.minimum(lower + traded, upper - old.width * 1e-9)
        blocks = [self.usd[rows]]
        if self.layers is not None:
            # explicit width: an empty side (no rows) cannot infer it (reshape(0, -1) raises)
            blocks.append(np.moveaxis(self.layers[:, rows, :], 1, 0).reshape(rows.size, self.layers.shape[0] * n_tiers))
        binned, below, above = rebin(np.concatenate(blocks, axis=1), lower, upper, new.edges())
        status = np.zeros(n, dtype=np.int8)
        marked = np.flatnonzero(self.status)
        if marked.size:  # each old bin's status onto the new bins it covers (the highest wins)
            # an old edge on a new one (55 / 0.55 = 99.999...) must not reach into the neighbour bin
            first = np.floor((old.base + marked) * old.width / new.width + 1e-9).astype(np.int64) - new.base
            last = np.ceil((old.base + marked + 1) * old.width / new.width - 1e-9).astype(np.int64) - new.base - 1
            for a, b, code in zip(first.tolist(), last.tolist(), self.status[marked].tolist(), strict=True):
                a, b = max(a, 0), min(b, n - 1)
                if a <= b:
                    np.maximum(status[a : b + 1], code, out=status[a : b + 1])
        self.usd[:] = binned[:, :n_tiers]
        if self.layers is not None:
            self.layers[:] = np.moveaxis(binned[:, n_tiers:].reshape(n, -1, n_tiers), 1, 0)
        moved = below[:n_tiers] + above[:n_tiers]
        self.outside += moved
        filled = row_totals(self.usd) > 0.0
        status[filled & (status == STATUS_CLEARED)] = STATUS_PARTIAL
        # an empty bin over swept notional was emptied by a sweep (the highest status gave an empty PARTIAL bin)
        emptied = ~filled & (status != STATUS_ACTIVE)
        status[emptied] = STATUS_CLEARED
        self.share[:] = 0.0
        self.share[emptied] = 1.0
        nz = np.flatnonzero(filled)
        if nz.size and rows.size:  # the edge keeps the side's sweep price: the highest long / lowest short level
            k = int(nz[-1] if sign > 0 else nz[0])
            bound = float(upper.max() if sign > 0 else lower.min())
            offset = (bound - (new.base + k) * new.width) / new.width  # where the bound lies inside bin k, in [0, 1]
            share = min(max(1.0 - offset if sign > 0 else offset, 0.0), 1.0)
            if share > 0.0:
                self.share[k] = share
                status[k] = max(int(status[k]), STATUS_PARTIAL)
        self.status[:] = status
        return float(moved.sum())

    def shift_tiers_fractional(self, shift_bins: np.ndarray) -> float:
        """
        Move each tier's profile by its own fractional number of bins (funding adjustment).

        Parameters
        ----------
        shift_bins : np.ndarray
            Shape ``(n_tiers,)`` shift in bins, positive toward higher prices.

        Returns
        -------
        float
            Notional pushed outside the grid (USD); it stays open, counted in ``outside``.
        """
        before = self.usd.sum(axis=0)
        lost = self._shift_tiers(np.asarray(shift_bins, dtype=np.float64))
        self.outside += np.maximum(before - self.usd.sum(axis=0), 0.0)
        return lost

    def _shift_tiers(self, shift_bins: np.ndarray) -> float:
        if self.layers is None:
            if np.all(shift_bins == shift_bins[0]):  # one shift for all tiers: move the block at once
                return shift_fractional(self.usd, float(shift_bins[0]))
            return sum(shift_fractional(self.usd[:, t], float(v)) for t, v in enumerate(shift_bins))
        by_bin = np.moveaxis(self.layers, 1, 0)  # (n_bins, n_layers, n_tiers) view
        if np.all(shift_bins == shift_bins[0]):
            lost = shift_fractional(by_bin, float(shift_bins[0]))
            shift_fractional(self.usd, float(shift_bins[0]))  # the same linear move of the total
        else:
            lost = sum(shift_fractional(by_bin[:, :, t], float(v)) for t, v in enumerate(shift_bins))
            for t, v in enumerate(shift_bins):
                shift_fractional(self.usd[:, t], float(v))
        return lost

    def new_cohort(self) -> None:
        """Start a new newest layer (no-op without layers), merging the two oldest when all are in use."""
        if self.layers is None:
            return
        if len(self.order) < self.layers.shape[0]:
            free = next(s for s in range(self.layers.shape[0]) if s not in self.order)
            self.order.append(free)
            return
        oldest = self.order.pop(0)
        self.layers[self.order[0]] += self.layers[oldest]
        self.layers[oldest] = 0.0
        self.order.append(oldest)

    def add(self, added: np.ndarray) -> None:
        """
        Add notional to the total and the newest layer.

        Parameters
        ----------
        added : np.ndarray
            Shape ``(n_bins, n_tiers)`` notional (USD), >= 0.
        """
        self.usd += added
        if self.layers is not None:
            if not self.order:
                self.new_cohort()
            self.layers[self.order[-1]] += added

    def close_pro_rata(self, fraction: float, total: float | None = None) -> float:
        """
        Close the same fraction of every cohort (grid, outside and units).

        Parameters
        ----------
        fraction : float
            In [0, 1] (clipped at 1).
        total : float, optional
            :meth:`total_usd` when the caller has it already (USD).

        Returns
        -------
        float
            The notional closed (USD).
        """
        if total is None:
            total = self.total_usd()
        if total <= 0.0 or fraction <= 0.0:
            return 0.0
        fraction = min(fraction, 1.0)
        self.scale(1.0 - fraction)
        return total * fraction

    def close_newest(self, amount_usd: float) -> float:
        """
        Close ``amount_usd`` starting with the newest cohort layer.

        Pro rata without layers; then what lies outside the grid. Each tier's units shrink with its notional.

        Parameters
        ----------
        amount_usd : float
            Notional to close (USD), >= 0.

        Returns
        -------
        float
            The notional closed (USD), at most the side's total.
        """
        total = self.total_usd()
        if total <= 0.0 or amount_usd <= 0.0:
            return 0.0
        if self.layers is None:
            return self.close_pro_rata(amount_usd / total, total)
        before = self.usd.sum(axis=0) + self.outside
        remaining = amount_usd
        for slot in reversed(self.order):
            layer_total = float(self.layers[slot].sum())
            if layer_total <= 0.0:
                continue
            if layer_total <= remaining:
                remaining -= layer_total
                self.layers[slot] = 0.0
            else:
                self.layers[slot] *= 1.0 - remaining / layer_total
                remaining = 0.0
                break
        self.usd[:] = self.layers.sum(axis=0)
        if remaining > 0.0:
            out = float(self.outside.sum())
            take = min(remaining, out)
            if out > 0.0:
                self.outside *= 1.0 - take / out
            remaining -= take
        after = self.usd.sum(axis=0) + self.outside
        self.units *= np.where(before > 0.0, after / np.where(before > 0.0, before, 1.0), 0.0)
        return min(amount_usd - remaining, total)

    def layer_totals(self) -> np.ndarray:
        """
        Notional (USD) per cohort layer, oldest first, shape ``(n_used,)`` (empty without layers).

        Returns
        -------
        np.ndarray
        """
        if self.layers is None:
            return np.zeros(0)
        return np.array([self.layers[s].sum() for s in self.order])

    def reset(self) -> None:
        """Empty the side."""
        self.usd[:] = 0.0
        self.status[:] = STATUS_ACTIVE
        self.share[:] = 0.0
        self.edge = -1
        self.outside[:] = 0.0
        self.units[:] = 0.0
        if self.layers is not None:
            self.layers[:] = 0.0
        self.order.clear()
