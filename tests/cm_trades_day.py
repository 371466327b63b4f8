"""The REAL Binance COIN-M ``BTCUSD_PERP`` aggTrades day of ``tests/data`` as a catalog with 1-minute bars DERIVED
from its trades, and a backtest file with a liquidation-map actor on its trade ticks (shared by the tests of
``plot --backtest-file`` and of trades-mode backtests)."""

from pathlib import Path

INSTRUMENT = "BTCUSD-PERP.BINANCE"
START, END = "2026-05-08T06:00", "2026-05-08T07:30"  # the day's trades run 00:00 -> 23:59:59


CM_TRADES_DAY = "binance_cm_aggtrades/BTCUSD_PERP-aggTrades-2026-05-08.zip"
"""The REAL Binance COIN-M ``BTCUSD_PERP`` aggTrades day of ``tests/data`` (inverse, 100 USD contracts)."""


def cm_trades_day_with_minute_bars(path: Path):
    """
    Ingest :data:`CM_TRADES_DAY` into a new catalog at ``path`` and add 1-minute bars DERIVED from its trades.

    The bars (``BTCUSD-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL``, stamped at the minute's end) hold the open, high, low
    and close of each minute's trades and their summed contracts.

    Returns
    -------
    tuple
        ``(catalog, instrument, frame, ts)``: the ``ParquetDataCatalog``, the instrument, the bars' OHLCV frame
        (indexed by their close time) and the trades' ``ts_event`` (int64 ns, ascending).
    """
    import numpy as np
    import pandas as pd
    from nautilus_trader.model.data import BarType
    from nautilus_trader.persistence.catalog import ParquetDataCatalog
    from nautilus_trader.persistence.wranglers import BarDataWrangler

    from liqheat_nautilus.adapters.binance.loaders import ingest_binance_files
    from tests.adapters.binance.archive_files import recorded_instruments
    from tests.data_files import data_file

    iid = "BTCUSD-PERP.BINANCE"
    ingest_binance_files([data_file(CM_TRADES_DAY)], path, instruments=recorded_instruments(), log=lambda _line: None)
    catalog = ParquetDataCatalog(str(path))
    instrument = catalog.instruments(instrument_ids=[iid])[0]
    ticks = catalog.trade_ticks(instrument_ids=[iid])
    ts = np.array([t.ts_event for t in ticks], dtype=np.int64)
    trades = pd.DataFrame({"price": [t.price.as_double() for t in ticks], "size": [t.size.as_double() for t in ticks]},
                          index=pd.to_datetime(ts, unit="ns", utc=True))
    minutes = trades.resample("1min", label="right", closed="left")
    frame = minutes["price"].ohlc().assign(volume=minutes["size"].sum()).dropna()
    catalog.write_data(BarDataWrangler(BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL"), instrument).process(frame))
    return catalog, instrument, frame, ts


def trades_backtest_file(tmp_path: Path, catalog: Path, actor_extra: str, bar_spec: str = "1-MINUTE-LAST",
                         period: str = f'start = "{START}"\nend = "{END}"\n') -> Path:
    """
    Write a backtest file over the catalog of :func:`cm_trades_day_with_minute_bars`: a liquidation-map actor with
    ``subscribe_trade_ticks`` (``actor_extra`` is appended to its config, and may add tables after it).
    """
    text = f"""name = "btc_trades"
[data]
catalog = "{catalog}"
instrument_id = "{INSTRUMENT}"
bar_spec = "{bar_spec}"
{period}
[venue]
name = "BINANCE"
oms_type = "NETTING"
account_type = "MARGIN"
starting_balances = ["10 BTC"]

[[actors]]
path = "liqheat_nautilus.actor:LiquidationMapActor"
config_path = "liqheat_nautilus.actor:LiquidationMapActorConfig"
[actors.config]
instrument_id = "{INSTRUMENT}"
bar_type = "{INSTRUMENT}-{bar_spec}-EXTERNAL"
publish_interval_secs = 900
model = "isolated_mmr"
leverage_profile = "neutral"
bin_bps = 10.0
n_bins = 600
subscribe_trade_ticks = true
{actor_extra}"""
    path = tmp_path / "btc_trades.toml"
    path.write_text(text)
    return path
