"""Small ``BacktestEngine`` runs of the map actor on SYNTHETIC flat minute bars of BTCUSDT-PERP.BINANCE."""

from decimal import Decimal

from nautilus_trader.model.data import BarType

T0 = 1_767_571_200_000_000_000  # 2026-01-05 00:00 UTC (synthetic start)
MINUTE = 60_000_000_000
BAR_TYPE = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")


def small_backtest(config, trades=(), custom=(), n_bars: int = 6, run: bool = True):
    """
    Return ``(engine, actor)``: a ``LiquidationMapActor`` of ``config`` in a ``BacktestEngine`` (BINANCE, margin).

    SYNTHETIC: flat minute bars at 100.00 for minutes 1..``n_bars`` after ``T0``, the given trade ticks, and the given
    custom data under client id ``LIQHEAT``. ``run=False`` leaves running (and disposing) to the caller.
    """
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig
    from nautilus_trader.model.currencies import USDT
    from nautilus_trader.model.data import Bar
    from nautilus_trader.model.enums import AccountType, OmsType
    from nautilus_trader.model.identifiers import ClientId, Venue
    from nautilus_trader.model.objects import Money, Price, Quantity

    from liqheat_nautilus.actor import LiquidationMapActor
    from liqheat_nautilus.adapters.common.providers import known_perpetual

    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    engine.add_venue(Venue("BINANCE"), OmsType.NETTING, AccountType.MARGIN, [Money(100_000, USDT)],
                     default_leverage=Decimal(10))
    engine.add_instrument(known_perpetual("BTCUSDT-PERP.BINANCE"))
    price = Price.from_str("100.00")
    engine.add_data([Bar(BAR_TYPE, price, price, price, price, Quantity.from_str("10.000"), T0 + i * MINUTE,
                         T0 + i * MINUTE) for i in range(1, n_bars + 1)])
    if trades:
        engine.add_data(list(trades))
    if custom:
        engine.add_data(list(custom), client_id=ClientId("LIQHEAT"))
    actor = LiquidationMapActor(config)
    engine.add_actor(actor)
    if run:
        engine.run()
    return engine, actor


def sample_engine(okx_catalog):
    """
    Return ``(catalog, engine, bar_type)``: a ``BacktestEngine`` with the REAL OKX sample's venue (100,000 USDT,
    netting, margin, 10x), instrument and 1-minute bars, and no custom data yet.
    """
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig
    from nautilus_trader.model.currencies import USDT
    from nautilus_trader.model.enums import AccountType, OmsType
    from nautilus_trader.model.identifiers import Venue
    from nautilus_trader.model.objects import Money
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    catalog = ParquetDataCatalog(str(okx_catalog))
    (instrument,) = catalog.instruments()
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    engine.add_venue(Venue("OKX"), oms_type=OmsType.NETTING, account_type=AccountType.MARGIN,
                     starting_balances=[Money(100_000, USDT)], base_currency=None, default_leverage=Decimal(10))
    engine.add_instrument(instrument)
    engine.add_data(catalog.bars())
    return catalog, engine, BarType.from_str("SOL-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
