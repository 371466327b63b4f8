"""The sections of the live file (``config/live_binance.toml``): one msgspec struct per TOML table, and their values.

:mod:`~liqheat_nautilus.live.live_file` loads a file into :class:`LiveFile` and checks what these types cannot.
API keys are deliberately *not* fields: unknown fields are rejected, so a key pasted into the file fails loading.
``[binance]``, ``[risk]`` and ``[poller]`` derive from the configs they feed (each field, default and check written
once); ``[sandbox]`` builds its config (:meth:`SandboxSection.exec_config`).
"""

from decimal import Decimal
from typing import TypeVar

import msgspec
from nautilus_trader.common.config import NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt

from liqheat_nautilus.adapters.binance.config import GuardedSandboxExecClientConfig, LiqheatFeedsConfig
from liqheat_nautilus.adapters.ccxt.config import CcxtDataClientConfig
from liqheat_nautilus.adapters.common.risk_guard import RiskLimits
from liqheat_nautilus.components import ComponentSection

EXECUTION_MODES = ("testnet", "sandbox", "mainnet")
ACCOUNT_TYPES = ("USDT_FUTURES",)
"""``[binance] account_type`` values: Binance USD-M only. ``COIN_FUTURES`` is refused: Nautilus 1.221's Binance
provider builds COIN-M perpetuals as linear contracts of multiplier 1 (``BTCUSD_PERP``: 10 contracts at 65,000 valued
650,000 USD instead of 10 x 100 = 1,000 USD), so order and position notionals, the risk guard's limits and the
liquidation prints' notionals would all be off by price / contract size."""
MAINNET_CONFIRMATION = "I accept real-money trading on Binance mainnet"
"""Exact text ``[execution] mainnet_confirm`` must hold, together with the ``--mainnet`` flag, for mainnet."""

_Config = TypeVar("_Config", bound=msgspec.Struct)


def _base_config(section: msgspec.Struct, base: type[_Config]) -> _Config:
    """Build the ``base`` config a section derives from, from the section's values of the base's fields."""
    return base(**{name: getattr(section, name) for name in base.__struct_fields__})


class ExecutionSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[execution]``.

    Attributes
    ----------
    mode : str
        ``"testnet"`` (Binance futures testnet orders, default), ``"sandbox"`` (paper trading: Nautilus'
        simulated exchange filled from the live Binance mainnet trades and quotes) or ``"mainnet"``.
    mainnet_confirm : str
        Must equal :data:`MAINNET_CONFIRMATION` for ``mode = "mainnet"``.
    """

    mode: str = "testnet"
    mainnet_confirm: str = ""


class BinanceSection(LiqheatFeedsConfig, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """
    ``[binance]``: the Binance USD-M data (and execution) clients.

    Every field of :class:`~liqheat_nautilus.adapters.binance.config.LiqheatFeedsConfig` (``funding_interval_hours``,
    ``funding_min_interval_secs``, ``liquidation_trade_types``: the data client's feeds, checked by it), plus the
    fields below. They are not Nautilus' ``BinanceDataClientConfig`` (whose fields this section cannot derive from):
    that config holds ``api_key``/``api_secret`` (keys never go in this file: unknown fields are refused), ``testnet``
    (``[execution] mode`` decides) and an ``account_type`` enum defaulting to spot; and TOML cannot write its ``None``
    (never reload). These fields feed both the data and the execution client.

    Attributes
    ----------
    instrument_ids : list[str]
        Nautilus ids loaded from the venue, e.g. ``["BTCUSDT-PERP.BINANCE"]``.
    account_type : str
        ``"USDT_FUTURES"`` (the only one: see :data:`ACCOUNT_TYPES` for why COIN-M is refused).
    base_url_http, base_url_ws : str
        Endpoint overrides ("" = Nautilus' default for the mode); the offline tests point them at 127.0.0.1.
    update_instruments_interval_mins : int
        Instrument reload interval (0 = never).
    """

    instrument_ids: list[str]
    account_type: str = "USDT_FUTURES"
    base_url_http: str = ""
    base_url_ws: str = ""
    update_instruments_interval_mins: NonNegativeInt = 60

    def feeds(self) -> LiqheatFeedsConfig:
        """
        Return the data client's feeds config (this section's ``LiqheatFeedsConfig`` fields).

        Returns
        -------
        LiqheatFeedsConfig
        """
        return _base_config(self, LiqheatFeedsConfig)


class SandboxSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[sandbox]``: the simulated account of ``mode = "sandbox"`` (Nautilus ``SandboxExecutionClientConfig``).

    Not derived from that config: it would make every field of it writable here, while the node fixes ``venue``,
    ``account_type`` (margin), ``trade_execution`` / ``bar_execution`` (fills from trades) and ``use_reduce_only``
    (see :meth:`exec_config`); and Nautilus gives ``starting_balances`` no default and ``default_leverage`` (a
    ``Decimal``, 1 by default) no range. This section holds the account choices and builds the config.

    Attributes
    ----------
    starting_balances : list[str]
        E.g. ``["10000 USDT"]``.
    default_leverage : float
        Account leverage.
    oms_type : str
        ``"NETTING"`` or ``"HEDGING"``.
    """

    starting_balances: list[str] = msgspec.field(default_factory=lambda: ["10000 USDT"])
    default_leverage: PositiveFloat = 5.0
    oms_type: str = "NETTING"

    def exec_config(self, venue: str, risk_limits: RiskLimits) -> GuardedSandboxExecClientConfig:
        """
        Return the sandbox execution client's config: this account on ``venue``, filled from trades and quotes.

        Parameters
        ----------
        venue : str
            The simulated venue (the Binance clients' ``BINANCE``).
        risk_limits : RiskLimits
            The ``[risk]`` limits the client enforces.

        Returns
        -------
        GuardedSandboxExecClientConfig
        """
        return GuardedSandboxExecClientConfig(
            venue=venue, starting_balances=list(self.starting_balances), account_type="MARGIN",
            oms_type=self.oms_type, default_leverage=Decimal(str(self.default_leverage)), bar_execution=False,
            trade_execution=True,
            # In a live node the sandbox fills a market entry at once but the position reaches the cache only
            # after the exec engine's async event queue, so the bracket's reduce-only SL/TP were rejected as
            # "would have increased position" (seen in the offline replay); the OCO bracket still closes only.
            use_reduce_only=False, risk_limits=risk_limits,
        )


class RiskSection(RiskLimits, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """
    ``[risk]``: order limits; orders that break them are denied (``OrderDenied``) before reaching the venue.

    Every field of :class:`~liqheat_nautilus.adapters.common.risk_guard.RiskLimits` (``max_notional_per_order``,
    ``max_position_notional``: ``{instrument_id: limit}``, checked by it), plus the rates. Rates are enforced by
    Nautilus' ``LiveRiskEngineConfig``. Notional limits are passed to it too but Nautilus 1.221 skips them for margin
    accounts, so the liqheat risk guard in the execution client enforces them
    (:mod:`~liqheat_nautilus.adapters.common.risk_guard`).

    Attributes
    ----------
    max_order_submit_rate, max_order_modify_rate : str
        ``"<count>/HH:MM:SS"``, e.g. ``"5/00:00:01"``.
    """

    max_order_submit_rate: str = "5/00:00:01"
    max_order_modify_rate: str = "5/00:00:01"

    def limits(self) -> RiskLimits:
        """
        Return the execution clients' limits (this section without the rates).

        Returns
        -------
        RiskLimits
        """
        return _base_config(self, RiskLimits)


class ShutdownSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[shutdown]``.

    Attributes
    ----------
    close_positions : bool
        On stop (Ctrl-C, ``--duration`` elapsed): cancel open orders and close positions of every strategy's
        instruments before the node stops (``true``), or leave positions open at the venue (``false``; open
        orders are still cancelled unless ``cancel_orders = false``).
    cancel_orders : bool
        Cancel open orders on stop.
    grace_secs : float
        Seconds allowed for the closing orders to fill before the node stops.
    """

    close_positions: bool = True
    cancel_orders: bool = True
    grace_secs: NonNegativeFloat = 5.0


class PollerSection(CcxtDataClientConfig, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """
    ``[poller]`` and its ``[[poller.targets]]``: the open-interest poller's settings plus its client id.

    Every field of :class:`~liqheat_nautilus.adapters.ccxt.config.CcxtDataClientConfig` (checked by it: positive
    intervals, at least one target, no credentials in ``ccxt_config``), plus the client id.

    Attributes
    ----------
    client_id : str
        The poller's data client id (request warm-up history from it).
    """

    client_id: str = "LIQHEAT_OI"

    def poller_config(self) -> CcxtDataClientConfig:
        """
        Return the adapter's config (this section without ``client_id``).

        Returns
        -------
        CcxtDataClientConfig
        """
        return _base_config(self, CcxtDataClientConfig)


class MonitorSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[monitor]``: :class:`~liqheat_nautilus.live.monitor.LiveFeedMonitor` for ``instrument_ids[0]``.

    The monitor is also what subscribes funding (mark-price stream), liquidation prints, trades and quotes at the
    Binance client: disable it only when another component subscribes them (the sandbox fills on trades/quotes).
    Not derived from ``LiveFeedMonitorConfig``: that is an ``ActorConfig`` whose ``instrument_id`` (here
    ``[binance] instrument_ids[0]``), client id and actor fields the node sets; these are the user's choices, with
    the same checks.

    Attributes
    ----------
    enabled : bool
        Add the monitor to the node (default ``true``).
    heartbeat_secs : int
        Log the feed counters every this many seconds (>= 0; 0 = never; default 60).
    stale_after_secs : int
        Warn at a heartbeat when no trade tick arrived for this many seconds (> 0; default 120).
    subscribe_quote_ticks : bool
        Subscribe quotes (``bookTicker``) as well as trades (default ``true``).
    """

    enabled: bool = True
    heartbeat_secs: NonNegativeInt = 60
    stale_after_secs: PositiveInt = 120
    subscribe_quote_ticks: bool = True


class MessageBusSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[message_bus]``: stream what the node publishes to Redis.

    NautilusTrader's ``MessageBusConfig`` with a Redis database: the map's clusters, snapshots and bins, the
    strategies' trade signals, bars, funding, liquidation prints, orders and positions, one Redis stream per topic
    (``trader-<trader_id>:stream:<topic>``). ``liqheat serve --live <redis_url>`` and any Redis consumer read them.
    The password, if any, comes from the environment variable ``REDIS_PASSWORD`` (never from this file).

    Attributes
    ----------
    redis_url : str
        ``redis://host:port`` or ``rediss://host:port`` (TLS); ``""`` (default) keeps the bus in memory.
    encoding : str
        ``"json"`` (readable by any consumer) or ``"msgpack"``.
    autotrim_mins : int
        Streams keep about this many minutes of entries (Redis >= 6.2); 0 keeps everything.
    buffer_interval_ms : int
        Batch writes every this many milliseconds (0: write each message at once).
    exclude_types : list[str]
        Types not streamed (high-rate market data by default): names from ``nautilus_trader.model.data`` or
        ``liqheat_nautilus.data``.
    """

    redis_url: str = ""
    encoding: str = "json"
    autotrim_mins: NonNegativeInt = 1440
    buffer_interval_ms: NonNegativeInt = 0
    exclude_types: list[str] = msgspec.field(
        default_factory=lambda: ["QuoteTick", "TradeTick", "OrderBookDelta", "OrderBookDeltas"])


class LiveFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    A whole live file.

    Attributes
    ----------
    name : str
        Run name.
    trader_id : str
        Nautilus trader id (``NAME-TAG``).
    log_level : str
        Nautilus log level.
    execution, binance, risk, shutdown, monitor, message_bus
        The sections above.
    sandbox : SandboxSection or None
        ``[sandbox]``, only with ``mode = "sandbox"`` (:meth:`paper_account`: its defaults when left out).
    poller : PollerSection or None
        ``[poller]``; without it no open-interest poller runs.
    actors, strategies : list[ComponentSection]
        Components, as in the backtest files.
    """

    name: str
    binance: BinanceSection
    trader_id: str = "LIQHEAT-001"
    log_level: str = "INFO"
    execution: ExecutionSection = msgspec.field(default_factory=ExecutionSection)
    sandbox: SandboxSection | None = None
    risk: RiskSection = msgspec.field(default_factory=RiskSection)
    shutdown: ShutdownSection = msgspec.field(default_factory=ShutdownSection)
    poller: PollerSection | None = None
    monitor: MonitorSection = msgspec.field(default_factory=MonitorSection)
    message_bus: MessageBusSection = msgspec.field(default_factory=MessageBusSection)
    actors: list[ComponentSection] = msgspec.field(default_factory=list)
    strategies: list[ComponentSection] = msgspec.field(default_factory=list)

    def paper_account(self) -> SandboxSection:
        """
        Return the ``[sandbox]`` section, or its defaults when the file has none.

        Returns
        -------
        SandboxSection
        """
        return self.sandbox if self.sandbox is not None else SandboxSection()
