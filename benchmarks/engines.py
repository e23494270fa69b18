"""Compare rdflib 7 and pyoxigraph (through orchkg) on loading, memory and queries.

Two datasets: the shipped content (every file of ontology/ and graph/, each in its
named graph, as orchkg loads it) and a synthetic graph from ``generate.py``
(``--triples``, or ``--data FILE``). Each engine loads each dataset in a process
of its own, so the peak memory figures do not mix; in it, every query runs once
(a warm-up, which also gives the results) and then ``--repeat`` timed times. A
run is the engine's own query call plus materialising every row, parse included.

* rdflib: its in-memory store and SPARQL engine; the content in a ``Dataset``
  whose default graph is the union of the named graphs, the synthetic file in a
  plain ``Graph``.
* pyoxigraph: ``orchkg.store.OxigraphStore`` in memory, filled with
  ``orchkg.content.load_content`` (the content) or ``OxigraphStore.load`` into
  the file's named graph (the synthetic file, as ``orchkg load`` does); queries
  see the union of the named graphs.

Both engines' rows are compared as sets of normalised values (a plain literal is
an xsd:string; integers and decimals in canonical form). A query that takes
longer than ``--timeout`` seconds is stopped and reported as "> N s". Prints
Markdown on standard output, progress on standard error. It measures; it asserts
nothing about time.

    python benchmarks/engines.py --triples 1000000 > /tmp/engines.md
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyoxigraph as ox
    import rdflib

CHECKOUT = Path(__file__).resolve().parents[1]
GENERATOR = Path(__file__).resolve().with_name("generate.py")
ENGINES = ("rdflib", "pyoxigraph")

OKG = "https://w3id.org/orchkg/ontology#"
SYNTHETIC = "https://w3id.org/orchkg/resource/synthetic/"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = f"{XSD}string"
_EXACT_NUMBER_TYPES = (
    "decimal",
    "integer",
    "long",
    "int",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
)
EXACT_NUMBERS = frozenset(f"{XSD}{name}" for name in _EXACT_NUMBER_TYPES)
FLOATS = frozenset((f"{XSD}double", f"{XSD}float"))

PREFIXES = (
    f"PREFIX okg: <{OKG}>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


@dataclasses.dataclass(frozen=True)
class Query:
    name: str
    title: str
    template: str
    """SPARQL after the prefixes, with ``{placeholders}`` filled from a dataset's parameters."""

    def text(self, parameters: Mapping[str, str]) -> str:
        return PREFIXES + self.template.format_map(parameters)


QUERIES: tuple[Query, ...] = (
    Query("point", "point lookup by IRI", "SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"),
    Query(
        "type-count",
        "type scan + COUNT",
        "SELECT (COUNT(?x) AS ?n) WHERE {{ ?x a <{cls}> }}",
    ),
    Query(
        "join",
        "2-hop join",
        "SELECT ?c ?role ?x ?type WHERE {{ ?c okg:hasRole ?role ; okg:partOf ?x . ?x a ?type }}",
    ),
    Query(
        "path",
        "dependsOn+ path",
        "SELECT ?c ?d WHERE {{ {path_head}"
        "?c (okg:dependsOn|okg:storesStateIn|okg:electsLeaderThrough)+ ?d }}",
    ),
    Query(
        "optional-lang",
        "OPTIONAL + FILTER(lang)",
        "SELECT ?x ?en ?ko WHERE {{ ?x a <{cls}> ; rdfs:label ?en . FILTER(lang(?en) = 'en') "
        "OPTIONAL {{ ?x rdfs:label ?ko . FILTER(lang(?ko) = 'ko') }} }}",
    ),
    Query(
        "group-by",
        "GROUP BY + COUNT",
        "SELECT ?type (COUNT(?x) AS ?n) WHERE {{ ?x a ?type }} GROUP BY ?type",
    ),
    Query(
        "regex",
        "regex over labels",
        "SELECT ?x ?label WHERE {{ ?x rdfs:label ?label . "
        "FILTER(regex(str(?label), '{pattern}', 'i')) }}",
    ),
    Query(
        "order-limit",
        "ORDER BY + LIMIT",
        "SELECT ?x ?v WHERE {{ ?x <{number}> ?v }} ORDER BY DESC(?v) ?x LIMIT 10",
    ),
)

CONTENT_PARAMETERS = {
    "subject": "https://w3id.org/orchkg/resource/kube-apiserver",
    "cls": f"{OKG}Component",
    "path_head": "",
    "pattern": "sched|스케줄러",
    "number": f"{OKG}seedLine",
}
SYNTHETIC_PARAMETERS = {
    "subject": f"{SYNTHETIC}cluster-0/workload-0",
    "cls": f"{OKG}Pod",
    "path_head": "?c a okg:Workload . ",
    "pattern": "sched|스케줄러",
    "number": f"{OKG}cpuRequest",
}

Row = list[str]


# -- the worker: one engine, one dataset, in its own process -------------------------------------
class QueryTimeout(BaseException):
    """Raised by the alarm when a query runs past the time limit."""


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise QueryTimeout


def _memory_kib() -> dict[str, int]:
    """Resident set size now and at its peak, in KiB."""
    figures: dict[str, int] = {}
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in {"VmRSS", "VmHWM"}:
                    figures[key] = int(value.split()[0])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"rss": figures.get("VmRSS", peak), "peak": max(figures.get("VmHWM", 0), peak)}


def literal_key(lexical: str, datatype: str | None, language: str | None) -> str:
    """A literal as comparable text: plain means xsd:string, numbers in canonical form."""
    if language:
        return f"{json.dumps(lexical, ensure_ascii=False)}@{language.lower()}"
    datatype = datatype or XSD_STRING
    try:
        if datatype in EXACT_NUMBERS:
            lexical = format(Decimal(lexical).normalize(), "f")
        elif datatype in FLOATS:
            lexical = repr(float(lexical))
    except (InvalidOperation, ValueError):
        pass
    return f"{json.dumps(lexical, ensure_ascii=False)}^^<{datatype}>"


class RdflibEngine:
    def __init__(self) -> None:
        import rdflib  # noqa: PLC0415 (each engine is imported only in its own process)

        warnings.filterwarnings("ignore", "Dataset.default_context is deprecated")
        self.rdflib = rdflib
        self.target: rdflib.Graph = rdflib.Graph()

    def load(self, spec: Mapping[str, Any]) -> int:
        rdflib = self.rdflib
        if spec["data"] is not None:
            self.target = rdflib.Graph()
            self.target.parse(spec["data"], format="nt")
            return len(self.target)
        dataset = rdflib.Dataset(default_union=True)
        count = 0
        for source in spec["sources"]:
            named = dataset.graph(rdflib.URIRef(source["graph"]))
            named.parse(source["path"], format=source["rdflib_format"], publicID=spec["base_iri"])
            count += len(named)
        self.target = dataset
        return count

    def run(self, sparql: str) -> tuple[list[str], list[Any]]:
        result = self.target.query(sparql)
        rows = list(result)
        return [str(var) for var in result.vars or ()], rows

    def key(self, term: rdflib.term.Node | None) -> str:
        rdflib = self.rdflib
        if term is None:
            return "UNBOUND"
        if isinstance(term, rdflib.Literal):
            datatype = str(term.datatype) if term.datatype is not None else None
            return literal_key(str(term), datatype, term.language)
        if isinstance(term, rdflib.BNode):
            return "_:"
        return f"<{term}>"

    def normalise(self, variables: list[str], rows: list[Any]) -> list[Row]:
        return sorted([self.key(term) for term in row] for row in rows)


class OxigraphEngine:
    def __init__(self) -> None:
        import pyoxigraph  # noqa: PLC0415 (each engine is imported only in its own process)

        from orchkg.store import OxigraphStore  # noqa: PLC0415

        self.ox = pyoxigraph
        self.store = OxigraphStore()

    def load(self, spec: Mapping[str, Any]) -> int:
        from orchkg.content import graph_iri, load_content  # noqa: PLC0415
        from orchkg.formats import rdf_format_for_path  # noqa: PLC0415
        from orchkg.settings import load_settings  # noqa: PLC0415

        settings = load_settings({"content_dir": spec["content_dir"], "base_iri": spec["base_iri"]})
        if spec["data"] is None:
            return load_content(self.store, settings)
        path = Path(spec["data"])
        with path.open("rb") as handle:
            return self.store.load(
                handle,
                rdf_format_for_path(path),
                source_name=str(path),
                graph=graph_iri(settings.base_iri, path.stem),
                base_iri=settings.base_iri,
            )

    def run(self, sparql: str) -> tuple[list[str], list[Any]]:
        solutions = self.store.query(sparql)
        assert isinstance(solutions, self.ox.QuerySolutions)
        variables = [var.value for var in solutions.variables]
        return variables, list(solutions)

    def key(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
        ox = self.ox
        if term is None:
            return "UNBOUND"
        if isinstance(term, ox.Literal):
            return literal_key(term.value, term.datatype.value, term.language)
        if isinstance(term, ox.BlankNode):
            return "_:"
        if isinstance(term, ox.NamedNode):
            return f"<{term.value}>"
        return str(term)

    def normalise(self, variables: list[str], rows: list[Any]) -> list[Row]:
        return sorted([self.key(solution[var]) for var in variables] for solution in rows)


Timing = tuple[float, list[str], list[Any]]


def _timed(run: Callable[[], tuple[list[str], list[Any]]], timeout: float) -> Timing | None:
    """(seconds, variables, rows) of one run, or None when it passed the time limit."""
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            started = time.perf_counter()
            variables, rows = run()
            elapsed = time.perf_counter() - started
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except QueryTimeout:
        return None
    return elapsed, variables, rows


def _measure_query(
    engine: RdflibEngine | OxigraphEngine, name: str, sparql: str, spec: Mapping[str, Any]
) -> dict[str, Any]:
    label = f"{spec['engine']}/{spec['corpus']}/{name}"
    try:
        first = _timed(lambda: engine.run(sparql), spec["timeout"])
    except Exception as error:  # noqa: BLE001 (an engine failing a query is a result to report)
        _progress(f"{label}: error: {error!r}")
        return {"name": name, "status": "error", "error": repr(error)}
    if first is None:
        _progress(f"{label}: stopped after {spec['timeout']:g} s")
        return {"name": name, "status": "timeout"}
    warmup, variables, rows = first
    normalised = engine.normalise(variables, rows)
    del rows
    samples: list[float] = []
    spent = warmup
    while len(samples) < spec["repeat"] and spent < spec["budget"]:
        timing = _timed(lambda: engine.run(sparql), spec["timeout"])
        if timing is None:
            break
        samples.append(timing[0])
        spent += timing[0]
        del timing  # let the rows go before the next run
    if not samples:
        samples.append(warmup)
    _progress(
        f"{label}: {len(normalised):,} rows, median {seconds(statistics.median(samples))} "
        f"over {len(samples)} runs"
    )
    return {
        "name": name,
        "status": "ok",
        "warmup": warmup,
        "samples": samples,
        "rows": normalised,
    }


def worker(spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    signal.signal(signal.SIGALRM, _on_alarm)
    engine = RdflibEngine() if spec["engine"] == "rdflib" else OxigraphEngine()
    baseline = _memory_kib()
    started = time.perf_counter()
    triples = engine.load(spec)
    load_seconds = time.perf_counter() - started
    loaded = _memory_kib()
    _progress(
        f"{spec['engine']}/{spec['corpus']}: loaded {triples:,} triples in {load_seconds:.2f} s, "
        f"RSS {loaded['rss'] / 1024:,.0f} MiB"
    )
    queries = [
        _measure_query(engine, query["name"], query["text"], spec) for query in spec["queries"]
    ]
    result = {
        "engine": spec["engine"],
        "triples": triples,
        "load_seconds": load_seconds,
        "rss_baseline_kib": baseline["rss"],
        "rss_loaded_kib": loaded["rss"],
        "rss_peak_kib": _memory_kib()["peak"],
        "queries": queries,
    }
    Path(spec["output"]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


# -- the parent: corpora, workers, tables --------------------------------------------------------
def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclasses.dataclass
class Corpus:
    key: str
    title: str
    parameters: Mapping[str, str]
    repeat: int
    data: Path | None = None
    sources: list[dict[str, str]] = dataclasses.field(default_factory=list)
    results: dict[str, dict[str, Any] | None] = dataclasses.field(default_factory=dict)


RDFLIB_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "trig": "trig",
    "nquads": "nquads",
}


def run_worker(
    engine: str, corpus: Corpus, args: argparse.Namespace, scratch: Path
) -> dict[str, Any] | None:
    spec = {
        "engine": engine,
        "corpus": corpus.key,
        "content_dir": str(args.content_dir),
        "base_iri": args.base_iri,
        "data": str(corpus.data) if corpus.data is not None else None,
        "sources": corpus.sources,
        "queries": [
            {"name": query.name, "text": query.text(corpus.parameters)} for query in QUERIES
        ],
        "repeat": corpus.repeat,
        "timeout": args.timeout,
        "budget": args.budget,
        "output": str(scratch / f"{corpus.key}-{engine}.json"),
    }
    spec_path = scratch / f"{corpus.key}-{engine}.spec.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)]
    finished = subprocess.run(command, check=False)
    if finished.returncode != 0:
        _progress(f"{engine}/{corpus.key}: the worker failed (exit status {finished.returncode})")
        return None
    result: dict[str, Any] = json.loads(Path(spec["output"]).read_text(encoding="utf-8"))
    return result


def content_corpus(args: argparse.Namespace) -> Corpus | None:
    from orchkg.content import content_files  # noqa: PLC0415 (keeps pyoxigraph out of workers)
    from orchkg.errors import ConfigurationError  # noqa: PLC0415
    from orchkg.formats import rdf_format_for_path  # noqa: PLC0415
    from orchkg.settings import load_settings  # noqa: PLC0415

    settings = load_settings({"content_dir": str(args.content_dir), "base_iri": args.base_iri})
    try:
        files = content_files(settings)
    except ConfigurationError as error:
        _progress(f"shipped content skipped: {error}")
        return None
    sources = [
        {
            "path": str(item.path),
            "graph": item.graph,
            "rdflib_format": RDFLIB_FORMATS[rdf_format_for_path(item.path).name],
        }
        for item in files
    ]
    names = ", ".join(f"{item.path.parent.name}/{item.path.name}" for item in files)
    return Corpus(
        "content",
        f"Shipped content ({len(files)} files: {names})",
        CONTENT_PARAMETERS,
        args.repeat_content,
        sources=sources,
    )


def generated_corpus(args: argparse.Namespace, scratch: Path) -> Corpus:
    if args.data is not None:
        path = Path(args.data)
        title = f"Synthetic graph ({path.name})"
    else:
        path = scratch / "synthetic.nt"
        _progress(f"generating {args.triples:,} triples (seed {args.seed}) into {path}")
        command = [
            sys.executable,
            str(GENERATOR),
            "--triples",
            str(args.triples),
            "--seed",
            str(args.seed),
            "-o",
            str(path),
        ]
        subprocess.run(command, check=True)
        title = f"Synthetic graph (generate.py --triples {args.triples} --seed {args.seed})"
    return Corpus("generated", title, SYNTHETIC_PARAMETERS, args.repeat, data=path)


# -- rendering ------------------------------------------------------------------------------------
def seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e3:.3f} ms"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def ratio(numerator: float, denominator: float, *, above: bool = False) -> str:
    if denominator <= 0:
        return "n/a"
    value = numerator / denominator
    text = f"{value:.0f}x" if value >= 100 else f"{value:.1f}x"
    return f"> {text}" if above else text


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def p90(samples: Sequence[float]) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=10, method="inclusive")[8]


LOAD_ROWS: tuple[
    tuple[str, Callable[[dict[str, Any]], float], Callable[[float], str], bool], ...
] = (
    ("triples loaded", lambda r: r["triples"], lambda v: f"{v:,.0f}", False),
    ("load time", lambda r: r["load_seconds"], seconds, True),
    (
        "load rate",
        lambda r: r["triples"] / r["load_seconds"],
        lambda v: f"{v:,.0f} triples/s",
        False,
    ),
    ("RSS before load", lambda r: r["rss_baseline_kib"], mib, False),
    ("RSS after load", lambda r: r["rss_loaded_kib"], mib, True),
    ("RSS added by the load", lambda r: r["rss_loaded_kib"] - r["rss_baseline_kib"], mib, True),
    ("peak RSS (whole run)", lambda r: r["rss_peak_kib"], mib, True),
)
"""Rows of the load table: title, figure from a worker's result, its format, whether to compare."""


def load_table(results: Mapping[str, dict[str, Any] | None]) -> list[str]:
    lines = ["| | rdflib | pyoxigraph | rdflib / pyoxigraph |", "|---|---:|---:|---:|"]
    for title, measure, show, compare in LOAD_ROWS:
        values = [measure(result) if result else None for result in map(results.get, ENGINES)]
        cells = [show(value) if value is not None else "failed" for value in values]
        rdf, oxi = values
        shown = ratio(rdf, oxi) if compare and rdf is not None and oxi is not None else ""
        lines.append(f"| {title} | {cells[0]} | {cells[1]} | {shown} |")
    return lines


def _query_cells(entry: dict[str, Any] | None, timeout: float) -> tuple[str, str]:
    if entry is None:
        return "failed", "failed"
    if entry["status"] == "timeout":
        return f"> {timeout:g} s", ""
    if entry["status"] == "error":
        return "error", ""
    return seconds(statistics.median(entry["samples"])), seconds(p90(entry["samples"]))


def _succeeded(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    return entry if entry is not None and entry["status"] == "ok" else None


def query_table(corpus: Corpus, timeout: float) -> tuple[list[str], list[str]]:
    """The query table, and notes on every query whose results differ."""
    entries = {
        engine: {entry["name"]: entry for entry in result["queries"]} if result else {}
        for engine, result in corpus.results.items()
    }
    lines = [
        "| query | rows | rdflib median | rdflib p90 | pyoxigraph median | pyoxigraph p90 "
        "| rdflib / pyoxigraph | runs | same results |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes: list[str] = []
    for query in QUERIES:
        rdf, oxi = (entries.get(engine, {}).get(query.name) for engine in ENGINES)
        rdf_ok, oxi_ok = _succeeded(rdf), _succeeded(oxi)
        cells = [*_query_cells(rdf, timeout), *_query_cells(oxi, timeout)]
        speed = ""
        if oxi_ok is not None:
            oxi_median = statistics.median(oxi_ok["samples"])
            if rdf_ok is not None:
                speed = ratio(statistics.median(rdf_ok["samples"]), oxi_median)
            elif rdf is not None and rdf["status"] == "timeout":
                speed = ratio(timeout, oxi_median, above=True)
        runs = " / ".join(
            str(len(entry["samples"])) if entry is not None else "-" for entry in (rdf_ok, oxi_ok)
        )
        counts = [f"{len(entry['rows']):,}" for entry in (rdf_ok, oxi_ok) if entry is not None]
        row_count = " / ".join(dict.fromkeys(counts)) or "-"
        same = "n/a"
        if rdf_ok is not None and oxi_ok is not None:
            same = "yes" if rdf_ok["rows"] == oxi_ok["rows"] else "**no**"
            if same != "yes":
                notes.append(_difference_note(query, rdf_ok["rows"], oxi_ok["rows"]))
        lines.append(
            f"| {query.title} | {row_count} | {' | '.join(cells)} | {speed} | {runs} | {same} |"
        )
    return lines, notes


def _difference_note(query: Query, rdf_rows: list[Row], oxi_rows: list[Row]) -> str:
    rdf_set = {json.dumps(row, ensure_ascii=False) for row in rdf_rows}
    oxi_set = {json.dumps(row, ensure_ascii=False) for row in oxi_rows}
    parts = [
        f"* **{query.title}** ({query.name}): rdflib {len(rdf_rows):,} rows "
        f"({len(rdf_set):,} distinct), pyoxigraph {len(oxi_rows):,} rows "
        f"({len(oxi_set):,} distinct)."
    ]
    if rdf_set == oxi_set:
        parts.append(" Same distinct rows; only how often rows repeat differs.")
    for engine, extra in (("rdflib", rdf_set - oxi_set), ("pyoxigraph", oxi_set - rdf_set)):
        if extra:
            shown = "; ".join(f"`{row}`" for row in sorted(extra)[:3])
            parts.append(f" Only in {engine} ({len(extra):,}): {shown}.")
    return "".join(parts)


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        first = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()[0]
        memory = f"{int(first.split()[1]) / 1024**2:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    return [
        f"* CPUs: {os.cpu_count()} ({cpu}), memory {memory}",
        f"* {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"* rdflib {metadata.version('rdflib')}, pyoxigraph {metadata.version('pyoxigraph')}, "
        f"orchkg {metadata.version('orchkg')}",
    ]


def render(corpora: Sequence[Corpus], args: argparse.Namespace) -> str:
    out = ["# rdflib vs pyoxigraph", "", *machine(), ""]
    out.append(
        f"Times are medians and 90th percentiles of timed runs after one warm-up run; "
        f"queries are stopped after {args.timeout:g} s and their repeats capped at "
        f"{args.budget:g} s. Ratios are rdflib / pyoxigraph from this run."
    )
    for corpus in corpora:
        out += ["", f"## {corpus.title}", "", *load_table(corpus.results), ""]
        lines, notes = query_table(corpus, args.timeout)
        out += lines
        if notes:
            out += ["", "Results that differ:", "", *notes]
    out += ["", "## Queries", ""]
    out.append(
        "Each query starts with the `okg:`, `rdf:` and `rdfs:` prefixes. Parameters per corpus:"
    )
    out.append("")
    for corpus in corpora:
        shown = ", ".join(f"`{key}` = `{value}`" for key, value in corpus.parameters.items())
        out.append(f"* {corpus.key}: {shown}")
    out += ["", "```sparql"]
    for query in QUERIES:
        out.append(f"# {query.name}: {query.title}")
        out.append(query.template.replace("{{", "{").replace("}}", "}"))
    out += ["```", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Compare rdflib and pyoxigraph (through orchkg) on the shipped content "
        "and a synthetic graph: load rate, memory, query times, identical results.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--triples", type=int, default=1_000_000, help="Size of the generated graph."
    )
    parser.add_argument("--seed", type=int, default=42, help="Seed of the generated graph.")
    parser.add_argument("--data", help="Use this N-Triples file instead of generating one.")
    parser.add_argument(
        "--repeat", type=int, default=7, help="Timed runs per query on the synthetic graph."
    )
    parser.add_argument(
        "--repeat-content", type=int, default=25, help="Timed runs per query on the content."
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="Stop a query run after this many seconds."
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="Stop repeating a query once its runs have taken this many seconds.",
    )
    parser.add_argument(
        "--content-dir", type=Path, default=CHECKOUT, help="Folder holding ontology/ and graph/."
    )
    parser.add_argument(
        "--base-iri", default="https://w3id.org/orchkg/", help="Base IRI for loading the content."
    )
    parser.add_argument(
        "--skip-content", action="store_true", help="Leave out the shipped content."
    )
    parser.add_argument(
        "--skip-generated", action="store_true", help="Leave out the synthetic graph."
    )
    parser.add_argument("--json", type=Path, help="Also write every figure (and row) here.")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker(args.worker)
        return
    if args.repeat < 1 or args.repeat_content < 1:
        parser.error("--repeat and --repeat-content must be at least 1")
    if args.data is not None and not Path(args.data).is_file():
        parser.error(f"--data {args.data}: no such file")

    with tempfile.TemporaryDirectory(prefix="orchkg-bench-") as scratch_name:
        scratch = Path(scratch_name)
        corpora: list[Corpus] = []
        if not args.skip_content and (content := content_corpus(args)) is not None:
            corpora.append(content)
        if not args.skip_generated:
            corpora.append(generated_corpus(args, scratch))
        for corpus in corpora:
            for engine in ENGINES:
                corpus.results[engine] = run_worker(engine, corpus, args, scratch)
    print(render(corpora, args))
    if args.json is not None:
        figures = {
            corpus.key: {"title": corpus.title, "results": corpus.results} for corpus in corpora
        }
        args.json.write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
