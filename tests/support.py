"""Helpers shared by test modules (importable as ``support``; conftest is not importable)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import requests

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """A real ``orchkg serve`` process on 127.0.0.1."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return requests.post(self.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]


@contextmanager
def live_server(*args: str, env: dict[str, str] | None = None, cwd: Path) -> Iterator[LiveServer]:
    """Start ``orchkg [global args] serve --port N`` and stop it with SIGTERM afterwards.

    ``args`` are split at ``serve``: those before it are global options.
    """
    port = free_port()
    log = cwd / f"server-{port}.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORCHKG_")}
    environment.update(env or {})
    global_args, serve_args = (
        (args, ())
        if "serve" not in args
        else (
            args[: args.index("serve")],
            args[args.index("serve") + 1 :],
        )
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orchkg",
                *global_args,
                "serve",
                "--port",
                str(port),
                *serve_args,
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=cwd,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    server = LiveServer(process, url, log)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Listener:
    """A TCP socket on the loopback interface that records every connection made to it:
    proof that a request made the server reach out (``connections`` holds what each sent).

    ``touched()`` looks without waiting: a connection the server made before it answered
    is already accepted here or waiting in the socket's backlog.
    """

    def __init__(self, family: socket.AddressFamily = socket.AF_INET) -> None:
        self.socket = socket.socket(family)
        self.socket.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.settimeout(0.2)
        self.port: int = self.socket.getsockname()[1]
        host = "[::1]" if family == socket.AF_INET6 else "127.0.0.1"
        self.url = f"http://{host}:{self.port}"
        self.connections: list[bytes] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            index = len(self.connections)
            self.connections.append(b"(connected)")
            with connection:
                connection.settimeout(1)
                with suppress(OSError):
                    self.connections[index] = connection.recv(4096) or b"(connected)"

    def touched(self) -> bool:
        """Whether anything connected, or is waiting to be accepted, now."""
        if self.connections:
            return True
        waiting, _, _ = select.select([self.socket], [], [], 0)
        return bool(waiting) or bool(self.connections)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.socket.close()
