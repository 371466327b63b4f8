"""``liqheat_nautilus.replay``: snapshot schedule (as the actor publishes), cut-off time, time parsing.

SYNTHETIC series: 180 one-minute bars at price 100 (bar i closes at minute i), open interest at minute 30
(the baseline) and minute 90 (+50 %), no funding.
"""

import dataclasses

import numpy as np
import pytest

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.persistence.reader import MarketSeries
from liqheat_nautilus.replay import MapReplay, replay_engine
from liqheat_nautilus.times import parse_time

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


def test_inverse_follows_the_instrument_and_a_contradicting_true_is_refused():
    linear, inverse = (dataclasses.replace(_series(), is_inverse=kind) for kind in (False, True))
    # a caller's MapParams(inverse=True) over a linear instrument was replayed linear, silently
    for run in (lambda: MapReplay(linear, MapParams(inverse=True)),
                lambda: replay_engine(linear, MapParams(inverse=True))):
        with pytest.raises(ValueError) as caught:
            run()
        assert str(caught.value) == ("MapParams(inverse=True) contradicts the instrument TEST-PERP.SIM, which the "
                                     "catalog defines as linear (is_inverse=False); drop inverse=True: the instrument "
                                     "decides")
    # the default (False, which cannot be told from a False given on purpose) follows the instrument
    assert MapReplay(inverse, MapParams()).engine.params.inverse is True
    assert MapReplay(inverse, MapParams(inverse=True)).engine.params.inverse is True
    assert MapReplay(linear, MapParams()).engine.params.inverse is False
    # an unknown instrument (a series built by hand) keeps what the caller gave
    assert MapReplay(_series(), MapParams(inverse=True)).engine.params.inverse is True


def test_parse_time():
    assert parse_time("2026-06-18T06:30") == 1_781_764_200_000_000_000  # naive = UTC
    assert parse_time("2026-06-18T14:30+08:00") == 1_781_764_200_000_000_000
    assert parse_time(None) is None and parse_time("") is None
    with pytest.raises(ValueError, match="not a time"):
        parse_time("soon")




# -- trade ticks (SYNTHETIC: three flat one-minute bars at 100 and four made-up trades) ---------------------------

SEC = 1_000_000_000
TOP_1 = MapParams(model="simple", entry_mode="trades", trade_selection="top_n", trade_threshold=1.0, bin_size=0.5,
                  n_bins=400)


def _trade_series(trade_ts: list[int], trade_ticks: bool = True) -> MarketSeries:
    """Bars closing at minutes 1..3; trades A 20 @ 100 buy, B 30 @ 102 buy, C 10 @ 99 sell, D 5 @ 101 buy."""
    ts = np.arange(1, 4, dtype=np.int64) * MIN
    close = np.full(3, 100.0)
    empty_i = np.zeros(0, dtype=np.int64)
    trades = {"trade_ts_ns": np.array(trade_ts, dtype=np.int64), "trade_price": np.array([100.0, 102.0, 99.0, 101.0]),
              "trade_quantity": np.array([20.0, 30.0, 10.0, 5.0]),
              "trade_seller_taker": np.array([False, False, True, False])} if trade_ticks else {}
    return MarketSeries("TEST-PERP.SIM", ts, close, close, close, close, np.full(3, 10.0), empty_i, np.zeros(0),
                        np.zeros(0), empty_i, np.zeros(0), trade_ticks=trade_ticks, **trades)


@pytest.mark.parametrize(("b_at", "opened"), [
    # B at the bar's time: the bar of minute 2 ends the batch {A} first, B joins {B, C, D} (ended by the bar of
    # minute 3): the largest buy of each batch (A, then B) and the sell C open
    (2 * MIN, 20 * 100.0 + 30 * 102.0 + 10 * 99.0),
    # B just before the bar: {A, B} keeps only B, {C, D} opens D and C
    (2 * MIN - 1, 30 * 102.0 + 5 * 101.0 + 10 * 99.0),
])
def test_a_bar_ends_the_trade_batch_before_the_trades_of_its_own_time(b_at, opened):
    series = _trade_series([MIN + 10 * SEC, b_at, 2 * MIN + 5 * SEC, 2 * MIN + 10 * SEC])
    state = replay_engine(series, TOP_1, snapshot_interval_ns=60 * MIN)
    assert state.engine.ledger.opened == pytest.approx(opened)
    assert state.engine.bars.taker_sell == 10 * 99.0  # C, the only seller taker, in the interval's taker volume


def test_trades_need_a_series_read_with_trade_ticks():
    without = _trade_series([], trade_ticks=False)
    assert without.trade_ts_ns.size == 0
    with pytest.raises(ValueError, match="no bar"):
        replay_engine(without, TOP_1, at_ns=0)
    assert not replay_engine(without, TOP_1).engine.initialized  # trades mode opens nothing without trades
    with pytest.raises(ValueError, match="trade_ticks"):
        dataclasses.replace(without, trade_ts_ns=np.array([MIN], dtype=np.int64))


def test_extend_refuses_a_series_with_trades_after_one_without():
    replay = MapReplay(_trade_series([], trade_ticks=False), TOP_1)
    with pytest.raises(ValueError, match="the series has trade ticks, the replayed one lacks them"):
        replay.extend(_trade_series([MIN + SEC] * 4))
