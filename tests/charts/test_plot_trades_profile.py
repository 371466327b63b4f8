"""``liqheat plot`` of a catalog holding trades and bars but no open interest, with a map profile in
``entry_mode = "trades"`` (``--profile-file``, no ``--backtest-file``): the map is opened from the catalog's trade
ticks up to the chart's time. It used to replay no trade at all and fail with "the catalog holds no open interest".
Without such a profile, ``plot`` and ``backtest`` refuse the catalog and name the trades mode it can drive.

Data: the REAL Binance COIN-M ``BTCUSD_PERP`` aggTrades day of ``tests/data`` (inverse, 100 USD contracts) with
1-minute bars DERIVED from its trades (``tests/cm_trades_day.py``); no open interest, funding or ratio.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqheat_nautilus.cli import build_parser, main
from liqheat_nautilus.cli.plot_cmd import check_options, map_source, replay_state
from tests.cm_trades_day import INSTRUMENT


@pytest.fixture(scope="module")
def trades_catalog(tmp_path_factory) -> Path:
    """The real aggTrades day and the bars derived from it; no open interest."""
    from tests.cm_trades_day import cm_trades_day_with_minute_bars

    path = tmp_path_factory.mktemp("trades_only") / "catalog"
    cm_trades_day_with_minute_bars(path)
    return path


def _profile(tmp_path: Path, threshold: float) -> Path:
    path = tmp_path / f"trades_{threshold:g}.toml"
    path.write_text(f'[map]\nentry_mode = "trades"\ntrade_threshold = {threshold}\n')
    return path


def _state(catalog: Path, profile: Path, at: str | None = None):
    argv = ["plot", "map", "--catalog", str(catalog), "--profile-file", str(profile)]
    args = build_parser().parse_args(argv + (["--at", at] if at else []))
    actor_config = map_source(args)
    check_options(args)
    return replay_state(args, pd.Timestamp(at, tz="UTC").value if at else None, actor_config)


def test_a_trades_profile_is_opened_from_the_catalogs_trade_ticks(trades_catalog, tmp_path):
    from liqheat_nautilus.replay import replay_engine

    state = _state(trades_catalog, _profile(tmp_path, 200_000.0))
    engine = state.engine
    assert engine.seeded and engine.active_usd() > 0.0
    assert len(state.series.trade_ts_ns) == 105_280  # every trade of the day, none left out
    # the trades made the map: the same replay without them opens nothing
    series = state.series
    bare = series.keep_trades(0, -1)
    assert len(bare.trade_ts_ns) == 0
    assert replay_engine(bare, engine.params, snapshot_interval_ns=3_600 * 10**9).engine.active_usd() == 0.0
    # --at bounds the trades: the map at 06:00 is opened from the trades up to then only, and differs from the day's
    early = _state(trades_catalog, _profile(tmp_path, 200_000.0), "2026-05-08T06:00")
    at_ns = pd.Timestamp("2026-05-08T06:00", tz="UTC").value
    assert early.series.trade_ts_ns.max() <= at_ns
    assert not np.array_equal(early.engine.long_usd(), engine.long_usd())


def test_plot_command_draws_it_and_names_trades_when_none_is_selected(trades_catalog, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["plot", "map", "--catalog", str(trades_catalog), "--out", str(out), "--formats", "html"]
    assert main(argv + ["--profile-file", str(_profile(tmp_path, 200_000.0))]) == 0
    html = capsys.readouterr().out.strip()
    assert html.endswith(".html") and Path(html).is_file() and INSTRUMENT.split(".")[0] in html
    # a threshold no trade reaches: the map is empty, and the error says why (not "no open interest")
    assert main(argv + ["--profile-file", str(_profile(tmp_path, 1e12))]) == 1
    err = capsys.readouterr().err
    assert "no trade tick of it was selected" in err and "open interest" not in err
    assert "Traceback" not in err


def test_refusals_without_open_interest_point_to_the_trades_mode(trades_catalog, tmp_path, capsys):
    # a catalog of trades and bars, no open interest: backtest and plot asked for open interest only (and plot said
    # "give --at", which cannot help); they now also name the trades mode the catalog can drive
    out = tmp_path / "out"
    assert main(["plot", "map", "--catalog", str(trades_catalog), "--out", str(out), "--formats", "html"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"plot failed: no open interest overlaps the bars of {INSTRUMENT}"), err
    assert "give --at" not in err
    assert f"the catalog holds trade ticks of {INSTRUMENT}: a map in entry_mode = \"trades\"" in err
    assert main(["backtest", "--catalog", str(trades_catalog), "--instrument-id", INSTRUMENT, "--starting-balance",
                 "1 BTC", "--results-dir", str(out), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert f"has no open interest of {INSTRUMENT}" in err and "Traceback" not in err
    assert "subscribe_trade_ticks = true and map_params_extra = { entry_mode = \"trades\" }" in err
    assert not out.exists()
