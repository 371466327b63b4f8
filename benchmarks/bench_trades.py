"""Trades mode against py-liquidation-map on the same real trades, and the per-tick path ``update_trade``.

Input: the real data.binance.vision aggTrades day
``tests/data/binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip`` (105,280 trades, or ``--file``), read
as py-liquidation-map reads an aggTrades file: gross value ``price × quantity``, ``is_buyer_maker`` false -> a
long. (It is a COIN-M file, where the quantity counts 100-USD contracts; both sides use the same numbers, so they
select the same trades and compute the same levels.)

Baseline: **py-liquidation-map is not on PyPI** (it installs from its repository only, which this machine cannot
reach), so it cannot be run here. In its place, clearly a re-implementation: ``liqmap_reference`` below follows
``HistoricalMapping.liquidation_map_from_historical`` (aoki-h-jp/py-liquidation-map, ``liqmap/mapping.py``) step by
step with pandas — the formatted trades frame (built three times, as its ``_make_merged_dataframe`` is called
three times), the buy and sell frames with the four ``LossCut`` columns (``price·(1 ∓ 1/L)``, L = 100, 50, 25, 10),
the selection by mode, the per-leverage frames grown one row at a time with ``.loc``, and the ``pd.cut`` binning
summed per bin — without its download, plot and CSV writes (docs/references.md describes the method). A
vectorised numpy version of the same per-trade levels is timed too, for scale (not the baseline).

Ours: ``LiquidationMapEngine`` in ``trades`` mode (``model="simple"``, tiers 10/25/50/100, equal weights), all the
trades as one batch (``update_trades``, as py-liquidation-map selects over its whole window), then the map read
(per-bin totals, cumulative curves). Both after imports, same process, median of ``--repeats``. The per-trade
levels are checked identical first. Targets: ours >= 1,000× faster on ``gross_value`` and ``portion``;
``update_trade`` (trade by trade, price and quantity, ``gross_value`` trades mode) <= 1 µs per trade.

Run: ``python benchmarks/bench_trades.py [--file F] [--repeats N]``.
"""

import argparse
import math
import statistics
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.kernels import warm_up
from liqheat_nautilus.core.trades import PY_LIQUIDATION_MAP_TIERS, trade_liquidation_levels

DEFAULT_FILE = (Path(__file__).resolve().parents[1] / "tests" / "data" / "binance_cm_aggtrades"
                / "BTCUSD_PERP-aggTrades-2026-05-08.zip")
HEADERS = ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker"]
PORTION = 0.01  # py-liquidation-map's default threshold_portion
TARGET_RATIO = 1000.0
TARGET_TICK_US = 1.0


def read_trades(path: Path) -> pd.DataFrame:
    """Return the aggTrades CSV (with or without header) as py-liquidation-map's columns."""
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as fh:
        raw = pd.read_csv(fh)
    if raw.columns.tolist() != HEADERS:
        raw.columns = HEADERS
    return raw


def _format(raw: pd.DataFrame) -> pd.DataFrame:
    """``_format_aggtrade_dataframe`` (binance branch) on an already-read file."""
    df = raw.copy()
    df["timestamp"] = pd.to_datetime(df["transact_time"], unit="ms")
    df["price"] = df["price"].astype(float)
    df["size"] = df["quantity"].astype(float)
    df["is_buyer_maker"] = df["is_buyer_maker"].astype(bool)
    df["side"] = df["is_buyer_maker"].apply(lambda x: "Buy" if x is False else "Sell")
    df["amount"] = df["price"] * df["size"]
    df = df[["timestamp", "price", "size", "side", "amount"]]
    return df.sort_values(by="timestamp").reset_index(drop=True)


def _side_frame(raw: pd.DataFrame, side: str) -> pd.DataFrame:
    """``_make_buy_dataframe`` / ``_make_sell_dataframe``: a fresh merged frame, one side, four LossCut columns."""
    merged = _format(raw)
    df = merged[merged["side"] == side].copy()
    sign = -1.0 if side == "Buy" else 1.0
    for lev in (100, 50, 25, 10):
        df[f"LossCut{lev}x"] = df["price"] * (1.0 + sign / lev)
    return df


def liqmap_reference(raw: pd.DataFrame, mode: str, threshold: float) -> dict[str, pd.Series]:
    """
    Re-implement py-liquidation-map's computation (see the module docstring).

    Returns, per side and leverage, the amount (USD) summed per price bin.
    """
    merged = _format(raw)
    frames = {"buy": _side_frame(raw, "Buy"), "sell": _side_frame(raw, "Sell")}
    for key, df in frames.items():
        if mode == "gross_value":
            frames[key] = df[df["amount"] >= threshold]
        else:
            df = df.sort_values(by="amount", ascending=False)
            frames[key] = df.iloc[: int(len(df) * threshold)]
    current_price = merged["price"].iloc[-1]
    digits = 2 - math.ceil(math.log10(merged["price"].max() - merged["price"].min()))
    out = {}
    for key, df in frames.items():
        for lev in (10, 25, 50, 100):
            losscut = pd.DataFrame(columns=["price", "amount"])
            column = df.columns.get_loc(f"LossCut{lev}x")
            for i in range(len(df)):  # the reference grows each frame one row at a time
                losscut.loc[len(losscut)] = {"price": df.iloc[i, column], "amount": df.iloc[i, 4]}
            if key == "buy":
                losscut = losscut[losscut["price"] <= current_price]
            else:
                losscut = losscut[losscut["price"] >= current_price]
            if len(losscut) < 2:
                out[f"{key}{lev}"] = pd.Series(dtype=float)
                continue
            lo, hi = round(losscut["price"].min(), digits), round(losscut["price"].max(), digits)
            n = int((hi - lo) * 10**digits)
            bins = [round(lo + i * 10**-digits, digits) for i in range(max(n, 2))]
            groups = pd.cut(losscut["price"].astype(float), bins=bins)
            out[f"{key}{lev}"] = losscut["amount"].astype(float).groupby(groups, observed=False).sum()
    return out


def numpy_levels(price: np.ndarray, qty: np.ndarray, maker: np.ndarray, mode: str, threshold: float) -> dict:
    """py-liquidation-map's per-trade levels, vectorised with numpy (for scale)."""
    return trade_liquidation_levels(price, qty, maker, PY_LIQUIDATION_MAP_TIERS, mode, threshold)


def ours(price: np.ndarray, qty: np.ndarray, maker: np.ndarray, ts_ns: int, mode: str, threshold: float):
    """Return the engine in trades mode: one batch, then the map read."""
    engine = LiquidationMapEngine(_params(mode, threshold))
    engine.update_trades(price, qty, maker, ts_ns)
    engine.long_usd(), engine.short_usd(), engine.cumulative_curves()
    return engine


def _params(mode: str, threshold: float) -> MapParams:
    return MapParams(entry_mode="trades", trade_selection=mode, trade_threshold=threshold, model="simple",
                     tiers=PY_LIQUIDATION_MAP_TIERS, leverage_profile=dict.fromkeys(PY_LIQUIDATION_MAP_TIERS, 1.0),
                     n_bins=1000, bin_bps=10.0)


def _timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        out.append(time.process_time() - start)
    return out


def main() -> None:
    """Run the benchmark (see the module docstring) and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warm_up()
    raw = read_trades(args.file)
    price = raw["price"].to_numpy(np.float64)
    qty = raw["quantity"].to_numpy(np.float64)
    maker = raw["is_buyer_maker"].astype(bool).to_numpy()
    ts = (raw["transact_time"].to_numpy(np.int64) * 1_000_000)
    gross = price * qty
    gross_threshold = float(np.quantile(gross, 0.99))  # about as many trades as the 1 % portion
    print(f"input: {args.file.name}: {len(raw):,} real trades; gross_value threshold {gross_threshold:,.0f} (the 99th "
          f"percentile), portion {PORTION}; baseline: a pandas re-implementation of py-liquidation-map's "
          f"computation (py-liquidation-map is not on PyPI)")
    for mode, threshold in (("gross_value", gross_threshold), ("portion", PORTION)):
        engine = ours(price, qty, maker, int(ts[-1]), mode, threshold)
        ref = numpy_levels(price, qty, maker, mode, threshold)
        idx = ref["index"]
        for sign in (1, -1):
            sel = ref["side"] == sign
            levels, _ = engine.liquidation_prices(price[idx[sel]], sign)
            diff = float(np.max(np.abs(levels[:, :, 0] / ref["liquidation_price"][sel] - 1.0), initial=0.0))
            if diff > 1e-12:
                raise SystemExit(f"{mode}: per-trade levels differ by {diff:.2e} (relative)")
        selected = int(idx.size)
        base = _timed(lambda m=mode, t=threshold: liqmap_reference(raw, m, t), args.repeats)
        vec = _timed(lambda m=mode, t=threshold: numpy_levels(price, qty, maker, m, t), max(args.repeats, 5))
        mine = _timed(lambda m=mode, t=threshold: ours(price, qty, maker, int(ts[-1]), m, t), max(args.repeats, 5))
        b, v, o = statistics.median(base), statistics.median(vec), statistics.median(mine)
        ratio = b / o
        print(f"{mode:12s} {selected:,} trades selected (per-trade levels identical to 1e-12): re-implementation "
              f"{b * 1e3:9.1f} ms, ours {o * 1e3:7.2f} ms (range {min(mine) * 1e3:.2f}-{max(mine) * 1e3:.2f}): "
              f"{ratio:,.0f}x (target >= {TARGET_RATIO:,.0f}x: {'met' if ratio >= TARGET_RATIO else 'MISSED'}); "
              f"numpy levels alone {v * 1e3:.2f} ms")
    # the per-tick path: every trade through update_trade (gross_value trades mode, quantity and side)
    prices, quantities, makers, times = price.tolist(), qty.tolist(), maker.tolist(), ts.tolist()
    per_tick = []
    null = []
    for _ in range(max(args.repeats, 3)):
        engine = LiquidationMapEngine(_params("gross_value", gross_threshold))
        update = engine.update_trade
        start = time.process_time()
        for p, q, t, m in zip(prices, quantities, times, makers, strict=True):
            update(p, t, q, m)
        per_tick.append(time.process_time() - start)
        start = time.process_time()
        for p, q, t, m in zip(prices, quantities, times, makers, strict=True):
            _noop(p, t, q, m)
        null.append(time.process_time() - start)
    n = len(prices)
    own = (statistics.median(per_tick) - statistics.median(null)) / n * 1e6
    print(f"update_trade: {statistics.median(per_tick) / n * 1e6:.2f} us per trade with the loop, {own:.2f} us "
          f"without it (a no-op call: {statistics.median(null) / n * 1e6:.2f}); target <= {TARGET_TICK_US:g} us: "
          f"{'met' if own <= TARGET_TICK_US else 'MISSED'}")


def _noop(price, ts_ns, quantity, is_buyer_maker):
    return None


if __name__ == "__main__":
    main()
