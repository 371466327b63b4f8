"""ccxt structures to OpenInterest / FundingRate, per venue and contract type, against hand-computed values.

Each venue's raw payload (in its documented format, SYNTHETIC round numbers) goes through ccxt's own
``parse_open_interest`` of that exchange (offline, with a minimal market), then through the adapter's conversion, so
the table checks ccxt's unit mapping and ours together. Numbers: 80,000 BTC of open interest at 70,000 USD = 5.6e9
USD; linear contracts of 1 BTC (Binance USD-M, Bybit), 0.01 BTC (OKX ``ctVal``) and 1 coin (Hyperliquid); inverse
contracts of 100 USD (Binance COIN-M, OKX) and 1 USD (Bybit).
"""

import math

import ccxt
import pytest
from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus.adapters.ccxt.parsing import (
    funding_from_history,
    funding_interval_hours,
    open_interest_from_ccxt,
    open_interest_from_history,
)
from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, make_perpetual
from liqheat_nautilus.persistence.errors import IngestError

T = 1_712_707_200_000  # 2024-04-10 00:00 UTC, ms
HOUR_MS = 3_600_000
IID = InstrumentId.from_str("BTC-PERP.TEST")


def _market(symbol: str, venue_id: str, linear: bool, size: float) -> dict:
    return {"id": venue_id, "symbol": symbol, "type": "swap", "swap": True, "spot": False, "contract": True,
            "linear": linear, "inverse": not linear, "contractSize": size}


CASES = {
    # Binance USD-M openInterestHist: sumOpenInterest in BTC, sumOpenInterestValue in USD
    "binance USD-M": ("binanceusdm", _market("BTC/USDT:USDT", "BTCUSDT", True, 1.0),
                      {"symbol": "BTCUSDT", "sumOpenInterest": "80000.000", "sumOpenInterestValue": "5600000000.00",
                       "timestamp": T}, 70_000.0, (80_000.0, 80_000.0, 5.6e9)),
    # Binance COIN-M openInterestHist: sumOpenInterest in contracts of 100 USD, sumOpenInterestValue in BTC (computed
    # by Binance at its price, 70,000); kept as reported although the price now is 71,000 (5.6e9 / 71,000 = 78,873)
    "binance COIN-M history": ("binancecoinm", _market("BTC/USD:BTC", "BTCUSD_PERP", False, 100.0),
                               {"pair": "BTCUSD", "contractType": "PERPETUAL", "sumOpenInterest": "56000000",
                                "sumOpenInterestValue": "80000.00000000", "timestamp": T},
                               71_000.0, (56_000_000.0, 80_000.0, 5.6e9)),
    # Binance COIN-M /dapi/v1/openInterest: contracts only -> USD = contracts x 100, BTC = USD / price
    "binance COIN-M current": ("binance", _market("BTC/USD:BTC", "BTCUSD_PERP", False, 100.0),
                               {"symbol": "BTCUSD_PERP", "pair": "BTCUSD", "openInterest": "56000000",
                                "contractType": "PERPETUAL", "time": T}, 70_000.0, (56_000_000.0, 80_000.0, 5.6e9)),
    # Bybit v5 open-interest: "BTCUSDT (linear) is BTC" -> USD = BTC x price
    "bybit linear": ("bybit", _market("BTC/USDT:USDT", "BTCUSDT", True, 1.0),
                     {"openInterest": "80000.00000000", "timestamp": str(T)}, 70_000.0, (80_000.0, 80_000.0, 5.6e9)),
    # Bybit v5 open-interest: "BTCUSD (inverse) is USD" -> contracts = USD / 1, BTC = USD / price
    "bybit inverse": ("bybit", _market("BTC/USD:BTC", "BTCUSD", False, 1.0),
                      {"openInterest": "5600000000", "timestamp": str(T)}, 70_000.0, (5.6e9, 80_000.0, 5.6e9)),
    # OKX rubik open-interest-history [ts, oi (contracts), oiCcy (BTC), oiUsd]; ctVal 0.01 BTC -> BTC = oi x 0.01
    "okx linear": ("okx", _market("BTC/USDT:USDT", "BTC-USDT-SWAP", True, 0.01),
                   [str(T), "8000000", "80000", "5600000000"], 70_000.0, (8_000_000.0, 80_000.0, 5.6e9)),
    # OKX inverse ctVal 100 USD: oi 56e6 contracts, oiUsd 5.6e9 -> BTC = oiUsd / price
    "okx inverse": ("okx", _market("BTC/USD:BTC", "BTC-USD-SWAP", False, 100.0),
                    [str(T), "56000000", "80000", "5600000000"], 70_000.0, (56_000_000.0, 80_000.0, 5.6e9)),
    # Hyperliquid metaAndAssetCtxs: openInterest in coins (linear, size 1), no timestamp, valued at markPx 71,000
    "hyperliquid": ("hyperliquid", _market("BTC/USDC:USDC", "0", True, 1.0),
                    {"info": {"name": "BTC", "openInterest": "1000.5", "markPx": "71000"}}, 71_000.0,
                    (1000.5, 1000.5, 71_035_500.0)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_open_interest_per_venue_and_contract_type(case):
    ccxt_id, market, raw, price, (contracts, base, usd) = CASES[case]
    exchange = getattr(ccxt, ccxt_id)({"options": {"defaultType": "swap"}})
    row = exchange.parse_open_interest(raw, market)
    oi = open_interest_from_ccxt(row, IID, "TEST", exchange_id=ccxt_id, contract_size=market["contractSize"],
                                 inverse=market["inverse"], price=price, now_ms=T)
    assert oi.open_interest_contracts == pytest.approx(contracts, rel=1e-12)
    assert oi.open_interest_base == pytest.approx(base, rel=1e-12)
    assert oi.open_interest_usd == pytest.approx(usd, rel=1e-12)
    assert oi.ts_event == T * 1_000_000 and oi.venue == "TEST"


def _instrument(symbol: str, inverse: bool, size: str):
    spec = PerpetualSpec(f"{symbol}.TEST", symbol, "BTC", "USD" if inverse else "USDT", "BTC" if inverse else "USDT",
                         "0.1", "1" if inverse else "0.001", multiplier=size, is_inverse=inverse)
    return make_perpetual(spec)


def test_history_of_an_inverse_contract_gets_base_units_from_the_price():
    # Bybit inverse history as ccxt returns it (value in USD only); before, base units were NaN in a fetched
    # catalog while the live poller computed them: the map measured open interest differently
    inst = _instrument("BTCUSD", True, "1")
    rows = [{"openInterestAmount": None, "openInterestValue": 5.6e9, "timestamp": T},
            {"openInterestAmount": None, "openInterestValue": 5.6e9, "timestamp": T + 300_000}]
    prices = {T: 70_000.0, T + 300_000: 80_000.0}
    items = open_interest_from_history(rows, inst, "BYBIT", "bybit", prices.__getitem__, "test")
    assert [o.open_interest_base for o in items] == [80_000.0, 70_000.0]
    assert [o.open_interest_contracts for o in items] == [5.6e9, 5.6e9]
    no_price = open_interest_from_history(rows[:1], inst, "BYBIT", "bybit", None, "test")
    assert math.isnan(no_price[0].open_interest_base) and no_price[0].open_interest_usd == 5.6e9


def test_history_rows_that_cannot_be_valued_are_errors():
    linear = _instrument("BTCUSDT", False, "1")
    with pytest.raises(IngestError, match="without a usable USD value"):
        open_interest_from_history([{"openInterestAmount": 80_000.0, "timestamp": T}], linear, "BYBIT", "bybit",
                                   None, "bybit BTC/USDT:USDT open interest")
    with pytest.raises(IngestError, match="without a timestamp"):
        open_interest_from_history([{"openInterestValue": 1.0}], linear, "X", "x", None, "src")
    with pytest.raises(IngestError, match="must be >= 0"):
        open_interest_from_history([{"openInterestValue": -1.0, "timestamp": T}], linear, "X", "x", None, "src")


@pytest.mark.parametrize(("step_ms", "expected"), [(8 * HOUR_MS, 8.0), (HOUR_MS, 1.0), (4 * HOUR_MS + 1_000, 4.0),
                                                   (90 * 60_000, 1.5)])
def test_funding_interval_is_the_median_spacing_to_the_minute(step_ms, expected):
    times = [T + k * step_ms for k in range(5)]
    assert funding_interval_hours(times, 8.0) == expected
    assert funding_interval_hours(times[:1], 8.0) == 8.0  # one time: the default


def test_funding_history_is_settled_at_each_funding_time():
    rows = [{"timestamp": T + k * HOUR_MS, "fundingRate": 0.0000125 * (k + 1)} for k in range(3)]  # hourly
    items = funding_from_history(rows, IID, 8.0, "src")
    assert [f.interval_hours for f in items] == [1.0, 1.0, 1.0]
    assert [f.next_funding_ns for f in items] == [(T + (k + 1) * HOUR_MS) * 1_000_000 for k in range(3)]
    assert [f.ts_init for f in items] == [f.ts_event for f in items]
    assert funding_from_history(rows, IID, 8.0, "src", ts_init=7)[0].ts_init == 7
    with pytest.raises(IngestError, match="bad funding row"):
        funding_from_history([{"timestamp": T, "fundingRate": None}], IID, 8.0, "src")
