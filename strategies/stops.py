"""Stop-loss placement outside liquidation clusters (no Nautilus imports)."""

from collections.abc import Iterable


def stop_outside_zones(
    entry: float,
    direction: int,
    initial_stop: float,
    zones: Iterable[tuple[float, float]],
    buffer_pct: float,
    max_stop_pct: float,
) -> float | None:
    """
    Move a stop out of every cluster zone it falls in, away from the entry, and cap its distance.

    Rule (the product's playbook): a stop must never sit inside a liquidation cluster, because price tends to
    travel through a cluster (the liquidations there feed the move) and would hit a stop placed in it. A stop that
    lands inside a zone moves to the zone's far edge plus ``buffer_pct`` of the entry price, repeatedly (zones
    may chain). If the result is farther than ``max_stop_pct`` from the entry it is capped there, and if the cap
    lies inside a zone there is no valid stop.

    Parameters
    ----------
    entry : float
        Entry price.
    direction : int
        ``+1`` for a long position (stop below the entry), ``-1`` for a short (stop above).
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
        If ``direction`` is not ``+1``/``-1``, or ``initial_stop`` is on the wrong side of ``entry``.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction!r}")
    if (initial_stop - entry) * direction >= 0:
        raise ValueError(f"initial_stop {initial_stop} must be {'below' if direction > 0 else 'above'} "
                         f"the entry {entry}")
    zones = sorted(zones)
    buffer = entry * buffer_pct / 100.0
    stop = initial_stop
    for _ in range(len(zones) + 1):
        inside = [z for z in zones if z[0] <= stop <= z[1]]
        if not inside:
            break
        stop = (min(z[0] for z in inside) - buffer) if direction > 0 else (max(z[1] for z in inside) + buffer)
    limit = entry * (1.0 - direction * max_stop_pct / 100.0)
    if (stop - limit) * direction < 0:  # farther than the cap
        stop = limit
    if any(lo <= stop <= hi for lo, hi in zones):
        return None
    return stop
