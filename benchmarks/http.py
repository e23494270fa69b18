"""Measure orchkg's SPARQL endpoint over HTTP, beside a bare endpoint and rdflib-endpoint.

One run starts three servers as subprocesses on 127.0.0.1 (free ports), all serving the
shipped content (every file of ontology/ and graph/ in its named graph, queries seeing the
union as the default graph):

* **orchkg**: ``python -m orchkg serve --port P`` with default settings (waitress, 8 threads,
  2 query worker processes); ``ORCHKG_*`` variables are cleared from its environment;
* **bare**: ``benchmarks/bare_reference.py``, a few lines of Flask around an in-memory
  pyoxigraph Store under the same waitress with the same 8 threads, no isolation, no limits;
* **rdflib-endpoint** (PyPI), run by uvicorn as its README says, over an rdflib
  ``Dataset(default_union=True)`` (``benchmarks/rdflib_endpoint_app.py``). It is installed in a
  virtualenv of its own (``--rdflib-endpoint-venv``), created on first use, so the project's
  environment stays as it is. To make it by hand::

      python3 -m venv /tmp/orchkg-bench-rdflib-endpoint && \\
          /tmp/orchkg-bench-rdflib-endpoint/bin/pip install 'rdflib-endpoint[web]'

For the point lookup, a handful of representative questions and every ``queries/*.rq`` file,
it then

1. checks that the three servers and the engine itself return the same rows (sorted,
   normalised values);
2. times ``--requests`` sequential GET requests per query and server over one keep-alive
   ``requests.Session`` after ``--warmup`` untimed ones, beside the same query run in this
   process on a plain pyoxigraph Store ("engine direct": the query and the serialisation of
   its result to SPARQL JSON, which is the work orchkg's query worker does for a request);
3. measures throughput with ``wrk`` (Debian: ``apt-get install -y wrk``) at 1 connection
   (``-t1 -c1``) and 8 (``-t2 -c8``), ``--duration`` seconds each, ``--runs`` times, the
   runs of the three servers interleaved, and reports the median requests/s;
4. prints the targets beside the figures, met or not met.

It prints a Markdown report on standard output and progress on standard error. It measures;
it asserts nothing about time. The whole run takes about half an hour with the defaults.

    .venv/bin/python benchmarks/http.py > /tmp/http.md
"""

# ruff: noqa: E402 -- the path fix below must run before anything imports `http`
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    # This file is named http.py: run as a script, its folder comes first on sys.path and it
    # would shadow the standard library's `http`, which requests imports. Look here last.
    sys.path.append(sys.path.pop(0))

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from importlib import metadata
from typing import Any, Literal

import pyoxigraph as ox
import requests
from bare_reference import load_engine

from orchkg.content import content_files
from orchkg.namespaces import prefixes
from orchkg.settings import load_settings

CHECKOUT = HERE.parent
BASE_IRI = "https://w3id.org/orchkg/"
DEFAULT_VENV = Path("/tmp/orchkg-bench-rdflib-endpoint")
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
SERVERS = ("orchkg", "bare", "rdflib-endpoint")
SERVER_TITLES = {
    "orchkg": "orchkg",
    "bare": "bare (Flask + pyoxigraph)",
    "rdflib-endpoint": "rdflib-endpoint",
}
CONNECTIONS = ((1, 1), (2, 8))
"""wrk (threads, connections) settings."""

# The targets: figures orchkg's endpoint is meant to reach.
MAX_OVERHEAD_MS = 1.5
MIN_SCALING = 1.5
MIN_VS_BARE = 0.85
MIN_VS_RDFLIB = 10.0

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = f"{XSD}string"
EXACT_NUMBERS = frozenset(
    f"{XSD}{name}"
    for name in (
        *("decimal", "integer", "long", "int", "short", "byte"),
        *("nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger"),
        *("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"),
    )
)
FLOATS = frozenset((f"{XSD}double", f"{XSD}float"))

PROLOGUE = (
    "PREFIX okg: <https://w3id.org/orchkg/ontology#>\n"
    "PREFIX kg: <https://w3id.org/orchkg/resource/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


@dataclasses.dataclass(frozen=True)
class Query:
    name: str
    title: str
    text: str
    """The exact SPARQL sent to every server (prefixes declared, no server-side defaults)."""
    note: str = ""
    """Where the text comes from, when the report does not show it (canned queries)."""


POINT = Query(
    "point",
    "point lookup by IRI",
    "SELECT ?p ?o WHERE { <https://w3id.org/orchkg/resource/etcd> ?p ?o }",
)
QUESTIONS: tuple[Query, ...] = (
    POINT,
    Query(
        "components",
        "components of Kubernetes with their roles",
        PROLOGUE + "SELECT ?component ?role WHERE {\n"
        "  ?component okg:partOf kg:kubernetes ; okg:hasRole ?role\n"
        "} ORDER BY ?component ?role",
    ),
    Query(
        "compare",
        "two platforms on one dimension (okg:Claim)",
        PROLOGUE + "SELECT ?platform ?claim ?text WHERE {\n"
        "  VALUES ?platform { kg:kubernetes kg:mesos-marathon }\n"
        "  ?claim a okg:Claim ; okg:dimension okg:HighAvailability ; okg:platform ?platform ;\n"
        '         okg:seedText ?text FILTER(lang(?text) = "en")\n'
        "} ORDER BY ?platform ?claim",
    ),
    Query(
        "path",
        "transitive dependsOn/storesStateIn path",
        PROLOGUE + "SELECT ?component ?dependency WHERE {\n"
        "  ?component (okg:dependsOn|okg:storesStateIn|okg:electsLeaderThrough)+ ?dependency\n"
        "}",
    ),
    Query(
        "supports",
        "feature supports with their status",
        PROLOGUE + "SELECT ?platform ?feature ?status WHERE {\n"
        "  ?support a okg:FeatureSupport ; okg:platform ?platform ; okg:feature ?feature ;\n"
        "           okg:supportStatus ?status\n"
        "} ORDER BY ?platform ?feature",
    ),
    Query(
        "label-en",
        "label search, English (CONTAINS/LCASE)",
        PROLOGUE + "SELECT ?x ?label WHERE {\n"
        "  ?x rdfs:label ?label\n"
        '  FILTER(lang(?label) = "en" && CONTAINS(LCASE(?label), "scheduler"))\n'
        "} ORDER BY ?x",
    ),
    Query(
        "label-ko",
        "label search, Korean (CONTAINS/LCASE)",
        PROLOGUE + "SELECT ?x ?label WHERE {\n"
        "  ?x rdfs:label ?label\n"
        '  FILTER(lang(?label) = "ko" && CONTAINS(LCASE(?label), "스케줄러"))\n'
        "} ORDER BY ?x",
    ),
    Query(
        "top-figures",
        "largest quantitative claims (ORDER BY + LIMIT)",
        PROLOGUE + "SELECT ?claim ?platform ?value ?unit WHERE {\n"
        "  ?claim a okg:QuantitativeClaim ; okg:platform ?platform ; okg:numericValue ?value ;\n"
        "         okg:unit ?unit\n"
        "} ORDER BY DESC(?value) ?claim LIMIT 5",
    ),
)

_DECLARED_PREFIX = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:")
_DECLARED_BASE = re.compile(r"(?i)\bBASE\s*<")
_TOKEN = re.compile(
    r"""(?P<skip>\#[^\n\r]*|'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*"|<[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<open>\{)
    """,
    re.VERBOSE | re.DOTALL,
)
XSD_TYPES = {"integer": f"{XSD}integer", "decimal": f"{XSD}decimal", "boolean": f"{XSD}boolean"}


@dataclasses.dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    values: tuple[str, ...]
    is_list: bool


def read_header(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The ``#+`` header of a canned query (docs/queries.md): its keys, and its parameters."""
    keys: dict[str, str] = {}
    parameters: list[dict[str, str]] = []
    last: tuple[dict[str, str], str] | None = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            continue
        rest = line[2:]
        indented = rest.startswith("  ")
        key, colon, value = rest.strip().partition(":")
        if indented and parameters and colon and re.fullmatch(r"[a-z_]+", key):
            parameters[-1][key] = value.strip()
            last = (parameters[-1], key)
        elif indented and last is not None:
            last[0][last[1]] += " " + rest.strip()
        elif colon:
            if key == "param":
                parameters.append({"name": value.strip()})
                last = None
            else:
                keys[key] = value.strip()
                last = (keys, key)
    return keys, parameters


def parameters_of(text: str) -> tuple[str, list[Parameter]]:
    """A canned query's title and parameters, valued as in its ``example`` line (else their
    default, else ``en`` for a language); a parameter left without a value raises ValueError."""
    keys, declared = read_header(text)
    example = urllib.parse.parse_qs(keys.get("example", ""), keep_blank_values=True)
    found = []
    for item in declared:
        name, kind = item["name"], item.get("type", "string")
        is_list = item.get("list", "").lower() == "true"
        given = example.get(name) or ([item["default"]] if "default" in item else [])
        if not given and kind == "lang":
            given = ["en"]
        if not given:
            raise ValueError(f"parameter {name!r} has neither an example value nor a default")
        values = (
            [part.strip() for value in given for part in value.split(",")] if is_list else given
        )
        found.append(Parameter(name, kind, tuple(values if is_list else values[:1]), is_list))
    return keys.get("title", ""), found


def _expand(value: str, base_iri: str) -> str:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    prefix, colon, local = value.partition(":")
    known = prefixes(base_iri)
    if colon and prefix in known and not local.startswith("//"):
        return known[prefix] + local
    return value


def term_text(parameter: Parameter, value: str, base_iri: str) -> str:
    """A parameter value as SPARQL text."""
    if parameter.kind == "iri":
        return f"<{_expand(value, base_iri)}>"
    if parameter.kind in XSD_TYPES:
        return f"{json.dumps(value)}^^<{XSD_TYPES[parameter.kind]}>"
    return json.dumps(value, ensure_ascii=False)


def term_object(parameter: Parameter, value: str, base_iri: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as a pyoxigraph term (for the engine's own ``substitutions``)."""
    if parameter.kind == "iri":
        return ox.NamedNode(_expand(value, base_iri))
    if parameter.kind in XSD_TYPES:
        return ox.Literal(value, datatype=ox.NamedNode(XSD_TYPES[parameter.kind]))
    return ox.Literal(value)


def bind_in_text(text: str, parameters: Sequence[Parameter], base_iri: str) -> str:
    """The query with its parameters bound in its own text, so that any endpoint can run it.

    orchkg binds a single value by substitution (the query runs as if the variable were that
    term everywhere). In text, the same effect comes from a one-row ``VALUES`` block at the
    start of every group graph pattern (so every sub-select, OPTIONAL, EXISTS and UNION
    branch sees the value), leaving out VALUES data blocks, CONSTRUCT templates and groups
    that hold a sub-select (whose own WHERE gets it). A list parameter becomes a trailing
    ``VALUES`` block, as orchkg writes it.
    """
    singles = [p for p in parameters if not p.is_list]
    block = ""
    if singles:
        names = " ".join(f"?{p.name}" for p in singles)
        row = " ".join(term_text(p, p.values[0], base_iri) for p in singles)
        block = f" VALUES ({names}) {{ ({row}) }}"
    out: list[str] = []
    position = 0
    words: list[str] = []
    tokens = list(_TOKEN.finditer(text))
    for index, match in enumerate(tokens):
        if match.lastgroup == "word":
            words.append(match.group().upper())
            continue
        if match.lastgroup != "open" or not block:
            continue
        after = next((t.group().upper() for t in tokens[index + 1 :] if t.lastgroup == "word"), "")
        following = text[match.end() :].lstrip().upper()
        recent = words[-3:]
        data_block = "VALUES" in recent and not following.startswith(("SELECT", "?"))
        template = bool(words) and words[-1] == "CONSTRUCT"
        subselect = following.startswith("SELECT") and after == "SELECT"
        if data_block or template or subselect:
            continue
        out.append(text[position : match.end()])
        out.append(block)
        position = match.end()
    out.append(text[position:])
    bound = "".join(out)
    for parameter in (p for p in parameters if p.is_list):
        values = " ".join(term_text(parameter, value, base_iri) for value in parameter.values)
        bound += f"\nVALUES ?{parameter.name} {{ {values} }}"
    return bound


_OUTER_SELECT = re.compile(r"(?i)\bSELECT(\s+(?:DISTINCT|REDUCED))?\s+(?!\*)")


def project(body: str, names: Sequence[str]) -> str:
    """The query with these variables added to its outer projection, where it lists one."""
    match = _OUTER_SELECT.search(body)
    if match is None:
        return body
    projection = re.split(r"(?i)\bWHERE\b|\{", body[match.end() :], maxsplit=1)[0]
    missing = [name for name in names if not re.search(rf"[?$]{name}\b", projection)]
    if not missing:
        return body
    added = " ".join(f"?{name}" for name in missing)
    return f"{body[: match.end()]}{added} {body[match.end() :]}"


def canned_queries(content_dir: Path, base_iri: str, engine: ox.Store) -> list[Query]:
    """Every ``queries/*.rq`` file, runnable as it stands by any endpoint: orchkg's predeclared
    prefixes and BASE written out where the file relies on them, whole-line comments dropped,
    and the parameters bound to the values of the file's ``example`` line (``bind_in_text``).
    The text so bound is checked against the engine's own substitution of the same values."""
    folder = content_dir / "queries"
    found: list[Query] = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        original = path.read_text(encoding="utf-8")
        name = f"rq:{path.stem}"
        try:
            title, parameters = parameters_of(original)
        except ValueError as error:
            log(f"{path.name}: left out: {error}")
            continue
        body = "\n".join(
            line for line in original.splitlines() if not line.lstrip().startswith("#")
        )
        declared = {match.group(1) or "" for match in _DECLARED_PREFIX.finditer(body)}
        head = "" if _DECLARED_BASE.search(body) else f"BASE <{base_iri}>\n"
        head += "".join(
            f"PREFIX {prefix}: <{iri}>\n"
            for prefix, iri in prefixes(base_iri).items()
            if prefix not in declared
        )
        text = head + bind_in_text(body, parameters, base_iri)
        bindings = "&".join(f"{p.name}={','.join(p.values)}" for p in parameters)
        note = f"`queries/{path.name}` with {bindings or 'no parameters'}"
        # The engine substitutes only projected variables: project the others in both texts.
        lists = bind_in_text("", [p for p in parameters if p.is_list], base_iri)
        hidden = [p.name for p in parameters if not p.is_list]
        expected = head + project(body, hidden) + lists
        checked = head + bind_in_text(project(body, hidden), parameters, base_iri)
        substitutions = {
            ox.Variable(p.name): term_object(p, p.values[0], base_iri)
            for p in parameters
            if not p.is_list
        }
        try:
            engine_answer(engine, text)
        except (SyntaxError, ValueError, OSError, RuntimeError) as error:
            log(f"{path.name}: left out: the bound query fails on the engine: {error}")
            continue
        try:
            reference = engine.query(
                expected,
                use_default_graph_as_union=True,
                substitutions=substitutions,  # type: ignore[arg-type]
            )
            body_bytes, media_type = engine_answer(engine, checked)
            reference_bytes = (
                reference.serialize(format=ox.RdfFormat.N_TRIPLES)
                if isinstance(reference, ox.QueryTriples)
                else reference.serialize(format=ox.QueryResultsFormat.JSON)
            )
            same = rows_of(reference_bytes or b"", media_type) == rows_of(body_bytes, media_type)
        except (SyntaxError, ValueError, OSError, RuntimeError) as error:
            log(f"{path.name}: the binding could not be checked: {error}")
            note += " (binding not checked: the engine refused the substitution)"
            same = True
        if not same:
            note += " (**bound text differs from the engine's substitution**)"
        found.append(Query(name, title or path.name, text, note))
    return found


# -- rows: each server's answer in one comparable form -------------------------------------------
Row = tuple[str, ...]


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


def json_term_key(term: dict[str, str] | None) -> str:
    if term is None:
        return "UNBOUND"
    kind = term.get("type")
    if kind == "uri":
        return f"<{term['value']}>"
    if kind == "bnode":
        return "_:"
    if kind in ("literal", "typed-literal"):
        return literal_key(term["value"], term.get("datatype"), term.get("xml:lang"))
    return json.dumps(term, sort_keys=True)


def ox_term_key(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return "_:"
    if isinstance(term, ox.Literal):
        return literal_key(term.value, term.datatype.value, term.language)
    return str(term)


def rows_of(body: bytes, media_type: str) -> list[Row]:
    """The sorted rows of a SPARQL JSON result, or the sorted triples of N-Triples."""
    if "n-triples" in media_type or "text/plain" in media_type:
        triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        return sorted(
            (ox_term_key(t.subject), ox_term_key(t.predicate), ox_term_key(t.object))
            for t in triples
        )
    document = json.loads(body)
    if "boolean" in document:
        return [(str(bool(document["boolean"])).lower(),)]
    variables = sorted(document["head"].get("vars", []))
    return sorted(
        tuple(json_term_key(binding.get(name)) for name in variables)
        for binding in document["results"]["bindings"]
    )


# -- the engine, in this process -----------------------------------------------------------------
def engine_answer(engine: ox.Store, query: str) -> tuple[bytes, str]:
    """What orchkg's query worker computes for a request: the query, then its serialisation."""
    result = engine.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        graph = result.serialize(format=ox.RdfFormat.N_TRIPLES)
        assert graph is not None  # no output given: the bytes are returned
        return graph, "application/n-triples"
    body = result.serialize(format=ox.QueryResultsFormat.JSON)
    assert body is not None
    return body, "application/sparql-results+json"


# -- servers ------------------------------------------------------------------------------------
@dataclasses.dataclass
class Server:
    key: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def url(self, query: str) -> str:
        return f"{self.endpoint}?query={urllib.parse.quote(query, safe='')}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(key: str, command: list[str], env: dict[str, str], port: int, scratch: Path) -> Server:
    log = scratch / f"{key}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=CHECKOUT
        )
    return Server(key, process, port, log)


def wait_ready(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    probe = server.url("ASK { ?s ?p ?o }")
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(
                f"{server.key} exited with {server.process.returncode} while starting:\n"
                f"{server.log_tail()}"
            )
        with contextlib.suppress(requests.RequestException):
            answer = requests.get(probe, headers={"Accept": ACCEPT}, timeout=10)
            if answer.status_code == 200:
                return
        time.sleep(0.25)
    raise SystemExit(f"{server.key} did not answer within {timeout:g} s:\n{server.log_tail()}")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def rdflib_endpoint_python(venv: Path) -> Path:
    """The virtualenv's Python with rdflib-endpoint and uvicorn, made on first use."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import rdflib_endpoint, uvicorn"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return python
    print(f"creating {venv} with rdflib-endpoint[web] from PyPI", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "rdflib-endpoint[web]"], check=True
    )
    return python


def serving_processes(args: argparse.Namespace) -> int:
    """How many processes serve HTTP in orchkg's layout: the bare server gets as many."""
    return args.processes if args.serve == "processes" else 1


def start_servers(
    args: argparse.Namespace, scratch: Path, venv_python: Path, servers: list[Server]
) -> None:
    """Start the three servers, adding each to ``servers`` (so a failure still stops them)."""
    settings = load_settings({"content_dir": str(args.content_dir), "base_iri": args.base_iri})
    base_env = {name: value for name, value in os.environ.items() if not name.startswith("ORCHKG")}
    orchkg_env = {
        **base_env,
        "ORCHKG_CONTENT_DIR": str(args.content_dir),
        "ORCHKG_BASE_IRI": args.base_iri,
    }
    spec = scratch / "content.json"
    spec.write_text(
        json.dumps(
            {
                "base_iri": settings.base_iri,
                "files": [{"path": str(f.path), "graph": f.graph} for f in content_files(settings)],
            }
        ),
        encoding="utf-8",
    )
    ports = [free_port() for _ in SERVERS]
    servers += [
        start(
            "orchkg",
            [
                *(sys.executable, "-m", "orchkg", "serve", "--port", str(ports[0])),
                *("--serve", args.serve, "--processes", str(args.processes)),
            ],
            orchkg_env,
            ports[0],
            scratch,
        ),
        start(
            "bare",
            [
                sys.executable,
                str(HERE / "bare_reference.py"),
                "--port",
                str(ports[1]),
                "--content-dir",
                str(args.content_dir),
                "--base-iri",
                args.base_iri,
                "--processes",
                str(serving_processes(args)),
            ],
            base_env,
            ports[1],
            scratch,
        ),
        start(
            "rdflib-endpoint",
            [
                str(venv_python),
                "-m",
                "uvicorn",
                "rdflib_endpoint_app:app",
                "--app-dir",
                str(HERE),
                "--host",
                "127.0.0.1",
                "--port",
                str(ports[2]),
            ],
            {**base_env, "ORCHKG_BENCH_CONTENT": str(spec)},
            ports[2],
            scratch,
        ),
    ]
    for server in servers:
        wait_ready(server)
        log(f"{server.key} ready on port {server.port}")


# -- measurements ---------------------------------------------------------------------------------
@dataclasses.dataclass
class Latency:
    samples: list[float]
    errors: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=100, method="inclusive")[98]


def time_engine(engine: ox.Store, query: str, requests_: int, warmup: int) -> Latency:
    for _ in range(warmup):
        engine_answer(engine, query)
    samples = []
    for _ in range(requests_):
        started = time.perf_counter()
        engine_answer(engine, query)
        samples.append(time.perf_counter() - started)
    return Latency(samples)


def time_http(
    session: requests.Session, url: str, requests_: int, warmup: int, budget: float
) -> Latency:
    """Sequential requests; they stop early once the timed ones have taken ``budget`` s."""
    headers = {"Accept": ACCEPT}
    spent = time.perf_counter()
    for _ in range(warmup):
        session.get(url, headers=headers, timeout=120).content  # noqa: B018 -- read the body
        if time.perf_counter() - spent > budget:
            break
    samples: list[float] = []
    errors = 0
    for _ in range(requests_):
        if sum(samples) > budget and len(samples) >= 2:
            break
        started = time.perf_counter()
        answer = session.get(url, headers=headers, timeout=120)
        answer.content  # noqa: B018 -- the body is part of the request
        samples.append(time.perf_counter() - started)
        errors += answer.status_code != 200
    return Latency(samples, errors)


@dataclasses.dataclass
class WrkRun:
    requests_per_second: float
    requests: int
    non_2xx: int
    socket_errors: str


def run_wrk(url: str, threads: int, connections: int, duration: float) -> WrkRun:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "30s",
        "-H",
        f"Accept: {ACCEPT}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        return WrkRun(0.0, 0, 0, f"wrk failed: {message[-1] if message else done.returncode}")
    rate = re.search(r"Requests/sec:\s*([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    socket_errors = re.search(r"Socket errors:\s*(.+)", output)
    if rate is None or total is None:
        return WrkRun(0.0, 0, 0, f"wrk's output unreadable: {output[-200:]!r}")
    return WrkRun(
        float(rate.group(1)),
        int(total.group(1)),
        int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors.group(1).strip() if socket_errors else "",
    )


@dataclasses.dataclass
class QueryFigures:
    query: Query
    kind: Literal["solutions", "boolean", "graph"]
    rows: dict[str, list[Row]] = dataclasses.field(default_factory=dict)
    statuses: dict[str, str] = dataclasses.field(default_factory=dict)
    latency: dict[str, Latency] = dataclasses.field(default_factory=dict)
    wrk: dict[tuple[str, int], list[WrkRun]] = dataclasses.field(default_factory=dict)

    def rate(self, server: str, connections: int) -> float | None:
        runs = [run for run in self.wrk.get((server, connections), []) if run.requests]
        return statistics.median(run.requests_per_second for run in runs) if runs else None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check_rows(figures: QueryFigures, servers: Sequence[Server], engine: ox.Store) -> None:
    body, media_type = engine_answer(engine, figures.query.text)
    figures.rows["engine"] = rows_of(body, media_type)
    figures.statuses["engine"] = "200"
    for server in servers:
        try:
            answer = requests.get(
                server.url(figures.query.text), headers={"Accept": ACCEPT}, timeout=60
            )
        except requests.RequestException as error:
            figures.statuses[server.key] = f"error: {error}"
            continue
        figures.statuses[server.key] = str(answer.status_code)
        if answer.status_code != 200:
            log(f"  {server.key}: {answer.status_code} {answer.text[:300]}")
            continue
        try:
            figures.rows[server.key] = rows_of(
                answer.content, answer.headers.get("Content-Type", "")
            )
        except (ValueError, KeyError, SyntaxError) as error:
            figures.statuses[server.key] = f"unreadable answer: {error}"


def measure(
    queries: Sequence[Query],
    servers: Sequence[Server],
    engine: ox.Store,
    args: argparse.Namespace,
    checkpoint: Callable[[list[QueryFigures]], None],
) -> list[QueryFigures]:
    """Every figure; ``checkpoint`` gets the figures so far after each step (a partial report)."""
    results: list[QueryFigures] = []
    for query in queries:
        probe = engine.query(query.text, use_default_graph_as_union=True)
        kind: Literal["solutions", "boolean", "graph"] = (
            "graph"
            if isinstance(probe, ox.QueryTriples)
            else "boolean"
            if isinstance(probe, ox.QueryBoolean)
            else "solutions"
        )
        figures = QueryFigures(query, kind)
        results.append(figures)
        check_rows(figures, servers, engine)
        log(f"latency: {query.name}")
        figures.latency["engine"] = time_engine(engine, query.text, args.requests, args.warmup)
        for server in servers:
            if "engine" in figures.rows and server.key in figures.rows:
                with requests.Session() as session:
                    figures.latency[server.key] = time_http(
                        session, server.url(query.text), args.requests, args.warmup, args.budget
                    )
    checkpoint(results)
    if args.skip_throughput:
        return results
    timed = [f for f in results if args.wrk_canned or not f.query.note]
    total = len(timed) * len(CONNECTIONS) * args.runs * len(servers)
    done = 0
    for figures in timed:
        for threads, connections in CONNECTIONS:
            for run in range(args.runs):
                for server in servers:  # interleaved, so drift in the machine's load is shared
                    if server.key not in figures.latency:
                        continue
                    done += 1
                    log(
                        f"wrk {done}/{total}: {figures.query.name} {server.key} "
                        f"-t{threads} -c{connections} run {run + 1}"
                    )
                    run_ = run_wrk(
                        server.url(figures.query.text), threads, connections, args.duration
                    )
                    if not run_.requests:
                        alive = server.process.poll() is None
                        state = "still runs" if alive else "has stopped"
                        log(f"  {run_.socket_errors}; {server.key} {state}")
                        if not alive:
                            log(server.log_tail())
                    figures.wrk.setdefault((server.key, connections), []).append(run_)
        checkpoint(results)
    return results


# -- the report -----------------------------------------------------------------------------------
def ms(seconds: float) -> str:
    value = seconds * 1000
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    if value >= 1:
        return f"{value:.2f} ms"
    return f"{value:.3f} ms"


def rps(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "-"
    value = numerator / denominator
    return f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment(venv_python: Path) -> list[str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, IndexError, ValueError):
        first = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()[0]
        memory = f"{int(first.split()[1]) / 1024**2:.1f} GiB"
    probe = (
        "import importlib.metadata as m; "
        "print(', '.join(f'{n} {m.version(n)}' for n in "
        "('rdflib-endpoint', 'rdflib', 'fastapi', 'uvicorn')))"
    )
    other = subprocess.run(
        [str(venv_python), "-c", probe], capture_output=True, text=True, check=False
    ).stdout.strip()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    wrk_version = (wrk.stdout or wrk.stderr).splitlines()[0].split(" [")[0] if wrk else "?"
    import orchkg  # noqa: PLC0415 -- only to say where it was imported from

    source = Path(orchkg.__file__).resolve().parents[1]
    commit = subprocess.run(
        ["git", "-C", str(source), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "-C", str(source), "status", "--porcelain", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if commit and changed:
        commit += ", with uncommitted changes under service/"
    elif not commit:
        commit = "not a git checkout"
    return [
        f"* CPUs: {os.cpu_count()} ({cpu}), memory {memory}; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"* orchkg {_version('orchkg')} from `{source}` ({commit}), pyoxigraph "
        f"{_version('pyoxigraph')}, Flask {_version('flask')}, waitress {_version('waitress')}, "
        f"requests {_version('requests')}",
        f"* rdflib-endpoint's virtualenv: {other or 'unknown'}",
        f"* {wrk_version}",
    ]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "unknown"


def agreement_table(results: Sequence[QueryFigures]) -> tuple[list[str], list[str]]:
    lines = [
        "| query | engine rows | orchkg | bare | rdflib-endpoint | same rows |",
        "|---|---:|---:|---:|---:|---|",
    ]
    notes = []
    for figures in results:
        reference = figures.rows.get("engine")
        cells = []
        same = True
        for key in SERVERS:
            if key in figures.rows:
                cells.append(f"{len(figures.rows[key]):,}")
                if figures.rows[key] != reference:
                    same = False
                    notes.append(difference_note(figures, key))
            else:
                cells.append(figures.statuses.get(key, "not run"))
                same = False
        engine_rows = f"{len(reference):,}" if reference is not None else "-"
        verdict = "yes" if same else "**no**"
        lines.append(f"| {figures.query.name} | {engine_rows} | {' | '.join(cells)} | {verdict} |")
    return lines, notes


def difference_note(figures: QueryFigures, key: str) -> str:
    mine = set(figures.rows[key])
    engine = set(figures.rows.get("engine", []))
    parts = [
        f"* **{figures.query.name}**, {key}: {len(figures.rows[key]):,} rows "
        f"({len(mine):,} distinct) against the engine's {len(figures.rows.get('engine', [])):,} "
        f"({len(engine):,} distinct)."
    ]
    if mine == engine:
        parts.append(" Same distinct rows; only how often rows repeat differs.")
    for where, extra in ((key, mine - engine), ("the engine", engine - mine)):
        if extra:
            shown = "; ".join(f"`{' '.join(row)}`" for row in sorted(extra)[:3])
            parts.append(f" Only in {where} ({len(extra):,}): {shown}.")
    return "".join(parts)


def latency_table(results: Sequence[QueryFigures], requests_: int) -> list[str]:
    lines = [
        "| query | engine direct median | p99 | orchkg median | p99 | bare median | p99 "
        "| rdflib-endpoint median | p99 | rdflib-endpoint / orchkg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for figures in results:
        cells = []
        for key in ("engine", *SERVERS):
            found = figures.latency.get(key)
            if found is None:
                cells += ["-", "-"]
                continue
            short = f" (n={len(found.samples)})" if len(found.samples) < requests_ else ""
            cells += [ms(found.median) + short, ms(found.p99)]
        orchkg, slow = figures.latency.get("orchkg"), figures.latency.get("rdflib-endpoint")
        speed = ratio(slow.median, orchkg.median) if orchkg and slow else "-"
        lines.append(f"| {figures.query.name} | {' | '.join(cells)} | {speed} |")
    return lines


def throughput_tables(results: Sequence[QueryFigures]) -> list[str]:
    results = [figures for figures in results if figures.wrk]
    lines = [
        "Requests per second, median of the runs:",
        "",
        "| query | orchkg c1 | orchkg c8 | bare c1 | bare c8 | rdflib-endpoint c1 "
        "| rdflib-endpoint c8 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for figures in results:
        cells = [
            rps(figures.rate(key, connections)) for key in SERVERS for _, connections in CONNECTIONS
        ]
        lines.append(f"| {figures.query.name} | {' | '.join(cells)} |")
    lines += [
        "",
        "Ratios of those medians:",
        "",
        "| query | orchkg c8 / c1 | bare c8 / c1 | orchkg / bare, c8 "
        "| orchkg / rdflib-endpoint, c1 | orchkg / rdflib-endpoint, c8 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for figures in results:
        rate = figures.rate
        cells = [
            ratio(rate("orchkg", 8), rate("orchkg", 1)),
            ratio(rate("bare", 8), rate("bare", 1)),
            ratio(rate("orchkg", 8), rate("bare", 8)),
            ratio(rate("orchkg", 1), rate("rdflib-endpoint", 1)),
            ratio(rate("orchkg", 8), rate("rdflib-endpoint", 8)),
        ]
        lines.append(f"| {figures.query.name} | {' | '.join(cells)} |")
    spreads = []
    failures = []
    for figures in results:
        for (key, connections), runs in figures.wrk.items():
            values = [run.requests_per_second for run in runs]
            if len(values) > 1 and min(values) > 0:
                spreads.append(
                    (max(values) / min(values) - 1, figures.query.name, key, connections)
                )
            bad = sum(run.non_2xx for run in runs)
            sockets = {run.socket_errors for run in runs if run.socket_errors}
            if bad or sockets:
                failures.append(
                    f"* {figures.query.name}, {key}, c{connections}: {bad:,} non-2xx responses"
                    + (f"; socket errors: {', '.join(sorted(sockets))}" if sockets else "")
                )
    if spreads:
        worst = max(spreads)
        typical = statistics.median(spread for spread, *_ in spreads)
        lines += [
            "",
            f"Spread between the fastest and the slowest run of one measurement: median "
            f"{typical:.0%}, largest {worst[0]:.0%} ({worst[1]}, {worst[2]}, c{worst[3]}).",
        ]
    lines += ["", *(failures or ["Every wrk request was answered 2xx, without socket errors."])]
    return lines


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def targets_table(results: Sequence[QueryFigures]) -> list[str]:
    point = next((f for f in results if f.query.name == POINT.name), None)
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    if point is not None and "orchkg" in point.latency:
        engine, orchkg = point.latency["engine"].median, point.latency["orchkg"].median
        overhead = (orchkg - engine) * 1000
        bare = point.latency.get("bare")
        floor = f"; bare - engine: {(bare.median - engine) * 1000:.2f} ms" if bare else ""
        lines.append(
            f"| HTTP adds ≤ {MAX_OVERHEAD_MS:g} ms to the point lookup's median "
            f"| orchkg {ms(orchkg)} - engine {ms(engine)} = **{overhead:.2f} ms**{floor} "
            f"| {verdict(overhead <= MAX_OVERHEAD_MS)}"
            + ("" if overhead <= MAX_OVERHEAD_MS else f", by {overhead - MAX_OVERHEAD_MS:.2f} ms")
            + " |"
        )
        c1, c8, bare8 = point.rate("orchkg", 1), point.rate("orchkg", 8), point.rate("bare", 8)
        if c1 and c8:
            scaling = c8 / c1
            lines.append(
                f"| point lookup at 8 clients ≥ {MIN_SCALING:g} x at 1 client "
                f"| {rps(c8)} / {rps(c1)} req/s = **{scaling:.2f}x** "
                f"| {verdict(scaling >= MIN_SCALING)}"
                + ("" if scaling >= MIN_SCALING else f", short by {MIN_SCALING - scaling:.2f}x")
                + " |"
            )
        if c8 and bare8:
            share = c8 / bare8
            lines.append(
                f"| point lookup at 8 clients ≥ {MIN_VS_BARE:g} x bare "
                f"| {rps(c8)} / {rps(bare8)} req/s = **{share:.2f}x** "
                f"| {verdict(share >= MIN_VS_BARE)}"
                + ("" if share >= MIN_VS_BARE else f", short by {MIN_VS_BARE - share:.2f}x")
                + " |"
            )
    speeds = [
        (f.latency["rdflib-endpoint"].median / f.latency["orchkg"].median, f.query.name)
        for f in results
        if "orchkg" in f.latency and "rdflib-endpoint" in f.latency
    ]
    if speeds:
        slowest = min(speeds)
        missed = [f"{name} ({speed:.1f}x)" for speed, name in speeds if speed < MIN_VS_RDFLIB]
        lines.append(
            f"| every query ≥ {MIN_VS_RDFLIB:g} x faster than rdflib-endpoint (median latency) "
            f"| lowest: **{slowest[0]:.1f}x** ({slowest[1]}); highest: {max(speeds)[0]:.1f}x "
            f"| {verdict(not missed)}" + (f": {', '.join(missed)}" if missed else "") + " |"
        )
    return lines + _client_note(point)


def _client_note(point: QueryFigures | None) -> list[str]:
    """Where the HTTP medians' time goes: wrk, a C client, against the Python client."""
    if point is None:
        return []
    parts = []
    for key in ("orchkg", "bare"):
        rate, latency = point.rate(key, 1), point.latency.get(key)
        if rate and latency:
            parts.append(
                f"{key} {ms(1 / rate)} per request under wrk against {ms(latency.median)} "
                "under requests"
            )
    if not parts:
        return []
    return [
        "",
        "The figures above include the client's own time. At one connection, the point lookup "
        f"took {'; '.join(parts)}.",
    ]


def render(
    results: Sequence[QueryFigures],
    args: argparse.Namespace,
    context: dict[str, Any],
) -> str:
    out = ["# SPARQL endpoint over HTTP", ""]
    out += [
        f"Run on {context['started']} (UTC), {context['elapsed']:.0f} s in all; load average "
        f"{context['load_before']} before, {context['load_after']} after.",
        "",
        *context["environment"],
        "",
        f"Latency: {args.requests} sequential GET requests per query and server over one "
        f"keep-alive `requests.Session`, after {args.warmup} untimed ones; the engine column "
        "is the same query run in this process on a plain pyoxigraph Store (query + SPARQL JSON "
        f"serialisation), as many times. A server's timed requests for one query stop once "
        f"they have taken {args.budget:g} s (then n is shown).",
    ]
    if not args.skip_throughput:
        out.append(
            f"Throughput: `wrk -t1 -c1` and `wrk -t2 -c8`, {args.duration:g} s each, "
            f"{args.runs} runs per figure, the three servers' runs interleaved; medians"
            + ("." if args.wrk_canned else ", for the point lookup and the questions only.")
        )
    out += ["", "## Same rows", ""]
    lines, notes = agreement_table(results)
    out += lines
    if notes:
        out += ["", "Rows that differ:", "", *notes]
    out += ["", "## Latency", "", *latency_table(results, args.requests)]
    if not args.skip_throughput:
        out += ["", "## Throughput", "", *throughput_tables(results)]
    out += ["", "## Targets", "", *targets_table(results), "", "## Queries", ""]
    canned = [f for f in results if f.query.note]
    for figures in results:
        if not figures.query.note:
            out += [f"**{figures.query.name}**: {figures.query.title}", "", "```sparql"]
            out += [figures.query.text, "```", ""]
    if canned:
        out += [
            "The canned queries are sent as their files stand, with orchkg's predeclared "
            "prefixes and BASE written out, whole-line comments dropped, and each parameter "
            "bound to the value of the file's `example` line: a single value through a one-row "
            "VALUES block at the start of every group (checked against pyoxigraph's own "
            "substitution of the same value), a list through a trailing VALUES block.",
            "",
            *(f"* **{f.query.name}** ({f.query.title}): {f.query.note}" for f in canned),
            "",
        ]
    else:
        out += [f"`{args.content_dir / 'queries'}` held no `.rq` file.", ""]
    return "\n".join(out)


def to_json(results: Sequence[QueryFigures]) -> list[dict[str, Any]]:
    return [
        {
            "name": f.query.name,
            "query": f.query.text,
            "statuses": f.statuses,
            "rows": {key: len(rows) for key, rows in f.rows.items()},
            "latency": {
                key: {
                    "median": lat.median,
                    "p99": lat.p99,
                    "errors": lat.errors,
                    "samples": lat.samples,
                }
                for key, lat in f.latency.items()
            },
            "wrk": [
                {"server": key, "connections": connections, **dataclasses.asdict(run)}
                for (key, connections), runs in f.wrk.items()
                for run in runs
            ],
        }
        for f in results
    ]


@contextlib.contextmanager
def running(servers: list[Server]) -> Iterator[None]:
    """Stop every server in ``servers`` on the way out, however the block ends."""
    try:
        yield
    finally:
        for server in servers:
            stop(server)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Benchmark orchkg's SPARQL endpoint over HTTP against a bare Flask + "
        "pyoxigraph endpoint and rdflib-endpoint: same rows, latency, throughput (wrk), targets.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--requests", type=int, default=300, help="Timed sequential requests per query and server."
    )
    parser.add_argument("--warmup", type=int, default=20, help="Untimed requests before them.")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="Seconds of each wrk measurement."
    )
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per figure (median kept).")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="Stop timing one query on one server once its requests have taken this long (s).",
    )
    parser.add_argument(
        "--skip-throughput", action="store_true", help="Leave out the wrk measurements."
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="Measure only this query (repeatable; names as in the report).",
    )
    parser.add_argument(
        "--content-dir", type=Path, default=CHECKOUT, help="Folder holding ontology/ and graph/."
    )
    parser.add_argument("--base-iri", default=BASE_IRI, help="Base IRI of the content.")
    parser.add_argument(
        "--rdflib-endpoint-venv",
        type=Path,
        default=DEFAULT_VENV,
        help="Virtualenv with rdflib-endpoint[web]; created (from PyPI) if it lacks it.",
    )
    parser.add_argument(
        "--serve",
        choices=("workers", "processes"),
        default=load_settings(environ={}).serve,
        help="orchkg's server layout (its serve setting); the bare server gets the same "
        "number of serving processes.",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=load_settings(environ={}).processes,
        help="Serving processes of orchkg and of the bare server with --serve processes.",
    )
    parser.add_argument("--json", type=Path, help="Also write every figure and sample here.")
    parser.add_argument(
        "--partial",
        type=Path,
        help="Rewrite the report so far to this file after each step (a long run may be cut).",
    )
    parser.add_argument(
        "--no-wrk-canned",
        dest="wrk_canned",
        action="store_false",
        help="Measure throughput for the point lookup and the questions only, not queries/*.rq.",
    )
    args = parser.parse_args(argv)
    if args.requests < 2 or args.runs < 1 or args.warmup < 0 or args.duration <= 0:
        parser.error("--requests must be at least 2, --runs at least 1, --duration positive")
    args.content_dir = args.content_dir.resolve()
    if not args.skip_throughput and shutil.which("wrk") is None:
        parser.error("wrk is not installed; on Debian: apt-get install -y wrk")

    log("loading the engine in this process")
    engine = load_engine(args.content_dir, args.base_iri)
    queries = [*QUESTIONS, *canned_queries(args.content_dir, args.base_iri, engine)]
    if args.only:
        queries = [query for query in queries if query.name in args.only]
        if not queries:
            parser.error(f"no query is named {', '.join(args.only)}")
    started = datetime.datetime.now(datetime.UTC)
    clock = time.monotonic()
    load_before = load_average()
    venv_python = rdflib_endpoint_python(args.rdflib_endpoint_venv)
    servers: list[Server] = []
    with (
        tempfile.TemporaryDirectory(prefix="orchkg-http-bench-") as scratch_name,
        running(servers),
    ):
        start_servers(args, Path(scratch_name), venv_python, servers)
        setting = [
            *environment(venv_python),
            f"* orchkg: `serve --serve {args.serve} --processes {args.processes}` "
            f"({serving_processes(args)} serving process(es), 8 waitress threads each); "
            f"bare: `bare_reference.py --processes {serving_processes(args)}` (as many, "
            "8 threads each)",
        ]

        def report(results: list[QueryFigures]) -> str:
            context = {
                "started": started.strftime("%Y-%m-%d %H:%M"),
                "elapsed": time.monotonic() - clock,
                "load_before": load_before,
                "load_after": load_average(),
                "environment": setting,
            }
            return render(results, args, context)

        def checkpoint(results: list[QueryFigures]) -> None:
            if args.partial is not None:
                args.partial.write_text(report(results), encoding="utf-8")
            if args.json is not None:
                args.json.write_text(json.dumps(to_json(results), ensure_ascii=False), "utf-8")

        results = measure(queries, servers, engine, args, checkpoint)
        checkpoint(results)
    print(report(results))


if __name__ == "__main__":
    main()
