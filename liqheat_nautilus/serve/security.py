"""Access rules of ``liqheat serve``: loopback by default, a token for anything else, read-only.

- The server binds ``127.0.0.1`` unless told otherwise; binding any other address needs a token, read from the
  environment variable :data:`TOKEN_ENV` (never from the command line, where ``ps`` would show it).
- With a token set, every request must carry it: ``Authorization: Bearer <token>``, or the ``liqheat_token``
  cookie that ``GET /?token=<token>`` sets (HttpOnly, SameSite=Strict) so the dashboard and its event stream
  work in a browser. Tokens are compared in constant time.
- Read-only: only ``GET`` and ``HEAD`` are answered; anything else gets 405 before reaching a route.
"""

import hmac
import ipaddress
import os
import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_ENV = "LIQHEAT_SERVE_TOKEN"
"""Environment variable holding the API token."""
COOKIE = "liqheat_token"
MIN_TOKEN_LENGTH = 16


def is_loopback(host: str) -> bool:
    """
    Whether ``host`` only accepts local connections.

    Parameters
    ----------
    host : str
        Bind address (``127.0.0.1``, ``::1``, ``localhost``, ``0.0.0.0``, a hostname...).

    Returns
    -------
    bool
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cors_origins(values: list[str]) -> list[str]:
    """
    Check ``--cors-origin`` values: origins as browsers send them in the ``Origin`` header.

    Parameters
    ----------
    values : list[str]
        E.g. ``["http://localhost:3000"]``.

    Returns
    -------
    list[str]

    Raises
    ------
    ValueError
        For a value that is not ``scheme://host[:port]`` (no path, not even a trailing slash): such an origin never
        matches a browser's, so CORS would stay off for it without a word.
    """
    for value in values:
        if not re.fullmatch(r"https?://[^/\s?#]+", value):
            raise ValueError(f"--cors-origin must be an origin such as http://localhost:3000 (scheme, host, optional "
                             f"port; no path or trailing slash); got {value!r}")
    return list(values)


def token_for(host: str, environ: dict | None = None) -> str | None:
    """
    Return the token the server requires when bound to ``host``.

    Parameters
    ----------
    host : str
        Bind address.
    environ : dict, optional
        Environment (default ``os.environ``).

    Returns
    -------
    str or None
        The token from :data:`TOKEN_ENV`; ``None`` on a loopback address without one.

    Raises
    ------
    ValueError
        If ``host`` is not a loopback address and no token is set, or the token is shorter than
        :data:`MIN_TOKEN_LENGTH` characters.
    """
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_ENV, "").strip() or None
    if token is None and not is_loopback(host):
        raise ValueError(f"--host {host} accepts connections from other machines: set a token in the environment "
                         f"variable {TOKEN_ENV} (at least {MIN_TOKEN_LENGTH} characters); every request must then "
                         f"carry it (Authorization: Bearer <token>)")
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"{TOKEN_ENV} must hold at least {MIN_TOKEN_LENGTH} characters, had {len(token)}")
    return token


@dataclass
class AccessControl:
    """
    ASGI middleware: read-only methods and, when a token is set, the token on every request.

    Parameters
    ----------
    app : ASGI application
        The application wrapped (requests that pass go on to it).
    token : str or None
        Required token (``None``: no authentication, loopback only).
    """

    app: ASGIApp
    token: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 405 to a writing method and 401 to a missing or wrong token; pass anything else on (HEAD as GET)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _reply(send, 405, b'{"detail":"read-only API: only GET and HEAD are allowed"}',
                         [(b"allow", b"GET, HEAD")])
            return
        if self.token is not None:
            presented = _presented_token(scope)
            if presented is None or not hmac.compare_digest(presented.encode(), self.token.encode()):
                await _reply(send, 401, b'{"detail":"missing or wrong token (Authorization: Bearer <token>)"}',
                             [(b"www-authenticate", b"Bearer")])
                return
        if scope["method"] == "HEAD":  # the routes are GET routes: answer as GET, headers only (was 405)
            await self.app({**scope, "method": "GET"}, receive, _headers_only(send))
            return
        await self.app(scope, receive, send)


@dataclass
class RequestCounter:
    """
    ASGI middleware: count every HTTP request (``/api/stats``' ``requests``), then pass it on.

    Added outermost, so that it also counts the requests answered before :class:`AccessControl` (a CORS preflight)
    and those it refuses.

    Parameters
    ----------
    app : ASGI application
        The application wrapped.
    counters : dict
        ``counters["requests"]`` is incremented for every HTTP request.
    """

    app: ASGIApp
    counters: dict[str, int]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count an HTTP request and pass every request on."""
        if scope["type"] == "http":
            self.counters["requests"] = self.counters.get("requests", 0) + 1
        await self.app(scope, receive, send)


def _headers_only(send: Send) -> Send:
    """Wrap ``send`` for a HEAD request: the GET response's start (status, headers) and an empty body, no more."""
    ended = False

    async def send_headers(message) -> None:
        nonlocal ended
        if ended:
            return
        if message["type"] == "http.response.body":
            ended = True  # the response ends here (a stream too: the server then reports the client gone)
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_headers


def _presented_token(scope) -> str | None:
    headers = dict(scope.get("headers") or [])
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    if scope.get("path") == "/":
        from urllib.parse import parse_qs

        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        if values:
            return values[0]
    return None


async def _reply(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})
