"""A backtest that starts after the catalog's first bar warms the map up from the bars before its start."""

from pathlib import Path

from nautilus_trader.backtest.node import BacktestNode

from liqheat_nautilus.backtest.config import load_backtest_file, to_run_config
from liqheat_nautilus.paths import project_root


def _file(tmp_path: Path, start: str, catalog: Path, extra: str = "") -> Path:
    # the shipped config with a start, reading the session's catalog built from the embedded sample (a fresh clone has
    # no catalog/build until the main job runs)
    text = (project_root() / "config" / "liquidation_hunt.toml").read_text()
    default = 'catalog = "catalog/build/okx_sol_usdt_swap"'
    assert default in text
    text = text.replace(default, f'catalog = "{catalog}"', 1)
    text = text.replace("[data]\n", f'[data]\nstart = "{start}"\n', 1)
    path = tmp_path / "late_start.toml"
    path.write_text(text + extra)
    return path


def _run(path: Path):
    config = to_run_config(load_backtest_file(path))
    node = BacktestNode(configs=[config])
    node.run()
    engine = node.get_engine(config.id)
    return node, engine.trader.actors()[0]


def test_a_late_start_seeds_the_map_from_the_bars_before_it(okx_catalog, tmp_path):
    path = _file(tmp_path, "2026-06-15T00:00", okx_catalog)
    config = to_run_config(load_backtest_file(path))
    assert config.engine.catalogs and config.engine.actors[0].config["warmup_lookback_secs"] == 336 * 3600
    node, actor = _run(path)
    try:
        # the sample's bars close from 2026-06-11 15:25: 3 days 8 h 35 min of 1-minute bars up to the start, both
        # ends included (the bar closing at the start comes in the history and in the stream, and is fed once)
        assert actor.warmup_received["Bar"] == 3 * 1440 + 8 * 60 + 35 + 1
        assert actor.map.engine.seeded
        first_publish = actor.last_snapshot.ts_event
        assert first_publish >= 1_781_481_600_000_000_000  # published after the start only (2026-06-15 00:00)
    finally:
        node.dispose()


def test_no_start_means_no_warmup_request(okx_catalog, tmp_path):
    config = to_run_config(load_backtest_file(project_root() / "config" / "liquidation_hunt.toml"))
    assert not config.engine.catalogs
    assert "warmup_lookback_secs" not in config.engine.actors[0].config
