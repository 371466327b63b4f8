"""Configuration of the open-interest / funding poller (:mod:`liqheat_nautilus.live.oi_poller`)."""

from nautilus_trader.config import LiveDataClientConfig, NautilusConfig


class PollTarget(NautilusConfig, frozen=True):
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
        ``instrument_id`` field), e.g. ``"BTCUSDT-PERP.BINANCE"``. Give each venue its own id with that venue
        (``"BTCUSDT.BYBIT"``, ``"BTC-USDT-SWAP.OKX"``): ``LiquidationMapActor`` sums open interest per instrument
        venue over its ``oi_instrument_ids``. The instrument need not be loaded in the node.
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
        Funding interval when the venue response does not say.
    """

    exchange: str
    symbol: str
    instrument_id: str
    venue: str = ""
    price_instrument_id: str = ""
    open_interest: bool = True
    funding: bool = False
    funding_interval_hours: float = 8.0

    @property
    def key(self) -> str:
        """``"<exchange>:<symbol>"``."""
        return f"{self.exchange}:{self.symbol}"

    @property
    def venue_label(self) -> str:
        """The ``OpenInterest.venue`` label."""
        return self.venue or self.exchange.upper()


class OpenInterestPollerConfig(LiveDataClientConfig, frozen=True, kw_only=True):
    """
    Configuration of :class:`~liqheat_nautilus.live.oi_poller.OpenInterestPoller`.

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
        set from ``request_timeout_secs`` and ``ccxt_options``.
    history_timeframe : str, default "5m"
        Timeframe of open-interest history for warm-up requests.
    history_limit : int, default 500
        Maximum rows per history request.
    open_interest_params : dict[str, dict], optional
        ``{exchange id: params}`` passed to ccxt ``fetch_open_interest`` (replacing
        :data:`DEFAULT_OPEN_INTEREST_PARAMS` for that exchange), e.g. ``{"bybit": {"intervalTime": "15min"}}``.
    """

    targets: list[PollTarget]
    interval_secs: float = 60.0
    request_timeout_secs: float = 10.0
    max_backoff_secs: float = 600.0
    stale_after_secs: float = 300.0
    api_base_overrides: dict[str, str] | None = None
    ccxt_options: dict[str, dict] | None = None
    ccxt_config: dict[str, dict] | None = None
    history_timeframe: str = "5m"
    history_limit: int = 500
    open_interest_params: dict[str, dict] | None = None


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
