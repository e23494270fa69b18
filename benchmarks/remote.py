"""orchkg on its two backends beside OpenLink Virtuoso itself, in one run.

    .venv/bin/python benchmarks/remote.py                    # 100,000 triples, 30 requests
    .venv/bin/python benchmarks/remote.py --triples 1000000 --requests 50 --wrk-seconds 10

What it measures, on one machine, in one run (so the ratios hold even when the machine
is busy):

1. **Loading.** ``benchmarks/generate.py`` writes N synthetic triples; ``orchkg load``
   loads them into the embedded in-memory store and into Virtuoso through the remote
   backend (``orchkg --endpoint ... load``). Each load is its own process: triples per
   second, and that process's peak resident memory (``wait4``), which is what "streams
   with bounded memory" means for the remote backend.
2. **Canned queries.** Every query of ``queries/`` with its example parameters, through
   ``/api/queries/<name>`` on an orchkg server over the embedded store and on one over
   Virtuoso, and the same query text sent straight to Virtuoso's ``/sparql`` (the text
   orchkg sends it, with the parameters written in): median and p90 latency of
   sequential requests, and whether Virtuoso's own answer has the rows orchkg's
   embedded answer has.
3. **Point lookups under load.** ``wrk`` (Debian's) at 1 and 8 connections against
   orchkg's ``/sparql`` (embedded store) and Virtuoso's ``/sparql``, the same ASK.

Virtuoso is the throwaway instance the tests use (``tests/virtuoso.py``): its own folder,
127.0.0.1 only, Debian's ``virtuoso-opensource`` 7.2 with the settings written there.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

# benchmarks/http.py would shadow the standard library's http package that requests needs
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the throwaway Virtuoso the tests start

import requests  # noqa: E402 -- after the path fix above

from orchkg.canned import load_catalogue  # noqa: E402
from orchkg.content import open_store  # noqa: E402
from orchkg.remote import RemoteStore  # noqa: E402
from orchkg.settings import load_settings  # noqa: E402
from support import live_server  # noqa: E402
from virtuoso import Virtuoso, running_virtuoso  # noqa: E402

KG, OKG = "https://w3id.org/orchkg/resource/", "https://w3id.org/orchkg/ontology#"
ASK = f"ASK {{ <{KG}marathon> <{OKG}runsOn> <{KG}mesos> }}"
JSON = "application/sparql-results+json"


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ORCHKG_")}


def timed_process(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Seconds, peak resident memory (KiB) and stderr of a command run to its end."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr}")
    return elapsed, usage.ru_maxrss, stderr


def measure_loads(virtuoso: Virtuoso, triples: int, scratch: Path) -> None:
    data = scratch / "synthetic.nt"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "generate.py"),
            "--triples",
            str(triples),
            "-o",
            str(data),
        ],
        check=True,
    )
    graph = "https://w3id.org/orchkg/graph/synthetic"
    orchkg = [sys.executable, "-m", "orchkg"]
    rows = []
    elapsed, peak, _ = timed_process(
        [*orchkg, "load", str(data), "--graph", graph, "-q"], environment()
    )
    rows.append(("embedded, in memory", elapsed, peak))
    store = scratch / "store"
    elapsed, peak, _ = timed_process(
        [*orchkg, "--store", str(store), "load", str(data), "--graph", graph, "-q"], environment()
    )
    rows.append(("embedded, on disk", elapsed, peak))
    env = environment() | virtuoso.environment()
    remote = [
        *orchkg,
        "--endpoint",
        virtuoso.endpoint,
        "--update-endpoint",
        virtuoso.update_endpoint,
        "load",
        str(data),
        "--graph",
        graph,
        "-q",
    ]
    elapsed, peak, _ = timed_process(remote, env)
    rows.append(("remote, Virtuoso, SPARQL Update batches of 1,000", elapsed, peak))
    elapsed, peak, _ = timed_process(
        remote, env | {"ORCHKG_REMOTE_GRAPH_STORE": virtuoso.graph_store}
    )
    rows.append(("remote, Virtuoso, Graph Store POSTs of 50,000", elapsed, peak))
    print(
        f"\n## Loading {triples:,} triples ({data.stat().st_size / 2**20:.0f} MiB of N-Triples)\n"
    )
    print("| backend | seconds | triples/s | peak memory of the loading process |")
    print("|---|---:|---:|---:|")
    for name, seconds, kib in rows:
        print(f"| {name} | {seconds:.1f} | {triples / seconds:,.0f} | {kib / 1024:,.0f} MiB |")
    drop = requests.post(
        virtuoso.update_endpoint,
        data={"update": f"DROP SILENT GRAPH <{graph}>"},
        auth=requests.auth.HTTPDigestAuth(virtuoso.user, virtuoso.password),
        timeout=600,
    )
    drop.raise_for_status()


def latency(
    session: requests.Session, method: str, url: str, requests_: int, **kwargs: object
) -> list[float]:
    samples = []
    for index in range(requests_ + 2):
        started = time.perf_counter()
        answer = session.request(method, url, timeout=120, **kwargs)  # type: ignore[arg-type]
        answer.content  # noqa: B018 -- the body is part of the request
        if answer.status_code != 200:
            return []
        if index >= 2:  # two warm-up requests
            samples.append(time.perf_counter() - started)
    return samples


def figure(samples: list[float]) -> str:
    if not samples:
        return "error"
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"{statistics.median(samples) * 1000:.1f} / {p90 * 1000:.1f}"


def measure_canned(embedded_url: str, remote_url: str, virtuoso: Virtuoso, requests_: int) -> None:
    settings = load_settings({"content_dir": str(REPO)}, environ={})
    store = open_store(settings)
    remote_store = open_store(dataclasses.replace(settings, **virtuoso.settings(updates=False)))
    assert isinstance(remote_store, RemoteStore)
    catalogue = load_catalogue(settings)
    session = requests.Session()
    print(f"\n## Canned queries: median / p90 latency in ms over {requests_} sequential requests\n")
    print("| query | orchkg, embedded | orchkg, on Virtuoso | Virtuoso's /sparql | same rows? |")
    print("|---|---:|---:|---:|---|")
    for name, query in catalogue.items():
        example = dict(query.example.items())
        lang = example.pop("lang", ["en"])[0]
        bound = catalogue.bind(name, {**example, "lang": [lang]}, store, lang)
        path = f"/api/queries/{name}?" + "&".join(
            f"{key}={quote(value)}"
            for key, values in {**example, "lang": [lang]}.items()
            for value in values
        )
        headers = {"Accept": JSON}
        embedded = latency(session, "GET", embedded_url + path, requests_, headers=headers)
        remote = latency(session, "GET", remote_url + path, requests_, headers=headers)
        terms = {key: term.to_oxigraph() for key, term in bound.substitutions.items()}
        sent = remote_store.prepare(bound.text(), substitutions=terms)
        direct_body = [
            ("query", sent.text),
            *(("default-graph-uri", iri) for iri in sent.default_graphs),
            *(("named-graph-uri", iri) for iri in sent.named_graphs),
        ]
        direct = latency(
            session, "POST", virtuoso.endpoint, requests_, data=direct_body, headers=headers
        )
        ours = session.get(embedded_url + path, headers=headers, timeout=120).json()
        theirs = session.post(virtuoso.endpoint, data=direct_body, headers=headers, timeout=120)
        same = "error"
        if theirs.status_code == 200:
            document = theirs.json()
            same = (
                "yes"
                if "boolean" in document
                or len(document["results"]["bindings"]) == len(ours["results"]["bindings"])
                else "no (rows differ)"
            )
        print(f"| {name} | {figure(embedded)} | {figure(remote)} | {figure(direct)} | {same} |")


def wrk(url: str, connections: int, seconds: float) -> float:
    done = subprocess.run(
        [
            "wrk",
            "-t2" if connections > 1 else "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "-H",
            f"Accept: {JSON}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit(f"wrk's output unreadable: {done.stdout}")


def measure_throughput(embedded_url: str, virtuoso: Virtuoso, seconds: float, runs: int) -> None:
    targets = {
        "orchkg, embedded": f"{embedded_url}/sparql?query={quote(ASK)}",
        "Virtuoso's /sparql": f"{virtuoso.endpoint}?query={quote(ASK)}",
    }
    print(
        f"\n## Point lookup (ASK) under wrk, requests/s, median of {runs} runs of {seconds:g} s\n"
    )
    print("| server | 1 connection | 8 connections |")
    print("|---|---:|---:|")
    found: dict[tuple[str, int], float] = {}
    for name, url in targets.items():
        for connections in (1, 8):
            found[(name, connections)] = statistics.median(
                wrk(url, connections, seconds) for _ in range(runs)
            )
        print(f"| {name} | {found[(name, 1)]:,.0f} | {found[(name, 8)]:,.0f} |")
    ratio = found[("orchkg, embedded", 8)] / found[("Virtuoso's /sparql", 8)]
    print(f"\norchkg (embedded) / Virtuoso at 8 connections: {ratio:.2f}x (target: at least 1.5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000, help="size of the load test")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per canned query")
    parser.add_argument("--wrk-seconds", type=float, default=5.0)
    parser.add_argument("--wrk-runs", type=int, default=3)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--only-load", action="store_true")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    ).stdout.strip()
    print(f"machine: {os.cpu_count()} cores; commit {commit}")
    with tempfile.TemporaryDirectory(prefix="orchkg-remote-bench-") as folder:
        scratch = Path(folder)
        with running_virtuoso() as virtuoso:
            log("Virtuoso is up")
            if not args.skip_load:
                measure_loads(virtuoso, args.triples, scratch)
            if args.only_load:
                return
            with (
                live_server("serve", env={}, cwd=scratch) as embedded,
                live_server("serve", env=virtuoso.environment(), cwd=scratch) as remote,
            ):
                log("both orchkg servers are up")
                measure_canned(embedded.url, remote.url, virtuoso, args.requests)
                measure_throughput(embedded.url, virtuoso, args.wrk_seconds, args.wrk_runs)


if __name__ == "__main__":
    main()
