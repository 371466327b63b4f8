"""The declarative live file (``config/live_binance.toml``): what ``liqheat live`` runs.

API keys are deliberately *not* fields: unknown fields are rejected, so a key pasted into the file fails loading.
"""

import re
from pathlib import Path

import msgspec
from nautilus_trader.common.config import NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt

from liqheat_nautilus import validation
from liqheat_nautilus.adapters.binance.providers import binance_instrument_id, raw_symbol_of
from liqheat_nautilus.adapters.ccxt.config import OpenInterestPollerConfig
from liqheat_nautilus.components import (
    ComponentKind,
    ComponentSection,
    check_component,
    check_strategy_init,
    is_map_actor_config,
)

EXECUTION_MODES = ("testnet", "sandbox", "mainnet")
ACCOUNT_TYPES = ("USDT_FUTURES",)
"""``[binance] account_type`` values: Binance USD-M only. ``COIN_FUTURES`` is refused: Nautilus 1.221's Binance
provider builds COIN-M perpetuals as linear contracts of multiplier 1 (``BTCUSD_PERP``: 10 contracts at 65,000 valued
650,000 USD instead of 10 x 100 = 1,000 USD), so order and position notionals, the risk guard's limits and the
liquidation prints' notionals would all be off by price / contract size."""
MAINNET_CONFIRMATION = "I accept real-money trading on Binance mainnet"
"""Exact text ``[execution] mainnet_confirm`` must hold, together with the ``--mainnet`` flag, for mainnet."""


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


class BinanceSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[binance]``: the Binance USD-M data (and execution) clients.

    Attributes
    ----------
    instrument_ids : list[str]
        Nautilus ids loaded from the venue, e.g. ``["BTCUSDT-PERP.BINANCE"]``.
    account_type : str
        ``"USDT_FUTURES"`` (the only one: see :data:`ACCOUNT_TYPES` for why COIN-M is refused).
    base_url_http, base_url_ws : str
        Endpoint overrides ("" = Nautilus' default for the mode); the offline tests point them at 127.0.0.1.
    funding_interval_hours : float
        Funding interval of the instruments (8 for BTCUSDT).
    funding_min_interval_secs : int
        Minimum spacing of published funding updates whose only change is the rate.
    liquidation_trade_types : list[str]
        ``@trade`` order types published as liquidation prints.
    update_instruments_interval_mins : int
        Instrument reload interval (0 = never).
    """

    instrument_ids: list[str]
    account_type: str = "USDT_FUTURES"
    base_url_http: str = ""
    base_url_ws: str = ""
    funding_interval_hours: PositiveFloat = 8.0
    funding_min_interval_secs: NonNegativeInt = 60
    liquidation_trade_types: list[str] = msgspec.field(default_factory=lambda: ["INSURANCE_FUND"])
    update_instruments_interval_mins: NonNegativeInt = 60


class SandboxSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[sandbox]``: the simulated account of ``mode = "sandbox"`` (Nautilus ``SandboxExecutionClientConfig``).

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


class RiskSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[risk]``: order limits; orders that break them are denied (``OrderDenied``) before reaching the venue.

    Rates are enforced by Nautilus' ``LiveRiskEngineConfig``. Notional limits are passed to it too but Nautilus 1.221
    skips them for margin accounts, so the liqheat risk guard in the execution client enforces them
    (:mod:`~liqheat_nautilus.live.risk_guard`).

    Attributes
    ----------
    max_order_submit_rate, max_order_modify_rate : str
        ``"<count>/HH:MM:SS"``, e.g. ``"5/00:00:01"``.
    max_notional_per_order : dict[str, int]
        ``{instrument_id: max order notional in quote currency}``; an instrument missing here is unlimited.
    max_position_notional : dict[str, int]
        ``{instrument_id: max absolute net position notional}`` an order may lead to (reduce-only orders exempt).
    """

    max_order_submit_rate: str = "5/00:00:01"
    max_order_modify_rate: str = "5/00:00:01"
    max_notional_per_order: dict[str, int] = msgspec.field(default_factory=dict)
    max_position_notional: dict[str, int] = msgspec.field(default_factory=dict)


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


class PollerSection(OpenInterestPollerConfig, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """
    ``[poller]`` and its ``[[poller.targets]]``: the open-interest poller's settings plus its client id.

    Every field of :class:`~liqheat_nautilus.adapters.ccxt.config.OpenInterestPollerConfig` (checked by it: positive
    intervals, at least one target, no credentials in ``ccxt_config``), plus the client id.

    Attributes
    ----------
    client_id : str
        The poller's data client id (request warm-up history from it).
    """

    client_id: str = "LIQHEAT_OI"

    def poller_config(self) -> OpenInterestPollerConfig:
        """Return the adapter's config (this section without ``client_id``)."""
        fields = msgspec.structs.asdict(self)
        del fields["client_id"]
        return OpenInterestPollerConfig(**fields)


class MonitorSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    ``[monitor]``: :class:`~liqheat_nautilus.live.monitor.LiveFeedMonitor` for ``instrument_ids[0]``.

    The monitor is also what subscribes funding (mark-price stream), liquidation prints, trades and quotes at the
    Binance client: disable it only when another component subscribes them (the sandbox fills on trades/quotes).
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
    execution, binance, sandbox, risk, shutdown, monitor, message_bus
        The sections above.
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
    sandbox: SandboxSection = msgspec.field(default_factory=SandboxSection)
    risk: RiskSection = msgspec.field(default_factory=RiskSection)
    shutdown: ShutdownSection = msgspec.field(default_factory=ShutdownSection)
    poller: PollerSection | None = None
    monitor: MonitorSection = msgspec.field(default_factory=MonitorSection)
    message_bus: MessageBusSection = msgspec.field(default_factory=MessageBusSection)
    actors: list[ComponentSection] = msgspec.field(default_factory=list)
    strategies: list[ComponentSection] = msgspec.field(default_factory=list)


def load_live_file(path: str | Path) -> LiveFile:
    """
    Read and validate a live file.

    Parameters
    ----------
    path : str or Path
        The TOML live file (its sections are the fields of :class:`LiveFile`).

    Returns
    -------
    LiveFile
        Every section decoded and checked; sections the file leaves out hold their defaults.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        For a missing, unknown (e.g. an ``api_key``), mistyped or out-of-range field (msgspec names it and its
        section), a credential inside ``[poller] ccxt_config``, an unknown execution mode, an empty
        ``instrument_ids``, or a value Nautilus would reject only while building the node (:func:`check_live_file`).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"live config not found: {path}")
    try:
        live = msgspec.toml.decode(path.read_bytes(), type=LiveFile)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    if live.execution.mode not in EXECUTION_MODES:
        raise ValueError(f"{path}: [execution] mode must be one of {EXECUTION_MODES}, was {live.execution.mode!r}")
    if not live.binance.instrument_ids:
        raise ValueError(f"{path}: [binance] instrument_ids is empty")
    try:
        check_live_file(live)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return live


def check_live_file(live: LiveFile) -> None:
    """
    Check the values msgspec's types cannot, before Nautilus sees them.

    Nautilus' parsers would abort the process on a bad ``oms_type``, or fail while the node is built with a message
    naming no field. Checks the instrument ids of ``[binance]`` (venue ``BINANCE``), of ``[risk]`` and of the
    components' ``instrument_id`` (each one of ``[binance] instrument_ids``), the ``[risk]`` rates and limits, the
    ``[sandbox]`` balances and ``oms_type``, every ``[[actors]]`` / ``[[strategies]]`` component
    (:func:`~liqheat_nautilus.components.check_component`: importable paths, config fields and types; each strategy
    is built once, :func:`~liqheat_nautilus.components.check_strategy_init`), the map actor's clients and the
    ``[message_bus]`` values (:func:`check_message_bus`).

    Raises
    ------
    ValueError
        One line naming the field (without the file name; :func:`load_live_file` adds it).
    """
    from nautilus_trader.model.enums import OmsType

    for i, iid in enumerate(live.binance.instrument_ids):
        if validation.instrument_id(iid, f"[binance] instrument_ids[{i}]").venue.value != "BINANCE":
            raise ValueError(f"[binance] instrument_ids[{i}] {iid!r} is not a Binance instrument: the Binance "
                             "clients load and trade ids of venue BINANCE only, e.g. 'ETHUSDT-PERP.BINANCE'")
        try:
            nautilus_id = binance_instrument_id(raw_symbol_of(iid)).value
        except ValueError as exc:  # e.g. '-PERP.BINANCE': no symbol
            raise ValueError(f"[binance] instrument_ids[{i}] {iid!r} is not a Binance contract id ({exc}), e.g. "
                             "'ETHUSDT-PERP.BINANCE'") from None
        if nautilus_id != iid:  # Nautilus' provider would load nothing under it, and nothing would stream
            raise ValueError(f"[binance] instrument_ids[{i}] {iid!r} is not the id NautilusTrader's Binance adapter "
                             f"gives the contract; did you mean {nautilus_id!r}?")
    if live.binance.account_type not in ACCOUNT_TYPES:
        why = (": Nautilus 1.221 loads COIN-M perpetuals as linear contracts of multiplier 1, so notionals, risk "
               "limits and liquidation prints would be wrong" if live.binance.account_type == "COIN_FUTURES" else "")
        raise ValueError(f"[binance] account_type must be one of {', '.join(ACCOUNT_TYPES)}; "
                         f"got {live.binance.account_type!r}{why}")
    risk = live.risk
    for name in ("max_order_submit_rate", "max_order_modify_rate"):
        rate = getattr(risk, name)
        if not re.fullmatch(r"[1-9][0-9]*/[0-9]+:[0-5][0-9]:[0-5][0-9]", rate):
            raise ValueError(f"[risk] {name} must be '<count>/HH:MM:SS', e.g. '5/00:00:01'; got {rate!r}")
    for name in ("max_notional_per_order", "max_position_notional"):
        for iid, limit in getattr(risk, name).items():
            validation.instrument_id(iid, f"[risk] {name} key")
            if iid not in live.binance.instrument_ids:  # a typo left every order of the traded id unlimited
                raise ValueError(f"[risk] {name} key {iid!r} is not one of [binance] instrument_ids "
                                 f"{list(live.binance.instrument_ids)}: the limit would apply to no order")
            if limit <= 0:
                raise ValueError(f"[risk] {name}[{iid!r}] must be > 0 (leave the instrument out for no limit); "
                                 f"got {limit}")
    for i, balance in enumerate(live.sandbox.starting_balances):
        validation.money(balance, f"[sandbox] starting_balances[{i}]")
    validation.enum_name(live.sandbox.oms_type, OmsType, "[sandbox] oms_type", exclude=("UNSPECIFIED",))
    components: list[tuple[ComponentKind, list[ComponentSection], str]] = [
        ("actor", live.actors, "actors"), ("strategy", live.strategies, "strategies")]
    for kind, sections, where in components:
        for i, section in enumerate(sections):
            config = check_component(section, kind, f"{where}[{i}]")
            if kind == "strategy":
                check_strategy_init(section, config, f"{where}[{i}]")
            used = section.config.get("instrument_id")
            if isinstance(used, str) and used not in live.binance.instrument_ids:
                raise ValueError(f"{where}[{i}].config: instrument_id {used!r} is not one of [binance] "
                                 f"instrument_ids {list(live.binance.instrument_ids)}: the node loads and "
                                 "streams only those")
    for i, section in enumerate(live.actors):
        if is_map_actor_config(section.config_path):
            check_actor_clients(section.config, live, f"actors[{i}].config")
    check_message_bus(live.message_bus)


def describe_live_file(live: LiveFile) -> str:
    """
    One line saying what a checked live file runs (``liqheat live --check``).

    Parameters
    ----------
    live : LiveFile
        A loaded file.

    Returns
    -------
    str
        Mode, instruments, poll targets, actors and strategies, e.g. ``mode testnet; instruments
        BTCUSDT-PERP.BINANCE; poll targets binance:BTC/USDT:USDT -> BTCUSDT-PERP.BINANCE; actors
        LiquidationMapActor; strategies LiquidationHuntStrategy``.
    """
    targets = [f"{t.key} -> {t.instrument_id}" for t in live.poller.targets] if live.poller is not None else []
    return "; ".join([
        f"mode {live.execution.mode}", f"instruments {', '.join(live.binance.instrument_ids)}",
        f"poll targets {', '.join(targets) or 'none'}",
        f"actors {', '.join(a.path.rpartition(':')[2] for a in live.actors) or 'none'}",
        f"strategies {', '.join(s.path.rpartition(':')[2] for s in live.strategies) or 'none'}",
    ])


def check_actor_clients(config: dict, live: LiveFile, where: str) -> None:
    """
    Check that an actor's data clients and open-interest instruments exist in the node the live file builds.

    The actor's requests and subscriptions to a client id the node does not have went nowhere (its warm-up waited
    for its timeout), and an open-interest instrument no poll target publishes never reached the map: both silently.

    Parameters
    ----------
    config : dict
        The actor's ``[actors.config]`` (keys ``warmup_client_id``, ``liquidation_client_id``, ``oi_instrument_ids``,
        ``instrument_id`` of :class:`~liqheat_nautilus.actor.LiquidationMapActorConfig`; absent keys are not checked).
    live : LiveFile
        The file (its ``[poller]`` client id and targets).
    where : str
        The section, named in the error.

    Raises
    ------
    ValueError
        If ``warmup_client_id`` is not the ``[poller]`` client id (the Binance data clients answer no request
        for ``OpenInterest``/``FundingRate``), ``liquidation_client_id`` is
        not ``"BINANCE"`` (the one client streaming liquidations), or, with a ``[poller]``, an id of
        ``oi_instrument_ids`` (default ``[instrument_id]``) is the ``instrument_id`` of no poll target.
    """
    warmup = config.get("warmup_client_id")
    poller = live.poller.client_id if live.poller is not None else None
    if warmup and warmup != poller:  # the Binance data clients implement no request for custom data
        where_from = f"the [poller] client id {poller!r}" if poller else "a [poller] client id (there is none)"
        raise ValueError(f"{where}: warmup_client_id {warmup!r} must be {where_from}: only the poller answers the "
                         "warm-up's OpenInterest and FundingRate requests")
    liquidation = config.get("liquidation_client_id")
    if liquidation and liquidation != "BINANCE":
        raise ValueError(f"{where}: liquidation_client_id must be 'BINANCE' (the client streaming liquidation "
                         f"prints), was {liquidation!r}")
    if live.poller is None:
        return
    published = [t.instrument_id for t in live.poller.targets if t.open_interest]
    wanted = config.get("oi_instrument_ids") or ([config["instrument_id"]] if "instrument_id" in config else [])
    missing = [iid for iid in wanted if iid not in published]
    if missing:
        raise ValueError(f"{where}: open interest of {missing} is published by no [[poller.targets]] (they publish "
                         f"{published}): add a target with that instrument_id or correct oi_instrument_ids")


def check_message_bus(section: MessageBusSection) -> list[type]:
    """
    Check a ``[message_bus]`` section's values and return the data classes it keeps off the bus.

    Parameters
    ----------
    section : MessageBusSection
        The section (``redis_url`` "" = off: nothing else is checked).

    Returns
    -------
    list[type]
        The classes named in ``exclude_types`` (empty when the bus is off).

    Raises
    ------
    ValueError
        One line naming the field (without the file name; :func:`load_live_file` adds it): a URL that is not
        ``redis://host:port`` / ``rediss://host:port``, carries a password or a database other than 0, an unknown
        encoding, or a type name that is not a Nautilus or liqheat data type (the valid ones are listed).
    """
    from urllib.parse import urlparse

    import nautilus_trader.model.data as nautilus_data

    import liqheat_nautilus.data as liqheat_data

    if not section.redis_url:
        return []
    url = urlparse(section.redis_url)
    try:
        port = url.port  # urllib raises on a port that is not a number in 0-65535
    except ValueError:
        port = -1
    if url.scheme not in ("redis", "rediss") or not url.hostname or port == -1 or port == 0:
        raise ValueError(f"[message_bus] redis_url must be redis://host:port or rediss://host:port (port 1-65535), "
                         f"was {section.redis_url!r}")
    if url.password:
        raise ValueError("[message_bus] redis_url must not hold a password: set REDIS_PASSWORD in the environment")
    if url.path not in ("", "/", "/0"):
        raise ValueError(f"[message_bus] redis_url: NautilusTrader streams to database 0 only, was {url.path!r}")
    if section.encoding not in ("json", "msgpack"):
        raise ValueError(f"[message_bus] encoding must be 'json' or 'msgpack', was {section.encoding!r}")
    known = {n: getattr(nautilus_data, n) for n in dir(nautilus_data) if isinstance(getattr(nautilus_data, n), type)}
    known.update({n: getattr(liqheat_data, n) for n in liqheat_data.__all__ if isinstance(getattr(liqheat_data, n),
                                                                                         type)})
    unknown = [n for n in section.exclude_types if n not in known]
    if unknown:
        raise ValueError(f"[message_bus] exclude_types: unknown type(s) {unknown}; valid: {sorted(known)}")
    return [known[n] for n in section.exclude_types]


def check_mainnet_guard(live: LiveFile, mainnet_flag: bool) -> None:
    """
    Mainnet needs both the ``--mainnet`` flag and the confirmation text; the flag alone on another mode is an error.

    Parameters
    ----------
    live : LiveFile
        The file.
    mainnet_flag : bool
        Whether ``--mainnet`` was given.

    Raises
    ------
    ValueError
        If ``mode = "mainnet"`` without the flag or without ``mainnet_confirm`` = :data:`MAINNET_CONFIRMATION`, or
        the flag with another mode.
    """
    mode = live.execution.mode
    if mode == "mainnet":
        if not mainnet_flag:
            raise ValueError('[execution] mode = "mainnet" also needs the --mainnet command-line flag')
        if live.execution.mainnet_confirm != MAINNET_CONFIRMATION:
            raise ValueError(f'[execution] mode = "mainnet" needs mainnet_confirm = "{MAINNET_CONFIRMATION}"')
    elif mainnet_flag:
        raise ValueError(f'--mainnet given but [execution] mode = "{mode}"; set mode = "mainnet" to trade mainnet')
