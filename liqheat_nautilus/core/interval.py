"""The bars (and taker volume) of the current open-interest interval: where its new positions were opened.

Between two open-interest readings the engine keeps every bar's typical price, volume, low, high and time (and,
for ``hot_zones``, whether it was hot). Before the first reading the same lists hold the seed's lookback. They
are bounded: beyond :data:`MAX_BARS` bars older than the lookback are dropped, then neighbours are merged (a merged
pair is treated like one coarser bar).
"""

import math

import numpy as np

from liqheat_nautilus.core.entries import bar_entries, hot_zone_profile, taker_imbalance, volume_profile

__all__ = ["MAX_BARS", "IntervalBars"]

MAX_BARS = 8192
"""Bars held before the oldest are dropped or merged (14 days of 1-minute bars fit in one merge)."""
_ONE_WEIGHT = np.ones((1, 1))


class IntervalBars:
    """
    Bars and taker volume of the current interval (or of the seed's lookback before the first reading).

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
    typical, volume, low, high : list[float]
        Per bar: ``(H + L + C) / 3``, volume (any unit), low, high.
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
        self.typical: list[float] = []
        self.volume: list[float] = []
        self.low: list[float] = []
        self.high: list[float] = []
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
        for values in (self.typical, self.volume, self.low, self.high, self.ts, self.hot):
            values.clear()
        self.taker_buy = self.taker_sell = 0.0

    def append(self, high: float, low: float, close: float, volume: float, ts_ns: int) -> None:
        """
        Add one bar.

        Parameters
        ----------
        high, low, close : float
            Bar prices.
        volume : float
            Bar volume (any unit).
        ts_ns : int
            Bar close time (UNIX ns).
        """
        if len(self.typical) >= MAX_BARS:
            self.compact()
        self.typical.append((high + low + close) / 3.0)
        self.volume.append(volume)
        self.low.append(low)
        self.high.append(high)
        self.ts.append(ts_ns)
        if self.hot_mode:
            ema = self._vol_ema
            if ema != ema:  # first bar: no rolling mean yet
                ema = volume
            hot = volume > self._hot_mult * ema and close > self._prev_close
            self.hot.append(1.0 if hot else 0.0)
            self._vol_ema = ema + self._hot_alpha * (volume - ema)
            self._prev_close = close

    def __len__(self) -> int:
        return len(self.typical)

    def imbalance(self) -> float:
        """Taker imbalance ``(buy − sell) / (buy + sell)`` of the interval (0 without taker volume)."""
        return taker_imbalance(self.taker_buy, self.taker_sell)

    def total_volume(self) -> float:
        """Volume of the interval's bars (their unit)."""
        return math.fsum(self.volume)

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
        if not self.typical:
            return price
        p, w = volume_profile(np.asarray(self.typical), np.asarray(self.volume))
        return float(np.dot(p, w))

    def entries(self, mode: str, hot_share: float, price: float, block: bool,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """
        Entries of the interval's new positions.

        Parameters
        ----------
        mode : str
            ``entry_mode``: ``"vwap"`` (one block at the VWAP), ``"hot_zones"`` (hot bars take ``hot_share``),
            otherwise the volume profile; each bar spread by :func:`~.entries.bar_entries`.
        hot_share : float
            Share of hot bars in ``"hot_zones"``.
        price : float
            The current price.
        block : bool
            Place one block at the VWAP whatever the mode (an OI spike).

        Returns
        -------
        tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
            ``(entries, weights (n, 1), lowest, highest)`` as :func:`~.entries.bar_entries` returns them; a VWAP
            block's adverse prices are the current price.
        """
        if not self.typical or mode == "vwap" or block:
            one = np.array([price])
            return np.array([self.vwap(price)]), _ONE_WEIGHT, one, one
        typical, volume = np.asarray(self.typical), np.asarray(self.volume)
        if mode == "hot_zones":
            entry_p, entry_w = hot_zone_profile(typical, volume, np.asarray(self.hot), hot_share)
        else:
            entry_p, entry_w = volume_profile(typical, volume)
        return bar_entries(entry_p, np.asarray(self.low), np.asarray(self.high), entry_w[:, None], price)

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
        return (ts[keep], np.asarray(self.typical)[keep], np.asarray(self.volume)[keep], np.asarray(self.low)[keep],
                np.asarray(self.high)[keep])

    def compact(self) -> None:
        """Drop bars older than the lookback; if still full, merge neighbours (VWAP price, summed volume, min low,
        max high, later time)."""
        if self.ts and self._lookback_ns:
            cut = self.ts[-1] - self._lookback_ns
            first = next((i for i, t in enumerate(self.ts) if t >= cut), len(self.ts))
            if first > 0:
                for values in (self.typical, self.volume, self.low, self.high, self.ts, self.hot):
                    del values[:first]
                if len(self.typical) < MAX_BARS:
                    return
        n = len(self.typical) // 2 * 2
        pp, pv = np.asarray(self.typical[:n]), np.asarray(self.volume[:n])
        v2 = pv[0::2] + pv[1::2]
        price = np.where(v2 > 0.0, (pp[0::2] * pv[0::2] + pp[1::2] * pv[1::2]) / np.where(v2 > 0.0, v2, 1.0),
                         0.5 * (pp[0::2] + pp[1::2]))
        low = np.minimum(np.asarray(self.low[:n:2]), np.asarray(self.low[1:n:2]))
        high = np.maximum(np.asarray(self.high[:n:2]), np.asarray(self.high[1:n:2]))
        self.typical[:n] = price.tolist()
        self.volume[:n] = v2.tolist()
        self.low[:n] = low.tolist()
        self.high[:n] = high.tolist()
        self.ts[:n] = self.ts[1:n:2]
        if self.hot_mode:
            self.hot[:n] = np.maximum(np.asarray(self.hot[:n:2]), np.asarray(self.hot[1:n:2])).tolist()
