"""Pure helpers of the strategies: risk sizing, stops outside clusters, signal records, the cluster book.
Inputs are SYNTHETIC numbers; expected values are computed by hand in the comments."""

import math
from decimal import Decimal

import pytest
from nautilus_trader.model.enums import PositionSide
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.adapters.binance.providers import perpetuals_from_exchange_info
from liqheat_nautilus.adapters.common.providers import known_perpetual
from liqheat_nautilus.data import LiquidationCluster, LiquidationMapSnapshot
from liqheat_nautilus.signals import SIGNAL_COLUMNS, SignalAction, TradeSignal, risk_reward, sentiment_from_bias
from strategies.cluster_book import ClusterBook
from strategies.sizing import leverage_cap, risk_quantity, round_quantity, unit_notional
from strategies.stops import stop_behind_zone, stop_outside_zones
from tests.adapters.binance.archive_files import DAPI_EXCHANGE_INFO

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
SOL = known_perpetual("SOL-USDT-SWAP.OKX")  # linear, multiplier 1, lot 0.01 (real OKX contract spec)
# inverse COIN-M, 100 USD per contract, lot 1 (Binance's recorded exchangeInfo entry)
BTCUSD = perpetuals_from_exchange_info(DAPI_EXCHANGE_INFO.read_bytes())["BTCUSD-PERP.BINANCE"]


def test_unit_notional_is_nautilus_notional_value():
    # linear: 1 SOL x 100.00 USDT; inverse: 100 USD / 50,000 = 0.002 BTC, and 100 / 49,990 to 1e-12
    assert unit_notional(SOL, 100.0) == 100.0
    assert unit_notional(BTCUSD, 50_000.0) == 0.002
    assert unit_notional(BTCUSD, 49_990.0) == pytest.approx(100.0 / 49_990.0, rel=1e-12)


def test_risk_quantity_linear():
    # 1 % of 100,000 = 1,000 USDT over a 2.00 stop distance -> 500 units
    assert risk_quantity(SOL, 100_000.0, 0.01, 100.0, 98.0) == Decimal("500.00")
    # max_leverage 0.4 caps the notional at 40,000 USDT -> 400 units at 100
    assert risk_quantity(SOL, 100_000.0, 0.01, 100.0, 98.0, max_leverage=0.4) == Decimal("400.00")
    # 1,000 / 3.00 = 333.33.. -> rounded down to the increment 0.01
    assert risk_quantity(SOL, 100_000.0, 0.01, 100.0, 103.0) == Decimal("333.33")
    # on a lot of 0.1 -> 333.3
    coarse = CryptoPerpetual.from_dict({**CryptoPerpetual.to_dict(SOL), "size_increment": "0.1", "min_quantity": "0.1",
                                        "size_precision": 1})
    assert risk_quantity(coarse, 100_000.0, 0.01, 100.0, 103.0) == Decimal("333.3")


def test_risk_quantity_inverse():
    # coin-margined, 100 USD contracts: loss per contract = 100 x (1/40,000 - 1/50,000) = 0.0005 BTC;
    # 1 % of 1 BTC = 0.01 BTC -> 20 contracts
    assert risk_quantity(BTCUSD, 1.0, 0.01, 50_000.0, 40_000.0) == 20
    # 2 % -> 40 contracts, but max_leverage 0.05: notional per contract 100/50,000 = 0.002 BTC -> cap 25
    assert risk_quantity(BTCUSD, 1.0, 0.02, 50_000.0, 40_000.0, max_leverage=0.05) == 25
    assert leverage_cap(BTCUSD, 1.0, 0.05, 50_000.0) == pytest.approx(25.0, rel=1e-12)


def test_risk_quantity_errors_and_zero():
    with pytest.raises(ValueError, match="risk_fraction"):
        risk_quantity(SOL, 1e5, 0.0, 100.0, 99.0)
    with pytest.raises(ValueError, match="different"):
        risk_quantity(SOL, 1e5, 0.01, 100.0, 100.0)
    assert risk_quantity(SOL, 0.0, 0.01, 100.0, 99.0) == 0
    assert risk_quantity(SOL, 1.0, 0.01, 100.0, 99.0, min_quantity=Decimal("1")) == 0  # 0.01 < 1


def test_round_quantity():
    assert round_quantity(123.456, Decimal("0.01")) == Decimal("123.45")
    assert round_quantity(0.004, Decimal("0.01")) == 0
    assert round_quantity(float("nan"), Decimal("0.01")) == 0


def test_stop_moves_out_of_chained_zones():
    # long from 100, desired stop 99.0 inside 98.5-99.5 -> 98.5 - 0.1 = 98.4, inside 98.3-98.45 -> 98.2
    zones = [(98.5, 99.5), (98.3, 98.45)]
    assert stop_outside_zones(100.0, LONG, 99.0, zones, 0.1, 3.0) == pytest.approx(98.2)
    # short from 100, desired 101.0 inside 100.8-101.2 -> 101.3
    assert stop_outside_zones(100.0, SHORT, 101.0, [(100.8, 101.2)], 0.1, 3.0) == pytest.approx(101.3)


def test_stop_capped_and_none_inside():
    # capped at 1.5 % (98.5), which is the edge of 98.5-99.5 -> inside -> no valid stop
    assert stop_outside_zones(100.0, LONG, 99.0, [(98.5, 99.5)], 0.1, 1.5) is None
    # moved to 98.4, within the 2 % cap
    assert stop_outside_zones(100.0, LONG, 99.0, [(98.5, 99.5)], 0.1, 2.0) == pytest.approx(98.4)
    # a desired stop beyond the cap is capped: 97.0 -> 98.0 (2 %), outside the zone
    assert stop_outside_zones(100.0, LONG, 97.0, [(98.5, 99.5)], 0.1, 2.0) == pytest.approx(98.0)
    assert stop_outside_zones(100.0, LONG, 99.0, [], 0.1, 2.0) == 99.0
    with pytest.raises(ValueError, match="below"):
        stop_outside_zones(100.0, LONG, 101.0, [], 0.1, 2.0)


def test_stop_behind_a_zone_uses_its_far_edge_and_the_buffer():
    # long: below price_low 99.0 by 0.1 % -> 98.901; short: above price_high 101.0 by 0.1 % -> 101.101
    assert stop_behind_zone(99.0, 99.2, LONG, 0.1) == pytest.approx(98.901)
    assert stop_behind_zone(100.8, 101.0, SHORT, 0.1) == pytest.approx(101.101)
    with pytest.raises(ValueError, match="LONG or SHORT"):
        stop_behind_zone(99.0, 99.2, PositionSide.FLAT, 0.1)


def test_trade_signal_record():
    rec = TradeSignal(ts=1, strategy="S", action=SignalAction.ENTER, instrument_id="X.Y", position_side="LONG",
                      entry=100.0, stop_loss=99.0, take_profit=103.0, quantity=1.0, confidence=0.7, risk_reward=3.0,
                      reason="r", cluster_id=4, support=99.5, resistance=103.0, sentiment="BULLISH")
    row = rec.to_dict()
    assert tuple(row) == SIGNAL_COLUMNS and type(row["action"]) is str and row["action"] == "ENTER"
    with pytest.raises(ValueError, match="action must be one of ENTER, SKIP, EXIT, REJECTED, PARTIAL_FILL"):
        TradeSignal(**{**row, "action": "PARTIAL"})  # the cluster status, not a trade action
    with pytest.raises(ValueError, match="position_side must be one of LONG, SHORT"):
        TradeSignal(**{**row, "position_side": "FLAT"})
    with pytest.raises(ValueError, match="sentiment"):
        TradeSignal(**{**row, "sentiment": "UP"})
    assert risk_reward(100.0, 99.0, 103.0) == 3.0
    assert math.isnan(risk_reward(100.0, 100.0, 103.0))
    assert [sentiment_from_bias(b) for b in ("UP", "DOWN", "UNBIASED")] == ["BULLISH", "BEARISH", "NEUTRAL"]
    with pytest.raises(ValueError, match="bias must be one of UP, DOWN, UNBIASED"):
        sentiment_from_bias("SIDEWAYS")


def _c(cid, side, level, ts, status="ACTIVE", strength=0.5):
    return LiquidationCluster(cluster_id=cid, side=side, price_level=level, price_low=level - 0.1,
                              price_high=level + 0.1, strength=strength, status=status, ts_event=ts, ts_init=ts)


def test_cluster_book_keeps_the_latest_update_and_its_cleared_clusters():
    book = ClusterBook()
    for c in (_c(1, "LONG", 99.0, 10), _c(2, "SHORT", 101.0, 10), _c(3, "LONG", 98.0, 10, strength=0.9)):
        book.on_cluster(c)
    book.on_snapshot(LiquidationMapSnapshot(price=100.0, ts_event=10, ts_init=10))
    assert sorted(book.clusters) == [1, 2, 3]
    assert book.support(100.0).cluster_id == 1  # nearest below
    assert book.support(100.0, min_strength=0.8).cluster_id == 3
    assert book.resistance(100.0).cluster_id == 2
    # next update: 2 cleared, 1 refreshed, 3 gone
    book.on_cluster(_c(1, "LONG", 99.0, 20))
    book.on_cluster(_c(2, "SHORT", 101.0, 20, status="CLEARED"))
    book.on_snapshot(LiquidationMapSnapshot(price=101.5, ts_event=20, ts_init=20))
    assert sorted(book.clusters) == [1]
    [cleared] = book.cleared
    assert cleared.cluster.cluster_id == 2 and cleared.previous.status == "ACTIVE" and cleared.strength == 0.5
    assert book.resistance(101.5) is None
    book.on_snapshot(LiquidationMapSnapshot(price=101.5, ts_event=30, ts_init=30))
    assert book.cleared == [] and book.clusters == {}
