"""A node whose Binance client cannot connect names the cause in ``liqheat live``'s one-line error.

Before, the line said only "data clients BINANCE, LIQHEAT_OI not all connected" (listing every client, connected or
not) after the 30 s connection timeout; Nautilus' own log said ``HttpError(error sending request for url ...)``.
Everything is offline: a local port nobody listens on, and the local Binance stand-in of the replay tests answering
the signed account request as Binance answers an invalid key (its documented error body).
"""

import asyncio
import signal
import socket
import subprocess
import sys
import time

from aiohttp import web
from replay_config import write_replay_toml
from test_live_node_replay import ROOT, _env

from liqheat_nautilus.adapters.binance.connect import describe_connect_failure
from tests.adapters.binance.local_binance import LocalBinance
from tests.cli_run import assert_clean_failure

INVALID_KEY = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}  # Binance's documented body


def _closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _KeyRefusingBinance(LocalBinance):
    """The local stand-in, answering the signed account request with HTTP 401 and Binance's invalid-key body."""

    async def _http(self, request: web.Request) -> web.Response:
        if request.path == "/fapi/v2/account":
            self.hits.append(request.path)
            return web.json_response(INVALID_KEY, status=401)
        return await super()._http(request)


def _live(tmp_path, base_url: str, testnet: bool = False) -> tuple[subprocess.CompletedProcess, float]:
    """``liqheat live`` on the replay file (sandbox execution; ``testnet``: Binance execution, at the same URL)."""
    config = write_replay_toml(tmp_path / "live.toml", base_url, probe=False, hunt=False)
    env = _env()
    if testnet:
        text = config.read_text().replace('mode = "sandbox"', 'mode = "testnet"')
        config.write_text(text[:text.index("[sandbox]")] + text[text.index("[risk]"):])
        env.update(BINANCE_FUTURES_TESTNET_API_KEY=env["BINANCE_API_KEY"],
                   BINANCE_FUTURES_TESTNET_API_SECRET=env["BINANCE_API_SECRET"])
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "liqheat_nautilus.cli", "live", "--config", str(config),
                           "--duration", "120"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc, time.monotonic() - started


def test_a_refused_connection_is_named_at_once(tmp_path):
    port = _closed_port()
    proc, secs = _live(tmp_path, f"http://127.0.0.1:{port}")
    assert proc.returncode == 1
    line = assert_clean_failure(proc, "live failed: ", among_logs=True)
    assert line == (f"live failed: the node could not connect: data client BINANCE not connected: cannot connect to "
                    f"127.0.0.1:{port} (Connection refused) for http://127.0.0.1:{port}")
    assert "LIQHEAT_OI" not in line  # the poller connected: only the client that did not is named
    assert secs < 25  # the failed connect ends the run, not the 30 s connection timeout


def test_a_refused_api_key_is_named_for_the_data_and_the_execution_client(tmp_path):
    server = _KeyRefusingBinance()
    base = server.start(with_captures=False)
    try:
        proc, _ = _live(tmp_path, base, testnet=True)
    finally:
        server.stop()
    assert "/fapi/v2/account" in server.hits
    assert proc.returncode == 1
    refused = f"{base} refused the API key (HTTP 401, code -2015: {INVALID_KEY['msg']})"
    line = assert_clean_failure(proc, "live failed: the node could not connect: ", among_logs=True)
    assert line.endswith(f"data client BINANCE not connected: {refused}; "
                         f"execution client BINANCE not connected: {refused}")
    assert "offline-test-key" not in proc.stdout + proc.stderr


def test_an_unknown_host_and_a_reachable_one(monkeypatch):
    def unresolvable(address, timeout=None):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    error = RuntimeError("error sending request for url (https://fapi.binanc.com/fapi/v1/exchangeInfo)")
    with monkeypatch.context() as m:  # no resolver is asked: the lookup's failure is stood in for
        m.setattr(socket, "create_connection", unresolvable)
        text = asyncio.run(describe_connect_failure(error, "https://fapi.binanc.com"))
    assert text == "cannot resolve the host fapi.binanc.com of https://fapi.binanc.com (Name or service not known)"
    with socket.socket() as listener:  # something listens: the exception's own text is all there is
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        text = asyncio.run(describe_connect_failure(error, f"http://127.0.0.1:{port}"))
    assert text == f"RuntimeError: {error}"


def test_ctrl_c_while_connecting_names_the_url_and_exits_130(tmp_path):
    # a venue that accepts the connection and never answers: Ctrl-C said "live failed: ... not all connected"
    config = write_replay_toml(tmp_path / "live.toml", "http://127.0.0.1:1", probe=False, hunt=False)
    log_path = tmp_path / "node.log"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        config.write_text(config.read_text().replace("http://127.0.0.1:1", base).replace("ws://127.0.0.1:1",
                                                                                        base.replace("http", "ws")))
        with log_path.open("w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "liqheat_nautilus.cli", "live", "--config", str(config),
                                     "--duration", "120"], env=_env(), cwd=ROOT, stdout=log, stderr=subprocess.PIPE,
                                    text=True)
        try:
            deadline = time.monotonic() + 120
            while "DataClient-BINANCE: Connecting..." not in log_path.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                time.sleep(0.1)
            time.sleep(1.0)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130, err
    line = assert_clean_failure(subprocess.CompletedProcess(proc.args, 130, "", err), "live interrupted: ",
                                among_logs=True)
    assert line == ("live interrupted: the node stopped (signal) before its trader ran: data client BINANCE not "
                    f"connected (no failure recorded: its connect to {base} had not finished)")
