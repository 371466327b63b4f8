"""The one catalog reader (plot, report chart and evaluate all read through it), on the real embedded OKX catalog
and, for open interest in base units, a copy with SYNTHETIC OpenInterest rows added under another instrument."""

import math
import shutil

import numpy as np
import pytest
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from liqheat_nautilus.adapters.common.providers import known_perpetual
from liqheat_nautilus.core import LiquidationMapEngine, MapParams
from liqheat_nautilus.data import OpenInterest
from liqheat_nautilus.evaluation.catalog_input import read_catalog
from liqheat_nautilus.evaluation.replay import replay
from liqheat_nautilus.persistence.errors import IngestError
from liqheat_nautilus.persistence.reader import read_market_series

IID = "SOL-USDT-SWAP.OKX"
MINUTE_NS = 60_000_000_000


def test_bar_spec_full_bar_type_or_the_only_one_read_the_same(okx_catalog):
    default = read_market_series(okx_catalog, IID)
    spec = read_market_series(okx_catalog, IID, "1-MINUTE-LAST")
    full = read_market_series(okx_catalog, IID, f"{IID}-1-MINUTE-LAST-EXTERNAL")
    assert default.bar_type == spec.bar_type == full.bar_type == f"{IID}-1-MINUTE-LAST-EXTERNAL"
    assert len(default) == 21_600 and np.array_equal(default.close, full.close)
    assert np.all(np.diff(default.bar_ts_ns) == MINUTE_NS)
    assert default.oi_ts_ns.size == 360 and default.funding_ts_ns.size == 45
    assert np.isnan(default.oi_base).all()  # the OKX sample reports USD only
    cut = read_market_series(okx_catalog, IID, start_ns=int(default.bar_ts_ns[10]), end_ns=int(default.bar_ts_ns[19]))
    assert len(cut) == 10 and cut.bar_ts_ns[0] == default.bar_ts_ns[10]


def test_reader_errors_name_the_catalog(tmp_path, okx_catalog):
    with pytest.raises(IngestError, match="catalog not found"):
        read_market_series(tmp_path / "nope", IID)
    with pytest.raises(IngestError, match="no bars of BTC-USDT-SWAP.OKX; the catalog's bar types: "
                                          f"{IID}-1-MINUTE-LAST-EXTERNAL"):
        read_market_series(okx_catalog, "BTC-USDT-SWAP.OKX")
    with pytest.raises(IngestError, match=f"no bars of {IID} in the requested time range"):
        read_market_series(okx_catalog, IID, start_ns=1_000, end_ns=2_000)
    catalog = tmp_path / "two"
    shutil.copytree(okx_catalog, catalog)
    bar_type = BarType.from_str(f"{IID}-5-MINUTE-LAST-EXTERNAL")
    inst = known_perpetual(IID)
    five = [Bar(bar_type, inst.make_price(150.0), inst.make_price(151.0), inst.make_price(149.0),
                inst.make_price(150.5), inst.make_qty(10.0), t, t)
            for t in (1_781_200_000 * 10**9 + k * 5 * MINUTE_NS for k in range(3))]
    ParquetDataCatalog(str(catalog)).write_data(five)
    with pytest.raises(IngestError, match="several bar types") as several:
        read_market_series(catalog, IID)
    assert f"--bar-type {IID}-1-MINUTE-LAST-EXTERNAL" in str(several.value)  # the CLI's option, not the argument
    assert len(read_market_series(catalog, IID, "5-MINUTE-LAST")) == 3


def test_open_interest_in_base_units_reaches_evaluate_like_the_actor(tmp_path, okx_catalog, monkeypatch):
    # SYNTHETIC: the sample's OI rows again, now with base units (USD / 150) as an archive or fetch would write them
    catalog = tmp_path / "catalog"
    shutil.copytree(okx_catalog, catalog)
    series = read_market_series(catalog, IID)
    iid = InstrumentId.from_str(IID)
    rows = [OpenInterest(instrument_id=iid, venue="OKX", open_interest_usd=float(u), open_interest_base=float(u) / 150,
                         ts_event=int(t), ts_init=int(t)) for t, u in zip(series.oi_ts_ns, series.oi_usd, strict=True)]
    shutil.rmtree(catalog / "data" / "custom_open_interest")
    ParquetDataCatalog(str(catalog)).write_data(rows)
    got = read_market_series(catalog, IID)
    assert np.allclose(got.oi_base, series.oi_usd / 150)

    liquidations = tmp_path / "liq.csv"  # SYNTHETIC windows, only to drive the replay
    liquidations.write_text("timestamp,long_usd,short_usd\n2026-06-12T00:00:00,1,2\n2026-06-12T04:00:00,3,4\n")
    data = read_catalog(catalog, IID, liquidations)
    assert np.allclose(data.open_interest.base, series.oi_usd / 150)
    seen: list[float] = []
    original = LiquidationMapEngine.update_open_interest

    def spy(self, oi_usd, ts_ns, oi_base=math.nan):
        seen.append(oi_base)
        return original(self, oi_usd, ts_ns, oi_base)

    monkeypatch.setattr(LiquidationMapEngine, "update_open_interest", spy)
    replay(data, MapParams())
    assert seen and seen[0] == pytest.approx(series.oi_usd[0] / 150)  # base units, not oi_usd / close
