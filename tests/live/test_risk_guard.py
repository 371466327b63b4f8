"""The risk guard's pre-trade checks (Nautilus 1.221's RiskEngine skips notional checks for margin accounts).

Expected values are hand-computed: notional = quantity x price (linear, multiplier 1 for BTCUSDT), or quantity x
USD per contract (inverse).
Prices are synthetic (labelled): a quote 28,000.0 / 28,000.5.
"""

import math

import pytest
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import TestClock
from nautilus_trader.common.factories import OrderFactory
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OmsType, OrderSide
from nautilus_trader.model.identifiers import PositionId, StrategyId, TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.model.position import Position
from nautilus_trader.test_kit.stubs.events import TestEventStubs

from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, make_perpetual
from liqheat_nautilus.adapters.common.risk_guard import RiskLimits, check_order, quote_notional, reference_price

SPEC = PerpetualSpec("BTCUSDT-PERP.BINANCE", "BTCUSDT", "BTC", "USDT", "USDT", "0.10", "0.001")
INSTRUMENT = make_perpetual(SPEC)
IID = INSTRUMENT.id
LIMITS = RiskLimits(max_notional_per_order={IID.value: 1_000.0}, max_position_notional={IID.value: 3_000.0})


@pytest.fixture
def env():
    cache = Cache()
    cache.add_instrument(INSTRUMENT)
    factory = OrderFactory(trader_id=TraderId("TESTER-001"), strategy_id=StrategyId("S-001"), clock=TestClock())
    return cache, factory


def _quote(cache: Cache) -> None:  # synthetic prices
    cache.add_quote_tick(QuoteTick(IID, Price.from_str("28000.0"), Price.from_str("28000.5"),
                                   Quantity.from_str("1.000"), Quantity.from_str("1.000"), 0, 0))


def _market(factory, side, qty, reduce_only=False):
    return factory.market(IID, side, Quantity.from_str(qty), reduce_only=reduce_only)


def test_market_order_valued_at_the_touch(env):
    cache, factory = env
    _quote(cache)
    assert reference_price(_market(factory, OrderSide.BUY, "0.010"), cache) == 28000.5
    assert reference_price(_market(factory, OrderSide.SELL, "0.010"), cache) == 28000.0
    assert check_order(_market(factory, OrderSide.BUY, "0.035"), INSTRUMENT, cache, LIMITS) is None  # 980.0175
    reason = check_order(_market(factory, OrderSide.BUY, "0.036"), INSTRUMENT, cache, LIMITS)  # 1,008.018
    assert reason == f"NOTIONAL_EXCEEDS_MAX_PER_ORDER: 1008.02 > 1000.00 ({IID.value})"


def test_limit_order_valued_at_its_price(env):
    cache, factory = env
    order = factory.limit(IID, OrderSide.SELL, Quantity.from_str("0.040"), Price.from_str("24000.0"))
    assert reference_price(order, cache) == 24000.0
    assert check_order(order, INSTRUMENT, cache, LIMITS) is None  # 960 <= 1000, no quote needed


def test_no_price_is_denied_and_unlimited_instruments_pass(env):
    cache, factory = env
    order = _market(factory, OrderSide.BUY, "0.001")
    assert math.isnan(reference_price(order, cache))
    assert "no price known" in check_order(order, INSTRUMENT, cache, LIMITS)
    assert check_order(order, INSTRUMENT, cache, RiskLimits()) is None


def test_position_limit_counts_open_positions_and_exempts_reduce_only(env):
    cache, factory = env
    _quote(cache)
    held = _market(factory, OrderSide.BUY, "0.090")
    fill = TestEventStubs.order_filled(held, INSTRUMENT, position_id=PositionId("P-1"),
                                       last_px=Price.from_str("28000.5"))
    cache.add_position(Position(INSTRUMENT, fill), OmsType.NETTING)
    # 0.090 held + 0.030 buy = 0.120 BTC x 28000.5 = 3,360.06 > 3,000 (the order alone: 840.015 < 1,000)
    reason = check_order(_market(factory, OrderSide.BUY, "0.030"), INSTRUMENT, cache, LIMITS)
    assert reason == f"POSITION_EXCEEDS_MAX_NOTIONAL: 3360.06 > 3000.00 ({IID.value})"
    assert check_order(_market(factory, OrderSide.BUY, "0.010"), INSTRUMENT, cache, LIMITS) is None  # 2,800.05
    # selling shrinks the position: allowed; reduce-only is never position-limited
    assert check_order(_market(factory, OrderSide.SELL, "0.030"), INSTRUMENT, cache, LIMITS) is None
    assert check_order(_market(factory, OrderSide.BUY, "0.020", reduce_only=True), INSTRUMENT, cache, LIMITS) is None


def test_invalid_limits_name_the_instrument():
    with pytest.raises(ValueError, match=r"max_position_notional\['X.Y'\]"):
        RiskLimits(max_position_notional={"X.Y": -1})
    assert RiskLimits().is_empty() and not LIMITS.is_empty()


def test_inverse_contract_notional_is_contracts_times_usd_per_contract():
    # BTCUSD_PERP-like: 100 USD per contract (synthetic quote 28,000.0 / 28,000.5). 3 contracts = 300 USD at any
    # price; quantity x price x multiplier (the old formula) said 8,400,150 USD.
    spec = PerpetualSpec("BTCUSD-PERP.BINANCE", "BTCUSD_PERP", "BTC", "USD", "BTC", "0.1", "1", multiplier="100",
                         is_inverse=True)
    inverse = make_perpetual(spec)
    iid = inverse.id
    cache = Cache()
    cache.add_instrument(inverse)
    cache.add_quote_tick(QuoteTick(iid, Price.from_str("28000.0"), Price.from_str("28000.5"), Quantity.from_int(10),
                                   Quantity.from_int(10), 0, 0))
    factory = OrderFactory(trader_id=TraderId("TESTER-001"), strategy_id=StrategyId("S-001"), clock=TestClock())
    order = factory.market(iid, OrderSide.BUY, Quantity.from_int(3))
    assert quote_notional(inverse, 3.0, 28_000.5) == pytest.approx(300.0, abs=1e-3)
    assert check_order(order, inverse, cache, RiskLimits(max_notional_per_order={iid.value: 350.0})) is None
    reason = check_order(order, inverse, cache, RiskLimits(max_notional_per_order={iid.value: 250.0}))
    assert reason == f"NOTIONAL_EXCEEDS_MAX_PER_ORDER: 300.00 > 250.00 ({iid.value})"
    assert quote_notional(INSTRUMENT, 0.035, 28_000.5) == pytest.approx(980.0175)  # linear: qty x price
