"""Execution clients with the liqheat risk guard (:mod:`liqheat_nautilus.live.risk_guard`), their configs and
factories: Binance USD-M (testnet/mainnet) and Nautilus' sandbox (paper trading)."""

import asyncio

from nautilus_trader.adapters.binance.common.urls import get_ws_base_url
from nautilus_trader.adapters.binance.config import BinanceExecClientConfig
from nautilus_trader.adapters.binance.factories import (
    get_cached_binance_futures_instrument_provider,
    get_cached_binance_http_client,
)
from nautilus_trader.adapters.binance.futures.execution import BinanceFuturesExecutionClient
from nautilus_trader.adapters.sandbox.config import SandboxExecutionClientConfig
from nautilus_trader.adapters.sandbox.execution import SandboxExecutionClient
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.live.factories import LiveExecClientFactory
from nautilus_trader.portfolio import PortfolioFacade

from liqheat_nautilus.live.risk_guard import RiskGuardMixin, RiskLimits


class GuardedBinanceExecClientConfig(BinanceExecClientConfig, frozen=True):
    """
    ``BinanceExecClientConfig`` plus risk limits (quote currency, per instrument id string).

    Parameters
    ----------
    max_notional_per_order : dict[str, float], optional
        Largest order notional.
    max_position_notional : dict[str, float], optional
        Largest absolute net position notional an order may lead to.
    """

    max_notional_per_order: dict[str, float] | None = None
    max_position_notional: dict[str, float] | None = None


class GuardedSandboxExecClientConfig(SandboxExecutionClientConfig, frozen=True, kw_only=True):
    """``SandboxExecutionClientConfig`` plus the same risk limits as :class:`GuardedBinanceExecClientConfig`."""

    max_notional_per_order: dict[str, float] | None = None
    max_position_notional: dict[str, float] | None = None


class GuardedBinanceFuturesExecutionClient(RiskGuardMixin, BinanceFuturesExecutionClient):
    """Nautilus' Binance futures execution client with the risk guard."""


class GuardedSandboxExecutionClient(RiskGuardMixin, SandboxExecutionClient):
    """Nautilus' sandbox execution client with the risk guard."""


def _limits(config) -> RiskLimits:
    return RiskLimits(config.max_notional_per_order, config.max_position_notional)


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
            If ``config.account_type`` is not a futures type or a limit is invalid.
        """
        if not config.account_type.is_futures:
            raise ValueError(f"GuardedBinanceExecClientConfig.account_type must be a futures type, "
                             f"was {config.account_type.value}")
        limits = _limits(config)
        client = get_cached_binance_http_client(
            clock=clock, account_type=config.account_type, api_key=config.api_key, api_secret=config.api_secret,
            key_type=config.key_type, base_url=config.base_url_http, is_testnet=config.testnet, is_us=config.us,
        )
        provider = get_cached_binance_futures_instrument_provider(
            client=client, clock=clock, account_type=config.account_type, config=config.instrument_provider,
            venue=config.venue,
        )
        exec_client = GuardedBinanceFuturesExecutionClient(
            loop=loop, client=client, msgbus=msgbus, cache=cache, clock=clock, instrument_provider=provider,
            base_url_ws=config.base_url_ws or get_ws_base_url(config.account_type, config.testnet, config.us),
            account_type=config.account_type, name=name, config=config,
        )
        exec_client._risk_limits = limits
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

        Raises
        ------
        ValueError
            If a limit is invalid.
        """
        limits = _limits(config)
        exec_client = GuardedSandboxExecutionClient(loop=loop, clock=clock, portfolio=portfolio, msgbus=msgbus,
                                                    cache=cache, config=config)
        exec_client._risk_limits = limits
        return exec_client


# Nautilus 1.221 ``live/node_builder.py`` passes the portfolio only to a factory whose ``__name__`` is exactly
# "SandboxLiveExecClientFactory" (``if factory.__name__ == "SandboxLiveExecClientFactory"``).
GuardedSandboxExecClientFactory.__name__ = "SandboxLiveExecClientFactory"
