"""The one normaliser of venue open interest and funding into :class:`OpenInterest` / :class:`FundingRate`.

Every adapter (the Binance archives, ccxt history, the live ccxt poller, the Binance mark-price stream, the OKX
sample) hands the figures its venue reported, in the venue's units, to :func:`open_interest_from_venue` or
:func:`funding_rate_from_venue`; the unit rules live here only, so a backtest over a fetched or archived catalog and
a live node measure open interest the same way.

Open-interest units
-------------------
A perpetual's contract size (``Instrument.multiplier``) is base units per contract for a linear (quote-margined)
contract and USD per contract for an inverse (coin-margined) one. Given any of contracts, base units and USD, and a
price (quote per base unit) where needed, the missing figures are:

===========  =====================================  ===================================================
missing      linear (size = base per contract)      inverse (size = USD per contract)
===========  =====================================  ===================================================
USD          base x price                           contracts x size
contracts    base / size                            USD / size
base         contracts x size, else USD / price     USD / price (the coin the contracts are worth)
===========  =====================================  ===================================================

A figure the venue reported is always kept as reported (Binance COIN-M's ``sumOpenInterestValue`` *is* the coin
amount, computed by Binance at its price). Sources: Binance USD-M and COIN-M ``openInterestHist`` field units
(developers.binance.com), Bybit v5 ``/v5/market/open-interest`` ("BTCUSD (inverse) is USD, BTCUSDT (linear) is
BTC"), OKX v5 ``open-interest`` (``oi`` contracts, ``oiCcy`` coin, ``oiUsd``), Hyperliquid ``metaAndAssetCtxs``
(``openInterest`` in coin).
"""

import math

from nautilus_trader.model.identifiers import InstrumentId

from liqheat_nautilus import validation
from liqheat_nautilus.core.units import NS_PER_HOUR
from liqheat_nautilus.data import FundingRate, OpenInterest

_NAN = math.nan

OPEN_INTEREST_USD_MAX = 1e13
"""Largest accepted open interest of one instrument in USD (10 trillion): a hundred times the open interest of all
BTC perpetuals of all venues together (about 1e11 USD in 2025); above it a figure is corrupt or in another unit."""

OPEN_INTEREST_UNITS_MAX = 1e18
"""Largest accepted open interest in contracts or base units (above the supply of any coin, e.g. PEPE 4.2e14)."""

FUNDING_RATE_MAX = 1.0
"""Largest accepted |funding rate| per interval (100 %); venues cap it at a few percent (Binance: +-3 % or less)."""


def _or_derived(reported: float, derived: float) -> float:
    """Return the reported figure, or the one derived from the others when it is missing (``nan``)."""
    return derived if math.isnan(reported) else reported


def _known(name: str, value: float | None) -> float:
    """``value`` as a float, ``nan`` when missing or not finite; ``ValueError`` when negative or implausibly large."""
    if value is None:
        return _NAN
    value = float(value)
    if not math.isfinite(value):
        return _NAN
    if value < 0.0:
        raise ValueError(f"open interest {name} must be >= 0, was {value}")
    limit = OPEN_INTEREST_USD_MAX if name == "usd" else OPEN_INTEREST_UNITS_MAX
    if value > limit:
        raise ValueError(f"open interest {name} {value:g} is above the largest accepted value {limit:g}")
    return value


def open_interest_from_venue(
    instrument_id: InstrumentId,
    venue: str,
    *,
    contract_size: float,
    inverse: bool,
    ts_event: int,
    ts_init: int,
    contracts: float | None = None,
    base: float | None = None,
    usd: float | None = None,
    price: float | None = None,
) -> OpenInterest | None:
    """
    Build :class:`OpenInterest` from whatever figures a venue reported, filling the others by the unit rules.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument the open interest is published under.
    venue : str
        ``OpenInterest.venue`` (``"BINANCE"``, ``"BYBIT"``, ...).
    contract_size : float
        ``Instrument.multiplier``: base units per contract (linear) or USD per contract (inverse), > 0.
    inverse : bool
        Coin-margined contract.
    ts_event, ts_init : int
        Observation and creation times (UNIX ns).
    contracts, base, usd : float, optional
        Open interest in contracts, in base units (coin) and as USD notional, as reported; ``None`` or ``nan`` when
        the venue did not report it.
    price : float, optional
        Price (quote per base unit) at ``ts_event``, used only to convert between base units and USD.

    Returns
    -------
    OpenInterest or None
        With every figure the rules of the module docstring can give (``nan`` for those they cannot); ``None``
        when the USD value cannot be known (no USD reported and none derivable, e.g. a linear venue reporting
        base units with no price yet).

    Raises
    ------
    ValueError
        If a reported figure is negative or above :data:`OPEN_INTEREST_USD_MAX` (USD) /
        :data:`OPEN_INTEREST_UNITS_MAX` (contracts, base units), or ``contract_size`` is not a positive number.
    """
    if not (math.isfinite(contract_size) and contract_size > 0.0):
        raise ValueError(f"contract size must be > 0, was {contract_size}")
    contracts, base, usd = _known("contracts", contracts), _known("base", base), _known("usd", usd)
    price = float(price) if price is not None and math.isfinite(price) and price > 0.0 else _NAN
    if inverse:  # a contract is worth contract_size USD
        usd = _or_derived(usd, contracts * contract_size)
        contracts = _or_derived(contracts, usd / contract_size)
        base = _or_derived(base, usd / price)
    else:  # a contract is contract_size base units
        base = _or_derived(_or_derived(base, contracts * contract_size), usd / price)
        contracts = _or_derived(contracts, base / contract_size)
        usd = _or_derived(usd, base * price)
    if math.isnan(usd):
        return None
    if usd > OPEN_INTEREST_USD_MAX:
        raise ValueError(f"open interest of {usd:g} USD (derived from the reported figures) is above the largest "
                         f"accepted value {OPEN_INTEREST_USD_MAX:g}")
    return OpenInterest(instrument_id=instrument_id, venue=venue, open_interest_usd=usd,
                        open_interest_contracts=contracts, open_interest_base=base, ts_event=int(ts_event),
                        ts_init=int(ts_init))


def funding_rate_from_venue(
    instrument_id: InstrumentId,
    rate: float,
    *,
    interval_hours: float,
    ts_event: int,
    ts_init: int,
    next_funding_ns: int | None = None,
) -> FundingRate:
    """
    Build :class:`FundingRate` from a venue's rate.

    Parameters
    ----------
    instrument_id : InstrumentId
        The perpetual.
    rate : float
        Fraction per funding interval (positive: longs pay shorts).
    interval_hours : float
        Funding interval (hours), > 0 and at most :data:`~liqheat_nautilus.validation.FUNDING_INTERVAL_MAX_HOURS`.
    ts_event, ts_init : int
        The time the rate applies at and the creation time (UNIX ns).
    next_funding_ns : int, optional
        The venue's next funding time (UNIX ns; ``0`` when unknown). ``None`` for a settled historical record
        stamped at its funding time: the next funding is then ``ts_event`` + one interval.

    Returns
    -------
    FundingRate

    Raises
    ------
    ValueError
        If ``rate`` is not finite or beyond +-:data:`FUNDING_RATE_MAX`, or ``interval_hours`` is not a number
        > 0 and at most a week (:func:`~liqheat_nautilus.validation.funding_interval_hours`; naming the field).
    """
    rate = float(rate)
    if not math.isfinite(rate) or abs(rate) > FUNDING_RATE_MAX:
        raise ValueError(f"funding rate must be a finite fraction within +-{FUNDING_RATE_MAX:g} per interval, "
                         f"was {rate}")
    interval_hours = validation.funding_interval_hours(interval_hours, "funding interval_hours")
    if next_funding_ns is None:
        next_funding_ns = int(ts_event) + int(round(interval_hours * NS_PER_HOUR))
    return FundingRate(instrument_id=instrument_id, rate=rate, interval_hours=float(interval_hours),
                       next_funding_ns=int(next_funding_ns), ts_event=int(ts_event), ts_init=int(ts_init))
