"""The open-interest poller against a local HTTP server (127.0.0.1): publishing, USD valuation, an erroring venue
(back-off), a stale venue, history requests, and that polling never blocks the event loop.

Open-interest values served are synthetic (constructed in Binance's documented response format, see
tests/adapters/binance/fixtures/README.md); funding history rows are the real April-2026 BTCUSDT rows. Poll loops run
on virtual time (virtual_time.py): what they do by a virtual instant does not depend on the machine's speed.
"""

import asyncio

import pytest
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.data.messages import RequestData
from nautilus_trader.model.data import CustomData, DataType, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import ClientId, InstrumentId, TradeId, TraderId
from nautilus_trader.model.objects import Price, Quantity

from liqheat_nautilus.adapters.ccxt.client import redirect_urls
from liqheat_nautilus.adapters.ccxt.config import CcxtDataClientConfig, PollTarget
from liqheat_nautilus.adapters.ccxt.data import CcxtDataClient
from liqheat_nautilus.adapters.ccxt.paging import backoff_delay
from liqheat_nautilus.data import FundingRate, OpenInterest
from tests.adapters.ccxt.virtual_time import VirtualTime

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")


def _target(exchange: str = "binance") -> PollTarget:
    return PollTarget(exchange=exchange, symbol="BTC/USDT:USDT", instrument_id=IID.value, venue="BINANCE")


def _poller(loop, targets, overrides, virtual: VirtualTime | None = None, **kwargs):
    """A poller on ``loop``; with ``virtual`` its clock and its wait between polls are virtual."""
    clock = virtual.clock if virtual is not None else LiveClock()
    msgbus = MessageBus(trader_id=TraderId("TESTER-001"), clock=clock)
    published: list = []
    responses: list = []
    msgbus.register(endpoint="DataEngine.process", handler=published.append)
    msgbus.register(endpoint="DataEngine.response", handler=responses.append)
    cache = Cache()
    config = CcxtDataClientConfig(
        targets=targets, api_base_overrides=overrides, request_timeout_secs=5.0,
        ccxt_options={k: {"fetchMarkets": ["linear"]} for k in overrides}, **kwargs,
    )
    poller = CcxtDataClient(loop=loop, client_id=ClientId("LIQHEAT_OI"), msgbus=msgbus, cache=cache,
                                clock=clock, config=config)
    if virtual is not None:
        poller._sleep = virtual.sleep
    return poller, cache, published, responses


def _add_trade(cache: Cache, price: str) -> None:
    cache.add_trade_tick(TradeTick(IID, Price.from_str(price), Quantity.from_str("0.001"), AggressorSide.BUYER,
                                   TradeId("1"), 0, 0))


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_backoff_doubles_and_caps():
    assert [backoff_delay(1.0, n, 10.0) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_url_override_keeps_paths():
    urls = {"fapiPublic": "https://fapi.binance.com/fapi/v1", "x": ["https://a.b/c?d=1"], "n": 3}
    assert redirect_urls(urls, "http://127.0.0.1:9") == {
        "fapiPublic": "http://127.0.0.1:9/fapi/v1", "x": ["http://127.0.0.1:9/c?d=1"], "n": 3}


def test_publishes_open_interest_valued_at_the_cached_price(loop, local_binance_http):
    server, base = local_binance_http(oi_start=80_000.0, oi_growth=0.001)
    poller, cache, published, _ = _poller(loop, [_target()], {"binance": base})

    async def run():
        await poller._connect()
        for task in poller._poll_tasks:  # drive polls by hand
            task.cancel()
        await poller.poll_once(_target())  # no price in the cache yet: held back
        _add_trade(cache, "28000.0")
        await poller.poll_once(_target())
        await asyncio.sleep(0.002)
        await poller.poll_once(_target())
        await poller._disconnect()

    loop.run_until_complete(run())
    assert all(isinstance(p, CustomData) for p in published)
    ois = [p.data for p in published]
    assert len(ois) == 2  # the first observation had no price to value it
    assert all(isinstance(o, OpenInterest) for o in ois)
    first, second = ois
    # the server's 2nd and 3rd (synthetic) answers: 80000 * 1.001 and 80000 * 1.001**2 BTC, valued at 28000 USDT
    assert first.open_interest_base == pytest.approx(80_080.0)
    assert first.open_interest_usd == pytest.approx(80_080.0 * 28_000.0)
    assert second.open_interest_base == pytest.approx(80_000.0 * 1.001**2)
    assert first.venue == "BINANCE" and first.instrument_id == IID
    assert published[0].data_type.metadata == {"instrument_id": IID.value}
    assert poller.status[_target().key].published == 2
    assert "/fapi/v1/openInterest" in server.hits


def test_erroring_venue_backs_off(loop, local_binance_http):
    _, base = local_binance_http(oi_mode="error")
    virtual = VirtualTime()
    poller, _, published, _ = _poller(loop, [_target()], {"binance": base}, virtual, interval_secs=0.05,
                                      max_backoff_secs=0.4, stale_after_secs=0.3)
    virtual.run_poller(loop, poller, 1.6, sleepers=1)
    st = poller.status[_target().key]
    assert published == []
    # 0.05 s doubled per error in a row, capped at 0.4 s: polls at 0, 0.1, 0.3, 0.7, 1.1 and 1.5 s (without
    # back-off there would be 33 in 1.6 s)
    assert [secs for _, secs in virtual.waits] == [0.1, 0.2, 0.4, 0.4, 0.4, 0.4]
    assert st.polls == st.errors == st.consecutive_errors == 6  # never succeeded
    assert "-1001" in st.last_error  # Binance's error body from the server, surfaced by ccxt
    assert st.next_delay_secs == 0.4
    assert st.stale  # no observation for > 0.3 s


def test_a_poll_in_flight_never_blocks_the_event_loop(loop, local_binance_http):
    server, base = local_binance_http(hold_open_interest=True)
    poller, cache, published, _ = _poller(loop, [_target()], {"binance": base})
    _add_trade(cache, "28000.0")
    seen: dict = {}

    async def run():
        await poller._connect()
        # The server holds the poll's request until this coroutine releases it: this coroutine can only run now if
        # the poll awaits its request instead of blocking the loop (a blocking poll would come back only when the
        # server gives up holding, after 60 s, with the request answered).
        while not server.oi_received.is_set():
            await asyncio.sleep(0.005)
        seen["held"] = not server.oi_answered.is_set()
        server.oi_release.set()
        while not published:
            await asyncio.sleep(0.005)
        await poller._disconnect()

    loop.run_until_complete(asyncio.wait_for(run(), 120.0))
    assert seen["held"]
    assert poller.status[_target().key].published == 1 and poller.status[_target().key].errors == 0


def test_stale_venue_is_marked_and_a_healthy_one_is_not(loop, local_binance_http):
    _, stale_base = local_binance_http(oi_mode="stale")
    _, healthy_base = local_binance_http(oi_mode="grow")
    stale, healthy = _target("binance"), _target("binanceusdm")
    virtual = VirtualTime()
    poller, cache, published, _ = _poller(
        loop, [stale, healthy], {"binance": stale_base, "binanceusdm": healthy_base}, virtual,
        interval_secs=0.1, stale_after_secs=0.5,
    )
    _add_trade(cache, "28000.0")
    virtual.run_poller(loop, poller, 1.2, sleepers=2)
    st_stale, st_ok = poller.status[stale.key], poller.status[healthy.key]
    assert st_stale.polls == st_ok.polls == 13  # at 0, 0.1, ..., 1.2 s
    assert st_stale.published == 1  # the first (old) observation; every later answer repeats its timestamp
    assert st_stale.repeats == 12
    assert st_stale.stale and not st_ok.stale  # the last new observation 1.2 s ago (> 0.5 s) / just now
    assert poller.stale_targets == [stale.key]
    assert st_ok.published == 13 and st_ok.repeats == 0 and st_ok.errors == 0
    assert len(published) == st_stale.published + st_ok.published


def test_history_requests_answer_open_interest_and_real_funding(loop, local_binance_http):
    _, base = local_binance_http()
    poller, cache, _, responses = _poller(loop, [_target()], {"binance": base})
    _add_trade(cache, "28000.0")
    clock = LiveClock()

    def request(cls):
        import pandas as pd

        return RequestData(
            data_type=DataType(cls, metadata={"instrument_id": IID.value}), instrument_id=None,
            start=pd.Timestamp("2026-01-01", tz="UTC"), end=None, limit=0, client_id=ClientId("LIQHEAT_OI"),
            venue=None, callback=lambda _: None, request_id=UUID4(), ts_init=clock.timestamp_ns(), params={},
        )

    async def run():
        await poller._request(request(OpenInterest))
        await poller._request(request(FundingRate))
        await poller._disconnect()

    loop.run_until_complete(run())
    oi, funding = responses[0].data, responses[1].data
    assert len(oi) == 12 and all(isinstance(o, OpenInterest) for o in oi)
    assert [o.ts_event for o in oi] == sorted(o.ts_event for o in oi)
    assert oi[-1].open_interest_usd == pytest.approx(80_000.0 * 0.999 * 28_000.0)  # sumOpenInterestValue
    assert len(funding) == 90  # BTCUSDT-fundingRate-2026-04.csv rows (real)
    assert funding[0].ts_event == 1_775_001_600_000 * 1_000_000
    assert funding[0].rate == pytest.approx(-0.00003449)
    assert funding[1].rate == pytest.approx(-0.00000461)


def test_unknown_exchange_is_a_clear_error(loop):
    with pytest.raises(ValueError, match="unknown ccxt exchange id 'nosuchx'"):
        _poller(loop, [_target("nosuchx")], {})


def test_disconnect_ends_a_poll_loop_whose_cancellation_was_swallowed(loop):
    # Python 3.11's asyncio.wait_for can swallow a cancel() that arrives as its request completes; simulated here
    # by a poll that catches the cancellation and returns normally (no network: the poll is replaced)
    poller, _, _, _ = _poller(loop, [_target()], {"binance": "http://127.0.0.1:9"}, interval_secs=0.01)
    polls = []
    polling = asyncio.Event()

    async def swallowing_poll(target):
        polls.append(target.key)
        polling.set()
        try:
            await asyncio.sleep(10.0)
        except asyncio.CancelledError:
            return  # the cancellation is lost, as in the wait_for race

    poller.poll_once = swallowing_poll

    async def run():
        await poller._connect()
        await polling.wait()  # the first poll is in flight
        await asyncio.wait_for(poller._disconnect(), 60.0)  # TimeoutError here if the loop polled on (for ever)

    loop.run_until_complete(run())
    assert polls == ["binance:BTC/USDT:USDT"] and not poller._poll_tasks


def test_repeated_older_and_unvaluable_readings_never_reach_the_map(loop, local_binance_http):
    # constructed (synthetic) answers in Binance's /fapi/v1/openInterest format: a reading, the same reading again,
    # a newer one, one older than it (out of order), an answer without a figure, then a newer reading
    server, base = local_binance_http(oi_mode="script")
    t0 = 1_775_000_000_000
    server.oi_script = [{"openInterest": "80000.000", "symbol": "BTCUSDT", "time": t0},
                        {"openInterest": "80000.000", "symbol": "BTCUSDT", "time": t0},
                        {"openInterest": "80100.000", "symbol": "BTCUSDT", "time": t0 + 60_000},
                        {"openInterest": "79000.000", "symbol": "BTCUSDT", "time": t0 + 30_000},
                        {"symbol": "BTCUSDT", "time": t0 + 90_000},
                        {"openInterest": "80200.000", "symbol": "BTCUSDT", "time": t0 + 120_000}]
    poller, cache, published, _ = _poller(loop, [_target()], {"binance": base})
    _add_trade(cache, "28000.0")

    async def run():
        await poller._connect()
        for task in poller._poll_tasks:  # drive polls by hand
            task.cancel()
        for _ in server.oi_script:
            await poller.poll_once(_target())
        await poller._disconnect()

    loop.run_until_complete(run())
    ois = [p.data for p in published]
    assert [(o.ts_event // 1_000_000, o.open_interest_base) for o in ois] == [
        (t0, 80_000.0), (t0 + 60_000, 80_100.0), (t0 + 120_000, 80_200.0)]
    st = poller.status[_target().key]
    assert (st.published, st.repeats, st.out_of_order, st.held_back) == (3, 1, 1, 1)
    assert st.errors == 0


def test_a_poll_timeout_is_described_not_left_blank():
    # the live run summary showed "last_error": "TimeoutError: " (asyncio.wait_for's TimeoutError has no message)
    from liqheat_nautilus.adapters.ccxt.data import describe_poll_error

    assert describe_poll_error(TimeoutError(), 5.0) == "TimeoutError: no answer within request_timeout_secs = 5 s"
    assert describe_poll_error(ValueError("x" * 300), 5.0) == "ValueError: " + "x" * 200
    assert describe_poll_error(KeyError(), 2.5) == "KeyError"
