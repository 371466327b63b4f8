"""The replay attributes the engine's swept liquidations to the right window (SYNTHETIC price path)."""

import numpy as np
import pytest

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.evaluation.replay import replay

from .synthetic import data, hourly_bars, windows


def _scenario():
    # synthetic: 8 flat hourly bars at 100, then a 4 h window whose second bar falls to a low of 85
    close = np.array([100.0] * 8 + [100.0, 86.0, 88.0, 90.0])
    low = close.copy()
    low[9] = 85.0
    bars = hourly_bars(close, low, close)
    # OI in USD at hours 4 and 8: 1000 -> 2000 at price 100. The first reading seeds the map with 10 base units
    # (5 per side, equal split: no funding data), the second brings each side to 10 base units = 1000 USD,
    # all opened at the flat price 100 (seed bars, turnover and the increase alike)
    return data(bars, [4, 8], [1000.0, 2000.0], windows(3))


def test_swept_longs_land_in_the_window_of_the_drop():
    # every position 10x under the "simple" model: long liquidation 100 * (1 - 1/10) = 90, short 110
    params = MapParams(model="simple", leverage_profile={10.0: 1.0}, bin_bps=10.0, n_bins=1000)
    r = replay(_scenario(), params)
    assert r.ts_ns.size == 3
    assert r.est_long_usd.tolist()[:2] == [0.0, 0.0]
    # the low of 85 passes through the level 90: all 1000 USD of longs are swept in window 3
    assert r.est_long_usd[2] == pytest.approx(1000.0, rel=1e-9)
    assert r.est_short_usd.tolist() == [0.0, 0.0, 0.0]
    assert r.price.tolist() == [100.0, 100.0, 90.0]


def test_snapshot_records_clusters_and_magnet_before_the_drop():
    params = MapParams(model="simple", leverage_profile={10.0: 1.0}, bin_bps=10.0, n_bins=1000)
    r = replay(_scenario(), params)
    at2 = r.cluster_snapshot == 1
    # after the OI increase: one long cluster near 90 (below) and one short near 110 (above)
    sides = sorted(r.cluster_side[at2].tolist())
    assert sides == [-1, 1]
    long_level = r.cluster_level[at2][r.cluster_side[at2] == 1][0]
    short_level = r.cluster_level[at2][r.cluster_side[at2] == -1][0]
    assert long_level == pytest.approx(90.0, abs=0.1)
    assert short_level == pytest.approx(110.0, abs=0.1)
    # equal notional at (nearly, up to bin centres) equal distance: forces within the 5 % dead band, no bias
    up, down = r.magnet_up[1], r.magnet_down[1]
    assert up > 0.0 and down > 0.0
    assert abs(up - down) / (up + down) < 0.05
    assert r.bias[1] == 0
    # the first snapshot (hour 4) comes right after the seed: half the notional, same balance
    assert r.magnet_up[0] == pytest.approx(0.5 * up, rel=1e-9) and r.magnet_down[0] == pytest.approx(0.5 * down,
                                                                                                      rel=1e-9)
    assert sorted(r.cluster_side[r.cluster_snapshot == 0].tolist()) == [-1, 1]


def test_replay_needs_a_price_before_the_first_snapshot():
    d = _scenario()
    late = hourly_bars(np.array([100.0]), np.array([100.0]), np.array([100.0]))
    from dataclasses import replace

    shifted = replace(late, open_ns=late.open_ns + 10 * 3_600_000_000_000,
                      close_ns=late.close_ns + 10 * 3_600_000_000_000)
    with pytest.raises(ValueError, match="no bar closes"):
        replay(replace(d, bars=shifted), MapParams())


def test_taker_volume_reaches_the_engine_before_the_oi_update():
    import dataclasses

    from liqheat_nautilus.evaluation.series import TakerFlow

    from .synthetic import T0

    if "taker_share_skew" not in {f.name for f in dataclasses.fields(MapParams)}:
        pytest.skip("engine without taker skew")
    d = _scenario()
    h = 3_600_000_000_000
    # synthetic taker flow of the window ending at hour 8: buy 3, sell 1 -> imbalance I = 0.5
    flow = TakerFlow(np.array([T0 + 8 * h]), np.array([3.0]), np.array([1.0]))
    params = MapParams(model="simple", leverage_profile={10.0: 1.0}, bin_bps=10.0, n_bins=1000,
                       taker_share_skew=1.0)
    r = replay(dataclasses.replace(d, taker=flow), params)
    # longs opened: 1000 * (1 + 1.0 * 0.5) = 1500 USD, all swept by the drop to 85
    assert r.est_long_usd[2] == pytest.approx(1500.0, rel=1e-9)
    # without the flow the skew has nothing to act on
    assert replay(d, params).est_long_usd[2] == pytest.approx(1000.0, rel=1e-9)
