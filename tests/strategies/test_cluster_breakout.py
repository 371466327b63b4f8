"""Cluster breakout on SYNTHETIC labelled scenarios (hand-made bars and map updates; see conftest)."""

from nautilus_trader.model.enums import OrderSide, OrderType

from strategies.cluster_breakout import ClusterBreakoutConfig, ClusterBreakoutStrategy
from tests.strategies.runs import actions, run_strategy


def _breakout_up(s):
    # synthetic: a short-side cluster 100.4-100.6 is live at minute 2; price breaks up to 100.9; the next
    # update (minute 6) reports it CLEARED
    s.bars(s.flat(100.0, 4) + s.flat(100.9, 3))
    s.cluster(2, 7, "SHORT", 100.5, strength=0.8)
    s.snapshot(2)
    s.cluster(6, 7, "SHORT", 100.5, strength=0.8, status="CLEARED", price=100.9)
    s.snapshot(6, price=100.9)


def test_short_cluster_cleared_gives_long_with_trailing_stop(scenario):
    s = scenario
    _breakout_up(s)
    bo = run_strategy(s, ClusterBreakoutStrategy, ClusterBreakoutConfig, time_stop_minutes=0)
    [entry] = s.entries(bo)
    assert entry["position_side"] == "LONG" and entry["cluster_id"] == 7
    assert entry["stop_loss"] == 100.30  # back through the cleared zone: 100.4 x (1 - 0.1 %) -> tick
    assert entry["take_profit"] == 103.93  # no next cluster: 100.9 x 1.03 = 103.927 -> tick
    market, stop, tp = s.orders()[:3]
    assert (market.order_type, market.side) == (OrderType.MARKET, OrderSide.BUY)
    assert (tp.order_type, tp.price.as_double()) == (OrderType.LIMIT, 103.93)
    assert stop.order_type == OrderType.TRAILING_STOP_MARKET and float(stop.trailing_offset) == 100.0


def test_trailing_stop_follows_the_market(make_scenario):
    s = make_scenario()
    _breakout_up(s)
    s.bars([(100.9, 100.9, 100.9, 100.9)] * 7 + [(100.9, 102.0, 100.9, 102.0), (102.0, 102.0, 102.0, 102.0),
                                                  (102.0, 102.0, 100.5, 100.5)] + s.flat(100.5, 2))
    run_strategy(s, ClusterBreakoutStrategy, ClusterBreakoutConfig, time_stop_minutes=0)
    [position] = s.positions()
    assert position.is_closed
    # the stop trailed 1 % behind the 102.0 high (100.98), well above the initial 100.30
    assert 100.5 <= position.avg_px_close <= 101.0


def test_time_stop_closes_the_position(make_scenario):
    s = make_scenario()
    _breakout_up(s)
    s.bars([(100.9, 100.9, 100.9, 100.9)] * 40)  # flat: neither stop nor target is hit
    bo = run_strategy(s, ClusterBreakoutStrategy, ClusterBreakoutConfig, time_stop_minutes=30)
    assert actions(bo) == ["ENTER", "EXIT"]
    assert "time stop" in bo.signals[1]["reason"]
    [position] = s.positions()
    assert position.is_closed
    assert (position.ts_closed - position.ts_opened) // 60_000_000_000 in (30, 31)


def test_cleared_without_a_live_transition_or_after_a_failed_break_gives_no_trade(make_scenario):
    # (a) CLEARED report for a cluster never seen live; (b) seen live, but price is back below the zone
    a = make_scenario()
    a.bars(a.flat(100.9, 8))
    a.cluster(6, 7, "SHORT", 100.5, strength=0.8, status="CLEARED", price=100.9)
    a.snapshot(6, price=100.9)
    bo_a = run_strategy(a, ClusterBreakoutStrategy, ClusterBreakoutConfig)
    b = make_scenario()
    b.bars(b.flat(100.0, 8))
    b.cluster(2, 7, "SHORT", 100.5, strength=0.8)
    b.snapshot(2)
    b.cluster(6, 7, "SHORT", 100.5, strength=0.8, status="CLEARED")
    b.snapshot(6)
    bo_b = run_strategy(b, ClusterBreakoutStrategy, ClusterBreakoutConfig)
    assert bo_a.signals == [] and bo_b.signals == []


def test_long_cluster_cleared_gives_short(scenario):
    s = scenario
    s.bars(s.flat(100.0, 4) + s.flat(99.1, 4))
    s.cluster(2, 9, "LONG", 99.5, strength=0.9)
    s.cluster(2, 10, "LONG", 98.0, strength=0.5)  # the next long-side cluster below: the target
    s.snapshot(2)
    s.cluster(6, 9, "LONG", 99.5, strength=0.9, status="CLEARED", price=99.1)
    s.cluster(6, 10, "LONG", 98.0, strength=0.5, price=99.1)
    s.snapshot(6, price=99.1)
    bo = run_strategy(s, ClusterBreakoutStrategy, ClusterBreakoutConfig)
    [entry] = s.entries(bo)
    assert entry["position_side"] == "SHORT" and entry["take_profit"] == 98.0
    assert entry["stop_loss"] == 99.70  # back above the cleared zone: 99.6 x 1.001 = 99.6996 -> tick
