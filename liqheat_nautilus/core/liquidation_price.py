"""Liquidation-price formulas (pure numpy, vectorised, broadcasting over their array arguments).

Conventions: ``side`` is +1 for a long and -1 for a short position; prices in quote currency; notional in USD
(quote); leverage ``L`` in x; maintenance margin rate ``mmr`` as a fraction; Binance's maintenance amount
``cum`` in USD for linear and in coin for inverse contracts.
"""

import numpy as np


def _floats(*values) -> tuple[np.ndarray, ...]:
    """Return each value as a float64 array (numpy broadcasting does the rest)."""
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def simple_liquidation_price(entry, leverage, side, buffer: float = 0.0) -> np.ndarray:
    """
    Return the no-maintenance-margin approximation used by most open liquidation maps.

    long ``entry · (1 - 1/L + buffer)``, short ``entry · (1 + 1/L - buffer)``: with ``buffer = 0`` the price at
    which the initial margin is lost (py-liquidation-map's ``price·(1 ∓ 1/L)``); a positive buffer (fraction
    of entry) moves the level toward the entry, standing in for maintenance margin and fees.

    Parameters
    ----------
    entry : array_like
        Entry price(s).
    leverage : array_like
        Leverage (x), > 1.
    side : array_like
        +1 long, -1 short.
    buffer : float, default 0.0
        Fraction of entry, >= 0.

    Returns
    -------
    np.ndarray
        The broadcast shape of the inputs.
    """
    entry, leverage, side = _floats(entry, leverage, side)
    return entry * (1.0 - side / leverage + side * buffer)


def isolated_liquidation_price(entry, leverage, side, mmr, maintenance_amount=0.0, notional=1.0) -> np.ndarray:
    """
    Binance USD-M (linear) isolated-margin liquidation price, one-way mode.

    From the Binance FAQ "How to calculate liquidation price of USDⓈ-M contracts":
    ``LP = (WB - TMM + UPNL + cum - side·Q·EP) / (Q·MMR - side·Q)`` with, in isolated mode, TMM = UPNL = 0 and
    the isolated wallet ``WB = N/L`` (``N = Q·EP``), which gives
    long ``EP·(1 - 1/L - cum/N) / (1 - MMR)`` and short ``EP·(1 + 1/L + cum/N) / (1 + MMR)``.

    Parameters
    ----------
    entry, leverage, side : array_like
        Entry price(s) EP, leverage (x, > 1) and side (+1 long, -1 short).
    mmr : array_like
        Maintenance margin rate (fraction).
    maintenance_amount : array_like, default 0.0
        Binance's maintenance amount ``cum`` (USD) of the position's bracket.
    notional : array_like, default 1.0
        Position notional N (USD); only used as ``cum / N``.

    Returns
    -------
    np.ndarray
        The broadcast shape of the inputs.
    """
    entry, leverage, side, mmr, cum, notional = _floats(entry, leverage, side, mmr, maintenance_amount, notional)
    inv_lev = 1.0 / leverage
    cum_share = cum / notional
    return entry * (1.0 - side * (inv_lev + cum_share)) / (1.0 - side * mmr)


def cross_liquidation_price(
    wallet_balance,
    quantity,
    entry,
    side,
    mmr,
    maintenance_amount=0.0,
    other_maintenance_margin=0.0,
    other_unrealized_pnl=0.0,
) -> np.ndarray:
    """
    Binance USD-M (linear) cross-margin liquidation price, one-way mode, one position.

    Binance FAQ: ``LP = (WB - TMM + UPNL + cum - side·Q·EP) / (Q·MMR - side·Q)`` where TMM and UPNL are the
    maintenance margin and unrealised PnL of the account's *other* positions. Checked against Binance's own
    ``liquidationPrice`` 64,846.98753790 of a real ``positionRisk`` response (WB 25.72470371 USDT, Q 0.009,
    EP 67,445.9, MMR 0.004, cum 0).

    Parameters
    ----------
    wallet_balance : array_like
        Cross wallet balance WB (USD).
    quantity : array_like
        Position size Q in base units (> 0).
    entry : array_like
        Entry price EP.
    side : array_like
        +1 long, -1 short.
    mmr : array_like
        Maintenance margin rate of the position's bracket.
    maintenance_amount : array_like, default 0.0
        Maintenance amount ``cum`` (USD) of the position's bracket.
    other_maintenance_margin, other_unrealized_pnl : array_like, default 0.0
        TMM and UPNL of the other positions (USD).

    Returns
    -------
    np.ndarray
        The broadcast shape of the inputs; can be <= 0 when the balance covers any move (no liquidation).
    """
    q = np.asarray(quantity, dtype=np.float64)
    side = np.asarray(side, dtype=np.float64)
    numerator = (
        np.asarray(wallet_balance, dtype=np.float64)
        - np.asarray(other_maintenance_margin, dtype=np.float64)
        + np.asarray(other_unrealized_pnl, dtype=np.float64)
        + np.asarray(maintenance_amount, dtype=np.float64)
        - side * q * np.asarray(entry, dtype=np.float64)
    )
    return numerator / (q * np.asarray(mmr, dtype=np.float64) - side * q)


def inverse_isolated_liquidation_price(entry, leverage, side, mmr, maintenance_amount=0.0, notional=1.0):
    """
    Binance COIN-M (inverse) isolated-margin liquidation price, one-way mode.

    Margin is in coin; a position of ``N`` USD (contracts × contract size) has unrealised PnL
    ``side · N · (1/EP - 1/P)`` coin and maintenance margin ``N·MMR/P - cum`` coin. Setting the isolated
    wallet ``N/(EP·L)`` plus PnL equal to the maintenance margin (Binance FAQ, COIN-M:
    ``LP = (N·MMR + side·N) / (WB + cum + side·N/EP)``) gives
    long ``EP·(1 + MMR) / (1 + 1/L + cum·EP/N)`` and short ``EP·(1 - MMR) / (1 - 1/L - cum·EP/N)``.

    Parameters
    ----------
    entry, leverage, side : array_like
        Entry price EP (USD per coin), leverage (x, > 1) and side (+1 long, -1 short).
    mmr : array_like
        Maintenance margin rate (fraction).
    maintenance_amount : array_like, default 0.0
        Maintenance amount ``cum`` in coin.
    notional : array_like, default 1.0
        Position notional N (USD); only used as ``cum·EP / N``.

    Returns
    -------
    np.ndarray
        The broadcast shape of the inputs; ``inf`` for a short whose denominator is <= 0 (e.g. a 1x
        coin-margined short: the coin margin hedges the position, it is never liquidated).
    """
    entry, leverage, side, mmr, cum, notional = _floats(entry, leverage, side, mmr, maintenance_amount, notional)
    inv_lev = 1.0 / leverage
    cum_term = cum * entry / notional
    denominator = 1.0 + side * (inv_lev + cum_term)
    safe = np.where(denominator > 0.0, denominator, 1.0)
    return np.where(denominator > 0.0, entry * (1.0 + side * mmr) / safe, np.inf)
