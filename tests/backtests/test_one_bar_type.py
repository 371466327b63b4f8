"""A backtest feeds the run the bars of its ``bar_spec`` only, whatever other bar types the catalog holds.

Nautilus 1.221 loads every bar type of the instrument for a ``BacktestDataConfig`` with ``bar_spec`` (its row filter
on ``bar_type`` does not apply to bar files), so the run loaded and dispatched them all. The catalog here
is the real OKX sample plus 5-minute bars DERIVED from its real 1-minute bars (resampled: first open, max high, min
low, last close, summed volume).
"""

import shutil
from pathlib import Path

import pandas as pd
from nautilus_trader.backtest.node import BacktestNode
from nautilus_trader.model.data import BarType
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.persistence.wranglers import BarDataWrangler

from liqheat_nautilus.backtest.config import load_backtest_file, to_run_config
from liqheat_nautilus.paths import config_dir

OKX = "SOL-USDT-SWAP.OKX"
END = "2026-06-12T12:00"


def _with_five_minute_bars(okx_catalog: Path, tmp_path: Path) -> Path:
    path = tmp_path / "catalog"
    shutil.copytree(okx_catalog, path)
    catalog = ParquetDataCatalog(str(path))
    instrument = catalog.instruments(instrument_ids=[OKX])[0]
    bars = catalog.bars(bar_types=[f"{OKX}-1-MINUTE-LAST-EXTERNAL"])
    frame = pd.DataFrame({"open": [b.open.as_double() for b in bars], "high": [b.high.as_double() for b in bars],
                          "low": [b.low.as_double() for b in bars], "close": [b.close.as_double() for b in bars],
                          "volume": [b.volume.as_double() for b in bars]},
                         index=pd.to_datetime([b.ts_event for b in bars], unit="ns", utc=True))
    five = frame.resample("5min", label="right", closed="right").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}).dropna()
    catalog.write_data(BarDataWrangler(BarType.from_str(f"{OKX}-5-MINUTE-LAST-EXTERNAL"), instrument).process(five))
    return path


def _file(tmp_path: Path, catalog: Path) -> Path:
    text = (config_dir() / "liquidation_hunt.toml").read_text()
    text = text.replace('catalog = "catalog/build/okx_sol_usdt_swap"', f'catalog = "{catalog}"', 1)
    text = text.replace("[data]\n", f'[data]\nend = "{END}"\n', 1)
    path = tmp_path / f"{catalog.name}.toml"
    path.write_text(text)
    return path


def _run(path: Path) -> tuple:
    config = to_run_config(load_backtest_file(path))
    node = BacktestNode(configs=[config])
    try:
        node.run()
        engine = node.get_engine(config.id)
        fills = engine.trader.generate_fills_report()
        actor = engine.trader.actors()[0]
        return (len(fills), fills["last_px"].tolist() if len(fills) else [], actor.clusters_published,
                actor.map.engine.long_usd().tolist())
    finally:
        node.dispose()


def test_a_second_bar_type_in_the_catalog_does_not_change_the_run(okx_catalog, tmp_path):
    both = _with_five_minute_bars(okx_catalog, tmp_path)
    config = to_run_config(load_backtest_file(_file(tmp_path, both)))
    loaded = BacktestNode.load_data_config(config.data[0]).data
    assert {str(b.bar_type) for b in loaded} == {f"{OKX}-1-MINUTE-LAST-EXTERNAL"}
    assert len(ParquetDataCatalog(str(both)).bars(bar_types=[f"{OKX}-5-MINUTE-LAST-EXTERNAL"])) > 100
    (tmp_path / "one").mkdir()
    alone = _run(_file(tmp_path / "one", okx_catalog))
    assert alone[0] > 0  # the strategy traded: fills to compare
    assert _run(_file(tmp_path, both)) == alone


def test_bar_spec_option_runs_the_file_on_those_bars(okx_catalog, tmp_path, capsys):
    # without --bar-spec a file had to be written with [data] bar_spec and every component's bar_type edited; the
    # option does that edit: the run is the one of such a file
    from liqheat_nautilus.cli import main

    both = _with_five_minute_bars(okx_catalog, tmp_path)
    path = _file(tmp_path, both)
    edited = tmp_path / "edited" / "five.toml"
    edited.parent.mkdir()
    edited.write_text(path.read_text().replace("1-MINUTE-LAST", "5-MINUTE-LAST"))
    by_file = _run(edited)
    assert by_file[2] > 0  # the map published on the 5-minute bars
    capsys.readouterr()
    assert main(["backtest", "--config", str(path), "--bar-spec", "5-MINUTE-LAST", "--no-reports",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"map signals      {by_file[2]:,} clusters" in out
    assert f", {by_file[0]} fills" in out
    assert by_file != _run(path)  # the file alone still runs on its 1-minute bars
