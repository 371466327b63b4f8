"""The "your own strategy" example of docs/backtests.md runs and trades on a SYNTHETIC scenario."""

import re
from pathlib import Path

from strategies.cluster_strategy import ClusterStrategyConfig
from tests.strategies.runs import run_strategy

DOC = Path(__file__).resolve().parents[2] / "docs" / "backtests.md"


def test_docs_strategy_example(scenario):
    [code] = [b for b in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S) if "NearestSqueeze" in b]
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 (our own documentation)
    s = scenario
    s.bars(s.flat(100.0, 8))
    s.cluster(4, 5, "SHORT", 101.5, strength=0.8)
    s.snapshot(4)
    strategy = run_strategy(s, namespace["NearestSqueeze"], ClusterStrategyConfig)
    [entry] = s.entries(strategy)
    assert (entry["position_side"], entry["take_profit"], entry["stop_loss"], entry["cluster_id"]) == ("LONG", 101.5,
                                                                                                 99.0, 5)
