"""Binance USD-M and COIN-M perpetuals from Binance's own metadata (``exchangeInfo``), with NautilusTrader's ids.

Instrument ids are the ones NautilusTrader's Binance adapter gives (``BinanceSymbol.parse_as_nautilus``): USD-M
``BTCUSDT`` -> ``BTCUSDT-PERP.BINANCE``, COIN-M ``BTCUSD_PERP`` -> ``BTCUSD-PERP.BINANCE``; so a catalog built from the
public-data archives drives a live node configured with those ids unchanged.

Definitions come from a ``GET /fapi/v1/exchangeInfo`` (USD-M) or ``GET /dapi/v1/exchangeInfo`` (COIN-M) response,
read from a file the user saved or requested through ccxt (:func:`fetch_exchange_info`), and are built the way
Nautilus' ``BinanceFuturesInstrumentProvider`` builds them (increments from ``PRICE_FILTER.tickSize`` and
``LOT_SIZE.stepSize`` as written, so the precisions match the live node's; ``margin_init``/``margin_maint`` from
``requiredMarginPercent``/``maintMarginPercent``), with one deliberate difference: a COIN-M contract is built as the
inverse contract it is, with ``contractSize`` (USD per contract) as its multiplier, where Nautilus 1.221's provider
marks every Binance future linear with multiplier 1. ``exchangeInfo`` carries no fees: the VIP 0 rates of
:data:`BINANCE_BASE_FEES` are used, the fee level 0 Nautilus' provider assumes for backtests (an instrument-spec
file can give others).
"""

from decimal import Decimal
from pathlib import Path

import msgspec
from nautilus_trader.adapters.binance.common.enums import BinanceAccountType
from nautilus_trader.adapters.binance.common.symbol import BinanceSymbol
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.adapters.binance.schemas import ExchangeInfo, ExchangeInfoSymbol
from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, make_perpetual
from liqheat_nautilus.persistence.errors import IngestError

BINANCE_VENUE = "BINANCE"

BINANCE_BASE_FEES: tuple[str, str] = ("0.0002", "0.0005")
"""``(maker, taker)``: Binance futures VIP 0 fee rates (fraction; binance.com/en/fee/futureFee, and the level-0 rates of
Nautilus' ``BinanceFuturesInstrumentProvider``), used for every instrument built from ``exchangeInfo``."""


def is_coin_margined(raw_symbol: str) -> bool:
    """
    Whether a Binance futures symbol is COIN-M (``dapi``): COIN-M symbols carry ``_PERP`` or a delivery date.

    Parameters
    ----------
    raw_symbol : str
        E.g. ``"BTCUSDT"`` (USD-M) or ``"BTCUSD_PERP"`` (COIN-M).

    Returns
    -------
    bool
    """
    return "_" in raw_symbol


USDM_SETTLEMENT_ASSETS = ("USDT", "USDC", "FDUSD", "BUSD")
"""Quote assets of Binance USD-M perpetuals; a USD-M contract settles in its quote asset (``BTCUSDT``: USDT)."""


def usdm_settlement_asset(raw_symbol: str) -> str | None:
    """
    Return the settlement asset of a Binance USD-M perpetual, read from its symbol.

    Parameters
    ----------
    raw_symbol : str
        E.g. ``"BTCUSDT"`` (USDT) or ``"ETHUSDC"`` (USDC).

    Returns
    -------
    str or None
        One of :data:`USDM_SETTLEMENT_ASSETS`; ``None`` for a COIN-M symbol or one ending in none of them.
    """
    if is_coin_margined(raw_symbol):
        return None
    return next((q for q in USDM_SETTLEMENT_ASSETS if raw_symbol.endswith(q)), None)


def binance_instrument_id(raw_symbol: str) -> InstrumentId:
    """
    Return the instrument id NautilusTrader's Binance adapter gives a futures symbol.

    Parameters
    ----------
    raw_symbol : str
        Binance symbol: ``"BTCUSDT"``, ``"BTCUSD_PERP"`` (a delivery symbol ``BTCUSD_240628`` keeps its name).

    Returns
    -------
    InstrumentId
        ``BTCUSDT-PERP.BINANCE``, ``BTCUSD-PERP.BINANCE`` (``BinanceSymbol.parse_as_nautilus`` of the futures
        account type).
    """
    account = BinanceAccountType.COIN_FUTURES if is_coin_margined(raw_symbol) else BinanceAccountType.USDT_FUTURES
    return InstrumentId.from_str(f"{BinanceSymbol(raw_symbol).parse_as_nautilus(account)}.{BINANCE_VENUE}")


def raw_symbol_of(instrument_id: str) -> str:
    """
    Return the Binance futures symbol of a Nautilus Binance instrument id (the inverse of ``binance_instrument_id``).

    Parameters
    ----------
    instrument_id : str
        ``BTCUSDT-PERP.BINANCE`` -> ``BTCUSDT``; ``BTCUSD-PERP.BINANCE`` -> ``BTCUSD_PERP`` (a quote ``USD`` is
        COIN-M); any other symbol is returned as it is.

    Returns
    -------
    str
    """
    symbol = instrument_id.rsplit(".", 1)[0]
    if symbol.endswith("-PERP"):
        stem = symbol[: -len("-PERP")]
        return f"{stem}_PERP" if stem.endswith("USD") else stem
    return symbol


def _filter(entry: ExchangeInfoSymbol, kind: str, field: str) -> str:
    for f in entry.filters:
        if f.filter_type == kind and getattr(f, field):
            return str(getattr(f, field))
    raise ValueError(f"{entry.symbol}: no {kind} {field} in its filters")


def _decimal_text(value: str | float) -> str:
    dec = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    return format(dec.normalize(), "f")


def perpetual_from_symbol_info(entry: ExchangeInfoSymbol | dict, ts_ns: int = 0) -> CryptoPerpetual:
    """
    Build the Nautilus instrument of one ``exchangeInfo`` ``symbols`` entry.

    Parameters
    ----------
    entry : ExchangeInfoSymbol or dict
        The entry (a dict is converted; e.g. ccxt's ``market["info"]``).
    ts_ns : int, default 0
        Definition time (UNIX ns).

    Returns
    -------
    CryptoPerpetual
        Id :func:`binance_instrument_id`; USD-M linear with multiplier 1, sizes in base units; COIN-M inverse with
        multiplier ``contractSize`` (USD), sizes in contracts, settled in the base asset.

    Raises
    ------
    ValueError
        If the entry is not a perpetual, lacks its price/lot filters, or a COIN-M entry has no ``contractSize``.
    """
    if isinstance(entry, dict):
        try:
            entry = msgspec.convert(entry, ExchangeInfoSymbol, strict=False)
        except msgspec.ValidationError as exc:
            raise ValueError(f"not a Binance futures exchangeInfo symbol entry: {exc}") from None
    if entry.contract_type != "PERPETUAL":
        raise ValueError(f"{entry.symbol} is not a perpetual (contractType {entry.contract_type!r})")
    coin = is_coin_margined(entry.symbol)
    multiplier = "1"
    if coin:
        if entry.contract_size is None:
            raise ValueError(f"{entry.symbol}: a COIN-M entry needs contractSize (USD per contract)")
        multiplier = _decimal_text(entry.contract_size)
    maker, taker = BINANCE_BASE_FEES
    spec = PerpetualSpec(
        instrument_id=binance_instrument_id(entry.symbol).value,
        raw_symbol=entry.symbol,
        base=entry.base_asset,
        quote=entry.quote_asset,
        settlement=entry.margin_asset,
        price_increment=_filter(entry, "PRICE_FILTER", "tick_size"),
        size_increment=_filter(entry, "LOT_SIZE", "step_size"),
        multiplier=multiplier,
        is_inverse=coin,
        min_quantity=_filter(entry, "LOT_SIZE", "min_qty"),
        margin_init=_decimal_text(str(Decimal(entry.required_margin_percent) / 100)),
        margin_maint=_decimal_text(str(Decimal(entry.maint_margin_percent) / 100)),
        maker_fee=maker,
        taker_fee=taker,
    )
    return make_perpetual(spec, ts_ns)


def perpetuals_from_exchange_info(payload: bytes | dict, source: str | Path = "exchangeInfo",
                                  ts_ns: int = 0) -> dict[str, CryptoPerpetual]:
    """
    Every perpetual of a Binance futures ``exchangeInfo`` response.

    Parameters
    ----------
    payload : bytes or dict
        The JSON response (raw bytes, or already decoded).
    source : str or Path, default "exchangeInfo"
        Named in errors (the file).
    ts_ns : int, default 0
        Definition time (UNIX ns).

    Returns
    -------
    dict[str, CryptoPerpetual]
        By instrument id (``BTCUSDT-PERP.BINANCE``, ...); delivery contracts and entries without a contract type
        (not yet listed) are left out.

    Raises
    ------
    IngestError
        If the payload is not an ``exchangeInfo`` response or a perpetual entry cannot be built (naming it).
    """
    try:
        info = (msgspec.json.decode(payload, type=ExchangeInfo, strict=False) if isinstance(payload, bytes)
                else msgspec.convert(payload, ExchangeInfo, strict=False))
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise IngestError(source, f"not a Binance futures exchangeInfo response: {exc}") from None
    out: dict[str, CryptoPerpetual] = {}
    for k, entry in enumerate(info.symbols):
        if entry.contract_type != "PERPETUAL":
            continue
        try:
            instrument = perpetual_from_symbol_info(entry, ts_ns)
        except (ValueError, ArithmeticError) as exc:
            raise IngestError(source, str(exc), field=f"symbols[{k}]") from None
        out[instrument.id.value] = instrument
    return out


def fetch_exchange_info(coin_margined: bool, api_base: str | None = None, timeout_ms: int = 10_000) -> dict:
    """
    Request Binance's futures ``exchangeInfo`` through ccxt (public endpoint, ccxt's rate limiter on).

    Parameters
    ----------
    coin_margined : bool
        ``GET /dapi/v1/exchangeInfo`` (COIN-M) instead of ``GET /fapi/v1/exchangeInfo`` (USD-M).
    api_base : str, optional
        Another origin (a proxy, or a local recorded-response server in tests).
    timeout_ms : int, default 10000
        Request timeout.

    Returns
    -------
    dict
        The decoded response.

    Raises
    ------
    ccxt.BaseError
        If the request fails (network, HTTP error).
    """
    from liqheat_nautilus.adapters.ccxt.client import ccxt_client

    exchange = ccxt_client("binance", api_base=api_base, timeout_ms=timeout_ms)
    return exchange.dapiPublicGetExchangeInfo() if coin_margined else exchange.fapiPublicGetExchangeInfo()
