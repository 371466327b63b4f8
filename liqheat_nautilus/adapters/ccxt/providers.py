"""Nautilus ``CryptoPerpetual`` definitions from ccxt markets (with NautilusTrader's ids), and finding a market."""

from decimal import Decimal

import ccxt
from ccxt.base.decimal_to_precision import DECIMAL_PLACES
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Currency, Price, Quantity

from liqheat_nautilus.adapters.binance.providers import binance_instrument_id, perpetual_from_symbol_info


def _decimal(value: object) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _increment(value: object, precision_mode: int) -> str:
    """Return a ccxt precision entry as an increment string (ccxt TICK_SIZE mode gives the tick itself)."""
    if value is None:
        raise ValueError("market has no precision")
    dec = _decimal(value)
    if precision_mode == DECIMAL_PLACES:
        dec = Decimal(1).scaleb(-int(dec))
    return format(dec.normalize(), "f")


def nautilus_symbol(market: dict, venue: str) -> str:
    """
    Return the symbol of the instrument id NautilusTrader's adapter for the venue gives a ccxt perpetual-swap market.

    - Binance: ``BTCUSDT-PERP`` (USD-M), ``BTCUSD-PERP`` (COIN-M ``BTCUSD_PERP``), see
      :func:`~liqheat_nautilus.adapters.binance.providers.binance_instrument_id`;
    - Bybit: the venue symbol with the product suffix, ``BTCUSDT-LINEAR`` / ``BTCUSD-INVERSE`` (Nautilus'
      ``BybitSymbol``);
    - OKX: the venue's ``instId`` (``BTC-USDT-SWAP``);
    - Hyperliquid (whose ccxt market id is an asset index): ``<BASE>-USD-PERP``.

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
    if venue == "BINANCE":
        return binance_instrument_id(str(market["id"])).symbol.value
    if venue == "BYBIT":
        return f"{market['id']}-{'INVERSE' if market.get('inverse') else 'LINEAR'}"
    return str(market["id"])


def _venue_increments(market: dict, venue: str) -> tuple[str | None, str | None]:
    """Tick and lot size as the venue wrote them in ``market["info"]`` (ccxt keeps floats: ``0.10`` -> ``0.1``)."""
    info = market.get("info") or {}
    if venue == "OKX":
        return info.get("tickSz"), info.get("lotSz")
    if venue == "BYBIT":
        return (info.get("priceFilter") or {}).get("tickSize"), (info.get("lotSizeFilter") or {}).get("qtyStep")
    return None, None


def instrument_from_market(market: dict, venue: str, precision_mode: int, ts_ns: int = 0) -> CryptoPerpetual:
    """
    Build a Nautilus ``CryptoPerpetual`` from a ccxt perpetual-swap market, with the Nautilus adapter's id.

    Binance markets are built from the venue's own entry (``market["info"]``) by
    :func:`~liqheat_nautilus.adapters.binance.providers.perpetual_from_symbol_info`, the same builder as the archive
    ingest's, so both routes store identical instruments. For the other venues sizes are in the venue's order unit,
    contracts (ccxt ``precision.amount``); ``multiplier`` is ccxt's ``contractSize`` (base units per contract for
    linear swaps, quote/USD per contract for inverse ones); tick and lot size keep the venue's text where ccxt keeps
    the raw entry (OKX ``tickSz``/``lotSz``, Bybit ``tickSize``/``qtyStep``), else ccxt's precision.

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
    ccxt gives one (else 0.01) and ``margin_maint`` half of it. The liquidation map uses its own margin-bracket tables,
    not these figures; they only matter to Nautilus' simulated account.
    """
    if not market.get("swap"):
        raise ValueError(f"{market.get('symbol')!r} is not a perpetual swap (type {market.get('type')!r})")
    if venue == "BINANCE" and isinstance(market.get("info"), dict) and market["info"].get("filters"):
        return perpetual_from_symbol_info(market["info"], ts_ns)
    precision = market.get("precision") or {}
    tick, lot = _venue_increments(market, venue)
    price_inc = Price.from_str(tick or _increment(precision.get("price"), precision_mode))
    size_inc = Quantity.from_str(lot or _increment(precision.get("amount"), precision_mode))
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


def perpetuals_from_markets(exchange: ccxt.Exchange, venue: str, ts_ns: int = 0) -> dict[str, CryptoPerpetual]:
    """
    Every perpetual swap of a ccxt exchange whose markets are loaded, as Nautilus instruments.

    Parameters
    ----------
    exchange : ccxt.Exchange
        With ``load_markets()`` done.
    venue : str
        Nautilus venue name.
    ts_ns : int, default 0
        Definition time (UNIX ns).

    Returns
    -------
    dict[str, CryptoPerpetual]
        By instrument id; markets that cannot be built (no precision) are left out.
    """
    out: dict[str, CryptoPerpetual] = {}
    for market in exchange.markets.values():
        if not market.get("swap"):
            continue
        try:
            instrument = instrument_from_market(market, venue, exchange.precisionMode, ts_ns)
        except (ValueError, ArithmeticError):
            continue
        out[instrument.id.value] = instrument
    return out


def resolve_market(exchange: ccxt.Exchange, symbol: str, venue: str) -> dict:
    """
    Return the ccxt perpetual-swap market for a unified symbol or a venue id.

    Parameters
    ----------
    exchange : ccxt.Exchange
        With markets loaded.
    symbol : str
        ccxt unified symbol (``BTC/USDT:USDT``), venue id (``BTCUSDT``, ``BTC-USDT-SWAP``) or the symbol of the
        Nautilus instrument id (``BTCUSDT-PERP``, ``BTCUSDT-LINEAR``, ``BTC-USD-PERP``).
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
