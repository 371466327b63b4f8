"""Contract specifications written down from the venues' published instrument definitions, as Nautilus instruments.

Each venue adapter keeps its own table (``adapters/<venue>/providers.py``); this module holds the shared shape.
"""

from dataclasses import dataclass
from decimal import Decimal

from nautilus_trader.model.currencies import BTC, ETH, USD, USDT, Currency
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Price, Quantity


@dataclass(frozen=True)
class PerpetualSpec:
    """
    The contract specification of a perpetual swap.

    Parameters
    ----------
    symbol : str
        Venue symbol (e.g. ``"SOL-USDT-SWAP"``, ``"BTCUSDT"``, ``"BTCUSD_PERP"``).
    venue : str
        Nautilus venue name (``"OKX"``, ``"BINANCE"``).
    base, quote, settlement : str
        Currency codes.
    price_increment : str
        Tick size (price), as the venue publishes it.
    size_increment : str
        Lot size in the venue's size unit (base units for linear, contracts for inverse).
    multiplier : str
        Contract multiplier: base units per contract (linear) or USD per contract (inverse).
    is_inverse : bool
        Coin-margined (inverse) contract.
    maker_fee, taker_fee : str
        Default fee rates (fraction) of the venue's base tier.
    margin_init, margin_maint : str
        Initial and maintenance margin rates (fraction) of the first tier.
    source : str
        Where the figures come from.
    """

    symbol: str
    venue: str
    base: str
    quote: str
    settlement: str
    price_increment: str
    size_increment: str
    multiplier: str = "1"
    is_inverse: bool = False
    maker_fee: str = "0.0002"
    taker_fee: str = "0.0005"
    margin_init: str = "0.01"
    margin_maint: str = "0.004"
    source: str = ""

    @property
    def instrument_id(self) -> InstrumentId:
        """The Nautilus instrument id ``SYMBOL.VENUE``."""
        return InstrumentId.from_str(f"{self.symbol}.{self.venue}")


def spec_table(*specs: PerpetualSpec) -> dict[str, PerpetualSpec]:
    """
    Index contract specifications by instrument id.

    Parameters
    ----------
    *specs : PerpetualSpec
        The specifications of one venue.

    Returns
    -------
    dict[str, PerpetualSpec]
        ``{"SYMBOL.VENUE": spec}``.
    """
    return {spec.instrument_id.value: spec for spec in specs}


def _currency(code: str) -> Currency:
    known = {"BTC": BTC, "ETH": ETH, "USD": USD, "USDT": USDT}
    return known.get(code) or Currency.from_str(code)


def make_perpetual(spec: PerpetualSpec, ts_ns: int = 0) -> CryptoPerpetual:
    """
    Build the Nautilus instrument of a spec.

    Parameters
    ----------
    spec : PerpetualSpec
        The contract specification.
    ts_ns : int, default 0
        ``ts_event``/``ts_init`` of the definition (UNIX ns).

    Returns
    -------
    CryptoPerpetual
    """
    price_inc = Price.from_str(spec.price_increment)
    size_inc = Quantity.from_str(spec.size_increment)
    return CryptoPerpetual(
        instrument_id=spec.instrument_id,
        raw_symbol=Symbol(spec.symbol),
        base_currency=_currency(spec.base),
        quote_currency=_currency(spec.quote),
        settlement_currency=_currency(spec.settlement),
        is_inverse=spec.is_inverse,
        price_precision=price_inc.precision,
        size_precision=size_inc.precision,
        price_increment=price_inc,
        size_increment=size_inc,
        multiplier=Quantity.from_str(spec.multiplier),
        min_quantity=size_inc,
        margin_init=Decimal(spec.margin_init),
        margin_maint=Decimal(spec.margin_maint),
        maker_fee=Decimal(spec.maker_fee),
        taker_fee=Decimal(spec.taker_fee),
        ts_event=ts_ns,
        ts_init=ts_ns,
    )


def perpetual_from(specs: dict[str, PerpetualSpec], instrument_id: str, ts_ns: int = 0) -> CryptoPerpetual:
    """
    The instrument of one of a venue's known specifications.

    Parameters
    ----------
    specs : dict[str, PerpetualSpec]
        A venue's table (see :func:`spec_table`).
    instrument_id : str
        E.g. ``"BTCUSDT.BINANCE"``.
    ts_ns : int, default 0
        Definition time (UNIX ns).

    Returns
    -------
    CryptoPerpetual

    Raises
    ------
    KeyError
        If the instrument is not in ``specs`` (the message lists the known ones).
    """
    try:
        return make_perpetual(specs[instrument_id], ts_ns)
    except KeyError:
        raise KeyError(f"no contract specification for {instrument_id!r}; known: {sorted(specs)}") from None
