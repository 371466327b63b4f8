"""``liqheat catalog fetch`` given bad answers or options, and ``liqheat live`` that cannot run, end with a non-zero
exit and one line saying why (no "0 rows" success, no exit 0 with an idle node, no traceback or Rust panic).

Fetch: a local server answering like Binance USD-M (tests/adapters/ccxt: documented layouts, SYNTHETIC series) with
one endpoint answering HTTP 200 with something else. Live: the offline replay test's live file with every Binance URL
pointed at a local port nothing listens on.
"""

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.ccxt.emulators import BinanceUsdmEmulator, SyntheticSeries
from tests.adapters.ccxt.recorded_server import RecordedExchangeServer
from tests.cli_run import assert_clean_failure, call_liqheat, run_liqheat
from tests.live.replay_config import write_replay_toml

START, END = "2024-04-10T00:00", "2024-04-10T01:00"  # inside the emulator's synthetic series
KEYS = {"BINANCE_API_KEY": "offline-test-key", "BINANCE_API_SECRET": "offline-test-secret"}


class _Answering(BinanceUsdmEmulator):
    """Binance USD-M, except that the klines endpoint answers HTTP 200 with ``payload``."""

    def __init__(self, payload) -> None:
        super().__init__(SyntheticSeries.build())
        self.payload = payload

    def respond(self, request):
        if request.path == "/fapi/v1/klines":
            return 200, self.payload
        return super().respond(request)


@pytest.fixture
def server_for():
    servers: list[RecordedExchangeServer] = []

    def start(payload, raw_body: str | None = None) -> RecordedExchangeServer:
        server = RecordedExchangeServer(_Answering(payload)).start()
        if raw_body is not None:
            server.fail_next("/fapi/v1/klines", 200, raw_body, {"Content-Type": "text/html"})
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _fetch(server_url: str, catalog: Path, *extra: str):
    return run_liqheat("catalog", "fetch", "binance", "BTCUSDT", "--start", START, "--end", END, "--catalog", catalog,
                       "--data", "bars", "--retries", "0", "--no-progress", "--api-base", server_url, *extra,
                       env={"NO_PROXY": "127.0.0.1"})


@pytest.mark.parametrize(("payload", "raw", "expected"), [
    (None, "<html>maintenance</html>", ["ohlcv", "the exchange answered with a body that is not JSON",
                                        "<html>maintenance</html>"]),
    ({"code": 0, "rows": "none"}, None, ["ohlcv", "the exchange's answer holds no list of rows", '"rows": "none"']),
    ([["not", "a", "candle"]], None, ["ohlcv", "the exchange sent 1 rows of which ccxt could read none"]),
    ([{"t": 1}], None, ["ohlcv", "the exchange sent 1 rows of which ccxt could read none"]),
], ids=["html", "object", "list-of-junk", "list-of-objects"])
def test_fetch_of_a_200_that_is_not_rows_is_an_error(server_for, tmp_path, payload, raw, expected):
    server = server_for(payload, raw)
    proc = _fetch(server.url, tmp_path / "cat")
    assert_clean_failure(proc, "fetch failed, catalog unchanged", *expected)
    assert not (tmp_path / "cat").exists()  # nothing left behind


@pytest.mark.parametrize(("args", "expected"), [
    (["--start", "yesterday"], ["--start: not a time: 'yesterday'"]),
    (["--end", "2024-04-09"], ["--end (2024-04-09) must be after --start"]),
    # used to ask the venue, store nothing and report success
    (["--start", "2100-01-01", "--end", "2100-01-02"], ["--start (2100-01-01) is in the future"]),
    (["--timeframe", "7x"], ["--timeframe must be a timeframe such as 1m, 5m, 1h, 1d; got '7x'"]),
    (["--data", "bars,candles"], ["--data must list kinds among bars, trades, oi, funding"]),
    (["--retries", "-1"], ["--retries must be a whole number >= 0"]),
])
def test_fetch_bad_options(tmp_path, capsys, args, expected):
    options = {"--start": START, "--end": END, "--data": "bars", "--retries": "0"}
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for kv in options.items() for x in kv]
    proc = call_liqheat(capsys, "catalog", "fetch", "binance", "BTCUSDT", "--catalog", tmp_path / "cat", *flat,
                        "--api-base", "http://127.0.0.1:9")
    assert_clean_failure(proc, "fetch failed", *expected)
    assert proc.returncode == 2


def test_fetch_refuses_a_file_before_any_request(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("keep")
    proc = run_liqheat("catalog", "fetch", "binance", "BTCUSDT", "--start", START, "--end", END, "--catalog", file,
                       "--api-base", "http://127.0.0.1:9", "--retries", "0")
    assert_clean_failure(proc, "notes.txt", "is a file, not a catalog folder")  # not a network error
    assert file.read_text() == "keep"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable_live_file(tmp_path) -> Path:
    return write_replay_toml(tmp_path / "live.toml", f"http://127.0.0.1:{_closed_port()}", probe=False, hunt=False)


def test_live_node_that_never_connects_exits_1_with_the_reason(unreachable_live_file, tmp_path):
    summary = tmp_path / "runs" / "summary.json"  # a missing folder is created (was a traceback after the run)
    proc = run_liqheat("live", "--config", unreachable_live_file, "--duration", "300", "--summary", summary,
                       env=KEYS, timeout=240)
    # the refused connection is named, and the node stops once its client failed (not after the 30 s timeout)
    line = assert_clean_failure(proc, "live failed: the node could not connect", "data client BINANCE not connected",
                                "(Connection refused)", among_logs=True)
    assert proc.returncode == 1, line
    assert '"stopped_by": "not-connected"' in summary.read_text()


@pytest.fixture
def silent_live_file(tmp_path) -> Iterator[Path]:
    # a venue that accepts the connection and never answers: the client is still connecting when the run ends
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        yield write_replay_toml(tmp_path / "live.toml", url, probe=False, hunt=False)


def test_live_run_shorter_than_the_connection_says_it_never_ran(silent_live_file):
    proc = run_liqheat("live", "--config", silent_live_file, "--duration", "3", env=KEYS, timeout=240)
    assert_clean_failure(proc, "live failed: the node stopped (duration) before its trader ran", among_logs=True)
    # the printed summary names each poll target's health (it showed only "OpenInterest": 0 for an unreachable venue)
    # Nautilus' Rust logger writes to the same stdout from its own thread: a log line without its newline yet can
    # precede the summary on one line (seen once), so the summary is read from where it starts
    line = next(line for line in proc.stdout.splitlines() if '{"run"' in line)
    printed, _ = json.JSONDecoder().raw_decode(line[line.index('{"run"'):])
    assert set(printed["poller"]) == {"binance:BTC/USDT:USDT"}
    assert set(printed["poller"]["binance:BTC/USDT:USDT"]) == {"published", "errors", "stale", "last_error"}
    assert printed["poller"]["binance:BTC/USDT:USDT"]["published"] == 0


@pytest.mark.parametrize(("trader_id", "shown"), [("LIQHEAT", "'LIQHEAT'"), ("é-1", "'é-1'"), ("A B-1", "'A B-1'")])
def test_live_trader_id_is_checked_before_nautilus_parses_it(unreachable_live_file, trader_id, shown):
    text = unreachable_live_file.read_text().replace('name = "offline_replay"',
                                                     f'name = "offline_replay"\ntrader_id = "{trader_id}"')
    unreachable_live_file.write_text(text)
    proc = run_liqheat("live", "--config", unreachable_live_file, "--duration", "1", env=KEYS)
    assert_clean_failure(proc, "trader_id must be a name and a tag joined by a hyphen", shown)


@pytest.mark.parametrize(("args", "expected"), [
    (["--duration", "0"], ["--duration must be a number > 0"]),
    (["--summary", "."], ["--summary", "is a folder, not a file"]),
])
def test_live_bad_options(unreachable_live_file, capsys, monkeypatch, args, expected):
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    proc = call_liqheat(capsys, "live", "--config", unreachable_live_file, *args)
    assert_clean_failure(proc, "live failed", *expected)
    assert proc.returncode == 2
