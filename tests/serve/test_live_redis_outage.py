"""A ``[message_bus]`` Redis that stops and comes back during a ``liqheat live`` run is reported at the end.

Seen offline (the replay node of tests/live streaming to a private redis-server, stopped 25 s into the run and
started again 10 s later): NautilusTrader 1.221 logged nothing, wrote nothing more to the restarted Redis in the
following 30 s, the run exited 0 and its summary said ``reachable_at_stop: true``. Now the run checks Redis every
``REDIS_WATCH_SECS`` and records each outage. Here the node is a stand-in (the Redis is real, stopped and started
again on the same port); the node's own Redis writes are tested in test_live_node_redis.py.
"""

import asyncio
import json
import threading
from datetime import datetime
from types import SimpleNamespace

from liqheat_nautilus.live.live_file import load_live_file
from liqheat_nautilus.paths import project_root
from tests.live.stopped_node import StoppedNode

CONFIG = project_root() / "config"


def _live_file(tmp_path, redis_url: str):
    path = tmp_path / "live.toml"
    path.write_text((CONFIG / "live_sandbox.toml").read_text().replace("grace_secs = 5.0", "grace_secs = 0.1")
                    + f'\n[message_bus]\nredis_url = "{redis_url}"\n')
    return path


class RunningNode:
    """Stands for a TradingNode whose trader runs until stopped; its logger keeps the warnings."""

    def __init__(self):
        self.warnings: list[str] = []
        engine = SimpleNamespace(check_connected=lambda: True, registered_clients=[])
        self.trader = SimpleNamespace(is_running=True, strategies=lambda: [])
        self.kernel = SimpleNamespace(config=None, data_engine=engine, exec_engine=engine, cache=None,
                                      logger=SimpleNamespace(warning=self.warnings.append))

    async def run_async(self):
        await asyncio.sleep(60)

    async def stop_async(self):
        self.trader.is_running = False


def test_an_outage_during_the_run_is_recorded_with_its_span(restartable_redis, monkeypatch, tmp_path):
    from liqheat_nautilus.live.node import run_node_async

    monkeypatch.setattr("liqheat_nautilus.live.node.REDIS_WATCH_SECS", 0.2)
    live = load_live_file(_live_file(tmp_path, restartable_redis.url))
    stopped, restarted = threading.Timer(1.0, restartable_redis.stop), threading.Timer(2.5, restartable_redis.start)
    node = RunningNode()
    stopped.start()
    restarted.start()
    try:
        info = asyncio.run(run_node_async(node, live, duration_secs=5.0))
    finally:
        stopped.cancel()
        restarted.join()
    assert info["stopped_by"] == "duration" and info["trader_started"]
    (outage,) = info["redis_outages"]
    first, again = (datetime.fromisoformat(outage[k]) for k in ("first_failed", "answered_again"))
    assert first.tzinfo is not None and first <= again  # whole seconds, UTC
    assert 2 <= outage["failed_checks"] <= 10  # ~1.5 s down, checked every 0.2 s (each failed check is quick)
    assert f"cannot connect to 127.0.0.1:{restartable_redis.port}" in outage["problem"]
    assert len(node.warnings) == 2  # once when it went, once when it answered again: not at every check
    assert "stream messages are being lost" in node.warnings[0] and "answers again" in node.warnings[1]


def test_no_outage_no_warning(restartable_redis, monkeypatch, tmp_path):
    from liqheat_nautilus.live.node import run_node_async

    monkeypatch.setattr("liqheat_nautilus.live.node.REDIS_WATCH_SECS", 0.2)
    node = RunningNode()
    info = asyncio.run(run_node_async(node, load_live_file(_live_file(tmp_path, restartable_redis.url)), 1.0))
    assert info["redis_outages"] == [] and node.warnings == []


def test_the_summary_and_stderr_report_the_outages(restartable_redis, monkeypatch, capsys, tmp_path):
    # the run said reachable_at_stop: true and nothing else, although the streams stopped at the outage
    from liqheat_nautilus.cli import main

    outage = {"first_failed": "2026-11-29T05:00:05+00:00", "answered_again": "2026-11-29T05:00:20+00:00",
              "failed_checks": 3, "problem": "[message_bus] redis_url ...: cannot connect"}


    async def ran(node, live, duration):
        return {"open_positions_at_stop": 0, "stopped_by": "duration", "trader_started": True, "problem": "",
                "redis_outages": [outage]}

    summary = {k: {} for k in ("run", "orders", "positions", "feeds", "map", "poller")}
    monkeypatch.setattr("liqheat_nautilus.live.node.build_node", lambda *a, **k: StoppedNode())
    monkeypatch.setattr("liqheat_nautilus.live.node.run_node_async", ran)
    monkeypatch.setattr("liqheat_nautilus.live.summary.collect_summary", lambda node, info: dict(summary, run=info))
    out_file = tmp_path / "run.json"
    path = _live_file(tmp_path, restartable_redis.url)
    assert main(["live", "--config", str(path), "--duration", "1", "--summary", str(out_file)]) == 0
    captured = capsys.readouterr()
    written = json.loads(out_file.read_text())
    assert written["message_bus"] == {"redis_url": restartable_redis.url, "reachable_at_stop": True, "problem": "",
                                      "outages": [outage]}
    assert "redis_outages" not in written["run"]
    assert json.loads(captured.out.strip().splitlines()[-1])["message_bus"]["outages"] == [outage]
    (line,) = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert line.startswith(f"live: WARNING: the [message_bus] Redis {restartable_redis.url} was unreachable during "
                           "the run (1 outage(s) seen by a check every 5 s: 2026-11-29T05:00:05+00:00 to "
                           "2026-11-29T05:00:20+00:00); stream messages from the first on may be lost")
