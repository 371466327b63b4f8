"""Configurations of the liqheat Binance clients: Nautilus' Binance configs plus the liqheat fields.

The liqheat fields come in groups, :class:`LiqheatFeedsConfig` (the data client's liquidation and funding feeds)
and :class:`~liqheat_nautilus.adapters.common.risk_guard.RiskLimits` (the execution clients' notional limits), each
written once: the clients' configs embed them (msgspec structs cannot inherit fields from two bases, so they cannot
also derive from them), and the live file's ``[binance]`` and ``[risk]`` sections derive from them
(:mod:`~liqheat_nautilus.live.sections`).
"""

from nautilus_trader.adapters.binance.config import BinanceDataClientConfig, BinanceExecClientConfig
from nautilus_trader.adapters.sandbox.config import SandboxExecutionClientConfig
from nautilus_trader.common.config import NautilusConfig, NonNegativeInt, PositiveFloat

from liqheat_nautilus.adapters.common.risk_guard import RiskLimits


class LiqheatFeedsConfig(NautilusConfig, frozen=True, kw_only=True):
    """
    The liqheat feeds of the Binance data client: funding updates and liquidation prints from ``@trade``.

    Parameters
    ----------
    funding_interval_hours : float, default 8.0
        Funding interval written into :class:`FundingRate` until an instrument's first settlement is seen; from
        then on, the step of its next funding time (the stream does not carry the interval; many Binance perpetuals
        settle every 4 h) (> 0).
    funding_min_interval_secs : int, default 60
        Minimum spacing (seconds, venue time) between published funding updates whose only change is the rate
        (>= 0).
    liquidation_trade_types : tuple[str, ...], default ("INSURANCE_FUND",)
        ``@trade`` order types ``X`` published as :class:`LiquidationEvent` (empty: none).
    """

    funding_interval_hours: PositiveFloat = 8.0
    funding_min_interval_secs: NonNegativeInt = 60
    liquidation_trade_types: tuple[str, ...] = ("INSURANCE_FUND",)


class LiqheatBinanceDataClientConfig(BinanceDataClientConfig, frozen=True):
    """
    ``BinanceDataClientConfig`` plus the liqheat feeds (built by ``LiqheatBinanceLiveDataClientFactory``).

    All ``BinanceDataClientConfig`` fields apply, notably ``base_url_http`` and ``base_url_ws`` (endpoint overrides,
    used by the offline replay tests), ``testnet`` and ``account_type`` (must be a futures type).

    Parameters
    ----------
    feeds : LiqheatFeedsConfig, default LiqheatFeedsConfig()
        The funding and liquidation feeds' settings.
    """

    feeds: LiqheatFeedsConfig = LiqheatFeedsConfig()


class GuardedBinanceExecClientConfig(BinanceExecClientConfig, frozen=True):
    """
    ``BinanceExecClientConfig`` plus risk limits (quote currency, per instrument id string).

    Parameters
    ----------
    risk_limits : RiskLimits, default RiskLimits()
        Largest order notional and largest absolute net position notional an order may lead to (none: unlimited).
    """

    risk_limits: RiskLimits = RiskLimits()


class GuardedSandboxExecClientConfig(SandboxExecutionClientConfig, frozen=True, kw_only=True):
    """
    ``SandboxExecutionClientConfig`` plus the same risk limits as :class:`GuardedBinanceExecClientConfig`.

    Parameters
    ----------
    risk_limits : RiskLimits, default RiskLimits()
        As :class:`GuardedBinanceExecClientConfig`.
    """

    risk_limits: RiskLimits = RiskLimits()
