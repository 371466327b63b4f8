"""End to end, offline: ``liqheat live`` runs a real Nautilus TradingNode (Nautilus' own Binance USD-M data client,
subclassed for liquidation prints and funding) against a local server replaying real Binance websocket captures,
with sandbox execution, the open-interest poller and the liquidation map actor.

Each node runs in its own process (a TradingNode closes its event loop on dispose). The server binds 127.0.0.1 on a
random port; every Binance and ccxt URL of the node points there. Open-interest values are synthetic (constructed;
see tests/adapters/binance/fixtures/README.md), everything on the websocket is the real capture.

A node runs until its probe strategy has received what the test waits for (probe_strategy.py ``done_when``), then
is stopped with Ctrl-C (SIGINT): no fixed run time that a loaded machine could overrun.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from replay_config import write_replay_toml

from tests.adapters.binance.local_binance import CAPTURES, LocalBinance, load_capture_lines

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GUARD_SECS = 600.0  # --duration: the node stops itself if what the test waits for never comes (the test then fails)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        # dummy keys: the adapter insists on keys even for public data; nothing here reaches Binance
        BINANCE_API_KEY="offline-test-key", BINANCE_API_SECRET="offline-test-secret",
        NO_PROXY="127.0.0.1,localhost", PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE)]),
    )
    return env


def _run_live(tmp_path: Path, server: LocalBinance, base_url: str, done_when: dict[str, int],
              whole_replay: bool = True, **toml_kwargs) -> tuple[dict, str]:
    """
    Run ``liqheat live`` until the probe has counted ``done_when`` (and, with ``whole_replay``, the server has sent
    the whole capture), then Ctrl-C it; return the run summary and the node's output.
    """
    done_file = tmp_path / "done.json"
    config = write_replay_toml(tmp_path / "live.toml", base_url, done_file=done_file, done_when=done_when,
                               **toml_kwargs)
    summary_path = tmp_path / "summary.json"
    log_path = tmp_path / "node.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "liqheat_nautilus.cli", "live", "--config", str(config), "--duration",
             str(GUARD_SECS), "--summary", str(summary_path)],
            env=_env(), cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            while proc.poll() is None and not (done_file.exists()
                                               and (server.replay_finished.is_set() or not whole_replay)):
                time.sleep(0.1)
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    log = log_path.read_text()
    assert proc.returncode == 0, log[-4000:]
    assert done_file.exists(), f"the probe never counted {done_when}: {log[-4000:]}"
    return json.loads(summary_path.read_text()), log


@pytest.fixture(scope="module")
def replay_run(tmp_path_factory):
    """One node run over the whole ~8.5-minute capture replayed 30x faster (~17 s; shared by the tests)."""
    lines = load_capture_lines(CAPTURES)
    done_when = {  # every trade and quote of the capture, 5 open-interest polls, the funding changes, both orders
        "TradeTick": sum(stream.endswith("@trade") for _, stream, _ in lines),
        "QuoteTick": sum(stream.endswith("@bookTicker") for _, stream, _ in lines),
        "OpenInterest": 5, "FundingRate": 2, "fills": 1, "denied": 1,
    }
    server = LocalBinance(speed=30.0)
    base = server.start()
    try:
        summary, log = _run_live(tmp_path_factory.mktemp("replay"), server, base, done_when)
    finally:
        server.stop()
    return summary, log, server


def _captured(stream_suffix: str) -> list[dict]:
    lines = load_capture_lines(CAPTURES)
    return [json.loads(raw)["data"] for _, stream, raw in lines if stream.endswith(stream_suffix)]


def test_all_replayed_trades_and_quotes_reach_the_node(replay_run):
    summary, _, server = replay_run
    assert server.replay_finished.is_set()
    n_trades = len(_captured("@trade"))
    assert n_trades == 12_935  # the data README's count of the 2023-04-04/05 BTCUSDT capture
    assert server.sent["btcusdt@trade"] == n_trades
    assert summary["feeds"]["TradeTick"] == n_trades
    assert summary["feeds"]["QuoteTick"] == server.sent["btcusdt@bookTicker"] > 0


def test_node_subscribed_mark_price_and_force_order_streams(replay_run):
    _, _, server = replay_run
    assert {"btcusdt@trade", "btcusdt@bookTicker", "btcusdt@markPrice@1s", "btcusdt@forceOrder"} <= set(
        server.subscriptions)
    assert {"/fapi/v1/exchangeInfo", "/fapi/v2/account", "/fapi/v1/openInterest"} <= set(server.hits)


def test_funding_arrives_throttled_from_the_mark_price_stream(replay_run):
    summary, _, server = replay_run
    marks = _captured("@markPrice@1s")
    assert server.sent["btcusdt@markPrice@1s"] == len(marks) == 514
    # published: first update, each rate change >= 60 s (venue time) later, and the funding at 00:00 (T changes)
    assert 2 <= summary["feeds"]["FundingRate"] <= 1 + (marks[-1]["E"] - marks[0]["E"]) // 60_000 + 1
    next_funding_times = {m["T"] for m in marks}
    assert len(next_funding_times) == 2  # the capture spans the 00:00 UTC settlement


def test_the_insurance_fund_fill_is_published_as_a_liquidation_print(replay_run):
    summary, _, _ = replay_run
    fund = [t for t in _captured("@trade") if t["X"] == "INSURANCE_FUND"]
    assert len(fund) == 1
    assert summary["feeds"]["LiquidationEvent"] == 1
    (event,) = summary["liquidations"]
    assert event["source"] == "trade:INSURANCE_FUND"
    assert event["side"] == "LONG"  # m=true: buyer is maker, the forced order sold -> a long was liquidated
    assert event["price"] == float(fund[0]["p"]) == 28722.5
    assert event["quantity"] == float(fund[0]["q"]) == 0.001
    assert event["notional_usd"] == pytest.approx(28.7225)
    assert event["ts_event"] == fund[0]["T"] * 1_000_000
    assert summary["map"]["LiquidationMapActor"]["liquidations_seen"] == 1


def test_map_warms_up_and_publishes_clusters(replay_run):
    summary, _, _ = replay_run
    actor = summary["map"]["LiquidationMapActor"]
    assert actor["warmup_received"]["Bar"] == 0  # bars warm-up off in this replay (see replay_config.py)
    assert actor["warmup_received"]["OpenInterest"] == 12  # the local openInterestHist rows (synthetic values)
    assert actor["warmup_received"]["FundingRate"] == 90  # the real April-2026 funding rows
    poller = summary["poller"]["binance:BTC/USDT:USDT"]
    assert poller["published"] >= 5
    assert poller["errors"] == 0, poller  # (the status, with last_error, when a poll failed)
    assert actor["clusters_published"] > 0
    assert actor["snapshots_published"] > 0
    assert summary["feeds"]["LiquidationCluster"] == actor["clusters_published"]


def test_orders_fill_in_the_sandbox_and_the_risk_guard_denies_oversize(replay_run):
    summary, log, _ = replay_run
    assert summary["orders"]["filled"] >= 1
    assert summary["fills"] >= 1
    assert summary["orders"]["denied"] >= 1  # the probe's 1 BTC order (~28,000 USDT > 1,000 max per order)
    assert "NOTIONAL_EXCEEDS_MAX_PER_ORDER" in log


def test_shutdown_is_clean_and_closes_positions(replay_run):
    summary, log, _ = replay_run
    assert summary["run"]["stopped_by"] == "signal"  # Ctrl-C
    assert summary["run"]["open_positions_at_stop"] >= 1  # the probe's position was open
    assert summary["positions"]["open"] == 0  # closed by [shutdown] close_positions = true
    assert summary["orders"]["open"] == 0
    assert summary["trader_state"] == "STOPPED"
    assert "Traceback" not in log
    assert "[ERROR]" not in log
    assert "TradingNode: DISPOSED" in log


def test_keys_are_never_logged_or_written(replay_run):
    summary, log, _ = replay_run
    assert "offline-test-key" not in log and "offline-test-secret" not in log
    assert "offline-test" not in json.dumps(summary)


def test_shutdown_can_keep_positions(tmp_path):
    server = LocalBinance(speed=30.0)
    base = server.start()
    try:
        summary, log = _run_live(tmp_path, server, base, {"fills": 1}, whole_replay=False, hunt=False,
                                 close_positions=False)
    finally:
        server.stop()
    assert summary["run"]["open_positions_at_stop"] == 1
    assert summary["positions"]["open"] == 1  # kept: [shutdown] close_positions = false
    assert summary["orders"]["open"] == 0  # open orders are still cancelled
    assert "Traceback" not in log
