"""A map in ``entry_mode = "trades"`` opens positions from trade ticks and needs no open interest: its backtest runs.

Data: the REAL Binance COIN-M ``BTCUSD_PERP`` aggTrades day of ``tests/data`` (inverse, 100 USD contracts), ingested
with liqheat's own Binance loader, and 1-minute bars DERIVED from those trades (open/high/low/close/contracts of each
minute). No open interest at all: that is the case under test (a user's own trades, no ``metrics`` files).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.backtest.config import load_backtest_file
from liqheat_nautilus.backtest.runner import check_catalog, run_backtest
from tests.data_files import data_file

INSTRUMENT = "BTCUSD-PERP.BINANCE"


@pytest.fixture(scope="module")
def trades_only_catalog(tmp_path_factory) -> Path:
    """The real aggTrades day and bars derived from it; no open interest (module docstring)."""
    from nautilus_trader.model.data import BarType
    from nautilus_trader.persistence.catalog import ParquetDataCatalog
    from nautilus_trader.persistence.wranglers import BarDataWrangler

    from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
    from tests.adapters.binance.archive_files import recorded_instruments

    path = tmp_path_factory.mktemp("trades_only") / "catalog"
    ingest_binance_files([data_file("binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip")], path,
                         instruments=recorded_instruments(), log=lambda _line: None)
    catalog = ParquetDataCatalog(str(path))
    instrument = catalog.instruments(instrument_ids=[INSTRUMENT])[0]
    ticks = catalog.trade_ticks(instrument_ids=[INSTRUMENT])
    ts = np.array([t.ts_event for t in ticks], dtype=np.int64)
    trades = pd.DataFrame({"price": [t.price.as_double() for t in ticks], "size": [t.size.as_double() for t in ticks]},
                          index=pd.to_datetime(ts, unit="ns", utc=True))
    minutes = trades.resample("1min", label="right", closed="left")
    frame = minutes["price"].ohlc().assign(volume=minutes["size"].sum()).dropna()
    catalog.write_data(BarDataWrangler(BarType.from_str(f"{INSTRUMENT}-1-MINUTE-LAST-EXTERNAL"), instrument)
                       .process(frame))
    return path


def _file(tmp_path: Path, catalog: Path, actor_extra: str) -> Path:
    path = tmp_path / "trades_only.toml"
    path.write_text(f"""name = "trades_only"
[data]
catalog = "{catalog}"
instrument_id = "{INSTRUMENT}"
bar_spec = "1-MINUTE-LAST"
start = "2026-05-08T06:00"
end = "2026-05-08T08:00"
[venue]
name = "BINANCE"
oms_type = "NETTING"
account_type = "MARGIN"
starting_balances = ["10 BTC"]

[[actors]]
path = "liqheat_nautilus.actor:LiquidationMapActor"
config_path = "liqheat_nautilus.actor:LiquidationMapActorConfig"
[actors.config]
instrument_id = "{INSTRUMENT}"
bar_type = "{INSTRUMENT}-1-MINUTE-LAST-EXTERNAL"
publish_interval_secs = 900
model = "isolated_mmr"
n_bins = 600
{actor_extra}
[[strategies]]
path = "strategies.liquidation_hunt:LiquidationHuntStrategy"
config_path = "strategies.liquidation_hunt:LiquidationHuntConfig"
[strategies.config]
instrument_id = "{INSTRUMENT}"
bar_type = "{INSTRUMENT}-1-MINUTE-LAST-EXTERNAL"
""")
    return path


def test_a_trades_mode_map_runs_without_open_interest(trades_only_catalog, tmp_path):
    spec = load_backtest_file(_file(tmp_path, trades_only_catalog, 'subscribe_trade_ticks = true\n'
                                    'map_params_extra = { entry_mode = "trades" }\n'))
    # bars 06:00 to 08:00 inclusive; was refused: "has no open interest ... the map updates only on it"
    assert check_catalog(spec) == 121
    outcome = run_backtest(spec, show_progress=False)
    assert outcome.snapshots_published > 0 and outcome.clusters_published > 0
    assert outcome.map_missing == []


def test_any_other_map_still_needs_open_interest(trades_only_catalog, tmp_path):
    spec = load_backtest_file(_file(tmp_path, trades_only_catalog, "subscribe_trade_ticks = true\n"))
    with pytest.raises(ValueError, match=r"actors\[0\]: the catalog .* has no open interest of BTCUSD-PERP.BINANCE"):
        check_catalog(spec)
