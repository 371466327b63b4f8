"""The map's vocabularies as string enums (members compare equal to their names, so ``Side.LONG == "LONG"``).

These are the map's own terms: which side's positions would be *liquidated*, the status of a price bin or
cluster, and the direction the magnet force points. Trade directions are NautilusTrader's ``OrderSide`` /
``PositionSide``, never these.
"""

from enum import StrEnum


class Side(StrEnum):
    """The side of the leveraged positions a level or cluster would liquidate."""

    LONG = "LONG"
    """Long positions: their liquidation levels lie below price (a fall liquidates them)."""
    SHORT = "SHORT"
    """Short positions: their liquidation levels lie above price (a rise liquidates them)."""


class ClusterStatus(StrEnum):
    """Status of a price bin or a cluster of bins with respect to the price path."""

    ACTIVE = "ACTIVE"
    """Price has not entered it since it was (re)filled."""
    PARTIAL = "PARTIAL"
    """Price entered it: part of its notional was liquidated."""
    CLEARED = "CLEARED"
    """Price passed through it: its notional was liquidated."""


class Bias(StrEnum):
    """Direction of the magnet force (see :func:`~liqheat_nautilus.core.magnet.magnet_from_forces`)."""

    UP = "UP"
    """More short-liquidation notional pulls price up than long notional pulls it down."""
    DOWN = "DOWN"
    """More long-liquidation notional pulls price down."""
    UNBIASED = "UNBIASED"
    """The relative net force lies within the dead band."""


STATUS_NAMES: tuple[ClusterStatus, ...] = tuple(ClusterStatus)
"""Bin status by the compiled kernels' code: 0 ``ACTIVE``, 1 ``PARTIAL``, 2 ``CLEARED`` (``SideBook.status``,
``LiquidationMapEngine.bin_status()``, ``LiquidationMapBins``)."""

__all__ = ["STATUS_NAMES", "Bias", "ClusterStatus", "Side"]
