"""The REST API over the real OKX SOL-USDT-SWAP sample: every endpoint checked against independent computations
(the replay helper of the charts, pandas over the catalog's bars, the recorded run read back), plus bad input."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.persistence.reader import read_market_series
from liqheat_nautilus.replay import replay_engine
from liqheat_nautilus.times import parse_time

AT = "2026-06-24T06:30"
INSTRUMENT = "SOL-USDT-SWAP.OKX"


@pytest.fixture(scope="module")
def reference(served_catalog):
    """The same map replayed by the charts' replay helper (an independent loop over the same events)."""
    series = read_market_series(served_catalog[0], INSTRUMENT)
    return series, replay_engine(series, MapParams())


def test_health_and_status(client, served_catalog):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["mode"] == "catalog"
    status = client.get("/api/status").json()
    (inst,) = status["instruments"]
    assert inst["instrument_id"] == INSTRUMENT and inst["state"] == "READY" and inst["frames"] > 300
    assert status["models"] == ["simple", "isolated_mmr", "binance_standard", "funding_adjusted", "ensemble"]
    assert {"conservative", "neutral", "aggressive", "dynamic"} <= set(status["profiles"])
    assert served_catalog[1] in [r["run_id"] for r in status["runs"]]


def test_liquidation_map_bins_match_an_independent_replay(client, reference):
    _, state = reference
    body = client.get("/api/liquidation-map", params={"at": AT, "window_pct": 5}).json()
    at_ns = parse_time(AT)
    hist = state.history
    # the update shown is the last snapshot at or before `at` in the replay helper's own history
    k = int(np.searchsorted(hist["ts_ns"], at_ns, side="right")) - 1
    assert body["ts_ns"] == int(hist["ts_ns"][k]) <= at_ns
    assert body["summary"]["price"] == pytest.approx(hist["price"][k])
    lows = [b["price_low"] for b in body["bins"]]
    assert lows == sorted(lows) and len(lows) > 50
    width = body["bin_width"]
    for b in body["bins"][:: max(1, len(body["bins"]) // 25)]:
        g = int(round(b["price_low"] / width)) - int(hist["base"][k])
        assert b["long_usd"] == pytest.approx(hist["long_usd"][k, g], rel=1e-6, abs=1e-3)
        assert b["short_usd"] == pytest.approx(hist["short_usd"][k, g], rel=1e-6, abs=1e-3)
    price = body["summary"]["price"]
    assert all(b["price_high"] > price * 0.95 and b["price_low"] < price * 1.05 for b in body["bins"])
    assert max(b["intensity"] for b in body["bins"]) == 1.0
    longs = [b for b in body["bins"] if b["long_usd"] > 0]
    shorts = [b for b in body["bins"] if b["short_usd"] > 0]
    assert max(b["price_low"] for b in longs) < price < min(b["price_high"] for b in shorts)


def test_summary_high_low_and_funding_come_from_the_catalog(client, reference):
    series, _ = reference
    body = client.get("/api/liquidation-map", params={"at": AT}).json()
    ts = body["ts_ns"]
    bars = series.bars_frame()
    day = bars[(bars.index.asi8 > ts - 86_400 * 10**9) & (bars.index.asi8 <= ts)]
    assert body["summary"]["high_24h"] == day["high"].max()
    assert body["summary"]["low_24h"] == day["low"].min()
    k = int(np.searchsorted(series.funding_ts_ns, ts, side="right")) - 1
    assert body["summary"]["funding_rate"] == pytest.approx(series.funding_rate[k])
    assert body["summary"]["funding_ts_ns"] == int(series.funding_ts_ns[k])
    direction = body["direction"]
    assert direction["magnet_net"] == pytest.approx(direction["magnet_up"] - direction["magnet_down"])
    assert direction["bias"] == ("UP" if direction["magnet_net"] > 0 else "DOWN") or direction["bias"] == "UNBIASED"
    assert direction["nearest_above"]["price_level"] > body["summary"]["price"]
    assert direction["nearest_below"]["price_level"] < body["summary"]["price"]
    strengths = [c["strength"] for c in body["clusters"] if c["status"] != "CLEARED"]
    assert strengths == sorted(strengths, reverse=True) and strengths[0] == 1.0


def test_levels_add_up_to_the_bins(client):
    params = {"at": AT, "window_pct": 3}
    levels = client.get("/liquidations/levels", params=params).json()
    bins = client.get("/api/liquidation-map", params=params).json()["bins"]
    assert levels["tiers"] == [5.0, 10.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0]
    assert {lv["leverage"] for lv in levels["levels"]} <= set(levels["tiers"])
    assert sum(lv["long_usd"] for lv in levels["levels"]) == pytest.approx(sum(b["long_usd"] for b in bins), rel=1e-6)
    assert sum(lv["short_usd"] for lv in levels["levels"]) == pytest.approx(sum(b["short_usd"] for b in bins),
                                                                           rel=1e-6)


def test_heatmap_cells_and_candles(client, reference):
    series, state = reference
    body = client.get("/liquidations/heatmap", params={"end": AT, "range": "7d", "levels": 150}).json()
    end = parse_time(AT)
    assert body["end_ns"] == end and body["start_ns"] == end - 7 * 86_400 * 10**9
    times = body["times_ns"]
    assert times == sorted(times) and body["start_ns"] <= times[0] and times[-1] <= end
    assert 7 * 20 <= len(times) <= 7 * 24 + 60  # about hourly map updates
    assert len(body["price_levels"]) <= 150
    t_idx, p_idx, usd = (np.array(c) for c in zip(*body["cells"], strict=True))
    assert t_idx.max() < len(times) and p_idx.max() < len(body["price_levels"]) and usd.min() > 0
    assert body["max_usd"] == pytest.approx(usd.max())
    # one column holds the update's notional inside the price range (levels merge whole bins)
    col = len(times) - 1
    hist = state.history
    k = int(np.flatnonzero(hist["ts_ns"] == times[col])[0])
    lo = body["price_levels"][0] - body["level_width"] / 2
    hi = body["price_levels"][-1] + body["level_width"] / 2
    centres = (hist["base"][k] + np.arange(hist["long_usd"].shape[1]) + 0.5) * hist["width"][k]
    inside = (centres > lo) & (centres < hi)
    expected = float((hist["long_usd"][k] + hist["short_usd"][k])[inside].sum())
    assert usd[t_idx == col].sum() == pytest.approx(expected, rel=1e-5)
    # candles: OHLCV of the catalog's 1-minute bars (pandas; a bar belongs to the candle its close time ends in),
    # the shortest standard interval giving at most 400 candles: 30 minutes for 7 days
    step = body["candle_interval_s"]
    assert step == 1800
    bars = series.bars_frame()
    window = bars[(bars.index.asi8 >= body["start_ns"]) & (bars.index.asi8 <= end)]
    ohlc = window.resample(f"{step}s", closed="right", label="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}).dropna()
    got = np.array(body["candles"])
    assert got[:, 0].astype(np.int64).tolist() == ohlc.index.asi8.tolist()
    assert np.allclose(got[:, 1:], ohlc.to_numpy(), rtol=1e-12)


def test_compare_models_and_best_cluster(client):
    body = client.get("/liquidations/compare-models", params={"at": AT}).json()
    models = {m["model"]: m for m in body["models"]}
    assert list(models) == ["simple", "isolated_mmr", "binance_standard", "funding_adjusted", "ensemble"]
    single = client.get("/api/liquidation-map", params={"at": AT}).json()
    default = models[client.get("/api/status").json()["default_model"]]
    assert default["ts_ns"] == single["ts_ns"]
    assert default["long_liquidation_usd"] == pytest.approx(single["summary"]["long_liquidation_usd"])
    assert len({round(m["long_liquidation_usd"]) for m in models.values()}) >= 3  # the models differ
    best = client.get(f"/api/heatmap/{INSTRUMENT}/best", params={"at": AT}).json()
    live = [c for c in single["clusters"] if c["status"] != "CLEARED"]
    scores = {c["cluster_id"]: c["strength"] / (1 + abs(c["distance_pct"])) for c in live}
    assert best["cluster"]["cluster_id"] == max(scores, key=scores.get)
    assert best["score"] == pytest.approx(max(scores.values()))
    short = client.get(f"/api/heatmap/{INSTRUMENT}/best", params={"at": AT, "side": "SHORT"}).json()
    assert short["cluster"]["side"] == "SHORT"


def test_compare_models_before_the_data_is_a_404_like_one_models_map(client):
    # it was a 200 listing every model with ts_ns null and zero liquidations (a silent empty answer)
    for path in ("/liquidations/compare-models", "/api/liquidation-map"):
        response = client.get(path, params={"at": "1990-01-01"})
        assert response.status_code == 404, path
        detail = response.json()["detail"]  # was "...; known: (none)"
        assert detail.startswith(f"no map update of {INSTRUMENT} at or before 1990-01-01T00:00:00Z (updates from "
                                 "2026-06-11T16:"), detail
        assert detail.endswith("; data from 2026-06-11T15:25:00Z)"), detail  # the first update is not the first bar


def test_a_map_after_the_data_is_a_404_naming_where_it_ends(client, served_catalog, reference):
    # at=2030 was answered with the last map (ts_ns of 2026-06-26) and nothing said the data ends years before
    series, _ = reference
    last_bar = int(series.bar_ts_ns[-1])
    end = pd.Timestamp(last_bar, unit="ns", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    run_id = served_catalog[1]
    for path, params in (("/api/liquidation-map", {}), ("/liquidations/levels", {}),
                         ("/liquidations/compare-models", {}), (f"/api/heatmap/{INSTRUMENT}/best", {}),
                         ("/charts/map", {}), ("/api/liquidation-map", {"run": run_id})):
        for _ in range(2):  # the second ask may be answered from the per-update cache: the same 404
            response = client.get(path, params={"at": "2030-01-01", **params})
            assert response.status_code == 404, (path, params)
            detail = response.json()["detail"]
            assert detail.startswith(f"no map update of {INSTRUMENT} at 2030-01-01T00:00:00Z: after the data, whose "
                                     f"bars end at {end} (updates from "), detail
            assert detail.endswith("; omit at for the latest map"), detail
            assert ("run" in params) or "(updates from 2026-06-11T16:" in detail  # the replay's first update
    # the last bar's own time is inside the data: its map (the last update at or before it) as before
    at_end = client.get("/api/liquidation-map", params={"at": str(last_bar)})
    latest = client.get("/api/liquidation-map")
    assert at_end.status_code == 200 and at_end.json()["ts_ns"] == latest.json()["ts_ns"] <= last_bar
    assert client.get("/api/liquidation-map", params={"at": str(last_bar + 1)}).status_code == 404


@pytest.mark.parametrize("window", [{"start": "2020-01-01", "end": "2020-01-02"},
                                    {"start": "2030-01-01", "end": "2030-01-02"}])
@pytest.mark.parametrize("path", ["/liquidations/heatmap", "/charts/heatmap"])
def test_a_heatmap_outside_the_data_is_a_404_naming_the_updates(client, path, window):
    # was a 200 with empty times, levels and cells (the docs promise a 404 naming where the data is)
    response = client.get(path, params=window)
    assert response.status_code == 404
    assert "(updates from 2026-06-11T16:" in response.json()["detail"]


def test_a_time_404_gives_the_span_with_updates_not_an_empty_known(client, reference):
    # a time before or after the data answered {"detail": ..., "known": []}: a list of valid values that is empty
    series, _ = reference
    last_bar = int(series.bar_ts_ns[-1])
    spans = []
    for params in ({"at": "1990-01-01"}, {"at": "2030-01-01"}):
        response = client.get("/api/liquidation-map", params=params)
        assert response.status_code == 404 and "known" not in response.json(), response.json()
        spans.append(response.json()["span"])
    assert spans[0] == spans[1]
    span = spans[0]
    assert span["end_ns"] == last_bar
    assert span["end"] == pd.Timestamp(last_bar, tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert pd.Timestamp(span["start"]).value == span["start_ns"] > int(series.bar_ts_ns[0])
    # both ends are valid times, one ns outside either is a 404: the span is exactly the times with a map
    first = client.get("/api/liquidation-map", params={"at": str(span["start_ns"])})
    assert first.status_code == 200 and first.json()["ts_ns"] == span["start_ns"]
    assert client.get("/api/liquidation-map", params={"at": str(span["end_ns"])}).status_code == 200
    for outside in (span["start_ns"] - 1, span["end_ns"] + 1):
        assert client.get("/api/liquidation-map", params={"at": str(outside)}).status_code == 404
    # a window ends at the last update (a window after it has none, though the data goes on to the last bar)
    window = client.get("/liquidations/heatmap", params={"start": "2030-01-01", "end": "2030-01-02"}).json()
    assert "known" not in window and window["span"]["start_ns"] == span["start_ns"]
    assert window["span"]["end_ns"] == client.get("/api/liquidation-map").json()["ts_ns"] <= last_bar
    # an unknown name still lists the known ones, with no span
    unknown = client.get("/api/liquidation-map", params={"instrument_id": "NOPE.X"}).json()
    assert unknown["known"] == [INSTRUMENT] and "span" not in unknown


def test_recorded_run_is_served_without_replaying(client, served_catalog, catalog_source):
    from liqheat_nautilus.recording import load_recording

    catalog, run_id = served_catalog
    rec = load_recording(catalog, run_id)
    snap = rec.snapshots[len(rec.snapshots) // 2]
    built = catalog_source.store.replays_built
    body = client.get("/api/liquidation-map", params={"run": run_id, "at": str(snap.ts_event)}).json()
    assert catalog_source.store.replays_built == built  # no replay was started for it
    assert body["source"] == "recording" and body["run_id"] == run_id and body["ts_ns"] == snap.ts_event
    assert body["summary"]["price"] == snap.price
    assert body["summary"]["long_liquidation_usd"] == snap.long_liquidation_usd
    assert body["direction"]["bias"] == snap.bias
    ids = sorted(c.cluster_id for c in rec.clusters if c.ts_event == snap.ts_event)
    assert sorted(c["cluster_id"] for c in body["clusters"]) == ids
    bins = next(b for b in rec.bins if b.ts_event == snap.ts_event)
    total = sum(b["long_usd"] for b in client.get("/api/liquidation-map", params={
        "run": run_id, "at": str(snap.ts_event), "window_pct": 50}).json()["bins"])
    assert total == pytest.approx(bins.long_tier_usd().sum(), rel=1e-6)
    signals = client.get("/signals", params={"run": run_id}).json()
    assert signals["source"] == "recording" and len(signals["signals"]) == len(rec.signals) > 0
    assert {s["action"] for s in signals["signals"]} <= {"ENTER", "SKIP", "EXIT", "REJECTED", "PARTIAL"}


def test_history_says_when_the_catalog_has_no_liquidations(client):
    body = client.get("/liquidations/history", params={"end": AT, "range": "3d"}).json()
    assert body["available"] is False and body["records"] == [] and "LiquidationEvent" in body["note"]
    note = client.get("/signals").json()["note"]
    assert "run=" in note


def test_liquidation_history_from_a_catalog_that_has_records(served_catalog, tmp_path):
    """SYNTHETIC liquidation prints written into a copy of the real catalog."""
    import shutil

    from fastapi.testclient import TestClient
    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import LiquidationEvent
    from liqheat_nautilus.serve.app import create_app
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.serve.sources import CatalogSource

    copy = tmp_path / "catalog"
    shutil.copytree(served_catalog[0], copy, ignore=shutil.ignore_patterns("backtest"))
    t0 = parse_time("2026-06-23T00:00")
    events = [LiquidationEvent(instrument_id=InstrumentId.from_str(INSTRUMENT), side=side, price=70.0 + i,
                               quantity=10.0, notional_usd=(70.0 + i) * 10.0, source="forceOrder",
                               ts_event=t0 + i * 3_600 * 10**9, ts_init=t0 + i * 3_600 * 10**9)
              for i, side in enumerate(["LONG", "SHORT", "LONG", "LONG"])]
    ParquetDataCatalog(str(copy)).write_data(events)
    with TestClient(create_app(CatalogSource(MapStore(copy)))) as c:
        body = c.get("/liquidations/history", params={"start": "2026-06-23T00:30", "end": "2026-06-23T05:00"}).json()
        assert body["available"] is True and [r["price"] for r in body["records"]] == [71.0, 72.0, 73.0]
        assert body["long_usd"] == pytest.approx(720.0 + 730.0) and body["short_usd"] == pytest.approx(710.0)
        capped = c.get("/liquidations/history", params={"start": "2026-06-22T00:00", "end": "2026-06-24T00:00",
                                                         "limit": 2}).json()
        assert capped["truncated"] is True and [r["price"] for r in capped["records"]] == [72.0, 73.0]
        # a window without records (here years after them) says where they are, not only an empty list
        later = c.get("/liquidations/history", params={"start": "2030-01-01", "end": "2030-01-02"}).json()
        assert later["available"] is True and later["records"] == [] and later["long_usd"] == 0.0
        assert later["note"] == (f"no LiquidationEvent record of {INSTRUMENT} from 2030-01-01T00:00:00Z to "
                                 "2030-01-02T00:00:00Z; its 4 records span 2026-06-23T00:00:00Z .. "
                                 "2026-06-23T03:00:00Z"), later["note"]
        inside = c.get("/liquidations/history", params={"start": "2026-06-23T00:30", "end": "2026-06-23T00:40"})
        assert inside.json()["records"] == [] and "span 2026-06-23T00:00:00Z" in inside.json()["note"]


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/liquidation-map", {"at": "yesterday"}, "at"),
    ("/api/liquidation-map", {"at": "99999999999999999999999"}, "at"),
    ("/api/liquidation-map", {"window_pct": "0"}, "window_pct"),
    ("/api/liquidation-map", {"window_pct": "nan"}, "window_pct"),
    ("/api/liquidation-map", {"windw_pct": "5"}, "windw_pct"),
    ("/api/liquidation-map", {"model": "magic"}, "model"),
    ("/api/liquidation-map", {"profile": "../../etc/passwd"}, "profile"),
    ("/liquidations/heatmap", {"start": "2026-01-01", "end": "2026-06-20"}, "start"),
    ("/liquidations/heatmap", {"start": "2026-06-20", "end": "2026-06-19"}, "start"),
    ("/liquidations/heatmap", {"range": "90d"}, "range"),
    ("/liquidations/heatmap", {"levels": "100000"}, "levels"),
    ("/liquidations/history", {"limit": "0"}, "limit"),
])
def test_bad_parameters_get_422_naming_the_field(client, path, params, field):
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert [field] == [e["loc"][-1] for e in response.json()["detail"]]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "infinity"])
@pytest.mark.parametrize("path", ["/api/liquidation-map", "/liquidations/levels", "/charts/map"])
def test_window_that_is_not_a_finite_number_is_called_so(client, path, value):
    response = client.get(path, params={"window_pct": value})
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "window_pct"] and "finite number" in error["msg"], error  # was "<= 50"


@pytest.mark.parametrize("at", ["2262-04-12", "2262-04-11T23:47:17", "9223372036854775808", "3000-01-01T00:00Z"])
def test_time_past_the_unix_ns_range_is_called_so(client, at):
    response = client.get("/api/liquidation-map", params={"at": at})
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "at"], error
    assert "beyond the range of UNIX-ns timestamps" in error["msg"] and "2262-04-11" in error["msg"], error


@pytest.mark.parametrize(("param", "value", "says"), [
    ("at", "yesterday", "not a time: 'yesterday' (ISO-8601"), ("at", "2026/06/24", "not a time: '2026/06/24'"),
    ("at", "-5", "beyond the range of UNIX-ns timestamps"),
    ("at", "99999999999999999999", "beyond the range of UNIX-ns timestamps"),
    ("start", "last week", "not a time: 'last week'"), ("end", "now", "not a time: 'now'")])
def test_time_that_fails_the_pattern_is_worded_as_a_time_not_a_regex(client, param, value, says):
    # at=yesterday was a 422 saying "String should match pattern '^\\s*(\\d{1,19}|\\d{4}-...'": a regex to read
    path = "/api/liquidation-map" if param == "at" else "/liquidations/heatmap"
    response = client.get(path, params={param: value})
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", param] and error["input"] == value, error
    assert says in error["msg"] and "should match pattern" not in error["msg"], error
    assert error["type"] == "string_pattern_mismatch" and "pattern" in error["ctx"], error  # kept for programs


@pytest.mark.parametrize(("param", "value"), [("at", "2026-02-30"), ("at", "2262-04-12"), ("start", "2026-13-01")])
def test_a_time_the_route_refuses_names_its_input_as_fastapis_items_do(client, param, value):
    # at=2026-02-30 matches the time pattern but is no date: its 422 item had input null, while at=yesterday's
    # (FastAPI's own item) had the value
    path = "/api/liquidation-map" if param == "at" else "/liquidations/heatmap"
    (error,) = client.get(path, params={param: value}).json()["detail"]
    assert error["loc"] == ["query", param] and error["input"] == value, error
    assert f"{value!r}" in error["msg"], error


def test_other_pattern_errors_keep_fastapis_wording(client):
    (error,) = client.get("/signals", params={"run": "abc"}).json()["detail"]
    assert error["loc"] == ["query", "run"] and "should match pattern" in error["msg"], error  # a UUID's pattern


def test_last_unix_ns_time_is_a_time(client):
    # 2**63 - 1 ns is 2262-04-11T23:47:16.854775807Z: in range, so a valid time (not a 422), after the data (a 404)
    last = client.get("/api/liquidation-map", params={"at": "2262-04-11T23:47:16"})
    assert last.status_code == 404 and ": after the data, whose bars end at 2026-06-26" in last.json()["detail"]


def test_every_api_endpoint_refuses_a_parameter_it_does_not_take(client):
    schema = client.get("/openapi.json").json()["paths"]
    assert len(schema) >= 13  # the check covers every operation, /stream included
    for path, operation in schema.items():
        takes = [p["name"] for p in operation["get"].get("parameters", []) if p["in"] == "query"]
        url = path.replace("{instrument_id}", INSTRUMENT)
        response = client.get(url, params={"windw_pct": "5", "window_pct": "5"} if "window_pct" in takes
                              else {"windw_pct": "5"})
        assert response.status_code == 422, (path, response.text)
        (error,) = response.json()["detail"]
        assert error["loc"] == ["query", "windw_pct"], (path, error)
        assert "unknown query parameter 'windw_pct'" in error["msg"], (path, error)
        assert all(name in error["msg"] for name in takes), (path, takes, error)  # the accepted ones listed
        assert "422" in operation["get"]["responses"], path  # documented


TWO_VALUES = {"at": ("2026-06-24T06:30", "2026-06-24T07:30"), "start": ("2026-06-23", "2026-06-22"),
              "end": ("2026-06-24", "2026-06-25"), "instrument_id": (INSTRUMENT, "BTC-USDT-SWAP.OKX"),
              "model": ("simple", "ensemble"), "profile": ("neutral", "aggressive"), "range": ("24h", "3d"),
              "run": ("00000000-0000-0000-0000-000000000000", "11111111-1111-1111-1111-111111111111"),
              "window_pct": ("5", "10"), "side": ("LONG", "SHORT")}


def test_a_single_valued_parameter_given_twice_is_a_422_naming_both_values(client):
    # ?at=A&at=B answered the map at B (the last value), saying nothing of A
    schema = client.get("/openapi.json").json()["paths"]
    checked = set()
    for path, operation in schema.items():
        url = path.replace("{instrument_id}", INSTRUMENT)
        for param in operation["get"].get("parameters", []):
            if param["in"] != "query":
                continue
            name = param["name"]
            first, second = TWO_VALUES.get(name, ("1", "2"))
            response = client.get(url, params=[(name, first), (name, second)])
            assert response.status_code == 422, (path, name, response.text)
            items = [i for i in response.json()["detail"] if i["loc"] == ["query", name] and i["input"] == [first,
                                                                                                             second]]
            assert len(items) == 1, (path, name, response.json())
            assert items[0]["msg"] == f"query parameter {name!r} given 2 times ({first!r}, {second!r}); it takes one " \
                                      "value", items[0]
            checked.add(name)
    assert {"at", "instrument_id", "profile", "start", "end", "range", "model", "run", "window_pct"} <= checked
    # reported with the other 422 items: a misspelt parameter in the same request is named too
    both = client.get("/api/liquidation-map", params=[("at", "2026-06-24"), ("at", "2026-06-25"), ("windw_pct", "5")])
    assert [i["loc"] for i in both.json()["detail"]] == [["query", "at"], ["query", "windw_pct"]]
    # once is fine, as are two different parameters
    assert client.get("/api/liquidation-map", params={"at": "2026-06-24T06:30", "window_pct": "5"}).status_code == 200


def test_unknown_parameter_and_invalid_values_are_reported_together(client):
    # ?windw_pct=5&at=notatime was a 422 naming only the misspelling: the bad `at` came back on the next request
    response = client.get("/api/liquidation-map", params={"windw_pct": "5", "at": "notatime", "window_pct": "-1"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert [item["loc"] for item in detail] == [["query", "windw_pct"], ["query", "at"], ["query", "window_pct"]]
    unknown, at, window = detail
    assert "unknown query parameter 'windw_pct'" in unknown["msg"] and "window_pct" in unknown["msg"], unknown
    assert at["type"] == "string_pattern_mismatch" and at["input"] == "notatime", at  # FastAPI's own items
    assert window["type"] == "greater_than" and window["input"] == "-1", window
    assert all({"loc", "msg", "type"} <= set(item) for item in detail)  # ValidationErrorResponse's layout
    # and a path parameter's bad value with it (the best-cluster route's instrument is in the path)
    both = client.get(f"/api/heatmap/{'X' * 65}/best", params={"windw_pct": "5"}).json()["detail"]
    assert [(item["loc"], item["type"]) for item in both] == [
        (["query", "windw_pct"], "value_error"), (["path", "instrument_id"], "string_too_long")], both


def test_a_changed_fastapi_helper_still_names_the_unknown_parameter(client, monkeypatch):
    # the bad values come from FastAPI's internal request_params_to_args: if a later FastAPI changes it, the 422
    # still names the misspelling (as before the combined report), never a 500
    import liqheat_nautilus.serve.query as query

    def changed(*args, **kwargs):
        raise TypeError("changed signature")

    monkeypatch.setattr(query, "request_params_to_args", changed)
    response = client.get("/api/liquidation-map", params={"windw_pct": "5", "at": "notatime"})
    assert response.status_code == 422, response.text
    assert [item["loc"] for item in response.json()["detail"]] == [["query", "windw_pct"]]


def test_known_parameters_and_the_dashboard_are_still_accepted(client):
    assert client.get("/api/liquidation-map", params={"window_pct": "5", "at": AT}).status_code == 200
    assert client.get("/", params={"utm_source": "x"}).status_code == 200  # a page, not an API endpoint
    assert client.get("/static/dashboard.js", params={"v": "1"}).status_code == 200


def test_unknown_instrument_and_run_get_404_listing_the_known_ones(client, served_catalog):
    for response in (client.get("/api/liquidation-map", params={"instrument_id": "BTC-USDT-SWAP.OKX"}),
                     client.get("/api/heatmap/NOPE.X/best")):
        assert response.status_code == 404
        assert response.json()["known"] == [INSTRUMENT] and "NOPE" in response.text or "BTC" in response.text
    run = client.get("/api/liquidation-map", params={"run": "00000000-0000-0000-0000-000000000000"})
    assert run.status_code == 404 and served_catalog[1] in run.json()["known"]
    both = client.get("/api/liquidation-map", params={"run": served_catalog[1], "model": "simple"})
    assert both.status_code == 422 and both.json()["detail"][0]["loc"] == ["query", "model"]
    early = client.get("/api/liquidation-map", params={"at": "2020-01-01"})
    assert early.status_code == 404 and "2026-06-11" in early.json()["detail"]


def test_read_only_and_cors_off_by_default(client):
    assert client.post("/health").status_code == 405
    assert client.delete("/api/liquidation-map").status_code == 405
    response = client.get("/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_openapi_documents_every_endpoint_with_units(client):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/health", "/api/status", "/api/liquidation-map", "/liquidations/levels", "/liquidations/heatmap",
            "/liquidations/history", "/liquidations/compare-models", "/api/heatmap/{instrument_id}/best",
            "/api/stats", "/signals", "/stream"} <= paths
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())
    summary = schema["components"]["schemas"]["Summary"]["properties"]
    assert "USD" in summary["total_oi_usd"]["description"] and "fraction" in summary["funding_rate"]["description"]
    ref = schema["paths"]["/api/liquidation-map"]["get"]["responses"]
    assert {"200", "404", "422"} <= set(ref)


def test_stats_counts_requests_and_replays(client):
    first = client.get("/api/stats").json()
    client.get("/health")
    second = client.get("/api/stats").json()
    assert second["requests"] >= first["requests"] + 2
    assert second["memory_rss_bytes"] > 50e6 and second["replays_built"] >= 1
    default_model = client.get("/api/status").json()["default_model"]
    assert any(r["model"] == default_model and r["leverage_profile"] == "neutral" for r in second["replays"])


def test_charts_are_plotly_figures_of_the_served_map(client):
    fig = client.get("/charts/map", params={"at": AT}).json()
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert len(bars) == 16 and fig["layout"]["barmode"] == "stack"
    assert "USDT" in fig["layout"]["xaxis"]["title"]["text"]
    heat = client.get("/charts/heatmap", params={"end": AT, "range": "3d"}).json()
    kinds = [t["meta"]["kind"] for t in heat["data"]]
    assert kinds == ["cleared", "live", "candles"]
    assert math.isclose(len(heat["data"][1]["x"]), 3 * 24, rel_tol=0.3)
    assert isinstance(pd.Timestamp(heat["data"][1]["x"][0]), pd.Timestamp)


def test_a_run_killed_before_its_end_is_not_listed_as_a_run(served_catalog, tmp_path):
    # kill -9 mid-backtest leaves the recording's first part (no clean-up runs): it was listed and served as a
    # whole run, its map ending days early; a finished run always has its trade-signals file
    import shutil

    from liqheat_nautilus.recording import SIGNALS_FILE, list_recordings

    catalog, run_id = served_catalog
    copy = tmp_path / "catalog"
    shutil.copytree(catalog / "backtest", copy / "backtest")
    assert run_id in [r.run_id for r in list_recordings(copy)]
    (copy / "backtest" / run_id / SIGNALS_FILE).unlink()  # as a run killed before it wrote them
    assert run_id not in [r.run_id for r in list_recordings(copy)]


def test_a_catalog_without_open_interest_says_so_in_status_and_404(served_catalog, tmp_path):
    # a catalog of bars alone (e.g. `catalog ingest csv --trades ... --bars-from-trades`) was READY with
    # "replayed 0 map updates" and every map request a 404 "no map update yet", never saying why
    import shutil

    from fastapi.testclient import TestClient

    from liqheat_nautilus.serve.app import create_app
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.serve.sources import CatalogSource

    copy = tmp_path / "catalog"
    shutil.copytree(served_catalog[0], copy, ignore=shutil.ignore_patterns("backtest", "custom_open_interest"))
    source = CatalogSource(MapStore(copy))
    source.warm_up()
    with TestClient(create_app(source)) as c:
        (inst,) = c.get("/api/status").json()["instruments"]
        assert inst["frames"] == 0 and f"no open interest of {INSTRUMENT}" in inst["message"]
        for path in ("/api/liquidation-map", "/liquidations/heatmap"):
            answer = c.get(path)
            assert answer.status_code == 404 and f"no open interest of {INSTRUMENT}" in answer.json()["detail"]
            assert set(answer.json()) == {"detail"}  # no update at all: no span of times with one, no known list
            assert "trade ticks" not in answer.json()["detail"]  # the sample holds none: no trades mode to name


def test_a_recorded_runs_map_labels_name_its_profile_file(tmp_path):
    # a run whose map actor had a map_profile was listed as its config's leverage_profile ("neutral"), though the
    # profile's [map] replaced it; now it goes by the profile's name, and its [map] model when it sets one
    from liqheat_nautilus.core.profile import dump_profile
    from liqheat_nautilus.recording import RecordingInfo

    plain = RecordingInfo("r1", ("X",), map_config={"model": "funding_adjusted", "leverage_profile": "neutral"})
    assert plain.map_labels == ("funding_adjusted", "neutral")
    extra = RecordingInfo("r2", ("X",), map_config={"model": "funding_adjusted", "leverage_profile": "neutral",
                                                     "map_params_extra": {"model": "isolated_mmr"}})
    assert extra.map_labels == ("isolated_mmr", "neutral")
    fitted = dump_profile(tmp_path / "fitted.toml", {"model": "binance_standard", "leverage_model": "normal",
                                                      "leverage_mean": 20.0, "leverage_std": 10.0}, {})
    run = RecordingInfo("r3", ("X",), map_config={"model": "funding_adjusted", "leverage_profile": "neutral",
                                                   "map_profile": str(fitted)})
    assert run.map_labels == ("binance_standard", "fitted")
    fitted.unlink()  # moved since the run: still named, the config's model kept
    assert run.map_labels == ("funding_adjusted", "fitted")


def test_a_recorded_run_with_a_foreign_profile_carries_its_warning(client, served_catalog, catalog_source,
                                                                   monkeypatch, tmp_path):
    # replays of a profile fitted on another instrument carried profile_warning; a recorded run whose actor used
    # such a profile (the backtest's summary warned) answered profile_warning "" on every map
    import dataclasses
    import shutil

    from liqheat_nautilus.core.profile import profile_instrument_warning
    from liqheat_nautilus.paths import config_dir
    from liqheat_nautilus.recording import list_recordings

    run_id = served_catalog[1]
    (recorded,) = [r for r in list_recordings(served_catalog[0]) if r.run_id == run_id]
    (config,) = recorded.map_configs  # the real run's actor config, as config.json stores it
    assert config["instrument_id"] == INSTRUMENT and recorded.map_config == config
    assert recorded.profile_warnings == {}  # no profile file: nothing to warn about
    assert client.get("/api/liquidation-map", params={"run": run_id}).json()["profile_warning"] == ""
    assert not any(run_id in w for w in client.get("/api/status").json()["warnings"])
    # the same run as if its actor had had the shipped BTC profile (fitted on BTCUSDT-PERP.BINANCE)
    btc = shutil.copy(config_dir() / "profiles" / "btc_coinglass_calibrated.toml", tmp_path / "btc.toml")
    foreign = dataclasses.replace(recorded, map_config={**config, "map_profile": str(btc)},
                                  map_configs=({**config, "map_profile": str(btc)},))
    warning = profile_instrument_warning(btc, INSTRUMENT)
    assert "fitted on BTCUSDT-PERP.BINANCE" in warning and f"not on {INSTRUMENT}" in warning
    monkeypatch.setattr(catalog_source, "runs", lambda: [foreign])
    for path in ("/api/liquidation-map", "/liquidations/levels"):
        body = client.get(path, params={"run": run_id}).json()
        assert body["source"] == "recording" and body["profile_warning"] == warning, path
    assert f"recorded run {run_id}: {warning}" in client.get("/api/status").json()["warnings"]  # the dashboard's
    # a profile file gone since the run: its [calibration] cannot be read, so nothing is claimed
    Path(btc).unlink()
    gone = dataclasses.replace(foreign)
    monkeypatch.setattr(catalog_source, "runs", lambda: [gone])
    assert client.get("/api/liquidation-map", params={"run": run_id}).json()["profile_warning"] == ""
    assert not any(run_id in w for w in client.get("/api/status").json()["warnings"])


@pytest.mark.parametrize("path", ["/liquidations/heatmap", "/liquidations/history", "/charts/heatmap"])
def test_window_errors_name_the_end_the_user_left_out(client, path):
    # ?start=2030-01-01 alone said "start must be before end": the user gave no end (it is the latest map update)
    latest = client.get("/api/liquidation-map").json()["time"]
    after = client.get(path, params={"start": "2030-01-01"})
    assert after.status_code == 422, after.text
    (error,) = after.json()["detail"]
    assert error["loc"] == ["query", "start"], error
    assert error["msg"] == (f"start must be before end: start 2030-01-01T00:00:00Z, end {latest} "
                            "(end omitted: the latest map update)"), error
    (long,) = client.get(path, params={"start": "2020-01-01"}).json()["detail"]
    assert "longer than 30 days" in long["msg"] and f"2020-01-01T00:00:00Z to {latest} (end omitted" in long["msg"]
    # an end the user gave is not said to be omitted
    (given,) = client.get(path, params={"start": "2026-06-20", "end": "2026-06-12"}).json()["detail"]
    assert given["msg"] == "start must be before end: start 2026-06-20T00:00:00Z, end 2026-06-12T00:00:00Z", given


@pytest.mark.parametrize("path", ["/liquidations/heatmap", "/liquidations/history", "/charts/heatmap"])
def test_range_with_start_is_refused_not_ignored(client, path):
    # ?start=2026-06-20&range=24h answered start .. the latest update (six days), range ignored without a word
    response = client.get(path, params={"start": "2026-06-20", "range": "24h"})
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "range"] and "only when start is omitted" in error["msg"], error
    # range with end, and start with end, are windows as before
    assert client.get(path, params={"end": "2026-06-21", "range": "24h"}).status_code == 200
    assert client.get(path, params={"start": "2026-06-20", "end": "2026-06-21"}).status_code == 200


def test_a_run_with_a_profile_of_its_current_folder_keeps_its_warning_and_label_from_another_folder(
        served_catalog, monkeypatch, tmp_path):
    # a backtest kept a map_profile it found in its current folder as written ("btc.toml"): `liqheat serve` run from
    # another folder could not read it, so the run's profile_warning was "" and its model label the actor config's
    import shutil

    from fastapi.testclient import TestClient

    from liqheat_nautilus.backtest.config import load_backtest_file
    from liqheat_nautilus.backtest.runner import run_backtest
    from liqheat_nautilus.core.profile import profile_instrument_warning
    from liqheat_nautilus.paths import config_dir
    from liqheat_nautilus.serve.app import create_app
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.serve.sources import CatalogSource

    catalog = shutil.copytree(served_catalog[0], tmp_path / "catalog", ignore=shutil.ignore_patterns("backtest"))
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir(), elsewhere.mkdir()
    # the shipped BTC profile (fitted on BTCUSDT-PERP.BINANCE), with a [map] model added so that it sets the label
    shipped = (config_dir() / "profiles" / "btc_coinglass_calibrated.toml").read_text()
    (work / "btc.toml").write_text(shipped.replace("[map]\n", '[map]\nmodel = "binance_standard"\n', 1))
    base = (config_dir() / "liquidation_hunt.toml").read_text()
    base = base.replace('catalog = "catalog/build/okx_sol_usdt_swap"',
                        f'catalog = "{catalog}"\nstart = "2026-06-25T00:00:00Z"', 1)
    (work / "run.toml").write_text(base.replace("n_bins = 1000", 'n_bins = 1000\nmap_profile = "btc.toml"', 1))
    monkeypatch.chdir(work)
    outcome = run_backtest(load_backtest_file("run.toml"), show_progress=False)
    assert outcome.profile_warnings  # the backtest warned, as its summary says
    monkeypatch.chdir(elsewhere)  # `liqheat serve --catalog ...` from another folder
    warning = profile_instrument_warning(work / "btc.toml", INSTRUMENT)
    assert "fitted on BTCUSDT-PERP.BINANCE" in warning
    run_id = str(outcome.result.instance_id)
    with TestClient(create_app(CatalogSource(MapStore(catalog)))) as c:
        status = c.get("/api/status").json()
        (run,) = [r for r in status["runs"] if r["run_id"] == run_id]
        assert (run["model"], run["leverage_profile"]) == ("binance_standard", "btc")  # the config says isolated_mmr
        assert f"recorded run {run_id}: {warning}" in status["warnings"]
        body = c.get("/api/liquidation-map", params={"run": run_id}).json()
        assert body["source"] == "recording" and body["profile_warning"] == warning
        assert body["model"] == "binance_standard"


def test_a_catalog_of_trades_without_open_interest_names_the_trades_mode(tmp_path):
    # `backtest` and `plot` refusing a catalog of trades without open interest name the trades mode it can drive;
    # serve's status and 404s asked for open interest only
    from fastapi.testclient import TestClient

    from liqheat_nautilus.persistence.scan import OPEN_INTEREST_MISSING, TRADES_MODE_HINT
    from liqheat_nautilus.serve.app import create_app
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.serve.sources import CatalogSource
    from tests.cm_trades_day import INSTRUMENT as TRADED
    from tests.cm_trades_day import cm_trades_day_with_minute_bars

    cm_trades_day_with_minute_bars(tmp_path / "catalog")  # REAL aggTrades day, bars DERIVED from it, no open interest
    source = CatalogSource(MapStore(tmp_path / "catalog"))
    source.warm_up()
    reason = (f"the catalog holds no open interest of {TRADED}, and {OPEN_INTEREST_MISSING}"
              f"{TRADES_MODE_HINT.format(instrument_id=TRADED)}")
    assert f'the catalog holds trade ticks of {TRADED}: a map in entry_mode = "trades"' in reason
    with TestClient(create_app(source)) as c:
        (inst,) = c.get("/api/status").json()["instruments"]
        assert inst["frames"] == 0 and reason in inst["message"]
        for path in ("/api/liquidation-map", "/liquidations/heatmap"):
            answer = c.get(path)
            assert answer.status_code == 404 and reason in answer.json()["detail"]


@pytest.mark.parametrize(("platform", "unit"), [("darwin", 1), ("linux", 1024), ("freebsd14", 1024)])
def test_rss_without_proc_reads_ru_maxrss_in_the_platforms_unit(monkeypatch, platform, unit):
    # without /proc the peak ru_maxrss was taken as KiB everywhere: on macOS it is bytes, so /api/stats said 1024x
    import resource
    import sys
    import types

    from liqheat_nautilus.serve.routes import service

    def no_proc(path, *args, **kwargs):
        raise FileNotFoundError(path)

    peak = 123_456_789  # a SYNTHETIC ru_maxrss
    monkeypatch.setattr(service, "open", no_proc, raising=False)  # the module's open: no /proc/self/statm
    monkeypatch.setattr(resource, "getrusage", lambda who: types.SimpleNamespace(ru_maxrss=peak))
    monkeypatch.setattr(sys, "platform", platform)
    assert service.rss_bytes() == peak * unit
