"""BacktestEngine overhead of the liquidation map: actor + trivial strategy vs an empty strategy, and peak RSS.

Input (``benchmarks/tiling.py``): the real OKX SOL-USDT-SWAP 1-minute bars tiled to at least ``--bars`` bars
(default 500,000) with every other repeat time-reversed (no drift), prices rounded to the 0.01 tick; open interest
hourly (the real readings) or every 15, 5 or 1 minutes (interpolated linearly from them; ``--oi-minutes``,
default 60 and 5); real 8-hourly funding.

Run A: ``LiquidationMapActor`` (default config: 1,000 bins × 8 tiers, hourly publishing) + a trivial strategy
that subscribes to the bars and to the published clusters and counts them. Run B (baseline, same process, same
data): an empty strategy. Times are CPU seconds of this process (``time.process_time``); each run is timed
``--repeats`` times (default 3, interleaved) and the medians are compared (range printed). Targets (issue 16):
A / B <= 1.3 with hourly open interest, <= 1.5 with 5-minute open interest.

Memory (``--rss``, default on): each run once more in a fresh process over the same input (hourly OI), its peak
resident set size (``ru_maxrss``) compared: target A / B <= 1.2.

Run: ``python benchmarks/bench_backtest.py [--bars N] [--oi-minutes 60 5] [--repeats N] [--no-rss]
[--breakdown]``. ``--breakdown`` also times the trivial strategy alone, the actor with the empty strategy, an actor
that receives the same data and does nothing (Nautilus' dispatch floor), the actor with ``publish_data`` a no-op
(what publishing the map's updates costs) and the time spent inside the map's compiled kernels. It prints the floor
the ratio cannot go below without faster kernels or publishing less, and what the target leaves for Python.
"""

import argparse
import contextlib
import json
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal

import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig, LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.identifiers import ClientId, Venue
from nautilus_trader.model.objects import Money
from nautilus_trader.persistence.wranglers import BarDataWrangler
from nautilus_trader.trading.strategy import Strategy
from tiling import tiled

from liqheat_nautilus.actor import LiquidationMapActor, LiquidationMapActorConfig
from liqheat_nautilus.adapters.common.providers import known_perpetual
from liqheat_nautilus.core.kernels import warm_up
from liqheat_nautilus.data import FundingRate, LiquidationCluster, OpenInterest

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
        """Subscribe to the bars and the map's clusters."""
        self.subscribe_bars(BarType.from_str(self.config.bar_type))
        self.subscribe_data(DataType(LiquidationCluster))

    def on_bar(self, bar: Bar) -> None:
        """Count a bar."""
        self.bars += 1

    def on_data(self, data) -> None:
        """Count a published map signal."""
        self.clusters += 1


class EmptyStrategy(Strategy):
    """Does nothing (the baseline)."""


class NullActorConfig(ActorConfig, frozen=True):
    """Config of :class:`NullActor`."""

    bar_type: str = BAR_TYPE


class NullActor(Actor):
    """Receives what the map actor receives (bars, open interest, funding), does nothing: the dispatch floor."""

    def __init__(self, config: NullActorConfig) -> None:
        super().__init__(config)

    def on_start(self) -> None:
        """Subscribe to the bars and the custom data the map actor subscribes to."""
        self.subscribe_bars(BarType.from_str(self.config.bar_type))
        meta = {"instrument_id": INSTRUMENT_ID}
        self.subscribe_data(DataType(OpenInterest, metadata=meta), client_id=ClientId("LIQHEAT"))
        self.subscribe_data(DataType(FundingRate, metadata=meta), client_id=ClientId("LIQHEAT"))


@contextlib.contextmanager
def without_publishing():
    """
    Make the map actor build its updates but publish none of them while the block runs.

    ``LiquidationMapActor.publish_data`` is replaced by a no-op (restored on exit): the difference to a normal run is
    what publishing costs, Nautilus' message bus and the subscribers' handlers (the trivial strategy's ``on_data``).
    """
    LiquidationMapActor.publish_data = lambda self, data_type, data: None
    try:
        yield
    finally:
        del LiquidationMapActor.publish_data


@contextlib.contextmanager
def timed_kernels():
    """
    Time every compiled kernel call of the map while the block runs (seconds summed into the dict yielded).

    Each numba dispatcher a ``liqheat_nautilus.core`` module imported is wrapped by a ``perf_counter`` pair (about
    0.1 us per call added, outside the timed span); restored on exit.
    """
    import numba

    import liqheat_nautilus.core as core_pkg

    spent = {"seconds": 0.0, "calls": 0}
    patched = []
    for module in list(sys.modules.values()):
        if module is None or not getattr(module, "__name__", "").startswith(core_pkg.__name__ + "."):
            continue
        if module.__name__.startswith(core_pkg.__name__ + ".kernels"):
            continue
        for name, value in list(vars(module).items()):
            if isinstance(value, numba.core.registry.CPUDispatcher):
                def timed(*args, _kernel=value):
                    start = time.perf_counter()
                    try:
                        return _kernel(*args)
                    finally:
                        spent["seconds"] += time.perf_counter() - start
                        spent["calls"] += 1
                setattr(module, name, timed)
                patched.append((module, name, value))
    try:
        yield spent
    finally:
        for module, name, value in patched:
            setattr(module, name, value)


def tiled_inputs(min_bars: int, instrument, oi_minutes: int = 60):
    """Bars, OI and funding of :func:`benchmarks.tiling.tiled` as Nautilus data; returns (bars, custom, series)."""
    series = tiled(min_bars, oi_minutes)
    iid = instrument.id
    meta = {"instrument_id": iid.value}
    frame = pd.DataFrame({"open": series.open, "high": series.high, "low": series.low, "close": series.close},
                         index=pd.to_datetime(series.bar_ts, unit="ns", utc=True)).round(2)
    frame["volume"] = series.volume.round(2)
    bar_objs = BarDataWrangler(BarType.from_str(BAR_TYPE), instrument).process(frame)
    custom = []
    oi_type, funding_type = DataType(OpenInterest, metadata=meta), DataType(FundingRate, metadata=meta)
    for ts, value in zip(series.oi_ts.tolist(), series.oi_usd.tolist(), strict=True):
        custom.append(CustomData(oi_type, OpenInterest(instrument_id=iid, venue="OKX", open_interest_usd=value,
                                                       ts_event=ts, ts_init=ts)))
    for ts, rate in zip(series.funding_ts.tolist(), series.funding_rate.tolist(), strict=True):
        custom.append(CustomData(funding_type, FundingRate(instrument_id=iid, rate=rate, interval_hours=8.0,
                                                           next_funding_ns=0, ts_event=ts, ts_init=ts)))
    custom.sort(key=lambda c: c.ts_init)
    return bar_objs, custom, series


def run_once(instrument, bars, custom, with_map: bool, strategy_kind: str = "") -> tuple[float, dict]:
    """Run one backtest over ``bars`` and return its wall time (s) and counts."""
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
        elif strategy_kind == "null-actor":
            engine.add_actor(NullActor(NullActorConfig()))
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


def _rss_child(kind: str, bars: int) -> None:
    """Child process of the RSS comparison: one run, then print its peak RSS (KiB) as JSON."""
    instrument = known_perpetual(INSTRUMENT_ID)
    bar_objs, custom, _ = tiled_inputs(bars, instrument, 60)
    run_once(instrument, bar_objs, custom, with_map=kind == "actor")
    print(json.dumps({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def _rss(kind: str, bars: int) -> int:
    out = subprocess.run([sys.executable, __file__, "--rss-child", kind, "--bars", str(bars)], check=True,
                         capture_output=True, text=True).stdout
    return int(json.loads(out.strip().splitlines()[-1])["maxrss_kib"])


TARGETS = {60: 1.3, 5: 1.5}


def _breakdown_runs(instrument, bars, custom, base: float, full: float) -> dict[str, float]:
    """
    One repeat of ``--breakdown``: each part's added seconds against this repeat's baseline and full run.

    Returns ``strategy`` (the trivial strategy alone), ``actor`` (the actor with the empty strategy), ``null`` (the
    do-nothing actor), ``publishing`` (the full run minus the run with ``publish_data`` a no-op), ``kernels``
    (seconds inside the compiled kernels of a full run) and ``calls`` (kernel calls).
    """
    strategy, _ = run_once(instrument, bars, custom, with_map=False, strategy_kind="trivial")
    actor, _ = run_once(instrument, bars, custom, with_map=True, strategy_kind="empty")
    null, _ = run_once(instrument, bars, custom, with_map=False, strategy_kind="null-actor")
    with without_publishing():
        unpublished, _ = run_once(instrument, bars, custom, with_map=True)
    with timed_kernels() as spent:
        run_once(instrument, bars, custom, with_map=True)
    return {"strategy": strategy - base, "actor": actor - base, "null": null - base,
            "publishing": full - unpublished, "kernels": spent["seconds"], "calls": spent["calls"]}


def _print_breakdown(parts: list[dict[str, float]], n: int, b: float, a: float, target: float | None) -> None:
    """Print the medians of the ``--breakdown`` parts (us/bar), the floor and the target's budget."""
    us = {key: statistics.median(p[key] for p in parts) / n * 1e6 for key in parts[0]}
    calls = us.pop("calls") / 1e6
    print(f"  breakdown (medians of {len(parts)}, each against its own repeat): trivial strategy alone "
          f"+{us['strategy']:.1f} us/bar; actor + empty strategy +{us['actor']:.1f} us/bar; an actor that receives "
          f"the same data and does nothing +{us['null']:.1f} us/bar; publishing the updates (message bus + the "
          f"strategy's handler) {us['publishing']:.1f} us/bar; the map's compiled kernels {us['kernels']:.1f} us/bar "
          f"({calls:.2f} calls/bar)")
    fixed = us["null"] + us["publishing"] + us["kernels"]
    per_bar = b / n * 1e6
    print(f"  floor without Python around the kernels (empty engine + do-nothing actor + publishing + kernels): "
          f"{1 + fixed / per_bar:.2f}x; the rest, {(a - b) / n * 1e6 - fixed:.1f} us/bar, is the actor's and the "
          f"engine's Python")
    if target:
        budget = (target - 1.0) * per_bar
        print(f"  budget of the {target:g}x target: {budget:.1f} us/bar added; dispatch + publishing + kernels take "
              f"{fixed:.1f}, leaving {budget - fixed:.1f} us/bar for all of the actor's Python"
              + (" (below zero: out of reach without publishing less or faster kernels)" if budget < fixed else ""))


def main() -> None:
    """Run the benchmark (see the module docstring) and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=500_000, help="minimum number of bars (default 500,000)")
    parser.add_argument("--oi-minutes", type=int, nargs="+", default=[60, 5],
                        help="open-interest resolutions in minutes (default 60 5)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timings of each run (default 3)")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-RSS comparison")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the trivial strategy alone and the actor with the empty strategy")
    parser.add_argument("--rss-child", choices=("empty", "actor"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        _rss_child(args.rss_child, args.bars)
        return
    instrument = known_perpetual(INSTRUMENT_ID)
    print(f"one-time kernel compile/load (numba, cached on disk after the first run): {warm_up():.2f} s")
    for minutes in args.oi_minutes:
        bars, custom, series = tiled_inputs(args.bars, instrument, minutes)
        n = len(bars)
        print(f"input: {series.describe()}")
        base, with_map, info, parts = [], [], {}, []
        for _ in range(args.repeats):  # interleaved
            base.append(run_once(instrument, bars, custom, with_map=False)[0])
            elapsed, info = run_once(instrument, bars, custom, with_map=True)
            with_map.append(elapsed)
            if args.breakdown:
                parts.append(_breakdown_runs(instrument, bars, custom, base[-1], elapsed))
        b, a = statistics.median(base), statistics.median(with_map)
        ratios = sorted(m / e for m, e in zip(with_map, base, strict=True))
        target = TARGETS.get(minutes)
        verdict = f"target <= {target:g}x: {'met' if a / b <= target else 'MISSED'}" if target else "no target"
        print(f"  baseline (empty strategy):              {b:7.2f} s  {n / b:9,.0f} bars/s  {b / n * 1e6:5.1f} us/bar "
              f"(median of {args.repeats}: {min(base):.2f}-{max(base):.2f})")
        print(f"  LiquidationMapActor + trivial strategy: {a:7.2f} s  {n / a:9,.0f} bars/s  {info}")
        print(f"  {minutes}-minute OI: ratio {a / b:.2f}x (per-repeat {ratios[0]:.2f}-{ratios[-1]:.2f}; {verdict}); "
              f"added cost {(a - b) / n * 1e6:.1f} us/bar")
        if parts:
            _print_breakdown(parts, n, b, a, target)
        del bars, custom
    if not args.no_rss:
        empty, actor = _rss("empty", args.bars), _rss("actor", args.bars)
        print(f"peak RSS ({args.bars:,}+ bars, hourly OI, one fresh process each): empty strategy "
              f"{empty / 1024:.0f} MiB, actor + trivial strategy {actor / 1024:.0f} MiB: ratio {actor / empty:.2f}x "
              f"(target <= 1.2x: "
              f"{'met' if actor / empty <= 1.2 else 'MISSED'})")


if __name__ == "__main__":
    main()
