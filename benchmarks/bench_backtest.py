"""BacktestEngine overhead of the liquidation map: actor + trivial strategy vs an empty strategy.

Input: the real OKX SOL-USDT-SWAP 1-minute bars (21,600 rows), hourly open interest and 8-hourly funding in
``catalog/okx_sol_usdt_swap_2026-06/``, tiled until there are at least ``--bars`` bars (default 500,000): each
repetition is scaled to start at the previous repetition's last close (and last OI), prices rounded to the
0.01 tick, timestamps continue. The output says how many times it was tiled.

Run A: ``LiquidationMapActor`` (default config: 1,000 bins × 8 tiers, hourly publishing) + a trivial strategy
that subscribes to the bars and to the published clusters and counts them. Run B (baseline, same process, same
data): an empty strategy. Both runs replay the same bars, open interest and funding. Times are CPU seconds
of this process (``time.process_time``). Target: A / B <= 1.5.

Each run is timed ``--repeats`` times (default 2, interleaved) and the best time of each is compared.

Run: ``PYTHONPATH=. python benchmarks/bench_backtest.py [--bars N] [--repeats N] [--breakdown]``.
"""

import argparse
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.identifiers import ClientId, Venue
from nautilus_trader.model.objects import Money
from nautilus_trader.persistence.wranglers import BarDataWrangler
from nautilus_trader.trading.strategy import Strategy

from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
from liqheat_nautilus.adapters.common.providers import known_perpetual
from liqheat_nautilus.core.kernels import warm_up
from liqheat_nautilus.core.units import NS_PER_MS
from liqheat_nautilus.data import FundingRate, LiquidationCluster, OpenInterest

SAMPLE = Path(__file__).resolve().parents[1] / "catalog" / "okx_sol_usdt_swap_2026-06"
INSTRUMENT_ID = "SOL-USDT-SWAP.OKX"
BAR_TYPE = "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"


class TrivialConfig(StrategyConfig, frozen=True):
    """Config of :class:`TrivialStrategy`."""

    bar_type: str = BAR_TYPE


class TrivialStrategy(Strategy):
    """Subscribes to the bars and the published clusters and counts them (no orders)."""

    def __init__(self, config: TrivialConfig) -> None:
        super().__init__(config)
        self.bars = 0
        self.clusters = 0

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str(self.config.bar_type))
        self.subscribe_data(DataType(LiquidationCluster))

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1

    def on_data(self, data) -> None:
        self.clusters += 1


class EmptyStrategy(Strategy):
    """Does nothing (the baseline)."""


def tiled_inputs(min_bars: int, instrument):
    """Real OKX bars, OI and funding tiled to at least ``min_bars`` bars; returns (bars, custom data, tiles)."""
    bars = pd.read_csv(SAMPLE / "ohlcv_1m.csv")
    oi = pd.read_csv(SAMPLE / "open_interest.csv")
    funding = pd.read_csv(SAMPLE / "funding_rate.csv")
    tiles = -(-min_bars // len(bars))
    span_ms = int(bars["ts"].iloc[-1] - bars["ts"].iloc[0]) + 60_000
    frames, custom = [], []
    scale, oi_scale = 1.0, 1.0
    iid = instrument.id
    meta = {"instrument_id": iid.value}
    for rep in range(tiles):
        shift = rep * span_ms
        frame = (bars[["open", "high", "low", "close"]] * scale).round(2)
        frame["volume"] = bars["volume"].round(2)
        # OKX stamps a bar at its open; Nautilus bars are stamped at their close
        frame.index = pd.to_datetime(bars["ts"] + shift + 60_000, unit="ms", utc=True)
        frames.append(frame)
        for t, v in zip(oi["ts"], oi["oi_value"], strict=True):
            ts = int(t + shift) * NS_PER_MS
            obj = OpenInterest(instrument_id=iid, venue="OKX", open_interest_usd=float(v) * oi_scale * scale,
                               ts_event=ts, ts_init=ts)
            custom.append(CustomData(DataType(OpenInterest, metadata=meta), obj))
        for t, r in zip(funding["ts"], funding["fundingRate"], strict=True):
            ts = int(t + shift) * NS_PER_MS
            obj = FundingRate(instrument_id=iid, rate=float(r), interval_hours=8.0, next_funding_ns=0,
                              ts_event=ts, ts_init=ts)
            custom.append(CustomData(DataType(FundingRate, metadata=meta), obj))
        scale *= float(bars["close"].iloc[-1] / bars["open"].iloc[0])
        oi_scale *= float(oi["oi_value"].iloc[-1] / oi["oi_value"].iloc[0])
    df = pd.concat(frames)
    bar_objs = BarDataWrangler(BarType.from_str(BAR_TYPE), instrument).process(df)
    custom.sort(key=lambda c: c.ts_init)
    return bar_objs, custom, tiles


def run_once(instrument, bars, custom, with_map: bool, strategy_kind: str = "") -> tuple[float, dict]:
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    try:
        engine.add_venue(Venue("OKX"), oms_type=OmsType.NETTING, account_type=AccountType.MARGIN,
                         starting_balances=[Money(1_000_000, USDT)], base_currency=None,
                         default_leverage=Decimal(10))
        engine.add_instrument(instrument)
        engine.add_data(bars)
        engine.add_data(custom, client_id=ClientId("LIQHEAT"))
        info: dict = {}
        strategy_kind = strategy_kind or ("trivial" if with_map else "empty")
        if with_map:
            actor = LiquidationMapActor(LiquidationMapActorConfig(
                instrument_id=instrument.id, bar_type=BarType.from_str(BAR_TYPE)))
            engine.add_actor(actor)
        strategy = TrivialStrategy(TrivialConfig()) if strategy_kind == "trivial" else EmptyStrategy()
        engine.add_strategy(strategy)
        start = time.process_time()
        engine.run()
        elapsed = time.process_time() - start
        if with_map and strategy_kind == "trivial":
            info = {"bars seen by strategy": strategy.bars, "clusters received": strategy.clusters,
                    "clusters published": actor.clusters_published,
                    "snapshots published": actor.snapshots_published}
        return elapsed, info
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=500_000, help="minimum number of bars (default 500,000)")
    parser.add_argument("--repeats", type=int, default=2, help="best of N timings of each run (default 2)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the trivial strategy alone and the actor with the empty strategy")
    args = parser.parse_args()
    instrument = known_perpetual(INSTRUMENT_ID)
    bars, custom, tiles = tiled_inputs(args.bars, instrument)
    n = len(bars)
    print(f"input: real OKX SOL-USDT-SWAP 1-minute bars, 21,600 rows tiled {tiles}x (scaled to continue price, "
          f"OI and time) -> {n:,} bars, {len(custom):,} OI/funding records")
    print(f"one-time kernel compile/load (numba, cached on disk after the first run): {warm_up():.2f} s")
    base, with_map, info = float("inf"), float("inf"), {}
    for _ in range(args.repeats):  # interleaved, best of N for each (the usual guard against machine noise)
        base = min(base, run_once(instrument, bars, custom, with_map=False)[0])
        elapsed, info = run_once(instrument, bars, custom, with_map=True)
        with_map = min(with_map, elapsed)
    print(f"baseline (empty strategy):              {base:7.2f} s  {n / base:9,.0f} bars/s  (best of {args.repeats})")
    print(f"LiquidationMapActor + trivial strategy: {with_map:7.2f} s  {n / with_map:9,.0f} bars/s  {info}")
    ratio = with_map / base
    print(f"ratio: {ratio:.2f}x (target <= 1.5x: {'met' if ratio <= 1.5 else 'MISSED'}); "
          f"added cost {(with_map - base) / n * 1e6:.1f} us/bar")
    if args.breakdown:
        strat_only, _ = run_once(instrument, bars, custom, with_map=False, strategy_kind="trivial")
        actor_only, _ = run_once(instrument, bars, custom, with_map=True, strategy_kind="empty")
        print(f"breakdown: trivial strategy alone {strat_only:.2f} s (+{(strat_only - base) / n * 1e6:.1f} us/bar); "
              f"actor + empty strategy {actor_only:.2f} s (+{(actor_only - base) / n * 1e6:.1f} us/bar, "
              f"ratio {actor_only / base:.2f}x)")


if __name__ == "__main__":
    main()
