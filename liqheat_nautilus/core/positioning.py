"""How open interest splits between long and short leveraged positions (pure Python).

Every contract has a long and a short holder, but the two sides are not equally exposed to liquidation: retail
accounts crowd one side at higher leverage while the other side holds more hedged, low-leverage inventory. The
map gives each side a *share* of open interest (long + short = 1):

* from a long/short ratio when the venue publishes one (Binance ``metrics`` ``count_long_short_ratio`` or
  ``sum_toptrader_long_short_ratio``, OKX ``long_short_ratio``): ``share_long = r / (1 + r)``, the long fraction of
  the accounts (or top-trader positions) behind the ratio;
* otherwise from the funding rate, a documented assumption adapted from the LiquidationHeatmap design
  (``long_ratio = 0.5 + 0.2·tanh(50·funding)``, docs/references.md), centred on the 0.01 % per 8 h that a market
  without premium pays on Binance and OKX: ``share_long = 0.5 + 0.2·tanh(k·(f₈ − 0.0001))`` with ``f₈`` the
  rate per 8 hours (0.5 until a funding rate is known: a missing rate is not a rate of 0);
* taker imbalance ``I = (buy − sell)/(buy + sell)`` of the interval, with ``taker_share_skew = a``, tilts the
  shares to ``s·(1 + aI)`` and ``(1 − s)·(1 − aI)``, renormalised.

``long_share_offset`` (fitted by ``liqheat calibrate``) is added last; the result is clipped to [0.05, 0.95].
"""

import math

__all__ = ["BASE_FUNDING_8H", "long_share", "ratio_long_share"]

BASE_FUNDING_8H = 0.0001
"""Funding paid per 8 h by a market without premium on Binance and OKX (their interest component, 0.01 %)."""
_MIN_SHARE, _MAX_SHARE = 0.05, 0.95


def ratio_long_share(ratio: float) -> float:
    """
    Long share of a long/short ratio: ``r / (1 + r)``.

    Parameters
    ----------
    ratio : float
        Longs divided by shorts (accounts or positions), > 0.

    Returns
    -------
    float
        In (0, 1); e.g. 1.5 -> 0.6.

    Raises
    ------
    ValueError
        If ``ratio`` is not finite and > 0.
    """
    if not (math.isfinite(ratio) and ratio > 0.0):
        raise ValueError(f"long/short ratio must be finite and > 0, was {ratio}")
    return ratio / (1.0 + ratio)


def long_share(split: str, ratio: float, funding_rate: float, funding_interval_hours: float, sensitivity: float,
               imbalance: float = 0.0, taker_skew: float = 0.0, offset: float = 0.0) -> float:
    """
    Return the long side's share of open interest.

    Parameters
    ----------
    split : str
        ``"ratio"`` (``ratio`` when known, else 0.5), ``"funding"``, ``"equal"`` (0.5) or ``"auto"`` (``ratio``
        when known, else funding).
    ratio : float
        Latest long/short ratio (``nan`` when none was seen).
    funding_rate : float
        Latest funding rate (fraction per interval); ``nan`` when none was seen (the funding split is then 0.5).
    funding_interval_hours : float
        The funding interval (h); 0 is read as 8.
    sensitivity : float
        ``k`` of the funding split (per unit rate per 8 h).
    imbalance : float, default 0.0
        Taker imbalance ``I`` in [-1, 1].
    taker_skew : float, default 0.0
        ``a`` in [0, 1].
    offset : float, default 0.0
        Added last.

    Returns
    -------
    float
        In [0.05, 0.95]. E.g. ``"funding"`` with ``f = 0.0003`` per 8 h and ``k = 2500``:
        ``0.5 + 0.2·tanh(0.5) = 0.5924``.
    """
    known = math.isfinite(ratio) and ratio > 0.0
    if split == "equal" or (split == "ratio" and not known):
        share = 0.5
    elif split in ("ratio", "auto") and known:
        share = ratio_long_share(ratio)
    elif not math.isfinite(funding_rate):
        share = 0.5
    else:
        hours = funding_interval_hours if funding_interval_hours > 0.0 else 8.0
        f8 = funding_rate * 8.0 / hours
        share = 0.5 + 0.2 * math.tanh(sensitivity * (f8 - BASE_FUNDING_8H))
    if taker_skew and imbalance:
        up, down = share * (1.0 + taker_skew * imbalance), (1.0 - share) * (1.0 - taker_skew * imbalance)
        share = up / (up + down) if up + down > 0.0 else share
    return min(max(share + offset, _MIN_SHARE), _MAX_SHARE)
