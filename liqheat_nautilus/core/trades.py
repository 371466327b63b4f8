"""Trades-mode entry inference: large taker trades as position openings (py-liquidation-map parity, pure numpy).

Method of py-liquidation-map (aoki-h-jp, ``liqmap/mapping.py``): each aggregated trade's gross value is
``price × quantity`` (USD); the taker side opens a position (``is_buyer_maker`` false: the buyer was the taker
-> a long; true -> a short); the trades of each side are selected separately by ``gross_value`` (>= a USD
threshold), ``top_n`` (the n largest) or ``portion`` (the top ``int(n_side · portion)``); each selected trade
is liquidated at ``price · (1 - 1/L)`` (long) or ``price · (1 + 1/L)`` (short) for L in 10, 25, 50, 100.
"""

import math

import numpy as np

from liqheat_nautilus.core.kernels.select import largest_per_side

SELECTIONS = ("gross_value", "top_n", "portion")
PY_LIQUIDATION_MAP_TIERS: tuple[float, ...] = (10.0, 25.0, 50.0, 100.0)


def trade_base_units(size, price, contract_multiplier: float, inverse: bool):
    """
    Return a trade's quantity in base units, as the map is fed it (``LiquidationMap.handle_trade_tick``).

    Parameters
    ----------
    size : float or np.ndarray
        Trade size in the instrument's size unit (contracts); an array of shape ``(n,)`` gives ``(n,)``.
    price : float or np.ndarray
        Trade price (quote currency, > 0), same shape as ``size``.
    contract_multiplier : float
        The instrument's multiplier: base units per contract (linear) or USD per contract (inverse).
    inverse : bool
        Inverse (coin-margined) contract: ``size × multiplier`` is USD, divided by the price into base units.

    Returns
    -------
    float or np.ndarray
        Base units (``size × multiplier``, then ``÷ price`` when inverse; the same float operations for a scalar
        and an array, so a replay's quantities equal the actor's bit for bit).
    """
    size = size * contract_multiplier
    return size / price if inverse else size


def taker_sides(is_buyer_maker: np.ndarray) -> np.ndarray:
    """
    Side opened by the taker of each trade.

    Parameters
    ----------
    is_buyer_maker : np.ndarray
        Shape ``(n,)`` bool, Binance's flag (true: the seller was the taker).

    Returns
    -------
    np.ndarray
        Shape ``(n,)`` int8: +1 long (buyer taker), -1 short (seller taker).
    """
    return np.where(np.asarray(is_buyer_maker, dtype=bool), -1, 1).astype(np.int8)


def select_large_trades(
    gross_value: np.ndarray,
    is_buyer_maker: np.ndarray,
    selection: str,
    threshold: float,
) -> np.ndarray:
    """
    Select the large trades of each taker side, as py-liquidation-map does.

    Parameters
    ----------
    gross_value : np.ndarray
        Shape ``(n,)`` trade gross value ``price × quantity`` (USD).
    is_buyer_maker : np.ndarray
        Shape ``(n,)`` bool.
    selection : str
        ``"gross_value"``: ``gross_value >= threshold``; ``"top_n"``: the ``threshold`` largest per side;
        ``"portion"``: the ``int(n_side · threshold)`` largest per side (ties: earlier trade first).
    threshold : float
        USD, a count or a fraction in (0, 1] according to ``selection``.

    Returns
    -------
    np.ndarray
        Shape ``(n,)`` bool mask of the selected trades.

    Raises
    ------
    ValueError
        If ``selection`` is unknown, the arrays differ in length, ``threshold`` is out of range or (``top_n``,
        ``portion``) a gross value is not finite.
    """
    gross = np.asarray(gross_value, dtype=np.float64)
    buyer_maker = np.asarray(is_buyer_maker, dtype=bool)
    if gross.shape != buyer_maker.shape or gross.ndim != 1:
        raise ValueError(
            f"gross_value and is_buyer_maker must be 1-d of equal length, were {gross.shape} and "
            f"{buyer_maker.shape}",
        )
    if selection not in SELECTIONS:
        raise ValueError(f"trade selection must be one of {SELECTIONS}, was {selection!r}")
    if not 0.0 < threshold < math.inf or (selection == "portion" and threshold > 1.0) or (
            selection == "top_n" and not float(threshold).is_integer()):
        valid = {"gross_value": "> 0 USD", "top_n": "a whole count >= 1", "portion": "a share in (0, 1]"}[selection]
        raise ValueError(f"trade threshold {threshold!r} out of range for selection {selection!r} ({valid})")
    if selection == "gross_value":
        return gross >= threshold
    if not np.all(np.isfinite(gross)):
        raise ValueError("gross_value must be finite")
    n_short = int(np.count_nonzero(buyer_maker))
    n_long = gross.size - n_short
    if selection == "top_n":
        k_long, k_short = min(int(threshold), n_long), min(int(threshold), n_short)
    else:
        k_long, k_short = int(n_long * threshold), int(n_short * threshold)
    return largest_per_side(gross, buyer_maker, k_long, k_short)


def trade_liquidation_levels(
    price: np.ndarray,
    quantity: np.ndarray,
    is_buyer_maker: np.ndarray,
    tiers: tuple[float, ...] = PY_LIQUIDATION_MAP_TIERS,
    selection: str = "gross_value",
    threshold: float = 100_000.0,
) -> dict[str, np.ndarray]:
    """
    py-liquidation-map's liquidation levels of the selected large trades.

    Parameters
    ----------
    price : np.ndarray
        Shape ``(n,)`` trade prices.
    quantity : np.ndarray
        Shape ``(n,)`` trade quantities (base units).
    is_buyer_maker : np.ndarray
        Shape ``(n,)`` bool.
    tiers : tuple[float, ...], default (10, 25, 50, 100)
        Leverage tiers (x).
    selection, threshold
        See :func:`select_large_trades`.

    Returns
    -------
    dict[str, np.ndarray]
        ``index`` (m,) positions of the selected trades, ``side`` (m,) +1/-1, ``gross_value`` (m,) USD,
        ``liquidation_price`` (m, n_tiers) ``price·(1 - side/L)``.

    Raises
    ------
    ValueError
        If ``price`` and ``quantity`` are not 1-d of one length, a price is not finite and > 0 or a quantity not
        finite and >= 0, or as :func:`select_large_trades`.
    """
    price = np.asarray(price, dtype=np.float64)
    quantity = np.asarray(quantity, dtype=np.float64)
    if price.ndim != 1 or quantity.shape != price.shape:
        raise ValueError(f"price and quantity must be 1-d of equal length, were {price.shape} and {quantity.shape}")
    if not (np.all(price > 0.0) and np.all(np.isfinite(price)) and np.all(quantity >= 0.0)
            and np.all(np.isfinite(quantity))):
        raise ValueError("trade prices must be finite and > 0, quantities finite and >= 0")
    gross = price * quantity
    mask = select_large_trades(gross, is_buyer_maker, selection, threshold)
    idx = np.flatnonzero(mask)
    side = taker_sides(np.asarray(is_buyer_maker, dtype=bool)[idx])
    lev = np.asarray(tiers, dtype=np.float64)
    liq = price[idx, None] * (1.0 - side[:, None] / lev[None, :])
    return {"index": idx, "side": side, "gross_value": gross[idx], "liquidation_price": liq}
