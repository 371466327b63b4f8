"""Helpers of the strategy tests: run a strategy in a SYNTHETIC ``Scenario`` (tests/conftest.py), read its records."""


def run_strategy(s, strategy_cls, config_cls, **config):
    """
    Run a strategy in the scenario ``s`` and return it.

    The strategy is ``strategy_cls(config_cls(instrument_id=..., bar_type=..., **config))`` on the scenario's market
    (:meth:`Scenario.strategy`); the run replays the scenario's bars and queued map data (:meth:`Scenario.run`).
    """
    strategy = s.strategy(strategy_cls, config_cls, **config)
    s.run(strategy)
    return strategy


def actions(strategy) -> list[str]:
    """The ``action`` of each of the strategy's trade-signal records, in order."""
    return [r["action"] for r in strategy.signals]


def assert_skipped(s, strategy, why: str) -> None:
    """Assert that the strategy recorded one ``SKIP`` whose reason contains ``why`` and submitted no order."""
    assert actions(strategy) == ["SKIP"]
    assert why in strategy.signals[0]["reason"]
    assert s.orders() == []
