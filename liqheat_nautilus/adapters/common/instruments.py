"""Perpetual contract specifications as data: the instrument-spec file a user gives, and its Nautilus instrument.

An instrument-spec file (TOML or JSON) lists one or more perpetual contracts in the venue's own terms, for venues or
symbols whose metadata cannot be fetched (offline machines) or to override what the venue publishes (fees)::

    [[perpetual]]
    instrument_id = "SOLUSDT-PERP.BINANCE"   # the id NautilusTrader's adapter gives the contract
    raw_symbol = "SOLUSDT"                   # the venue's own symbol (archive file names, REST requests)
    base = "SOL"
    quote = "USDT"
    settlement = "USDT"
    price_increment = "0.0100"               # tick size as the venue publishes it (its decimals = price precision)
    size_increment = "1"                     # lot size in the venue's order unit (base units, or contracts)
    multiplier = "1"                         # base units per contract (linear) or USD per contract (inverse)
    is_inverse = false
    margin_init = "0.05"
    margin_maint = "0.025"
    maker_fee = "0.0002"
    taker_fee = "0.0004"
    source = "Binance GET /fapi/v1/exchangeInfo, 2024-04-10"

Unknown fields are rejected (``forbid_unknown_fields``), every decimal is checked, and errors name the file, the
entry and the field (:class:`~liqheat_nautilus.persistence.errors.IngestError`).
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import msgspec
from nautilus_trader.model.currencies import BTC, ETH, USD, USDT
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Currency, Price, Quantity

from liqheat_nautilus.persistence.errors import IngestError

_CODE = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9]{1,16}$")]
_ID = Annotated[str, msgspec.Meta(pattern=r"^[^.\s]+\.[A-Za-z0-9_]+$")]


def _positive_decimal(value: str, name: str, allow_zero: bool = False) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"`{name}` must be a decimal number written as text, was {value!r}") from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise ValueError(f"`{name}` must be a finite number {'>= 0' if allow_zero else '> 0'}, was {value!r}")
    return number


class PerpetualSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    The contract specification of one perpetual swap (an entry ``[[perpetual]]`` of an instrument-spec file).

    Parameters
    ----------
    instrument_id : str
        The Nautilus instrument id as NautilusTrader's adapter for the venue names it (``SOLUSDT-PERP.BINANCE``,
        ``BTCUSD-PERP.BINANCE``, ``BTCUSDT-LINEAR.BYBIT``, ``BTC-USDT-SWAP.OKX``).
    raw_symbol : str
        The venue's own symbol (``SOLUSDT``, ``BTCUSD_PERP``, ``BTC-USDT-SWAP``).
    base, quote, settlement : str
        Currency codes.
    price_increment : str
        Tick size (price) as the venue writes it; its number of decimals is the price precision.
    size_increment : str
        Lot size in the venue's order unit: base units (Binance USD-M, Bybit linear) or contracts (COIN-M, OKX).
    multiplier : str, default "1"
        Base units per contract (linear) or USD (quote) per contract (inverse).
    is_inverse : bool, default False
        Coin-margined (inverse) contract.
    min_quantity : str, default ""
        Smallest order (venue order unit); empty: one ``size_increment``.
    margin_init, margin_maint : str, default "0.05", "0.025"
        Initial and maintenance margin rates (fraction) Nautilus' simulated account uses; the liquidation map uses
        its own margin-bracket tables (maintenance-margin rate per notional bracket), not these.
    maker_fee, taker_fee : str, default "0.0002", "0.0005"
        Fee rates (fraction, above -1 and below 1; negative = rebate) charged in backtests.
    source : str, default ""
        Where the figures come from (kept for the reader; not stored).

    Raises
    ------
    ValueError
        If a decimal field is not a number of the right sign, ``margin_init`` is above 1 (a percentage given) or
        below ``margin_maint``, or a Binance contract's ``instrument_id`` is not NautilusTrader's id of its
        ``raw_symbol`` or its ``is_inverse`` does not match the symbol (COIN-M ``*_PERP`` inverse, USD-M linear),
        or ``settlement`` is not ``base`` (inverse) or ``quote`` (linear; quanto contracts are not supported)
        (msgspec reports it with the entry's path).
    """

    instrument_id: _ID
    raw_symbol: Annotated[str, msgspec.Meta(min_length=1)]
    base: _CODE
    quote: _CODE
    settlement: _CODE
    price_increment: str
    size_increment: str
    multiplier: str = "1"
    is_inverse: bool = False
    min_quantity: str = ""
    margin_init: str = "0.05"
    margin_maint: str = "0.025"
    maker_fee: str = "0.0002"
    taker_fee: str = "0.0005"
    source: str = ""

    def __post_init__(self) -> None:
        """Check every decimal field (msgspec turns the ``ValueError`` into a ``ValidationError`` with the path)."""
        for name in ("price_increment", "size_increment", "multiplier"):
            _positive_decimal(getattr(self, name), name)
        if self.min_quantity:
            _positive_decimal(self.min_quantity, "min_quantity")
        init, maint = (_positive_decimal(getattr(self, name), name, allow_zero=True)
                       for name in ("margin_init", "margin_maint"))
        if init > 1:  # a percentage (Binance's requiredMarginPercent "5.0000") made every order unaffordable
            raise ValueError(f"`margin_init` is a fraction of the notional (0.05 = 5 %, 20x), was {self.margin_init!r}")
        if maint > init:
            raise ValueError(f"`margin_maint` ({self.margin_maint}) must not exceed `margin_init` ({self.margin_init})")
        for name in ("maker_fee", "taker_fee"):
            try:
                fee = Decimal(getattr(self, name))
            except InvalidOperation:
                raise ValueError(f"`{name}` must be a decimal number written as text, "
                                 f"was {getattr(self, name)!r}") from None
            if not (fee.is_finite() and -1 < fee < 1):  # "nan" parsed and went into the catalog
                raise ValueError(f"`{name}` is a fraction of the notional above -1 and below 1 (0.0002 = 2 bps, "
                                 f"negative = rebate), was {getattr(self, name)!r}")
        if self.instrument_id.endswith(".BINANCE"):
            self._check_binance()
        if self.is_inverse and self.settlement != self.base:
            raise ValueError(f"an inverse contract settles in its base currency: settlement {self.settlement!r} "
                             f"is not base {self.base!r}")
        if not self.is_inverse and self.settlement != self.quote:  # its notional and PnL are in the quote currency
            raise ValueError(f"a linear contract settles in its quote currency: settlement {self.settlement!r} is "
                             f"not quote {self.quote!r} (a quanto contract, settled in a third currency, is not "
                             "supported)")


    def _check_binance(self) -> None:
        """Check a Binance contract: id = Nautilus' id of ``raw_symbol``; COIN-M symbols are inverse; USD-M linear."""
        from liqheat_nautilus.adapters.binance.providers import binance_instrument_id, is_coin_margined

        expected = binance_instrument_id(self.raw_symbol).value
        if self.instrument_id != expected:  # the ingest looks the contract up by the id of the archive's symbol
            raise ValueError(f"`instrument_id` of Binance symbol {self.raw_symbol!r} is {expected!r} (NautilusTrader's "
                             f"Binance id), was {self.instrument_id!r}")
        if self.is_inverse != is_coin_margined(self.raw_symbol):
            kind = "COIN-M (inverse)" if is_coin_margined(self.raw_symbol) else "USD-M (linear)"
            raise ValueError(f"Binance {self.raw_symbol!r} is a {kind} contract: is_inverse must be "
                             f"{str(not self.is_inverse).lower()}")


class InstrumentSpecFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """
    An instrument-spec file: ``[[perpetual]]`` entries.

    Attributes
    ----------
    perpetual : list[PerpetualSpec]
        At least one contract.
    """

    perpetual: Annotated[list[PerpetualSpec], msgspec.Meta(min_length=1)]


def currency(code: str) -> Currency:
    """
    Return the Nautilus currency of a code such as ``"BTC"``, ``"USDT"`` or ``"SOL"``.

    A code Nautilus does not know becomes a crypto currency with 8 decimals.

    Parameters
    ----------
    code : str
        The currency code, as the venue names it (upper case).

    Returns
    -------
    Currency
        Nautilus' ``BTC``, ``ETH``, ``USD`` or ``USDT``, else ``Currency.from_str(code, strict=False)``.
    """
    known = {"BTC": BTC, "ETH": ETH, "USD": USD, "USDT": USDT}
    return known.get(code) or Currency.from_str(code, strict=False)


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
        Price and size precision are the decimals of ``price_increment`` and ``size_increment`` as written.
    """
    price_inc = Price.from_str(spec.price_increment)
    size_inc = Quantity.from_str(spec.size_increment)
    min_qty = Quantity.from_str(spec.min_quantity) if spec.min_quantity else size_inc
    if min_qty.precision != size_inc.precision:
        min_qty = Quantity(float(min_qty), size_inc.precision)
    return CryptoPerpetual(
        instrument_id=InstrumentId.from_str(spec.instrument_id),
        raw_symbol=Symbol(spec.raw_symbol),
        base_currency=currency(spec.base),
        quote_currency=currency(spec.quote),
        settlement_currency=currency(spec.settlement),
        is_inverse=spec.is_inverse,
        price_precision=price_inc.precision,
        size_precision=size_inc.precision,
        price_increment=price_inc,
        size_increment=size_inc,
        multiplier=Quantity.from_str(spec.multiplier),
        min_quantity=min_qty,
        margin_init=Decimal(spec.margin_init),
        margin_maint=Decimal(spec.margin_maint),
        maker_fee=Decimal(spec.maker_fee),
        taker_fee=Decimal(spec.taker_fee),
        ts_event=ts_ns,
        ts_init=ts_ns,
    )


def load_instrument_specs(path: str | Path) -> dict[str, CryptoPerpetual]:
    """
    Read an instrument-spec file (``.toml`` or ``.json``) into Nautilus instruments.

    Parameters
    ----------
    path : str or Path
        The file (see the module docstring for its layout).

    Returns
    -------
    dict[str, CryptoPerpetual]
        By instrument id, in file order.

    Raises
    ------
    IngestError
        If the file is missing, not TOML/JSON, has an unknown or missing field, a bad value (the message names the
        entry, e.g. ``$.perpetual[0].price_increment``) or the same instrument id twice.
    """
    path = Path(path)
    decoders: dict[str, Callable[..., Any]] = {".toml": msgspec.toml.decode, ".json": msgspec.json.decode}
    decode = decoders.get(path.suffix.lower())
    if decode is None:
        raise IngestError(path, f"an instrument-spec file must be .toml or .json, not {path.suffix or 'no suffix'!r}")
    if not path.is_file():
        raise IngestError(path, "instrument-spec file not found")
    try:
        specs = decode(path.read_bytes(), type=InstrumentSpecFile).perpetual
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise IngestError(path, f"invalid instrument spec: {exc}") from None
    out: dict[str, CryptoPerpetual] = {}
    for k, spec in enumerate(specs):
        if spec.instrument_id in out:
            raise IngestError(path, f"instrument {spec.instrument_id!r} given twice", field=f"perpetual[{k}]")
        try:
            out[spec.instrument_id] = make_perpetual(spec)
        except ValueError as exc:  # a value Nautilus rejects (e.g. a currency code it cannot build)
            raise IngestError(path, str(exc), field=f"perpetual[{k}]") from None
    return out


def spec_of(instrument: CryptoPerpetual, source: str = "") -> PerpetualSpec:
    """
    Return the spec of an instrument (to write an instrument-spec file from a catalog or a venue's metadata).

    Parameters
    ----------
    instrument : CryptoPerpetual
        Any perpetual.
    source : str, default ""
        Provenance note.

    Returns
    -------
    PerpetualSpec
    """
    return PerpetualSpec(
        instrument_id=instrument.id.value, raw_symbol=instrument.raw_symbol.value,
        base=instrument.base_currency.code, quote=instrument.quote_currency.code,
        settlement=instrument.settlement_currency.code, price_increment=str(instrument.price_increment),
        size_increment=str(instrument.size_increment), multiplier=str(instrument.multiplier),
        is_inverse=bool(instrument.is_inverse),
        min_quantity=str(instrument.min_quantity) if instrument.min_quantity is not None else "",
        margin_init=str(instrument.margin_init), margin_maint=str(instrument.margin_maint),
        maker_fee=str(instrument.maker_fee), taker_fee=str(instrument.taker_fee), source=source,
    )
