"""Binance perpetuals known offline (the archive ingest's instruments), from Binance's published exchangeInfo.

Live nodes load instruments through Nautilus' own ``BinanceFuturesInstrumentProvider`` (see :mod:`.factories`);
these specifications serve the public-data archives, which carry no contract definitions.
"""

from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, spec_table

BINANCE_VENUE = "BINANCE"

BINANCE_PERPETUALS: dict[str, PerpetualSpec] = spec_table(
    # Binance USD-M exchangeInfo filters: PRICE_FILTER tickSize, LOT_SIZE stepSize.
    PerpetualSpec("BTCUSDT", BINANCE_VENUE, "BTC", "USDT", "USDT", "0.10", "0.001", taker_fee="0.0004",
                  margin_init="0.008", source="Binance fapi exchangeInfo BTCUSDT (tick 0.10, step 0.001)"),
    PerpetualSpec("ETHUSDT", BINANCE_VENUE, "ETH", "USDT", "USDT", "0.01", "0.001", taker_fee="0.0004",
                  margin_init="0.008", source="Binance fapi exchangeInfo ETHUSDT (tick 0.01, step 0.001)"),
    # Binance COIN-M exchangeInfo: BTCUSD_PERP contractSize 100 USD, tick 0.1, step 1 contract.
    PerpetualSpec("BTCUSD_PERP", BINANCE_VENUE, "BTC", "USD", "BTC", "0.1", "1", multiplier="100",
                  is_inverse=True, maker_fee="0.0002", taker_fee="0.0005", margin_init="0.008",
                  source="Binance dapi exchangeInfo BTCUSD_PERP (contractSize 100, tick 0.1, step 1)"),
)
"""Known Binance perpetuals by instrument id (``BTCUSDT.BINANCE``, ``ETHUSDT.BINANCE``, ``BTCUSD_PERP.BINANCE``)."""

