"""Magnet force of liquidation notional on price (pure numpy; the engine uses ``kernels.magnet_sums``)."""

from dataclasses import dataclass

import numpy as np

from liqheat_nautilus.core.enums import Bias

_new_object = object.__new__


@dataclass(frozen=True)
class Magnet:
    """
    Magnet forces (USD / %²) and the resulting bias.

    Attributes
    ----------
    up : float
        Pull of short-liquidation notional above price.
    down : float
        Pull of long-liquidation notional below price.
    net : float
        ``up - down``.
    bias : str
        ``"UP"``, ``"DOWN"`` or ``"UNBIASED"``.
    """

    up: float
    down: float
    net: float
    bias: str


def magnet_force(
    centres: np.ndarray,
    long_usd: np.ndarray,
    short_usd: np.ndarray,
    price: float,
    bin_width: float,
    dead_band: float,
) -> Magnet:
    """
    Force = Σ USD / distance², distance in percent of price floored at half a bin.

    ``up`` sums the short bins above price, ``down`` the long bins below. The bias is ``UP`` when
    ``(up - down) / (up + down) > dead_band``, ``DOWN`` when it is ``< -dead_band``, else ``UNBIASED``
    (the 5 % dead band of the "Liquidation Map Indicator API" by default).

    Parameters
    ----------
    centres : np.ndarray
        Shape ``(n_bins,)`` bin centres (price).
    long_usd, short_usd : np.ndarray
        Shape ``(n_bins,)`` notional (USD) per bin.
    price : float
        Current price.
    bin_width : float
        Bin width (price).
    dead_band : float
        Relative dead band in [0, 1).

    Returns
    -------
    Magnet
    """
    floor_pct = 50.0 * bin_width / price
    distance = np.maximum(np.abs(centres - price) * (100.0 / price), floor_pct)
    inv_d2 = 1.0 / (distance * distance)
    up = float(np.dot(short_usd * (centres > price), inv_d2))
    down = float(np.dot(long_usd * (centres < price), inv_d2))
    return magnet_from_forces(up, down, dead_band)


def magnet_from_forces(up: float, down: float, dead_band: float) -> Magnet:
    """
    Return the :class:`Magnet` of given up and down forces.

    Parameters
    ----------
    up, down : float
        Forces (USD / %²) of the short notional above price and of the long notional below, >= 0.
    dead_band : float
        Relative dead band in [0, 1): the bias is ``UP`` when ``(up - down) / (up + down) > dead_band``,
        ``DOWN`` when it is ``< -dead_band``, else ``UNBIASED``.

    Returns
    -------
    Magnet
    """
    # Magnet(up=up, down=down, net=up - down, bias=...) without the frozen-dataclass __init__ (one
    # object.__setattr__ per field): the same attributes, values and order, set one by one as that __init__ sets
    # them (built on every map read)
    magnet = _new_object(Magnet)
    fields = magnet.__dict__
    fields["up"] = up
    fields["down"] = down
    fields["net"] = up - down
    fields["bias"] = magnet_bias(up, down, dead_band)
    return magnet


def magnet_bias(up: float, down: float, dead_band: float) -> str:
    """
    Return the bias of given up and down forces (:attr:`Magnet.bias` of :func:`magnet_from_forces`).

    Parameters
    ----------
    up, down : float
        Forces (USD / %²), >= 0.
    dead_band : float
        Relative dead band in [0, 1).

    Returns
    -------
    str
        ``"UP"`` when ``(up - down) / (up + down) > dead_band``, ``"DOWN"`` when it is ``< -dead_band``, else
        ``"UNBIASED"``.
    """
    total = up + down
    rel = (up - down) / total if total > 0.0 else 0.0
    return Bias.UP if rel > dead_band else Bias.DOWN if rel < -dead_band else Bias.UNBIASED
