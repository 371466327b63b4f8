"""The open-interest / funding poller against local 127.0.0.1 stand-ins of Bybit, OKX and Hyperliquid (and Binance).

What each venue serves:

- market loading: the documented-format fixtures of ``tests/adapters/ccxt/fixtures`` through the emulators of
  ``tests/adapters/ccxt/emulators.py`` (Bybit ``/v5/market/instruments-info``, OKX ``/api/v5/public/instruments``,
  Hyperliquid ``POST /info`` ``spotMeta``/``metaAndAssetCtxs``);
- the live endpoints ccxt polls, added below in each venue's documented response layout with SYNTHETIC values:
  Bybit ``/v5/market/open-interest`` (5-minute records of the synthetic series, newest first) and
  ``/v5/market/tickers`` (funding, mark price), OKX ``/api/v5/public/open-interest`` and
  ``/api/v5/public/funding-rate``; Hyperliquid's ``metaAndAssetCtxs`` answer is the fixture itself (made-up
  numbers in the documented shape: openInterest 1000.5 BTC, markPx 71000, funding 0.0000125);
- Binance: the local stand-in of ``local_binance.py`` (synthetic ``/fapi/v1/openInterest``).

Expected values are computed by hand from those served numbers and the venues' documented units: Bybit linear
open interest is in base coins, OKX ``oi`` in contracts of ``ctVal`` = 0.01 BTC with ``oiUsd`` in USD, Hyperliquid
``openInterest`` in coins. Poll loops run on virtual time (virtual_time.py): what they do by a virtual instant does
not depend on the machine's speed.
"""

import asyncio
import json
import time

import pytest
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.model.data import CustomData, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import ClientId, InstrumentId, TradeId, TraderId
from nautilus_trader.model.objects import Price, Quantity

from liqheat_nautilus.adapters.ccxt.config import CcxtDataClientConfig, PollTarget
from liqheat_nautilus.adapters.ccxt.data import CcxtDataClient
from liqheat_nautilus.data import FundingRate, OpenInterest
from tests.adapters.ccxt.emulators import (
    HOUR,
    T0,
    BybitEmulator,
    HyperliquidEmulator,
    OkxEmulator,
    SyntheticSeries,
    candles_for,
)
from tests.adapters.ccxt.recorded_server import RecordedExchangeServer
from tests.adapters.ccxt.virtual_time import VirtualTime

NS = 1_000_000  # ns per ms

BYBIT = PollTarget(exchange="bybit", symbol="BTC/USDT:USDT", instrument_id="BTCUSDT-LINEAR.BYBIT", funding=True)
OKX = PollTarget(exchange="okx", symbol="BTC/USDT:USDT", instrument_id="BTC-USDT-SWAP.OKX", funding=True)
HYPERLIQUID = PollTarget(exchange="hyperliquid", symbol="BTC/USDC:USDC", instrument_id="BTC-USD-PERP.HYPERLIQUID",
                         funding=True, funding_interval_hours=8.0)  # 8 h default: the venue's own "1h" must win
BINANCE = PollTarget(exchange="binance", symbol="BTC/USDT:USDT", instrument_id="BTCUSDT-PERP.BINANCE",
                     venue="BINANCE")

CCXT_OPTIONS = {
    "binance": {"fetchMarkets": ["linear"]},
    "bybit": {"fetchMarkets": {"types": ["linear"]}, "defaultType": "swap"},
    "okx": {"fetchMarkets": {"types": ["swap"]}, "defaultType": "swap"},
    "hyperliquid": {"fetchMarkets": {"types": ["swap"]}, "defaultType": "swap"},
}

# SYNTHETIC live values served below (documented layouts, made-up numbers)
BYBIT_MARK = 70_100.5
BYBIT_FUNDING = 0.0001
OKX_FUNDING = 0.00012
OKX_FUNDING_TIME = T0 + 8 * HOUR  # when the current rate is paid
OKX_NEXT_FUNDING_TIME = T0 + 16 * HOUR  # the settlement after that


def _next_index(index: int, advance: bool, n: int) -> int:
    """The record a live request sees: the first one, then one more per request while ``advance``."""
    return 0 if index < 0 else min(index + int(advance), n - 1)


class LiveBybit(BybitEmulator):
    """Bybit v5 with the live endpoints: each open-interest request sees one more 5-minute record (if advancing)."""

    def __init__(self, series: SyntheticSeries) -> None:
        super().__init__(series)
        self.advance = True
        self.oi_index = -1  # none served yet

    def respond(self, request):
        q, path = request.query, request.path
        if path == "/v5/market/open-interest" and "startTime" not in q:  # live poll (history: as documented)
            self.oi_index = _next_index(self.oi_index, self.advance, len(self.series.oi))
            rows = self.series.oi[: self.oi_index + 1][::-1]  # newest first, as documented
            return 200, self._ok({"symbol": q["symbol"], "category": q["category"],
                                  "list": [{"openInterest": f"{a:.8f}", "timestamp": str(t)} for t, a, _ in rows],
                                  "nextPageCursor": ""})
        if path == "/v5/market/tickers":
            ticker = {
                "symbol": q["symbol"], "lastPrice": "70100.00", "indexPrice": "70095.10", "markPrice": f"{BYBIT_MARK}",
                "prevPrice24h": "69000.00", "price24hPcnt": "0.015942", "highPrice24h": "70500.00",
                "lowPrice24h": "68900.00", "prevPrice1h": "70050.00", "openInterest": "80000.000",
                "openInterestValue": "5608040000.00", "turnover24h": "1000000.00", "volume24h": "14.5",
                "fundingRate": f"{BYBIT_FUNDING}", "nextFundingTime": str(T0 + 8 * HOUR), "predictedDeliveryPrice": "",
                "basisRate": "", "deliveryFeeRate": "", "deliveryTime": "0", "ask1Size": "1.2", "bid1Price": "70099.90",
                "ask1Price": "70100.00", "bid1Size": "0.8", "basis": "",
            }
            return 200, {"retCode": 0, "retMsg": "OK", "result": {"category": q["category"], "list": [ticker]},
                         "retExtInfo": {}, "time": T0 + 1_000}
        return super().respond(request)


class LiveOkx(OkxEmulator):
    """OKX v5 with the live endpoints; ``fail`` answers HTTP 429 with OKX's rate-limit error body."""

    def __init__(self, series: SyntheticSeries) -> None:
        super().__init__(series)
        self.advance = True
        self.fail = False
        self.oi_index = -1  # none served yet

    def respond(self, request):
        q, path = request.query, request.path
        if self.fail and path.startswith("/api/v5/public/") and path != "/api/v5/public/instruments":
            return 429, {"code": "50011", "msg": "Too Many Requests", "data": []}
        if path == "/api/v5/public/open-interest":
            self.oi_index = _next_index(self.oi_index, self.advance, len(self.series.oi))
            t, base, usd = self.series.oi[self.oi_index]
            return 200, {"code": "0", "msg": "", "data": [
                {"instId": q["instId"], "instType": "SWAP", "oi": f"{base * 100:.2f}", "oiCcy": f"{base:.4f}",
                 "oiUsd": f"{usd:.2f}", "ts": str(t)}]}
        if path == "/api/v5/public/funding-rate":
            return 200, {"code": "0", "msg": "", "data": [
                {"fundingRate": f"{OKX_FUNDING}", "fundingTime": str(OKX_FUNDING_TIME), "instId": q["instId"],
                 "instType": "SWAP", "interestRate": "0.0001", "maxFundingRate": "0.00375", "method": "current_period",
                 "minFundingRate": "-0.00375", "nextFundingRate": "", "nextFundingTime": str(OKX_NEXT_FUNDING_TIME),
                 "premium": "0.0001", "settFundingRate": "0.0001", "settState": "settled", "ts": str(T0 + 2_000)}]}
        return super().respond(request)


@pytest.fixture(scope="module")
def series() -> SyntheticSeries:
    """SYNTHETIC market history of tests/adapters/ccxt/emulators.py (5-minute OI: 80000 + 10 k BTC at 70000 USD)."""
    return SyntheticSeries.build()


@pytest.fixture
def servers(series):
    """Start local venue servers (127.0.0.1): ``servers(name) -> (server, emulator)``; stopped at teardown."""
    started: list[RecordedExchangeServer] = []
    kinds = {"bybit": LiveBybit, "okx": LiveOkx, "hyperliquid": HyperliquidEmulator}

    def start(name: str):
        emulator = kinds[name](series)
        server = RecordedExchangeServer(emulator).start()
        started.append(server)
        return server, emulator

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _poller(loop, targets, overrides, virtual: VirtualTime | None = None, **kwargs):
    """A poller on ``loop``; with ``virtual`` its clock and its wait between polls are virtual."""
    clock = virtual.clock if virtual is not None else LiveClock()
    msgbus = MessageBus(trader_id=TraderId("TESTER-001"), clock=clock)
    published: list = []
    msgbus.register(endpoint="DataEngine.process", handler=published.append)
    cache = Cache()
    config = CcxtDataClientConfig(
        targets=targets, api_base_overrides=overrides, request_timeout_secs=5.0,
        ccxt_options={k: CCXT_OPTIONS[k] for k in overrides},
        # ccxt's limiter stays on; 1 ms per unit of cost keeps local polling fast (Hyperliquid's info requests
        # cost 20 units of 50 ms each, ~1 s, at the real setting)
        ccxt_config={k: {"rateLimit": 1} for k in overrides}, **kwargs,
    )
    poller = CcxtDataClient(loop=loop, client_id=ClientId("LIQHEAT_OI"), msgbus=msgbus, cache=cache,
                                clock=clock, config=config)
    if virtual is not None:
        poller._sleep = virtual.sleep
    return poller, cache, published


def _add_trade(cache: Cache, instrument_id: str, price: str) -> None:
    cache.add_trade_tick(TradeTick(InstrumentId.from_str(instrument_id), Price.from_str(price),
                                   Quantity.from_str("0.001"), AggressorSide.BUYER, TradeId("1"), 0, 0))


def _of(published: list, cls: type) -> list:
    return [p.data for p in published if isinstance(p, CustomData) and isinstance(p.data, cls)]


def _poll_by_hand(loop, poller, target, n, between=None):
    """Connect, stop the automatic poll tasks, run ``n`` polls (``between(i)`` before poll i), disconnect."""

    async def run():
        await poller._connect()
        for task in poller._poll_tasks:
            task.cancel()
        for i in range(n):
            if between is not None:
                between(i)
            await poller.poll_once(target)
            await asyncio.sleep(0.002)  # distinct local timestamps for venues that send none
        await poller._disconnect()

    loop.run_until_complete(run())


def test_bybit_base_open_interest_valued_and_ticker_funding(loop, servers, series):
    server, emulator = servers("bybit")
    poller, cache, published = _poller(loop, [BYBIT], {"bybit": server.url})

    def between(i):
        if i == 1:  # a traded price of the instrument is in the cache from now on
            _add_trade(cache, BYBIT.instrument_id, "70050.0")
        if i == 2:  # the venue has no newer 5-minute record
            emulator.advance = False

    _poll_by_hand(loop, poller, BYBIT, 3, between)
    oi = _of(published, OpenInterest)
    assert len(oi) == 2  # the third poll repeated the second record
    (t0, base0, _), (t1, base1, _) = series.oi[0], series.oi[1]
    # poll 1: no cached price; base coins valued at the mark price of the ticker polled just before
    assert (oi[0].ts_event, oi[0].open_interest_base, oi[0].open_interest_contracts) == (t0 * NS, base0, base0)
    assert oi[0].open_interest_usd == pytest.approx(80_000.0 * BYBIT_MARK, rel=1e-12)
    # poll 2: the cached last trade wins over the ticker's mark price
    assert (oi[1].ts_event, oi[1].open_interest_base) == (t1 * NS, base1)
    assert oi[1].open_interest_usd == pytest.approx(80_010.0 * 70_050.0, rel=1e-12)
    assert {o.venue for o in oi} == {"BYBIT"}
    assert {o.instrument_id.value for o in oi} == {BYBIT.instrument_id}
    status = poller.status[BYBIT.key]
    assert (status.published, status.repeats, status.funding_published, status.errors) == (2, 1, 3, 0)

    funding = _of(published, FundingRate)
    assert len(funding) == 3
    assert funding[0].rate == pytest.approx(BYBIT_FUNDING)
    assert funding[0].next_funding_ns == (T0 + 8 * HOUR) * NS  # the ticker's nextFundingTime
    assert funding[0].interval_hours == 8.0  # instruments-info fundingInterval 480 minutes
    assert funding[0].ts_event == (T0 + 1_000) * NS  # the response's "time"
    # the open-interest records asked for are Bybit's finest, 5 minutes (ccxt's default would be 1h)
    assert {r.query["intervalTime"] for r in server.paths("/v5/market/open-interest")} == {"5min"}
    assert all("interval" not in r.query for r in server.paths("/v5/market/open-interest"))
    assert len(server.paths("/v5/market/tickers")) == 3


def test_okx_contracts_times_ct_val_and_funding_time(loop, servers, series):
    server, _ = servers("okx")
    poller, _, published = _poller(loop, [OKX], {"okx": server.url})
    _poll_by_hand(loop, poller, OKX, 2)

    oi = _of(published, OpenInterest)
    assert len(oi) == 2
    for obs, (t, base, usd) in zip(oi, series.oi[:2], strict=True):
        assert obs.ts_event == t * NS
        assert obs.open_interest_contracts == pytest.approx(base * 100)  # "oi", contracts
        assert obs.open_interest_base == pytest.approx(base * 100 * 0.01)  # contracts x ctVal 0.01 BTC
        assert obs.open_interest_usd == pytest.approx(usd)  # "oiUsd"; no price needed, none is cached
        assert obs.venue == "OKX" and obs.instrument_id.value == OKX.instrument_id
    assert oi[1].open_interest_base == pytest.approx(80_010.0)
    request = server.paths("/api/v5/public/open-interest")[0].query
    assert (request["instType"], request["instId"], request["uly"]) == ("SWAP", "BTC-USDT-SWAP", "BTC-USDT")

    funding = _of(published, FundingRate)
    assert len(funding) == 2
    assert funding[0].rate == pytest.approx(OKX_FUNDING)
    # the current rate is paid at fundingTime; nextFundingTime is the settlement after it
    assert funding[0].next_funding_ns == OKX_FUNDING_TIME * NS
    assert funding[0].interval_hours == 8.0  # nextFundingTime - fundingTime
    assert funding[0].instrument_id.value == OKX.instrument_id


def test_hyperliquid_coins_valued_at_the_venue_mark_price(loop, servers):
    server, _ = servers("hyperliquid")
    poller, cache, published = _poller(loop, [HYPERLIQUID], {"hyperliquid": server.url})
    _add_trade(cache, HYPERLIQUID.instrument_id, "65000.0")  # a cached price, not the venue's mark: not used
    before_ns = time.time_ns()
    _poll_by_hand(loop, poller, HYPERLIQUID, 2)
    after_ns = time.time_ns()

    oi = _of(published, OpenInterest)
    assert len(oi) == 2  # no venue timestamp: each answer is stamped on receipt, so each is new
    for obs in oi:
        assert obs.open_interest_contracts == 1000.5 and obs.open_interest_base == 1000.5  # coins
        assert obs.open_interest_usd == pytest.approx(1000.5 * 71_000.0)  # markPx of the same answer
        assert obs.venue == "HYPERLIQUID" and obs.instrument_id.value == HYPERLIQUID.instrument_id
        assert before_ns <= obs.ts_event <= after_ns

    funding = _of(published, FundingRate)
    assert len(funding) == 2
    assert funding[0].rate == pytest.approx(0.0000125)
    assert funding[0].interval_hours == 1.0  # Hyperliquid pays hourly (ccxt "1h"), not the target's 8 h default
    hour_ns = HOUR * NS
    assert funding[0].next_funding_ns % hour_ns == 0  # the next whole hour
    assert 0 < funding[0].next_funding_ns - before_ns <= hour_ns
    kinds = [r.body.get("type") for r in server.requests]
    assert set(kinds) <= {"spotMeta", "meta", "metaAndAssetCtxs"} and kinds.count("metaAndAssetCtxs") >= 4


def test_an_erroring_venue_backs_off_while_the_others_keep_publishing(loop, servers, local_binance_http):
    bybit_server, _ = servers("bybit")
    okx_server, okx = servers("okx")
    hl_server, _ = servers("hyperliquid")
    _, binance_base = local_binance_http(oi_mode="grow")
    okx.fail = True
    virtual = VirtualTime()
    poller, cache, published = _poller(
        loop, [BYBIT, OKX, HYPERLIQUID, BINANCE],
        {"bybit": bybit_server.url, "okx": okx_server.url, "hyperliquid": hl_server.url, "binance": binance_base},
        virtual, interval_secs=0.05, max_backoff_secs=0.4, stale_after_secs=30.0,
    )
    _add_trade(cache, BINANCE.instrument_id, "28000.0")
    snapshot: dict = {}

    async def run():
        await poller._connect()
        await virtual.run_for(1.2, sleepers=4)
        snapshot.update({k: (s.polls, s.errors, s.consecutive_errors, s.published, s.next_delay_secs, s.last_error)
                         for k, s in poller.status.items()})
        okx.fail = False  # the venue recovers
        await virtual.run_for(0.9, sleepers=4)
        await poller._disconnect()

    loop.run_until_complete(run())
    polls, errors, consecutive, published_okx, delay, last_error = snapshot[OKX.key]
    # 0.05 s doubled per error in a row, capped at 0.4 s: OKX polled at 0, 0.1, 0.3, 0.7 and 1.1 s (25 times
    # without back-off)
    assert (polls, errors, consecutive, published_okx, delay) == (5, 5, 5, 0, 0.4)
    assert "50011" in last_error or "Too Many Requests" in last_error  # OKX's error body, surfaced by ccxt
    for target in (BYBIT, HYPERLIQUID, BINANCE):  # never delayed by OKX: polled at 0, 0.05, ..., 1.2 s
        assert snapshot[target.key][:5] == (25, 0, 0, 25, 0.05), target.key
    # recovered: the poll due at 1.5 s succeeds, then every 0.05 s up to 2.1 s
    assert virtual.waits_of(f"oi-poll {OKX.key}") == [0.1, 0.2, 0.4, 0.4, 0.4] + [0.05] * 13
    okx_status = poller.status[OKX.key]
    assert (okx_status.polls, okx_status.published, okx_status.consecutive_errors) == (18, 13, 0)
    assert all(poller.status[t.key].polls == 43 for t in (BYBIT, HYPERLIQUID, BINANCE))

    oi = _of(published, OpenInterest)
    venues = {(o.instrument_id.value, o.venue) for o in oi}
    assert venues == {(BYBIT.instrument_id, "BYBIT"), (OKX.instrument_id, "OKX"),
                      (HYPERLIQUID.instrument_id, "HYPERLIQUID"), (BINANCE.instrument_id, "BINANCE")}
    assert all(p.data_type.metadata == {"instrument_id": p.data.instrument_id.value} for p in published)
    funding_ids = {f.instrument_id.value for f in _of(published, FundingRate)}
    assert funding_ids == {BYBIT.instrument_id, OKX.instrument_id, HYPERLIQUID.instrument_id}  # Binance: not polled


def test_bybit_five_minute_records_are_not_stale_between_records(loop, servers):
    bybit_server, bybit = servers("bybit")
    okx_server, okx = servers("okx")
    bybit.advance = okx.advance = False  # both repeat their newest record
    virtual = VirtualTime()
    poller, _, _ = _poller(loop, [BYBIT, OKX], {"bybit": bybit_server.url, "okx": okx_server.url}, virtual,
                           interval_secs=0.05, stale_after_secs=0.3)
    virtual.run_poller(loop, poller, 1.0, sleepers=2)
    st_bybit, st_okx = poller.status[BYBIT.key], poller.status[OKX.key]
    # polled at 0, 0.05, ..., 1.0 s: one new record, then 20 repeats
    assert (st_bybit.published, st_bybit.repeats) == (st_okx.published, st_okx.repeats) == (1, 20)
    assert st_okx.stale  # OKX reports continuously: a frozen timestamp for > 0.3 s is stale
    assert not st_bybit.stale  # Bybit's next record is due only 5 minutes after the last
    assert poller.stale_after_secs(BYBIT) == pytest.approx(300.05)
    assert poller.stale_after_secs(OKX) == 0.3
    assert poller.stale_targets == [OKX.key]


def test_history_requests_per_venue_with_documented_row_limits(loop, servers, series):
    bybit_server, _ = servers("bybit")
    okx_server, _ = servers("okx")
    # Hyperliquid pays funding hourly: its stand-in serves SYNTHETIC hourly funding rows
    hourly = SyntheticSeries(series.candles, series.trades, series.oi,
                             [(T0 + k * HOUR, round(0.00001 * (k % 3), 8)) for k in range(48)])
    hl_server = RecordedExchangeServer(HyperliquidEmulator(hourly)).start()
    try:
        poller, cache, _ = _poller(loop, [BYBIT, OKX, HYPERLIQUID], {
            "bybit": bybit_server.url, "okx": okx_server.url, "hyperliquid": hl_server.url})
        _add_trade(cache, BYBIT.instrument_id, "70000.0")  # the current price: NOT what values Bybit's history
        responses: list = []
        poller._msgbus.register(endpoint="DataEngine.response", handler=responses.append)
        clock = LiveClock()

        def request(cls):
            import pandas as pd
            from nautilus_trader.core.uuid import UUID4
            from nautilus_trader.data.messages import RequestData
            from nautilus_trader.model.data import DataType

            return RequestData(
                data_type=DataType(cls), instrument_id=None, start=pd.Timestamp(T0, unit="ms", tz="UTC"), end=None,
                limit=0, client_id=ClientId("LIQHEAT_OI"), venue=None, callback=lambda _: None, request_id=UUID4(),
                ts_init=clock.timestamp_ns(), params={},
            )

        async def run():
            await poller._request(request(OpenInterest))
            await poller._request(request(FundingRate))
            await poller._disconnect()

        loop.run_until_complete(run())
    finally:
        hl_server.stop()
    oi, funding = responses[0].data, responses[1].data
    by_id = {iid: [o for o in oi if o.instrument_id.value == iid] for iid in (BYBIT.instrument_id, OKX.instrument_id)}
    assert len(oi) == 2 * len(series.oi)  # Bybit and OKX; Hyperliquid has no open-interest history
    t, base, usd = series.oi[7]
    bybit_row, okx_row = by_id[BYBIT.instrument_id][7], by_id[OKX.instrument_id][7]
    assert (bybit_row.ts_event, bybit_row.open_interest_base, bybit_row.venue) == (t * NS, base, "BYBIT")
    # Bybit reports base coins only: each row is valued at the close of the last 5-minute candle closed at its time
    # (history_timeframe), as the fetch values it, not at the current price
    closed = [c for c in candles_for(series, "5") if c[0] + 5 * 60_000 <= t]
    assert closed and closed[-1][4] != 70_000.0
    assert bybit_row.open_interest_usd == pytest.approx(base * closed[-1][4])
    assert [o.open_interest_usd / o.open_interest_base for o in by_id[BYBIT.instrument_id][1:4]] == pytest.approx(
        [[c for c in candles_for(series, "5") if c[0] + 5 * 60_000 <= ts][-1][4] for ts, _, _ in series.oi[1:4]])
    assert (okx_row.ts_event, okx_row.open_interest_contracts, okx_row.open_interest_base, okx_row.venue) == \
        pytest.approx((t * NS, base * 100, base, "OKX"))
    assert okx_row.open_interest_usd == pytest.approx(usd)  # rubik's USD column

    rates = {iid: [f for f in funding if f.instrument_id.value == iid]
             for iid in (BYBIT.instrument_id, OKX.instrument_id, HYPERLIQUID.instrument_id)}
    assert [(f.ts_event // NS, f.rate) for f in rates[BYBIT.instrument_id]] == series.funding
    assert [(f.ts_event // NS, f.rate) for f in rates[OKX.instrument_id]] == series.funding
    assert [(f.ts_event // NS, f.rate) for f in rates[HYPERLIQUID.instrument_id]] == hourly.funding
    assert {f.interval_hours for f in rates[BYBIT.instrument_id] + rates[OKX.instrument_id]} == {8.0}
    assert {f.interval_hours for f in rates[HYPERLIQUID.instrument_id]} == {1.0}  # spacing of the venue's times
    # the configured 500 rows are capped at each endpoint's documented maximum (Bybit 200, OKX 100)
    assert {r.query["limit"] for r in bybit_server.paths("/v5/market/")
            if r.path not in ("/v5/market/instruments-info", "/v5/market/kline")} == {"200"}
    # one candle request values Bybit's rows; OKX's rows carry their USD value and need none
    assert [(r.query["interval"], r.query["limit"]) for r in bybit_server.paths("/v5/market/kline")] == \
        [("5", str(len(series.oi) + 1))]
    assert okx_server.paths("/api/v5/market/") == []
    assert {r.query["limit"] for r in okx_server.paths("/api/v5/public/funding-rate-history")} == {"100"}


def test_an_empty_open_interest_list_is_a_named_error_and_the_next_record_is_published(loop, servers, series):
    # Bybit v5 answering retCode 0 with an empty list (documented envelope, constructed): ccxt raised a bare
    # "IndexError: list index out of range", logged as the poll failure with no word of what happened
    server, _ = servers("bybit")
    target = PollTarget(exchange="bybit", symbol="BTC/USDT:USDT", instrument_id="BTCUSDT-LINEAR.BYBIT")
    poller, cache, published = _poller(loop, [target], {"bybit": server.url})
    _add_trade(cache, target.instrument_id, "70000.0")
    empty = {"retCode": 0, "retMsg": "OK", "result": {"symbol": "BTCUSDT", "category": "linear", "list": [],
                                                      "nextPageCursor": ""}, "retExtInfo": {}, "time": T0}
    errors = []

    async def run():
        await poller._connect()
        for task in poller._poll_tasks:
            task.cancel()
        server.fail_next("/v5/market/open-interest", 200, json.dumps(empty), {"Content-Type": "application/json"})
        try:
            await poller.poll_once(target)
        except ValueError as exc:
            errors.append(str(exc))
        await poller.poll_once(target)
        await poller._disconnect()

    loop.run_until_complete(run())
    assert errors == ["bybit:BTC/USDT:USDT: the venue answered an empty open-interest list (no record for "
                      "BTC/USDT:USDT)"]
    [oi] = _of(published, OpenInterest)  # the next answer's record, once
    assert (oi.ts_event, oi.open_interest_base) == (series.oi[0][0] * NS, series.oi[0][1])
