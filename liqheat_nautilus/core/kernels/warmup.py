"""One-time compilation (or cache load) of every kernel, before the data stream starts."""

import time

import numpy as np

from liqheat_nautilus.core.kernels._base import METHOD_QUANTILE
from liqheat_nautilus.core.kernels.bars import bar_run
from liqheat_nautilus.core.kernels.funding import shift_side
from liqheat_nautilus.core.kernels.reads import magnet_sums, read_map
from liqheat_nautilus.core.kernels.scatter import scatter_cohort
from liqheat_nautilus.core.kernels.select import largest_per_side
from liqheat_nautilus.core.kernels.sweeps import side_units, sweep_down, sweep_up


def warm_up() -> float:
    """
    Compile (or load from numba's on-disk cache) every kernel by calling it once on a tiny synthetic map.

    The first call of a kernel in a process otherwise pays this cost (seconds on a fresh install, about 0.2 s
    from the cache) in the middle of the data stream; ``LiquidationMapActor.on_start`` calls this.

    Returns
    -------
    float
        Seconds spent (wall clock).
    """
    start = time.perf_counter()
    usd = np.zeros((4, 2))
    layers = np.zeros((0, 4, 2))
    status = np.zeros(4, dtype=np.int8)
    share = np.zeros(4)
    one = np.ones(1)
    units = np.zeros(2)
    for levels in (np.full((1, 2, 1), 1.5), np.full((1, 2, 1), 1.5)[:, :, ::-1]):  # contiguous, and a view
        for weights in (np.ones((1, 1)), np.full((1, 2), 1.0)):
            for side, at in ((1, 0.0), (-1, np.inf)):
                scatter_cohort(one, levels, True, weights, np.full(2, 0.5), one, 1.0, 0.0, 1.0, 0, usd, layers, -1,
                               status, share, np.full(1, at), side, False, units, units)
    read_map(usd, usd, status, status, np.ones(2), 0, 1.0, METHOD_QUANTILE, 0.9, 2.0, 1, 8, 2.0)
    magnet_sums(usd, usd, 0, 1.0, 2.0)
    side_units(usd, np.ones(2), False, 0, 1.0)
    shift_side(usd, status, share, np.full(2, 0.5), units, np.zeros(2, dtype=np.int64))
    sweep_down(usd, layers, status, share, 1, 1, 0.5, np.ones(2), False, 0, 1.0, units)
    sweep_up(usd, layers, status, share, 1, 1, 0.5, np.ones(2), False, 0, 1.0, units)
    largest_per_side(np.array([1.0, 3.0, 2.0]), np.array([False, True, False]), 1, 1)
    bar_run(one, one, one, one, np.ones(1, dtype=np.int64), 0, 0, 0.0, 2.0, np.empty((1, 4)))
    return time.perf_counter() - start
