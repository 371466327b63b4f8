"""A local (127.0.0.1) stand-in for Binance USD-M: HTTP endpoints plus a websocket replaying real captures.

Used by the offline Binance adapter, poller and live-node tests. One aiohttp server (random free port) in a
background thread serves:

- ``/stream?streams=...`` websocket (Binance combined-stream protocol: ``SUBSCRIBE``/``UNSUBSCRIBE`` messages
  answered with ``{"result": null, "id": n}``) replaying the captured messages of the subscribed streams from
  ``binance_um_ws_captures`` unchanged, ``speed`` times faster than captured;
- the HTTP endpoints Nautilus' Binance client and ccxt call (see ``fixtures/README.md`` for what is recorded and
  what is constructed).

Every request path is recorded in :attr:`LocalBinance.hits`, every subscribed stream in
:attr:`LocalBinance.subscriptions`, messages sent per stream in :attr:`LocalBinance.sent`.
"""

import asyncio
import csv
import gzip
import io
import json
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

from aiohttp import WSMsgType, web

from tests.data_files import data_file

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
CAPTURES = [data_file(f"binance_um_ws_captures/usdm_btcusdt_2023040{d}.dat.gz") for d in (4, 5)]
FUNDING_ZIP = data_file("binance_um_fundingrate/BTCUSDT-fundingRate-2026-04.zip")


def load_capture_lines(paths: list[Path], skip: tuple[str, ...] = ("@depth",)) -> list[tuple[int, str, str]]:
    """
    Read capture files: one ``<local receive ts (µs)> <combined-stream JSON>`` per line.

    Parameters
    ----------
    paths : list[Path]
        ``.gz`` capture files, in time order.
    skip : tuple[str, ...]
        Stream-name substrings not loaded (depth diffs are not used by the tests).

    Returns
    -------
    list[tuple[int, str, str]]
        ``(receive ts µs, stream name, raw JSON text)``.
    """
    out = []
    for path in paths:
        with gzip.open(path, "rt") as fh:
            for line in fh:
                ts_text, _, raw = line.rstrip("\n").partition(" ")
                if not raw.startswith('{"stream":"'):
                    continue
                stream = raw[11:raw.index('"', 11)]
                if any(s in stream for s in skip):
                    continue
                out.append((int(ts_text), stream, raw))
    return out


def real_funding_rows() -> list[dict]:
    """The real BTCUSDT April-2026 funding rows (data.binance.vision) in the REST ``/fapi/v1/fundingRate`` shape."""
    with zipfile.ZipFile(FUNDING_ZIP) as zf:
        text = zf.read(zf.namelist()[0]).decode()
    return [{"symbol": "BTCUSDT", "fundingTime": int(r["calc_time"]), "fundingRate": r["last_funding_rate"],
             "markPrice": ""} for r in csv.DictReader(io.StringIO(text))]


class LocalBinance:
    """
    The local server. Start with :meth:`start` (returns the base URL), stop with :meth:`stop`.

    Parameters
    ----------
    speed : float, default 25.0
        Replay speed-up over the captured pace.
    start_delay_secs : float, default 1.0
        Wait after the first websocket subscription before replaying (lets the other subscriptions arrive).
    oi_start : float, default 80000.0
        First constructed (synthetic) open interest (BTC) of ``/fapi/v1/openInterest``.
    oi_growth : float, default 0.002
        Relative growth per call (synthetic).
    oi_mode : str, default "grow"
        ``"grow"`` (each answer's ``time`` is later than the previous one's); ``"stale"`` (always the same ``time``,
        as a venue that stopped updating); ``"error"`` (HTTP 500 with a Binance error body); ``"script"`` (the
        bodies of :attr:`oi_script` in turn, then its last one again).
    hold_open_interest : bool, default False
        Hold each ``/fapi/v1/openInterest`` request until :attr:`oi_release` is set (:attr:`oi_received` is set when
        one arrives, :attr:`oi_answered` after the answer): shows whether the caller's event loop runs meanwhile.
    """

    def __init__(self, speed: float = 25.0, start_delay_secs: float = 1.0, oi_start: float = 80_000.0,
                 oi_growth: float = 0.002, oi_mode: str = "grow", hold_open_interest: bool = False) -> None:
        self.speed = speed
        self.start_delay_secs = start_delay_secs
        self.oi_start = oi_start
        self.oi_growth = oi_growth
        self.oi_mode = oi_mode
        self.hold_open_interest = hold_open_interest
        self.oi_received = threading.Event()
        self.oi_release = threading.Event()
        self.oi_answered = threading.Event()
        self.hits: list[str] = []
        self.subscriptions: list[str] = []
        self.sent: Counter = Counter()
        self.replay_finished = threading.Event()
        self._lines: list[tuple[int, str, str]] | None = None
        self._oi_calls = 0
        self.oi_script: list[dict] = []  # oi_mode "script": constructed (synthetic) answer bodies, served in turn
        self._stale_time_ms = int(time.time() * 1000) - 3_600_000
        self._oi_time_ms = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, with_captures: bool = True) -> str:
        """Start in a background thread; return ``http://127.0.0.1:<port>`` (``ws://`` on the same port)."""
        if with_captures:
            self._lines = load_capture_lines(CAPTURES)
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start_app())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="local-binance", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("local Binance server did not start")
        return f"http://127.0.0.1:{self.port}"

    async def _start_app(self) -> None:
        app = web.Application()
        app.router.add_get("/stream", self._ws)
        app.router.add_route("*", "/{tail:.*}", self._http)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        try:
            fut.result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            if not self._thread.is_alive():  # closed here, not by the garbage collector during a later test
                self._loop.close()
                self._loop = None

    # -- HTTP ----------------------------------------------------------------------------------------------------

    async def _http(self, request: web.Request) -> web.Response:
        path = request.path
        self.hits.append(path)
        if path == "/fapi/v1/exchangeInfo":
            return web.Response(text=(FIXTURES / "binance_fapi_exchange_info.json").read_text(),
                                content_type="application/json")
        if path == "/fapi/v2/account":
            return web.Response(text=(FIXTURES / "binance_fapi_account_constructed.json").read_text(),
                                content_type="application/json")
        if path in ("/fapi/v3/positionRisk", "/fapi/v2/positionRisk"):
            return web.json_response([])
        if path == "/fapi/v1/openInterest":
            if self.hold_open_interest:
                self.oi_received.set()
                await asyncio.get_running_loop().run_in_executor(None, self.oi_release.wait, 60.0)
            response = self._open_interest(request.query.get("symbol", "BTCUSDT"))
            self.oi_answered.set()
            return response
        if path == "/futures/data/openInterestHist":
            return self._open_interest_hist(request)
        if path == "/fapi/v1/fundingRate":
            start = int(request.query.get("startTime", "0"))
            return web.json_response([r for r in real_funding_rows() if r["fundingTime"] >= start])

        return web.json_response({"code": -1121, "msg": f"local replay server: no fixture for {path}"}, status=400)

    def _open_interest(self, symbol: str) -> web.Response:
        self._oi_calls += 1
        if self.oi_mode == "error":
            return web.json_response({"code": -1001, "msg": "Internal error; unable to process your request."},
                                     status=500)
        if self.oi_mode == "script":
            return web.json_response(self.oi_script[min(self._oi_calls, len(self.oi_script)) - 1])
        if self.oi_mode == "stale":
            return web.json_response({"openInterest": f"{self.oi_start:.3f}", "symbol": symbol,
                                      "time": self._stale_time_ms})
        value = self.oi_start * (1.0 + self.oi_growth) ** (self._oi_calls - 1)  # synthetic
        self._oi_time_ms = max(int(time.time() * 1000), self._oi_time_ms + 1)  # a new value, a new time
        return web.json_response({"openInterest": f"{value:.3f}", "symbol": symbol, "time": self._oi_time_ms})

    def _open_interest_hist(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "BTCUSDT")
        limit = int(request.query.get("limit", "30"))
        now_ms = int(time.time() * 1000) // 300_000 * 300_000
        rows = []
        for k in range(min(limit, 12), 0, -1):  # synthetic: 12 five-minute rows growing 0.1 % each
            oi = self.oi_start * (1.0 - 0.001 * k)
            rows.append({"symbol": symbol, "sumOpenInterest": f"{oi:.3f}", "sumOpenInterestValue": f"{oi * 28000:.2f}",
                         "timestamp": now_ms - k * 300_000})
        return web.json_response(rows)

    # -- websocket -----------------------------------------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        self.hits.append("/stream")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        streams = {s for s in request.query.get("streams", "").split("/") if s}
        self.subscriptions += sorted(streams)
        replay = asyncio.ensure_future(self._replay(ws, streams))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                body = json.loads(msg.data)
                params = body.get("params") or []
                if body.get("method") == "SUBSCRIBE":
                    streams.update(params)
                    self.subscriptions += params
                elif body.get("method") == "UNSUBSCRIBE":
                    streams.difference_update(params)
                await ws.send_str(json.dumps({"result": None, "id": body.get("id")}))
        finally:
            replay.cancel()
        return ws

    async def _replay(self, ws: web.WebSocketResponse, streams: set[str]) -> None:
        await asyncio.sleep(self.start_delay_secs)
        lines = self._lines or []
        if not lines:
            return
        t0_data = lines[0][0]
        t0_wall = time.monotonic()
        for i, (ts_us, stream, raw) in enumerate(lines):
            if stream not in streams:
                continue
            ahead = (ts_us - t0_data) / 1e6 / self.speed - (time.monotonic() - t0_wall)
            if ahead > 0.002:
                await asyncio.sleep(ahead)
            elif i % 200 == 0:
                await asyncio.sleep(0)
            if ws.closed:
                return
            await ws.send_str(raw)
            self.sent[stream] += 1
        self.replay_finished.set()
