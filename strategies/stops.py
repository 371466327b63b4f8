"""Stop-loss placement around liquidation clusters, for a position side (Nautilus ``PositionSide``).

A long's stop lies below its entry, a short's above. Two rules of the product's playbook live here, once:

- a stop never sits inside a liquidation cluster (:func:`stop_outside_zones`): price tends to travel through a
  cluster (the liquidations there feed the move) and would hit a stop placed in it;
- a stop "behind" a cluster goes beyond the cluster's far edge on the stop side plus a buffer
  (:func:`stop_behind_zone`: below ``price_low`` for a long, above ``price_high`` for a short).
"""

from collections.abc import Iterable

from nautilus_trader.model.enums import PositionSide


def direction(side: PositionSide) -> int:
    """
    Return the sign of a position side.

    Parameters
    ----------
    side : PositionSide
        ``LONG`` or ``SHORT``.

    Returns
    -------
    int
        ``+1`` for ``LONG``, ``-1`` for ``SHORT``.

    Raises
    ------
    ValueError
        For ``FLAT`` or ``NO_POSITION_SIDE``.
    """
    if side == PositionSide.LONG:
        return 1
    if side == PositionSide.SHORT:
        return -1
    raise ValueError(f"a trade is LONG or SHORT, got {side!r}")


def stop_side_edge(price_low: float, price_high: float, side: PositionSide) -> float:
    """
    Return the edge of a zone on a position's stop side: ``price_low`` for a long, ``price_high`` for a short.

    Parameters
    ----------
    price_low, price_high : float
        The zone.
    side : PositionSide
        ``LONG`` or ``SHORT``.

    Returns
    -------
    float
    """
    return price_low if direction(side) > 0 else price_high


def stop_behind_zone(price_low: float, price_high: float, side: PositionSide, buffer_pct: float) -> float:
    """
    Return a stop just beyond a zone's far edge on the stop side.

    Parameters
    ----------
    price_low, price_high : float
        The zone (e.g. a cluster's ``price_low`` / ``price_high``).
    side : PositionSide
        The position protected: ``LONG`` (stop below the zone) or ``SHORT`` (above it).
    buffer_pct : float
        Extra distance beyond the edge, percent of the edge price.

    Returns
    -------
    float
        ``price_low x (1 - buffer_pct/100)`` for a long, ``price_high x (1 + buffer_pct/100)`` for a short.
    """
    return stop_side_edge(price_low, price_high, side) * (1.0 - direction(side) * buffer_pct / 100.0)


def stop_outside_zones(
    entry: float,
    side: PositionSide,
    initial_stop: float,
    zones: Iterable[tuple[float, float]],
    buffer_pct: float,
    max_stop_pct: float,
) -> float | None:
    """
    Move a stop out of every zone it falls in, away from the entry, and cap its distance.

    A stop that lands inside a zone moves to the zone's far edge plus ``buffer_pct`` of the entry price,
    repeatedly (zones may chain). If the result is farther than ``max_stop_pct`` from the entry it is capped there,
    and if the cap lies inside a zone there is no valid stop.

    Parameters
    ----------
    entry : float
        Entry price.
    side : PositionSide
        ``LONG`` (stop below the entry) or ``SHORT`` (stop above).
    initial_stop : float
        The desired stop price (below the entry for a long, above for a short).
    zones : iterable of (float, float)
        ``(price_low, price_high)`` of the live clusters.
    buffer_pct : float
        Extra distance beyond a zone edge, percent of the entry price.
    max_stop_pct : float
        Largest allowed stop distance, percent of the entry price.

    Returns
    -------
    float or None
        The stop price, or ``None`` if no stop within ``max_stop_pct`` lies outside the zones.

    Raises
    ------
    ValueError
        If ``side`` is not ``LONG``/``SHORT``, or ``initial_stop`` is on the wrong side of ``entry``.
    """
    sign = direction(side)
    if (initial_stop - entry) * sign >= 0:
        raise ValueError(f"initial_stop {initial_stop} must be {'below' if sign > 0 else 'above'} "
                         f"the entry {entry}")
    zones = sorted(zones)
    buffer = entry * buffer_pct / 100.0
    stop = initial_stop
    for _ in range(len(zones) + 1):
        inside = [z for z in zones if z[0] <= stop <= z[1]]
        if not inside:
            break
        stop = (min(z[0] for z in inside) - buffer) if sign > 0 else (max(z[1] for z in inside) + buffer)
    limit = entry * (1.0 - sign * max_stop_pct / 100.0)
    if (stop - limit) * sign < 0:  # farther than the cap
        stop = limit
    if any(lo <= stop <= hi for lo, hi in zones):
        return None
    return stop
