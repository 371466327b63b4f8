"""``liqheat catalog fetch`` for Bybit, OKX and Hyperliquid against local servers in each venue's documented format.

Market definitions: fixtures/*.json (documented formats). Series: SYNTHETIC (emulators.py).
"""

import pytest
from nautilus_trader.model.data import Bar, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.ccxt.client import make_exchange
from liqheat_nautilus.adapters.ccxt.loaders import FetchPlan, fetch_to_catalog
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.validate import validate_catalog
from tests.adapters.ccxt.emulators import HOUR, MINUTE, T0, BybitEmulator, HyperliquidEmulator, OkxEmulator


def _run(server, name, symbol, kinds, catalog, end=T0 + 300 * MINUTE):
    exchange = make_exchange(name, api_base=server.url)
    exchange.rateLimit = 1  # ccxt's limiter stays on; 1 ms spacing keeps the local test fast
    return fetch_to_catalog(FetchPlan(name, symbol, T0, end, kinds), catalog, exchange=exchange, progress=False,
                            sleep=lambda s: None, log=lambda s: None)


def _custom(catalog, cls):
    return [d.data if hasattr(d, "data") else d for d in ParquetDataCatalog(str(catalog)).query(cls)]


def test_bybit_bars_oi_valued_at_the_bar_close_and_funding(serve, series, tmp_path):
    server = serve(BybitEmulator(series))
    summary = _run(server, "bybit", "BTCUSDT", ("bars", "oi", "funding"), tmp_path / "cat", end=T0 + 5 * 24 * HOUR)
    assert summary.counts["Bar BTCUSDT-LINEAR.BYBIT-1-MINUTE-LAST-EXTERNAL"] == 300
    bars = ParquetDataCatalog(str(tmp_path / "cat")).query(Bar)
    assert float(bars[10].close) == series.candles[10][4]
    # Bybit reports linear OI in base units only: USD = base x close of the last 5-minute candle closed by then
    oi = _custom(tmp_path / "cat", OpenInterest)
    assert len(oi) == len(series.oi)
    t, base, _ = series.oi[4]  # 00:20 UTC; the 5-minute candle 00:15-00:20 closes at candle index 19
    assert oi[4].ts_event == t * 1_000_000 and oi[4].venue == "BYBIT"
    assert oi[4].open_interest_base == base
    assert oi[4].open_interest_usd == pytest.approx(base * series.candles[19][4], rel=1e-12)
    funding = _custom(tmp_path / "cat", FundingRate)
    expected = [f for f in series.funding if f[0] < T0 + 5 * 24 * HOUR]
    assert [(f.ts_event // 1_000_000, f.rate) for f in funding] == expected
    assert not validate_catalog(tmp_path / "cat").errors


def test_bybit_has_no_trade_history(serve, series, tmp_path):
    server = serve(BybitEmulator(series))
    with pytest.raises(ValueError, match="no public trade history"):
        _run(server, "bybit", "BTCUSDT", ("trades",), tmp_path / "cat")
    assert not (tmp_path / "cat").exists()  # nothing written


def test_okx_contracts_and_newest_first_pages(serve, series, tmp_path):
    server = serve(OkxEmulator(series))
    summary = _run(server, "okx", "BTC-USDT-SWAP", ("bars", "oi", "funding"), tmp_path / "cat",
                   end=T0 + 10 * 24 * HOUR)
    assert summary.counts["Bar BTC-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"] == 300
    bars = ParquetDataCatalog(str(tmp_path / "cat")).query(Bar)
    assert [b.ts_event // 1_000_000 for b in bars] == [t + MINUTE for t, *_ in series.candles]
    assert float(bars[0].volume) == pytest.approx(series.candles[0][5] * 100)  # contracts of 0.01 BTC
    instrument = ParquetDataCatalog(str(tmp_path / "cat")).instruments()[0]
    assert (str(instrument.multiplier), str(instrument.price_increment), str(instrument.size_increment)) == \
        ("0.01", "0.1", "0.01")
    oi = _custom(tmp_path / "cat", OpenInterest)
    t, base, usd = series.oi[7]
    assert (oi[7].open_interest_contracts, oi[7].open_interest_base, oi[7].open_interest_usd, oi[7].venue) == \
        pytest.approx((base * 100, base, usd, "OKX"))
    funding = _custom(tmp_path / "cat", FundingRate)
    assert [(f.ts_event // 1_000_000, f.rate) for f in funding] == series.funding
    # every funding request carried the raw OKX upper bound `after`, so no page was skipped
    assert all("after" in r.query for r in server.paths("/api/v5/public/funding-rate-history"))
    assert not validate_catalog(tmp_path / "cat").errors


def test_okx_trades_paged_backward_by_timestamp(serve, series, tmp_path):
    server = serve(OkxEmulator(series))
    summary = _run(server, "okx", "BTC-USDT-SWAP", ("trades",), tmp_path / "cat", end=T0 + 3 * HOUR)
    assert summary.counts["TradeTick BTC-USDT-SWAP.OKX"] == len(series.trades)
    ticks = ParquetDataCatalog(str(tmp_path / "cat")).query(TradeTick)
    assert [t.trade_id.value for t in ticks] == [str(i) for i, *_ in series.trades]
    i, t, p, qty, m = series.trades[4]
    assert (ticks[4].ts_event, float(ticks[4].price), float(ticks[4].size)) == (t * 1_000_000, p, qty * 100)
    assert ticks[4].aggressor_side == (AggressorSide.SELLER if m else AggressorSide.BUYER)
    requests = server.paths("/api/v5/market/history-trades")
    assert all(r.query["limit"] == "100" and int(r.query["after"]) - int(r.query["before"]) <= 60_001
               for r in requests)
    assert not validate_catalog(tmp_path / "cat").errors


def test_hyperliquid_bars_and_hourly_windows_of_funding(serve, series, tmp_path):
    server = serve(HyperliquidEmulator(series))
    server.fail_next("/info", 429, "{}")  # the very first request (market loading) is rate-limited, then retried
    summary = _run(server, "hyperliquid", "BTC-USD-PERP", ("bars", "funding"), tmp_path / "cat",
                   end=T0 + 10 * 24 * HOUR)
    assert summary.instrument_id == "BTC-USD-PERP.HYPERLIQUID"
    assert [r.body["type"] for r in server.requests[:2]] == ["spotMeta", "spotMeta"]  # 429, then the retry
    assert summary.counts["Bar BTC-USD-PERP.HYPERLIQUID-1-MINUTE-LAST-EXTERNAL"] == 300
    assert summary.counts["FundingRate BTC-USD-PERP.HYPERLIQUID"] == 30
    instrument = ParquetDataCatalog(str(tmp_path / "cat")).instruments()[0]
    assert str(instrument.size_increment) == "0.00001"  # szDecimals 5
    with pytest.raises(ValueError, match="no open-interest history"):
        _run(server, "hyperliquid", "BTC-USD-PERP", ("oi",), tmp_path / "cat")
    assert _custom(tmp_path / "cat", FundingRate)[0].rate == series.funding[0][1]  # unchanged by the failure


@pytest.mark.parametrize(("exchange", "kinds", "options", "expected"), [
    ("hyperliquid", ("oi",), {}, "no open-interest history"),  # was found out only after loading the markets
    ("binance", ("bars",), {"timeframe": "0m"}, "unsupported timeframe '0m'"),  # a zero step was accepted
    ("binance", ("bars",), {"timeframe": "-5m"}, "unsupported timeframe '-5m'"),
    ("binance", ("oi",), {"oi_period": "0m"}, "unsupported timeframe '0m'"),  # the OI period was never checked
])
def test_a_plan_the_venue_cannot_serve_is_refused_before_any_request(exchange, kinds, options, expected, tmp_path):
    asked = object()  # no exchange methods: any request would be an AttributeError
    plan = FetchPlan(exchange, "BTC/USDT:USDT", T0, T0 + 300 * MINUTE, kinds, **options)
    with pytest.raises(ValueError, match=expected):
        fetch_to_catalog(plan, tmp_path / "cat", exchange=asked, progress=False, sleep=lambda s: None,
                         log=lambda s: None)
    assert not (tmp_path / "cat").exists()
