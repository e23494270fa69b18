"""Load test: many clients running the canned queries against one server, for a while.

    .venv/bin/python benchmarks/load.py                       # 16 clients, 60 s, own server
    .venv/bin/python benchmarks/load.py --clients 32 --seconds 120 --workers 4
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8000 --pid 1234

Each client thread loops over the example URLs the catalogue gives (``/api/queries``:
every canned query with its example parameters), with its own keep-alive session. The
server's resident memory (the server process and its query workers, from /proc) is
sampled every second. The report: requests, throughput, latency percentiles, errors
(any answer but 200, or no answer; there must be none), and memory: start, peak, end
and the slope over the run after a warm-up (flat means no leak). Only 127.0.0.1 is
ever loaded, and the run is bounded in time and in requests.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# benchmarks/http.py would shadow the standard library's http package that requests needs
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import requests  # noqa: E402 -- after the path fix above

REPO = Path(__file__).resolve().parents[1]
MAX_REQUESTS = 2_000_000
WARM_UP = 5.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error is not None:
                self.errors[error] = self.errors.get(error, 0) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORCHKG_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchkg",
            "--content-dir",
            str(REPO),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(server process, its children) resident memory in MB, from /proc."""

    def rss(one: int) -> float:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except FileNotFoundError:
            pass
        return 0.0

    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        listed = task / "children"
        if listed.exists():
            children += [int(child) for child in listed.read_text().split()]
    return rss(pid), sum(rss(child) for child in children)


def slope_mb_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 3:
        return 0.0
    times = [t for t, _ in samples]
    values = [v for _, v in samples]
    mean_t, mean_v = statistics.fmean(times), statistics.fmean(values)
    spread = sum((t - mean_t) ** 2 for t in times)
    if spread == 0:
        return 0.0
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in samples) / spread


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:  # noqa: PLR0915 -- one run, reported step by step
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an orchkg server on 127.0.0.1 (default: start one)")
    parser.add_argument("--pid", type=int, help="the --url server's process id, for memory")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="query workers of a started server")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    arguments = parser.parse_args()

    process = None
    if arguments.url:
        url, pid = arguments.url.rstrip("/"), arguments.pid
        if urlsplit(url).hostname != "127.0.0.1":
            raise SystemExit("only a server on 127.0.0.1 is loaded")
    else:
        process, url = start_server(arguments.workers)
        pid = process.pid
    try:
        catalogue = requests.get(url + "/api/queries", timeout=30).json()["queries"]
        paths = [query["example_url"] for query in catalogue]
        tally = Tally()
        stop = threading.Event()
        started = time.monotonic()

        def client(offset: int) -> None:
            session = requests.Session()
            turn = offset
            while not stop.is_set() and len(tally.latencies) < MAX_REQUESTS:
                path = paths[turn % len(paths)]
                turn += 1
                begun = time.perf_counter()
                try:
                    response = session.get(url + path, timeout=30)
                    error = None if response.status_code == 200 else str(response.status_code)
                except requests.RequestException as failure:
                    error = type(failure).__name__
                tally.add(time.perf_counter() - begun, error)

        samples: list[tuple[float, float, float]] = []

        def sampler() -> None:
            while not stop.is_set():
                if pid:
                    parent, workers = tree_rss_mb(pid)
                    samples.append((time.monotonic() - started, parent, workers))
                stop.wait(1.0)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(arguments.clients)]
        watcher = threading.Thread(target=sampler)
        watcher.start()
        for thread in threads:
            thread.start()
        stop.wait(arguments.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        watcher.join()
        elapsed = time.monotonic() - started
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

    latencies = tally.latencies
    steady = [(t, p + w) for t, p, w in samples if t >= WARM_UP]
    report = {
        "clients": arguments.clients,
        "seconds": round(elapsed, 1),
        "queries": len(paths),
        "requests": len(latencies),
        "throughput_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            "p50": round(1000 * percentile(latencies, 0.50), 1),
            "p90": round(1000 * percentile(latencies, 0.90), 1),
            "p99": round(1000 * percentile(latencies, 0.99), 1),
            "max": round(1000 * max(latencies), 1),
        },
        "errors": sum(tally.errors.values()),
        "errors_by_kind": tally.errors,
        "rss_mb": {
            "start": round(samples[0][1] + samples[0][2], 1) if samples else None,
            "peak": round(max(p + w for _, p, w in samples), 1) if samples else None,
            "end": round(samples[-1][1] + samples[-1][2], 1) if samples else None,
            "peak_server_process": round(max(p for _, p, _ in samples), 1) if samples else None,
            "slope_mb_per_minute_after_warm_up": round(slope_mb_per_minute(steady), 2),
            "slope_server_process_mb_per_minute": round(
                slope_mb_per_minute([(t, p) for t, p, _ in samples if t >= WARM_UP]), 2
            ),
        },
    }
    if arguments.json:
        print(json.dumps(report, indent=1))
    else:
        memory = report["rss_mb"]
        latency = report["latency_ms"]
        print(
            f"{report['requests']:,} requests in {report['seconds']} s from "
            f"{report['clients']} clients over {report['queries']} canned queries: "
            f"{report['throughput_per_second']} requests/s\n"
            f"latency p50 {latency['p50']} ms, p90 {latency['p90']} ms, p99 {latency['p99']} ms, "
            f"max {latency['max']} ms\n"
            f"errors: {report['errors']} {report['errors_by_kind'] or ''}\n"
            f"RSS (server + workers): start {memory['start']} MB, peak {memory['peak']} MB, "
            f"end {memory['end']} MB; slope after {WARM_UP:g} s: "
            f"{memory['slope_mb_per_minute_after_warm_up']} MB/min (server process alone: "
            f"{memory['slope_server_process_mb_per_minute']} MB/min)"
        )
    if report["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
