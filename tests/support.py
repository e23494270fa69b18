"""Helpers shared by test modules (importable as ``support``; conftest is not importable)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
