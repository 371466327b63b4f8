"""End to end, offline: `liqheat live` runs a real TradingNode on the local Binance replay of tests/live (real
captured websocket messages, sandbox execution) with a ``[message_bus]`` section, so NautilusTrader's own Redis
message bus streams what the node publishes into a local redis-server; meanwhile a ``serve --live`` app reads the
streams and serves what arrives. The node must also stop cleanly (a Redis-backed bus once aborted a
BacktestEngine at exit; a live node must not)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest

ROOT = Path(__file__).resolve().parents[2]
LIVE_TESTS = ROOT / "tests" / "live"
if str(LIVE_TESTS) not in sys.path:
    sys.path.insert(0, str(LIVE_TESTS))

from replay_config import INSTRUMENT, write_replay_toml  # noqa: E402

from tests.adapters.binance.local_binance import CAPTURES, LocalBinance  # noqa: E402

TRADER = "LIQHEAT-001"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(BINANCE_API_KEY="offline-test-key", BINANCE_API_SECRET="offline-test-secret",
               NO_PROXY="127.0.0.1,localhost", PYTHONPATH=os.pathsep.join([str(ROOT), str(LIVE_TESTS)]))
    return env


@pytest.fixture(scope="module")
def captures():
    missing = [p for p in CAPTURES if not p.is_file()]
    if missing:
        pytest.skip(f"real Binance captures missing: {missing}")


def test_live_node_streams_to_redis_and_the_api_serves_it(captures, redis_url, redis_db, tmp_path):
    from fastapi.testclient import TestClient
    from nautilus_trader.serialization.serializer import MsgSpecSerializer

    from liqheat_nautilus.data import LiquidationMapSnapshot
    from liqheat_nautilus.serve.app import create_app
    from liqheat_nautilus.serve.live import LiveSource

    server = LocalBinance(speed=30.0)
    base = server.start()
    done_file = tmp_path / "done.json"  # the probe strategy writes it once the node has polled open interest 3x
    config = write_replay_toml(tmp_path / "live.toml", base, done_file=done_file, done_when={"OpenInterest": 3})
    config.write_text(config.read_text() + f'\n[message_bus]\nredis_url = "{redis_url}"\nautotrim_mins = 60\n')
    log_path = tmp_path / "node.log"
    with log_path.open("w") as log:
        node = subprocess.Popen(
            [sys.executable, "-m", "liqheat_nautilus.cli", "live", "--config", str(config), "--duration", "600",
             "--summary", str(tmp_path / "summary.json")],
            env=_env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        with TestClient(create_app(LiveSource(redis_url, trader_id=TRADER, poll_block_ms=200))) as client:
            # no fixed run time: wait (up to 5 minutes on a loaded machine) until the node has streamed three map
            # updates with their bins and the probe has seen three open-interest polls, then Ctrl-C it
            deadline = time.monotonic() + 300
            served = None
            while time.monotonic() < deadline and node.poll() is None:
                status = client.get("/api/status").json()
                if status["state"] == "READY" and status["instruments"][0]["frames"] >= 3 and done_file.exists():
                    served = client.get("/api/liquidation-map").json()
                    if served.get("bin_width") is not None:
                        break
                time.sleep(0.2)
            assert served is not None and served.get("bin_width") is not None, "no map update reached the API"
            assert served["instrument_id"] == INSTRUMENT and served["source"] == "live"
            # what the API serves is what the node wrote: the snapshot of that time, decoded from Redis
            key = f"trader-{TRADER}:stream:data.LiquidationMapSnapshot.instrument_id={INSTRUMENT}"
            serializer = MsgSpecSerializer(encoding=msgspec.json, timestamps_as_str=True)
            written = [serializer.deserialize(fields[b"payload"]) for _, fields in redis_db.xrange(key)]
            assert all(isinstance(s, LiquidationMapSnapshot) for s in written) and written
            snap = next(s for s in written if s.ts_event == served["ts_ns"])
            assert served["summary"]["price"] == snap.price and served["direction"]["bias"] == snap.bias
            assert served["summary"]["total_oi_usd"] == pytest.approx(snap.total_oi_usd)
            assert len(served["bins"]) > 0 and len(served["clusters"]) > 0
            node.send_signal(signal.SIGINT)
            node.wait(120)
            # after the node stopped, everything it streamed is read (within 30 s even on a loaded machine)
            deadline = time.monotonic() + 30
            while True:
                final = client.get("/api/status").json()["instruments"][0]
                if final["frames"] >= redis_db.xlen(key) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert final["frames"] == redis_db.xlen(key) >= len(written) >= 3
            signals_key = f"trader-{TRADER}:stream:liqheat.signals.{INSTRUMENT}"
            assert len(client.get("/signals").json()["signals"]) == redis_db.xlen(signals_key)
    finally:
        if node.poll() is None:
            node.terminate()
            node.wait(30)
        server.stop()
    log = log_path.read_text()
    assert node.returncode == 0, log[-3000:]  # no abort at exit with the Redis-backed bus
    assert "TradingNode: DISPOSED" in log and "Traceback" not in log
    for kind in ("LiquidationCluster", "LiquidationMapSnapshot", "LiquidationMapBins"):
        assert redis_db.xlen(f"trader-{TRADER}:stream:data.{kind}.instrument_id={INSTRUMENT}") > 0
    assert not [k for k in redis_db.scan_iter(match="*QuoteTick*")]  # excluded by default ([message_bus])
