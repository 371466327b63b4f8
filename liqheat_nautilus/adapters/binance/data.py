"""Nautilus' Binance USD-M data client plus liquidation prints (``forceOrder``, insurance-fund trades) and funding.

The adapter dispatches websocket messages on a substring of the stream name (``self._ws_handlers``); this subclass
adds ``@forceOrder`` / ``!forceOrder@arr`` handlers, inspects ``@trade`` messages for insurance-fund fills, and turns
``@markPrice`` updates into :class:`~liqheat_nautilus.data.FundingRate` as well as the adapter's own
``BinanceFuturesMarkPriceUpdate``. Everything else is the stock ``BinanceFuturesDataClient``.
"""

from typing import Any

from nautilus_trader.adapters.binance.common.symbol import BinanceSymbol
from nautilus_trader.adapters.binance.futures.data import BinanceFuturesDataClient
from nautilus_trader.adapters.binance.futures.schemas.market import BinanceFuturesMarkPriceData
from nautilus_trader.data.messages import SubscribeData, UnsubscribeData
from nautilus_trader.model.data import DataType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument

from liqheat_nautilus.adapters.binance.config import LiqheatBinanceDataClientConfig
from liqheat_nautilus.adapters.binance.connect import ConnectCauseMixin
from liqheat_nautilus.adapters.binance.parsing import (
    decode_force_order,
    decode_trade,
    force_order_to_event,
    liquidation_trade_to_event,
    mark_price_to_funding,
)
from liqheat_nautilus.core.units import NS_PER_SECOND
from liqheat_nautilus.data import FundingRate, LiquidationEvent, as_custom_data


def _metadata_instrument_id(data_type: DataType) -> InstrumentId | None:
    value = data_type.metadata.get("instrument_id") if data_type.metadata else None
    if value is None or isinstance(value, InstrumentId):
        return value
    return InstrumentId.from_str(str(value))


class FundingThrottle:
    """
    Decides which funding updates to publish: the mark-price stream repeats the running rate every second.

    Publishes the first update, every change of ``next_funding_ns`` (a funding settled) and any change of the
    rate at least ``min_interval_ns`` (``ts_event``) after the previous publication.

    Parameters
    ----------
    min_interval_ns : int
        Minimum spacing (ns) between publications of a merely changed rate.
    """

    def __init__(self, min_interval_ns: int) -> None:
        self.min_interval_ns = int(min_interval_ns)
        self._last: dict[InstrumentId, tuple[float, int, int]] = {}

    def should_publish(self, funding: FundingRate) -> bool:
        """
        Whether to publish ``funding`` (and remember it when so).

        Parameters
        ----------
        funding : FundingRate
            The candidate update.

        Returns
        -------
        bool
        """
        last = self._last.get(funding.instrument_id)
        publish = (
            last is None
            or funding.next_funding_ns != last[1]
            or (funding.rate != last[0] and funding.ts_event - last[2] >= self.min_interval_ns)
        )
        if publish:
            self._last[funding.instrument_id] = (funding.rate, funding.next_funding_ns, funding.ts_event)
        return publish


class FundingIntervals:
    """
    Each instrument's funding interval, learnt from the mark-price stream, which does not carry it.

    Binance settles most USD-M perpetuals every 8 h, but many every 4 h (and some every 1 h). When an instrument's
    next funding time moves forward (a settlement), the step it moved by is its interval from then on; until then,
    and for a step outside (0, 24] hours, the configured default applies.

    Parameters
    ----------
    default_hours : float
        The interval (hours) assumed before the first settlement is seen (``funding_interval_hours``).
    """

    def __init__(self, default_hours: float) -> None:
        self.default_hours = float(default_hours)
        self._next: dict[InstrumentId, int] = {}
        self._hours: dict[InstrumentId, float] = {}

    def hours(self, instrument_id: InstrumentId, next_funding_ns: int) -> float:
        """
        Return the instrument's funding interval, learning it when ``next_funding_ns`` moved forward.

        Parameters
        ----------
        instrument_id : InstrumentId
            The instrument of the update.
        next_funding_ns : int
            The update's next funding time (UNIX ns).

        Returns
        -------
        float
            Hours: the last step of the next funding time, else ``default_hours``.
        """
        last = self._next.get(instrument_id)
        if last is not None and next_funding_ns > last:
            step_hours = round((next_funding_ns - last) / NS_PER_SECOND) / 3600.0  # whole seconds (ms rounding)
            if 0.0 < step_hours <= 24.0:
                self._hours[instrument_id] = step_hours
        if last is None or next_funding_ns > last:
            self._next[instrument_id] = next_funding_ns
        return self._hours.get(instrument_id, self.default_hours)


class LiqheatBinanceFuturesDataClient(ConnectCauseMixin, BinanceFuturesDataClient):
    """
    ``BinanceFuturesDataClient`` that also publishes :class:`LiquidationEvent` and :class:`FundingRate`.

    Subscribe with ``subscribe_data(DataType(LiquidationEvent, metadata={"instrument_id": "BTCUSDT-PERP.BINANCE"}),
    client_id=ClientId("BINANCE"))`` (stream ``btcusdt@forceOrder``; without ``instrument_id``: ``!forceOrder@arr``)
    and ``DataType(FundingRate, ...)`` (stream ``btcusdt@markPrice@1s``). Published data types carry
    ``metadata={"instrument_id": "<id as str>"}``. Insurance-fund fills on a subscribed ``@trade`` stream are
    published as :class:`LiquidationEvent` too (``source="trade:INSURANCE_FUND"``). A failed connect leaves its cause
    in ``connect_cause`` (:class:`~liqheat_nautilus.adapters.binance.connect.ConnectCauseMixin`).

    Parameters
    ----------
    config : LiqheatBinanceDataClientConfig
        The configuration (its ``feeds``: funding throttle and intervals).
    **kwargs
        The other keyword parameters of ``BinanceFuturesDataClient``: ``loop``, ``client`` (the Binance HTTP
        client), ``msgbus``, ``cache``, ``clock``, ``instrument_provider``, ``base_url_ws``, ``account_type``
        (a futures type) and ``name``; :class:`LiqheatBinanceLiveDataClientFactory` passes them all.
    """

    def __init__(self, *, config: LiqheatBinanceDataClientConfig, **kwargs: Any) -> None:
        super().__init__(config=config, **kwargs)
        self._liq_config = config
        self._funding_throttle = FundingThrottle(config.feeds.funding_min_interval_secs * NS_PER_SECOND)
        self._funding_intervals = FundingIntervals(config.feeds.funding_interval_hours)
        self._ws_handlers["@forceOrder"] = self._handle_force_order
        self._ws_handlers["!forceOrder@arr"] = self._handle_force_order
        self.liquidations_published = 0
        self.funding_published = 0

    # -- subscriptions ------------------------------------------------------------------------------------------

    async def _subscribe(self, command: SubscribeData) -> None:
        data_type = command.data_type
        if data_type.type is LiquidationEvent:
            instrument_id = _metadata_instrument_id(data_type)
            stream = (f"{BinanceSymbol(instrument_id.symbol.value).lower()}@forceOrder" if instrument_id
                      else "!forceOrder@arr")
            await self._ws_client._subscribe(stream)
        elif data_type.type is FundingRate:
            instrument_id = _metadata_instrument_id(data_type)
            symbol = instrument_id.symbol.value if instrument_id else None
            await self._ws_client.subscribe_mark_price(symbol, speed=1000)
        else:
            await super()._subscribe(command)

    async def _unsubscribe(self, command: UnsubscribeData) -> None:
        if command.data_type.type in (LiquidationEvent, FundingRate):
            return  # streams stay open until disconnect (the adapter does the same for mark prices)
        await super()._unsubscribe(command)

    # -- websocket handlers -------------------------------------------------------------------------------------

    def _publish(self, obj) -> None:
        self._handle_data(as_custom_data(obj))

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self._instrument_provider.find(instrument_id)

    def _handle_force_order(self, raw: bytes) -> None:
        order = decode_force_order(raw)
        instrument_id = self._get_cached_instrument_id(order.s)
        event = force_order_to_event(order, instrument_id, self._clock.timestamp_ns(), self._instrument(instrument_id))
        self._publish(event)
        self.liquidations_published += 1

    def _handle_trade(self, raw: bytes) -> None:
        super()._handle_trade(raw)
        types = self._liq_config.feeds.liquidation_trade_types
        if not types or b'"X":"MARKET"' in raw:
            return  # fast path: ordinary trades
        trade = decode_trade(raw)
        instrument_id = self._get_cached_instrument_id(trade.s)
        event = liquidation_trade_to_event(trade, instrument_id, self._clock.timestamp_ns(), types,
                                           self._instrument(instrument_id))
        if event is not None:
            self._publish(event)
            self.liquidations_published += 1

    def _handle_mark_price_data(self, data: BinanceFuturesMarkPriceData) -> None:
        super()._handle_mark_price_data(data)
        update = data.parse_to_binance_futures_mark_price_update(
            instrument_id=self._get_cached_instrument_id(data.s),
            ts_init=self._clock.timestamp_ns(),
        )
        hours = self._funding_intervals.hours(update.instrument_id, int(update.next_funding_ns))
        funding = mark_price_to_funding(update, hours)
        if self._funding_throttle.should_publish(funding):
            self._publish(funding)
            self.funding_published += 1
