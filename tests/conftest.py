"""Shared fixtures: a session-wide built copy of the embedded OKX catalog (real test data: tests/data_files.py), and
the SYNTHETIC :class:`Scenario` market the strategy and backtest tests run in.

The scenario is labelled synthetic: a ``BacktestEngine`` with hand-made minute bars and hand-made
``LiquidationCluster`` / ``LiquidationMapSnapshot`` / ``FundingRate`` data published on the bus exactly as
``LiquidationMapActor`` publishes them (clusters of an update, then its snapshot, ``metadata={"instrument_id":
"<id>"}``). Nothing in it is real market data.
"""

import signal
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import Bar, BarType, CustomData, DataType, FundingRateUpdate
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.identifiers import ClientId, Venue
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Money, Price, Quantity

from liqheat_nautilus.adapters.common.providers import known_perpetual
from liqheat_nautilus.data import FundingRate, LiquidationCluster, LiquidationMapSnapshot

ROOT = Path(__file__).resolve().parents[1]

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # a shell without job control starts background jobs with SIGINT ignored, and an ignored signal stays ignored in
    # every child: the Ctrl-C tests' `liqheat` processes would never see theirs. A handler here is reset to the
    # default in each child, as in a terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)
OKX_SAMPLE = ROOT / "catalog" / "okx_sol_usdt_swap_2026-06"
T0 = pd.Timestamp("2026-01-05T00:00:00Z").value  # synthetic start
MINUTE = 60_000_000_000


@pytest.fixture(scope="session")
def okx_catalog(tmp_path_factory) -> Path:
    """A catalog built once per session from the real OKX sample shipped in catalog/ (not the user's build)."""
    from liqheat_nautilus.adapters.okx.loaders import ingest_okx_sample

    path = tmp_path_factory.mktemp("okx") / "catalog"
    ingest_okx_sample(OKX_SAMPLE, path)
    return path


SECOND_VENUE = "SOLUSDT-LINEAR.BYBIT"
"""The instrument of :func:`two_venue_catalog`'s SYNTHETIC second open interest."""


@pytest.fixture(scope="session")
def two_venue_catalog(okx_catalog, tmp_path_factory) -> Path:
    """
    The real OKX sample's catalog plus the open interest of a second instrument, :data:`SECOND_VENUE`: SYNTHETIC
    readings (half of each real OKX reading, at the same times), for the tests of summing ``oi_instrument_ids``.
    """
    import shutil

    from nautilus_trader.model.identifiers import InstrumentId
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    from liqheat_nautilus.data import OpenInterest

    path = tmp_path_factory.mktemp("two_venues") / "catalog"
    shutil.copytree(okx_catalog, path)
    catalog = ParquetDataCatalog(str(path))
    okx = catalog.query(OpenInterest, identifiers=["SOL-USDT-SWAP.OKX"])
    second = InstrumentId.from_str(SECOND_VENUE)
    catalog.write_data([OpenInterest(instrument_id=second, venue="BYBIT",
                                     open_interest_usd=c.data.open_interest_usd / 2,
                                     open_interest_base=c.data.open_interest_base / 2, ts_event=c.data.ts_event,
                                     ts_init=c.data.ts_init) for c in okx])
    return path


class Scenario:
    """
    A synthetic market: ``SOL-USDT-SWAP.OKX`` (real contract spec: tick 0.01, lot 0.01, fees 2/5 bps), flat
    synthetic prices, one OKX margin account, and map updates published at chosen minutes.

    Parameters
    ----------
    balance : float
        Starting USDT.
    oms : OmsType
        Venue OMS.
    modules : list, optional
        Simulation modules for the venue.
    instrument_overrides : dict, optional
        Fields of the instrument's ``to_dict`` to change (e.g. ``{"max_quantity": "1000.00"}``).
    venue : dict, optional
        Further ``BacktestEngine.add_venue`` arguments (e.g. ``{"book_type": BookType.L2_MBP}``).
    """

    def __init__(self, balance: float = 100_000.0, oms: OmsType = OmsType.NETTING, modules=None,
                 instrument_overrides: dict | None = None, venue: dict | None = None) -> None:
        self.instrument = known_perpetual("SOL-USDT-SWAP.OKX")
        if instrument_overrides:
            fields = {**CryptoPerpetual.to_dict(self.instrument), **instrument_overrides}
            self.instrument = CryptoPerpetual.from_dict(fields)
        self.instrument_id = self.instrument.id
        self.bar_type = BarType.from_str(f"{self.instrument_id}-1-MINUTE-LAST-EXTERNAL")
        self.engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
        self.engine.add_venue(Venue("OKX"), oms, AccountType.MARGIN, [Money(balance, USDT)],
                              default_leverage=Decimal(10), modules=modules or [], **(venue or {}))
        self.engine.add_instrument(self.instrument)
        self._custom: list = []
        self._meta = {"instrument_id": self.instrument_id.value}

    def ts(self, minute: int) -> int:
        """UNIX ns of the bar closing at ``minute``."""
        return T0 + minute * MINUTE

    def bars(self, ohlc: list[tuple[float, float, float, float]]) -> None:
        """
        Add minute bars, minute 0, 1, 2, ... (each ``(open, high, low, close)``, volume 1e6).
        """
        out = []
        for i, (o, h, lo, c) in enumerate(ohlc):
            out.append(Bar(self.bar_type, Price(o, 2), Price(h, 2), Price(lo, 2), Price(c, 2),
                           Quantity(1_000_000, 2), self.ts(i), self.ts(i)))
        self.engine.add_data(out)

    def flat(self, price: float, n: int) -> list[tuple[float, float, float, float]]:
        """``n`` bars with open = high = low = close = ``price``."""
        return [(price, price, price, price)] * n

    def closes(self, closes: list[float]) -> None:
        """Add minute bars with open = high = low = close, one per given close."""
        self.bars([(c, c, c, c) for c in closes])

    def strategy(self, strategy_cls, config_cls, **config):
        """
        A strategy of ``strategy_cls`` on this market: ``config_cls(instrument_id=..., bar_type=..., **config)``.
        """
        return strategy_cls(config_cls(instrument_id=self.instrument_id, bar_type=self.bar_type, **config))

    def cluster(self, minute: int, cluster_id: int, side: str, level: float, half_width: float = 0.1,
                strength: float = 0.8, notional: float = 1_000_000.0, status: str = "ACTIVE",
                price: float = 100.0) -> LiquidationCluster:
        """Queue a cluster of the map update just after the bar of ``minute``."""
        ts = self.ts(minute) + 1
        c = LiquidationCluster(
            instrument_id=self.instrument_id, cluster_id=cluster_id, side=side, price_level=level,
            price_low=level - half_width, price_high=level + half_width, leverage_tier=25.0,
            notional_usd=notional, liquidation_count=int(notional / 10_000), strength=strength,
            distance_pct=(level / price - 1.0) * 100.0, status=status, first_seen=ts, last_seen=ts,
            ts_event=ts, ts_init=ts)
        self._custom.append(CustomData(DataType(LiquidationCluster, metadata=self._meta), c))
        return c

    def snapshot(self, minute: int, price: float = 100.0, bias: str = "UNBIASED", total_oi_usd: float = 1e9,
                 long_usd: float = 1e8, short_usd: float = 1e8) -> LiquidationMapSnapshot:
        """Queue the snapshot closing the map update just after the bar of ``minute``."""
        ts = self.ts(minute) + 1
        nan = float("nan")
        s = LiquidationMapSnapshot(
            instrument_id=self.instrument_id, price=price, total_oi_usd=total_oi_usd,
            long_liquidation_usd=long_usd, short_liquidation_usd=short_usd, swept_long_usd=0.0,
            swept_short_usd=0.0, magnet_up=1.0, magnet_down=1.0, magnet_net=0.0, bias=bias,
            nearest_above_price=nan, nearest_above_usd=0.0, nearest_above_id=-1, nearest_below_price=nan,
            nearest_below_usd=0.0, nearest_below_id=-1, ts_event=ts, ts_init=ts)
        self._custom.append(CustomData(DataType(LiquidationMapSnapshot, metadata=self._meta), s))
        return s

    def funding(self, minute: int, rate: float, offset_ns: int = 1) -> FundingRate:
        """Queue a funding settlement at ``minute`` (+ ``offset_ns``)."""
        ts = self.ts(minute) + offset_ns
        f = FundingRate(instrument_id=self.instrument_id, rate=rate, interval_hours=8.0, next_funding_ns=0,
                        ts_event=ts, ts_init=ts)
        self._custom.append(CustomData(DataType(FundingRate, metadata=self._meta), f))
        return f

    def funding_update(self, minute: int, rate: str) -> None:
        """Add a Nautilus ``FundingRateUpdate`` 1 ns after the bar of ``minute``."""
        ts = self.ts(minute) + 1
        self.engine.add_data([FundingRateUpdate(self.instrument_id, Decimal(rate), ts, ts)])

    def run(self, *strategies) -> None:
        """Add the strategies and the queued map data, then run."""
        for s in strategies:
            self.engine.add_strategy(s)
        if self._custom:
            self.engine.add_data(self._custom, client_id=ClientId("LIQHEAT"))
        self.engine.run()

    def entries(self, strategy) -> list[dict]:
        """``ENTER`` records of a strategy."""
        return [s for s in strategy.signals if s["action"] == "ENTER"]

    def orders(self):
        """All orders, in submission order."""
        return sorted(self.engine.cache.orders(), key=lambda o: o.ts_init)

    def positions(self):
        """All positions."""
        return self.engine.cache.positions()

    def dispose(self) -> None:
        """Free the engine."""
        self.engine.dispose()


@pytest.fixture
def scenario():
    """A fresh synthetic :class:`Scenario` (disposed after the test)."""
    s = Scenario()
    yield s
    s.dispose()


@pytest.fixture
def make_scenario():
    """Factory for :class:`Scenario` with options; every one is disposed after the test."""
    made = []

    def make(**kwargs) -> Scenario:
        s = Scenario(**kwargs)
        made.append(s)
        return s

    yield make
    for s in made:
        s.dispose()
