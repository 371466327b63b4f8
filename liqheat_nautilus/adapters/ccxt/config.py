"""Configuration of the ccxt adapter: the open-interest / funding poller (:mod:`.data`) and the venues' REST limits.

Keys never go into these configs: ccxt runs the poller and the history fetch on public endpoints only, and
``ccxt_config`` entries naming a ccxt credential (``apiKey``, ``secret``, ...) are rejected.
"""

import re
from dataclasses import dataclass, field

import ccxt
from nautilus_trader.common.config import PositiveFloat, PositiveInt
from nautilus_trader.config import LiveDataClientConfig, NautilusConfig
from nautilus_trader.core.correctness import PyCondition

CREDENTIAL_KEYS = frozenset(ccxt.Exchange.requiredCredentials)
"""ccxt's credential settings (``apiKey``, ``secret``, ``uid``, ``password``, ``privateKey``, ...)."""


def venue_of_ccxt_id(exchange: str) -> str | None:
    """
    Return the Nautilus venue of a ccxt exchange id of a supported venue (:data:`VENUES`), else ``None``.

    A poll target's ``instrument_id`` must be on it. Both a ``VENUES`` name and its ccxt id count (``binance``,
    ``binanceusdm``), and ccxt's COIN-M Binance ``binancecoinm`` is ``BINANCE`` too.

    Parameters
    ----------
    exchange : str
        ccxt exchange id.

    Returns
    -------
    str or None
    """
    if exchange == "binancecoinm":
        return "BINANCE"
    return next((spec.venue for spec in VENUES.values() if exchange in (spec.name, spec.ccxt_id)), None)


class PollTarget(NautilusConfig, frozen=True, forbid_unknown_fields=True):
    """
    One market to poll.

    Parameters
    ----------
    exchange : str
        ccxt exchange id: ``"binance"``, ``"bybit"``, ``"okx"``, ``"hyperliquid"``.
    symbol : str
        ccxt unified symbol, e.g. ``"BTC/USDT:USDT"`` (linear perpetual) or ``"BTC/USD:BTC"`` (inverse).
    instrument_id : str
        Nautilus instrument id the data is published under (``metadata={"instrument_id": ...}`` and the
        ``instrument_id`` field), e.g. ``"BTCUSDT-PERP.BINANCE"``. Give each venue its own id with that venue, as
        NautilusTrader's adapters name them (``"BTCUSDT-LINEAR.BYBIT"``, ``"BTC-USDT-SWAP.OKX"``):
        ``LiquidationMapActor`` sums open interest per instrument venue over its ``oi_instrument_ids``. The
        instrument need not be loaded in the node.
    venue : str, default ""
        Label written into ``OpenInterest.venue`` (default: the exchange id upper-cased).
    price_instrument_id : str, default ""
        Instrument whose cached price (last trade, mid, mark) values open interest the venue reports only in
        contracts/base units (default: ``instrument_id``; set it to the traded instrument, e.g.
        ``"BTCUSDT-PERP.BINANCE"``, for venues whose instrument is not streamed in the node).
    open_interest : bool, default True
        Poll open interest.
    funding : bool, default False
        Poll the funding rate too (for venues whose Nautilus adapter does not stream it).
    funding_interval_hours : float, default 8.0
        Funding interval when the venue response does not say (> 0).

    Raises
    ------
    ValueError
        If ``exchange``, ``symbol`` or ``instrument_id`` is empty, ``symbol`` not a ccxt unified perpetual symbol
        (``BASE/QUOTE:SETTLE``), the exchange id unknown to ccxt, an instrument id not a Nautilus one, or
        ``instrument_id`` not on the exchange's venue (:func:`venue_of_ccxt_id`).
    """

    exchange: str
    symbol: str
    instrument_id: str
    venue: str = ""
    price_instrument_id: str = ""
    open_interest: bool = True
    funding: bool = False
    funding_interval_hours: PositiveFloat = 8.0

    def __post_init__(self) -> None:
        """Check the strings: non-empty, a ccxt exchange id, Nautilus instrument ids (while the file is read)."""
        from liqheat_nautilus import validation

        for name in ("exchange", "symbol", "instrument_id"):
            PyCondition.valid_string(getattr(self, name), name)
        if not re.fullmatch(r"[^/:\s]+/[^/:\s]+:[^/:\s]+", self.symbol):  # a venue id polls nothing: ccxt's "not found"
            raise ValueError(f"poll target {self.key}: symbol {self.symbol!r} is not a ccxt unified perpetual symbol "
                             "BASE/QUOTE:SETTLE (e.g. 'BTC/USDT:USDT', inverse 'BTC/USD:BTC')")
        if self.exchange not in ccxt.exchanges:  # the poller refused it only once the node was being built
            raise ValueError(f"poll target {self.key}: unknown ccxt exchange id {self.exchange!r} (e.g. binance, "
                             "bybit, okx, hyperliquid)")
        venue = validation.instrument_id(self.instrument_id, f"poll target {self.key}: instrument_id").venue.value
        expected = venue_of_ccxt_id(self.exchange)
        if expected is not None and venue != expected:  # the venue's open interest summed as another venue's
            raise ValueError(f"poll target {self.key}: instrument_id {self.instrument_id!r} is on venue {venue}, "
                             f"but ccxt {self.exchange!r} is {expected}: use an id of {expected} (NautilusTrader's "
                             "adapters name them e.g. 'BTCUSDT-PERP.BINANCE', 'BTCUSDT-LINEAR.BYBIT', "
                             "'BTC-USDT-SWAP.OKX', 'BTC-USD-PERP.HYPERLIQUID')")
        if self.price_instrument_id:
            validation.instrument_id(self.price_instrument_id, f"poll target {self.key}: price_instrument_id")

    @property
    def key(self) -> str:
        """``"<exchange>:<symbol>"``."""
        return f"{self.exchange}:{self.symbol}"

    @property
    def venue_label(self) -> str:
        """The ``OpenInterest.venue`` label."""
        return self.venue or self.exchange.upper()


class CcxtDataClientConfig(LiveDataClientConfig, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """
    Configuration of :class:`~liqheat_nautilus.adapters.ccxt.data.CcxtDataClient`.

    Parameters
    ----------
    targets : list[PollTarget]
        Markets to poll (at least one).
    interval_secs : float, default 60.0
        Seconds between polls of one target when healthy.
    request_timeout_secs : float, default 10.0
        Timeout of one venue request (seconds).
    max_backoff_secs : float, default 600.0
        Longest wait after consecutive errors (the wait doubles per error from ``interval_secs``).
    stale_after_secs : float, default 300.0
        A target is *stale* when no new venue observation (a later venue timestamp) arrived for this long.
    api_base_overrides : dict[str, str], optional
        ``{exchange id: base URL}``; replaces scheme and host of every ccxt API URL of that exchange, keeping the
        path (``https://fapi.binance.com/fapi/v1`` -> ``http://127.0.0.1:8080/fapi/v1``). For proxies and the
        offline replay tests.
    ccxt_options : dict[str, dict], optional
        ``{exchange id: ccxt options}``, e.g. ``{"binance": {"fetchMarkets": ["linear"]}}``.
    ccxt_config : dict[str, dict], optional
        ``{exchange id: extra ccxt constructor settings}``, e.g. ``{"hyperliquid": {"rateLimit": 100}}`` (ms
        between requests of cost 1 for ccxt's own limiter, which stays enabled). ``timeout`` and ``options`` are
        set from ``request_timeout_secs`` and ``ccxt_options``. Credentials (:data:`CREDENTIAL_KEYS`) are rejected.
    history_timeframe : str, default "5m"
        Timeframe of open-interest history for warm-up requests.
    history_limit : int, default 500
        Maximum rows per history request.
    open_interest_params : dict[str, dict], optional
        ``{exchange id: params}`` passed to ccxt ``fetch_open_interest`` (replacing
        :data:`DEFAULT_OPEN_INTEREST_PARAMS` for that exchange), e.g. ``{"bybit": {"intervalTime": "15min"}}``.

    Raises
    ------
    ValueError
        If ``targets`` is empty or ``ccxt_config`` holds a credential (keys come from the environment only).
    """

    targets: list[PollTarget]
    interval_secs: PositiveFloat = 60.0
    request_timeout_secs: PositiveFloat = 10.0
    max_backoff_secs: PositiveFloat = 600.0
    stale_after_secs: PositiveFloat = 300.0
    api_base_overrides: dict[str, str] | None = None
    ccxt_options: dict[str, dict] | None = None
    ccxt_config: dict[str, dict] | None = None
    history_timeframe: str = "5m"
    history_limit: PositiveInt = 500
    open_interest_params: dict[str, dict] | None = None

    def __post_init__(self) -> None:
        """Check that there is a target and that ``ccxt_config`` holds no credentials."""
        PyCondition.not_empty(self.targets, "targets")
        for exchange_id, settings in (self.ccxt_config or {}).items():
            keys = sorted(set(settings) & CREDENTIAL_KEYS)
            if keys:
                raise ValueError(f"ccxt_config[{exchange_id!r}] holds the credential(s) {keys}: the poller reads "
                                 "public data only and API keys are never taken from config files")


DEFAULT_OPEN_INTEREST_PARAMS: dict[str, dict] = {"bybit": {"intervalTime": "5min"}}
"""ccxt ``fetch_open_interest`` params per exchange id unless ``open_interest_params`` names that exchange.

Bybit's ``/v5/market/open-interest`` returns interval records (``intervalTime`` 5min ... 1d) and ccxt asks for
``1h`` unless told; ``5min`` is the finest documented interval (bybit-exchange.github.io/docs/v5/market/open-interest),
so a new observation arrives every 5 minutes instead of every hour. The raw Bybit parameter is given (it replaces
ccxt's) so no parameter unknown to Bybit is sent.
"""

OPEN_INTEREST_UPDATE_SECS: dict[str, float] = {"bybit": 300.0}
"""Seconds between new open-interest observations a venue produces at best (Bybit: its 5-minute records).

A target of such a venue is marked stale only after ``max(stale_after_secs, update_secs + interval_secs)``.
"""


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
    Return the spec of a supported venue.

    Parameters
    ----------
    name : str
        The venue's name, any case: ``"binance"``, ``"bybit"``, ``"okx"`` or ``"hyperliquid"`` (:data:`VENUES`).

    Returns
    -------
    VenueSpec

    Raises
    ------
    ValueError
        For an unknown name (the message lists the supported ones).
    """
    try:
        return VENUES[name.lower()]
    except KeyError:
        raise ValueError(f"unsupported exchange {name!r}; supported: {sorted(VENUES)}") from None


def history_row_limit(exchange_id: str, kind: str, configured: int) -> int:
    """
    Rows asked for in one history request: ``configured``, capped at the venue's documented maximum.

    Parameters
    ----------
    exchange_id : str
        ccxt exchange id (``binance``, ``binanceusdm``, ``bybit``, ``okx``, ``hyperliquid``).
    kind : {"oi", "funding", "ohlcv"}
        Open-interest, funding-rate or candle history.
    configured : int
        ``CcxtDataClientConfig.history_limit``.

    Returns
    -------
    int
        ``min(configured, limit)`` with the per-endpoint limits of
        :data:`~liqheat_nautilus.adapters.ccxt.config.VENUES` (e.g. Bybit 200, OKX 100); ``configured`` for other ids.
    """
    for spec in VENUES.values():
        if exchange_id in (spec.name, spec.ccxt_id):
            limits = {"oi": spec.oi_limit, "funding": spec.funding_limit, "ohlcv": spec.ohlcv_limit}
            return min(configured, limits[kind])
    return configured
