"""
Build a Nautilus ``TradingNode`` from a :class:`~liqheat_nautilus.live.live_file.LiveFile` and run it.

The run ends with a graceful, bounded shutdown.
"""

import asyncio
import contextlib
import importlib
import math
import signal
from collections.abc import Callable

from nautilus_trader.adapters.binance import BinanceAccountType
from nautilus_trader.config import (
    DatabaseConfig,
    ImportableActorConfig,
    ImportableStrategyConfig,
    InstrumentProviderConfig,
    LiveDataClientConfig,
    LiveExecClientConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
    LoggingConfig,
    MessageBusConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.identifiers import InstrumentId, TraderId

from liqheat_nautilus.adapters.binance.config import (
    GuardedBinanceExecClientConfig,
    LiqheatBinanceDataClientConfig,
)
from liqheat_nautilus.adapters.binance.factories import (
    GuardedBinanceExecClientFactory,
    GuardedSandboxExecClientFactory,
    LiqheatBinanceLiveDataClientFactory,
)
from liqheat_nautilus.adapters.ccxt.factories import CcxtLiveDataClientFactory
from liqheat_nautilus.live.keys import require_keys
from liqheat_nautilus.live.live_file import (
    DATA_CLIENT_ID,
    LiveFile,
    MessageBusSection,
    check_mainnet_guard,
    check_message_bus,
)
from liqheat_nautilus.recording import with_bins_published

BINANCE = DATA_CLIENT_ID


def build_node_config(live: LiveFile, mainnet_flag: bool = False, log_level: str | None = None) -> TradingNodeConfig:
    """
    Translate a live file into Nautilus' ``TradingNodeConfig``.

    Data: the liqheat Binance data client (client ``"BINANCE"``; testnet data in ``testnet`` mode, mainnet data
    otherwise) and, when ``[[poller.targets]]`` exist, the open-interest poller. Execution: Binance (testnet or
    mainnet) or Nautilus' sandbox (venue ``BINANCE``, filled from trades and quotes), both with the liqheat risk
    guard (:mod:`~liqheat_nautilus.adapters.common.risk_guard`: Nautilus' risk engine skips notional checks for margin
    accounts). Rate limits and ``max_notional_per_order`` also go into ``LiveRiskEngineConfig``.
    A :class:`~liqheat_nautilus.live.monitor.LiveFeedMonitor` is added first when enabled.

    Parameters
    ----------
    live : LiveFile
        The parsed file.
    mainnet_flag : bool, default False
        Whether ``--mainnet`` was given.
    log_level : str, optional
        Overrides ``live.log_level``.

    Returns
    -------
    TradingNodeConfig

    Raises
    ------
    ValueError
        If the mainnet guard fails (see :func:`~liqheat_nautilus.live.live_file.check_mainnet_guard`) or an
        account type is unknown.
    """
    check_mainnet_guard(live, mainnet_flag)
    mode = live.execution.mode
    b = live.binance
    try:
        account_type = BinanceAccountType[b.account_type]
    except KeyError:
        raise ValueError(f"[binance] account_type {b.account_type!r} unknown; use USDT_FUTURES") from None
    testnet = mode == "testnet"
    provider = InstrumentProviderConfig(load_ids=frozenset(InstrumentId.from_str(i) for i in b.instrument_ids))
    data_clients: dict[str, LiveDataClientConfig] = {
        BINANCE: LiqheatBinanceDataClientConfig(
            account_type=account_type, testnet=testnet, base_url_http=b.base_url_http or None,
            base_url_ws=b.base_url_ws or None, instrument_provider=provider,
            update_instruments_interval_mins=b.update_instruments_interval_mins or None,
            feeds=b.feeds(),
        ),
    }
    if live.poller is not None:
        data_clients[live.poller.client_id] = live.poller.poller_config()
    r = live.risk
    limits = r.limits()
    exec_clients: dict[str, LiveExecClientConfig]
    if mode == "sandbox":
        exec_clients = {BINANCE: live.paper_account().exec_config(BINANCE, limits)}
    else:
        exec_clients = {BINANCE: GuardedBinanceExecClientConfig(
            account_type=account_type, testnet=testnet, base_url_http=b.base_url_http or None,
            base_url_ws=b.base_url_ws or None, instrument_provider=provider, max_retries=3,
            retry_delay_initial_ms=1_000, retry_delay_max_ms=10_000, risk_limits=limits,
        )}
    actors = []
    if live.monitor.enabled:
        actors.append(ImportableActorConfig(
            actor_path="liqheat_nautilus.live.monitor:LiveFeedMonitor",
            config_path="liqheat_nautilus.live.monitor:LiveFeedMonitorConfig",
            config={"instrument_id": b.instrument_ids[0], "data_client_id": BINANCE,
                    "heartbeat_secs": live.monitor.heartbeat_secs,
                    "stale_after_secs": live.monitor.stale_after_secs,
                    "subscribe_quote_ticks": live.monitor.subscribe_quote_ticks},
        ))
    streams_bins = bool(live.message_bus.redis_url) and "LiquidationMapBins" not in live.message_bus.exclude_types
    actors += [ImportableActorConfig(actor_path=a.path, config_path=a.config_path,
                                     config=with_bins_published(a.config_path, a.config) if streams_bins
                                     else dict(a.config))
               for a in live.actors]
    keep = live.shutdown.close_positions
    strategies = [ImportableStrategyConfig(strategy_path=s.path, config_path=s.config_path,
                                           config=_strategy_config(s.config_path, s.config, keep))
                  for s in live.strategies]
    return TradingNodeConfig(
        trader_id=TraderId(live.trader_id),
        message_bus=message_bus_config(live.message_bus),
        logging=LoggingConfig(log_level=log_level or live.log_level),
        risk_engine=LiveRiskEngineConfig(
            max_order_submit_rate=r.max_order_submit_rate, max_order_modify_rate=r.max_order_modify_rate,
            # Nautilus' field is dict[str, int] (and skipped for margin accounts): the risk guard enforces the exact,
            # possibly fractional, limit; Nautilus gets it rounded up, never tighter
            max_notional_per_order={k: math.ceil(v) for k, v in r.max_notional_per_order.items()},
        ),
        exec_engine=LiveExecEngineConfig(reconciliation=mode != "sandbox"),
        data_clients=data_clients,
        exec_clients=exec_clients,
        actors=actors,
        strategies=strategies,
        timeout_connection=30.0,
        timeout_disconnection=10.0,
        timeout_post_stop=2.0,
    )


def message_bus_config(section: MessageBusSection) -> MessageBusConfig | None:
    """
    NautilusTrader's ``MessageBusConfig`` of a ``[message_bus]`` section (Redis streams), ``None`` when it is off.

    Parameters
    ----------
    section : MessageBusSection
        The section (``redis_url`` "" = off).

    Returns
    -------
    MessageBusConfig or None
        Redis database (password from ``REDIS_PASSWORD``), the encoding, one stream per topic, the trim window,
        and ``types_filter`` from ``exclude_types``.

    Raises
    ------
    ValueError
        As :func:`~liqheat_nautilus.live.live_file.check_message_bus` (which :func:`~liqheat_nautilus.live.
        live_file.load_live_file` already ran, naming the file).
    """
    import os
    from urllib.parse import urlparse

    excluded = check_message_bus(section)
    if not section.redis_url:
        return None
    url = urlparse(section.redis_url)
    return MessageBusConfig(
        database=DatabaseConfig(type="redis", host=url.hostname, port=url.port or 6379,
                                password=os.environ.get("REDIS_PASSWORD") or None, ssl=url.scheme == "rediss"),
        encoding=section.encoding, stream_per_topic=True, autotrim_mins=section.autotrim_mins or None,
        buffer_interval_ms=section.buffer_interval_ms or None,
        types_filter=excluded or None,
    )


def check_redis_reachable(section: MessageBusSection, timeout_secs: float = 3.0) -> None:
    """
    Check that the ``[message_bus]`` Redis server accepts a connection and the node's credentials (a ``PING``).

    NautilusTrader 1.221 reports nothing when its Redis message bus cannot connect or authenticate: the node ran,
    exited 0 and every stream was silently lost (a Redis with ``requirepass`` and no or a wrong ``REDIS_PASSWORD``,
    or ``REDIS_PASSWORD`` set for a Redis without a password). This check makes the run fail first instead, with
    the password the node would use (``REDIS_PASSWORD``; never shown).

    Parameters
    ----------
    section : MessageBusSection
        The section (``redis_url`` "" = off: nothing is checked).
    timeout_secs : float, default 3.0
        Connection and answer timeout (seconds).

    Raises
    ------
    RuntimeError
        If no TCP connection to the URL's host and port (default 6379) can be made, or the server refuses the
        password (or its absence) or does not answer a ``PING``; the message names the field.
    """
    import os
    import socket
    from urllib.parse import urlparse

    import redis
    import redis.exceptions

    if not section.redis_url:
        return
    url = urlparse(section.redis_url)
    address = (url.hostname, url.port or 6379)
    where = f"[message_bus] redis_url {section.redis_url!r}"
    try:
        with socket.create_connection(address, timeout=timeout_secs):
            pass
    except OSError as exc:
        raise RuntimeError(f"{where}: cannot connect to {address[0]}:"
                           f"{address[1]} ({exc.strerror or exc}); start Redis there or correct the address") from None
    password = os.environ.get("REDIS_PASSWORD") or None  # as message_bus_config gives it to Nautilus
    # RESP2 and an explicit AUTH: redis-py's own handshake (HELLO) ignores a password the server does not expect,
    # which Nautilus' bus does not
    client = redis.Redis(host=address[0] or "127.0.0.1", port=address[1], ssl=url.scheme == "rediss", protocol=2,
                         socket_connect_timeout=timeout_secs, socket_timeout=timeout_secs)
    try:
        if password:
            client.execute_command("AUTH", password)
        client.ping()
    except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as exc:
        if password:
            why = ("the server refused the password in REDIS_PASSWORD (a wrong password, or the server has none: "
                   "then unset REDIS_PASSWORD)")
        else:
            why = "the server requires a password: set REDIS_PASSWORD in the environment"
        raise RuntimeError(f"{where}: {why}; Nautilus would stream nothing ({type(exc).__name__})") from None
    except (redis.exceptions.RedisError, OSError) as exc:
        raise RuntimeError(f"{where}: {address[0]}:{address[1]} does not answer as a Redis server "
                           f"({type(exc).__name__}: {exc}); correct the address") from None
    finally:
        client.close()


REDIS_WATCH_SECS = 5.0
"""Seconds between the checks of the ``[message_bus]`` Redis while a node runs (:func:`watch_redis`)."""


async def watch_redis(section: MessageBusSection, outages: list[dict], interval_secs: float = REDIS_WATCH_SECS,
                      warn: Callable[[str], object] | None = None) -> None:
    """
    Check the ``[message_bus]`` Redis every ``interval_secs`` while a node runs and record each outage.

    NautilusTrader 1.221 reports no Redis write error, and (seen offline) writes nothing more to a Redis that was
    stopped and restarted during the run: without this watch such a run looked complete. Each check is
    :func:`check_redis_reachable` (in a thread: the node's loop runs on). Runs until cancelled.

    Parameters
    ----------
    section : MessageBusSection
        The section (with a ``redis_url``).
    outages : list of dict
        Appended to, one dict per outage: ``{"first_failed": ISO UTC, "answered_again": ISO UTC or None,
        "failed_checks": int, "problem": str}`` (``answered_again`` ``None`` while Redis stays unreachable). An
        outage may have begun up to ``interval_secs`` before ``first_failed``; one shorter than that may go unseen.
    interval_secs : float, default REDIS_WATCH_SECS
        Seconds between checks (also each check's timeout, at most 3 s).
    warn : callable, optional
        Called with one line when an outage begins and when Redis answers again (e.g. the node's logger).
    """
    import datetime as dt
    import functools

    def now() -> str:
        return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    loop = asyncio.get_running_loop()
    current: dict | None = None
    while True:
        await asyncio.sleep(interval_secs)
        try:
            await loop.run_in_executor(None, functools.partial(check_redis_reachable, section,
                                                               min(3.0, interval_secs)))
        except RuntimeError as exc:
            if current is None:
                current = {"first_failed": now(), "answered_again": None, "failed_checks": 0, "problem": str(exc)}
                outages.append(current)
                if warn is not None:
                    warn(f"{exc}: stream messages are being lost (NautilusTrader reports no Redis write error)")
            current["failed_checks"] += 1
        else:
            if current is not None:
                current["answered_again"] = now()
                if warn is not None:
                    warn(f"[message_bus] redis_url {section.redis_url!r} answers again (unreachable since "
                         f"{current['first_failed']}); NautilusTrader may not write to it again in this run")
                current = None


def build_node(live: LiveFile, mainnet_flag: bool = False, log_level: str | None = None) -> TradingNode:
    """
    Build (but not start) the ``TradingNode`` of a live file, after checking the environment keys.

    Parameters
    ----------
    live, mainnet_flag, log_level
        As for :func:`build_node_config`.

    Returns
    -------
    TradingNode
        Built; one per process (its event loop is closed by ``dispose()``).

    Raises
    ------
    ValueError
        See :func:`build_node_config`.
    RuntimeError
        If the API key variables of the mode are missing (the message names them) or the ``[message_bus]`` Redis
        server cannot be reached (:func:`check_redis_reachable`).
    """
    config = build_node_config(live, mainnet_flag, log_level)
    require_keys(live.execution.mode)
    check_redis_reachable(live.message_bus)
    node = TradingNode(config=config)
    node.add_data_client_factory(BINANCE, LiqheatBinanceLiveDataClientFactory)
    if live.poller is not None:
        node.add_data_client_factory(live.poller.client_id, CcxtLiveDataClientFactory)
    if live.execution.mode == "sandbox":
        node.add_exec_client_factory(BINANCE, GuardedSandboxExecClientFactory)
    else:
        node.add_exec_client_factory(BINANCE, GuardedBinanceExecClientFactory)
    node.build()
    return node


def flatten_or_keep(node: TradingNode, close_positions: bool, cancel_orders: bool = True) -> int:
    """
    Shutdown policy: cancel open orders and (optionally) close positions of every strategy's instruments.

    Parameters
    ----------
    node : TradingNode
        The running node.
    close_positions : bool
        Close open positions with market orders (``False``: keep them open at the venue).
    cancel_orders : bool, default True
        Cancel open orders.

    Returns
    -------
    int
        Number of open positions found (closed or kept).
    """
    cache = node.kernel.cache
    n_open = 0
    for strategy in node.trader.strategies():
        instruments = {o.instrument_id for o in cache.orders(strategy_id=strategy.id)}
        instruments |= {p.instrument_id for p in cache.positions_open(strategy_id=strategy.id)}
        for instrument_id in instruments:
            if cancel_orders:
                strategy.cancel_all_orders(instrument_id)
            positions = cache.positions_open(instrument_id=instrument_id, strategy_id=strategy.id)
            n_open += len(positions)
            if close_positions and positions:
                strategy.close_all_positions(instrument_id)
    return n_open


def connection_problem(node: TradingNode) -> str:
    """
    Why a node's trader is not running: which clients are not connected, and why where a client recorded it.

    Parameters
    ----------
    node : TradingNode
        A started (or starting) node.

    Returns
    -------
    str
        E.g. ``"data client BINANCE not connected: cannot connect to 127.0.0.1:9 (Connection refused) for
        http://127.0.0.1:9"``: each unconnected client with its ``connect_cause``
        (:class:`~liqheat_nautilus.adapters.binance.connect.ConnectCauseMixin`), or that its connect had not
        finished when it recorded none; ``""`` when every client is connected.
    """
    return "; ".join(f"{what} client {name} not connected: {why}" if failed else
                     f"{what} client {name} not connected ({why})"
                     for what, name, failed, why in _unconnected_clients(node))


def _unconnected_clients(node: TradingNode) -> list[tuple[str, str, bool, str]]:
    """
    Return ``("data" | "execution", client id, failed, why)`` of each client not connected.

    ``failed``: the client recorded a failed connect (``connect_cause``), ``why`` says what; else ``why`` says its
    connect had not finished (with the URL it talks to, when it gives it).
    """
    down = []
    for what, engine in (("data", node.kernel.data_engine), ("execution", node.kernel.exec_engine)):
        if engine.check_connected():
            continue
        clients = getattr(engine, "_clients", {})  # Nautilus' own registry (read-only); the summary reads it too
        for cid in engine.registered_clients:
            client = clients.get(cid)
            if getattr(client, "is_connected", False):
                continue
            cause = getattr(client, "connect_cause", "")
            url = getattr(client, "connect_url", "")
            pending = f"no failure recorded: its connect{f' to {url}' if url else ''} had not finished"
            down.append((what, str(cid), bool(cause), cause or pending))
    return down


async def _await_trader(node: TradingNode, run_task: asyncio.Future) -> str:
    """
    Wait until the trader runs; return why it never will (its clients did not connect in time), else ``""``.

    The kernel waits ``timeout_connection`` seconds for its clients, then reconciles and initialises the
    portfolio (``timeout_reconciliation``, ``timeout_portfolio``) before it starts the trader. When every client
    not connected has a recorded failed connect (``connect_cause``), the answer comes at once: Nautilus does not
    retry a failed connect, and waiting out the timeout only delayed the error.
    """
    config = node.kernel.config if hasattr(node.kernel, "config") else None
    connect = float(getattr(config, "timeout_connection", 30.0) or 30.0)
    total = connect + float(getattr(config, "timeout_reconciliation", 10.0) or 0.0) \
        + float(getattr(config, "timeout_portfolio", 10.0) or 0.0) + 5.0
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not node.trader.is_running:
        elapsed = loop.time() - started
        down = _unconnected_clients(node)
        if down and all(failed for _, _, failed, _ in down):  # each one's connect failed: Nautilus does not retry
            return f"the node could not connect: {connection_problem(node)}"
        problem = connection_problem(node)
        if (elapsed > connect + 1.0 and problem) or elapsed > total or run_task.done():
            why = problem or "the trader did not start"
            return f"the node did not connect within its {connect:g} s timeout: {why}"
        await asyncio.sleep(0.1)
    return ""


async def run_node_async(node: TradingNode, live: LiveFile, duration_secs: float | None = None) -> dict:
    """
    Run a built node until ``duration_secs`` elapse or SIGINT/SIGTERM, then shut down gracefully.

    Shutdown: apply :func:`flatten_or_keep` per ``[shutdown]``, wait ``grace_secs`` for fills, stop the node. A node
    whose clients do not connect within the kernel's ``timeout_connection`` is stopped at once.

    Parameters
    ----------
    node : TradingNode
        Built node.
    live : LiveFile
        The file (shutdown policy).
    duration_secs : float, optional
        Bounded run (smoke tests, CI); ``None`` runs until a signal.

    Returns
    -------
    dict
        ``{"open_positions_at_stop": int, "stopped_by": "duration" | "signal" | "node" | "not-connected",
        "trader_started": bool, "problem": str}``; ``problem`` says why the trader never ran (``""`` when it did).
        With a ``[message_bus]`` Redis also ``"redis_outages"``: the outages :func:`watch_redis` saw during the run.
    """
    loop = asyncio.get_running_loop()
    stop_event = asyncio.Event()
    stopped_by = "duration"
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop_event.set)
    started = loop.time()
    outages: list[dict] = []
    redis_watch = None
    if live.message_bus.redis_url:
        logger = getattr(node.kernel, "logger", None)
        redis_watch = asyncio.ensure_future(watch_redis(live.message_bus, outages, REDIS_WATCH_SECS,
                                                        warn=getattr(logger, "warning", None)))
    run_task = asyncio.ensure_future(node.run_async())
    waiter = asyncio.ensure_future(stop_event.wait())
    watch = asyncio.ensure_future(_await_trader(node, run_task))
    done, _ = await asyncio.wait({run_task, waiter, watch}, timeout=duration_secs,
                                 return_when=asyncio.FIRST_COMPLETED)
    if watch in done and watch.result():
        stopped_by = "not-connected"
    elif watch in done:  # the trader runs: wait for the end of the run as before
        left = None if duration_secs is None else max(0.0, duration_secs - (loop.time() - started))
        done, _ = await asyncio.wait({run_task, waiter}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        stopped_by = "signal"
    elif run_task in done:
        stopped_by = "node"
    trader_started = node.trader.is_running
    problem = watch.result() if watch.done() else ""
    if not trader_started and not problem:
        problem = f"the node stopped ({stopped_by}) before its trader ran: " \
                  f"{connection_problem(node) or 'the trader did not start'}"
    watch.cancel()
    waiter.cancel()
    if redis_watch is not None:
        redis_watch.cancel()
    sd = live.shutdown
    n_open = flatten_or_keep(node, sd.close_positions, sd.cancel_orders) if node.trader.is_running else 0
    if trader_started and (n_open or sd.cancel_orders):  # a trader that never ran sent nothing to wait for
        await asyncio.sleep(sd.grace_secs)
    await node.stop_async()
    await asyncio.sleep(0.5)
    if not run_task.done():  # e.g. the kernel still awaiting its clients; Nautilus logs the message as an ERROR
        run_task.cancel(msg=f"liqheat live cancelled the node's run (stopped by: {stopped_by})")
    await asyncio.gather(run_task, return_exceptions=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(sig)
    info = {"open_positions_at_stop": n_open, "stopped_by": stopped_by, "trader_started": trader_started,
            "problem": problem}
    if redis_watch is not None:
        info["redis_outages"] = outages
    return info


def _strategy_config(config_path: str, config: dict, close_positions: bool) -> dict:
    """
    Return a strategy's config dict, with ``flatten_on_stop = close_positions`` added where it applies.

    Added when its config class has that field and the file does not set it (so ``[shutdown] close_positions =
    false`` also keeps the strategies from flattening).
    """
    result = dict(config)
    if "flatten_on_stop" not in result:
        module, _, name = config_path.partition(":")
        cls = getattr(importlib.import_module(module), name)
        if "flatten_on_stop" in getattr(cls, "__struct_fields__", ()):
            result["flatten_on_stop"] = close_positions
    return result
