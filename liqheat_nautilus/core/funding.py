"""Funding-adjusted liquidation levels: how a funding payment moves an open position's liquidation price.

Derivation (Binance USD-M one-way formula, FAQ "How to calculate liquidation price of USDⓈ-M contracts"):
``LP = (WB + cum - side·Q·EP) / (Q·MMR - side·Q)``. A funding settlement at mark price ``P`` with rate ``f``
moves ``side · Q · P · f`` from the position's (isolated) wallet WB: longs pay when ``f > 0``, shorts receive.
Substituting ``WB - side·Q·P·f`` gives, for *every* open position of that side whatever its entry, leverage or
size, the same price shift

    ``ΔLP = P · f / (1 - side · MMR)``

(long: ``/(1 - MMR)``, short: ``/(1 + MMR)``), i.e. positive funding moves long levels up (toward entry and
price) and short levels up (away from price). Summed over settlements since a cohort opened, the shift is its
cumulative funding index ``F(now) - F(open)`` with ``F = Σ P_i f_i`` (divided by ``1 ∓ MMR``). Inverse
(coin-margined) contracts pay ``N·f/P`` coin; the same price shift is their first-order approximation.
"""

import numpy as np

from liqheat_nautilus.core.brackets import BracketTable


def funding_price_shift(price: float, rate: float, side: int, mmr: np.ndarray) -> np.ndarray:
    """
    Shift (price units) of the liquidation prices of one side caused by one funding settlement.

    Parameters
    ----------
    price : float
        Mark (or last) price at the settlement.
    rate : float
        Funding rate (fraction per interval; > 0: longs pay shorts).
    side : int
        +1 long, -1 short.
    mmr : np.ndarray
        Maintenance margin rate per tier, shape ``(n_tiers,)``.

    Returns
    -------
    np.ndarray
        Shape ``(n_tiers,)``: ``price · rate / (1 - side · mmr)``, positive toward higher prices.
    """
    return price * rate / (1.0 - side * np.asarray(mmr, dtype=np.float64))


def tier_mmr(
    model: str,
    n_tiers: int,
    mmr: float,
    brackets: BracketTable,
    sizes_usd: np.ndarray,
    size_weights: np.ndarray,
) -> np.ndarray:
    """
    Maintenance margin rate of each tier under a static model (for :func:`funding_price_shift`).

    Parameters
    ----------
    model : str
        ``"simple"`` (0), ``"isolated_mmr"`` (``mmr``) or ``"binance_standard"`` (the bracket MMR averaged over
        the assumed position sizes with their weights; an approximation, the exact shift differs per size).
    n_tiers : int
        Number of tiers.
    mmr : float
        MMR of ``isolated_mmr``.
    brackets : BracketTable
        Brackets of ``binance_standard``.
    sizes_usd, size_weights : np.ndarray
        Assumed position sizes (USD) and their weights (summing to 1).

    Returns
    -------
    np.ndarray
        Shape ``(n_tiers,)``.

    Raises
    ------
    ValueError
        If the model is not a static model.
    """
    if model == "simple":
        return np.zeros(n_tiers)
    if model == "isolated_mmr":
        return np.full(n_tiers, float(mmr))
    if model == "binance_standard":
        rates, _, _ = brackets.lookup(sizes_usd)
        return np.full(n_tiers, float(np.dot(rates, size_weights)))
    raise ValueError(f"no maintenance margin rate for model {model!r}")
