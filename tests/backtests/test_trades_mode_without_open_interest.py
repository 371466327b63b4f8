"""A map in ``entry_mode = "trades"`` opens positions from trade ticks and needs no open interest: its backtest runs.

Data: the REAL Binance COIN-M ``BTCUSD_PERP`` aggTrades day of ``tests/data`` (inverse, 100 USD contracts), ingested
with liqheat's own Binance loader, and 1-minute bars DERIVED from those trades (open/high/low/close/contracts of each
minute). No open interest at all: that is the case under test (a user's own trades, no ``metrics`` files).
"""

from pathlib import Path

import pytest

from liqheat_nautilus.backtest.config import load_backtest_file
from liqheat_nautilus.backtest.runner import check_catalog, run_backtest
from tests.cm_trades_day import INSTRUMENT, trades_backtest_file


@pytest.fixture(scope="module")
def trades_only_catalog(tmp_path_factory) -> Path:
    """The real aggTrades day and bars derived from it; no open interest (module docstring)."""
    from tests.cm_trades_day import cm_trades_day_with_minute_bars

    path = tmp_path_factory.mktemp("trades_only") / "catalog"
    cm_trades_day_with_minute_bars(path)
    return path


STRATEGY = f"""
[[strategies]]
path = "strategies.liquidation_hunt:LiquidationHuntStrategy"
config_path = "strategies.liquidation_hunt:LiquidationHuntConfig"
[strategies.config]
instrument_id = "{INSTRUMENT}"
bar_type = "{INSTRUMENT}-1-MINUTE-LAST-EXTERNAL"
"""


def _file(tmp_path: Path, catalog: Path, actor_extra: str) -> Path:
    return trades_backtest_file(tmp_path, catalog, actor_extra + STRATEGY,
                                period='start = "2026-05-08T06:00"\nend = "2026-05-08T08:00"\n')


def test_a_trades_mode_map_runs_without_open_interest(trades_only_catalog, tmp_path):
    spec = load_backtest_file(_file(tmp_path, trades_only_catalog, 'map_params_extra = { entry_mode = "trades" }\n'))
    # bars 06:00 to 08:00 inclusive; was refused: "has no open interest ... the map updates only on it"
    assert check_catalog(spec) == 121
    outcome = run_backtest(spec, show_progress=False)
    assert outcome.snapshots_published > 0 and outcome.clusters_published > 0
    assert outcome.map_missing == []


def test_any_other_map_still_needs_open_interest(trades_only_catalog, tmp_path):
    spec = load_backtest_file(_file(tmp_path, trades_only_catalog, ""))
    with pytest.raises(ValueError, match=r"actors\[0\]: the catalog .* has no open interest of BTCUSD-PERP.BINANCE"):
        check_catalog(spec)
