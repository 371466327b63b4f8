"""Shared strategy behaviour (ClusterStrategy) on SYNTHETIC scenarios: sizing, rejects, signal records."""

from decimal import Decimal

import pytest
from nautilus_trader.model.enums import OrderStatus

from liqheat_nautilus.signals import SIGNAL_COLUMNS
from strategies.liquidation_hunt import LiquidationHuntConfig, LiquidationHuntStrategy
from tests.strategies.runs import actions, assert_skipped, run_strategy


def _setup(s, minutes=(4,)):
    s.bars(s.flat(100.0, 12))
    for m in minutes:
        s.cluster(m, 1, "SHORT", 101.0, strength=0.9)
        s.snapshot(m)


def test_denied_entry_is_recorded_and_frees_the_slot(make_scenario):
    # synthetic: the instrument allows at most 1000 SOL per order; a fixed 5000 SOL bracket is denied by
    # Nautilus' risk engine, twice (the slot must be free again for the second setup)
    s = make_scenario(instrument_overrides={"max_quantity": "1000.00"})
    _setup(s, minutes=(4, 8))
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig, trade_size=Decimal("5000"))
    assert actions(hunt) == ["ENTER", "REJECTED", "ENTER", "REJECTED"]
    assert "denied" in hunt.signals[1]["reason"]
    statuses = [o.status for o in s.orders()]
    # each entry denied; its stop-loss and take-profit never left the strategy
    assert statuses == [OrderStatus.DENIED, OrderStatus.INITIALIZED, OrderStatus.INITIALIZED] * 2
    assert s.positions() == []
    assert hunt.brackets.entries == {} and hunt.brackets.children == {}  # nothing left behind


def test_risk_size_is_capped_by_max_leverage(make_scenario):
    # 0.5 % of 100,000 over a 1.00 stop = 500 SOL (50,000 USDT); max_leverage 0.3 caps the notional at
    # 30,000 USDT -> 300 SOL
    s = make_scenario()
    _setup(s)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig, max_leverage=0.3)
    assert hunt.signals[0]["quantity"] == 300.0


def test_min_risk_reward_skips_with_a_record(make_scenario):
    s = make_scenario()
    _setup(s)
    # TP 1.00 away, stop 1.00 away: RR 1.0
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig, min_risk_reward=1.5)
    assert_skipped(s, hunt, "risk/reward 1.00 < 1.5")


def test_signal_record_has_every_field(make_scenario):
    s = make_scenario()
    _setup(s)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig)
    record = hunt.signals[0]
    assert tuple(record) == SIGNAL_COLUMNS
    assert record["instrument_id"] == "SOL-USDT-SWAP.OKX" and record["strategy"] == "LiquidationHuntStrategy-000"
    assert record["ts"] == s.ts(4) + 1
    assert record["confidence"] == 0.9 and record["sentiment"] == "NEUTRAL"


def test_invalid_config_is_rejected():
    from nautilus_trader.model.data import BarType

    bar_type = BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
    with pytest.raises(ValueError, match="max_positions"):
        LiquidationHuntStrategy(LiquidationHuntConfig(instrument_id=bar_type.instrument_id, bar_type=bar_type,
                                                      max_positions=0))
    with pytest.raises(ValueError, match="risk_per_trade"):
        LiquidationHuntStrategy(LiquidationHuntConfig(instrument_id=bar_type.instrument_id, bar_type=bar_type,
                                                      risk_per_trade=1.5))


@pytest.mark.parametrize(("max_leverage", "quantity"), [
    (3.0, 187.5),  # 100 x 1.5 (OI 6 B USD) x 1.25 (ratio 0.7 favours longs)
    (0.1, 100.0),  # the cap after the sizer: 0.1 x 100,000 USDT / 100 = 100 SOL
])
def test_any_strategy_can_use_the_oi_sizer_and_the_cap_applies_after_it(make_scenario, max_leverage, quantity):
    from strategies.oi_sizer import OISizerConfig

    s = make_scenario()
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.snapshot(4, total_oi_usd=6e9, long_usd=70e6, short_usd=100e6)
    hunt = run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig, trade_size=Decimal("100"),
                           oi_sizer=OISizerConfig(), max_leverage=max_leverage)
    assert hunt.signals[0]["quantity"] == quantity
    assert ("capped" in hunt.signals[0]["reason"]) == (max_leverage < 1.0)


class _StopRejectedAt(LiquidationHuntStrategy):
    """Drives the handler directly: at bar ``_reject_at`` it receives an ``OrderRejected`` for its stop-loss."""

    def on_price(self, bar) -> None:
        from nautilus_trader.core.uuid import UUID4
        from nautilus_trader.model.events import OrderRejected
        from nautilus_trader.model.identifiers import AccountId

        if bar.ts_event != self._reject_at:
            return
        [stop_id] = [k for k, b in self.brackets.children.items() if k == b.stop_id]
        self.on_order_rejected(OrderRejected(self.trader_id, self.id, self.config.instrument_id, stop_id,
                                             AccountId("OKX-001"), "synthetic reject", UUID4(), bar.ts_event,
                                             bar.ts_event))


def test_rejected_stop_loss_closes_the_unprotected_position(make_scenario):
    s = make_scenario()
    _setup(s)
    hunt = s.strategy(_StopRejectedAt, LiquidationHuntConfig)
    hunt._reject_at = s.ts(7)
    s.run(hunt)
    assert actions(hunt) == ["ENTER", "EXIT"]
    assert "stop-loss rejected: synthetic reject" in hunt.signals[1]["reason"]
    [position] = s.positions()
    assert position.is_closed and position.ts_closed == s.ts(7)  # closed at market on that bar, not at the end


def _cancel_rejections(s) -> list:
    return [e for o in s.orders() for e in o.events if type(e).__name__ == "OrderCancelRejected"]


def _hunt_long(s) -> None:
    # synthetic: the hunt's first scenario: long at 100 from minute 4, stop 99.20, take-profit 101 at the strong
    # short cluster
    s.cluster(4, 1, "SHORT", 101.0, strength=0.9)
    s.cluster(4, 2, "LONG", 99.4, strength=0.4)
    s.snapshot(4)


def test_the_venue_ends_the_bracket_pair_without_a_rejected_cancel(scenario):
    # the take-profit fills at minute 10; Nautilus' simulated exchange cancels the OUO stop with it. The strategy's
    # own clean-up waits for the next bar and finds nothing left (sent at once, its cancel arrived second and was
    # rejected "not found", once per position of the main job)
    s = scenario
    s.bars(s.flat(100.0, 10) + [(100.0, 101.2, 100.0, 101.2)] + s.flat(101.2, 2))
    _hunt_long(s)
    run_strategy(s, LiquidationHuntStrategy, LiquidationHuntConfig)
    _, stop, tp = s.orders()
    assert tp.status == OrderStatus.FILLED and stop.status == OrderStatus.CANCELED
    assert stop.ts_last == s.ts(10)  # cancelled with the fill, by the venue
    assert _cancel_rejections(s) == []


class _ClosesBareAt(LiquidationHuntStrategy):
    """Closes its position at market at one bar without cancelling the bracket's children (as a user might)."""

    _close_at = 0

    def on_bar(self, bar) -> None:
        super().on_bar(bar)
        if bar.ts_event == self._close_at:
            for position in self.open_positions():
                self.close_position(position)


def test_children_left_working_after_the_position_closed_are_cancelled_at_the_next_bar(make_scenario):
    # a venue that neither links the pair nor drops reduce-only orders of a flat position (Nautilus' simulated
    # exchange does both unless told not to) leaves the children working: the strategy cancels them
    s = make_scenario(venue={"support_contingent_orders": False, "use_reduce_only": False})
    s.bars(s.flat(100.0, 12))
    _hunt_long(s)
    hunt = s.strategy(_ClosesBareAt, LiquidationHuntConfig)
    hunt._close_at = s.ts(7)
    s.run(hunt)
    entry, stop, tp, close = s.orders()
    [position] = s.positions()
    assert position.is_closed and position.ts_closed == s.ts(7)
    for child in (stop, tp):  # nothing triggered them; the strategy cancelled both one bar after going flat
        assert child.status == OrderStatus.CANCELED and child.ts_last == s.ts(8)
    assert _cancel_rejections(s) == []
