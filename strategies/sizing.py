"""Risk-based position sizing: quantity from the stop distance and the account equity (no Nautilus imports)."""

import math
from decimal import ROUND_DOWN, Decimal


def risk_quantity(
    equity: float,
    risk_fraction: float,
    entry: float,
    stop: float,
    size_increment: Decimal,
    min_quantity: Decimal | None = None,
    multiplier: float = 1.0,
    inverse: bool = False,
    max_leverage: float = 0.0,
) -> Decimal:
    """
    The quantity that loses ``risk_fraction`` of ``equity`` if the stop is hit, rounded down to the increment.

    Linear contracts (PnL in the quote/settlement currency): loss per unit = ``|entry - stop| * multiplier``.
    Inverse contracts (PnL in the base currency, e.g. BTC for BTCUSD coin-margined, equity in that currency):
    loss per contract = ``multiplier * |1/entry - 1/stop|``. The notional ``quantity * entry * multiplier``
    (linear) or ``quantity * multiplier / entry`` (inverse, in base) is capped at ``max_leverage * equity``.

    Parameters
    ----------
    equity : float
        Account equity in the settlement currency (e.g. USDT).
    risk_fraction : float
        Fraction of equity risked per trade, in (0, 1) (``0.005`` = 0.5 %).
    entry, stop : float
        Entry and stop-loss prices (> 0, different).
    size_increment : Decimal
        The instrument's size increment; the result is a multiple of it.
    min_quantity : Decimal, optional
        The instrument's minimum order quantity; a smaller result becomes 0.
    multiplier : float, default 1.0
        Contract multiplier.
    inverse : bool, default False
        Whether the contract is inverse (coin-margined).
    max_leverage : float, default 0.0
        Notional cap as a multiple of equity (0 = no cap).

    Returns
    -------
    Decimal
        The quantity (``Decimal(0)`` when nothing can be traded).

    Raises
    ------
    ValueError
        If ``risk_fraction`` is outside (0, 1), a price is not positive, ``entry == stop`` or
        ``size_increment`` is not positive.
    """
    if not 0.0 < risk_fraction < 1.0:
        raise ValueError(f"risk_fraction must be in (0, 1), got {risk_fraction}")
    if entry <= 0 or stop <= 0 or entry == stop:
        raise ValueError(f"entry and stop must be positive and different, got entry={entry}, stop={stop}")
    if size_increment <= 0:
        raise ValueError(f"size_increment must be positive, got {size_increment}")
    if equity <= 0 or not math.isfinite(equity):
        return Decimal(0)
    loss_per_unit = multiplier * (abs(1.0 / entry - 1.0 / stop) if inverse else abs(entry - stop))
    quantity = equity * risk_fraction / loss_per_unit
    quantity = min(quantity, leverage_cap(equity, max_leverage, entry, multiplier, inverse))
    return round_quantity(quantity, size_increment, min_quantity)


def leverage_cap(equity: float, max_leverage: float, entry: float, multiplier: float = 1.0,
                 inverse: bool = False) -> float:
    """
    The largest quantity whose notional is at most ``max_leverage × equity``.

    Notional per unit: ``entry * multiplier`` (linear, in the quote currency) or ``multiplier / entry``
    (inverse, in the base currency).

    Parameters
    ----------
    equity : float
        Account equity in the settlement currency.
    max_leverage : float
        Notional cap as a multiple of equity (<= 0: no cap).
    entry : float
        Entry price (> 0).
    multiplier : float, default 1.0
        Contract multiplier.
    inverse : bool, default False
        Whether the contract is inverse (coin-margined).

    Returns
    -------
    float
        The cap in contracts, ``inf`` when there is none (no leverage limit, or equity not finite and > 0).
    """
    if max_leverage <= 0 or not (math.isfinite(equity) and equity > 0):
        return math.inf
    notional_per_unit = multiplier / entry if inverse else entry * multiplier
    return max_leverage * equity / notional_per_unit


def round_quantity(quantity: float, size_increment: Decimal, min_quantity: Decimal | None = None) -> Decimal:
    """
    Round a quantity down to a multiple of the size increment.

    Parameters
    ----------
    quantity : float
        Raw quantity (>= 0).
    size_increment : Decimal
        The instrument's size increment (> 0).
    min_quantity : Decimal, optional
        Results below it become 0.

    Returns
    -------
    Decimal
        A multiple of ``size_increment`` with its exponent, or ``Decimal(0)``.
    """
    if not math.isfinite(quantity) or quantity <= 0:
        return Decimal(0)
    steps = (Decimal(repr(quantity)) / size_increment).to_integral_value(rounding=ROUND_DOWN)
    result = (steps * size_increment).quantize(size_increment)
    if result <= 0 or (min_quantity is not None and result < min_quantity):
        return Decimal(0)
    return result
