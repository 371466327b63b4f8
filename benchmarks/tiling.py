"""Long benchmark inputs from the real OKX sample without compounding drift: every other repeat time-reversed.

The embedded sample (``catalog/okx_sol_usdt_swap_2026-06/``: 21,600 real 1-minute bars of OKX SOL-USDT-SWAP, hourly
open interest, 8-hourly funding, hourly taker volume) is repeated: even repeats run forward, odd repeats are the
same market played backwards in time (bar order reversed, each bar's open and close swapped, high, low and volume
kept; open interest, funding and taker volume reflected in time within the repeat). A reversed repeat starts at
the price and open interest where the forward one ended and ends where it started, so prices and open interest
stay within the sample's own range however long the input (the earlier benchmarks rescaled each repeat to
continue price, which compounded: ×7 over 24 repeats, ×1,959 over 93). Timestamps continue forward.

Open interest at a finer resolution than the sample's hourly readings (``oi_minutes`` 15, 5 or 1) is the hourly
series linearly interpolated in time: synthetic values at real-looking times, labelled as such where printed.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from liqheat_nautilus.core.units import NS_PER_MINUTE, NS_PER_MS

SAMPLE = Path(__file__).resolve().parents[1] / "catalog" / "okx_sol_usdt_swap_2026-06"
BAR_NS = NS_PER_MINUTE
SAMPLE_BARS = 21_600


@dataclass
class Series:
    """
    A tiled input (all times UNIX ns; bars stamped at their close, as Nautilus stamps them).

    Attributes
    ----------
    bar_ts : np.ndarray
        ``(n,)`` int64 bar close times.
    open, high, low, close, volume : np.ndarray
        ``(n,)`` bar prices (USDT) and volume (contracts).
    oi_ts, oi_usd : np.ndarray
        ``(k,)`` open-interest readings (USD).
    funding_ts, funding_rate : np.ndarray
        ``(f,)`` funding settlements (fraction per 8 h).
    taker_ts, taker_buy, taker_sell : np.ndarray
        ``(m,)`` taker volume per hour (USD), stamped at the end of the hour.
    tiles : int
        Repeats of the sample.
    oi_minutes : int
        Open-interest resolution (60: the real readings; less: interpolated).
    """

    bar_ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    oi_ts: np.ndarray
    oi_usd: np.ndarray
    funding_ts: np.ndarray
    funding_rate: np.ndarray
    taker_ts: np.ndarray
    taker_buy: np.ndarray
    taker_sell: np.ndarray
    tiles: int
    oi_minutes: int

    def describe(self) -> str:
        """One line: what the input is."""
        oi = ("hourly real readings" if self.oi_minutes == 60 else
              f"{self.oi_minutes}-minute readings interpolated linearly from the hourly real ones")
        return (f"real OKX SOL-USDT-SWAP 1-minute bars ({SAMPLE_BARS:,} rows) tiled {self.tiles}x, every other "
                f"repeat time-reversed (no drift: close {self.close.min():.2f}..{self.close.max():.2f}) -> "
                f"{self.bar_ts.size:,} bars; open interest: {self.oi_ts.size:,} {oi}; "
                f"{self.funding_ts.size:,} funding settlements")


def _reflect(ts_ms: np.ndarray, t0: int, span: int, length: int) -> np.ndarray:
    """Reversed-repeat offsets of events (``length`` 0: instants; > 0: periods of that length stamped at start)."""
    return span - (ts_ms - t0) - length


def tiled(min_bars: int, oi_minutes: int = 60) -> Series:
    """
    Return the real sample repeated until there are at least ``min_bars`` bars (odd repeats time-reversed).

    Parameters
    ----------
    min_bars : int
        Minimum number of bars (> 0).
    oi_minutes : int, default 60
        Open-interest resolution in minutes (60, or a divisor of 60: interpolated).

    Returns
    -------
    Series

    Raises
    ------
    ValueError
        If ``oi_minutes`` does not divide 60.
    """
    if oi_minutes <= 0 or 60 % oi_minutes:
        raise ValueError(f"oi_minutes must divide 60 (60, 30, 15, 5, 1...), was {oi_minutes}")
    bars = pd.read_csv(SAMPLE / "ohlcv_1m.csv")
    oi = pd.read_csv(SAMPLE / "open_interest.csv")
    funding = pd.read_csv(SAMPLE / "funding_rate.csv")
    taker = pd.read_csv(SAMPLE / "taker_volume.csv")
    t0 = int(bars["ts"].iloc[0])  # bar open times (OKX), ms
    span = int(bars["ts"].iloc[-1]) - t0 + 60_000
    tiles = -(-min_bars // len(bars))
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("bt", "o", "h", "l", "c", "v", "it", "iv", "ft", "fv",
                                                           "tt", "tb", "ts")}
    b_ts = bars["ts"].to_numpy(np.int64)
    i_ts, f_ts, t_ts = (oi["ts"].to_numpy(np.int64), funding["ts"].to_numpy(np.int64),
                        taker["ts"].to_numpy(np.int64))
    for rep in range(tiles):
        start = t0 + rep * span
        rev = rep % 2 == 1
        order = slice(None, None, -1) if rev else slice(None)
        if rev:
            parts["bt"].append(start + _reflect(b_ts, t0, span, 60_000)[order])
            parts["o"].append(bars["close"].to_numpy()[order])
            parts["c"].append(bars["open"].to_numpy()[order])
        else:
            parts["bt"].append(start + (b_ts - t0))
            parts["o"].append(bars["open"].to_numpy())
            parts["c"].append(bars["close"].to_numpy())
        parts["h"].append(bars["high"].to_numpy()[order])
        parts["l"].append(bars["low"].to_numpy()[order])
        parts["v"].append(bars["volume"].to_numpy()[order])
        for key_t, key_v, ts, values, length in (("it", "iv", i_ts, oi["oi_value"].to_numpy(), 0),
                                                 ("ft", "fv", f_ts, funding["fundingRate"].to_numpy(), 0)):
            off = _reflect(ts, t0, span, length)[order] if rev else ts - t0
            keep = (off > 0) & (off < span)
            parts[key_t].append(start + off[keep])
            parts[key_v].append(values[order][keep])
        off = _reflect(t_ts, t0, span, 3_600_000)[order] if rev else t_ts - t0
        keep = (off >= 0) & (off + 3_600_000 <= span)
        parts["tt"].append(start + off[keep] + 3_600_000)  # stamped at the end of its hour
        parts["tb"].append(taker["buyVol"].to_numpy()[order][keep])
        parts["ts"].append(taker["sellVol"].to_numpy()[order][keep])
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    oi_ts, oi_usd = cat["it"], cat["iv"]
    if oi_minutes != 60:
        step = oi_minutes * 60_000
        fine = np.arange(oi_ts[0], oi_ts[-1] + 1, step, dtype=np.int64)
        oi_usd = np.interp(fine.astype(np.float64), oi_ts.astype(np.float64), oi_usd)
        oi_ts = fine
    return Series(
        bar_ts=(cat["bt"] + 60_000) * NS_PER_MS, open=cat["o"], high=cat["h"], low=cat["l"], close=cat["c"],
        volume=cat["v"], oi_ts=oi_ts * NS_PER_MS, oi_usd=oi_usd, funding_ts=cat["ft"] * NS_PER_MS,
        funding_rate=cat["fv"], taker_ts=cat["tt"] * NS_PER_MS, taker_buy=cat["tb"], taker_sell=cat["ts"],
        tiles=tiles, oi_minutes=oi_minutes,
    )
