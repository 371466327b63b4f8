"""The bars (and taker volume) of the current open-interest interval: where its new positions were opened.

Between two open-interest readings the engine keeps every bar's typical price, volume, low, high and time (and,
for ``hot_zones``, whether it was hot). Before the first reading the same lists hold the seed's lookback. They
are bounded: beyond :data:`MAX_BARS` bars older than the lookback are dropped, then neighbours are merged (a merged
pair is treated like one coarser bar).
"""

import math

import numpy as np

from liqheat_nautilus.core.entries import hot_zone_profile, taker_imbalance, volume_profile
from liqheat_nautilus.core.kernels import interval_entries

__all__ = ["MAX_BARS", "IntervalBars"]

MAX_BARS = 8192
"""Bars held before the oldest are dropped or merged (14 days of 1-minute bars fit in one merge)."""
_ONE_WEIGHT = np.ones((1, 1))
_NO_WEIGHTS = np.zeros(0)


class IntervalBars:
    """
    Bars and taker volume of the current interval (or of the seed's lookback before the first reading).

    The bars are kept in one flat list of rows ``(typical price, low, high, volume)`` (:attr:`rows`) and a list of
    close times, appended to directly by ``LiquidationMapEngine.update_bar`` (no method call per bar).

    Parameters
    ----------
    hot_mode : bool
        Track hot bars (``entry_mode = "hot_zones"``).
    hot_volume_mult : float
        A bar is hot when its volume exceeds this multiple of the rolling mean and it closes up.
    hot_window : int
        Span (bars) of the exponential rolling mean of volume.
    lookback_ns : int
        Bars older than this before the newest are dropped first when the lists are full.

    Attributes
    ----------
    rows : list[float]
        ``4·n`` values: per bar ``(H + L + C) / 3``, low, high, volume (any unit).
    ts : list[int]
        Per bar: close time (UNIX ns).
    hot : list[float]
        Per bar: 1.0 when hot (``hot_mode`` only).
    taker_buy, taker_sell : float
        Taker volume of the interval (USD).
    """

    def __init__(self, hot_mode: bool, hot_volume_mult: float, hot_window: int, lookback_ns: int) -> None:
        self.hot_mode = hot_mode
        self._hot_mult = hot_volume_mult
        self._hot_alpha = 2.0 / (hot_window + 1.0)
        self._lookback_ns = lookback_ns
        self.rows: list[float] = []
        self.ts: list[int] = []
        self.hot: list[float] = []
        self.reset()

    def reset(self) -> None:
        """Forget every bar, the rolling volume mean and the taker volume."""
        self.clear()
        self._vol_ema = math.nan
        self._prev_close = math.nan

    def clear(self) -> None:
        """Start a new interval (the rolling volume mean of ``hot_zones`` carries over)."""
        self.rows.clear()
        self.ts.clear()
        self.hot.clear()
        self.taker_buy = self.taker_sell = 0.0

    def append(self, high: float, low: float, close: float, volume: float, ts_ns: int) -> None:
        """
        Add one bar (what ``LiquidationMapEngine.update_bar`` does inline).

        Parameters
        ----------
        high, low, close : float
            Bar prices.
        volume : float
            Bar volume (any unit).
        ts_ns : int
            Bar close time (UNIX ns).
        """
        if len(self.ts) >= MAX_BARS:
            self.compact()
        self.rows.extend(((high + low + close) / 3.0, low, high, volume))
        self.ts.append(ts_ns)
        if self.hot_mode:
            self.mark_hot(close, volume)

    def mark_hot(self, close: float, volume: float) -> None:
        """
        ``hot_zones``: record whether the bar just appended is hot and update the rolling volume mean.

        Parameters
        ----------
        close : float
            The bar's close.
        volume : float
            The bar's volume.
        """
        ema = self._vol_ema
        if ema != ema:  # first bar: no rolling mean yet
            ema = volume
        hot = volume > self._hot_mult * ema and close > self._prev_close
        self.hot.append(1.0 if hot else 0.0)
        self._vol_ema = ema + self._hot_alpha * (volume - ema)
        self._prev_close = close

    def __len__(self) -> int:
        """Return the number of bars held."""
        return len(self.ts)

    def array(self) -> np.ndarray:
        """
        Return the bars as one ``(n, 4)`` float64 array of rows ``(typical, low, high, volume)``.

        Returns
        -------
        np.ndarray
        """
        rows = self.rows
        return np.fromiter(rows, np.float64, len(rows)).reshape(-1, 4)  # np.array(rows)'s values, without its scan

    def imbalance(self) -> float:
        """
        Taker imbalance ``(buy − sell) / (buy + sell)`` of the interval (0 without taker volume).

        Returns
        -------
        float
            In [-1, 1].
        """
        return taker_imbalance(self.taker_buy, self.taker_sell)

    def total_volume(self) -> float:
        """
        Volume of the interval's bars (their unit).

        Returns
        -------
        float
        """
        return math.fsum(self.rows[3::4])

    def vwap(self, price: float) -> float:
        """
        Volume-weighted typical price of the bars.

        Parameters
        ----------
        price : float
            Returned when there are no bars.

        Returns
        -------
        float
        """
        if not self.ts:
            return price
        p, w = volume_profile(np.array(self.rows[0::4]), np.array(self.rows[3::4]))
        return float(np.dot(p, w))

    def entries(self, mode: str, hot_share: float, price: float, block: bool, n_groups: int = 0,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """
        Entries of the interval's new positions.

        Parameters
        ----------
        mode : str
            ``entry_mode``: ``"vwap"`` (one block at the VWAP), ``"hot_zones"`` (hot bars take ``hot_share``),
            otherwise the volume profile; each bar spread by the intrabar rule of :func:`~.entries.bar_entries`
            (compiled: :func:`~.kernels.interval_entries`).
        hot_share : float
            Share of hot bars in ``"hot_zones"``.
        price : float
            The current price.
        block : bool
            Place one block at the VWAP whatever the mode (an OI spike).
        n_groups : int, default 0
            Merge consecutive bars into at most this many groups treated as coarser bars (0: none; see
            ``MapParams.interval_entry_groups``).

        Returns
        -------
        tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
            ``(entries, weights (n, 1), lowest, highest)`` as :func:`~.entries.bar_entries` returns them; a VWAP
            block's adverse prices are the current price.
        """
        inputs = None if block else self.profile_inputs(mode, hot_share)
        if inputs is None:
            one = np.array([price])
            return np.array([self.vwap(price)]), _ONE_WEIGHT, one, one
        return interval_entries(inputs[0], inputs[1], n_groups, price)

    def profile_inputs(self, mode: str, hot_share: float) -> tuple[np.ndarray, np.ndarray] | None:
        """
        Return the inputs of :func:`~.kernels.interval_entries` that :meth:`entries` uses (``None``: a VWAP block).

        Parameters
        ----------
        mode : str
            ``entry_mode`` (as :meth:`entries`).
        hot_share : float
            Share of hot bars in ``"hot_zones"``.

        Returns
        -------
        tuple[np.ndarray, np.ndarray] or None
            ``(bars (n, 4), bar_w (n,) or (0,))``; ``None`` without bars or in ``"vwap"`` mode (:meth:`entries`
            places one block at the VWAP).
        """
        if not self.ts or mode == "vwap":
            return None
        bars = self.array()
        if mode == "hot_zones":
            _, bar_w = hot_zone_profile(np.array(self.rows[0::4]), np.array(self.rows[3::4]), np.asarray(self.hot),
                                        hot_share)
            return bars, np.ascontiguousarray(bar_w, dtype=np.float64)
        return bars, _NO_WEIGHTS

    def since(self, start_ns: int) -> tuple[np.ndarray, ...]:
        """
        Arrays of the bars closing at or after ``start_ns``.

        Parameters
        ----------
        start_ns : int
            UNIX ns.

        Returns
        -------
        tuple[np.ndarray, ...]
            ``(ts, typical, volume, low, high)``, each ``(n,)``.
        """
        ts = np.asarray(self.ts, dtype=np.int64)
        keep = ts >= start_ns
        bars = self.array()
        return ts[keep], bars[keep, 0], bars[keep, 3], bars[keep, 1], bars[keep, 2]

    def compact(self) -> None:
        """Make room for a bar: drop bars older than the lookback, else merge neighbours.

        Merging: VWAP price, summed volume, min low, max high, later time.
        """
        if self.ts and self._lookback_ns:
            cut = self.ts[-1] - self._lookback_ns
            first = next((i for i, t in enumerate(self.ts) if t >= cut), len(self.ts))
            if first > 0:
                del self.rows[: 4 * first]
                del self.ts[:first]
                del self.hot[:first]
                if len(self.ts) < MAX_BARS:
                    return
        n = len(self.ts) // 2 * 2
        bars = np.array(self.rows[: 4 * n]).reshape(-1, 4)
        pp, pv = bars[:, 0], bars[:, 3]
        v2 = pv[0::2] + pv[1::2]
        price = np.where(v2 > 0.0, (pp[0::2] * pv[0::2] + pp[1::2] * pv[1::2]) / np.where(v2 > 0.0, v2, 1.0),
                         0.5 * (pp[0::2] + pp[1::2]))
        low = np.minimum(bars[0::2, 1], bars[1::2, 1])
        high = np.maximum(bars[0::2, 2], bars[1::2, 2])
        self.rows[: 4 * n] = np.column_stack((price, low, high, v2)).ravel().tolist()
        self.ts[:n] = self.ts[1:n:2]
        if self.hot_mode:
            self.hot[:n] = np.maximum(np.asarray(self.hot[:n:2]), np.asarray(self.hot[1:n:2])).tolist()
