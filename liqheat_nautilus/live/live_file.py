"""The declarative live file (``config/live_binance.toml``): what ``liqheat live`` runs, loaded and checked.

Its sections (msgspec structs) are in :mod:`~liqheat_nautilus.live.sections` and re-exported here; this module reads
a file (:func:`load_live_file`) and checks what the types cannot (:func:`check_live_file`).
API keys are deliberately *not* fields: unknown fields are rejected, so a key pasted into the file fails loading.
"""

import re
from pathlib import Path

import msgspec

from liqheat_nautilus import validation
from liqheat_nautilus.adapters.binance.providers import binance_instrument_id, raw_symbol_of, usdm_settlement_asset
from liqheat_nautilus.components import ComponentSection, check_components, is_map_actor_config, non_finite
from liqheat_nautilus.config_messages import other_file_kind
from liqheat_nautilus.core.brackets import BINANCE_BTCUSDT_BRACKETS
from liqheat_nautilus.live.sections import (
    ACCOUNT_TYPES,
    EXECUTION_MODES,
    MAINNET_CONFIRMATION,
    BinanceSection,
    ExecutionSection,
    LiveFile,
    MessageBusSection,
    MonitorSection,
    PollerSection,
    RiskSection,
    SandboxSection,
    ShutdownSection,
)

__all__ = [
    "ACCOUNT_TYPES",
    "EXECUTION_MODES",
    "MAINNET_CONFIRMATION",
    "BinanceSection",
    "ExecutionSection",
    "LiveFile",
    "MessageBusSection",
    "MonitorSection",
    "PollerSection",
    "RiskSection",
    "SandboxSection",
    "ShutdownSection",
    "check_actor_clients",
    "check_live_file",
    "check_mainnet_guard",
    "check_message_bus",
    "describe_live_file",
    "load_live_file",
    "mainnet_flag_mismatch",
]


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
    path = validation.input_file(path, "live config (.toml)")
    raw = path.read_bytes()
    try:
        live = msgspec.toml.decode(raw, type=LiveFile)
    except msgspec.ValidationError as exc:
        hint = other_file_kind(msgspec.toml.decode(raw), path, "live file")
        raise ValueError(f"{path}: {validation.decode_message(exc)}{hint}") from exc
    except msgspec.DecodeError as exc:
        raise ValueError(f"{path}: {validation.decode_message(exc)}") from exc
    if live.execution.mode not in EXECUTION_MODES:
        raise ValueError(f"{path}: [execution] mode must be one of {EXECUTION_MODES}, was {live.execution.mode!r}")
    if not live.binance.instrument_ids:
        raise ValueError(f"{path}: [binance] instrument_ids is empty")
    try:
        check_live_file(live)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    _refuse_non_finite(msgspec.toml.decode(raw), path)  # after the checks naming a field's own range
    return live


def _refuse_non_finite(table: dict, path: Path) -> None:
    """
    Refuse a ``nan`` or ``inf`` anywhere in the file (TOML reads them as numbers; msgspec's ``> 0`` lets ``inf`` by).

    ``[poller] interval_secs = inf`` passed ``--check`` and the node never polled open interest; ``[shutdown]
    grace_secs = inf`` never finished stopping.

    Raises
    ------
    ValueError
        Naming the file and field, e.g. ``live.toml: [poller] interval_secs: inf is not a finite number``.
    """
    bad = non_finite(table)
    if bad is not None:
        name, value = bad
        section, dot, rest = name.partition(".")
        where = f"[{section}] {rest}" if dot and "[" not in section else name
        raise ValueError(f"{path}: {where}: {value} is not a finite number")


def check_live_file(live: LiveFile) -> None:
    """
    Check the values msgspec's types cannot, before Nautilus sees them.

    Nautilus' parsers would abort the process on a bad ``oms_type``, or fail while the node is built with a message
    naming no field. A ``[sandbox]`` section with a mode other than ``sandbox`` is refused (it was ignored: the
    orders went to the venue). Checks the instrument ids of ``[binance]`` (venue ``BINANCE``) and its
    ``liquidation_trade_types``, the ``[poller]`` client id (not the Binance data client's), of ``[risk]`` and of the
    components' ``instrument_id`` (each one of ``[binance] instrument_ids``), the ``[risk]`` rates and limits, the
    ``[sandbox]`` balances and ``oms_type``, every ``[[actors]]`` / ``[[strategies]]`` component
    (:func:`~liqheat_nautilus.components.check_component`: importable paths, config fields and types; each strategy
    is built once, :func:`~liqheat_nautilus.components.check_strategy_init`), the map actor's clients and the
    ``[message_bus]`` values (:func:`check_message_bus`).

    Parameters
    ----------
    live : LiveFile
        The decoded live file (msgspec has checked its types and unknown fields).

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
    validation.instrument_ids(live.binance.instrument_ids, "[binance] instrument_ids")  # an id listed twice
    unknown_types = [t for t in live.binance.liquidation_trade_types if t not in LIQUIDATION_TRADE_TYPES]
    if unknown_types:  # matched no trade: the node ran without liquidation prints, silently
        raise ValueError(f"[binance] liquidation_trade_types: unknown order type(s) {unknown_types}; valid: "
                         f"{', '.join(LIQUIDATION_TRADE_TYPES)} (the @trade stream's X of forced fills)")
    if live.poller is not None:
        _check_poller_client_id(live.poller.client_id)
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
        if not any(int(part) for part in rate.split("/")[1].split(":")):  # Nautilus refused it only at build
            raise ValueError(f"[risk] {name}: the interval must be longer than 00:00:00, e.g. '5/00:00:01'; "
                             f"got {rate!r}")
    for name in ("max_notional_per_order", "max_position_notional"):
        for iid in getattr(risk, name):
            validation.instrument_id(iid, f"[risk] {name} key")
            if iid not in live.binance.instrument_ids:  # a typo left every order of the traded id unlimited
                raise ValueError(f"[risk] {name} key {iid!r} is not one of [binance] instrument_ids "
                                 f"{list(live.binance.instrument_ids)}: the limit would apply to no order")
    if live.sandbox is not None and live.execution.mode != "sandbox":  # it was ignored: orders went to the venue
        raise ValueError(f'[sandbox] applies only with [execution] mode = "sandbox" (paper trading), but mode = '
                         f'"{live.execution.mode}" sends orders to Binance {live.execution.mode}: set mode = "sandbox" '
                         "or remove [sandbox]")
    paper = live.paper_account()
    balances = validation.balances(paper.starting_balances, "[sandbox] starting_balances")
    validation.enum_name(paper.oms_type, OmsType, "[sandbox] oms_type", exclude=("UNSPECIFIED",))
    if live.execution.mode == "sandbox":
        _check_sandbox_account(live, {b.currency.code for b in balances})
    def streamed(section: ComponentSection, field: str) -> None:
        used = section.config.get("instrument_id")
        if isinstance(used, str) and used not in live.binance.instrument_ids:
            raise ValueError(f"{field}.config: instrument_id {used!r} is not one of [binance] instrument_ids "
                             f"{list(live.binance.instrument_ids)}: the node loads and streams only those")

    check_components(live.actors, live.strategies, each=streamed)
    for i, section in enumerate(live.actors):
        if is_map_actor_config(section.config_path):
            check_actor_clients(section.config, live, f"actors[{i}].config")
    check_message_bus(live.message_bus)


LIQUIDATION_TRADE_TYPES = ("INSURANCE_FUND", "ADL")
"""``[binance] liquidation_trade_types`` values: the ``X`` (order type) of the futures ``@trade`` stream's forced fills
(``MARKET`` and ``NA`` are ordinary trades)."""

DATA_CLIENT_ID = "BINANCE"
"""The Binance data client's id in the node (:data:`liqheat_nautilus.live.node.BINANCE`)."""


def _check_poller_client_id(client_id: str) -> None:
    """
    Check ``[poller] client_id``: a Nautilus ``ClientId`` other than the Binance data client's.

    ``"BINANCE"`` replaced the Binance data client in the node's config (no market data) and its factory then
    failed with a ``KeyError`` traceback; an empty id aborted Nautilus' ``ClientId``.

    Raises
    ------
    ValueError
        Naming the field and the valid values.
    """
    if not client_id.strip() or not client_id.isascii() or not client_id.isprintable():
        raise ValueError(f"[poller] client_id must be a non-empty ASCII name, e.g. 'LIQHEAT_OI'; got {client_id!r}")
    if client_id == DATA_CLIENT_ID:
        raise ValueError(f"[poller] client_id must not be {DATA_CLIENT_ID!r}, the Binance data client's id (the "
                         "poller would replace it); use e.g. 'LIQHEAT_OI', and the same in the actor's "
                         "warmup_client_id")


BINANCE_MAX_LEVERAGE = max(BINANCE_BTCUSDT_BRACKETS.max_leverage)
"""Binance USD-M's highest leverage (x): its first maintenance-margin bracket (125x)."""


def _check_sandbox_account(live: LiveFile, currencies: set[str]) -> None:
    """
    Check the paper account against the traded contracts.

    A balance in each one's settlement currency (a USD-M contract settles in its quote currency, e.g. USDT for
    ``BTCUSDT-PERP``) and a leverage Binance allows.

    Raises
    ------
    ValueError
        Naming ``[sandbox] starting_balances`` or ``[sandbox] default_leverage``.
    """
    paper = live.paper_account()
    for iid in live.binance.instrument_ids:
        quote = usdm_settlement_asset(raw_symbol_of(iid))
        if quote is not None and quote not in currencies:  # the node's orders would all be denied for margin
            raise ValueError(f"[sandbox] starting_balances {list(paper.starting_balances)} hold no {quote}, "
                             f"the settlement currency of {iid}; give e.g. '10000 {quote}'")
    if paper.default_leverage > BINANCE_MAX_LEVERAGE:
        raise ValueError(f"[sandbox] default_leverage {paper.default_leverage:g} is above Binance's "
                         f"{BINANCE_MAX_LEVERAGE:g}x maximum; give 1 to {BINANCE_MAX_LEVERAGE:g}")


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


def mainnet_flag_mismatch(live: LiveFile, mainnet_flag: bool) -> bool:
    """
    Whether ``--mainnet`` disagrees with the file's mode: given for a non-mainnet file, or missing for a mainnet one.

    ``liqheat live`` reports such a guard failure as a usage error (exit 2); a mainnet file with the flag but
    without the confirmation is a problem of the file (exit 1).

    Parameters
    ----------
    live : LiveFile
        The file.
    mainnet_flag : bool
        Whether ``--mainnet`` was given.

    Returns
    -------
    bool
    """
    return mainnet_flag != (live.execution.mode == "mainnet")


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
        the flag with another mode (the message then names what a mainnet file lacks). The flag disagreeing with
        the mode is a usage error (see :func:`mainnet_flag_mismatch`).
    """
    mode = live.execution.mode
    if mode == "mainnet":
        missing = []  # both at once: a file lacking both took two runs to learn it
        if not mainnet_flag:
            missing.append("the --mainnet command-line flag")
        if live.execution.mainnet_confirm != MAINNET_CONFIRMATION:
            missing.append(f'[execution] mainnet_confirm = "{MAINNET_CONFIRMATION}"')
        if missing:
            raise ValueError(f'[execution] mode = "mainnet" also needs {" and ".join(missing)}')
    elif mainnet_flag:
        needs = ['[execution] mode = "mainnet"']
        if live.execution.mainnet_confirm != MAINNET_CONFIRMATION:
            needs.append(f'mainnet_confirm = "{MAINNET_CONFIRMATION}"')
        raise ValueError(f'--mainnet given but this is not a mainnet file: it has [execution] mode = "{mode}"; '
                         f'trading mainnet needs {" and ".join(needs)}, else leave out --mainnet')
