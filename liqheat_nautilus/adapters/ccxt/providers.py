"""Nautilus ``CryptoPerpetual`` definitions from ccxt market definitions, and finding a market by symbol."""

from decimal import Decimal

import ccxt
from ccxt.base.decimal_to_precision import DECIMAL_PLACES
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Currency, Price, Quantity

from liqheat_nautilus.adapters.common.instruments import make_perpetual
from liqheat_nautilus.adapters.common.providers import KNOWN_PERPETUALS


def _decimal(value: object) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _increment(value: object, precision_mode: int) -> str:
    """A ccxt precision entry as an increment string (ccxt TICK_SIZE mode gives the tick itself)."""
    if value is None:
        raise ValueError("market has no precision")
    dec = _decimal(value)
    if precision_mode == DECIMAL_PLACES:
        dec = Decimal(1).scaleb(-int(dec))
    return format(dec.normalize(), "f")


def nautilus_symbol(market: dict, venue: str) -> str:
    """
    The symbol of the Nautilus instrument id for a ccxt market.

    The venue's own id (``BTCUSDT``, ``BTC-USDT-SWAP``) as in its public-data archives, except Hyperliquid,
    whose ccxt market id is an asset index: there ``<BASE>-USD-PERP``, as in Nautilus' Hyperliquid adapter.

    Parameters
    ----------
    market : dict
        A ccxt market structure.
    venue : str
        The Nautilus venue name.

    Returns
    -------
    str
    """
    if venue == "HYPERLIQUID":
        return f"{market['baseName'] if market.get('baseName') else market['base']}-USD-PERP"
    return str(market["id"])


def instrument_from_market(market: dict, venue: str, precision_mode: int, ts_ns: int = 0) -> CryptoPerpetual:
    """
    Build a Nautilus ``CryptoPerpetual`` from a ccxt perpetual-swap market.

    Sizes are in the venue's order unit, contracts (ccxt ``precision.amount``); ``multiplier`` is ccxt's
    ``contractSize`` (base units per contract for linear swaps, quote/USD per contract for inverse ones).

    Parameters
    ----------
    market : dict
        A ccxt market structure with ``swap`` true (``exchange.market(symbol)``).
    venue : str
        Nautilus venue name (``BINANCE``, ``BYBIT``, ``OKX``, ``HYPERLIQUID``).
    precision_mode : int
        ``exchange.precisionMode`` (ccxt ``TICK_SIZE`` or ``DECIMAL_PLACES``).
    ts_ns : int, default 0
        ``ts_event``/``ts_init`` of the definition (UNIX ns).

    Returns
    -------
    CryptoPerpetual

    Raises
    ------
    ValueError
        If the market is not a perpetual swap or lacks its price/amount precision.

    Notes
    -----
    ccxt market definitions carry no maintenance-margin rate: ``margin_init`` is ``1 / max leverage`` when
    ccxt gives one (else 0.01) and ``margin_maint`` half of it. The liquidation map uses its own bracket tables,
    not these figures; they only matter to Nautilus' simulated account.
    """
    if not market.get("swap"):
        raise ValueError(f"{market.get('symbol')!r} is not a perpetual swap (type {market.get('type')!r})")
    precision = market.get("precision") or {}
    price_inc = Price.from_str(_increment(precision.get("price"), precision_mode))
    size_inc = Quantity.from_str(_increment(precision.get("amount"), precision_mode))
    min_amount = ((market.get("limits") or {}).get("amount") or {}).get("min")
    min_qty = Quantity(float(min_amount), size_inc.precision) if min_amount else size_inc
    max_leverage = ((market.get("limits") or {}).get("leverage") or {}).get("max")
    margin_init = (Decimal(1) / _decimal(max_leverage)) if max_leverage else Decimal("0.01")
    contract_size = market.get("contractSize") or 1
    symbol = nautilus_symbol(market, venue)
    return CryptoPerpetual(
        instrument_id=InstrumentId.from_str(f"{symbol}.{venue}"),
        raw_symbol=Symbol(str(market["id"])),
        base_currency=Currency.from_str(market["base"], strict=False),
        quote_currency=Currency.from_str(market["quote"], strict=False),
        settlement_currency=Currency.from_str(market.get("settle") or market["quote"], strict=False),
        is_inverse=bool(market.get("inverse")),
        price_precision=price_inc.precision,
        size_precision=size_inc.precision,
        price_increment=price_inc,
        size_increment=size_inc,
        multiplier=Quantity.from_str(format(_decimal(contract_size).normalize(), "f")),
        min_quantity=min_qty,
        margin_init=margin_init.quantize(Decimal("0.000001")),
        margin_maint=(margin_init / 2).quantize(Decimal("0.000001")),
        maker_fee=_decimal(market.get("maker") or 0),
        taker_fee=_decimal(market.get("taker") or 0),
        ts_event=ts_ns,
        ts_init=ts_ns,
    )


def same_as_known(instrument: CryptoPerpetual) -> CryptoPerpetual:
    """
    The archive ingest's definition of the same contract when there is one, else ``instrument``.

    ccxt turns increments into floats (Binance BTCUSDT tick ``"0.10"`` becomes ``0.1``, price precision 1), while
    the archive ingest (:data:`~liqheat_nautilus.adapters.common.providers.KNOWN_PERPETUALS`) keeps the venue's text
    (precision 2). When tick, lot and multiplier are equal in value, the known definition is written so that both
    routes store identical instruments and price precisions in one catalog; otherwise ccxt's current one wins.

    Parameters
    ----------
    instrument : CryptoPerpetual
        Built from the ccxt market.

    Returns
    -------
    CryptoPerpetual
    """
    spec = KNOWN_PERPETUALS.get(instrument.id.value)
    if spec is None:
        return instrument
    same = (Decimal(spec.price_increment) == instrument.price_increment.as_decimal()
            and Decimal(spec.size_increment) == instrument.size_increment.as_decimal()
            and Decimal(spec.multiplier) == instrument.multiplier.as_decimal()
            and spec.is_inverse == instrument.is_inverse)
    return make_perpetual(spec) if same else instrument


def resolve_market(exchange: ccxt.Exchange, symbol: str, venue: str) -> dict:
    """
    The ccxt perpetual-swap market for a unified symbol or a venue id.

    Parameters
    ----------
    exchange : ccxt.Exchange
        With markets loaded.
    symbol : str
        ccxt unified symbol (``BTC/USDT:USDT``), venue id (``BTCUSDT``, ``BTC-USDT-SWAP``) or the Nautilus symbol
        (``BTC-USD-PERP`` on Hyperliquid).
    venue : str
        Nautilus venue name.

    Returns
    -------
    dict
        The ccxt market structure.

    Raises
    ------
    ValueError
        If no swap market matches (the message lists a few).
    """
    market = exchange.markets.get(symbol)
    if market is not None and market.get("swap"):
        return market
    swaps = [m for m in exchange.markets.values() if m.get("swap")]
    for m in swaps:
        if symbol in (m["id"], nautilus_symbol(m, venue)):
            return m
    examples = sorted(m["symbol"] for m in swaps)[:8]
    raise ValueError(f"no perpetual swap {symbol!r} on {exchange.id}; e.g. {examples}")
