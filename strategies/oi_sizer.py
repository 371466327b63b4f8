"""``OISizer``: scale a base position size by the open-interest tier and skew it by the liquidation imbalance.

Playbook rule: size up when the market is deep in open interest (more leveraged positions, larger cascades) and
down when it is thin; lean towards the side the crowd is not on. The long/short ratio that decides the lean is

- the venue's real long/short ratio when one is known (:attr:`OISizer.long_short_ratio`, longs ÷ shorts, set from
  :class:`~liqheat_nautilus.data.LongShortRatio` data of the configured ``ratio_kind``: Binance's account or
  top-trader ratios, OKX's account ratio); else
- the map's estimate, ``long_usd / short_usd`` with ``long_usd`` / ``short_usd`` the estimated long liquidations
  below price and short liquidations above (``LiquidationMapSnapshot``).

Either way a ratio above ``short_favour_ratio`` (a crowded long side, many longs to liquidate below) favours shorts,
below ``long_favour_ratio`` favours longs. Trade directions are Nautilus ``PositionSide`` values; usable by any
strategy.
"""

import math
from decimal import Decimal

from nautilus_trader.common.config import NautilusConfig, NonNegativeFloat
from nautilus_trader.core.correctness import PyCondition
from nautilus_trader.model.enums import PositionSide

from liqheat_nautilus.data import RATIO_KINDS


class OISizerConfig(NautilusConfig, frozen=True):
    """
    Thresholds of :class:`OISizer` (all config, no literals in the sizer).

    Parameters
    ----------
    oi_tiers_usd : tuple[float, ...], default (5e9, 1e9)
        Open-interest thresholds (USD notional), strictly descending.
    oi_multipliers : tuple[float, ...], default (1.5, 1.0)
        Multiplier when total OI is above the matching threshold (first match wins).
    base_multiplier : float, default 0.5
        Multiplier when OI is at or below every threshold.
    short_favour_ratio : float, default 1.2
        Long/short liquidation ratio above which shorts are favoured.
    long_favour_ratio : float, default 0.8
        Ratio below which longs are favoured.
    favoured_multiplier : float, default 1.25
        Skew for the favoured side.
    disfavoured_multiplier : float, default 0.75
        Skew for the other side.
    use_long_short_ratio : bool, default True
        Decide the skew with the venue's real long/short ratio once one was fed (:meth:`OISizer.update_ratio`),
        instead of the map's liquidation ratio.
    ratio_kind : str, default "accounts"
        Which :class:`~liqheat_nautilus.data.LongShortRatio` kind is used, one of ``RATIO_KINDS`` (``accounts``,
        ``top_trader_accounts``, ``top_trader_positions``); others are ignored.
    """

    oi_tiers_usd: tuple[float, ...] = (5e9, 1e9)
    oi_multipliers: tuple[float, ...] = (1.5, 1.0)
    base_multiplier: NonNegativeFloat = 0.5
    short_favour_ratio: float = 1.2
    long_favour_ratio: float = 0.8
    favoured_multiplier: NonNegativeFloat = 1.25
    disfavoured_multiplier: NonNegativeFloat = 0.75
    use_long_short_ratio: bool = True
    ratio_kind: str = "accounts"

    def validate(self) -> None:
        """
        Check the thresholds.

        Raises
        ------
        ValueError
            Naming the offending field: tiers not strictly descending or of a different length than the
            multipliers, a negative multiplier, or ``long_favour_ratio > short_favour_ratio``.
        """
        tiers = list(self.oi_tiers_usd)
        if len(tiers) != len(self.oi_multipliers):
            raise ValueError(f"OISizerConfig.oi_multipliers must have one entry per oi_tiers_usd entry "
                             f"({len(tiers)}), got {len(self.oi_multipliers)}")
        if any(b >= a for a, b in zip(tiers, tiers[1:], strict=False)):
            raise ValueError(f"OISizerConfig.oi_tiers_usd must be strictly descending, got {tiers}")
        for name in ("base_multiplier", "favoured_multiplier", "disfavoured_multiplier"):
            PyCondition.not_negative(getattr(self, name), f"OISizerConfig.{name}")  # decoded files: the field types
        if any(m < 0 for m in self.oi_multipliers):
            raise ValueError(f"OISizerConfig.oi_multipliers must be >= 0, got {list(self.oi_multipliers)}")
        if self.long_favour_ratio > self.short_favour_ratio:
            raise ValueError(f"OISizerConfig.long_favour_ratio ({self.long_favour_ratio}) must not exceed "
                             f"short_favour_ratio ({self.short_favour_ratio})")
        if self.ratio_kind not in RATIO_KINDS:
            raise ValueError(f"OISizerConfig.ratio_kind must be one of {RATIO_KINDS}, got {self.ratio_kind!r}")


class OISizer:
    """
    Position sizer: ``base size x OI tier multiplier x imbalance skew``.

    Parameters
    ----------
    config : OISizerConfig, optional
        Thresholds (default: the playbook's, > 5 B USD x1.5, > 1 B x1.0, else x0.5; ratio 1.2 / 0.8).

    Attributes
    ----------
    long_short_ratio : float or None
        The venue's latest long/short ratio (longs ÷ shorts) of the configured kind, ``None`` until one is fed.

    Raises
    ------
    ValueError
        If the config is inconsistent (see :meth:`OISizerConfig.validate`).
    """

    def __init__(self, config: OISizerConfig | None = None) -> None:
        self.config = config or OISizerConfig()
        self.config.validate()
        self.long_short_ratio: float | None = None

    def update_ratio(self, ratio: float, kind: str = "accounts") -> bool:
        """
        Feed a venue long/short ratio (e.g. from :class:`~liqheat_nautilus.data.LongShortRatio` data).

        Parameters
        ----------
        ratio : float
            Longs ÷ shorts.
        kind : str, default "accounts"
            What it counts; only ``config.ratio_kind`` is kept.

        Returns
        -------
        bool
            Whether the ratio was kept (right kind, finite and > 0).
        """
        if kind != self.config.ratio_kind or not (math.isfinite(ratio) and ratio > 0.0):
            return False
        self.long_short_ratio = float(ratio)
        return True

    def reset(self) -> None:
        """Forget the venue ratio."""
        self.long_short_ratio = None

    def decisive_ratio(self, long_usd: float, short_usd: float) -> tuple[float, str]:
        """
        Return the ratio the skew is decided with, and what it is.

        Parameters
        ----------
        long_usd, short_usd : float
            The map's estimated long and short liquidations (USD).

        Returns
        -------
        tuple[float, str]
            The venue's ratio and ``"<kind> long/short"`` when one is known and ``use_long_short_ratio`` is on,
            else :meth:`liquidation_ratio` and ``"liquidation long/short"``.
        """
        if self.config.use_long_short_ratio and self.long_short_ratio is not None:
            return self.long_short_ratio, f"{self.config.ratio_kind} long/short"
        return self.liquidation_ratio(long_usd, short_usd), "liquidation long/short"

    def tier_multiplier(self, total_oi_usd: float) -> float:
        """
        Return the open-interest tier multiplier.

        Parameters
        ----------
        total_oi_usd : float
            Total open interest (USD notional).

        Returns
        -------
        float
            The multiplier of the first threshold that ``total_oi_usd`` exceeds, else ``base_multiplier``.
        """
        for threshold, multiplier in zip(self.config.oi_tiers_usd, self.config.oi_multipliers, strict=True):
            if total_oi_usd > threshold:
                return float(multiplier)
        return float(self.config.base_multiplier)

    @staticmethod
    def liquidation_ratio(long_usd: float, short_usd: float) -> float:
        """
        Return the map's long/short liquidation ratio.

        Parameters
        ----------
        long_usd, short_usd : float
            Estimated long liquidations below and short liquidations above price (USD).

        Returns
        -------
        float
            ``long_usd / short_usd``; ``inf`` if only longs, ``1.0`` if both are zero.
        """
        if short_usd <= 0:
            return math.inf if long_usd > 0 else 1.0
        return long_usd / short_usd

    def skew(self, side: PositionSide, long_usd: float, short_usd: float) -> float:
        """
        Return the imbalance skew for a trade direction.

        Parameters
        ----------
        side : PositionSide
            ``LONG`` or ``SHORT`` (the trade's direction).
        long_usd, short_usd : float
            As in :meth:`liquidation_ratio` (used when no venue ratio is known, see :meth:`decisive_ratio`).

        Returns
        -------
        float
            ``favoured_multiplier``, ``disfavoured_multiplier`` or 1.0.

        Raises
        ------
        ValueError
            If ``side`` is not ``LONG``/``SHORT``.
        """
        if side not in (PositionSide.LONG, PositionSide.SHORT):
            raise ValueError(f"side must be PositionSide.LONG or PositionSide.SHORT, got {side!r}")
        ratio, _ = self.decisive_ratio(long_usd, short_usd)
        if ratio > self.config.short_favour_ratio:
            favoured = PositionSide.SHORT
        elif ratio < self.config.long_favour_ratio:
            favoured = PositionSide.LONG
        else:
            return 1.0
        return self.config.favoured_multiplier if side == favoured else self.config.disfavoured_multiplier

    def multiplier(self, side: PositionSide, total_oi_usd: float, long_usd: float, short_usd: float) -> float:
        """
        Return the total size multiplier: tier multiplier x skew.

        Parameters
        ----------
        side : PositionSide
            ``LONG`` or ``SHORT``.
        total_oi_usd, long_usd, short_usd : float
            From a ``LiquidationMapSnapshot`` (USD).

        Returns
        -------
        float
        """
        return self.tier_multiplier(total_oi_usd) * self.skew(side, long_usd, short_usd)

    def size(self, base_size: Decimal, side: PositionSide, total_oi_usd: float, long_usd: float,
             short_usd: float) -> float:
        """
        Return the scaled size, ``base_size x`` :meth:`multiplier`.

        The result is not rounded: round it with the instrument's increment, e.g.
        :func:`strategies.sizing.round_quantity`.

        Parameters
        ----------
        base_size : Decimal
            Base quantity (instrument size units).
        side, total_oi_usd, long_usd, short_usd
            As in :meth:`multiplier`.

        Returns
        -------
        float
        """
        return float(base_size) * self.multiplier(side, total_oi_usd, long_usd, short_usd)
