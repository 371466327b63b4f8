"""The engine's trade inputs: sweeps, taker volume and, in ``trades`` mode, positions at large trades.

Mixed into :class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`; see its module for the data flow.
"""

import math

import numpy as np

from liqheat_nautilus.core.book import MapBook
from liqheat_nautilus.core.interval import IntervalBars
from liqheat_nautilus.core.params import MapParams
from liqheat_nautilus.core.trades import select_large_trades

__all__ = ["TradeInputs", "check_time"]

_INF = math.inf
_INTEGER = (int, np.integer)


def check_time(ts_ns: object, what: str) -> None:
    """
    Refuse a time that is not an integer (UNIX ns).

    A float such as ``1.7e18`` has lost its nanoseconds; a ``nan`` time disabled the order checks.

    Parameters
    ----------
    ts_ns : object
        The time given; an ``int`` or a numpy integer passes (not a ``bool``).
    what : str
        What the time is of (e.g. ``"bar"``), for the message.

    Raises
    ------
    ValueError
        Naming ``ts_ns`` and its value, if it is not an integer.
    """
    if not isinstance(ts_ns, _INTEGER) or isinstance(ts_ns, bool):
        raise ValueError(f"{what}: ts_ns must be an integer time (UNIX ns), was {ts_ns!r}")


class TradeInputs:
    """
    Trade inputs of the engine (mixed into :class:`~liqheat_nautilus.core.engine.LiquidationMapEngine`).

    Expects on the instance ``book`` (:class:`~.book.MapBook`), ``bars`` (:class:`~.interval.IntervalBars`),
    ``params``, ``ts_ns``, ``seeded``, the path extremes ``_low_since``/``_high_since`` since the last cluster
    read, the trade-mode flags and batch state set by the engine, and :meth:`_tier_weights`.
    """

    book: MapBook
    bars: IntervalBars
    params: MapParams
    ts_ns: int
    seeded: bool
    _low_since: float
    _high_since: float
    _trades_mode: bool
    _trades_gross: bool
    _batch_ns: int
    _batch_start_ns: int
    _trade_batch: list[tuple[float, float, bool]]

    def _tier_weights(self, imbalance: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Return the leverage weights ``(long, short)`` (the engine's own)."""
        raise NotImplementedError

    def _advance(self, price: float, low: float, high: float, ts_ns: int) -> None:
        """Record a price path ``[low, high]`` ending at ``price`` (bars, trades, prints)."""
        book = self.book
        if book.grid is None:
            book.init_grid(price)
        # deferred sweeps: only the extremes are recorded here (MapBook.settle sweeps when the state is needed); the
        # extremes since the last cluster read are never above the pending ones (a read settles first), so they
        # only need checking when a pending extreme moves
        if low < book.pending_low:
            book.pending_low = low
            if low < self._low_since:
                self._low_since = low
        if high > book.pending_high:
            book.pending_high = high
            if high > self._high_since:
                self._high_since = high
        book.price = price
        self.ts_ns = ts_ns
        if not book.keep_low <= price < book.keep_high:
            book.recentre(price)

    def update_trade(self, price: float, ts_ns: int, quantity: float = math.nan,
                     is_buyer_maker: bool = False) -> None:
        """
        Feed one trade (price, and optionally quantity and aggressor side).

        Its price sweeps the levels it reaches; with a quantity it adds taker volume and, in ``trades`` mode, opens a
        position when selected (``gross_value``: at once when ``price × quantity`` reaches ``trade_threshold``;
        ``top_n``/``portion``: within the current batch, selected when the batch ends at the next bar or after
        ``trade_batch_secs``).

        Parameters
        ----------
        price : float
            Trade price, finite and > 0.
        ts_ns : int
            Trade time (UNIX ns).
        quantity : float, optional
            Trade quantity in base units (``nan``: price only).
        is_buyer_maker : bool, default False
            Binance's flag: true when the seller was the taker (the trade opens a short in ``trades`` mode).

        Raises
        ------
        ValueError
            If ``price`` is not finite and > 0, ``quantity`` is neither ``nan`` nor finite and >= 0, or ``ts_ns``
            is not an integer (a float such as ``1.7e18`` has lost its nanoseconds); the state is unchanged.
        """
        if ts_ns.__class__ is not int:  # (a plain int passes check_time)
            check_time(ts_ns, "trade")
        if not 0.0 < price < _INF:
            raise ValueError(f"trade at {ts_ns}: price must be finite and > 0, was {price}")
        if not (quantity != quantity or 0.0 <= quantity < _INF):  # nan: price only
            raise ValueError(f"trade at {ts_ns}: quantity must be finite and >= 0 (or nan), was {quantity}")
        if self._trade_batch and ts_ns - self._batch_start_ns >= self._batch_ns:
            self._flush_trades()
        self._advance(price, price, price, ts_ns)
        if quantity > 0.0:  # false for nan
            gross = price * quantity
            if is_buyer_maker:
                self.bars.taker_sell += gross
            else:
                self.bars.taker_buy += gross
            if self._trades_mode:
                if self._trades_gross:
                    if gross >= self.params.trade_threshold:
                        self._open_trades(np.array([price]), np.array([gross]), -1 if is_buyer_maker else 1)
                else:
                    if not self._trade_batch:
                        self._batch_start_ns = ts_ns
                    self._trade_batch.append((price, gross, bool(is_buyer_maker)))

    def _flush_trades(self) -> None:
        batch, self._trade_batch = self._trade_batch, []
        prices = np.fromiter((b[0] for b in batch), dtype=np.float64, count=len(batch))
        gross = np.fromiter((b[1] for b in batch), dtype=np.float64, count=len(batch))
        maker = np.fromiter((b[2] for b in batch), dtype=bool, count=len(batch))
        self._open_selected(prices, gross, maker)

    def update_trades(self, prices, quantities, is_buyer_maker, ts_ns: int) -> int:
        """
        Feed a batch of trades (e.g. one second or one bar of aggTrades) treated as one bar.

        The batch's low and high sweep levels; its taker volume is added to the interval and, in ``trades``
        mode, the large trades selected by ``trade_selection`` (within this batch) open positions on their taker
        side at their prices, the full gross value spread over the leverage points.

        Parameters
        ----------
        prices : array_like
            Shape ``(n,)`` trade prices, > 0, in time order.
        quantities : array_like
            Shape ``(n,)`` quantities (base units), >= 0.
        is_buyer_maker : array_like
            Shape ``(n,)`` bool (true: seller taker -> short).
        ts_ns : int
            Time of the batch's last trade (UNIX ns).

        Returns
        -------
        int
            Number of trades that opened positions.

        Raises
        ------
        ValueError
            If the arrays differ in length, a price is not finite and > 0, a quantity is not finite and >= 0, or
            ``ts_ns`` is not an integer (the state is unchanged).
        """
        check_time(ts_ns, "trade batch")
        prices = np.asarray(prices, dtype=np.float64)
        qty = np.asarray(quantities, dtype=np.float64)
        maker = np.asarray(is_buyer_maker, dtype=bool)
        if not (prices.shape == qty.shape == maker.shape) or prices.ndim != 1:
            raise ValueError(
                f"update_trades: prices, quantities and is_buyer_maker must be 1-d of equal length, were "
                f"{prices.shape}, {qty.shape}, {maker.shape}",
            )
        if prices.size == 0:
            return 0
        if not np.all(np.isfinite(prices) & (prices > 0.0)):
            raise ValueError("update_trades: prices must be finite and > 0")
        if not np.all(np.isfinite(qty) & (qty >= 0.0)):
            raise ValueError("update_trades: quantities must be finite and >= 0")
        if self._trade_batch:
            self._flush_trades()
        self._advance(float(prices[-1]), float(prices.min()), float(prices.max()), ts_ns)
        gross = prices * qty
        sell = float(gross[maker].sum())
        self.bars.taker_sell += sell
        self.bars.taker_buy += float(gross.sum()) - sell
        if not self._trades_mode:
            return 0
        return self._open_selected(prices, gross, maker)

    def _open_selected(self, prices: np.ndarray, gross: np.ndarray, maker: np.ndarray) -> int:
        mask = select_large_trades(gross, maker, self.params.trade_selection, self.params.trade_threshold)
        opened = 0
        for side, side_mask in ((1, mask & ~maker), (-1, mask & maker)):
            if side_mask.any():
                self._open_trades(prices[side_mask], gross[side_mask], side)
                opened += int(side_mask.sum())
        return opened

    def _open_trades(self, prices: np.ndarray, gross: np.ndarray, sign: int) -> None:
        total = float(gross.sum())
        if total <= 0.0:
            return
        long_w, short_w = self._tier_weights()
        price = self.book.price
        self.book.open(sign, prices, (gross / total)[:, None], long_w if sign > 0 else short_w, total,
                       np.full(prices.size, price))
        self.seeded = True
