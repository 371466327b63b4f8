"""The exchanges ``liqheat catalog fetch`` supports, and how to build their ccxt clients."""

import re
from dataclasses import dataclass, field

import ccxt


@dataclass(frozen=True)
class VenueSpec:
    """
    How one exchange is reached through ccxt.

    Attributes
    ----------
    name : str
        The ``liqheat`` name (``binance``, ``bybit``, ``okx``, ``hyperliquid``).
    ccxt_id : str
        The ccxt exchange class (``binanceusdm`` is Binance USD-M futures).
    venue : str
        The Nautilus venue of the instruments written (``BINANCE``, ``BYBIT``, ``OKX``, ``HYPERLIQUID``).
    options : dict
        ccxt options (restrict market loading to perpetual swaps).
    ohlcv_limit, trades_limit, oi_limit, funding_limit : int
        Rows per request (the venue's documented maximum for the endpoint ccxt calls).
    trades_window_ms : int
        Widest ``[since, until]`` span one trades request may cover (Binance aggTrades: 1 hour); 0 if unbounded.
    until_exclusive : bool
        The venue's upper bound is exclusive (OKX ``after``/``end``), so one more millisecond is asked for.
    until_params : dict[str, str]
        Per data kind, the request parameter carrying the window's upper bound when ccxt's unified ``until`` is
        not translated for that endpoint (OKX funding-rate-history needs its raw ``after``).
    since_params : dict[str, str]
        Per data kind, a raw request parameter for the lower bound where ccxt does not map ``since`` (OKX
        history-trades ``before``).
    trades_params : dict
        Extra raw parameters of the trades request (OKX: the history endpoint, paged by timestamp).
    trades_newest_first : bool
        The trades endpoint returns the newest rows below its upper bound (page backward inside windows).
    historical_trades : bool
        Whether the venue's REST API serves public trades by time range (Bybit serves only the latest 1000,
        Hyperliquid none).
    oi_history : bool
        Whether the venue's REST API serves open-interest history (Hyperliquid does not).
    """

    name: str
    ccxt_id: str
    venue: str
    options: dict = field(default_factory=dict)
    ohlcv_limit: int = 500
    trades_limit: int = 500
    oi_limit: int = 100
    funding_limit: int = 100
    trades_window_ms: int = 0
    until_exclusive: bool = False
    until_params: dict = field(default_factory=dict)
    since_params: dict = field(default_factory=dict)
    trades_params: dict = field(default_factory=dict)
    trades_newest_first: bool = False
    historical_trades: bool = True
    oi_history: bool = True


VENUES: dict[str, VenueSpec] = {
    spec.name: spec
    for spec in (
        # Binance USD-M: klines max 1500, aggTrades max 1000 within 1 h, openInterestHist max 500 (last 30 days),
        # fundingRate max 1000 (developers.binance.com, USDS-margined futures market data).
        VenueSpec("binance", "binanceusdm", "BINANCE", {"fetchMarkets": {"types": ["linear"]}},
                  ohlcv_limit=1500, trades_limit=1000, oi_limit=500, funding_limit=1000,
                  trades_window_ms=3_600_000),
        # Bybit v5: kline max 1000, open-interest max 200, funding/history max 200; recent-trade only.
        VenueSpec("bybit", "bybit", "BYBIT", {"fetchMarkets": {"types": ["linear", "inverse"]},
                                               "defaultType": "swap"},
                  ohlcv_limit=1000, trades_limit=1000, oi_limit=200, funding_limit=200, historical_trades=False),
        # OKX v5: history-candles max 100, rubik open-interest-history max 100, funding-rate-history max 100,
        # history-trades max 100 (type=2: paged by timestamp, newest first; before/after exclusive).
        VenueSpec("okx", "okx", "OKX", {"fetchMarkets": {"types": ["swap"]}, "defaultType": "swap"},
                  ohlcv_limit=100, trades_limit=100, oi_limit=100, funding_limit=100, until_exclusive=True,
                  until_params={"funding": "after", "trades": "after"}, since_params={"trades": "before"},
                  trades_params={"method": "publicGetMarketHistoryTrades", "type": "2"}, trades_window_ms=60_000,
                  trades_newest_first=True),
        # Hyperliquid info API: candleSnapshot max 5000, fundingHistory max 500; no OI history, no public trades.
        VenueSpec("hyperliquid", "hyperliquid", "HYPERLIQUID", {"fetchMarkets": {"types": ["swap"]},
                                                                "defaultType": "swap"},
                  ohlcv_limit=5000, funding_limit=500, historical_trades=False, oi_history=False),
    )
}
"""Supported venues by ``liqheat`` name."""


def venue_spec(name: str) -> VenueSpec:
    """
    The spec of a supported venue.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the supported ones).
    """
    try:
        return VENUES[name.lower()]
    except KeyError:
        raise ValueError(f"unsupported exchange {name!r}; supported: {sorted(VENUES)}") from None


_ORIGIN = re.compile(r"^https?://[^/]+")


def redirect_urls(urls: object, base_url: str) -> object:
    """
    Replace the scheme and host of every URL in a ccxt ``urls['api']`` entry (string, nested dict or list).

    Parameters
    ----------
    urls : str, dict or list
        ccxt ``urls['api']``.
    base_url : str
        E.g. ``"http://127.0.0.1:8765"``; paths and queries are kept.

    Returns
    -------
    str, dict or list
        The same shape with every origin replaced (anything else unchanged).
    """
    if isinstance(urls, dict):
        return {key: redirect_urls(value, base_url) for key, value in urls.items()}
    if isinstance(urls, list):
        return [redirect_urls(value, base_url) for value in urls]
    if isinstance(urls, str):
        return _ORIGIN.sub(base_url.rstrip("/"), urls)
    return urls


def make_exchange(name: str, api_base: str | None = None, timeout_ms: int = 10_000) -> ccxt.Exchange:
    """
    Build the synchronous ccxt client of a venue with ccxt's own rate limiter enabled.

    Parameters
    ----------
    name : str
        A key of :data:`VENUES`.
    api_base : str, optional
        Send every request to this origin instead of the exchange (a proxy or a local recorded-response
        server); the exchange's URL paths are kept.
    timeout_ms : int, default 10000
        Request timeout in milliseconds.

    Returns
    -------
    ccxt.Exchange
    """
    spec = venue_spec(name)
    exchange = getattr(ccxt, spec.ccxt_id)({"enableRateLimit": True, "timeout": timeout_ms,
                                            "options": dict(spec.options)})
    if api_base:
        exchange.urls["api"] = redirect_urls(exchange.urls["api"], api_base)
        exchange.hostname = api_base.split("://", 1)[-1]
    return exchange
