"""Per-bar cost and memory of the liquidation-map engine against a minimal compiled loop, at any OI resolution.

Input (``benchmarks/tiling.py``): the real OKX SOL-USDT-SWAP 1-minute bars tiled to ``--bars`` (default 432,000)
with every other repeat time-reversed (no drift), hourly real open interest, or readings every 15, 5 or 1 minutes
interpolated linearly from them (``--oi-minutes``), real funding and taker volume. Grid 1,000 bins × 8 tiers.

Each configuration is fed bar by bar from a Python loop, with the reads issue 16 counts after every open-interest
reading: ``engine.read()`` (clusters with ids, magnet), ``cumulative_curves()``, ``record_history()`` and
``take_swept()``. That is more than ``LiquidationMapActor`` reads on an update (``read()``, ``take_swept()`` and,
with ``history_capacity > 0``, ``record_history()``; the curves are read by the charts and ``liqheat serve`` when
drawn), so the figures are an upper bound of the actor's engine work. Two baselines are measured in the same run:

* the Python loop alone calling no-op methods (the feeding cost, subtracted: "engine µs/bar" is the engine's own);
* a minimal compiled loop (one ``numba.njit`` function over the same arrays) doing the same per-bar, per-reading
  and read work with the engine's own kernels and nothing else: record each bar, settle the sweeps, decay, build
  the interval's entries, open each side to its share of open interest, read clusters (ids), magnet, curves and the
  history row. "× minimal" is the engine's own cost over the minimal loop's.

Targets (issue 16): <= 2 µs/bar with hourly OI and <= 5 µs/bar with 5-minute OI (default configuration, reads
included), and <= 3× the minimal compiled loop. Times are CPU seconds of this process (``time.process_time``),
each the median of ``--repeats`` interleaved runs (range printed). The engine's arrays must not grow over
``--memory-bars`` bars (default 2,000,000).

Run: ``python benchmarks/bench_engine.py [--bars N] [--oi-minutes 60 15 5 1] [--repeats 3]``.
"""

import argparse
import math
import statistics
import time
import tracemalloc

import numba
import numpy as np
from configs import CONFIGS as SHARED_CONFIGS
from tiling import Series, tiled

from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.core.kernels import (
    interval_entries,
    open_cohort,
    read_curves,
    read_totals,
    scale_sides,
    sweep_down,
    sweep_up,
    track_clusters,
    warm_up,
)
from liqheat_nautilus.core.kernels.anchor import widen_span
from liqheat_nautilus.core.models import LevelModel

N_BINS = 1000
HISTORY = 168
CONFIGS: dict[str, dict] = {  # printed label -> overrides (the first six of benchmarks/configs.py)
    label: SHARED_CONFIGS[name] for label, name in (
        ("default (funding_adjusted; 4 sizes)", "default"),
        ("isolated_mmr", "isolated_mmr"),
        ("ensemble (3 models)", "ensemble"),
        ("funding_adjusted + dynamic + newest_first", "funding_adjusted+dynamic+newest_first"),
        ("hot_zones + per-tier half-lives", "hot_zones+tier_half_lives"),
        ("oi_spikes + taker skew", "oi_spikes+taker_skew"),
    )
}
TARGET_US = {60: 2.0, 5: 5.0}
TARGET_MINIMAL = 3.0


class _Null:
    """Baseline: the same calls, doing nothing."""

    def update_bar(self, high, low, close, volume, ts_ns):
        return None

    def update_open_interest(self, oi_usd, ts_ns):
        return 0.0

    def update_funding(self, rate, ts_ns):
        return None

    def update_taker_volume(self, buy, sell, ts_ns):
        return None

    def reads(self):
        return None


class _Engine(LiquidationMapEngine):
    def reads(self):
        self.read()  # clusters with ids, magnet: what LiquidationMapActor reads on each update, with take_swept
        self.cumulative_curves()
        self.record_history()
        self.take_swept()


def run(target, s: Series) -> float:
    """Feed everything in time order (reads after each OI reading); return this process's CPU seconds."""
    oi_ts, oi, f_ts, f = s.oi_ts.tolist(), s.oi_usd.tolist(), s.funding_ts.tolist(), s.funding_rate.tolist()
    t_ts, tb, tsell = s.taker_ts.tolist(), s.taker_buy.tolist(), s.taker_sell.tolist()
    n_oi, n_f, n_t = len(oi_ts), len(f_ts), len(t_ts)
    j = k = m = 0
    next_oi, next_f, next_t = oi_ts[0], f_ts[0], t_ts[0]
    update_bar = target.update_bar
    cols = (s.high.tolist(), s.low.tolist(), s.close.tolist(), s.volume.tolist(), s.bar_ts.tolist())
    start = time.process_time()
    for high, low, close, volume, ts in zip(*cols, strict=True):
        update_bar(high, low, close, volume, ts)
        if ts >= next_t:
            while m < n_t and t_ts[m] <= ts:
                target.update_taker_volume(tb[m], tsell[m], t_ts[m])
                m += 1
            next_t = t_ts[m] if m < n_t else 1 << 62
        if ts >= next_f:
            while k < n_f and f_ts[k] <= ts:
                target.update_funding(f[k], f_ts[k])
                k += 1
            next_f = f_ts[k] if k < n_f else 1 << 62
        if ts >= next_oi:
            while j < n_oi and oi_ts[j] <= ts:
                target.update_open_interest(oi[j], oi_ts[j])
                j += 1
            next_oi = oi_ts[j] if j < n_oi else 1 << 62
            target.reads()
    return time.process_time() - start


@numba.njit(cache=False, nogil=True)  # no disk cache: numba would keep it compiled against older library kernels
def _minimal_loop(high, low, close, volume, bar_ts, oi_ts, oi_usd, long_f, short_f, size_w, tier_w, tiers,
                  half_life, width, n_bins, n_groups, max_runs, quantile, history):  # pragma: no cover - compiled
    """Return the engine's per-bar, per-reading and read work in one compiled loop (default configuration's shapes)."""
    n_tiers = tier_w.size
    base = np.int64(math.floor(close[0] / width)) - n_bins // 2
    usd = (np.zeros((n_bins, n_tiers)), np.zeros((n_bins, n_tiers)))
    status = (np.zeros(n_bins, dtype=np.int8), np.zeros(n_bins, dtype=np.int8))
    share = (np.zeros(n_bins), np.zeros(n_bins))
    units = (np.zeros(n_tiers), np.zeros(n_tiers))
    outside = (np.zeros(n_tiers), np.zeros(n_tiers))
    edge = np.array([-1, -1])
    no_layers = np.zeros((0, n_bins, n_tiers))
    unit_w = (long_f[0].sum(axis=1) / long_f.shape[2], short_f[0].sum(axis=1) / short_f.shape[2])
    rows = np.empty((8192, 4))
    n_rows = 0
    pend_lo, pend_hi = np.inf, -np.inf
    low_since, high_since = np.inf, -np.inf
    tot_l, tot_s = np.zeros(n_bins), np.zeros(n_bins)
    cum_l, cum_s = np.zeros(n_bins), np.zeros(n_bins)
    prev_int = np.zeros((2 * max_runs, 5), dtype=np.int64)
    prev_low, prev_high = np.zeros(2 * max_runs), np.zeros(2 * max_runs)
    n_prev, next_id = 0, 1
    before = np.zeros(n_tiers)
    spans = np.zeros((2, 2), dtype=np.int64)  # the engine's occupied-bin spans, kept the same way
    spans[:, 0] = n_bins
    spans[:, 1] = -1
    j = 0
    last_oi_ns = -1
    vol_rate = np.nan
    interval_vol = 0.0
    checksum = 0.0
    for i in range(high.size):
        h, lo_, c, v = high[i], low[i], close[i], volume[i]
        if n_rows < 8192:
            rows[n_rows, 0] = (h + lo_ + c) / 3.0
            rows[n_rows, 1] = lo_
            rows[n_rows, 2] = h
            rows[n_rows, 3] = v
            n_rows += 1
        interval_vol += v
        pend_lo = min(pend_lo, lo_)
        pend_hi = max(pend_hi, h)
        low_since = min(low_since, lo_)
        high_since = max(high_since, h)
        while j < oi_ts.size and oi_ts[j] <= bar_ts[i]:
            # settle the deferred sweeps
            for side in range(2):
                k = edge[side]
                if k < 0:
                    continue
                out = np.zeros(n_tiers)
                if side == 0 and pend_lo < (base + k + 1) * width:
                    jj = np.int64(math.floor(pend_lo / width)) - base
                    edge[0] = sweep_down(usd[0], no_layers, status[0], share[0], k, jj,
                                         ((base + jj) * width + width - pend_lo) / width, unit_w[0], False,
                                         base, width, out)[1]
                elif side == 1 and pend_hi > (base + k) * width:
                    jj = np.int64(math.floor(pend_hi / width)) - base
                    edge[1] = sweep_up(usd[1], no_layers, status[1], share[1], k, jj,
                                       (pend_hi - (base + jj) * width) / width, unit_w[1], False, base, width, out)[1]
                for t in range(n_tiers):
                    units[side][t] = max(units[side][t] - out[t], 0.0)
            pend_lo, pend_hi = np.inf, -np.inf
            # decay by holding time (volume clock)
            if last_oi_ns >= 0:
                hours = (oi_ts[j] - last_oi_ns) / 3.6e12
                if vol_rate > 0.0 and interval_vol > 0.0:
                    tau = interval_vol / vol_rate
                    vol_rate += min(hours / 336.0, 1.0) * (interval_vol / hours - vol_rate)
                else:
                    tau = hours
                    if interval_vol > 0.0 and hours > 0.0:
                        vol_rate = interval_vol / hours
                factor = np.full(n_tiers, 2.0 ** (-tau / half_life))
                scale_sides(usd[0], no_layers, outside[0], units[0], usd[1], no_layers, outside[1], units[1], factor,
                            before, spans)
            last_oi_ns = oi_ts[j]
            interval_vol = 0.0
            # open each side to its share of open interest at the interval's entries
            target = 0.5 * oi_usd[j] / c
            if n_rows == 0:
                rows[0, 0], rows[0, 1], rows[0, 2], rows[0, 3] = c, c, c, 1.0
                n_rows = 1
            entries, weights, lowest, highest = interval_entries(rows[:n_rows], np.zeros(0), n_groups, c)
            for side in range(2):
                gap = target - units[side].sum()
                if gap > 0.0:
                    _, _, k_min, k_max = open_cohort(
                        entries, long_f if side == 0 else short_f, True, weights, tier_w, size_w, gap, base * width,
                        width, base, usd[side], no_layers, -1, -1, -1, status[side], share[side],
                        lowest if side == 0 else highest, 1 if side == 0 else -1, False, units[side], outside[side])
                    if k_max >= 0:
                        widen_span(spans, edge, side, k_min, k_max)
                elif gap < 0.0:
                    keep = 1.0 - min(-gap / units[side].sum(), 1.0)
                    usd[side][:] *= keep
                    outside[side][:] *= keep
                    units[side][:] *= keep
            n_rows = 0
            j += 1
            if edge[0] >= 0:
                spans[0, 1] = min(spans[0, 1], edge[0])
            if edge[1] >= 0:
                spans[1, 0] = max(spans[1, 0], edge[1])
            # the reads: clusters (ids), magnet, curves, history row
            runs, n_long, up, down = read_totals(usd[0], usd[1], status[0], status[1], tiers, base, width, 0,
                                                 quantile, 2.0, 1, max_runs, c, tot_l, tot_s, spans)
            ints, floats, cleared, next_id = track_clusters(runs, n_long, base, width, prev_int, prev_low,
                                                            prev_high, n_prev, width, next_id, bar_ts[i], low_since,
                                                            high_since)
            n_prev = ints.shape[0]
            low_since, high_since = np.inf, -np.inf
            read_curves(tot_l, tot_s, np.int64(math.floor(c / width)) - base, cum_l, cum_s)
            row = j % history.shape[0]
            history[row, 0, :] = tot_l
            history[row, 1, :] = tot_s
            checksum += up + down + floats[:, 0].sum()
    return checksum


def minimal(s: Series, params: MapParams) -> float:
    """CPU seconds of the minimal compiled loop over ``s`` (default configuration's level model)."""
    tiers = np.asarray(params.leverage_points())
    model = LevelModel(params, tiers)
    (long_f, size_w), (short_f, _) = model.per_unit[1], model.per_unit[-1]
    from liqheat_nautilus.core.leverage import leverage_weights

    tier_w = leverage_weights(params.leverage_profile, tuple(tiers))
    width = float(s.close[0]) * params.bin_bps / 1e4
    history = np.zeros((HISTORY, 2, N_BINS))
    args = (s.high, s.low, s.close, s.volume, s.bar_ts, s.oi_ts, s.oi_usd, long_f, short_f, size_w, tier_w, tiers,
            params.half_life_hours, width, N_BINS, params.interval_entry_groups, params.max_clusters_per_side,
            params.cluster_quantile, history)
    start = time.process_time()
    _minimal_loop(*args)
    return time.process_time() - start


def _median(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def main() -> None:
    """Run the benchmark (see the module docstring) and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=432_000, help="bars (default 432,000: 20 repeats)")
    parser.add_argument("--oi-minutes", type=int, nargs="+", default=[60, 15, 5, 1],
                        help="open-interest resolutions (minutes; default 60 15 5 1)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timings per run (default 3; medians)")
    parser.add_argument("--all-configs-at", type=int, nargs="*", default=[60, 5],
                        help="resolutions at which every configuration runs (others: the default only)")
    parser.add_argument("--memory-bars", type=int, default=2_000_000, help="bars of the memory check (0: skip)")
    args = parser.parse_args()
    print(f"one-time kernel compile/load (numba, cached on disk after the first run): {warm_up():.2f} s")
    default = MapParams(n_bins=N_BINS, history_capacity=HISTORY)
    minimal(tiled(60_000), default)  # compile the minimal loop outside the timings
    print(f"{'OI':>4s} {'configuration':44s} {'engine us/bar (range)':>24s} {'minimal us/bar':>15s} "
          f"{'x minimal':>9s}  target")
    worst = []
    for minutes in args.oi_minutes:
        s = tiled(args.bars, minutes)
        n = s.bar_ts.size
        print(f"-- {s.describe()}")
        configs = CONFIGS if minutes in args.all_configs_at else dict(list(CONFIGS.items())[:1])
        nulls, mins, times = [], [], {name: [] for name in configs}
        for _ in range(args.repeats):
            nulls.append(run(_Null(), s))
            mins.append(minimal(s, default))
            for name, kw in configs.items():
                times[name].append(run(_Engine(MapParams(n_bins=N_BINS, history_capacity=HISTORY, **kw)), s))
        null, _, _ = _median(nulls)
        t_min, _, _ = _median(mins)
        for name, values in times.items():
            own = [(v - null) / n * 1e6 for v in values]
            med, lo, hi = _median(own)
            ratio = med / (t_min / n * 1e6)
            target = TARGET_US.get(minutes)
            goal = (f"<= {target:g} us and " if target and name == next(iter(CONFIGS)) else "") + \
                f"<= {TARGET_MINIMAL:g}x minimal"
            ok = ratio <= TARGET_MINIMAL and (not target or name != next(iter(CONFIGS)) or med <= target)
            print(f"{minutes:3d}m {name:44s} {med:8.2f} ({lo:5.2f}-{hi:5.2f}) {t_min / n * 1e6:15.2f} "
                  f"{ratio:9.2f}  {goal}: {'met' if ok else 'MISSED'}")
            worst.append((ok, minutes, name))
        print(f"     (feeding loop alone: {null / n * 1e6:.2f} us/bar, subtracted)")
    missed = [f"{m}m {name}" for ok, m, name in worst if not ok]
    print(f"targets: {'all met' if not missed else 'missed by ' + ', '.join(missed)}")
    if args.memory_bars:
        _memory(args.memory_bars)


def _memory(n_bars: int) -> None:
    """Measure the engine's arrays and Python heap before and after ``n_bars`` bars (5-minute OI, newest-first)."""
    s = tiled(n_bars, 5)
    engine = _Engine(MapParams(n_bins=N_BINS, history_capacity=HISTORY, close_mode="newest_first",
                               model="funding_adjusted"))
    engine.update_bar(float(s.high[0]), float(s.low[0]), float(s.close[0]), float(s.volume[0]), int(s.bar_ts[0]))
    before = engine.memory_bytes()
    half = s.bar_ts.size // 2
    first = Series(**{k: (v[:half] if isinstance(v, np.ndarray) and v.size == s.bar_ts.size else v)
                      for k, v in s.__dict__.items()})
    rest = Series(**{k: (v[half:] if isinstance(v, np.ndarray) and v.size == s.bar_ts.size else v)
                     for k, v in s.__dict__.items()})
    rest.oi_ts, rest.oi_usd = s.oi_ts[s.oi_ts > s.bar_ts[half - 1]], s.oi_usd[s.oi_ts > s.bar_ts[half - 1]]
    rest.funding_ts, rest.funding_rate = (s.funding_ts[s.funding_ts > s.bar_ts[half - 1]],
                                          s.funding_rate[s.funding_ts > s.bar_ts[half - 1]])
    rest.taker_ts, rest.taker_buy, rest.taker_sell = (s.taker_ts[s.taker_ts > s.bar_ts[half - 1]],
                                                      s.taker_buy[s.taker_ts > s.bar_ts[half - 1]],
                                                      s.taker_sell[s.taker_ts > s.bar_ts[half - 1]])
    tracemalloc.start()  # after building both halves' inputs: only what the engine holds on to is traced
    run(engine, first)
    heap_half = tracemalloc.get_traced_memory()[0]
    run(engine, rest)
    heap_all = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    after = engine.memory_bytes()
    verdict = "met" if after == before else "MISSED"
    print(f"memory ({n_bars:,} bars, 5-minute OI, funding_adjusted + newest_first, ring buffer of {HISTORY}): engine "
          f"arrays {before:,} bytes before, {after:,} after (target: unchanged: {verdict}); interval bars held "
          f"{len(engine.bars)}; Python heap traced after {half:,} bars "
          f"{heap_half / 1e6:.2f} MB, after {s.bar_ts.size:,} {heap_all / 1e6:.2f} MB")
    if after != before:
        raise SystemExit("engine memory grew")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
