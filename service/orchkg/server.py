"""Serving the application under waitress, a production WSGI server, with a clean stop.

waitress reads each request whole before a thread handles it, so slow clients
cost a socket, not a thread; ``channel_timeout`` closes idle ones. SIGTERM and
SIGINT close the listening socket, let requests in flight finish, then stop the
query workers and flush the store.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from waitress.server import create_server

from orchkg.app import create_app, services
from orchkg.errors import ConfigurationError
from orchkg.settings import Settings

log = logging.getLogger("orchkg.server")


def serve(settings: Settings) -> None:
    """Run the server until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    app = create_app(settings)
    try:
        server = create_server(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.threads,
            channel_timeout=settings.channel_timeout,
            max_request_body_size=settings.max_body_bytes,
            connection_limit=200,
            ident="orchkg",
            clear_untrusted_proxy_headers=True,
        )
    except OSError as error:
        services(app).close()
        raise ConfigurationError(
            f"cannot listen on {settings.host}:{settings.port}: {error.strerror}"
        ) from error
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        log.info('{"event": "stopping", "signal": %d}', signum)
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    address = f"http://{settings.host}:{settings.port}/"
    log.info('{"event": "listening", "url": "%s"}', address)
    print(f"orchkg serving on {address} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        server.run()
    except (OSError, ValueError):
        if not stopping.is_set():
            raise
    finally:
        server.task_dispatcher.shutdown(timeout=10)
        services(app).close()
        log.info('{"event": "stopped"}')
