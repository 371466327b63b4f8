"""``liqheat serve --catalog ... --oi-instrument-ids``: the served map (API and dashboard figures) is sized on the open
interest summed over the listed instruments, as a map actor with ``oi_instrument_ids`` sizes it.

The catalog (``two_venue_catalog``, tests/conftest.py) is the real OKX sample plus a SYNTHETIC second instrument,
``SOLUSDT-LINEAR.BYBIT``, whose readings are half of each OKX reading at the same times: the summed open interest
is 1.5 times OKX's, the second's alone 0.5 times. The server is built as ``liqheat serve`` builds it (its parser and
``build_source``) and asked through FastAPI's test client.
"""

import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient

from liqheat_nautilus.cli import build_parser, main
from liqheat_nautilus.cli.serve_cmd import build_source
from liqheat_nautilus.serve.app import create_app
from tests.cli_run import assert_clean_failure
from tests.conftest import SECOND_VENUE

OKX = "SOL-USDT-SWAP.OKX"


def _proc(code: int, captured) -> subprocess.CompletedProcess:
    """An in-process ``main`` call's exit code and capsys output, as ``assert_clean_failure`` reads them."""
    return subprocess.CompletedProcess([], code, captured.out, captured.err)


def _served(catalog, *extra: str) -> tuple[dict, dict]:
    """The latest map and the status of ``liqheat serve --catalog CATALOG EXTRA`` (warmed up as at start)."""
    source = build_source(build_parser().parse_args(["serve", "--catalog", str(catalog), *extra]))
    try:
        source.warm_up()
        with TestClient(create_app(source)) as client:
            body = client.get("/api/liquidation-map", params={"window_pct": 50}).json()
            status = client.get("/api/status").json()
    finally:
        source.close()
    return body, status


def test_the_served_map_is_sized_on_the_summed_open_interest(two_venue_catalog):
    alone, status_1 = _served(two_venue_catalog)
    both, status_2 = _served(two_venue_catalog, "--oi-instrument-ids", OKX, SECOND_VENUE, "--oi-max-age-secs", "0")
    second, _ = _served(two_venue_catalog, "--oi-instrument-ids", SECOND_VENUE)
    oi = alone["summary"]["total_oi_usd"]
    assert oi > 0 and both["ts_ns"] == alone["ts_ns"] == second["ts_ns"]
    assert both["summary"]["total_oi_usd"] == pytest.approx(1.5 * oi, rel=1e-12)
    assert second["summary"]["total_oi_usd"] == pytest.approx(0.5 * oi, rel=1e-12)
    # the map's notional follows (bins are rounded in the answer): the dashboard draws the summed map
    long_usd = sum(b["long_usd"] for b in alone["bins"])
    assert long_usd > 0 and sum(b["long_usd"] for b in both["bins"]) == pytest.approx(1.5 * long_usd, rel=1e-6)
    assert [s["instrument_id"] for s in status_2["instruments"]] == [OKX]
    assert "summed" not in status_1["instruments"][0]["message"]
    assert f"open interest summed over {OKX} + {SECOND_VENUE}" in status_2["instruments"][0]["message"]


def test_catalog_growth_extends_the_summed_replay(two_venue_catalog, tmp_path):
    """Later bars and OKX open interest appended (as `liqheat catalog fetch` would), none of the second instrument:
    the refreshed replay sums OKX's new readings with the second's last one, as the actor would, and ends where a
    replay of the grown catalog ends (a read of the new events alone would find no reading of the second)."""
    from nautilus_trader.model.data import BarType
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import FundingRate, LongShortRatio, OpenInterest, TakerVolume
    from liqheat_nautilus.serve.maps import MapStore
    from liqheat_nautilus.serve.sources import CatalogSource
    from liqheat_nautilus.times import parse_time

    full = ParquetDataCatalog(str(two_venue_catalog))
    cut = parse_time("2026-06-24T12:00")
    part = tmp_path / "part"
    part_cat = ParquetDataCatalog(str(part))
    part_cat.write_data(full.instruments())
    bars = full.bars(bar_types=[str(BarType.from_str(f"{OKX}-1-MINUTE-LAST-EXTERNAL"))])
    okx = {cls: [getattr(d, "data", d) for d in full.query(cls, identifiers=[OKX])]
           for cls in (OpenInterest, FundingRate, LongShortRatio, TakerVolume)}
    second = [d.data for d in full.query(OpenInterest, identifiers=[SECOND_VENUE]) if d.data.ts_init <= cut]
    part_cat.write_data(second)
    for items in ([b for b in bars if b.ts_init <= cut], *([d for d in x if d.ts_init <= cut] for x in okx.values())):
        part_cat.write_data(items)
    ids = (OKX, SECOND_VENUE)
    source = CatalogSource(MapStore(part, oi_instrument_ids=ids))
    source.warm_up()
    model = source.store.default_model  # the replay the source refreshes and pushes (`latest`)
    replay = source.store.replay(OKX, model, "neutral")
    before = replay.frame_at(2**62)
    assert before.ts_ns <= cut and source.refresh() == 0
    for items in ([b for b in bars if b.ts_init > cut], *([d for d in x if d.ts_init > cut] for x in okx.values())):
        if items:
            part_cat.write_data(items)
    assert source.refresh() == sum(1 for b in bars if b.ts_init > cut) > 0
    after = source.latest[OKX]
    assert after.ts_ns > cut and replay.frames.count(before) == 1
    last_okx = max(okx[OpenInterest], key=lambda d: d.ts_event)
    assert after.snapshot.total_oi_usd == pytest.approx(
        last_okx.open_interest_usd + max(second, key=lambda d: d.ts_event).open_interest_usd, rel=1e-12)
    grown = MapStore(part, oi_instrument_ids=ids).replay(OKX, model, "neutral").frame_at(2**62)
    assert after.ts_ns == grown.ts_ns
    assert after.snapshot.total_oi_usd == pytest.approx(grown.snapshot.total_oi_usd, rel=1e-12)
    assert after.bins.long_tier_usd().sum() == pytest.approx(grown.bins.long_tier_usd().sum(), rel=1e-9)
    shutil.rmtree(part)


@pytest.mark.parametrize(("argv", "expected"), [
    (["--oi-max-age-secs", "-5", "--oi-instrument-ids", OKX], "--oi-max-age-secs must be >= 0, got -5"),
    (["--oi-max-age-secs", "60"], "--oi-max-age-secs applies only with --oi-instrument-ids"),
    (["--oi-instrument-ids", "SOLUSDT"], "--oi-instrument-ids: 'SOLUSDT' is not a Nautilus instrument id"),
    (["--live", "redis://127.0.0.1:6379", "--oi-instrument-ids", OKX],
     "--oi-instrument-ids applies only to a catalog, not with --live"),
])
def test_summed_oi_options_that_cannot_apply_are_usage_errors(two_venue_catalog, capsys, argv, expected):
    catalog = [] if "--live" in argv else ["--catalog", str(two_venue_catalog), "--no-warm-up"]  # (not with --live)
    code = main(["serve", *catalog, *argv])
    captured = capsys.readouterr()
    assert code == 2 and "liqheat serve: http" not in captured.out
    assert_clean_failure(_proc(code, captured), f"serve failed: {expected}")


def test_an_instrument_without_open_interest_is_named_with_the_option(two_venue_catalog, capsys):
    code = main(["serve", "--catalog", str(two_venue_catalog), "--no-warm-up", "--oi-instrument-ids", OKX,
                 "BTCUSDT-PERP.BINANCE"])
    captured = capsys.readouterr()
    assert code == 1 and "liqheat serve: http" not in captured.out
    assert_clean_failure(_proc(code, captured), "--oi-instrument-ids: the catalog has no open interest of "
                         "BTCUSDT-PERP.BINANCE", str(two_venue_catalog))


def test_a_catalog_of_several_instruments_needs_the_maps_instrument(two_venue_catalog, tmp_path, capsys):
    from nautilus_trader.model.data import Bar, BarType
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.adapters.common.providers import known_perpetual

    catalog = tmp_path / "two_instruments"
    shutil.copytree(two_venue_catalog, catalog)
    cat = ParquetDataCatalog(str(catalog))
    btc = known_perpetual("BTCUSDT-PERP.BINANCE")
    bar_type = BarType.from_str(f"{btc.id}-1-MINUTE-LAST-EXTERNAL")
    okx_bars = cat.bars(bar_types=[f"{OKX}-1-MINUTE-LAST-EXTERNAL"])[:3]
    cat.write_data([btc])
    # SYNTHETIC: three OKX bars relabelled as another instrument's, so that two instruments have bars
    cat.write_data([Bar(bar_type, btc.make_price(b.open.as_double()), btc.make_price(b.high.as_double()),
                        btc.make_price(b.low.as_double()), btc.make_price(b.close.as_double()),
                        btc.make_qty(b.volume.as_double()), b.ts_event, b.ts_init) for b in okx_bars])
    code = main(["serve", "--catalog", str(catalog), "--no-warm-up", "--oi-instrument-ids", OKX, SECOND_VENUE])
    captured = capsys.readouterr()
    assert code == 1
    assert_clean_failure(_proc(code, captured), f"BTCUSDT-PERP.BINANCE, {OKX}", "--instrument-id")
    source = build_source(build_parser().parse_args(["serve", "--catalog", str(catalog), "--instrument-id", OKX,
                                                     "--oi-instrument-ids", OKX, SECOND_VENUE]))
    assert source.instruments() == [OKX]
    source.close()
    code = main(["serve", "--catalog", str(catalog), "--no-warm-up", "--instrument-id", "ETH-USDT-SWAP.OKX"])
    assert code == 1
    assert_clean_failure(_proc(code, capsys.readouterr()), "instrument ETH-USDT-SWAP.OKX (--instrument-id) has no "
                         "1-MINUTE-LAST bars (its bar types: none); instruments with them: "
                         f"BTCUSDT-PERP.BINANCE, {OKX}")


def test_an_instrument_without_the_bar_spec_names_its_bar_types(two_venue_catalog, capsys):
    # the served instruments are those scan.bars_span finds bars of (as backtest and plot read them): the REAL OKX
    # sample holds 1-minute bars only, so --bar-spec 5-MINUTE-LAST serves none, and the refusal names what it holds
    code = main(["serve", "--catalog", str(two_venue_catalog), "--no-warm-up", "--instrument-id", OKX,
                 "--bar-spec", "5-MINUTE-LAST"])
    assert code == 1
    assert_clean_failure(_proc(code, capsys.readouterr()), f"instrument {OKX} (--instrument-id) has no "
                         f"5-MINUTE-LAST bars (its bar types: {OKX}-1-MINUTE-LAST-EXTERNAL); instruments with them: "
                         "none")
