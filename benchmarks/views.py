"""Render time of the architecture views: cold and cached, in-process and over HTTP.

    .venv/bin/python -P benchmarks/views.py [--repeats 7] [--formats svg,png]

In-process: a ``Renderer`` on the shipped content; *cold* empties its cache before each
render (the font and the measured text widths stay warm, as in a running server),
*cached* renders the same request again (25 times). Over HTTP: a real ``orchkg serve`` on
127.0.0.1; *cold* follows a write (a one-triple update to a scratch graph, which
changes the store's version and so misses every cache), *cached* repeats the request
(25 times, on one keep-alive connection). Medians, in milliseconds. Run it with ``-P``
so that ``benchmarks/`` does not shadow standard modules (``benchmarks/http.py``).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

from orchkg.content import open_store
from orchkg.diagrams import make_request
from orchkg.renderer import Renderer
from orchkg.settings import load_settings

VIEWS = [
    ("kubernetes", {}),
    ("mesos-marathon", {}),
    ("dcos", {}),
    ("compare", {}),
    ("neighbourhood", {"resource": "kube-apiserver", "depth": "2"}),
    ("dependencies", {"component": "mesos-marathon"}),
    ("custom", {}),
]
CACHED_REPEATS = 25
TOKEN = "benchmark-token"  # noqa: S105 -- a throwaway credential for a local server


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def in_process(repeats: int, formats: list[str]) -> dict[tuple[str, str], tuple[float, float]]:
    settings = load_settings({}, environ={})
    store = open_store(settings)
    renderer = Renderer(store, base_iri=settings.base_iri)
    results = {}
    for name, params in VIEWS:
        request = make_request(name, params, "en", base_iri=settings.base_iri)
        for fmt in formats:
            renderer.render(request, fmt)  # warm the font, imports and text widths
            cold, cached = [], []
            for _ in range(repeats):
                renderer.clear()
                start = time.perf_counter()
                renderer.render(request, fmt)
                cold.append(time.perf_counter() - start)
            for _ in range(CACHED_REPEATS):
                start = time.perf_counter()
                renderer.render(request, fmt)
                cached.append(time.perf_counter() - start)
            results[(name, fmt)] = (median_ms(cold), median_ms(cached))
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def over_http(repeats: int, formats: list[str]) -> dict[tuple[str, str], tuple[float, float]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHKG_")}
    command = [
        sys.executable,
        "-m",
        "orchkg",
        "serve",
        "--port",
        str(port),
        "--update-token",
        TOKEN,
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    session = requests.Session()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if session.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        counter = [0]

        def write() -> None:
            counter[0] += 1
            update = (
                "INSERT DATA { GRAPH <urn:benchmark:scratch> { "
                f'<urn:benchmark:s> <urn:benchmark:p> "{counter[0]}" }} }}'
            )
            response = session.post(
                url + "/update",
                data={"update": update},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=30,
            )
            response.raise_for_status()

        results = {}
        for name, params in VIEWS:
            for fmt in formats:
                path = f"{url}/views/{name}.{fmt}"
                session.get(path, params=params, timeout=60).raise_for_status()
                cold, cached = [], []
                for _ in range(repeats):
                    write()
                    start = time.perf_counter()
                    session.get(path, params=params, timeout=60).raise_for_status()
                    cold.append(time.perf_counter() - start)
                for _ in range(CACHED_REPEATS):
                    start = time.perf_counter()
                    session.get(path, params=params, timeout=60).raise_for_status()
                    cached.append(time.perf_counter() - start)
                results[(name, fmt)] = (median_ms(cold), median_ms(cached))
        return results
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--formats", default="svg,png")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    formats = args.formats.split(",")
    os.chdir(Path(__file__).resolve().parents[1])
    local = in_process(args.repeats, formats)
    remote = {} if args.no_http else over_http(args.repeats, formats)
    print(f"median of {args.repeats}, ms")
    head = ("view", "format", "cold", "cached", "HTTP cold", "HTTP cached")
    print(f"{head[0]:<15} {head[1]:<6} {head[2]:>8} {head[3]:>8} {head[4]:>10} {head[5]:>12}")
    for (name, fmt), (cold, cached) in local.items():
        http_cold, http_cached = remote.get((name, fmt), (float("nan"), float("nan")))
        row = f"{name:<15} {fmt:<6} {cold:>8.1f} {cached:>8.3f}"
        print(f"{row} {http_cold:>10.1f} {http_cached:>12.2f}")


if __name__ == "__main__":
    main()
