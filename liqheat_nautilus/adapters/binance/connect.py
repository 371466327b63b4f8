"""
Why a Binance client could not connect, in one line, for ``liqheat live``'s error.

NautilusTrader 1.221 logs a failed connect as ``Error running '_connect'`` with, for a venue it cannot reach, only
``HttpError(error sending request for url (...))``, and its node then reports that its clients are "not all
connected": the cause (connection refused, an unknown host, a refused API key) was in neither.
:class:`ConnectCauseMixin` keeps the cause on the client (:attr:`ConnectCauseMixin.connect_cause`).
"""

import asyncio
import functools
import socket
from typing import Any
from urllib.parse import urlparse

from nautilus_trader.adapters.binance.http.error import BinanceError

KEY_ERROR_CODES = frozenset({-2014, -2015, -1022})
"""Binance error codes of a refused API key: bad key format, invalid key (or IP, or permissions), bad signature."""


async def describe_connect_failure(exc: BaseException, base_url: str, timeout_secs: float = 3.0) -> str:
    """
    One line saying why a client's connect to ``base_url`` failed.

    An HTTP answer of the venue is quoted (a refused API key is said so). For anything else (Nautilus' transport
    errors do not say what went wrong) the URL's host and port are tried: a host that does not resolve, a refused
    or timed-out TCP connection is named; a reachable one leaves the exception's own text.

    Parameters
    ----------
    exc : BaseException
        What the connect raised.
    base_url : str
        The client's HTTP base URL (e.g. ``"https://fapi.binance.com"``).
    timeout_secs : float, default 3.0
        Resolution and TCP connection timeout of the probe (seconds).

    Returns
    -------
    str
        E.g. ``"cannot connect to 127.0.0.1:9 (Connection refused) for http://127.0.0.1:9"``, ``"cannot resolve
        the host fapi.binanc.com of https://fapi.binanc.com (Name or service not known)"`` or
        ``"https://fapi.binance.com refused the API key (HTTP 401, code -2015: Invalid API-key, IP, or permissions
        for action.)"``.
    """
    if isinstance(exc, BinanceError):
        message: Any = exc.message
        code = message.get("code") if isinstance(message, dict) else None
        text = f"code {code}: {message.get('msg', '')}" if isinstance(message, dict) else str(message)[:200]
        if code in KEY_ERROR_CODES or exc.status == 401:
            return f"{base_url} refused the API key (HTTP {exc.status}, {text})"
        return f"{base_url} answered HTTP {exc.status} ({text})"
    own = f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")
    url = urlparse(base_url)
    host = url.hostname
    if not host:
        return own
    port = url.port or (443 if url.scheme in ("https", "wss") else 80)
    try:  # blocking (the system's resolver, then a bounded connection), in a thread: the node's loop runs on
        sock = await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(socket.create_connection, (host, port), timeout=timeout_secs))
    except socket.gaierror as gai:
        return f"cannot resolve the host {host} of {base_url} ({gai.strerror})"
    except TimeoutError:
        return f"cannot connect to {host}:{port} (no answer within {timeout_secs:g} s) for {base_url}"
    except OSError as err:
        return f"cannot connect to {host}:{port} ({err.strerror or err}) for {base_url}"
    sock.close()
    return own


class ConnectCauseMixin:
    """
    Keeps why a Nautilus Binance client's ``_connect`` failed in :attr:`connect_cause` (``""`` until then).

    :attr:`connect_url` is the HTTP base URL a connect under way (or done) is talking to.

    Put it before the Nautilus client class; the client must have ``_http_client`` (its ``base_url`` is probed).
    The exception is re-raised: Nautilus logs it as before.
    """

    connect_cause: str = ""
    connect_url: str = ""

    async def _connect(self) -> None:
        base_url = str(getattr(getattr(self, "_http_client", None), "base_url", "") or "")
        self.connect_cause, self.connect_url = "", base_url
        try:
            await super()._connect()  # type: ignore[misc]
        except Exception as exc:
            try:
                self.connect_cause = await describe_connect_failure(exc, base_url)
            except Exception:  # the probe must not hide the connect's own error
                self.connect_cause = f"{type(exc).__name__}: {str(exc)[:200]}"
            raise
