"""``liqheat_nautilus.replay``: snapshot schedule (as the actor publishes), cut-off time, time parsing.

SYNTHETIC series: 180 one-minute bars at price 100 (bar i closes at minute i), open interest at minute 30
(the baseline) and minute 90 (+50 %), no funding.
"""

import numpy as np
import pytest

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.persistence.reader import MarketSeries
from liqheat_nautilus.replay import parse_time, replay_engine

MIN = 60_000_000_000


def _series() -> MarketSeries:
    n = 180
    ts = np.arange(1, n + 1, dtype=np.int64) * MIN
    close = np.full(n, 100.0)
    return MarketSeries("TEST-PERP.SIM", ts, close, close + 0.05, close - 0.05, close, np.full(n, 10.0),
                        np.array([30 * MIN, 90 * MIN]), np.array([1e6, 1.5e6]), np.array([1e4, 1.5e4]),
                        np.zeros(0, dtype=np.int64), np.zeros(0))


def test_snapshots_follow_open_interest_updates_and_the_interval():
    state = replay_engine(_series(), MapParams(), snapshot_interval_ns=60 * MIN)
    # nothing before positions exist; the bar after the first reading seeds the map (minute 31), the bar after
    # the second reading (91), then 60 min later (151), then the state at the last event (180)
    assert (state.history["ts_ns"] // MIN).tolist() == [31, 91, 151, 180]
    assert state.at_ns == 180 * MIN
    # the seed holds the whole open interest: 10,000 base units, half per side (no funding, no ratio), at 100
    assert state.history["long_usd"][0].sum() == pytest.approx(5e5)
    # after the second reading 15,000 base units: 750,000 USD per side at a flat price, nothing swept
    assert state.engine.active_usd() == pytest.approx(1.5e6)
    assert state.engine.history.capacity >= 4  # raised from 0 to hold the replay


def test_replay_stops_at_the_requested_time():
    state = replay_engine(_series(), MapParams(), at_ns=120 * MIN, snapshot_interval_ns=60 * MIN)
    assert (state.history["ts_ns"] // MIN).tolist() == [31, 91, 120]
    assert state.engine.ts_ns == 120 * MIN and len(state.series) == 120
    with pytest.raises(ValueError, match="no bar"):
        replay_engine(_series(), MapParams(), at_ns=0)


def test_parse_time():
    assert parse_time("2026-06-18T06:30") == 1_781_764_200_000_000_000  # naive = UTC
    assert parse_time("2026-06-18T14:30+08:00") == 1_781_764_200_000_000_000
    assert parse_time(None) is None and parse_time("") is None
    with pytest.raises(ValueError, match="not a time"):
        parse_time("soon")

