"""``liqheat plot --backtest-file`` replays what the backtest's map actor sees: the bars of its warm-up lookback
before the file's start, then the file's period. The plotted map equals the actor's map of a real run of the file."""

from pathlib import Path

import numpy as np
import pytest
from nautilus_trader.backtest.node import BacktestNode

from liqheat_nautilus.backtest.config import load_backtest_file, to_run_config
from liqheat_nautilus.cli import build_parser, main
from liqheat_nautilus.cli.plot_cmd import check_options, map_source, replay_state
from liqheat_nautilus.paths import config_dir
from tests.conftest import SECOND_VENUE

START, END = "2026-06-15T00:00", "2026-06-16T00:00"  # the embedded sample's bars close from 2026-06-11 15:25


def _file(tmp_path: Path, catalog: Path, actor_extra: str) -> Path:
    text = (config_dir() / "liquidation_hunt.toml").read_text()
    text = text.replace('catalog = "catalog/build/okx_sol_usdt_swap"', f'catalog = "{catalog}"', 1)
    text = text.replace("[data]\n", f'[data]\nstart = "{START}"\nend = "{END}"\n', 1)
    text = text.replace("n_bins = 1000\n", f"n_bins = 1000\n{actor_extra}", 1)
    path = tmp_path / "late.toml"
    path.write_text(text)
    return path


def _actor_engine(path: Path):
    config = to_run_config(load_backtest_file(path))
    node = BacktestNode(configs=[config])
    node.run()
    return node, node.get_engine(config.id).trader.actors()[0].map.engine


def _plotted_engine(path: Path, at: str | None = None):
    argv = ["plot", "map", "--backtest-file", str(path)] + (["--at", at] if at else [])
    args = build_parser().parse_args(argv)
    actor_config = map_source(args)
    check_options(args)
    return replay_state(args, None if at is None else np.datetime64(at, "ns").astype(np.int64).item(),
                        actor_config).engine


@pytest.mark.parametrize("actor_extra", [
    "map_params_extra = { seed_lookback_hours = 24.0 }\n",  # a lookback shorter than the bars before the start
    "warmup_lookback_secs = 7200\n",  # set by the file itself: 2 h of bars
])
def test_plotted_map_is_the_actors_map_of_a_late_start(okx_catalog, tmp_path, actor_extra, capsys):
    path = _file(tmp_path, okx_catalog, actor_extra)
    node, actor = _actor_engine(path)
    try:
        plotted = _plotted_engine(path)  # default --at: the file's end
        assert actor.seeded and plotted.seeded and plotted.ts_ns == actor.ts_ns
        assert plotted.price == actor.price and plotted.seed_span_hours == actor.seed_span_hours
        assert (plotted.grid.base, plotted.grid.width) == (actor.grid.base, actor.grid.width)
        np.testing.assert_array_equal(plotted.long_usd(), actor.long_usd())
        np.testing.assert_array_equal(plotted.short_usd(), actor.short_usd())
    finally:
        node.dispose()
    # the command draws it; an --at outside the file's period is refused by name, a usage error (exit 2, was 1)
    out = tmp_path / "out"
    assert main(["plot", "map", "--backtest-file", str(path), "--out", str(out), "--formats", "html"]) == 0
    assert capsys.readouterr().out.strip().endswith("liquidation_map_SOL-USDT-SWAP_OKX_20260616T0000.html")
    assert main(["plot", "map", "--backtest-file", str(path), "--at", "2026-06-14T12:00", "--out", str(out)]) == 2
    assert f"--at 2026-06-14T12:00 is outside the period of the backtest file {path}: {START} -> {END}" \
        in capsys.readouterr().err


def test_plotted_map_of_an_actor_summing_two_venues_is_the_actors_map(two_venue_catalog, tmp_path):
    # was refused ("a chart replays the instrument's own bars and open interest only"); the second venue's readings
    # are SYNTHETIC (tests/conftest.py), at the same times as the real OKX ones: the actor feeds their sum once
    path = _file(tmp_path, two_venue_catalog, f'oi_instrument_ids = ["SOL-USDT-SWAP.OKX", "{SECOND_VENUE}"]\n')
    node, actor = _actor_engine(path)
    try:
        plotted = _plotted_engine(path)
        assert plotted.open_interest_usd == actor.open_interest_usd
        assert plotted.ts_ns == actor.ts_ns and plotted.ledger.opened == actor.ledger.opened
        np.testing.assert_array_equal(plotted.long_usd(), actor.long_usd())
        np.testing.assert_array_equal(plotted.short_usd(), actor.short_usd())
    finally:
        node.dispose()
