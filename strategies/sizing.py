"""Risk-based position sizing on NautilusTrader instruments: quantity from the stop distance and the account equity.

Notional values come from Nautilus' ``Instrument.notional_value`` (quantity x multiplier x price for linear
contracts, quantity x multiplier / price in the base currency for inverse ones), so linear and inverse
(coin-margined) contracts are both sized in their settlement currency.
"""

import math
from decimal import ROUND_DOWN, Decimal

from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Quantity

_PROBE_NOTIONAL = 1e4
"""Smallest notional (settlement currency) at which :func:`unit_notional` reads ``notional_value``: Nautilus rounds
``Money`` to the currency's precision (8 decimals for crypto), so one inverse contract (e.g. 100 USD of BTC =
0.002 BTC) is valued at a larger quantity and divided back."""


def unit_notional(instrument: Instrument, price: float) -> float:
    """
    Notional value of one unit of quantity at ``price``, by ``Instrument.notional_value``.

    Parameters
    ----------
    instrument : Instrument
        The traded instrument.
    price : float
        Price (quote currency); rounded to the instrument's price precision.

    Returns
    -------
    float
        Settlement currency per unit of quantity: ``multiplier x price`` (linear) or ``multiplier / price``
        (inverse, in the base currency).
    """
    px = instrument.make_price(price)
    quantity = 1
    while True:
        value = instrument.notional_value(Quantity(quantity, 0), px).as_double()
        if value >= _PROBE_NOTIONAL or quantity >= 10**10:
            return value / quantity
        quantity *= 100


def risk_quantity(
    instrument: Instrument,
    equity: float,
    risk_fraction: float,
    entry: float,
    stop: float,
    min_quantity: Decimal | None = None,
    max_leverage: float = 0.0,
) -> Decimal:
    """
    Return the quantity that loses ``risk_fraction`` of ``equity`` at the stop, rounded down to the size increment.

    The loss per unit is the change of its notional value between entry and stop,
    ``|unit_notional(entry) - unit_notional(stop)|`` (linear: ``multiplier x |entry - stop|`` in the quote
    currency; inverse: ``multiplier x |1/entry - 1/stop|`` in the base currency). The notional is capped at
    ``max_leverage x equity`` (:func:`leverage_cap`).

    Parameters
    ----------
    instrument : Instrument
        The traded instrument (size increment, multiplier, linear or inverse).
    equity : float
        Account equity in the instrument's settlement currency (e.g. USDT, or BTC for an inverse contract).
    risk_fraction : float
        Fraction of equity risked per trade, in (0, 1) (``0.005`` = 0.5 %).
    entry, stop : float
        Entry and stop-loss prices (> 0, different).
    min_quantity : Decimal, optional
        Smallest tradable quantity; a smaller result becomes 0.
    max_leverage : float, default 0.0
        Notional cap as a multiple of equity (0 = no cap).

    Returns
    -------
    Decimal
        The quantity in contracts (``Decimal(0)`` when nothing can be traded).

    Raises
    ------
    ValueError
        If ``risk_fraction`` is outside (0, 1), a price is not positive or ``entry == stop``.
    """
    if not 0.0 < risk_fraction < 1.0:
        raise ValueError(f"risk_fraction must be in (0, 1), got {risk_fraction}")
    if entry <= 0 or stop <= 0 or entry == stop:
        raise ValueError(f"entry and stop must be positive and different, got entry={entry}, stop={stop}")
    if equity <= 0 or not math.isfinite(equity):
        return Decimal(0)
    loss_per_unit = abs(unit_notional(instrument, entry) - unit_notional(instrument, stop))
    if loss_per_unit <= 0:  # entry and stop on the same tick
        return Decimal(0)
    quantity = min(equity * risk_fraction / loss_per_unit, leverage_cap(instrument, equity, max_leverage, entry))
    return round_quantity(quantity, instrument.size_increment.as_decimal(), min_quantity)


def leverage_cap(instrument: Instrument, equity: float, max_leverage: float, entry: float) -> float:
    """
    Return the largest quantity whose notional value at ``entry`` is at most ``max_leverage x equity``.

    Parameters
    ----------
    instrument : Instrument
        The traded instrument.
    equity : float
        Account equity in the settlement currency.
    max_leverage : float
        Notional cap as a multiple of equity (<= 0: no cap).
    entry : float
        Entry price (> 0).

    Returns
    -------
    float
        The cap in contracts, ``inf`` when there is none (no leverage limit, or equity not finite and > 0).
    """
    if max_leverage <= 0 or not (math.isfinite(equity) and equity > 0):
        return math.inf
    return max_leverage * equity / unit_notional(instrument, entry)


def round_quantity(quantity: float, size_increment: Decimal, min_quantity: Decimal | None = None) -> Decimal:
    """
    Round a quantity down to a multiple of the size increment.

    Parameters
    ----------
    quantity : float
        Raw quantity (>= 0, contracts).
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
