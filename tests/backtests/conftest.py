"""A SYNTHETIC funding market for the FundingModule and RunMonitor tests: the shared :class:`Scenario` (see
``tests/conftest.py``) with a ``FundingModule`` on the venue, and :class:`~tests.open_once.OpenOnce`, which opens one
position and records the account balance at each bar. Nothing here is real market data."""

import pytest

from liqheat_nautilus.simulation import FundingModule, FundingModuleConfig
from tests.open_once import OpenOnce, OpenOnceConfig


@pytest.fixture
def funding_market(make_scenario):
    """
    Factory: ``m = funding_market(closes)`` is a :class:`Scenario` with one flat bar per close and a
    ``FundingModule`` (``m.module``) on the venue; ``m.open_once(**config)`` runs it with an :class:`OpenOnce`
    strategy and returns the strategy.
    """

    def make(closes: list[float]):
        module = FundingModule(FundingModuleConfig())
        m = make_scenario(modules=[module])
        m.module = module
        m.closes(closes)

        def open_once(**config) -> OpenOnce:
            strategy = m.strategy(OpenOnce, OpenOnceConfig, **config)
            m.run(strategy)
            return strategy

        m.open_once = open_once
        return m

    return make
