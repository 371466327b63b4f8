"""The README's "Use the indicator in your own strategy" block, executed on the real OKX sample."""

import re
import types
from pathlib import Path

from nautilus_trader.backtest.engine import BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.data import CustomData, DataType
from nautilus_trader.model.identifiers import ClientId

from liqheat_nautilus.data import OpenInterest
from tests.small_backtest import sample_engine

README = Path(__file__).resolve().parents[1] / "README.md"


def _example_module() -> types.ModuleType:
    text = README.read_text()
    section = text.split("## Use the indicator in your own strategy", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 18
    module = types.ModuleType("readme_example")
    exec(compile(code, str(README), "exec"), module.__dict__)  # noqa: S102 - the README is ours
    return module




def test_readme_example_runs_on_the_real_sample(okx_catalog):
    example = _example_module()
    catalog, engine, bar_type = sample_engine(okx_catalog)
    oi = [d.data if isinstance(d, CustomData) else d for d in catalog.query(OpenInterest)]
    engine.add_data([CustomData(DataType(OpenInterest), d) for d in oi], client_id=ClientId("LIQHEAT"))
    strategy = example.MagnetStrategy(example.MagnetConfig(bar_type=bar_type))
    engine.add_strategy(strategy)
    engine.run()
    try:
        assert strategy.liq_map.initialized
        assert len(strategy.biases) > 20_000  # a bias for nearly every bar after the first OI increase
        assert set(strategy.biases) <= {"UP", "DOWN", "UNBIASED"}
        assert len(set(strategy.biases)) >= 2  # the bias actually moves on real data
    finally:
        engine.dispose()


def _data_block() -> types.ModuleType:
    text = README.read_text()
    section = text.split("## Use the indicator in your own strategy", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[1]
    module = types.ModuleType("readme_data")
    exec(compile(code, str(README), "exec"), module.__dict__)  # noqa: S102 - the README is ours
    return module


def test_readme_data_configs_feed_open_interest_to_a_backtest_node(okx_catalog, monkeypatch):
    import sys

    from nautilus_trader.backtest.node import BacktestNode
    from nautilus_trader.config import (
        BacktestRunConfig,
        BacktestVenueConfig,
        ImportableStrategyConfig,
    )

    example = _example_module()
    monkeypatch.setitem(sys.modules, "readme_example", example)
    data = _data_block().map_data(str(okx_catalog), "SOL-USDT-SWAP.OKX")
    assert [d.client_id for d in data[1:]] == ["LIQHEAT"] * 4
    config = BacktestRunConfig(
        engine=BacktestEngineConfig(
            logging=LoggingConfig(log_level="ERROR"),
            strategies=[ImportableStrategyConfig(
                strategy_path="readme_example:MagnetStrategy", config_path="readme_example:MagnetConfig",
                config={"bar_type": "SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL"})],
        ),
        venues=[BacktestVenueConfig(name="OKX", oms_type="NETTING", account_type="MARGIN",
                                    starting_balances=["100000 USDT"])],
        data=data,
        raise_exception=True,
        dispose_on_completion=False,
    )
    node = BacktestNode(configs=[config])
    node.run()
    try:
        (strategy,) = node.get_engine(config.id).trader.strategies()
        assert strategy.liq_map.initialized  # open interest reached the indicator through the data configs
        assert strategy.liq_map.open_interest_usd > 1e8  # the sample's ~200 M USD
        assert len(strategy.biases) > 20_000
    finally:
        node.dispose()


def test_readme_own_readings_line_feeds_the_example_strategy(okx_catalog):
    """The README's line for a user's own OpenInterest objects, run verbatim: the example's map initializes.

    The readings are the REAL sample's, taken out of their ``CustomData`` as a user's own objects would be.
    """
    from liqheat_nautilus.data import as_custom_data

    text = README.read_text()
    (line,) = re.findall(r"`(engine\.add_data\(\[as_custom_data\(oi\) for oi in readings\][^`]*)`", text)
    example = _example_module()
    catalog, engine, bar_type = sample_engine(okx_catalog)
    readings = [d.data if isinstance(d, CustomData) else d for d in catalog.query(OpenInterest)]
    assert readings and all(isinstance(r, OpenInterest) for r in readings)
    exec(line, {"engine": engine, "readings": readings, "as_custom_data": as_custom_data,  # noqa: S102
                "ClientId": ClientId})
    strategy = example.MagnetStrategy(example.MagnetConfig(bar_type=bar_type))
    engine.add_strategy(strategy)
    engine.run()
    try:
        assert strategy.liq_map.initialized and len(strategy.biases) > 20_000
    finally:
        engine.dispose()
