"""A local HTTP server on 127.0.0.1 answering like an exchange's REST API (test helper, no network).

The answers come from :mod:`tests.adapters.ccxt.emulators`: market definitions are hand-written fixture files in each
exchange's documented format (``fixtures/*.json``, provenance inside each); time series are synthetic (labelled
as such) laid out in each exchange's documented response format. Failures (HTTP 429, 5xx) can be queued to
exercise ccxt's error mapping and our retries.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    body: dict = field(default_factory=dict)


@dataclass
class Failure:
    """A queued failure: the next request whose path contains ``path_part`` gets this status and body."""

    path_part: str
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class RecordedExchangeServer:
    """
    Threaded HTTP server on a random free port of 127.0.0.1 dispatching to an emulator.

    Parameters
    ----------
    emulator : object
        Has ``respond(request) -> (status, json_obj)``.
    """

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.requests: list[Request] = []
        self.failures: list[Failure] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                return

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                body = {}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    body = json.loads(self.rfile.read(length) or b"{}")
                request = Request(method, parts.path, query, body)
                with server._lock:
                    server.requests.append(request)
                    failure = next((f for f in server.failures if f.path_part in parts.path), None)
                    if failure is not None:
                        server.failures.remove(failure)
                if failure is not None:
                    self._send(failure.status, failure.body.encode(), failure.headers)
                    return
                status, payload = server.emulator.respond(request)
                self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "RecordedExchangeServer":
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def fail_next(self, path_part: str, status: int, body: str = "", headers: dict | None = None) -> None:
        """Queue a failure for the next request whose path contains ``path_part``."""
        with self._lock:
            self.failures.append(Failure(path_part, status, body, headers or {}))

    def paths(self, part: str = "") -> list[Request]:
        """The requests received so far whose path contains ``part``."""
        with self._lock:
            return [r for r in self.requests if part in r.path]
