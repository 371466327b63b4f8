"""``liqheat catalog fetch`` against a local server answering like Binance USD-M (real ccxt code paths).

Market definitions: fixtures/binanceusdm_exchangeInfo.json (documented format). Series: SYNTHETIC (see
emulators.py), except the test using the real kline payload from tests/data.
"""

import dataclasses
import json

import ccxt
import pytest
from nautilus_trader.model.data import Bar, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.ccxt.client import make_exchange
from liqheat_nautilus.adapters.ccxt.config import VENUES
from liqheat_nautilus.adapters.ccxt.loaders import FetchPlan, fetch_to_catalog
from liqheat_nautilus.cli import main
from liqheat_nautilus.data import FundingRate, OpenInterest
from liqheat_nautilus.persistence.validate import validate_catalog
from tests.adapters.ccxt.emulators import HOUR, MINUTE, T0, BinanceUsdmEmulator
from tests.data_files import data_file

REAL_REST = data_file("binance_rest_fixtures/binance_positions_and_swap_klines.json")


def _fetch(server, catalog, kinds, start=T0, end=T0 + 300 * MINUTE, policy=None, **spec_changes):
    spec = dataclasses.replace(VENUES["binance"], **spec_changes)
    exchange = make_exchange("binance", api_base=server.url)
    exchange.rateLimit = 1  # ccxt's limiter stays on (with Binance's endpoint weights); 1 ms keeps the test fast
    import liqheat_nautilus.adapters.ccxt.loaders as fetch_module

    original = fetch_module.venue_spec
    fetch_module.venue_spec = lambda name: spec
    try:
        kwargs = {"policy": policy} if policy else {}
        return fetch_to_catalog(FetchPlan("binance", "BTCUSDT", start, end, kinds), catalog, exchange=exchange,
                                progress=False, sleep=lambda s: None, log=lambda s: None, **kwargs)
    finally:
        fetch_module.venue_spec = original


def _klines_requests(server):
    return server.paths("/fapi/v1/klines")


def test_paginated_bars_written_at_bar_close(serve, series, tmp_path):
    server = serve(BinanceUsdmEmulator(series))
    summary = _fetch(server, tmp_path / "cat", ("bars",), ohlcv_limit=100)
    key = "Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"
    assert summary.counts[key] == 300
    requests = _klines_requests(server)
    assert [int(r.query["startTime"]) for r in requests] == [T0, T0 + 100 * MINUTE, T0 + 200 * MINUTE]
    assert all(r.query["limit"] == "100" for r in requests)
    bars = ParquetDataCatalog(str(tmp_path / "cat")).query(Bar)
    assert len(bars) == 300
    open_ms, o, h, lo, c, v = series.candles[0]
    assert bars[0].ts_event == (open_ms + MINUTE) * 1_000_000  # stamped at the close
    assert (float(bars[0].open), float(bars[0].high), float(bars[0].low), float(bars[0].close)) == (o, h, lo, c)
    assert float(bars[-1].close) == series.candles[-1][4]
    instrument = ParquetDataCatalog(str(tmp_path / "cat")).instruments()[0]
    assert (str(instrument.id), str(instrument.price_increment), str(instrument.size_increment)) == \
        ("BTCUSDT-PERP.BINANCE", "0.10", "0.001")


def test_429_and_5xx_are_retried_with_backoff(serve, series, tmp_path, fast_retries):
    server = serve(BinanceUsdmEmulator(series))
    server.fail_next("/fapi/v1/klines", 429, json.dumps({"code": -1003, "msg": "Too many requests."}))
    server.fail_next("/fapi/v1/klines", 503, json.dumps({"code": -1001, "msg": "Internal error."}))
    summary = _fetch(server, tmp_path / "cat", ("bars",), policy=fast_retries, ohlcv_limit=100)
    assert summary.counts["Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] == 300
    starts = [int(r.query["startTime"]) for r in _klines_requests(server)]
    assert starts == [T0, T0, T0, T0 + 100 * MINUTE, T0 + 200 * MINUTE]  # first page asked three times
    assert not validate_catalog(tmp_path / "cat").errors


def test_persistent_5xx_fails_and_leaves_the_catalog_unchanged(serve, series, tmp_path, fast_retries):
    server = serve(BinanceUsdmEmulator(series))
    catalog = tmp_path / "cat"
    _fetch(server, catalog, ("funding",))
    before = sorted((p.relative_to(catalog), p.read_bytes()) for p in catalog.rglob("*") if p.is_file())
    for _ in range(fast_retries.retries + 1):
        server.fail_next("/fapi/v1/klines", 502, "<html>502 Bad Gateway</html>")
    with pytest.raises(ccxt.ExchangeNotAvailable):
        _fetch(server, catalog, ("bars",), policy=fast_retries)
    after = sorted((p.relative_to(catalog), p.read_bytes()) for p in catalog.rglob("*") if p.is_file())
    assert after == before
    assert len(_klines_requests(server)) == fast_retries.retries + 1


def test_resume_continues_after_the_stored_data(serve, series, tmp_path):
    server = serve(BinanceUsdmEmulator(series))
    catalog = tmp_path / "cat"
    first = _fetch(server, catalog, ("bars", "funding"), end=T0 + 150 * MINUTE, ohlcv_limit=100)
    assert first.counts["Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] == 150
    n_before = len(server.requests)
    second = _fetch(server, catalog, ("bars", "funding"), end=T0 + 300 * MINUTE, ohlcv_limit=100)
    assert second.counts["Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] == 150  # only the missing half
    resumed = [int(r.query["startTime"]) for r in server.requests[n_before:] if r.path == "/fapi/v1/klines"]
    assert resumed[0] == T0 + 150 * MINUTE
    bars = ParquetDataCatalog(str(catalog)).query(Bar)
    assert [b.ts_event for b in bars] == [(t + MINUTE) * 1_000_000 for t, *_ in series.candles]
    third = _fetch(server, catalog, ("bars",), end=T0 + 300 * MINUTE, ohlcv_limit=100)
    assert third.counts["Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"] == 0  # complete: nothing to do
    assert not validate_catalog(catalog).errors


def test_trades_across_hour_windows_pages_and_shared_milliseconds(serve, series, tmp_path):
    server = serve(BinanceUsdmEmulator(series))
    summary = _fetch(server, tmp_path / "cat", ("trades",), end=T0 + 3 * HOUR)
    assert summary.counts["TradeTick BTCUSDT-PERP.BINANCE"] == len(series.trades) == 2500
    ticks = ParquetDataCatalog(str(tmp_path / "cat")).query(TradeTick)
    assert [t.trade_id.value for t in ticks] == [str(i) for i, *_ in series.trades]
    # is_buyer_maker ("m": true) -> the seller was the aggressor
    assert all((t.aggressor_side == AggressorSide.SELLER) == m for t, (*_, m) in zip(ticks, series.trades,
                                                                                       strict=True))
    windows = [(int(r.query["startTime"]), int(r.query["endTime"])) for r in server.paths("/fapi/v1/aggTrades")]
    assert all(end - start < HOUR for start, end in windows)  # Binance's 1-hour aggTrades limit
    assert not validate_catalog(tmp_path / "cat").errors


def test_open_interest_and_funding(serve, series, tmp_path):
    server = serve(BinanceUsdmEmulator(series))
    _fetch(server, tmp_path / "cat", ("oi", "funding"), end=T0 + 10 * 24 * HOUR)
    catalog = ParquetDataCatalog(str(tmp_path / "cat"))
    oi = [d.data if hasattr(d, "data") else d for d in catalog.query(OpenInterest)]
    assert len(oi) == len(series.oi) == 60
    t, base, usd = series.oi[3]
    assert (oi[3].ts_event, oi[3].open_interest_usd, oi[3].open_interest_base, oi[3].venue) == \
        (t * 1_000_000, usd, base, "BINANCE")
    funding = [d.data if hasattr(d, "data") else d for d in catalog.query(FundingRate)]
    assert [(f.ts_event // 1_000_000, f.rate) for f in funding] == series.funding
    assert funding[0].interval_hours == 8.0
    assert funding[0].next_funding_ns == funding[1].ts_event


def test_real_binance_kline_payload(serve, series, tmp_path):
    real = json.loads(REAL_REST.read_text())["fapi_v1_klines_BTCUSDT_1m_2024-04-10"]
    server = serve(BinanceUsdmEmulator(series, klines_override=real))
    start = real[0][0]
    _fetch(server, tmp_path / "cat", ("bars",), start=start, end=start + 3 * MINUTE)
    bars = ParquetDataCatalog(str(tmp_path / "cat")).query(Bar)
    assert [(b.ts_event // 1_000_000, str(b.open), str(b.high), str(b.low), str(b.close), str(b.volume))
            for b in bars] == [
        (1712738520000, "71481.90", "71481.90", "71481.90", "71481.90", "0.002"),
        (1712738580000, "71471.00", "71471.00", "70459.40", "70459.40", "0.120"),
        (1712738640000, "71470.70", "71470.90", "70459.40", "70459.40", "1.542"),
    ]


def test_cli_fetch_and_info(serve, series, tmp_path, capsys):
    server = serve(BinanceUsdmEmulator(series))
    args = ["catalog", "fetch", "binance", "BTC/USDT:USDT", "--start", "2024-04-10", "--end", "2024-04-10T02:00",
            "--catalog", str(tmp_path / "cat"), "--data", "bars,funding", "--api-base", server.url, "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Bar BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL" in out and "120 rows" in out
    assert main(["catalog", "info", "--catalog", str(tmp_path / "cat")]) == 0
    info = capsys.readouterr().out
    assert "BTCUSDT-PERP.BINANCE  CryptoPerpetual linear" in info and "FundingRate" in info
    assert main(args[:3] + ["NOPE"] + args[4:]) == 1
    assert "no perpetual swap 'NOPE'" in capsys.readouterr().err


def test_cli_fetch_progress_bar_keeps_off_stdout(serve, series, tmp_path, capsys):
    # the bar went to stdout: redirected to a file, the summary came below the bar's last frame
    server = serve(BinanceUsdmEmulator(series))
    args = ["catalog", "fetch", "binance", "BTC/USDT:USDT", "--start", "2024-04-10", "--end", "2024-04-10T02:00",
            "--catalog", str(tmp_path / "cat"), "--data", "bars,funding", "--api-base", server.url]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("catalog ")  # the summary alone
    assert "100.0%" not in captured.out and "BTC/USDT:USDT bars" not in captured.out
    assert "100.0%" in captured.err and "BTC/USDT:USDT bars" in captured.err  # the bar, on stderr
