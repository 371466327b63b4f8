"""
Factories of the liqheat Binance clients for a TradingNode: the data client and the risk-guarded execution clients.

They use the same HTTP client and instrument provider as Nautilus' own Binance factories.
"""

import asyncio

from nautilus_trader.adapters.binance.common.urls import get_ws_base_url
from nautilus_trader.adapters.binance.factories import (
    get_cached_binance_futures_instrument_provider,
    get_cached_binance_http_client,
)
from nautilus_trader.adapters.binance.futures.providers import BinanceFuturesInstrumentProvider
from nautilus_trader.adapters.binance.http.client import BinanceHttpClient
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.live.factories import LiveDataClientFactory, LiveExecClientFactory
from nautilus_trader.portfolio import PortfolioFacade

from liqheat_nautilus.adapters.binance.config import (
    GuardedBinanceExecClientConfig,
    GuardedSandboxExecClientConfig,
    LiqheatBinanceDataClientConfig,
)
from liqheat_nautilus.adapters.binance.data import LiqheatBinanceFuturesDataClient
from liqheat_nautilus.adapters.binance.execution import (
    GuardedBinanceFuturesExecutionClient,
    GuardedSandboxExecutionClient,
)


def _futures_client_and_provider(config: LiqheatBinanceDataClientConfig | GuardedBinanceExecClientConfig,
                                 clock: LiveClock) -> tuple[BinanceHttpClient, BinanceFuturesInstrumentProvider]:
    """
    Nautilus' cached Binance HTTP client and futures instrument provider for a config (as its own factories do).

    Raises
    ------
    ValueError
        If ``config.account_type`` is not a futures account type.
    """
    if not config.account_type.is_futures:
        raise ValueError(f"{type(config).__name__}.account_type must be a futures type, "
                         f"was {config.account_type.value}")
    client = get_cached_binance_http_client(
        clock=clock, account_type=config.account_type, api_key=config.api_key, api_secret=config.api_secret,
        key_type=config.key_type, base_url=config.base_url_http, is_testnet=config.testnet, is_us=config.us,
    )
    provider = get_cached_binance_futures_instrument_provider(
        client=client, clock=clock, account_type=config.account_type, config=config.instrument_provider,
        venue=config.venue,
    )
    return client, provider


class LiqheatBinanceLiveDataClientFactory(LiveDataClientFactory):
    """Builds the liqheat Binance futures data client; same HTTP client and instrument provider as Nautilus'."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: LiqheatBinanceDataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> LiqheatBinanceFuturesDataClient:
        """
        Create the client.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The node's event loop.
        name : str
            The client id (e.g. ``"BINANCE"``).
        config : LiqheatBinanceDataClientConfig
            The configuration (``account_type`` must be a futures type).
        msgbus, cache, clock
            The node's components.

        Returns
        -------
        LiqheatBinanceFuturesDataClient

        Raises
        ------
        ValueError
            If ``config.account_type`` is not a futures account type.
        """
        client, provider = _futures_client_and_provider(config, clock)
        base_url_ws = config.base_url_ws or get_ws_base_url(config.account_type, config.testnet, config.us)
        return LiqheatBinanceFuturesDataClient(
            loop=loop, client=client, msgbus=msgbus, cache=cache, clock=clock, instrument_provider=provider,
            base_url_ws=base_url_ws, config=config, account_type=config.account_type, name=name,
        )


class GuardedBinanceExecClientFactory(LiveExecClientFactory):
    """Builds :class:`GuardedBinanceFuturesExecutionClient` (futures account types only)."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: GuardedBinanceExecClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> GuardedBinanceFuturesExecutionClient:
        """
        Create the client (same HTTP client and instrument provider as Nautilus' factory).

        Parameters
        ----------
        loop, name, config, msgbus, cache, clock
            As ``BinanceLiveExecClientFactory.create``.

        Returns
        -------
        GuardedBinanceFuturesExecutionClient

        Raises
        ------
        ValueError
            If ``config.account_type`` is not a futures type.
        """
        client, provider = _futures_client_and_provider(config, clock)
        exec_client = GuardedBinanceFuturesExecutionClient(
            loop=loop, client=client, msgbus=msgbus, cache=cache, clock=clock, instrument_provider=provider,
            base_url_ws=config.base_url_ws or get_ws_base_url(config.account_type, config.testnet, config.us),
            account_type=config.account_type, name=name, config=config,
        )
        exec_client._risk_limits = config.risk_limits
        return exec_client


class GuardedSandboxExecClientFactory(LiveExecClientFactory):
    """Builds :class:`GuardedSandboxExecutionClient`."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: GuardedSandboxExecClientConfig,
        portfolio: PortfolioFacade,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> GuardedSandboxExecutionClient:
        """
        Create the client.

        Parameters
        ----------
        loop, name, config, portfolio, msgbus, cache, clock
            As ``SandboxLiveExecClientFactory.create``.

        Returns
        -------
        GuardedSandboxExecutionClient
        """
        exec_client = GuardedSandboxExecutionClient(loop=loop, clock=clock, portfolio=portfolio, msgbus=msgbus,
                                                    cache=cache, config=config)
        exec_client._risk_limits = config.risk_limits
        return exec_client


# Nautilus 1.221 ``live/node_builder.py`` passes the portfolio only to a factory whose ``__name__`` is exactly
# "SandboxLiveExecClientFactory" (``if factory.__name__ == "SandboxLiveExecClientFactory"``).
GuardedSandboxExecClientFactory.__name__ = "SandboxLiveExecClientFactory"
