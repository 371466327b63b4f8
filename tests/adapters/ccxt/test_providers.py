"""Instruments from the venues' own metadata, with NautilusTrader's ids: recorded payloads parsed by the real parsers
(ccxt's market parsers, Nautilus' Binance provider), served by a local recorded-response server (no network)."""

import json
from decimal import Decimal

import msgspec
import pytest
from ccxt.base.decimal_to_precision import DECIMAL_PLACES, TICK_SIZE
from nautilus_trader.adapters.binance.futures.providers import BinanceFuturesInstrumentProvider
from nautilus_trader.adapters.binance.futures.schemas.market import BinanceFuturesExchangeInfo
from nautilus_trader.adapters.binance.futures.schemas.wallet import BinanceFuturesCommissionRate
from nautilus_trader.adapters.binance.http.client import BinanceHttpClient
from nautilus_trader.adapters.bybit.common.symbol import BybitSymbol
from nautilus_trader.common.component import LiveClock

from liqheat_nautilus.adapters.binance.providers import (
    BINANCE_BASE_FEES,
    binance_instrument_id,
    perpetuals_from_exchange_info,
    raw_symbol_of,
)
from liqheat_nautilus.adapters.ccxt.client import make_exchange, redirect_urls
from liqheat_nautilus.adapters.ccxt.providers import instrument_from_market, perpetuals_from_markets
from liqheat_nautilus.adapters.common.providers import InstrumentSources, resolve_instruments
from liqheat_nautilus.persistence.errors import IngestError
from tests.adapters.binance.archive_files import FAPI_EXCHANGE_INFO, FIXTURES
from tests.adapters.ccxt.emulators import BinanceUsdmEmulator, BybitEmulator, OkxEmulator, fixture

NAUTILUS_RECORDED = FIXTURES / "binance_fapi_exchange_info.json"  # a recorded response from Nautilus' own tests


def test_redirect_keeps_paths_and_rate_limiter_stays_on():
    urls = {"fapiPublic": "https://fapi.binance.com/fapi/v1", "nested": {"rest": "https://{hostname}"}}
    assert redirect_urls(urls, "http://127.0.0.1:9") == {"fapiPublic": "http://127.0.0.1:9/fapi/v1",
                                                          "nested": {"rest": "http://127.0.0.1:9"}}
    exchange = make_exchange("okx", api_base="http://127.0.0.1:9")
    assert exchange.enableRateLimit is True
    assert exchange.urls["api"]["rest"] == "http://127.0.0.1:9"


@pytest.mark.parametrize(("raw", "iid"), [
    ("BTCUSDT", "BTCUSDT-PERP.BINANCE"), ("SOLUSDT", "SOLUSDT-PERP.BINANCE"), ("BTCUSD_PERP", "BTCUSD-PERP.BINANCE"),
    ("ETHUSD_PERP", "ETHUSD-PERP.BINANCE"),
])
def test_binance_ids_are_the_nautilus_adapters_and_read_back(raw, iid):
    assert binance_instrument_id(raw).value == iid
    assert raw_symbol_of(iid) == raw


def test_usd_m_instruments_equal_nautilus_binance_providers():
    # Nautilus' own provider parses the same recorded response (its fee-level-0 rates given as the account's rates)
    clock = LiveClock()
    client = BinanceHttpClient(clock=clock, api_key="", api_secret="", base_url="http://127.0.0.1:9")
    provider = BinanceFuturesInstrumentProvider(client, clock)
    raw = NAUTILUS_RECORDED.read_bytes()
    for entry in msgspec.json.decode(raw, type=BinanceFuturesExchangeInfo).symbols:
        provider._parse_instrument(entry, 0, fee=BinanceFuturesCommissionRate(
            symbol=entry.symbol, makerCommissionRate=BINANCE_BASE_FEES[0], takerCommissionRate=BINANCE_BASE_FEES[1]))
    ours = perpetuals_from_exchange_info(raw)
    assert sorted(ours) == ["BTCUSDT-PERP.BINANCE", "ETHUSDT-PERP.BINANCE"]  # the quarterly future is left out
    for iid, mine in ours.items():
        theirs = provider.find(mine.id)
        for field in ("id", "raw_symbol", "price_precision", "size_precision", "price_increment", "size_increment",
                      "min_quantity", "multiplier", "is_inverse", "settlement_currency"):
            assert getattr(mine, field) == getattr(theirs, field), (iid, field)
        for field in ("margin_init", "margin_maint", "maker_fee", "taker_fee"):
            assert Decimal(getattr(mine, field)) == Decimal(getattr(theirs, field)), (iid, field)


def test_coin_m_is_inverse_with_its_contract_size():
    payload = json.loads((FIXTURES / "binance_dapi_exchange_info_recorded.json").read_text())
    [coin] = perpetuals_from_exchange_info(payload).values()
    assert (coin.id.value, coin.raw_symbol.value, coin.is_inverse, str(coin.multiplier), str(coin.price_increment),
            str(coin.size_increment), coin.settlement_currency.code) == \
        ("BTCUSD-PERP.BINANCE", "BTCUSD_PERP", True, "100", "0.1", "1", "BTC")
    with pytest.raises(IngestError, match="COIN-M entry needs contractSize"):
        entry = {k: v for k, v in payload["symbols"][0].items() if k != "contractSize"}
        perpetuals_from_exchange_info({"symbols": [entry]}, "x.json")
    with pytest.raises(IngestError, match="not a Binance futures exchangeInfo response"):
        perpetuals_from_exchange_info(b'{"data": []}', "x.json")


def test_binance_market_through_ccxt_equals_the_archive_route(serve, series):
    server = serve(BinanceUsdmEmulator(series))
    exchange = make_exchange("binance", api_base=server.url)
    exchange.load_markets()
    built = instrument_from_market(exchange.market("BTC/USDT:USDT"), "BINANCE", exchange.precisionMode)
    archive = perpetuals_from_exchange_info(fixture("binanceusdm_exchangeInfo.json"))["BTCUSDT-PERP.BINANCE"]
    assert built.id.value == "BTCUSDT-PERP.BINANCE"
    assert str(built.price_increment) == "0.10"  # the venue's text (ccxt's float would give 0.1)
    assert built.to_dict(built) == archive.to_dict(archive)


def test_okx_and_bybit_markets_get_the_adapters_ids(serve, series):
    okx = make_exchange("okx", api_base=serve(OkxEmulator(series)).url)
    okx.load_markets()
    built = instrument_from_market(okx.market("BTC/USDT:USDT"), "OKX", okx.precisionMode)
    assert (str(built.id), str(built.multiplier), str(built.price_increment), str(built.size_increment)) == \
        ("BTC-USDT-SWAP.OKX", "0.01", "0.1", "0.01")
    assert str(built.margin_init) == "0.010000"  # 1 / lever 100
    bybit = make_exchange("bybit", api_base=serve(BybitEmulator(series)).url)
    bybit.load_markets()
    defs = perpetuals_from_markets(bybit, "BYBIT")
    linear = defs["BTCUSDT-LINEAR.BYBIT"]
    assert BybitSymbol(linear.id.symbol.value).raw_symbol == linear.raw_symbol.value == "BTCUSDT"
    assert (str(linear.price_increment), str(linear.size_increment), linear.is_inverse) == ("0.10", "0.001", False)


def test_decimal_places_mode_and_non_swaps():
    market = {"id": "X", "symbol": "X/USD:USD", "swap": True, "base": "BTC", "quote": "USD", "settle": "BTC",
              "inverse": True, "contractSize": 100, "precision": {"price": 1, "amount": 0}, "limits": {}}
    built = instrument_from_market(market, "TEST", DECIMAL_PLACES)
    assert (str(built.price_increment), str(built.size_increment), str(built.multiplier), built.is_inverse) == \
        ("0.1", "1", "100", True)
    with pytest.raises(ValueError, match="not a perpetual swap"):
        instrument_from_market({**market, "swap": False, "type": "spot"}, "TEST", TICK_SIZE)


def test_online_resolution_per_venue_and_the_catalog_as_cache(serve, series, tmp_path):
    recorded = json.loads(FAPI_EXCHANGE_INFO.read_text())
    binance = serve(BinanceUsdmEmulator(series, exchange_info=recorded))
    online = InstrumentSources(api_base=binance.url)
    found = resolve_instruments({"LTCUSDT-PERP.BINANCE": "LTCUSDT", "BTCUSD-PERP.BINANCE": "BTCUSD_PERP"},
                                tmp_path / "cat", online)
    assert {iid: origin for iid, (_, origin) in found.items()} == {
        "LTCUSDT-PERP.BINANCE": "BINANCE online", "BTCUSD-PERP.BINANCE": "BINANCE online"}
    assert sorted(r.path for r in binance.requests) == ["/dapi/v1/exchangeInfo", "/fapi/v1/exchangeInfo"]
    assert str(found["LTCUSDT-PERP.BINANCE"][0].price_increment) == "0.01"
    okx = serve(OkxEmulator(series))
    [(inst, origin)] = resolve_instruments({"BTC-USDT-SWAP.OKX": "BTC-USDT-SWAP"}, tmp_path / "cat",
                                           InstrumentSources(api_base=okx.url)).values()
    assert (inst.id.value, origin, str(inst.multiplier)) == ("BTC-USDT-SWAP.OKX", "OKX online", "0.01")
    # what a catalog holds is found there, offline
    from nautilus_trader.persistence.catalog import ParquetDataCatalog
    (tmp_path / "cat").mkdir()
    ParquetDataCatalog(str(tmp_path / "cat")).write_data([found["LTCUSDT-PERP.BINANCE"][0]])
    cached = resolve_instruments({"LTCUSDT-PERP.BINANCE": "LTCUSDT"}, tmp_path / "cat", InstrumentSources.offline())
    assert cached["LTCUSDT-PERP.BINANCE"][1] == "catalog"
    with pytest.raises(IngestError, match=r"no instrument definition for \['SOLUSDT-PERP.BINANCE'\]"):
        resolve_instruments({"SOLUSDT-PERP.BINANCE": "SOLUSDT"}, tmp_path / "cat", online)
