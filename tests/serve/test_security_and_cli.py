"""Access rules (token, loopback default, CORS only when configured), the `liqheat serve` command as a user runs
it (a real uvicorn server in a subprocess), the event stream, and the replays' caching and incremental extension."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from liqheat_nautilus.cli import main
from liqheat_nautilus.serve.app import ServeSettings, create_app
from liqheat_nautilus.serve.security import TOKEN_ENV, is_loopback, token_for

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-token-for-tests-0123456789"


def test_token_is_required_off_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert token_for("127.0.0.1", {}) is None
    with pytest.raises(ValueError, match=TOKEN_ENV):
        token_for("0.0.0.0", {})
    with pytest.raises(ValueError, match="at least 16"):
        token_for("0.0.0.0", {TOKEN_ENV: "short"})
    assert token_for("0.0.0.0", {TOKEN_ENV: TOKEN}) == TOKEN


def test_every_request_needs_the_token_when_one_is_set(catalog_source):
    from fastapi.testclient import TestClient

    with TestClient(create_app(catalog_source, ServeSettings(token=TOKEN))) as c:
        for path in ("/health", "/api/liquidation-map", "/", "/openapi.json", "/static/plotly.min.js"):
            assert c.get(path).status_code == 401, path
        assert c.get("/health", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
        assert c.get("/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        # the dashboard: /?token=... sets an HttpOnly cookie and redirects; the page and its API calls then work
        login = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert login.status_code == 303 and "httponly" in login.headers["set-cookie"].lower()
        assert c.get("/").status_code == 200 and c.get("/api/status").status_code == 200
        c.cookies.clear()
        assert c.get(f"/api/status?token={TOKEN}").status_code == 401  # a token in the URL only logs in at /


def test_cors_only_for_configured_origins(catalog_source):
    from fastapi.testclient import TestClient

    with TestClient(create_app(catalog_source, ServeSettings(cors_origins=["http://dash.example"]))) as c:
        ok = c.get("/health", headers={"Origin": "http://dash.example"})
        assert ok.headers["access-control-allow-origin"] == "http://dash.example"
        other = c.get("/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_a_cors_origin_passes_the_browsers_preflight_with_a_token(catalog_source):
    # a page of an allowed origin sending `Authorization: Bearer` (needed with a token) makes the browser ask first
    # with OPTIONS: that preflight got the read-only 405 without CORS headers, so the browser never sent the GET
    from fastapi.testclient import TestClient

    origin = "http://dash.example"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    with TestClient(create_app(catalog_source, ServeSettings(token=TOKEN, cors_origins=[origin]))) as c:
        asked = c.options("/api/liquidation-map", headers=preflight)
        assert asked.status_code == 200, asked.text
        assert asked.headers["access-control-allow-origin"] == origin
        assert "authorization" in asked.headers["access-control-allow-headers"].lower()
        assert "GET" in asked.headers["access-control-allow-methods"]
        sent = c.get("/health", headers={"Origin": origin, "Authorization": f"Bearer {TOKEN}"})
        assert sent.status_code == 200 and sent.headers["access-control-allow-origin"] == origin
        refused = c.get("/health", headers={"Origin": origin})  # no token: a 401 the page can read
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == origin
        # still read-only: another origin's preflight, a plain OPTIONS and a POST are refused
        assert "access-control-allow-origin" not in c.options("/health", headers={**preflight,
                                                                                  "Origin": "http://evil.example"}).headers
        assert c.options("/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 405
        assert c.post("/health", headers={"Origin": origin, "Authorization": f"Bearer {TOKEN}"}).status_code == 405


def test_cors_preflights_are_counted_in_stats_requests(catalog_source):
    # the CORS middleware answers a browser's preflight before the middleware that counted requests saw it, so
    # /api/stats' requests left out every OPTIONS of a --cors-origin page
    from fastapi.testclient import TestClient

    origin = "http://dash.example"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(catalog_source, ServeSettings(token=TOKEN, cors_origins=[origin]))) as c:
        first = c.get("/api/stats", headers=auth).json()["requests"]
        for path in ("/api/liquidation-map", "/api/status", "/health"):
            assert c.options(path, headers=preflight).status_code == 200
        assert c.get("/health").status_code == 401  # refused requests count too, as before
        # the three preflights, the 401 and this request
        assert c.get("/api/stats", headers=auth).json()["requests"] == first + 5


def test_serve_refuses_no_warm_up_with_live(capsys):
    # the warm-up replays a catalog's default maps; a live source replays nothing, so --no-warm-up was ignored
    # (a port in use: the old code got past the options and exited 1 there instead of serving)
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])
        assert main(["serve", "--live", "redis://127.0.0.1:1", "--no-warm-up", "--port", port]) == 2
    err = capsys.readouterr().err
    assert "--no-warm-up applies only to a catalog, not with --live" in err and "Traceback" not in err


def test_serve_refuses_bad_input_without_a_traceback(tmp_path, capsys, monkeypatch):
    # a bad option value exits 2 (a usage error, as every other liqheat command); what cannot be served exits 1
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--catalog", str(tmp_path)]) == 2
    assert TOKEN_ENV in capsys.readouterr().err
    assert main(["serve", "--catalog", str(tmp_path / "missing")]) == 1
    assert "catalog not found" in capsys.readouterr().err
    assert main(["serve", "--live", "http://127.0.0.1:6379"]) == 2
    assert "redis://" in capsys.readouterr().err
    assert main(["serve", "--live", "redis://user:pw@127.0.0.1:6379"]) == 2
    assert "REDIS_PASSWORD" in capsys.readouterr().err
    # catalog options beside --live were ignored silently (the live node's maps were served regardless)
    for extra in (["--refresh-secs", "5"], ["--profile-file", "p.toml"], ["--snapshot-minutes", "5"],
                  ["--bar-spec", "5-MINUTE-LAST"]):
        assert main(["serve", "--live", "redis://127.0.0.1:1", *extra]) == 2
        assert f"{extra[0]} applies only to a catalog, not with --live" in capsys.readouterr().err
    # a trader id no node can have (or a pattern) was accepted: the server waited for streams that never come
    # (a port in use: the old code exits 1 there instead of serving)
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])
        for trader in ("LIQHEAT", "LIQHEAT 001", "LIQHEAT-*"):
            assert main(["serve", "--live", "redis://127.0.0.1:1", "--trader-id", trader, "--port", port]) == 2
            assert "--trader-id must be" in capsys.readouterr().err
    # an option value that is no bar specification was "no instrument has garbage bars", exit 1
    assert main(["serve", "--catalog", str(tmp_path), "--bar-spec", "garbage"]) == 2
    assert "--bar-spec 'garbage' is not a bar specification STEP-AGGREGATION-PRICE_TYPE" in capsys.readouterr().err
    bad = tmp_path / "profile.toml"
    bad.write_text("[map]\nleverage_magic = 3\n")
    assert main(["serve", "--catalog", str(tmp_path), "--profile-file", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "profile.toml" in err and "leverage_magic" in err


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_port_in_use_is_refused_before_the_server_is_announced(okx_catalog, capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--catalog", str(okx_catalog), "--port", str(port), "--no-warm-up"]) == 1
    captured = capsys.readouterr()
    assert f"cannot listen on 127.0.0.1:{port} (--host/--port)" in captured.err and "in use" in captured.err
    assert "liqheat serve: http" not in captured.out and "Traceback" not in captured.err


def test_liqheat_serve_runs_and_stops_cleanly(served_catalog, tmp_path):
    """The command as a user runs it: uvicorn on 127.0.0.1, a map profile file (as `liqheat calibrate` writes one:
    here SYNTHETIC values), Ctrl-C stops it."""
    from liqheat_nautilus.core.leverage import NORMAL_LEVERAGE_GRID
    from liqheat_nautilus.core.profile import dump_profile

    profile = dump_profile(tmp_path / "calibrated.toml", {"leverage_model": "normal", "leverage_mean": 20.0,
                                                         "leverage_std": 8.0, "half_life_hours": 96.0},
                           {"fitted_on": "SYNTHETIC test profile"})
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen([sys.executable, "-m", "liqheat_nautilus.cli", "serve", "--catalog",
                             str(served_catalog[0]), "--port", str(port), "--profile-file", str(profile)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status = httpx.get(f"{base}/api/status", timeout=5).json()
                if status["instruments"][0]["state"] == "READY":
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert status is not None and status["instruments"][0]["state"] == "READY"
        assert "calibrated" in status["profiles"]
        body = httpx.get(f"{base}/api/liquidation-map", params={"profile": "calibrated", "window_pct": 50},
                         timeout=30).json()
        levels = httpx.get(f"{base}/liquidations/levels", params={"profile": "calibrated", "window_pct": 50},
                           timeout=30).json()
        assert body["leverage_profile"] == "calibrated"
        assert levels["tiers"] == [float(t) for t in NORMAL_LEVERAGE_GRID]  # the profile's leverage model
        page = httpx.get(f"{base}/", timeout=5)
        assert page.status_code == 200 and "/static/plotly.min.js" in page.text and "cdn" not in page.text.lower()
        js = httpx.get(f"{base}/static/plotly.min.js", timeout=5)
        assert js.status_code == 200 and len(js.content) > 1_000_000  # the plotly package's own bundle
        for path in ("/health", "/api/status", "/api/liquidation-map", "/"):  # HEAD was a 405 on every route
            head, got = httpx.head(f"{base}{path}", timeout=30), httpx.get(f"{base}{path}", timeout=30)
            assert head.status_code == 200 and head.content == b"", path
            assert head.headers["content-type"] == got.headers["content-type"], path
        # a dashboard follows the event stream, which never ends: Ctrl-C waited for it (as long as it stayed open)
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        client.sendall(b"GET /stream?heartbeat_s=0.5 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert client.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        stopped = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert time.monotonic() - stopped < 25  # the stream ends at once (it kept the server up as long as it was open)
    client.close()
    assert proc.returncode == 0, out
    assert "Traceback" not in out and f"http://127.0.0.1:{port}/" in out


def test_sigterm_stops_liqheat_serve_gracefully_with_exit_0(okx_catalog):
    # a service manager stops with SIGTERM: uvicorn shut down, then re-raised it and the process died with 143
    # (-15 here) before the source was closed; Ctrl-C exited 0
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen([sys.executable, "-m", "liqheat_nautilus.cli", "serve", "--catalog", str(okx_catalog),
                             "--port", str(port), "--no-warm-up"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "Traceback" not in out and f"http://127.0.0.1:{port}/" in out


def test_event_stream_pushes_new_map_updates(catalog_source):
    from fastapi.testclient import TestClient

    frame = catalog_source.latest["SOL-USDT-SWAP.OKX"]
    before = catalog_source.sequence
    with TestClient(create_app(catalog_source)) as c:
        def push() -> None:
            time.sleep(0.5)
            catalog_source.notify(frame)

        pusher = threading.Thread(target=push)
        pusher.start()
        # Last-Event-ID: the update is received even if it came before the stream started (a loaded machine once
        # took longer than the 0.5 s to start it: the update was missed and the stream waited for ever)
        with c.stream("GET", "/stream", params={"max_events": 1, "heartbeat_s": 0.2},
                      headers={"Last-Event-ID": str(before)}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            text = "".join(response.iter_text())
        pusher.join()
    assert "event: snapshot" in text and f"id: {before + 1}" in text
    data = next(line[6:] for line in text.splitlines() if line.startswith("data: "))
    import json

    event = json.loads(data)
    assert event["instrument_id"] == "SOL-USDT-SWAP.OKX" and event["ts_ns"] == frame.ts_ns
    assert event["price"] == frame.snapshot.price


def test_replays_are_cached_and_extended_incrementally(served_catalog):
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.times import parse_time

    store = MapStore(served_catalog[0])
    replay = store.replay("SOL-USDT-SWAP.OKX", "isolated_mmr", "aggressive")
    assert store.replay("SOL-USDT-SWAP.OKX", "isolated_mmr", "aggressive") is replay and store.replays_built == 1
    t1, t2 = parse_time("2026-06-15T00:00"), parse_time("2026-06-20T00:00")
    f1 = replay.frame_at(t1)
    n1, pos1 = len(replay.frames), replay.position_ns
    assert pos1 <= t1 and f1.ts_ns <= t1
    f2 = replay.frame_at(t2)  # continues from t1: the frames before t1 are kept as they were
    assert len(replay.frames) > n1 and replay.frames[n1 - 1] is f1 and replay.position_ns <= t2
    assert replay.frame_at(t1) is f1  # earlier time: a lookup, no replay
    fresh = MapStore(served_catalog[0]).replay("SOL-USDT-SWAP.OKX", "isolated_mmr", "aggressive").frame_at(t2)
    assert fresh.ts_ns == f2.ts_ns
    assert np.array_equal(fresh.bins.long_tier_usd(), f2.bins.long_tier_usd())
    assert [c.cluster_id for c in fresh.clusters] == [c.cluster_id for c in f2.clusters]


def test_catalog_growth_extends_the_replays(served_catalog, tmp_path):
    """The catalog's last two days are appended later (as `liqheat catalog fetch` would): the cached replay
    continues over them, ends where a replay of the whole catalog ends, and its newest update is pushed."""
    import shutil

    from nautilus_trader.model.data import BarType
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.times import parse_time

    full = ParquetDataCatalog(str(served_catalog[0]))
    cut = parse_time("2026-06-24T12:00")
    part = tmp_path / "part"
    part_cat = ParquetDataCatalog(str(part))
    part_cat.write_data(full.instruments())
    iid = "SOL-USDT-SWAP.OKX"
    bar_type = BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL")
    bars = full.bars(bar_types=[str(bar_type)])
    extra = [[d.data if hasattr(d, "data") else d for d in full.query(cls, identifiers=[iid])]
             for cls in (OpenInterest, FundingRate, LongShortRatio, TakerVolume)]
    part_cat.write_data([b for b in bars if b.ts_init <= cut])
    for items in extra:
        part_cat.write_data([d for d in items if d.ts_init <= cut])
    from liqheat_nautilus.serve.sources import CatalogSource

    source = CatalogSource(MapStore(part))  # what `liqheat serve --refresh-secs N` runs every N seconds
    source.warm_up()
    store = source.store
    model = store.default_model  # the replay the source refreshes and pushes (`latest`)
    replay = store.replay(iid, model, "neutral")
    before = replay.frame_at(2**62)
    assert before.ts_ns <= cut and source.latest[iid] is before
    sequence = source.sequence
    assert source.refresh() == 0  # nothing new yet
    part_cat.write_data([b for b in bars if b.ts_init > cut])
    for items in extra:
        later = [d for d in items if d.ts_init > cut]
        if later:
            part_cat.write_data(later)
    assert source.refresh() == sum(1 for b in bars if b.ts_init > cut) > 0
    after = source.latest[iid]  # the extended replay's newest update was pushed to the event stream
    assert source.sequence == sequence + 1 and after.ts_ns > cut and after is replay.frames[-1]
    assert replay.frames.count(before) == 1  # the updates before the growth were kept, not recomputed
    whole = MapStore(served_catalog[0]).replay(iid, model, "neutral").frame_at(2**62)
    assert after.ts_ns == whole.ts_ns
    assert np.allclose(after.bins.long_tier_usd().sum(), whole.bins.long_tier_usd().sum(), rtol=1e-9)
    shutil.rmtree(part)


def test_a_reconnecting_client_gets_the_update_it_missed_at_once(catalog_source):
    """A browser's EventSource reconnects with the last id it received: unless that is the current update, the latest
    is sent before any wait (an update made while it was away, or an id from an earlier server process)."""
    from fastapi.testclient import TestClient

    frame = catalog_source.latest["SOL-USDT-SWAP.OKX"]
    catalog_source.notify(frame)  # the update the client missed
    current = catalog_source.sequence
    received: list[str] = []

    def listen(client, last_id: int) -> threading.Thread:
        def read() -> None:
            with client.stream("GET", "/stream", params={"max_events": 1, "heartbeat_s": 0.2},
                               headers={"Last-Event-ID": str(last_id)}) as response:
                received.append("".join(response.iter_text()))

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        return thread

    with TestClient(create_app(catalog_source)) as c:
        for last_id in (current - 1, current + 100):  # missed one; an id this process never gave (restarted)
            listener = listen(c, last_id)
            listener.join(30)  # no notify: only the resume can end this stream
            assert not listener.is_alive(), f"Last-Event-ID {last_id}: the latest update was not sent"
            assert f"id: {current}" in received[-1] and ": ping" not in received[-1]  # at once, before a keep-alive
        up_to_date = listen(c, current)
        time.sleep(1.0)
        assert up_to_date.is_alive() and len(received) == 2  # waits for a new update, as without the header
        catalog_source.notify(frame)
        up_to_date.join(30)
        assert not up_to_date.is_alive() and f"id: {current + 1}" in received[2]
        for bad in ("-1", "last", "1.5"):
            response = c.get("/stream", params={"max_events": 1}, headers={"Last-Event-ID": bad})
            assert response.status_code == 422, (bad, response.text)
            assert [e["loc"] for e in response.json()["detail"]] == [["header", "Last-Event-ID"]]


def test_event_stream_of_an_unknown_instrument_is_a_404_naming_it(catalog_source):
    from fastapi.testclient import TestClient

    # it was a 200 whose body ended at once, the UnknownName traceback only in the server's log
    with TestClient(create_app(catalog_source), raise_server_exceptions=False) as c:
        response = c.get("/stream", params={"instrument_id": "NOPE", "max_events": 1})
    assert response.status_code == 404
    assert "unknown instrument_id 'NOPE'" in response.json()["detail"]
    assert response.json()["known"] == ["SOL-USDT-SWAP.OKX"]


def _damaged_copy(okx_catalog, tmp_path, damage):
    import shutil

    catalog = tmp_path / "cat"
    shutil.copytree(okx_catalog, catalog)
    bar = next((catalog / "data" / "bar").rglob("*.parquet"))
    damage(bar)
    return catalog, bar


def test_serve_refuses_a_damaged_catalog_file_by_name(okx_catalog, tmp_path, capsys, monkeypatch):
    import uvicorn

    # it started; every map request was then a 500 "Internal Server Error" (Nautilus' "Corrupt footer" in the log)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: pytest.fail("the server started"))
    catalog, bar = _damaged_copy(okx_catalog, tmp_path, lambda f: f.write_bytes(f.read_bytes()[:5000]))
    assert main(["serve", "--catalog", str(catalog), "--no-warm-up"]) == 1
    assert f"serve failed: {bar}: not a readable Parquet file" in capsys.readouterr().err


def test_a_catalog_that_cannot_give_the_bars_is_a_503_naming_why(okx_catalog, tmp_path):
    import pyarrow.parquet as pq

    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.serve.sources import CatalogSource

    # a readable bar file without rows: the instrument is listed, its replay fails; the API answered 500
    catalog, _ = _damaged_copy(okx_catalog, tmp_path, lambda f: pq.write_table(pq.read_table(f).slice(0, 0), f))
    source = CatalogSource(MapStore(catalog))
    source.warm_up()
    from fastapi.testclient import TestClient

    with TestClient(create_app(source), raise_server_exceptions=False) as c:
        response = c.get("/api/liquidation-map")
    assert response.status_code == 503
    assert "no bars of SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL" in response.json()["detail"]


@pytest.mark.parametrize("origin", ["http://localhost:3000/", "localhost:3000", "http://localhost:3000/app"])
def test_a_cors_origin_no_browser_sends_is_refused(origin, tmp_path, capsys):
    # accepted silently: it never matched a browser's Origin header, so CORS stayed off without a word
    assert main(["serve", "--cors-origin", origin, "--catalog", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "serve failed: --cors-origin must be an origin such as http://localhost:3000" in err
    assert repr(origin) in err


def test_two_profile_files_of_one_name_or_a_leverage_profiles_name_are_refused(okx_catalog, tmp_path):
    # the map profiles are served under their file names: a second file of a name replaced the first, a file named
    # neutral.toml hid the neutral leverage profile (the server started, no word)
    from liqheat_nautilus.cli import build_parser
    from liqheat_nautilus.cli.serve_cmd import build_source

    shipped = (Path(__file__).resolve().parents[2] / "config" / "profiles" / "btc_coinglass_calibrated.toml").read_text(
        encoding="utf-8")
    for name in ("a/p.toml", "b/p.toml", "neutral.toml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(shipped)
    for files, said in (([tmp_path / "a/p.toml", tmp_path / "b/p.toml"],
                         f"it would be served as profile 'p' (its file name), which is that of --profile-file "
                         f"{tmp_path / 'a/p.toml'}; rename the file"),
                        ([tmp_path / "neutral.toml"], "served as profile 'neutral' (its file name), which is a "
                                                      "leverage profile's"),
                        # one file twice was told to rename the file (as evaluate's --profile-file once was)
                        ([tmp_path / "a/p.toml", tmp_path / "b/../a/p.toml"],
                         f"--profile-file {tmp_path / 'b/../a/p.toml'} is given twice; give each profile file once")):
        argv = ["serve", "--catalog", str(okx_catalog), *[x for f in files for x in ("--profile-file", str(f))]]
        with pytest.raises(ValueError, match="--profile-file") as caught:
            build_source(build_parser().parse_args(argv))
        assert said in str(caught.value)


def test_a_profile_file_with_inverse_true_over_a_linear_instrument_is_refused_at_start(okx_catalog, tmp_path):
    # the server started and every request for that profile was a 500 (the replay refused the contradiction)
    from liqheat_nautilus.cli import build_parser
    from liqheat_nautilus.cli.serve_cmd import build_source
    from liqheat_nautilus.core.profile import dump_profile
    from liqheat_nautilus.replay import InverseContradictionError
    from tests.evaluation.test_eval_inverse_catalog import _inverse_copy

    profile = dump_profile(tmp_path / "inv.toml", {"inverse": True, "half_life_hours": 12.0}, {})
    argv = ["serve", "--catalog", str(okx_catalog), "--profile-file", str(profile)]
    with pytest.raises(InverseContradictionError) as caught:  # evaluate's check (one place), naming the instrument
        build_source(build_parser().parse_args(argv))
    assert str(caught.value) == (f"--profile-file {profile}: [map] inverse = true contradicts the instrument "
                                 "SOL-USDT-SWAP.OKX, which is linear (is_inverse=False); drop it: the instrument "
                                 "decides")
    # the other way round, as evaluate refuses it: a profile saying linear over the catalog's (SYNTHETIC) inverse
    # definition was replayed as inverse without a word
    linear = dump_profile(tmp_path / "lin.toml", {"inverse": False, "half_life_hours": 12.0}, {})
    inverse_catalog = _inverse_copy(okx_catalog, tmp_path)
    with pytest.raises(InverseContradictionError, match=r"lin\.toml: \[map\] inverse = false contradicts the "
                                                        r"instrument SOL-USDT-SWAP\.OKX, which is inverse"):
        build_source(build_parser().parse_args(["serve", "--catalog", str(inverse_catalog), "--no-warm-up",
                                                "--profile-file", str(linear)]))
    # a profile that agrees with the instrument (or sets no inverse) is served
    build_source(build_parser().parse_args(["serve", "--catalog", str(inverse_catalog), "--no-warm-up",
                                            "--profile-file", str(profile)]))


def test_a_profile_file_of_another_instrument_is_warned_at_start_and_in_the_status(okx_catalog, tmp_path, capsys):
    # serve offered the shipped BTC profile for the SOL sample without a word, while backtest/plot/evaluate warned
    from fastapi.testclient import TestClient

    from liqheat_nautilus.cli import build_parser
    from liqheat_nautilus.cli.serve_cmd import build_source
    from liqheat_nautilus.core.profile import dump_profile
    from liqheat_nautilus.serve.app import create_app

    btc = Path(__file__).resolve().parents[2] / "config" / "profiles" / "btc_coinglass_calibrated.toml"
    sol = dump_profile(tmp_path / "sol.toml", {"half_life_hours": 12.0}, {"instrument_id": "SOL-USDT-SWAP.OKX"})
    argv = ["serve", "--catalog", str(okx_catalog), "--profile-file", str(btc), "--profile-file", str(sol),
            "--no-warm-up"]
    source = build_source(build_parser().parse_args(argv))
    try:
        err = capsys.readouterr().err
        assert err.count("WARNING  map profile ") == 1  # the SOL profile is the served instrument's own
        assert f"WARNING  map profile {btc} was fitted on BTCUSDT-PERP.BINANCE" in err
        assert "not on SOL-USDT-SWAP.OKX" in err
        with TestClient(create_app(source)) as client:
            status = client.get("/api/status").json()
            # every map answer of that profile carries it (a client that never reads the status sees it too)
            answers = {p: client.get("/api/liquidation-map", params={"profile": p, "window_pct": 1}).json()
                       for p in ("btc_coinglass_calibrated", "sol", "neutral")}
            levels = client.get("/liquidations/levels", params={"profile": "btc_coinglass_calibrated"}).json()
        # (the session's catalog may also hold a recorded run of another test with that profile: warned apart)
        (warning,) = [w for w in status["warnings"] if not w.startswith("recorded run ")]
        assert warning.startswith(f"map profile {btc} was fitted on BTCUSDT-PERP.BINANCE")
        assert {"btc_coinglass_calibrated", "sol"} <= set(status["profiles"])  # both still offered
        assert answers["btc_coinglass_calibrated"]["profile_warning"] == warning == levels["profile_warning"]
        assert answers["sol"]["profile_warning"] == "" == answers["neutral"]["profile_warning"]
        assert answers["btc_coinglass_calibrated"]["leverage_profile"] == "btc_coinglass_calibrated"
    finally:
        source.close()
