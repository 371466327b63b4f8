"""Configurations of the liqheat Binance clients: Nautilus' Binance configs plus the liqheat fields."""

from nautilus_trader.adapters.binance.config import BinanceDataClientConfig, BinanceExecClientConfig
from nautilus_trader.adapters.sandbox.config import SandboxExecutionClientConfig
from nautilus_trader.common.config import NonNegativeInt, PositiveFloat


class LiqheatBinanceDataClientConfig(BinanceDataClientConfig, frozen=True):
    """
    ``BinanceDataClientConfig`` plus the liqheat feeds (built by ``LiqheatBinanceLiveDataClientFactory``).

    All ``BinanceDataClientConfig`` fields apply, notably ``base_url_http`` and ``base_url_ws`` (endpoint overrides,
    used by the offline replay tests), ``testnet`` and ``account_type`` (must be a futures type).

    Parameters
    ----------
    funding_interval_hours : float, default 8.0
        Funding interval written into :class:`FundingRate` until an instrument's first settlement is seen; from
        then on, the step of its next funding time (the stream does not carry the interval; many Binance perpetuals
        settle every 4 h).
    funding_min_interval_secs : int, default 60
        Minimum spacing (seconds, venue time) between published funding updates whose only change is the rate.
    liquidation_trade_types : tuple[str, ...], default ("INSURANCE_FUND",)
        ``@trade`` order types ``X`` published as :class:`LiquidationEvent` (empty: none).
    """

    funding_interval_hours: PositiveFloat = 8.0
    funding_min_interval_secs: NonNegativeInt = 60
    liquidation_trade_types: tuple[str, ...] = ("INSURANCE_FUND",)


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
