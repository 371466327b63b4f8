"""Binance payload conversions and the data client's stream dispatch (no network).

Payloads: lines of the real capture ``usdm_btcusdt_20230405.dat.gz`` and, for ``forceOrder`` (absent from the
captures), the example payload of Binance's "Liquidation Order Streams" documentation, wrapped in the
combined-stream envelope.
"""

import asyncio
import gzip
import json
from decimal import Decimal

import msgspec
import pytest
from nautilus_trader.adapters.binance import BinanceAccountType
from nautilus_trader.adapters.binance.futures.schemas.market import BinanceFuturesMarkPriceMsg
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.model.data import CustomData
from nautilus_trader.model.identifiers import InstrumentId, TraderId

from liqheat_nautilus.adapters.binance.config import LiqheatBinanceDataClientConfig, LiqheatFeedsConfig
from liqheat_nautilus.adapters.binance.data import FundingIntervals, FundingThrottle
from liqheat_nautilus.adapters.binance.factories import LiqheatBinanceLiveDataClientFactory
from liqheat_nautilus.adapters.binance.parsing import (
    decode_force_order,
    decode_trade,
    force_order_to_event,
    liquidation_trade_to_event,
    mark_price_to_funding,
)
from liqheat_nautilus.data import FundingRate, LiquidationEvent
from tests.adapters.binance.local_binance import CAPTURES

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
# Binance docs example (Liquidation Order Streams), in the combined-stream envelope.
DOCS_FORCE_ORDER = (b'{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT",'
                    b'"S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014",'
                    b'"z":"0.014","T":1568014460893}}}')


def _capture_lines(predicate, n: int | None = None) -> list[bytes]:
    out = []
    with gzip.open(CAPTURES[1], "rb") as fh:
        for line in fh:
            raw = line.rstrip(b"\n").split(b" ", 1)[1]
            if predicate(raw):
                out.append(raw)
                if n and len(out) == n:
                    break
    return out


def test_force_order_docs_example():
    event = force_order_to_event(decode_force_order(DOCS_FORCE_ORDER), IID, ts_init=5)
    assert event.side == "LONG"  # S=SELL: a long position was liquidated
    assert event.price == 9910.0 and event.quantity == 0.014
    assert event.notional_usd == pytest.approx(138.74)
    assert event.ts_event == 1_568_014_460_893_000_000 and event.ts_init == 5
    assert event.source == "forceOrder"


def test_force_order_buy_is_a_short_and_bad_payloads_are_errors():
    buy = DOCS_FORCE_ORDER.replace(b'"S":"SELL"', b'"S":"BUY"').replace(b'"ap":"9910"', b'"ap":"9920.5"')
    event = force_order_to_event(decode_force_order(buy), IID, ts_init=0)
    assert event.side == "SHORT" and event.price == 9920.5  # average price preferred
    with pytest.raises(ValueError, match="o.S"):
        decode_force_order(DOCS_FORCE_ORDER.replace(b'"S":"SELL"', b'"S":"HOLD"'))
    with pytest.raises(ValueError, match="invalid forceOrder message"):
        decode_force_order(b'{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder"}}')


def test_insurance_fund_trade_from_the_capture_is_a_liquidation():
    (raw,) = _capture_lines(lambda r: b'"X":"INSURANCE_FUND"' in r)
    event = liquidation_trade_to_event(decode_trade(raw), IID, ts_init=0)
    assert event is not None
    assert (event.side, event.price, event.quantity) == ("LONG", 28722.5, 0.001)
    assert event.ts_event == 1_680_652_874_400_000_000
    assert event.source == "trade:INSURANCE_FUND"


def test_market_trades_are_not_liquidations():
    for raw in _capture_lines(lambda r: b"@trade" in r, n=50):
        trade = decode_trade(raw)
        assert trade.X == "MARKET"
        assert liquidation_trade_to_event(trade, IID, ts_init=0) is None


def test_mark_price_to_funding_from_the_capture():
    (raw,) = _capture_lines(lambda r: b"@markPrice" in r, n=1)
    data = msgspec.json.decode(raw, type=BinanceFuturesMarkPriceMsg).data
    update = data.parse_to_binance_futures_mark_price_update(instrument_id=IID, ts_init=7)
    funding = mark_price_to_funding(update, interval_hours=8.0)
    assert isinstance(funding, FundingRate)
    assert funding.rate == 0.0000276 == float(Decimal(data.r))
    assert funding.next_funding_ns == data.T * 1_000_000
    assert funding.ts_event == data.E * 1_000_000 and funding.ts_init == 7
    assert funding.to_nautilus().rate == Decimal("0.0000276")


def test_funding_throttle_publishes_first_changes_and_settlements():
    throttle = FundingThrottle(min_interval_ns=60_000_000_000)

    def fr(rate, t_next, ts_s):
        return FundingRate(instrument_id=IID, rate=rate, next_funding_ns=t_next, ts_event=ts_s * 10**9,
                           ts_init=0)

    assert throttle.should_publish(fr(1e-4, 100, 0))  # first
    assert not throttle.should_publish(fr(1e-4, 100, 1))  # unchanged
    assert not throttle.should_publish(fr(2e-4, 100, 30))  # changed but < 60 s after the last publication
    assert throttle.should_publish(fr(2e-4, 100, 61))  # changed, >= 60 s
    assert throttle.should_publish(fr(2e-4, 200, 62))  # settlement: next funding time moved


def test_funding_interval_is_learnt_from_the_settlement_step():
    intervals = FundingIntervals(default_hours=8.0)
    other = InstrumentId.from_str("SOLUSDT-PERP.BINANCE")
    h = 3_600_000_000_000
    assert intervals.hours(IID, 100 * h) == 8.0  # nothing seen yet: the default
    assert intervals.hours(IID, 100 * h) == 8.0  # the running interval: unchanged
    assert intervals.hours(IID, 104 * h + 2_000_000) == 4.0  # settled, T moved 4 h (+2 ms of rounding)
    assert intervals.hours(IID, 104 * h) == 4.0  # T moving back (a stale message) teaches nothing
    assert intervals.hours(other, 7 * h) == 8.0  # per instrument
    assert intervals.hours(IID, 200 * h) == 4.0  # a 96 h jump (a gap in the stream) is not an interval


def test_client_dispatches_force_order_and_trade_streams():
    """The subclass adds handlers keyed by stream name to Nautilus' own Binance futures data client."""
    loop = asyncio.new_event_loop()
    try:
        clock = LiveClock()
        msgbus = MessageBus(trader_id=TraderId("TESTER-001"), clock=clock)
        published: list = []
        msgbus.register(endpoint="DataEngine.process", handler=published.append)
        config = LiqheatBinanceDataClientConfig(
            account_type=BinanceAccountType.USDT_FUTURES, api_key="offline-test-key",
            api_secret="offline-test-secret", base_url_http="http://127.0.0.1:9", base_url_ws="ws://127.0.0.1:9",
            feeds=LiqheatFeedsConfig(funding_interval_hours=4.0),  # wrong on purpose: BTCUSDT settles every 8 h
        )
        client = LiqheatBinanceLiveDataClientFactory.create(loop, "BINANCE", config, msgbus, Cache(), clock)
        client._handle_ws_message(DOCS_FORCE_ORDER)
        (fund_raw,) = _capture_lines(lambda r: b'"X":"INSURANCE_FUND"' in r)
        client._handle_ws_message(fund_raw)
        mark_raw = _capture_lines(lambda r: b"@markPrice" in r, n=2)
        for raw in mark_raw:
            client._handle_ws_message(raw)
    finally:
        loop.close()
    custom = [p for p in published if isinstance(p, CustomData)
              and isinstance(p.data, LiquidationEvent | FundingRate)]  # (not the adapter's own mark-price data)
    liqs = [c.data for c in custom if isinstance(c.data, LiquidationEvent)]
    fundings = [c.data for c in custom if isinstance(c.data, FundingRate)]
    assert [e.source for e in liqs] == ["forceOrder", "trade:INSURANCE_FUND"]
    assert liqs[0].instrument_id == IID  # "BTCUSDT" -> the adapter's "BTCUSDT-PERP.BINANCE"
    assert [c.data_type.metadata for c in custom] == [{"instrument_id": IID.value}] * len(custom)
    # two consecutive mark prices: same rate, but T moves at the 00:00 settlement -> both published
    assert len(fundings) == 2
    assert fundings[1].next_funding_ns - fundings[0].next_funding_ns == 8 * 3600 * 10**9
    # the configured interval until the settlement, then the step of T (was the configured 4 h throughout)
    assert [f.interval_hours for f in fundings] == [4.0, 8.0]
    assert client.liquidations_published == 2 and client.funding_published == 2
    assert json.loads(fund_raw)["data"]["m"] is True


def test_force_order_notional_is_valued_by_the_instrument():
    # hand-computed: linear (BTCUSDT-like, multiplier 1) 0.014 x 9,910 = 138.74 USD; inverse (BTCUSD_PERP-like,
    # 100 USD per contract) 0.014 is not a whole contract, so 2 contracts: 2 x 100 = 200 USD at any price (price x
    # quantity x multiplier, the former formula, said 1,982,000)
    from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, make_perpetual

    linear = make_perpetual(PerpetualSpec("BTCUSDT-PERP.BINANCE", "BTCUSDT", "BTC", "USDT", "USDT", "0.1", "0.001"))
    event = force_order_to_event(decode_force_order(DOCS_FORCE_ORDER), IID, ts_init=5, instrument=linear)
    assert event.notional_usd == pytest.approx(138.74)
    inverse = make_perpetual(PerpetualSpec("BTCUSD-PERP.BINANCE", "BTCUSD_PERP", "BTC", "USD", "BTC", "0.1", "1",
                                           multiplier="100", is_inverse=True))
    raw = DOCS_FORCE_ORDER.replace(b'"s":"BTCUSDT"', b'"s":"BTCUSD_PERP"').replace(b'"0.014"', b'"2"')
    event = force_order_to_event(decode_force_order(raw), inverse.id, ts_init=5, instrument=inverse)
    assert event.quantity == 2.0 and event.notional_usd == pytest.approx(200.0, abs=1e-3)
