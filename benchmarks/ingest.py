"""Bulk loads: triples per second and peak memory of ``OxigraphStore.load`` on big files.

    .venv/bin/python benchmarks/generate.py --triples 100000 --seed 42 -o /tmp/100k.nt
    .venv/bin/python benchmarks/generate.py --triples 1000000 --seed 42 -o /tmp/1m.nt
    .venv/bin/python benchmarks/ingest.py /tmp/100k.nt /tmp/1m.nt --runs 3

Each run is a process of its own: it opens a store (in memory, or on disk in a fresh
folder), loads the file into a named graph as ``orchkg load`` does, and reports the time
(wall, and CPU: the machine may be busy) and its resident memory from
``/proc/self/status``: before the load, and the peak (``VmHWM``). In ``replace`` mode
the graph is filled first and then replaced by the same file; the peak is reset
(``/proc/self/clear_refs``) before the measured load, so it is the replacing load's own.
The report is the median of the runs for each case, and for each store and mode the
ratio of the largest file's figures to the smallest's: a streaming load's own memory
(peak - before) does not grow with the file on disk (in memory, the store holds the
data itself, so there it does).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRAPH = "https://w3id.org/orchkg/graph/synthetic"


def status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def cpu_seconds() -> float:
    """User and system CPU time of this process (steadier than wall time on a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(path: str, kind: str, mode: str) -> None:
    """One measured load, reported as one JSON line on stdout."""
    from orchkg.formats import rdf_format_for_path  # noqa: PLC0415 -- the child only
    from orchkg.store import OxigraphStore  # noqa: PLC0415

    fmt = rdf_format_for_path(path)
    with tempfile.TemporaryDirectory(prefix="orchkg-ingest-", ignore_cleanup_errors=True) as folder:
        store = OxigraphStore(Path(folder) / "store" if kind == "disk" else None)
        if mode == "replace":
            with Path(path).open("rb") as handle:
                store.load(handle, fmt, source_name=path, graph=GRAPH)
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = status_mib("VmRSS")
        started, cpu = time.perf_counter(), cpu_seconds()
        with Path(path).open("rb") as handle:
            quads = store.load(handle, fmt, source_name=path, graph=GRAPH)
        store.close()
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        assert store.triple_count(GRAPH) == quads
        report = {
            "quads": quads,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "rss_before_mib": before,
            "peak_mib": status_mib("VmHWM"),
            "rss_after_mib": status_mib("VmRSS"),
        }
    print(json.dumps(report))


def measure(path: str, kind: str, mode: str, runs: int) -> dict[str, float]:
    reports = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, __file__, "--child", path, "--kind", kind, "--mode", mode],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"{kind} {mode} {path}: the run failed:\n{done.stderr}")
        reports.append(json.loads(done.stdout.strip().splitlines()[-1]))
    median = {key: statistics.median(report[key] for report in reports) for key in reports[0]}
    median["rate"] = median["quads"] / median["seconds"]
    median["cpu_rate"] = median["quads"] / median["cpu_seconds"]
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="N-Triples files, smallest first")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (the median is shown)")
    parser.add_argument("--kinds", default="memory,disk", help="stores: memory, disk")
    parser.add_argument("--modes", default="new,replace", help="new graph, replace a full one")
    parser.add_argument("--json", action="store_true", help="print every median as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="memory", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="new", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.files[0], arguments.kind, arguments.mode)
        return
    results = []
    for kind in arguments.kinds.split(","):
        for mode in arguments.modes.split(","):
            for path in arguments.files:
                figures = measure(path, kind, mode, arguments.runs)
                results.append({"file": path, "kind": kind, "mode": mode, **figures})
                print(f"# {kind} {mode} {path}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    if arguments.json:
        print(json.dumps(results, indent=1))
        return
    print(f"median of {arguments.runs} runs per case")
    print(
        "| store | target | triples | triples/s (wall) | triples per CPU-second "
        "| RSS before | peak RSS | peak - before |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in results:
        print(
            f"| {'in memory' if row['kind'] == 'memory' else 'on disk'} "
            f"| {'new graph' if row['mode'] == 'new' else 'replace a full graph'} "
            f"| {row['quads']:,.0f} | {row['rate']:,.0f} | {row['cpu_rate']:,.0f} "
            f"| {row['rss_before_mib']:,.0f} MiB "
            f"| {row['peak_mib']:,.0f} MiB | {row['peak_mib'] - row['rss_before_mib']:,.0f} MiB |"
        )
    print()
    for kind in arguments.kinds.split(","):
        for mode in arguments.modes.split(","):
            rows = [row for row in results if row["kind"] == kind and row["mode"] == mode]
            if len(rows) < 2:
                continue
            small, large = rows[0], rows[-1]
            growth = (large["peak_mib"] - large["rss_before_mib"]) / max(
                small["peak_mib"] - small["rss_before_mib"], 1.0
            )
            print(
                f"{kind}, {mode}: {large['quads'] / small['quads']:.0f}x the triples, "
                f"{growth:.1f}x the load's own peak memory (peak - before), "
                f"{large['rate'] / small['rate']:.2f}x the rate "
                f"({large['cpu_rate'] / small['cpu_rate']:.2f}x per CPU-second)"
            )


if __name__ == "__main__":
    main()
