"""
Execution clients with the liqheat risk guard (:mod:`liqheat_nautilus.adapters.common.risk_guard`).

Binance USD-M (testnet/mainnet) and Nautilus' sandbox (paper trading on Binance's live trades and quotes).
"""

from nautilus_trader.adapters.binance.futures.execution import BinanceFuturesExecutionClient
from nautilus_trader.adapters.sandbox.execution import SandboxExecutionClient

from liqheat_nautilus.adapters.binance.connect import ConnectCauseMixin
from liqheat_nautilus.adapters.common.risk_guard import RiskGuardMixin


class GuardedBinanceFuturesExecutionClient(ConnectCauseMixin, RiskGuardMixin, BinanceFuturesExecutionClient):
    """Nautilus' Binance futures execution client with the risk guard; a failed connect leaves ``connect_cause``."""


class GuardedSandboxExecutionClient(RiskGuardMixin, SandboxExecutionClient):
    """Nautilus' sandbox execution client with the risk guard."""
