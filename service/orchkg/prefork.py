"""``serve = "processes"``: several serving processes on one port, under a supervisor.

One Python process serves one core's worth of Python (the GIL), and in the ``workers``
layout every query also costs a round trip to a query worker. Here the supervisor loads
the content, opens the listening socket and forks ``processes`` serving processes, which
share that socket (the kernel gives each connection to one of them). Each runs waitress
with ``threads`` threads and evaluates its queries itself (``orchkg.inprocess``):

    supervisor ─ loads, listens, forks; replaces a serving process that ends
      ├─ serving process 1: waitress + Flask + the engine (its own copy of the data)
      └─ serving process 2: ...

The protections of the ``workers`` layout, process by process:

* **deadline**: a query past ``query_timeout`` cannot be cancelled, so its serving process
  answers it 503 itself, stops accepting, lets its other requests finish (at most
  ``GRACE`` seconds; any evaluation still running then is answered 503 too) and ends,
  which frees the CPU; the supervisor forks a fresh one, and the other processes serve on;
* **crash isolation**: a serving process that crashes, or runs past ``max_worker_memory``
  (its data limit), ends alone; the supervisor replaces it. Unlike a query worker's crash,
  the requests that process had in flight get no answer (their connection closes);
* **limits and the bounded queue**: the same settings, per serving process;
* **writes**: every process's copy is kept the same (``orchkg.shared_store``): a write
  acknowledged by one process is seen by the next query in any process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g
from waitress.channel import ClientDisconnected
from waitress.task import WSGITask

from orchkg.app import create_app, services
from orchkg.errors import ConfigurationError, OrchkgError, OverloadedError, QueryMemoryError
from orchkg.inprocess import InProcessEvaluator, Running
from orchkg.server import _Channel, make_server, run
from orchkg.settings import Settings
from orchkg.shared_store import SharedStore

log = logging.getLogger("orchkg.server")

GRACE = 1.0
"""Seconds a serving process stopping at a deadline gives its other requests to finish."""
EXIT_DEADLINE = 75
"""Exit status of a serving process that ended to stop a query past its deadline."""
_CHANNEL = "orchkg.channel"


class _Task(WSGITask):  # type: ignore[misc]  # waitress has no type hints
    """A request whose environ knows its connection, so the watchdog can answer it."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[_CHANNEL] = self.channel
        return environ


class _ProcessChannel(_Channel):
    task_class = _Task


def _response_bytes(
    app: Flask, environ: Mapping[str, Any], error: OrchkgError, running_for: float
) -> bytes:
    """The whole HTTP answer the application gives for ``error`` on this request, with
    ``Connection: close`` (the process ends after it)."""
    with app.request_context(dict(environ)):
        g.started = time.perf_counter() - running_for  # for the request log's duration
        response = app.make_response(app.handle_user_exception(error))
        response = app.process_response(response)
        body = b"" if environ.get("REQUEST_METHOD") == "HEAD" else response.get_data()
    lines = [f"HTTP/1.1 {response.status}"]
    for name, value in response.headers.items():
        if name.lower() not in ("content-length", "connection"):
            lines.append(f"{name}: {value}")
    lines += [f"Content-Length: {len(response.get_data())}", "Connection: close", "Server: orchkg"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _answer(app: Flask, running: Running, error: OrchkgError) -> None:
    """Answer a request whose evaluation is still running, on its own connection."""
    channel = (running.environ or {}).get(_CHANNEL)
    if channel is None:
        return
    running_for = time.monotonic() - running.started
    data = _response_bytes(app, running.environ or {}, error, running_for)
    with contextlib.suppress(OSError, ClientDisconnected):  # a client gone: nothing to answer
        channel.write_soon(data)
        with channel.outbuf_lock:
            channel._flush_some(do_close=False)  # waitress's own flush, as write_soon uses it
        channel.server.pull_trigger()  # anything left, the main loop sends


class _Stopper:
    """What a serving process does when evaluations pass their deadline or the memory share:
    answer them, stop accepting, let the other requests finish (``GRACE``), end."""

    def __init__(self, app: Flask, server: Any, evaluator: InProcessEvaluator) -> None:
        self.app = app
        self.server = server
        self.evaluator = evaluator
        self.stopping = False
        self.lock = threading.Lock()

    def __call__(self, stopped: list[Running], error: OrchkgError) -> None:
        for running in stopped:
            _answer(self.app, running, error)
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
        why = "memory" if isinstance(error, QueryMemoryError) else "deadline"
        log.info('{"event": "stopping at a query %s", "pid": %d}', why, os.getpid())
        os.kill(os.getpid(), signal.SIGTERM)  # stop accepting, close idle connections
        threading.Thread(target=self._end, name="orchkg-deadline-stop", daemon=True).start()

    def _end(self) -> None:
        dispatcher = self.server.task_dispatcher
        until = time.monotonic() + GRACE
        while time.monotonic() < until:
            running = self.evaluator.running()
            late = sum(1 for r in running if r.expired)
            if len(running) == late and dispatcher.active_count <= late and not dispatcher.queue:
                break
            time.sleep(0.01)
        for left in self.evaluator.running():
            if not left.expired:
                error = OverloadedError(
                    "the serving process stopped (another query ran past the time limit) "
                    "before this query finished; retry"
                )
                _answer(self.app, left, error)
        time.sleep(0.05)  # let the main loop send what the flushes left
        logging.shutdown()
        os._exit(EXIT_DEADLINE)


def _child(app: Flask, settings: Settings, listener: socket.socket) -> None:
    """A serving process: waitress on the shared socket until SIGTERM or a deadline."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    if settings.max_worker_memory:
        limit = settings.max_worker_memory * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    server = make_server(app, settings, sockets=[listener])
    server.channel_class = _ProcessChannel
    evaluator = services(app).pool
    assert isinstance(evaluator, InProcessEvaluator)
    evaluator.on_stop = _Stopper(app, server, evaluator)
    run(app, server)


def serve_processes(settings: Settings) -> None:
    """Load, listen, fork ``processes`` serving processes; replace any that ends; on SIGTERM
    or SIGINT stop them all (each finishes its requests in flight) and return."""
    app = create_app(settings)
    store = services(app).store
    assert isinstance(store, SharedStore)
    directory = Path(tempfile.mkdtemp(prefix="orchkg-shared-"))
    store.share(directory)
    try:
        listener = socket.create_server(
            (settings.host, settings.port), backlog=max(settings.max_connections, 128)
        )
    except OSError as error:
        shutil.rmtree(directory, ignore_errors=True)
        raise ConfigurationError(
            f"cannot listen on {settings.host}:{settings.port}: {error.strerror}"
        ) from error
    listener.setblocking(False)
    supervisor = _Supervisor(app, settings, listener)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    for slot in range(settings.processes):
        supervisor.spawn(slot)
    address = f"http://{settings.host}:{settings.port}/"
    log.info(
        '{"event": "listening", "url": "%s", "serving_processes": %s}',
        address,
        sorted(supervisor.children),
    )
    print(f"orchkg serving on {address} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        supervisor.watch()
    finally:
        listener.close()
        shutil.rmtree(directory, ignore_errors=True)
        log.info('{"event": "stopped"}')


class _Supervisor:
    """Forks the serving processes and replaces any that ends, until told to stop."""

    def __init__(self, app: Flask, settings: Settings, listener: socket.socket) -> None:
        self.app = app
        self.settings = settings
        self.listener = listener
        self.children: dict[int, int] = {}  # pid -> slot
        self.stopping = False

    def spawn(self, slot: int) -> None:
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _child(self.app, self.settings, self.listener)
            except BaseException:
                log.exception("serving process failed")
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        self.children[pid] = slot

    def stop(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            self.stopping = True
            log.info('{"event": "stopping", "signal": %d}', signum)
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def watch(self) -> None:
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                return
            if pid not in self.children:
                continue
            slot = self.children.pop(pid)
            if not self.stopping:
                _log_end(pid, status)
                self.spawn(slot)


def _log_end(pid: int, status: int) -> None:
    if os.WIFSIGNALED(status):
        how = f"signal {os.WTERMSIG(status)}"
    elif os.WEXITSTATUS(status) == EXIT_DEADLINE:
        how = "stopped a query at its deadline or memory limit"
    else:
        how = f"exit status {os.WEXITSTATUS(status)}"
    log.warning(
        '{"event": "serving process ended", "pid": %d, "how": "%s", "replaced": true}', pid, how
    )
