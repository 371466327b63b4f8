"""Liquidation hunt on SYNTHETIC labelled scenarios (hand-made bars and map updates; see conftest)."""

from decimal import Decimal

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus, OrderType

from strategies.liquidation_hunt import LiquidationHuntConfig, LiquidationHuntStrategy
from tests.strategies.runs import assert_skipped, run_strategy


def test_strong_short_cluster_above_gives_long_bracket_with_tp_at_cluster(scenario):
    # synthetic: price 100; strong SHORT-side cluster at 101 (+1 %); weak LONG-side cluster 99.3-99.5 below
    s = scenario
    s.bars(s.flat(100.0, 10) + [(100.0, 101.2, 100.0, 101.2)] + s.flat(101.2, 3))
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.cluster(4, 2, "LONG", 99.4, strength=0.4)
    s.snapshot(4)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig)

    [entry] = s.entries(hunt)
    assert entry["position_side"] == "LONG" and entry["cluster_id"] == 1
    assert entry["take_profit"] == 101.0
    # stop beyond the opposite (long-side) cluster: 99.3 x (1 - 0.1 %) = 99.2007 -> tick 99.20
    assert entry["stop_loss"] == 99.20
    # risk 0.5 % of 100,000 USDT = 500 USDT over a 0.80 stop distance -> 625 SOL
    assert entry["quantity"] == 625.0
    assert entry["risk_reward"] == pytest.approx(1.0 / 0.8)
    assert entry["support"] == 99.4 and entry["resistance"] == 101.0

    market, stop, tp = s.orders()
    assert (market.order_type, market.side, market.quantity.as_decimal()) == (OrderType.MARKET, OrderSide.BUY,
                                                                               Decimal("625.00"))
    assert (stop.order_type, stop.side, stop.trigger_price.as_double()) == (OrderType.STOP_MARKET, OrderSide.SELL,
                                                                            99.20)
    assert (tp.order_type, tp.side, tp.price.as_double()) == (OrderType.LIMIT, OrderSide.SELL, 101.0)
    assert tp.is_closed and stop.is_closed  # TP filled, the OUO stop canceled

    [position] = s.positions()
    assert position.is_closed
    # 625 x (101 - 100) minus taker 5 bps on 62,500 (31.25) and maker 2 bps on 63,125 (12.625)
    assert position.realized_pnl.as_double() == pytest.approx(625.0 - 31.25 - 12.625)


def test_strong_long_cluster_below_gives_short_bracket(scenario):
    s = scenario
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 3, "LONG", 99.0, strength=0.7)
    s.snapshot(4)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig)
    [entry] = s.entries(hunt)
    assert entry["position_side"] == "SHORT" and entry["take_profit"] == 99.0
    assert entry["stop_loss"] == 101.0  # no short-side cluster above: default 1 % stop
    assert entry["quantity"] == 500.0  # 500 USDT risk / 1.00


@pytest.mark.parametrize(("level", "strength", "notional", "config"), [
    (101.0, 0.5, 1e6, {}),  # below min_strength 0.6
    (102.5, 0.9, 1e6, {}),  # 2.5 % away >= max_distance_pct 2
    (100.1, 0.9, 1e6, {}),  # 0.1 % away < min_distance_pct 0.2
    (101.0, 0.9, 1e6, {"min_notional_usd": 2e6}),  # below the notional floor
])
def test_clusters_that_do_not_qualify_give_no_trade(scenario, level, strength, notional, config):
    s = scenario
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 1, "SHORT", level, strength=strength, notional=notional)
    s.snapshot(4)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig, **config)
    assert hunt.signals == []
    assert s.orders() == []


def test_no_stop_outside_a_cluster_means_no_trade(scenario):
    # a wide long-side cluster 98.5-99.5 covers every stop within max_stop_pct 1 % -> skip, no orders
    s = scenario
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.cluster(4, 2, "LONG", 99.0, half_width=0.5, strength=0.3)
    s.snapshot(4)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig, max_stop_pct=1.0)
    assert_skipped(s, hunt, "no stop outside")


def test_one_position_at_a_time(scenario):
    s = scenario
    s.bars(s.flat(100.0, 12))
    for minute in (4, 6, 8):  # the same setup three times while the first position is open
        s.cluster(minute, 1, "SHORT", 101.0, strength=0.9)
        s.snapshot(minute)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig)
    assert len(s.entries(hunt)) == 1
    bracket, flatten = s.orders()[:3], s.orders()[3:]
    assert [o.order_type for o in bracket] == [OrderType.MARKET, OrderType.STOP_MARKET, OrderType.LIMIT]
    # flat at stop: the engine stops the strategy at the end of the data, which closes the open position
    [close] = flatten
    assert (close.order_type, close.side, close.quantity) == (OrderType.MARKET, OrderSide.SELL, bracket[0].quantity)
    assert close.status == OrderStatus.FILLED
    assert all(p.is_closed for p in s.positions())
