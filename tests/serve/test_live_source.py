"""``serve --live``: map updates assembled from the node's messages, and read from a real redis-server where they
are written exactly as NautilusTrader's Redis message bus writes them (stream ``trader-<id>:stream:<topic>``,
fields ``topic`` and ``payload`` = ``MsgSpecSerializer`` JSON). The messages are the real OKX sample's map updates
(replayed), so what the API serves can be compared with what was written."""

import json
import threading
import time

import msgspec
import pytest

from liqheat_nautilus.serve.live import LiveSource, check_redis_url

INSTRUMENT = "SOL-USDT-SWAP.OKX"
TRADER = "TEST-001"


@pytest.fixture(scope="module")
def frames(catalog_source):
    """Six consecutive real map updates (replay of the OKX sample)."""
    replay = catalog_source.store.replay(INSTRUMENT, "binance_standard", "neutral")
    replay.frame_at(2**62)
    return replay.frames[100:106]


def _messages(frame):
    """The messages the actor publishes for one update, in its order: clusters, snapshot, bins."""
    topic = "data.{}.instrument_id=" + INSTRUMENT
    return ([(topic.format("LiquidationCluster"), c) for c in frame.clusters]
            + [(topic.format("LiquidationMapSnapshot"), frame.snapshot),
               (topic.format("LiquidationMapBins"), frame.bins)])


def test_updates_are_assembled_from_the_messages_in_any_order(frames):
    source = LiveSource("redis://127.0.0.1:1", max_frames=4)
    first, second = frames[0], frames[1]
    for topic, obj in _messages(first):
        source.ingest(topic, obj)
    msgs = _messages(second)
    for topic, obj in [msgs[-1], *msgs[:-1]]:  # bins before their snapshot
        source.ingest(topic, obj)
    sel = source.select(None, None, None, None)
    assert sel.instrument_id == INSTRUMENT and sel.source == "live"
    got = source.frame_at(sel, None)
    assert got.ts_ns == second.ts_ns and got.bins is second.bins
    assert [c.cluster_id for c in got.clusters] == [c.cluster_id for c in second.clusters]
    assert source.frame_at(sel, second.ts_ns - 1).ts_ns == first.ts_ns
    assert source.frame_at(sel, first.ts_ns).bins is first.bins
    for frame in frames[2:]:
        for topic, obj in _messages(frame):
            source.ingest(topic, obj)
    held = source.frames(sel, 0, 2**62)
    assert len(held) <= 4 * 1.1 and held[-1].ts_ns == frames[-1].ts_ns  # bounded: memory stays flat
    with pytest.raises(ValueError, match="model"):
        source.select(None, "simple", None, None)
    assert source.status()[0]["state"] == "READY"


def test_redis_urls_are_checked():
    assert check_redis_url("redis://127.0.0.1:6379/0")
    for bad, match in (("http://x:1", "redis://"), ("redis://:pw@h:1", "REDIS_PASSWORD"), ("redis://", "host")):
        with pytest.raises(ValueError, match=match):
            check_redis_url(bad)


def _publish(redis_db, frames, extra=()):
    """XADD each message as NautilusTrader's Redis bus does (JSON, timestamps as strings)."""
    from nautilus_trader.serialization.serializer import MsgSpecSerializer

    serializer = MsgSpecSerializer(encoding=msgspec.json, timestamps_as_str=True)
    for frame in frames:
        for topic, obj in _messages(frame):
            redis_db.xadd(f"trader-{TRADER}:stream:{topic}", {"topic": topic, "payload": serializer.serialize(obj)})
    for topic, payload in extra:
        redis_db.xadd(f"trader-{TRADER}:stream:{topic}", {"topic": topic, "payload": payload})


def _wait_for(client, path, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        body = client.get(path).json()
        if predicate(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{path} never satisfied the condition; last answer {body}")


def test_api_serves_what_arrives_in_redis(redis_url, redis_db, frames):
    from fastapi.testclient import TestClient
    from nautilus_trader.model.identifiers import InstrumentId

    from liqheat_nautilus.data import LiquidationEvent
    from liqheat_nautilus.serve.app import create_app
    from liqheat_nautilus.signals import TradeSignal, encode_signal

    signal = TradeSignal(ts=frames[2].ts_ns, strategy="LiquidationHuntStrategy-000", action="ENTER",
                         instrument_id=INSTRUMENT, position_side="LONG", entry=70.1, stop_loss=69.5,
                         take_profit=71.9, quantity=10.0, confidence=0.8, risk_reward=3.0,
                         reason="SYNTHETIC signal", cluster_id=7, support=float("nan"), resistance=72.0,
                         sentiment="BULLISH")
    event = LiquidationEvent(instrument_id=InstrumentId.from_str(INSTRUMENT), side="SHORT", price=70.5, quantity=3.0,
                             notional_usd=211.5, source="forceOrder", ts_event=frames[2].ts_ns,
                             ts_init=frames[2].ts_ns)  # SYNTHETIC print
    from nautilus_trader.serialization.serializer import MsgSpecSerializer

    payload = MsgSpecSerializer(encoding=msgspec.json, timestamps_as_str=True).serialize(event)
    _publish(redis_db, frames[:3], extra=[(f"liqheat.signals.{INSTRUMENT}", encode_signal(signal)),
                                          (f"data.LiquidationEvent.instrument_id={INSTRUMENT}", payload),
                                          ("events.system.RiskEngine", b'{"not": "ours"}')])
    source = LiveSource(redis_url, trader_id=TRADER, poll_block_ms=100)
    with TestClient(create_app(source)) as client:
        status = _wait_for(client, "/api/status", lambda b: b["state"] == "READY"
                           and b["instruments"][0]["frames"] == 3)
        assert status["mode"] == "live" and status["instruments"][0]["last_ns"] == frames[2].ts_ns
        body = _wait_for(client, "/api/liquidation-map", lambda b: b.get("bin_width") is not None)
        snap = frames[2].snapshot
        assert body["source"] == "live" and body["ts_ns"] == frames[2].ts_ns
        assert body["summary"]["price"] == snap.price and body["direction"]["bias"] == snap.bias
        assert body["summary"]["long_liquidation_usd"] == pytest.approx(snap.long_liquidation_usd)
        wide = client.get("/api/liquidation-map", params={"window_pct": 50}).json()
        assert sum(b["long_usd"] for b in wide["bins"]) == pytest.approx(frames[2].bins.long_tier_usd().sum(),
                                                                         rel=1e-6)
        assert sorted(c["cluster_id"] for c in body["clusters"]) == sorted(c.cluster_id for c in frames[2].clusters)
        signals = client.get("/signals").json()
        assert [s["reason"] for s in signals["signals"]] == ["SYNTHETIC signal"]
        assert signals["signals"][0]["support"] is None and signals["signals"][0]["entry"] == 70.1
        history = client.get("/liquidations/history", params={"range": "24h"}).json()
        assert history["available"] and [r["notional_usd"] for r in history["records"]] == [211.5]
        assert client.get("/api/liquidation-map", params={"model": "simple"}).status_code == 422
        heat = client.get("/liquidations/heatmap", params={"range": "12h"}).json()
        assert heat["times_ns"] == [f.ts_ns for f in frames[:3]]

        # a new update written to Redis is pushed on the event stream
        received: list[str] = []

        before = source.sequence

        def listen() -> None:  # Last-Event-ID: the update is received even if read before the stream starts
            with client.stream("GET", "/stream", params={"max_events": 1, "heartbeat_s": 0.2},
                               headers={"Last-Event-ID": str(before)}) as response:
                received.append("".join(response.iter_text()))

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        time.sleep(0.5)
        _publish(redis_db, frames[3:4])
        listener.join(30)
        assert received, "the new update was not pushed on the event stream"
        data = next(line[6:] for line in received[0].splitlines() if line.startswith("data: "))
        assert json.loads(data)["ts_ns"] == frames[3].ts_ns
        stats = client.get("/api/stats").json()
        assert stats["live_messages"] >= sum(len(_messages(f)) for f in frames[:4])


def test_redis_unreachable_is_reported_not_raised():
    import socket

    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    with TestClient(create_app(LiveSource(f"redis://127.0.0.1:{port}", poll_block_ms=100))) as client:
        status = _wait_for(client, "/api/status", lambda b: b["state"] == "ERROR")
        assert str(port) in status["message"] and status["instruments"] == []
        response = client.get("/api/liquidation-map")  # was a 404 "unknown instrument_id ''; known: (none)"
        assert response.status_code == 503
        assert response.json()["detail"].startswith("no map to serve yet (ERROR): Redis redis://127.0.0.1:")
        assert client.get("/health").json()["status"] == "ok"


def test_an_unreachable_redis_is_logged_once_not_every_retry(caplog):
    # `serve --live` wrote the same "Connection refused" warning every second while Redis was down
    import logging
    import socket

    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    source = LiveSource(f"redis://127.0.0.1:{port}", poll_block_ms=100)
    with caplog.at_level(logging.WARNING, logger="liqheat.serve.live"), TestClient(create_app(source)) as client:
        _wait_for(client, "/api/status", lambda b: b["state"] == "ERROR")
        time.sleep(3.5)  # three more retries
        assert client.get("/api/status").json()["state"] == "ERROR"  # still reported where it is asked for
    warnings = [r.getMessage() for r in caplog.records if r.name == "liqheat.serve.live"]
    assert len(warnings) == 1 and str(port) in warnings[0] and "retrying every second" in warnings[0]


@pytest.mark.parametrize("path", ["/api/liquidation-map", "/liquidations/levels", "/liquidations/heatmap",
                                  "/signals", "/charts/map", f"/api/heatmap/{INSTRUMENT}/best",
                                  f"/stream?instrument_id={INSTRUMENT}"])
def test_before_the_nodes_first_update_maps_are_a_503_saying_what_is_awaited(path):
    # an operator starting `serve --live` before the node has published got 404 "unknown instrument_id ''; known:
    # (none)" for a request naming no instrument (and "unknown instrument_id" for the one the node trades)
    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app

    client = TestClient(create_app(LiveSource("redis://127.0.0.1:9", trader_id=TRADER)))  # never started
    response = client.get(path)
    assert response.status_code == 503, response.text
    assert response.json()["detail"] == ("no map to serve yet (INITIALIZING): waiting for map updates on "
                                         f"redis://127.0.0.1:9 (streams trader-{TRADER}:stream:*)")


def test_a_trader_id_without_streams_names_the_traders_that_have_some(redis_url, redis_db, frames):
    # `serve --live --trader-id` with a typo (or another node's id) said "waiting for map updates" forever while the
    # node's map streams sat in the same Redis under its own trader id
    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app

    _publish(redis_db, frames[:1])
    with TestClient(create_app(LiveSource(redis_url, trader_id="OTHER-002", poll_block_ms=100))) as client:
        status = _wait_for(client, "/api/status", lambda b: "check --trader-id" in b["message"])
        assert status["state"] == "INITIALIZING"
        assert f"holds the map streams of trader(s) {TRADER}: check --trader-id" in status["message"]
        assert "OTHER-002" in status["message"]  # the pattern it waits on is still named
    with TestClient(create_app(LiveSource(redis_url, trader_id=TRADER, poll_block_ms=100))) as client:
        status = _wait_for(client, "/api/status", lambda b: b["state"] == "READY")  # the right id: no hint
        assert "check --trader-id" not in status["message"]


def test_a_redis_that_comes_up_empty_is_no_longer_an_error(redis_url, redis_db):
    # `serve --live` started before Redis: once Redis was up but the node had not streamed yet, /api/status kept
    # saying ERROR "Connection refused" (the error was cleared only by reading a stream)
    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app

    source = LiveSource(redis_url, trader_id=TRADER, poll_block_ms=100)
    source.error = "Redis redis://127.0.0.1:1: Connection refused."  # as left by the failed attempts before
    with TestClient(create_app(source)) as client:
        status = _wait_for(client, "/api/status", lambda b: b["state"] != "ERROR")
        assert status["state"] == "INITIALIZING" and "waiting for map updates" in status["message"]


def test_a_live_time_before_the_first_update_is_a_404_with_the_updates_span(frames):
    # the span of a live node's 404 ends at its latest update (its data has no end: a later `at` gets that update)
    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app
    from liqheat_nautilus.serve.responses import iso

    source = LiveSource("redis://127.0.0.1:1", max_frames=10)
    for frame in frames:
        for topic, obj in _messages(frame):
            source.ingest(topic, obj)
    first, last = frames[0].ts_ns, frames[-1].ts_ns
    client = TestClient(create_app(source))  # no lifespan: the Redis reader is not started, the source is filled
    early = client.get("/api/liquidation-map", params={"at": str(first - 1)})
    assert early.status_code == 404 and "known" not in early.json(), early.text
    assert early.json()["span"] == {"start": iso(first), "end": iso(last), "start_ns": first, "end_ns": last}
    assert client.get("/api/liquidation-map", params={"at": "2262-01-01"}).json()["ts_ns"] == last
    window = client.get("/liquidations/heatmap", params={"start": "2262-01-01", "end": "2262-01-02"})
    assert window.status_code == 404 and window.json()["span"]["end_ns"] == last
