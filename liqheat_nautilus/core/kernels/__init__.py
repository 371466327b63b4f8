"""Compiled loops of the engine's hot paths: sweeps, cohort scatter and the cluster/magnet read (numba).

Each of these paths used to be a chain of 15-60 small numpy calls per event; inside a Nautilus backtest the
Python-level overhead of those calls (and the caches they evict) dominated the arithmetic. Here each path is
one ``numba.njit`` function over the same arrays, with the same formulas as the numpy versions they replace
(``tests/core/test_kernels.py`` checks them against straightforward numpy references). Nothing here imports
Nautilus; no ``fastmath`` (IEEE semantics kept). The first call of each kernel compiles it (cached on disk
with ``cache=True``, so later processes load it); the cache is dropped whenever any kernel source changes
(:func:`~liqheat_nautilus.core.kernels._base.drop_stale_caches`: numba alone would keep a kernel compiled against
another file's old code).

Conventions: a side's ``usd`` is ``(n_bins, n_tiers)`` float64 USD notional, ``status`` ``(n_bins,)`` int8
(0 ACTIVE, 1 PARTIAL, 2 CLEARED), ``share`` ``(n_bins,)`` float64 traded share of a bin's range, ``layers``
``(n_layers, n_bins, n_tiers)`` cohort layers (``n_layers`` may be 0). Bin ``k`` covers prices
``[(base + k)·width, (base + k + 1)·width)``.

Modules by role: ``bars`` (a run of bars fed at once),
``sweeps`` (price trading through bins), ``scatter`` (an interval's entries and a cohort's
notional onto the grid), ``anchor`` (open-interest decay, open and close of both sides), ``reads`` (clusters,
magnet, curves, ids), ``select`` (the largest trades of a batch) and ``warmup``; every public name is
importable from this package.
"""

from liqheat_nautilus.core.kernels._base import (
    METHOD_QUANTILE,
    METHOD_SIGMA,
    STATUS_ACTIVE,
    STATUS_CLEARED,
    STATUS_PARTIAL,
    pairwise_sum,
    pairwise_sum_nonzero,
    row_totals,
)
from liqheat_nautilus.core.kernels.anchor import anchor_interval, anchor_sides, scale_sides
from liqheat_nautilus.core.kernels.bars import bar_run
from liqheat_nautilus.core.kernels.funding import shift_side
from liqheat_nautilus.core.kernels.reads import (
    magnet_sums,
    read_curves,
    read_map,
    read_totals,
    read_tracked,
    track_clusters,
)
from liqheat_nautilus.core.kernels.scatter import interval_entries, open_cohort, scatter_cohort
from liqheat_nautilus.core.kernels.select import largest_per_side
from liqheat_nautilus.core.kernels.sweeps import side_units, sweep_down, sweep_side, sweep_up
from liqheat_nautilus.core.kernels.warmup import warm_up

__all__ = [
    "METHOD_QUANTILE",
    "METHOD_SIGMA",
    "STATUS_ACTIVE",
    "STATUS_CLEARED",
    "STATUS_PARTIAL",
    "anchor_interval",
    "anchor_sides",
    "bar_run",
    "interval_entries",
    "largest_per_side",
    "magnet_sums",
    "open_cohort",
    "pairwise_sum",
    "pairwise_sum_nonzero",
    "read_curves",
    "read_map",
    "read_totals",
    "read_tracked",
    "row_totals",
    "scale_sides",
    "scatter_cohort",
    "shift_side",
    "side_units",
    "sweep_down",
    "sweep_side",
    "sweep_up",
    "track_clusters",
    "warm_up",
]
