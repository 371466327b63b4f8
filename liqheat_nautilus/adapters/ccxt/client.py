"""
ccxt clients of the ccxt adapter: synchronous for the history fetch, ``ccxt.async_support`` for the live poller.

Both have ccxt's rate limiter on and may be redirected to a local server or proxy.
"""

import re

import ccxt
import ccxt.async_support as ccxt_async

from liqheat_nautilus.adapters.ccxt.config import venue_spec

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


def ccxt_client(ccxt_id: str, *, asynchronous: bool = False, options: dict | None = None,
                settings: dict | None = None, api_base: str | None = None,
                timeout_ms: int = 10_000) -> ccxt.Exchange | ccxt_async.Exchange:
    """
    Build a ccxt client with ccxt's own rate limiter enabled.

    Parameters
    ----------
    ccxt_id : str
        ccxt exchange class (``binanceusdm``, ``binance``, ``bybit``, ``okx``, ``hyperliquid``).
    asynchronous : bool, default False
        ``ccxt.async_support`` (the live poller) instead of the synchronous client (history fetch).
    options : dict, optional
        ccxt ``options`` (e.g. restrict market loading to perpetual swaps).
    settings : dict, optional
        Extra constructor settings (e.g. ``{"rateLimit": 100}``); ``enableRateLimit``, ``timeout`` and ``options``
        are always set from the other arguments.
    api_base : str, optional
        Send every request to this origin instead of the exchange (a proxy or a local recorded-response server);
        the exchange's URL paths are kept.
    timeout_ms : int, default 10000
        Request timeout in milliseconds.

    Returns
    -------
    ccxt.Exchange or ccxt.async_support.Exchange

    Raises
    ------
    ValueError
        If ccxt has no exchange ``ccxt_id``.
    """
    module = ccxt_async if asynchronous else ccxt
    if ccxt_id not in module.exchanges:
        raise ValueError(f"unknown ccxt exchange id {ccxt_id!r}")
    exchange = getattr(module, ccxt_id)({**(settings or {}), "enableRateLimit": True, "timeout": int(timeout_ms),
                                         "options": dict(options or {})})
    if api_base:
        exchange.urls["api"] = redirect_urls(exchange.urls["api"], api_base)
        exchange.hostname = api_base.split("://", 1)[-1]
    return exchange


def make_exchange(name: str, api_base: str | None = None, timeout_ms: int = 10_000) -> ccxt.Exchange:
    """
    Return the synchronous ccxt client of a venue ``liqheat catalog fetch`` supports.

    Parameters
    ----------
    name : str
        A key of :data:`~liqheat_nautilus.adapters.ccxt.config.VENUES` (``binance``, ``bybit``, ``okx``,
        ``hyperliquid``).
    api_base : str, optional
        See :func:`ccxt_client`.
    timeout_ms : int, default 10000
        Request timeout in milliseconds.

    Returns
    -------
    ccxt.Exchange

    Raises
    ------
    ValueError
        For an unknown venue name (the message lists the supported ones).
    """
    spec = venue_spec(name)
    return ccxt_client(spec.ccxt_id, options=spec.options, api_base=api_base, timeout_ms=timeout_ms)
