"""Serving the application under waitress, a production WSGI server, with a clean stop.

waitress reads each request whole before a thread handles it, so slow clients
cost a socket, not a thread; ``channel_timeout`` closes idle ones, and ones whose
request head has not arrived within it; at most ``max_connections`` are held at
once. The answers waitress gives by itself (a malformed request, a body over the
limit) carry the security headers too. SIGTERM and SIGINT close the listening
socket, let requests in flight finish, close idle connections, then stop the query
workers and flush the store.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from orchkg.app import SECURITY_HEADERS, create_app, services
from orchkg.errors import ConfigurationError
from orchkg.settings import Settings

log = logging.getLogger("orchkg.server")


class _ErrorTask(ErrorTask):  # type: ignore[misc]  # waitress has no type hints
    """waitress's own error answer, with the headers every orchkg answer carries."""

    def execute(self) -> None:
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


class _Channel(HTTPChannel):  # type: ignore[misc]  # waitress has no type hints
    """A client connection whose request head must arrive within ``channel_timeout``:
    waitress closes only *idle* connections, so a client sending a byte now and then
    would otherwise hold one for ever."""

    error_task_class = _ErrorTask
    head_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None or self.head_started is None:
            self.head_started = time.monotonic()
        result: bool = super().received(data)
        if self.request is None:
            self.head_started = None
        elif (
            not self.request.headers_finished
            and time.monotonic() - self.head_started > self.adj.channel_timeout
        ):
            self.will_close = True
        return result


def _close_connections(server: Any) -> None:
    """Close every client connection as soon as it is idle (a request in flight finishes
    first), so a stop does not wait for idle keep-alive connections to time out."""
    while server.active_channels:
        for channel in list(server.active_channels.values()):
            if not channel.requests:
                channel.will_close = True
        time.sleep(0.1)


def serve(settings: Settings) -> None:
    """Run the server until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    # The log lines are the message alone: skip finding the caller, the thread and the
    # process of every record (the logging HOWTO's "Optimization"); a request costs less.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    if settings.serve == "processes":
        from orchkg.prefork import serve_processes  # noqa: PLC0415 -- imports this module

        serve_processes(settings)
        return
    app = create_app(settings)
    try:
        server = make_server(app, settings, host=settings.host, port=settings.port)
    except OSError as error:
        services(app).close()
        raise ConfigurationError(
            f"cannot listen on {settings.host}:{settings.port}: {error.strerror}"
        ) from error
    address = f"http://{settings.host}:{settings.port}/"
    log.info('{"event": "listening", "url": "%s"}', address)
    print(f"orchkg serving on {address} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    run(app, server)


def make_server(app: Flask, settings: Settings, **where: Any) -> Any:
    """waitress's server for ``app``, listening where ``where`` says (host and port, or
    ``sockets``), with orchkg's limits and channel."""
    server = create_server(
        app,
        **where,
        threads=settings.threads,
        channel_timeout=settings.channel_timeout,
        max_request_body_size=settings.max_body_bytes + 1,  # waitress refuses its limit itself
        connection_limit=settings.max_connections,
        cleanup_interval=1,  # look for idle connections every second, not every 30
        ident="orchkg",
        clear_untrusted_proxy_headers=True,
    )
    server.channel_class = _Channel
    return server


def run(app: Flask, server: Any) -> None:
    """Serve until SIGTERM or SIGINT, then finish the requests in flight and close."""
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        log.info('{"event": "stopping", "signal": %d}', signum)
        server.close()
        threading.Thread(target=_close_connections, args=(server,), daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.run()
    except (OSError, ValueError):
        if not stopping.is_set():
            raise
    finally:
        server.task_dispatcher.shutdown(timeout=10)
        services(app).close()
        log.info('{"event": "stopped"}')
