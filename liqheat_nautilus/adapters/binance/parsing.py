"""Parsing of Binance data into liqheat/Nautilus objects, with checks: websocket messages and archive rows (no I/O).

Websocket (USD-M): ``forceOrder`` events and insurance-fund ``@trade`` fills -> :class:`LiquidationEvent`;
Nautilus' ``BinanceFuturesMarkPriceUpdate`` (``@markPrice@1s``: ``r`` the running funding rate, ``T`` the next
funding time) -> :class:`FundingRate`. Payload schemas in :mod:`.schemas`.

Archives (data.binance.vision): one converter class per archive kind. Each takes Arrow batches in file order and
returns the Nautilus objects and their ``ts_init`` (UNIX ns), checking values on the way; an :class:`IngestError`
names file, line and field. Conventions (binance/binance-public-data README):

- klines: ``open_time`` is the bar open; the bar is stamped at its close, ``open_time + interval`` (the archive's
  ``close_time`` is that minus 1 ms). ``volume`` is in base units (USD-M) or contracts (COIN-M). Each kline also
  gives the bar's taker volume (:mod:`.positioning`).
- aggTrades / trades: ``is_buyer_maker`` true means the buyer was the resting order, so the aggressor sold:
  ``AggressorSide.SELLER``; otherwise ``BUYER``. Quantities are base units (USD-M) or contracts (COIN-M); the
  tick keeps the venue's unit and the instrument's multiplier converts contracts to USD (BTCUSD_PERP: 100 USD).
- metrics (the ``futures/data/openInterestHist`` values every 5 minutes): USD-M ``sum_open_interest`` is base units
  and ``sum_open_interest_value`` USD; COIN-M ``sum_open_interest`` is contracts and ``sum_open_interest_value``
  base units; the rest follows :func:`~liqheat_nautilus.adapters.common.parsing.open_interest_from_venue`. The
  ratio columns become long/short ratios (:mod:`.positioning`).
- fundingRate: ``calc_time`` is the funding time, ``last_funding_rate`` the fraction per interval.

The archive converters live in :mod:`.archives`, the websocket parsers in :mod:`.websocket`; every name is
importable from here.
"""

from liqheat_nautilus.adapters.binance.archives import (
    CONVERTERS,
    AggTradeConverter,
    ArchiveConverter,
    FundingRateConverter,
    KlineConverter,
    MetricsConverter,
    TradeConverter,
)
from liqheat_nautilus.adapters.binance.websocket import (
    decode_force_order,
    decode_trade,
    force_order_to_event,
    liquidation_trade_to_event,
    mark_price_to_funding,
)

__all__ = [
    "CONVERTERS", "AggTradeConverter", "ArchiveConverter", "FundingRateConverter", "KlineConverter",
    "MetricsConverter", "TradeConverter", "decode_force_order", "decode_trade", "force_order_to_event",
    "liquidation_trade_to_event", "mark_price_to_funding",
]
