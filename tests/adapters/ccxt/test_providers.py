"""Instruments from ccxt market definitions, and the ccxt client set-up."""

import pytest
from ccxt.base.decimal_to_precision import DECIMAL_PLACES, TICK_SIZE

from liqheat_nautilus.adapters.ccxt.client import make_exchange, redirect_urls
from liqheat_nautilus.adapters.ccxt.providers import instrument_from_market, same_as_known
from liqheat_nautilus.adapters.common.providers import known_perpetual
from tests.adapters.ccxt.emulators import BinanceUsdmEmulator, OkxEmulator


def test_redirect_keeps_paths_and_rate_limiter_stays_on():
    urls = {"fapiPublic": "https://fapi.binance.com/fapi/v1", "nested": {"rest": "https://{hostname}"}}
    assert redirect_urls(urls, "http://127.0.0.1:9") == {"fapiPublic": "http://127.0.0.1:9/fapi/v1",
                                                          "nested": {"rest": "http://127.0.0.1:9"}}
    exchange = make_exchange("okx", api_base="http://127.0.0.1:9")
    assert exchange.enableRateLimit is True
    assert exchange.urls["api"]["rest"] == "http://127.0.0.1:9"


def test_binance_market_gives_the_archive_definition(serve, series):
    server = serve(BinanceUsdmEmulator(series))
    exchange = make_exchange("binance", api_base=server.url)
    exchange.load_markets()
    built = instrument_from_market(exchange.market("BTC/USDT:USDT"), "BINANCE", exchange.precisionMode)
    assert (str(built.id), built.price_increment.as_double(), str(built.size_increment), built.is_inverse) == \
        ("BTCUSDT.BINANCE", 0.1, "0.001", False)
    assert same_as_known(built) == known_perpetual("BTCUSDT.BINANCE")
    assert str(same_as_known(built).price_increment) == "0.10"  # the venue's text, as the archive ingest writes


def test_okx_contract_size_is_the_multiplier(serve, series):
    server = serve(OkxEmulator(series))
    exchange = make_exchange("okx", api_base=server.url)
    exchange.load_markets()
    built = instrument_from_market(exchange.market("BTC/USDT:USDT"), "OKX", exchange.precisionMode)
    assert (str(built.id), str(built.multiplier), str(built.price_increment), str(built.size_increment)) == \
        ("BTC-USDT-SWAP.OKX", "0.01", "0.1", "0.01")
    assert str(built.margin_init) == "0.010000"  # 1 / lever 100


def test_decimal_places_mode_and_non_swaps():
    market = {"id": "X", "symbol": "X/USD:USD", "swap": True, "base": "BTC", "quote": "USD", "settle": "BTC",
              "inverse": True, "contractSize": 100, "precision": {"price": 1, "amount": 0}, "limits": {}}
    built = instrument_from_market(market, "TEST", DECIMAL_PLACES)
    assert (str(built.price_increment), str(built.size_increment), str(built.multiplier), built.is_inverse) == \
        ("0.1", "1", "100", True)
    with pytest.raises(ValueError, match="not a perpetual swap"):
        instrument_from_market({**market, "swap": False, "type": "spot"}, "TEST", TICK_SIZE)
