"""The actor keeps bars on its short path and feeds them at once: no reader ever sees a map without them.

On the REAL OKX sample (shipped in ``catalog/``): bars, hourly open interest.
"""

from nautilus_trader.model.data import Bar, CustomData, DataType
from nautilus_trader.model.identifiers import ClientId
from nautilus_trader.trading.strategy import Strategy, StrategyConfig

import liqheat_nautilus.actor as actor_module
from liqheat_nautilus.actor import _FEW_BARS, LiquidationMapActor, LiquidationMapActorConfig
from liqheat_nautilus.data import OpenInterest
from tests.small_backtest import sample_engine


class _ReaderConfig(StrategyConfig, frozen=True):
    bar_type: str
    every: int = 1


class _Reader(Strategy):
    """Reads the actor's map every ``every`` bars and records whether it had that bar (its time and close)."""

    def __init__(self, config: _ReaderConfig) -> None:
        super().__init__(config)
        self.actor: LiquidationMapActor | None = None
        self.seen = 0
        self.mismatches: list[int] = []

    def on_start(self) -> None:
        from nautilus_trader.model.data import BarType

        self.subscribe_bars(BarType.from_str(self.config.bar_type))

    def on_bar(self, bar: Bar) -> None:
        self.seen += 1
        liq_map = self.actor.map if self.seen % self.config.every == 0 else None
        if liq_map is not None and liq_map.initialized:
            engine = liq_map.engine
            if engine.last_bar_ns != bar.ts_event or engine.price != bar.close.as_double():
                self.mismatches.append(bar.ts_event)


def _run(okx_catalog, every: int) -> tuple[LiquidationMapActor, _Reader, list[Bar]]:
    catalog, engine, bar_type = sample_engine(okx_catalog)
    oi = [d.data if isinstance(d, CustomData) else d for d in catalog.query(OpenInterest)]
    engine.add_data([CustomData(DataType(OpenInterest), d) for d in oi], client_id=ClientId("LIQHEAT"))
    (instrument,) = catalog.instruments()
    actor = LiquidationMapActor(LiquidationMapActorConfig(instrument_id=instrument.id, bar_type=bar_type))
    reader = _Reader(_ReaderConfig(bar_type=str(bar_type), every=every))
    reader.actor = actor
    engine.add_actor(actor)  # before the strategy: it receives each bar first
    engine.add_strategy(reader)
    try:
        engine.run()
    finally:
        engine.dispose()
    return actor, reader, catalog.bars()


def test_a_strategy_reading_the_map_on_every_bar_sees_that_bar(okx_catalog):
    actor, reader, bars = _run(okx_catalog, every=1)
    assert reader.seen == len(bars) > 20_000
    assert reader.mismatches == []


def test_bars_kept_between_reads_give_the_map_of_bars_fed_one_by_one(okx_catalog, monkeypatch):
    """Read every 37 bars (more than the few fed one by one): no reader sees a stale map, and the map after the run
    equals the map of a run that feeds every bar kept one by one (``_FEW_BARS`` out of reach)."""
    assert _FEW_BARS < 37
    batched, reader, bars = _run(okx_catalog, every=37)
    assert reader.mismatches == []
    monkeypatch.setattr(actor_module, "_FEW_BARS", 10**9)
    single, _, _ = _run(okx_catalog, every=37)
    a, b = batched.map, single.map
    assert a.engine.last_bar_ns == b.engine.last_bar_ns == bars[-1].ts_event  # the last bars kept were fed
    assert a.long_usd.tolist() == b.long_usd.tolist() and a.short_usd.tolist() == b.short_usd.tolist()
    assert a.engine.ledger == b.engine.ledger and a.engine.ledger.swept > 0.0
    assert (batched.clusters_published, batched.snapshots_published) == \
        (single.clusters_published, single.snapshots_published)
