"""SERVICE calls through a relay that holds each call to a time limit.

The engine makes SERVICE calls itself, from Rust, and with no time limit: pyoxigraph's
``Store.query`` takes no HTTP option, and the engine builds its HTTP client without a
timeout, so an endpoint that accepts the connection and never answers holds the query
until ``query_timeout`` kills its worker. So a query worker does not let the engine
reach an endpoint directly. Before evaluation each allowlisted ``SERVICE`` IRI in the
query's text (``guard.redirect_services``) is replaced by an address of a relay that
the worker runs on the loopback interface, and the relay makes the call:

    engine ──POST──▶ relay (127.0.0.1, in the worker) ──POST──▶ allowlisted endpoint
           ◀── the answer; 502 if the call failed, 504 at the limit ──┘

Each call has ``federation_timeout`` seconds from the moment the relay receives it:
name resolution, connecting, sending the query and reading the whole answer. At the
limit the relay answers the engine at once and shuts the call's socket. A failed call
fails the query as SPARQL says, or gives one empty solution under ``SERVICE SILENT``
(the engine decides that). The relay notes each failure with the endpoint's own IRI,
so the worker can say which endpoint failed and how (``Session.failures``).

The relay forwards the engine's request as it is (``application/sparql-query``, the
engine's ``Accept``), follows no redirect (an allowlisted endpoint could redirect
anywhere), reads at most ``max_bytes`` of an answer, and serves only the addresses of
the session in progress, each under a random key.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from orchkg import __version__

_MAX_QUERY_BYTES = 10_000_000
"""The largest query the relay passes on (the engine's, made from a checked query)."""
_BACKSTOP = 1.0
"""Seconds past the limit a call's socket may still wait, should the relay's stop miss it
(a call cut off while it connects ends by this)."""


@dataclasses.dataclass(frozen=True)
class Failure:
    """A SERVICE call that did not succeed: the endpoint, what happened, whether it was
    the time limit."""

    index: int
    endpoint: str
    message: str
    timed_out: bool = False


@dataclasses.dataclass
class Session:
    """The SERVICE endpoints of one query, each reachable through the relay at ``address``."""

    key: str
    base: str
    endpoints: list[str]
    timeout: float
    max_bytes: int
    failures: list[Failure] = dataclasses.field(default_factory=list)

    def address(self, index: int, endpoint: str) -> str:
        """The relay's address for the ``index``-th endpoint (``endpoint`` is recorded)."""
        assert index == len(self.endpoints)
        self.endpoints.append(endpoint)
        return f"{self.base}/{self.key}/{index}"

    def failure_in(self, message: str) -> Failure | None:
        """The failure an engine's error message is about (it names the relay's address),
        else the last one noted."""
        for failure in self.failures:
            if f"{self.base}/{self.key}/{failure.index}" in message:
                return failure
        return self.failures[-1] if self.failures else None

    def real(self, text: str) -> str:
        """A message with the relay's addresses turned back into the endpoints' IRIs."""
        for index, endpoint in enumerate(self.endpoints):
            text = text.replace(f"{self.base}/{self.key}/{index}", endpoint)
        return text


class _Call:
    """One forwarded request, run on its own thread so the relay can give up on it."""

    def __init__(self, endpoint: str, body: bytes, headers: dict[str, str], max_bytes: int):
        self.endpoint = endpoint
        self.body = body
        self.headers = headers
        self.max_bytes = max_bytes
        self.answer: tuple[int, str, bytes] | None = None
        self.error = ""
        self.socket: socket.socket | None = None
        self.cancelled = threading.Event()
        self.done = threading.Event()

    def run(self, timeout: float) -> None:
        parts = urlsplit(self.endpoint)
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = kind(parts.hostname or "", parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.connect()
            self.socket = connection.sock
            if self.cancelled.is_set():
                return
            connection.request("POST", target, body=self.body, headers=self.headers)
            response = connection.getresponse()
            data = response.read(self.max_bytes + 1)
            if len(data) > self.max_bytes:
                self.error = f"its answer is larger than the {self.max_bytes:,}-byte limit"
            elif not 200 <= response.status < 300:
                excerpt = data[:300].decode("utf-8", "replace").strip()
                self.error = f"it answered {response.status} {response.reason}: {excerpt}"
            else:
                self.answer = (response.status, response.getheader("Content-Type", ""), data)
        except (OSError, http.client.HTTPException) as error:
            self.error = _describe(error)
        finally:
            connection.close()
            self.done.set()

    def cancel(self) -> None:
        self.cancelled.set()
        if self.socket is not None:
            with contextlib.suppress(OSError):
                self.socket.shutdown(socket.SHUT_RDWR)


def _describe(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(error, socket.gaierror):
        return f"its host name did not resolve ({error.strerror})"
    if isinstance(error, TimeoutError):
        return "it did not answer in time"
    if isinstance(error, http.client.RemoteDisconnected):
        return "it closed the connection without answering"
    return f"the call failed: {error}"


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A request that broke the handler (only a local process sending nonsense can) is
        dropped; library code prints nothing."""


class Relay:
    """The loopback HTTP server a query worker sends its SERVICE calls through."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                relay.handle(self)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: library code prints nothing."""

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @contextlib.contextmanager
    def session(self, *, timeout: float, max_bytes: int) -> Iterator[Session]:
        """A session for one query's SERVICE calls; its addresses stop working after it."""
        session = Session(secrets.token_urlsafe(16), self.base, [], timeout, max_bytes)
        with self._lock:
            self._sessions[session.key] = session
        try:
            yield session
        finally:
            with self._lock:
                del self._sessions[session.key]

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        """Forward one call from the engine, within the session's time limit."""
        started = time.monotonic()
        _, key, index = [*request.path.split("/", 2), "", ""][:3]
        with self._lock:
            session = self._sessions.get(key)
        if session is None or not index.isdigit() or int(index) >= len(session.endpoints):
            _reply(request, 404, "text/plain", b"no such SERVICE call")
            return
        endpoint = session.endpoints[int(index)]
        length = request.headers.get("Content-Length") or "0"
        if not length.isdigit() or int(length) > _MAX_QUERY_BYTES:
            _reply(
                request,
                400,
                "text/plain",
                b"a SERVICE call needs a Content-Length, at most 10,000,000 bytes",
            )
            return
        body = request.rfile.read(int(length))
        headers = {
            "Content-Type": request.headers.get("Content-Type") or "application/sparql-query",
            "Accept": request.headers.get("Accept") or "application/sparql-results+json",
            "User-Agent": f"orchkg/{__version__}",
        }
        call = _Call(endpoint, body, headers, session.max_bytes)
        remaining = max(session.timeout - (time.monotonic() - started), 0)
        # the call's own socket timeout is a backstop past the limit: at the limit the
        # relay answers and shuts the socket, so the limit is told as such, never raced
        backstop = remaining + _BACKSTOP
        threading.Thread(target=call.run, args=(backstop,), daemon=True).start()
        if not call.done.wait(remaining):
            call.cancel()
            message = f"SERVICE <{endpoint}> did not answer within {session.timeout:g} s"
            session.failures.append(Failure(int(index), endpoint, message, timed_out=True))
            _reply(request, 504, "text/plain", message.encode())
            return
        if call.answer is None:
            message = f"SERVICE <{endpoint}> failed: {call.error}"
            session.failures.append(Failure(int(index), endpoint, message))
            _reply(request, 502, "text/plain", message.encode())
            return
        status, media_type, data = call.answer
        _reply(request, status, media_type, data)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _reply(request: BaseHTTPRequestHandler, status: int, media_type: str, body: bytes) -> None:
    with contextlib.suppress(OSError):
        request.send_response(status)
        request.send_header("Content-Type", media_type)
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(body)
