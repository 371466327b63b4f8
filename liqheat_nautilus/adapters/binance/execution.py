"""
Execution clients with the liqheat risk guard (:mod:`liqheat_nautilus.adapters.common.risk_guard`).

Binance USD-M (testnet/mainnet) and Nautilus' sandbox (paper trading on Binance's live trades and quotes).
"""

from nautilus_trader.adapters.binance.futures.execution import BinanceFuturesExecutionClient
from nautilus_trader.adapters.sandbox.execution import SandboxExecutionClient

from liqheat_nautilus.adapters.binance.connect import ConnectCauseMixin
from liqheat_nautilus.adapters.common.risk_guard import RiskGuardMixin


class GuardedBinanceFuturesExecutionClient(ConnectCauseMixin, RiskGuardMixin, BinanceFuturesExecutionClient):
    """
    Nautilus' Binance futures execution client with the risk guard; a failed connect leaves ``connect_cause``.

    Built by :class:`~liqheat_nautilus.adapters.binance.factories.GuardedBinanceExecClientFactory`, which sets the
    limits (``_risk_limits``, from ``config.risk_limits``) after construction. The parameters are those of
    ``BinanceFuturesExecutionClient``, all by keyword.

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The node's event loop.
    client : BinanceHttpClient
        The Binance HTTP client (API key and secret, base URL).
    msgbus : MessageBus
        The node's message bus.
    cache : Cache
        The node's cache (instruments, quotes, open positions that the guard values orders with).
    clock : LiveClock
        The node's clock.
    instrument_provider : BinanceFuturesInstrumentProvider
        Loads the venue's futures instruments.
    base_url_ws : str
        The user-data websocket's base URL (testnet or mainnet).
    config : GuardedBinanceExecClientConfig
        The configuration (account type, testnet, ``risk_limits``, ...).
    account_type : BinanceAccountType, default BinanceAccountType.USDT_FUTURES
        A futures account type: ``USDT_FUTURES`` (USD-M) or ``COIN_FUTURES`` (COIN-M).
    name : str, optional
        The client id (default: ``config.venue``, ``"BINANCE"``).
    """


class GuardedSandboxExecutionClient(RiskGuardMixin, SandboxExecutionClient):
    """
    Nautilus' sandbox execution client with the risk guard.

    Built by :class:`~liqheat_nautilus.adapters.binance.factories.GuardedSandboxExecClientFactory`, which sets the
    limits (``_risk_limits``, from ``config.risk_limits``) after construction. The parameters are those of
    ``SandboxExecutionClient``, all by keyword.

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The node's event loop.
    portfolio : PortfolioFacade
        The node's read-only portfolio.
    msgbus : MessageBus
        The node's message bus.
    cache : Cache
        The node's cache (instruments, quotes, open positions that the guard values orders with).
    clock : LiveClock
        The node's clock.
    config : GuardedSandboxExecClientConfig
        The configuration (simulated venue, starting balances, account type, ``risk_limits``, ...).
    """
