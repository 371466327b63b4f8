"""``liqheat sweep`` on Ray vs the same cells one after another in one process.

Input: the real embedded OKX SOL-USDT-SWAP sample (catalog built on first use), the ``liquidation_hunt`` backtest
file over its whole span (21,600 one-minute bars, ~2-3 s per run on one core), 8 cells:
``min_strength`` in {0.5, 0.6, 0.7, 0.8} x ``leverage_profile`` in {neutral, aggressive}.

Sequential (the baseline): ``run_sweep`` with ``Executor(in_process=True)``, this process already warm (imports
done and one short backtest run first). Ray: ``run_sweep`` with ``Executor(workers=2)`` on a local Ray with 2 CPUs
started by this script; its two worker processes are warmed first (the same imports and short run), as they are
after the first cells of any sweep. Both write the same per-cell files and ``results.parquet``.

Printed per repeat (each repeat runs both, back to back), as min / median over ``--repeats``, and from the best
time of each side (the least disturbed by other processes; the targets are checked on these):

- speed-up = sequential wall time / Ray wall time for the 8 cells (target >= 1.7 with 2 workers);
- overhead per cell = (Ray wall time x workers - sequential wall time) / cells: the extra time a cell costs on
  Ray, whatever its cause (scheduling, serialisation, the log capture, two runs sharing the machine) (target
  <= 0.5 s);
- Ray's own overhead per cell: time from submission to result in the driver minus the cell's run time in the
  worker (scheduling, serialisation, log capture);
- the one-off costs left out of both: Ray start and worker warm-up;
- how busy the machine was during the sequential runs (``/proc/stat``): above ``1 / cores`` other processes
  were competing for the cores, which caps what 2 workers can gain;
- whether the statistics of every cell are identical (exact equality) between the two.

Run: ``python benchmarks/bench_sweep.py [--repeats N] [--workers N]``. Wall times: the figures depend on what
else the machine runs.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from liqheat_nautilus.paths import config_dir
from liqheat_nautilus.sweep import Executor, load_grid, run_sweep
from liqheat_nautilus.sweep.backtest_cell import STAT_FIELDS, load_base, prepare_catalog, run_cell

GRID = f"""name = "bench_sweep"
base = "{config_dir() / 'liquidation_hunt.toml'}"
[axes.strategy]
min_strength = [0.5, 0.6, 0.7, 0.8]
[axes.actor]
leverage_profile = ["neutral", "aggressive"]
"""
WARM_UP_SPAN = ("2026-06-12", "2026-06-12T06:00")
TARGET_SPEEDUP = 1.7
TARGET_OVERHEAD_S = 0.5


def warm_up_cell() -> float:
    """Import the backtest stack and run six hours of the sample once (loads the numba kernels); seconds."""
    import msgspec

    started = time.perf_counter()
    spec = load_base(config_dir() / "liquidation_hunt.toml")
    spec = msgspec.structs.replace(spec, data=msgspec.structs.replace(spec.data, start=WARM_UP_SPAN[0],
                                                                      end=WARM_UP_SPAN[1]))
    run_cell(msgspec.json.encode(spec), "ERROR")
    return time.perf_counter() - started


class TimedExecutor(Executor):
    """The executor, noting when each task was submitted and when its result came back (driver clock)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight: dict[str, float] = {}
        self.returned: list = []

    def submit(self, fn, *args, key: str, label: str = "") -> str:
        """Submit a task, recording when it was sent."""
        self.in_flight[key] = time.perf_counter()
        return super().submit(fn, *args, key=key, label=label)

    def as_completed(self, timeout=None):
        """Yield results as they complete, recording each one's time in flight."""
        for result in super().as_completed(timeout):
            self.in_flight[result.key] = time.perf_counter() - self.in_flight[result.key]
            self.returned.append(result)
            yield result


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine from /proc/stat (every process, ours and others')."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of the machine's CPU time that was busy between two :func:`cpu_ticks` readings."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else float("nan")


def _stats(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("cell")[["status", *STAT_FIELDS]].sort_index()


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import ray

    with tempfile.TemporaryDirectory(prefix="bench_sweep") as tmp:
        grid_path = Path(tmp) / "grid.toml"
        grid_path.write_text(GRID)
        grid = load_grid(grid_path)
        prepare_catalog(load_base(config_dir() / "liquidation_hunt.toml"))
        warm_up_cell()  # this process: imports, kernels, catalog metadata

        started = time.perf_counter()
        with TimedExecutor(workers=args.workers) as ex:
            assert ex.slots == args.workers
            ray_start = time.perf_counter() - started
            started = time.perf_counter()
            warm = [r for r in ex.map(_warm, [(f"w{i}", "", ()) for i in range(args.workers)])]
            warm_s = time.perf_counter() - started
            pids = {r.pid for r in warm}
            rows = []
            for rep in range(args.repeats):
                started, ticks = time.perf_counter(), cpu_ticks()
                with Executor(in_process=True) as seq_ex:
                    seq = run_sweep(grid, seq_ex, Path(tmp) / f"seq{rep}", progress=False)
                seq_s, seq_busy = time.perf_counter() - started, busy_share(ticks, cpu_ticks())
                ex.returned.clear()
                started = time.perf_counter()
                par = run_sweep(grid, ex, Path(tmp) / f"ray{rep}", progress=False)
                par_s = time.perf_counter() - started
                ray_own = [ex.in_flight[r.key] - r.seconds for r in ex.returned]
                n = len(par.cells)
                identical = _stats(seq.table).equals(_stats(par.table)) and set(par.table["status"]) == {"ok"}
                cell_s = sum(r["seconds"] for r in seq.records.values()) / n
                rows.append({"repeat": rep + 1, "cells": n, "sequential_s": seq_s, "ray_s": par_s,
                             "speedup": seq_s / par_s, "overhead_per_cell_s": (par_s * args.workers - seq_s) / n,
                             "ray_own_overhead_s": statistics.mean(ray_own), "mean_cell_s": cell_s,
                             "machine_busy_seq": seq_busy, "identical": identical,
                             "ray_workers_used": len({r["pid"] for r in par.records.values()})})
        print(f"bench_sweep: {n} backtest cells (liquidation_hunt, whole OKX sample), {args.workers} Ray workers "
              f"vs one process; Ray start {ray_start:.1f} s and worker warm-up {warm_s:.1f} s "
              f"({len(pids)} workers) not counted")
        table = pd.DataFrame(rows)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        speedups, overheads = table["speedup"], table["overhead_per_cell_s"]
        best_seq, best_ray = table["sequential_s"].min(), table["ray_s"].min()
        best_speedup, best_overhead = best_seq / best_ray, (best_ray * args.workers - best_seq) / n
        print(f"speed-up           per repeat: min {speedups.min():.2f}x  median {statistics.median(speedups):.2f}x;"
              f"  best of each ({best_seq:.2f} s / {best_ray:.2f} s): {best_speedup:.2f}x   "
              f"target >= {TARGET_SPEEDUP}x   {'OK' if best_speedup >= TARGET_SPEEDUP else 'MISSED'}")
        print(f"overhead per cell  per repeat: min {overheads.min():.2f} s  "
              f"median {statistics.median(overheads):.2f} s;"
              f"  best of each: {best_overhead:.2f} s   target <= {TARGET_OVERHEAD_S} s   "
              f"{'OK' if best_overhead <= TARGET_OVERHEAD_S else 'MISSED'}")
        print(f"Ray's own overhead per cell (in flight - run time in the worker): median "
              f"{statistics.median(table['ray_own_overhead_s']):.3f} s")
        print(f"machine busy during the sequential runs: {statistics.median(table['machine_busy_seq']):.0%} of its "
              f"CPUs (one process on a quiet {os.cpu_count()}-core machine: ~{1 / (os.cpu_count() or 1):.0%}; more "
              "means other processes were competing)")
        with_start = best_seq / (best_ray + ray_start + warm_s)
        print(f"speed-up with Ray start and warm-up counted (one sweep of these 8 cells): {with_start:.2f}x")
        print(f"results identical to the sequential runs: {'yes' if table['identical'].all() else 'NO'}")
    assert not ray.is_initialized()


def _warm() -> float:
    return warm_up_cell()


if __name__ == "__main__":
    main()
