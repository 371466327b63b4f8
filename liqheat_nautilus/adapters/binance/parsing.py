"""Parsing of Binance data into liqheat/Nautilus objects, with checks: websocket messages and archive rows (no I/O).

Websocket (USD-M) messages -> :class:`~liqheat_nautilus.data.LiquidationEvent` and
:class:`~liqheat_nautilus.data.FundingRate`: :mod:`.websocket`. Archive files of data.binance.vision (klines,
aggTrades, trades, metrics, fundingRate) -> Nautilus objects, one converter class per kind, with the archives'
conventions: :mod:`.archives`. Every name is importable from here.
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
