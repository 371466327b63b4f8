"""Reading evaluation inputs from a Nautilus catalog (the real embedded OKX sample, built by the session fixture).

There is no real liquidation record for the OKX sample, so the liquidation windows here are SYNTHETIC (a
hand-made ramp); only the reading and the plumbing are checked, not the figures' meaning.
"""

import csv
import math
from pathlib import Path

import pytest

from liqheat_nautilus.evaluation.catalog_input import read_catalog
from liqheat_nautilus.evaluation.runner import EvaluationSettings, run_evaluation
from liqheat_nautilus.persistence.errors import IngestError

OKX_SAMPLE = Path(__file__).resolve().parents[2] / "catalog" / "okx_sol_usdt_swap_2026-06"
IID = "SOL-USDT-SWAP.OKX"


def _rows(name: str) -> list[dict]:
    with open(OKX_SAMPLE / name, newline="") as f:
        return list(csv.DictReader(f))


def test_catalog_reader_returns_the_ingested_series(okx_catalog, synthetic_liquidations):
    d = read_catalog(okx_catalog, IID, synthetic_liquidations)
    bars, oi, funding = _rows("ohlcv_1m.csv"), _rows("open_interest.csv"), _rows("funding_rate.csv")
    assert len(d.bars) == len(bars)
    # bars are stamped at their close in the catalog: open = source ts, close = ts + 1 minute
    assert d.bars.open_ns[0] == int(bars[0]["ts"]) * 1_000_000
    assert d.bars.close_ns[0] - d.bars.open_ns[0] == 60_000_000_000
    assert d.bars.close[0] == float(bars[0]["close"])
    assert len(d.open_interest) == len(oi)
    assert d.open_interest.value[0] == pytest.approx(float(oi[0]["oi_value"]))
    assert len(d.funding) == len(funding)
    assert d.funding.value[0] == pytest.approx(float(funding[0]["fundingRate"]))
    assert len(d.liquidations) == 78


def test_catalog_inputs_run_through_the_evaluation(okx_catalog, synthetic_liquidations):
    d = read_catalog(okx_catalog, IID, synthetic_liquidations)
    report = run_evaluation(d, EvaluationSettings(models=("isolated_mmr",), profiles=("neutral",), n_boot=0))
    # the default configuration (what the actor uses without options) comes first, then the grid
    assert [(r.model, r.profile) for r in report.runs] == [("default", "defaults"), ("isolated_mmr", "neutral")]
    assert report.n_windows == 78 - 6
    for run in report.runs:
        assert run.error == ""
        assert run.long.estimated_total_usd > 0.0
        assert math.isfinite(run.long.baseline_abs_return.spearman)


def test_catalog_reader_errors(tmp_path, synthetic_liquidations, okx_catalog):
    with pytest.raises(IngestError, match="no LiquidationEvent") as info:
        read_catalog(okx_catalog, IID)
    assert "give --liquidations, a CSV of per-window totals timestamp,long_usd,short_usd" in str(info.value)
    with pytest.raises(IngestError, match="catalog not found"):
        read_catalog(tmp_path / "nope", IID, synthetic_liquidations)
    with pytest.raises(IngestError, match="no bars"):
        read_catalog(okx_catalog, "BTC-USDT-SWAP.OKX", synthetic_liquidations)


def test_aggregate_liquidations_sums_prints_per_utc_window():
    from liqheat_nautilus.evaluation.liquidation_events import aggregate_liquidations

    h = 3_600_000_000_000
    day = 1_781_136_000 * 1_000_000_000  # 2026-06-11 00:00 UTC (a multiple of 4 h)
    # SYNTHETIC prints: two longs in 00-04, nothing in 04-08, one short + one long in 08-12
    ts = [day + 1 * h, day + 3 * h, day + 9 * h, day + 11 * h]
    w = aggregate_liquidations(ts, [True, True, False, True], [100.0, 50.0, 20.0, 5.0], 4 * h)
    assert w.start_ns.tolist() == [day, day + 4 * h, day + 8 * h]
    assert w.long_usd.tolist() == [150.0, 0.0, 5.0]
    assert w.short_usd.tolist() == [0.0, 0.0, 20.0]
    with pytest.raises(ValueError, match="no liquidation prints"):
        aggregate_liquidations([], [], [], 4 * h)


def test_catalog_liquidation_events_become_windows(okx_catalog, tmp_path):
    import shutil

    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import LiquidationEvent

    catalog_dir = tmp_path / "catalog"
    shutil.copytree(okx_catalog, catalog_dir)
    h = 3_600_000_000_000
    start = 1_781_222_400 * 1_000_000_000  # 2026-06-12 00:00 UTC
    iid = InstrumentId.from_str(IID)
    # SYNTHETIC prints (no real SOL liquidation record is shipped): one long per 4 h window for 3 days,
    # plus one short in the first window
    events = [LiquidationEvent(instrument_id=iid, side="LONG", price=150.0, quantity=1.0, notional_usd=150.0 + i,
                               source="forceOrder", ts_event=start + (4 * i + 1) * h, ts_init=start + (4 * i + 1) * h)
              for i in range(18)]
    events.append(LiquidationEvent(instrument_id=iid, side="SHORT", price=150.0, quantity=2.0, notional_usd=300.0,
                                   source="forceOrder", ts_event=start + 2 * h, ts_init=start + 2 * h))
    events.sort(key=lambda e: e.ts_init)
    ParquetDataCatalog(str(catalog_dir)).write_data(events)
    d = read_catalog(catalog_dir, IID)
    assert len(d.liquidations) == 18
    assert d.liquidations.start_ns[0] == start
    assert d.liquidations.long_usd[:3].tolist() == [150.0, 151.0, 152.0]
    assert d.liquidations.short_usd[:2].tolist() == [300.0, 0.0]
    assert "19 LiquidationEvent prints" in d.source
