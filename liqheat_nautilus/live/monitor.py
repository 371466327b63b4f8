"""``LiveFeedMonitor``: subscribes the venue feeds the map needs and reports whether they flow."""

from datetime import timedelta

from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorConfig, NonNegativeInt, PositiveInt
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import CustomData, DataType, QuoteTick, TradeTick
from nautilus_trader.model.identifiers import ClientId, InstrumentId

from liqheat_nautilus.core.units import NS_PER_SECOND
from liqheat_nautilus.data import (
    FundingRate,
    LiquidationCluster,
    LiquidationEvent,
    LiquidationMapSnapshot,
    OpenInterest,
)

COUNTED_TYPES = (FundingRate, OpenInterest, LiquidationEvent, LiquidationCluster, LiquidationMapSnapshot)


class LiveFeedMonitorConfig(ActorConfig, frozen=True):
    """
    Configuration of :class:`LiveFeedMonitor`: which feeds it subscribes, from which client, and its heartbeat.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument watched.
    data_client_id : str, default "BINANCE"
        Client that serves funding and liquidation subscriptions (the liqheat Binance data client).
    subscribe_trade_ticks : bool, default True
        Subscribe trade ticks (the sandbox fills on them).
    subscribe_quote_ticks : bool, default True
        Subscribe quotes (``bookTicker``; the sandbox fills on them too).
    subscribe_funding : bool, default True
        Subscribe :class:`FundingRate` from ``data_client_id`` (Binance: the mark-price stream).
    subscribe_liquidations : bool, default True
        Subscribe :class:`LiquidationEvent` from ``data_client_id`` (Binance: ``forceOrder``).
    heartbeat_secs : int, default 60
        Log the counters every this many seconds (0 = never).
    stale_after_secs : int, default 120
        Warn when no trade tick arrived for this long (checked at heartbeats).
    """

    instrument_id: InstrumentId
    data_client_id: str = "BINANCE"
    subscribe_trade_ticks: bool = True
    subscribe_quote_ticks: bool = True
    subscribe_funding: bool = True
    subscribe_liquidations: bool = True
    heartbeat_secs: NonNegativeInt = 60
    stale_after_secs: PositiveInt = 120


class LiveFeedMonitor(Actor):
    """
    Subscribes trades, quotes, funding and liquidation prints of one instrument and counts everything that flows.

    :attr:`counts` maps ``"TradeTick"``, ``"QuoteTick"``, ``"FundingRate"``, ``"OpenInterest"``,
    ``"LiquidationEvent"``, ``"LiquidationCluster"``, ``"LiquidationMapSnapshot"`` to the number received;
    :attr:`liquidations` keeps the liquidation prints. Counters are logged at each heartbeat.

    Parameters
    ----------
    config : LiveFeedMonitorConfig
        The instrument, the feeds to subscribe and the heartbeat.
    """

    def __init__(self, config: LiveFeedMonitorConfig) -> None:
        super().__init__(config)
        self.counts: dict[str, int] = {"TradeTick": 0, "QuoteTick": 0, **{c.__name__: 0 for c in COUNTED_TYPES}}
        self.liquidations: list[LiquidationEvent] = []
        self.last_funding: FundingRate | None = None
        self._last_trade_ns = 0

    def on_start(self) -> None:
        """Subscribe the feeds and start the heartbeat timer."""
        cfg = self.config
        iid = cfg.instrument_id
        client = ClientId(cfg.data_client_id)
        metadata = {"instrument_id": iid.value}
        if cfg.subscribe_trade_ticks:
            self.subscribe_trade_ticks(iid)
        if cfg.subscribe_quote_ticks:
            self.subscribe_quote_ticks(iid)
        if cfg.subscribe_funding:
            self.subscribe_data(DataType(FundingRate, metadata=metadata), client_id=client)
        if cfg.subscribe_liquidations:
            self.subscribe_data(DataType(LiquidationEvent, metadata=metadata), client_id=client)
        self.subscribe_data(DataType(OpenInterest))
        self.subscribe_data(DataType(LiquidationCluster, metadata=metadata))
        self.subscribe_data(DataType(LiquidationMapSnapshot, metadata=metadata))
        self._last_trade_ns = self.clock.timestamp_ns()
        if cfg.heartbeat_secs > 0:
            self.clock.set_timer("liqheat-monitor-heartbeat", interval=timedelta(seconds=cfg.heartbeat_secs),
                                 callback=self._on_heartbeat)

    def on_stop(self) -> None:
        """Log the final counters."""
        self.log.info(f"feed counts at stop: {self.counts}")

    def on_trade_tick(self, tick: TradeTick) -> None:
        """
        Count trades.

        Parameters
        ----------
        tick : TradeTick
            A trade of the watched instrument; its arrival time (the clock's, UNIX ns) is kept for the staleness
            check at heartbeats.
        """
        self.counts["TradeTick"] += 1
        self._last_trade_ns = self.clock.timestamp_ns()

    def on_quote_tick(self, tick: QuoteTick) -> None:
        """
        Count quotes.

        Parameters
        ----------
        tick : QuoteTick
            A quote (``bookTicker``) of the watched instrument.
        """
        self.counts["QuoteTick"] += 1

    def on_data(self, data: Data) -> None:
        """
        Count custom data; keep liquidation prints and the last funding rate.

        Parameters
        ----------
        data : Data
            A liqheat data object (``LiquidationEvent``, ``FundingRate``, ``OpenInterest``, ``LiquidationCluster``,
            ``LiquidationMapSnapshot``), bare or wrapped in ``CustomData``; other types are not counted. A
            ``LiquidationEvent`` is appended to :attr:`liquidations` and logged, a ``FundingRate`` kept as
            :attr:`last_funding`.
        """
        if isinstance(data, CustomData):
            data = data.data
        name = type(data).__name__
        if name in self.counts:
            self.counts[name] += 1
        if isinstance(data, LiquidationEvent):
            self.liquidations.append(data)
            self.log.info(f"liquidation print: {data.side} {data.quantity} @ {data.price} "
                          f"({data.notional_usd:,.0f} USD, {data.source})")
        elif isinstance(data, FundingRate):
            self.last_funding = data

    def _on_heartbeat(self, event) -> None:
        silent_ns = self.clock.timestamp_ns() - self._last_trade_ns
        if silent_ns > self.config.stale_after_secs * NS_PER_SECOND:
            self.log.warning(f"no trade tick for {silent_ns / NS_PER_SECOND:.0f}s: the market feed may be stale")
        self.log.info(f"feed counts: {self.counts}")
