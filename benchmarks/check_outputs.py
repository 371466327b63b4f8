"""Before/after check of the map's outputs: replay the shipped real sets and record (or compare) every read.

Used to show that a performance change leaves the map's state and reads unchanged. It replays, with the one
replay driver (:class:`~liqheat_nautilus.replay.MapReplay`):

* the embedded OKX SOL-USDT-SWAP catalog (``catalog/build/okx_sol_usdt_swap``, built by ``liqheat backtest``), for
  several configurations, with a read on the first bar after each open-interest reading and at least hourly
  (as ``LiquidationMapActor`` publishes): the clusters (ids, sides, ranges, levels, notional, status), the magnet,
  the cumulative curves, the estimated liquidations, both sides' per-bin notional, units and the ledger;
* the Coinglass BTC 4 h set through ``liqheat evaluate``'s replay (the estimates, magnet and clusters at each
  window end), default configuration.

``--out FILE`` writes the record (JSON). ``--compare FILE`` compares this checkout's record with an earlier one
and prints, per configuration, the largest relative difference of every float read (the tolerance is 1e-9
relative, with an absolute floor of 1e-9 of the largest value of the same read) and every difference of an
integer or a string (cluster ids, sides, statuses, bias). Exit status 1 when a difference exceeds the tolerance.

Run: ``python benchmarks/check_outputs.py --out before.json`` (on the earlier checkout), then
``python benchmarks/check_outputs.py --compare before.json``. Options of the engine can be given
with ``--param NAME=VALUE`` (e.g. ``--param interval_entry_groups=0``).
"""

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from configs import CONFIGS

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.replay import MapReplay


def _okx_series():
    from liqheat_nautilus.paths import default_catalog_dir
    from liqheat_nautilus.persistence.reader import read_market_series

    catalog = default_catalog_dir()
    if not catalog.is_dir():
        sys.exit(f"{catalog} does not exist: run `liqheat backtest` once to build it")
    return read_market_series(catalog, "SOL-USDT-SWAP.OKX", "1-MINUTE-LAST")


def record_okx(params: MapParams) -> dict:
    """Replay the OKX catalog and record every read at the actor's publishing times."""
    reads: list[dict] = []

    def snapshot(replay: MapReplay, ts_ns: int, index: int) -> None:
        engine = replay.engine
        clusters, magnet = engine.update_clusters_and_magnet()
        long_cum, short_cum = engine.cumulative_curves()
        swept = engine.take_swept()
        engine.record_history()
        reads.append({
            "ts": ts_ns, "price": engine.price,
            "clusters": [[c.cluster_id, str(c.side), c.price_level, c.price_low, c.price_high, c.leverage_tier,
                          c.notional_usd, c.liquidation_count, c.strength, c.distance_pct, str(c.status),
                          c.first_seen, c.last_seen] for c in clusters],
            "magnet": [magnet.up, magnet.down, str(magnet.bias)],
            "curves": [float(long_cum.sum()), float(short_cum.sum()), float(long_cum.max(initial=0.0)),
                       float(short_cum.max(initial=0.0))],
            "swept": list(swept),
            "units": list(engine.side_units()),
            "active": engine.active_usd(), "outside": engine.outside_usd(),
        })

    replay = MapReplay(_okx_series(), params, snapshot, snapshot_interval_ns=NS_PER_HOUR)
    replay.advance_to()
    engine = replay.engine
    ledger = engine.ledger
    return {
        "reads": reads,
        "final": {
            "long_usd": engine.long_usd().tolist(), "short_usd": engine.short_usd().tolist(),
            "status": [s.tolist() for s in engine.bin_status()], "base": engine.grid.base,
            "ledger": [ledger.opened, ledger.swept, ledger.closed, ledger.decayed],
        },
    }


def record_coinglass(params: MapParams) -> dict:
    """``liqheat evaluate``'s replay of the Coinglass set (default windows)."""
    from liqheat_nautilus.evaluation.coinglass import read_coinglass_dir
    from liqheat_nautilus.evaluation.replay import replay

    r = replay(read_coinglass_dir(), params)
    return {name: np.asarray(getattr(r, name)).tolist() for name in (
        "price", "est_long_usd", "est_short_usd", "magnet_up", "magnet_down", "bias", "cluster_snapshot",
        "cluster_side", "cluster_level", "cluster_notional_usd", "cluster_distance_pct", "active_usd")}


def _parse(extra: list[str]) -> dict:
    out = {}
    for item in extra:
        name, _, value = item.partition("=")
        try:
            out[name] = json.loads(value)
        except json.JSONDecodeError:
            out[name] = value
    return out


class _Diff:
    """Largest relative difference per read path, and mismatches of exact fields."""

    def __init__(self) -> None:
        self.rel: dict[str, float] = {}
        self.exact: list[str] = []

    def walk(self, path: str, a, b) -> None:
        key = _key(path)
        if isinstance(a, dict):
            for k in a:
                if k not in b:
                    self.exact.append(f"{path}.{k}: missing")
                else:
                    self.walk(f"{path}.{k}", a[k], b[k])
            return
        if isinstance(a, list):
            if not isinstance(b, list) or len(a) != len(b):
                self.exact.append(f"{path}: length {len(a)} != {len(b) if isinstance(b, list) else b!r}")
                return
            if a and all(isinstance(x, float) for x in a) and all(isinstance(x, int | float) for x in b):
                x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
                finite = np.isfinite(x) & np.isfinite(y)
                if np.any(np.isfinite(x) != np.isfinite(y)):
                    self.exact.append(f"{path}: finiteness differs")
                scale = max(float(np.max(np.abs(x[finite]), initial=0.0)), 1e-300)
                d = np.abs(x[finite] - y[finite]) / np.maximum(np.abs(x[finite]), 1e-9 * scale)
                self.rel[key] = max(self.rel.get(key, 0.0), float(np.max(d, initial=0.0)))
                return
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                self.walk(f"{path}[{i}]", x, y)
            return
        if isinstance(a, float) and isinstance(b, int | float):
            if math.isnan(a) and math.isnan(b):
                return
            d = abs(a - b) / abs(a) if a != 0.0 else abs(b)
            self.rel[key] = max(self.rel.get(key, 0.0), d)
            return
        if a != b:
            self.exact.append(f"{path}: {a!r} != {b!r}")


def _key(path: str) -> str:
    """Drop a read name's indices (``okx.default.reads[3].clusters[1][6]`` -> ``okx.default.reads.clusters``)."""
    parts = []
    for part in path.split("."):
        parts.append(part.split("[")[0])
    return ".".join(parts)


def main() -> None:
    """Record the engine's outputs and compare them with an earlier record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the record here (JSON)")
    parser.add_argument("--compare", type=Path, help="compare with this earlier record")
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), help="configurations (default: all)")
    parser.add_argument("--param", action="append", default=[], help="extra MapParams field NAME=VALUE (all runs)")
    parser.add_argument("--tolerance", type=float, default=1e-9, help="relative tolerance (default 1e-9)")
    args = parser.parse_args()
    extra = _parse(args.param)
    record: dict = {"okx": {}, "coinglass": {}}
    for name in args.configs:
        kw = {**CONFIGS[name], **extra}
        record["okx"][name] = record_okx(MapParams(**kw))
        print(f"okx {name}: {len(record['okx'][name]['reads'])} reads", flush=True)
    record["coinglass"]["default"] = record_coinglass(MapParams(**extra))
    print("coinglass default: replayed", flush=True)
    if args.out:
        args.out.write_text(json.dumps(record))
        print(f"wrote {args.out}")
    if args.compare:
        before = json.loads(args.compare.read_text())
        diff = _Diff()
        for group in ("okx", "coinglass"):
            for name, rec in record[group].items():
                if name in before.get(group, {}):
                    diff.walk(f"{group}.{name}", before[group][name], rec)
        worst = max(diff.rel.values(), default=0.0)
        for key, value in sorted(diff.rel.items()):
            if value > 0.0:
                print(f"  {key}: max relative difference {value:.3g}")
        for line in diff.exact[:40]:
            print(f"  EXACT {line}")
        if len(diff.exact) > 40:
            print(f"  ... {len(diff.exact) - 40} more exact differences")
        ok = worst <= args.tolerance and not diff.exact
        print(f"compared with {args.compare}: largest relative difference {worst:.3g} (tolerance "
              f"{args.tolerance:g}), {len(diff.exact)} exact differences -> {'SAME' if ok else 'DIFFERENT'}")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
