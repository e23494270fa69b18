"""Latency of many small queries in a row through orchkg.client, and over a reused connection.

Starts ``orchkg serve`` on a free port with the shipped content, then times ``--count``
ASK queries one after another (after ``--warmup`` untimed ones) in four ways:

* **orchkg.client**: ``Client.query``, as a user calls it (SPARQLWrapper's request, sent by
  urllib: a new connection per request, ``Connection: close``);
* **SPARQLWrapper**: ``SPARQLWrapper.query().convert()`` alone, POST, JSON;
* **keep-alive, Nagle on** and **keep-alive, TCP_NODELAY**: one reused ``http.client``
  connection, which sends a request's head and body in two writes: the case where
  Nagle's algorithm and delayed ACKs can hold the body back about 40 ms.

It prints the median, 90th percentile and maximum of each, in milliseconds. It measures;
it asserts nothing (``tests/test_client.py`` holds the client's median under 20 ms).

    .venv/bin/python benchmarks/client.py
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # this folder holds http.py, which would shadow the standard library's

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

from SPARQLWrapper import JSON, POST, SPARQLWrapper

from orchkg.client import Client

REPO = Path(__file__).resolve().parents[1]
QUERY = "ASK { kg:marathon okg:runsOn kg:mesos }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def timed(call: Callable[[], object], count: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def keep_alive(port: int, *, nodelay: bool) -> Callable[[], object]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.connect()
    if nodelay:
        assert connection.sock is not None
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = urllib.parse.urlencode({"query": QUERY}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
    }

    def call() -> object:
        connection.request("POST", "/sparql", body=body, headers=headers)
        return connection.getresponse().read()

    return call


def wrapper(url: str) -> Callable[[], object]:
    def call() -> object:
        sparql = SPARQLWrapper(url + "/sparql")
        sparql.setMethod(POST)
        sparql.setReturnFormat(JSON)
        sparql.setQuery(QUERY)
        return sparql.query().convert()

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORCHKG_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "orchkg", "--content-dir", str(REPO), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        client = Client(url)
        ways: dict[str, Callable[[], object]] = {
            "orchkg.client (new connection per query)": lambda: client.query(QUERY),
            "SPARQLWrapper alone (new connection per query)": wrapper(url),
            "http.client keep-alive, Nagle on": keep_alive(port, nodelay=False),
            "http.client keep-alive, TCP_NODELAY": keep_alive(port, nodelay=True),
        }
        print(f"{args.count} queries in a row ({QUERY!r}), milliseconds\n")
        print("| way | median | p90 | max |\n|---|---|---|---|")
        for name, call in ways.items():
            timings = sorted(timed(call, args.count, args.warmup))
            p90 = timings[int(len(timings) * 0.9) - 1]
            median = statistics.median(timings)
            print(f"| {name} | {median:.2f} | {p90:.2f} | {timings[-1]:.2f} |")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
