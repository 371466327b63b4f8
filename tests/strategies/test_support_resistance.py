"""Support / resistance on SYNTHETIC labelled scenarios (hand-made bars and map updates; see conftest)."""

import pytest
from nautilus_trader.model.enums import OrderSide, OrderType

from strategies.support_resistance import SupportResistanceConfig, SupportResistanceStrategy
from tests.strategies.runs import actions, run_strategy


def test_long_above_support_targets_resistance(scenario):
    # synthetic: support (long-side, 99.4-99.6) 0.5 % below price 100, resistance (short-side) at 102
    s = scenario
    s.bars(s.flat(100.0, 10) + [(100.0, 102.1, 100.0, 102.1)] + s.flat(102.1, 2))
    s.cluster(4, 1, "LONG", 99.5, strength=0.7)
    s.cluster(4, 2, "SHORT", 102.0, strength=0.6)
    s.snapshot(4)
    sr = run_strategy(s, SupportResistanceStrategy, SupportResistanceConfig)
    [entry] = s.entries(sr)
    assert entry["position_side"] == "LONG" and entry["cluster_id"] == 1
    assert entry["take_profit"] == 102.0  # the opposite level
    assert entry["stop_loss"] == 99.30  # 99.4 x (1 - 0.1 %) = 99.3006 -> tick
    [position] = s.positions()
    assert position.is_closed and position.avg_px_close == 102.0  # exited at the opposite level


def test_short_below_resistance_without_support_uses_fallback_target(scenario):
    # resistance 100.5-100.7 is 0.6 % above 100; no support: TP at 2R
    s = scenario
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 1, "SHORT", 100.6, strength=0.55)
    s.snapshot(4)
    sr = run_strategy(s, SupportResistanceStrategy, SupportResistanceConfig)
    [entry] = s.entries(sr)
    assert entry["position_side"] == "SHORT"
    assert entry["stop_loss"] == 100.80  # 100.7 x 1.001 = 100.8007 -> tick
    assert entry["take_profit"] == pytest.approx(100.0 - 2.0 * 0.80)


def test_break_of_support_exits_at_market(scenario):
    # long from support 99.4-99.6; later a bar closes at 99.35, below the zone but above the 99.30 stop
    s = scenario
    s.bars(s.flat(100.0, 8) + [(100.0, 100.0, 99.35, 99.35)] + s.flat(99.35, 3))
    s.cluster(4, 1, "LONG", 99.5, strength=0.7)
    s.snapshot(4)
    sr = run_strategy(s, SupportResistanceStrategy, SupportResistanceConfig)
    assert actions(sr) == ["ENTER", "EXIT"]
    assert "broken" in sr.signals[1]["reason"]
    [position] = s.positions()
    assert position.is_closed
    assert position.avg_px_close == 99.35  # closed at market on the break, not at the 99.30 stop
    closing = [o for o in s.orders() if o.order_type == OrderType.MARKET and o.side == OrderSide.SELL]
    assert len(closing) == 1


@pytest.mark.parametrize(("level", "strength"), [
    (98.4, 0.9),   # support 1.6 % below: outside the 1 % entry zone
    (99.5, 0.4),   # too weak (< 0.5)
])
def test_no_trade_outside_the_entry_zone_or_on_weak_levels(scenario, level, strength):
    s = scenario
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 1, "LONG", level, strength=strength)
    s.snapshot(4)
    sr = run_strategy(s, SupportResistanceStrategy, SupportResistanceConfig)
    assert sr.signals == [] and s.orders() == []
