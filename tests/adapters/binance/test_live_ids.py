"""A catalog built from Binance archive files drives the live configuration unchanged: the archive ingest names the
instrument as NautilusTrader's Binance adapter does (``BTCUSDT-PERP.BINANCE``), so the actor and strategy sections of
``config/live_binance.toml`` run as they are in a backtest over it.

Inputs: the REAL BTCUSDT fundingRate month (tests/data), SYNTHETIC klines and metrics of 2026-04-10 in the
data.binance.vision layouts (made up here), Binance's RECORDED exchangeInfo entry for the instrument."""

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
from liqheat_nautilus.backtest import run_backtest
from liqheat_nautilus.backtest.config import BacktestFile, DataSection, VenueSection
from liqheat_nautilus.components import ComponentSection
from liqheat_nautilus.data import LongShortRatio, TakerVolume
from liqheat_nautilus.live.live_file import load_live_file
from tests.adapters.binance.archive_files import recorded_instruments, write_archive
from tests.data_files import data_file

LIVE_FILE = Path(__file__).resolve().parents[3] / "config" / "live_binance.toml"
T0 = 1_775_779_200_000  # 2026-04-10 00:00 UTC (ms)
M = 60_000


def _synthetic_archives(folder: Path) -> list[Path]:
    """SYNTHETIC: one day of 1-minute klines (a slow +-2 % wave with noise) and 5-minute metrics."""
    klines, price = [], 70_000.0
    for i in range(1440):
        t, o = T0 + i * M, price
        price = round(70_000.0 * (1 + 0.02 * math.sin(i / 90)) + 30 * math.sin(i / 7), 1)
        v = 50 + 10 * (i % 5)
        klines.append([t, o, max(o, price) + 15, min(o, price) - 15, price, v, t + M - 1, round(v * price, 2), 100,
                       v / 2, round(v * price / 2, 2), 0])
    metrics = []
    for k in range(288):
        t = T0 + k * 5 * M
        oi = 80_000 + 20 * k + 300 * math.sin(k / 10)
        metrics.append([datetime.fromtimestamp(t / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S"), "BTCUSDT", oi,
                        oi * 70_000, "1.5", "1.3", f"{1.8 + 0.2 * math.sin(k / 20):.4f}", "1.0"])
    return [write_archive(folder, "BTCUSDT-1m-2026-04-10", klines),
            write_archive(folder, "BTCUSDT-metrics-2026-04-10", metrics)]


@pytest.fixture(scope="module")
def archive_catalog(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("live_ids")
    files = [*_synthetic_archives(tmp / "src"), data_file("binance_um_fundingrate/BTCUSDT-fundingRate-2026-04.zip")]
    ingest_binance_files(files, tmp / "cat", instruments=recorded_instruments())
    return tmp / "cat"


def test_archive_catalog_uses_the_live_instrument_id(archive_catalog):
    live = load_live_file(LIVE_FILE)
    catalog = ParquetDataCatalog(str(archive_catalog))
    assert [i.id.value for i in catalog.instruments()] == live.binance.instrument_ids == ["BTCUSDT-PERP.BINANCE"]
    [actor] = live.actors
    bar_types = sorted(p.name for p in (archive_catalog / "data" / "bar").iterdir())
    assert bar_types == [actor.config["bar_type"]]
    assert len(catalog.query(LongShortRatio)) == 3 * 288 and len(catalog.query(TakerVolume)) == 1440


def test_live_components_run_unchanged_on_the_archive_catalog(archive_catalog):
    live = load_live_file(LIVE_FILE)
    spec = BacktestFile(
        name="live_components_on_archives",
        data=DataSection(catalog=str(archive_catalog), instrument_id=live.binance.instrument_ids[0],
                         start="2026-04-10", end="2026-04-11"),
        venue=VenueSection(name="BINANCE", starting_balances=["100000 USDT"]),
        actors=[ComponentSection(path=a.path, config_path=a.config_path, config=a.config) for a in live.actors],
        strategies=[ComponentSection(path=s.path, config_path=s.config_path, config=s.config)
                    for s in live.strategies],
    )
    spec.validate()
    outcome = run_backtest(spec, show_progress=False)
    assert outcome.result.iterations >= 1440  # every bar (plus open interest, ratios, taker volume, funding)
    assert outcome.snapshots_published > 0 and outcome.clusters_published > 0
    assert outcome.clusters_received == outcome.clusters_published  # the live strategy got the map's signals
