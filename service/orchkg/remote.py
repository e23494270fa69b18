"""The remote store: orchkg's dataset kept in any SPARQL 1.1 store, reached with SPARQLWrapper.

``RemoteStore`` implements ``orchkg.store.Store`` over the SPARQL 1.1 Protocol: queries
go to the query endpoint, writes (loads, updates, drops) to the update endpoint. The
Flask service keeps no data of its own then, so any number of replicas can serve one
remote store. Results come back as pyoxigraph's result objects, parsed from the
endpoint's SPARQL JSON or N-Triples, so everything above the store works unchanged.

What orchkg's dataset is on a remote store (docs/remote-store.md):

* every named graph there except the store's own system graphs (``hidden_graphs``) and
  orchkg's bookkeeping graphs (``urn:orchkg:``); the *default graph* of a load or an
  update is the named graph ``urn:orchkg:default``;
* queries without a dataset of their own see the union of those graphs (sent as
  ``default-graph-uri`` and ``named-graph-uri``), as on the embedded store;
* the version (ETags, cached views) is a token in ``urn:orchkg:meta`` that every write
  through orchkg replaces, read at most once per ``version_ttl`` seconds.

Traps of real stores that are turned into errors rather than wrong answers:

* a result cut at the store's row cap (Virtuoso's ``ResultSetMaxRows``, announced in an
  ``X-SPARQL-MaxRows`` header, or a result exactly ``max_rows`` long) -> 502;
* a partial result after the store's own time limit (Virtuoso's "anytime" answers,
  ``X-SQL-State: S1TAT``) -> 504, as is a store slower than the deadline;
* a store that is down, refuses or answers garbage -> 502.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, cast

import pyoxigraph as ox
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper

from orchkg.errors import (
    ClientError,
    ConfigurationError,
    ForbiddenError,
    QuerySyntaxError,
    RdfSyntaxError,
    StoreError,
    UnknownFormatError,
    UpstreamError,
    UpstreamTimeoutError,
)
from orchkg.formats import RdfFormat
from orchkg.guard import Token, scan, tokenize
from orchkg.rewriting import (
    expand_values,
    inline_values_bound,
    projection_of,
    push_values,
    substitute,
    uses_paths,
)
from orchkg.screening import BodyLimits
from orchkg.store import (
    _LOADING_PREFIX,
    LoadOutcome,
    Part,
    ProgressCallback,
    QueryResult,
    _screened,
    _syntax_error,
    check_graph_iri,
)

_MAX_ASKED = 50
"""Past this many IRIs in an update, the graph register is rebuilt by a scan instead."""
DEFAULT_GRAPH = "urn:orchkg:default"
"""The named graph that stands for the default graph of loads and updates."""
META_GRAPH = "urn:orchkg:meta"
_VERSION = "urn:orchkg:version"
_GRAPH = "urn:orchkg:graph"
_REGISTERED = "urn:orchkg:registered"
_LOADING = "urn:orchkg:loading"
"""Marks a staging graph in the bookkeeping graph while its load runs (so a crashed load's
graphs are found without reading every quad of the store)."""
_OWN_PREFIX = "urn:orchkg:"
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
_BNODE_CHARS = re.compile(r"[^A-Za-z0-9_]")
_RESULTS_ACCEPT = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.5"
_GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "text/rdf+n3": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
}


def _literal_int(row: ox.QuerySolution, name: str) -> int:
    value = row[name]
    if not isinstance(value, ox.Literal):
        raise StoreError(f"the remote store answered a count that is not a number: {value}")
    return int(value.value)


@dataclasses.dataclass(frozen=True)
class PreparedQuery:
    """A query as the remote store gets it (``RemoteStore.prepare``)."""

    text: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    constants: Mapping[str, str]
    """The IRIs written into the text in place of variables, by variable name."""
    form: str
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    columns: list[str]
    """The names of the answer's columns, as the query gives them (see ``_mended``)."""
    limit: int | None
    """The query's own top-level LIMIT."""


class RemoteStore:
    """orchkg's dataset in a remote SPARQL 1.1 store (see the module docstring)."""

    path = None  # nothing on this machine

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        user: str | None = None,
        password: str | None = None,
        auth: str = "digest",
        timeout: float = 5.0,
        union_default_graph: bool = True,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        max_rows: int = 10_000,
        hidden_graphs: Sequence[str] = VIRTUOSO_SYSTEM_GRAPHS,
        batch_size: int = 1_000,
        graph_store: str | None = None,
        graph_store_batch_size: int = 50_000,
        version_ttl: float = 1.0,
        write_timeout: float = 600.0,
    ) -> None:
        """``timeout`` bounds a query; ``write_timeout`` a write request (a batch of a load,
        or the one update that publishes it, which moves every staged triple)."""
        for url in (endpoint, update_endpoint, graph_store):
            if url is not None and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise ConfigurationError(f"a remote store is reached over http(s), not {url!r}")
        if auth not in ("digest", "basic"):
            raise ConfigurationError(f"remote_auth must be 'digest' or 'basic', not {auth!r}")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint
        self.user = user
        self.password = password
        self.auth = auth
        self.timeout = timeout
        self.union_default_graph = union_default_graph
        self.base_iri = base_iri
        self.prefixes = dict(prefixes or {})
        self.max_rows = max_rows
        self.hidden_graphs = tuple(hidden_graphs)
        self.batch_size = batch_size
        self.graph_store = graph_store
        self.graph_store_batch_size = graph_store_batch_size
        self.version_ttl = version_ttl
        self.write_timeout = write_timeout
        self._cache: tuple[float, str, list[str]] | None = None
        self._opener = self._build_opener()
        self._lock = threading.Lock()
        self._prefixes = " ".join(f"PREFIX {name}: <{iri}>" for name, iri in self.prefixes.items())

    # -- the wire ----------------------------------------------------------
    def _build_opener(self) -> urllib.request.OpenerDirector:
        """orchkg's own urllib opener, with the store's credentials for its endpoints only.

        SPARQLWrapper's ``query()`` installs a process-wide opener for digest
        authentication (``urllib.request.install_opener``), which then answers other
        code's 401s: orchkg builds its requests with SPARQLWrapper and sends them itself.
        """
        handlers: list[urllib.request.BaseHandler] = []
        if self.user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (self.endpoint, self.update_endpoint, self.graph_store):
                if url is not None:
                    passwords.add_password(None, url, self.user, self.password or "")
            handlers.append(
                _DigestAuth(passwords) if self.auth == "digest" else _BasicAuth(passwords)
            )
        return urllib.request.build_opener(*handlers)

    def _request(
        self,
        text: str,
        *,
        update: bool = False,
        accept: str = _RESULTS_ACCEPT,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
    ) -> tuple[bytes, str, Mapping[str, str]]:
        """Send a query or an update; return the body, its media type and the headers."""
        target = self.update_endpoint if update else self.endpoint
        if target is None:
            raise ForbiddenError(
                "the remote store has no update endpoint configured (remote_update_endpoint)"
            )
        limit = timeout or (self.write_timeout if update else self.timeout)
        wrapper = SPARQLWrapper(target)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)  # the Accept header alone: no format=, output=, results=
        wrapper.setTimeout(max(int(limit + 0.999), 1))
        wrapper.setQuery(text)
        wrapper.clearCustomHttpHeader("Accept")
        wrapper.addCustomHttpHeader("Accept", accept)
        if not update:
            # the store's own time limit (Virtuoso and Fuseki read 'timeout', milliseconds)
            wrapper.addParameter("timeout", str(int(limit * 1000)))
        for iri in default_graphs:
            wrapper.addDefaultGraph(iri)
        for iri in named_graphs:
            wrapper.addNamedGraph(iri)
        body, media_type, headers = _send(self._opener, wrapper, target, limit)
        if headers.get("x-sql-state") == "S1TAT":
            raise UpstreamTimeoutError(
                f"the remote store stopped the query at its {limit:g} s limit and returned "
                "an incomplete answer, which orchkg does not pass on"
            )
        if "x-sparql-maxrows" in headers:
            raise UpstreamError(
                f"the remote store cut the answer at {headers['x-sparql-maxrows']} rows "
                "(its result-size limit); narrow the query or add LIMIT"
            )
        return body, media_type, headers

    def _text(self, sparql: str, base_iri: str | None = None) -> str:
        """The text with the service-defined BASE and prefixes in front, on its first line
        (so the line numbers in the store's error messages stay the user's).

        A BASE the text starts with stays first (Virtuoso takes no BASE after a PREFIX).
        """
        tokens = tokenize(sparql)
        if len(tokens) > 1 and tokens[0].is_word("BASE") and tokens[1].kind == "iri":
            at = tokens[1].end
            return f"{sparql[:at]} {self._prefixes} {sparql[at:]}"
        base = base_iri or self.base_iri
        return f"{f'BASE <{base}> ' if base else ''}{self._prefixes} {sparql}"

    # -- reading -----------------------------------------------------------
    @property
    def version(self) -> str:
        """The token the last write through orchkg left, read at most once per ``version_ttl``."""
        return self._meta()[0]

    def _meta(self) -> tuple[str, list[str]]:
        """(version token, orchkg's graphs) from the bookkeeping graph, cached ``version_ttl``.

        The graphs are a register kept by orchkg's own writes: listing a store's graphs
        with SPARQL (``SELECT DISTINCT ?g``) reads every quad (1.8 s on a near-empty
        Virtuoso). With no register yet, it is built once by that scan.
        """
        now = time.monotonic()
        cached = self._cache
        if cached is not None and now - cached[0] < self.version_ttl:
            return cached[1], list(cached[2])
        body, _, _ = self._request(
            f"SELECT ?p ?o WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> ?p ?o }} }}"
        )
        token, graphs, registered = "unversioned", [], False
        for row in cast(ox.QuerySolutions, _parse_results(body)):
            predicate, value = row["p"], row["o"]
            if not isinstance(predicate, ox.NamedNode) or value is None:
                continue
            if predicate.value == _VERSION:
                token = value.value if isinstance(value, ox.Literal) else token
            elif predicate.value == _GRAPH and isinstance(value, ox.NamedNode):
                graphs.append(value.value)
            elif predicate.value == _REGISTERED:
                registered = True
        if not registered and self.update_endpoint is not None:
            self.register_graphs()
            return self._meta()
        if not registered:
            graphs = self.all_graphs()
        found = sorted(graph for graph in graphs if self._ours(graph))
        self._cache = (now, f"remote-{token}", found)
        return f"remote-{token}", list(found)

    def all_graphs(self) -> list[str]:
        """Every named graph of the store, found the slow way (by reading every quad)."""
        body, _, _ = self._request(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=max(self.timeout, 60)
        )
        return sorted(
            node.value
            for row in cast(ox.QuerySolutions, _parse_results(body))
            if isinstance(node := row["g"], ox.NamedNode)
        )

    def register_graphs(self) -> None:
        """Rebuild the register of orchkg's graphs from the store's graphs as they are."""
        found = [graph for graph in self.all_graphs() if self._ours(graph)]
        self._write([], register=found, rebuild=True)

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a read query on the remote store, within ``timeout`` (default: the store's)."""
        request = self.prepare(
            sparql,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            base_iri=base_iri,
            substitutions=substitutions,
        )
        kind = request.form
        accept = _GRAPH_ACCEPT if kind in ("CONSTRUCT", "DESCRIBE") else _RESULTS_ACCEPT
        body, media_type, _ = self._request(
            request.text,
            accept=accept,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            timeout=timeout,
        )
        if kind in ("CONSTRUCT", "DESCRIBE"):
            return _parse_triples(body, media_type)
        result = _parse_results(body, request.columns)
        if isinstance(result, ox.QuerySolutions):
            rows = list(result)
            limited = request.limit is not None and request.limit <= self.max_rows
            if len(rows) >= self.max_rows and not limited:
                raise UpstreamError(
                    f"the remote store returned {len(rows):,} rows, its result-size limit "
                    f"({self.max_rows:,}); the answer may be cut short: narrow the query or "
                    "add LIMIT"
                )
            return _solutions(result.variables, rows, request.constants)
        return result

    def prepare(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> PreparedQuery:
        """What is sent to the store for a query: the rewritten text (``orchkg.rewriting``)
        with the service's BASE and prefixes, and the dataset (orchkg's graphs, unless the
        request or the query names its own)."""
        inlined, written = inline_values_bound(substitute(sparql, substitutions or {}))
        if uses_paths(inlined):
            inlined = expand_values(inlined)
        constants = {
            name: term.value
            for name, term in (substitutions or {}).items()
            if isinstance(term, ox.NamedNode)
        } | {name: term[1:-1] for name, term in written.items() if term.startswith("<")}
        found = scan(sparql)
        tokens = tokenize(found.text)
        if default_graphs is None and named_graphs is None and not found.declares_dataset:
            ours = self.graphs()
            if self.union_default_graph:
                default_graphs, named_graphs = [*ours, DEFAULT_GRAPH], ours
            else:
                default_graphs, named_graphs = [DEFAULT_GRAPH], ours
        return PreparedQuery(
            self._text(push_values(inlined), base_iri),
            tuple(default_graphs or ()),
            tuple(named_graphs or ()),
            constants,
            _query_form(tokens),
            projection_of(tokens),
            _top_limit(tokens),
        )

    def graphs(self) -> list[str]:
        return self._meta()[1]

    def _ours(self, iri: str) -> bool:
        return not iri.startswith(_OWN_PREFIX) and not any(
            iri.startswith(hidden) for hidden in self.hidden_graphs
        )

    def has_graph(self, graph: str) -> bool:
        """Whether the named graph holds triples (a SPARQL store keeps no empty graphs)."""
        return self._holds_triples(check_graph_iri(graph))

    def triple_count(self, graph: str | None = None) -> int:
        if graph is None:
            graphs = [*self.graphs(), DEFAULT_GRAPH]
            pattern = "?s ?p ?o"
        else:
            graphs, pattern = [], f"GRAPH <{check_graph_iri(graph)}> {{ ?s ?p ?o }}"
        body, _, _ = self._request(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", default_graphs=graphs
        )
        rows = list(cast(ox.QuerySolutions, _parse_results(body)))
        return _literal_int(rows[0], "n") if rows else 0

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one graph (``DEFAULT_GRAPH`` for None) or, with ``graph="*"``, of
        the dataset; read page by page under the store's row cap, in a stable order."""
        if graph == "*":
            targets = [*self.graphs(), DEFAULT_GRAPH]
        else:
            targets = [DEFAULT_GRAPH if graph is None else check_graph_iri(graph)]
        for target in targets:
            name: ox.NamedNode | ox.DefaultGraph = (
                ox.DefaultGraph() if target == DEFAULT_GRAPH else ox.NamedNode(target)
            )
            offset = 0
            while True:
                body, _, _ = self._request(
                    f"SELECT ?s ?p ?o WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }} "
                    f"ORDER BY ?s ?p ?o LIMIT {self.max_rows - 1} OFFSET {offset}"
                )
                rows = list(cast(ox.QuerySolutions, _parse_results(body)))
                for row in rows:
                    subject, predicate, obj = row["s"], row["p"], row["o"]
                    if not isinstance(predicate, ox.NamedNode) or subject is None or obj is None:
                        raise UpstreamError(f"the remote store answered a broken row: {row}")
                    yield ox.Quad(subject, predicate, obj, name)
                if len(rows) < self.max_rows - 1:
                    break
                offset += len(rows)

    def export(self, output: IO[bytes], fmt: RdfFormat, *, graph: str | None = None) -> None:
        if graph is not None:
            self.export_graph(output, fmt, graph)
            return
        if not fmt.datasets:
            raise UnknownFormatError(
                f"{fmt.name} holds one graph: name the graph to export, or pick trig or nquads"
            )
        ox.serialize(self.quads("*"), output, fmt.engine)

    def export_graph(
        self,
        output: IO[bytes],
        fmt: RdfFormat,
        graph: str | None,
        *,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in self.quads(graph))
        if fmt.datasets:
            ox.serialize(self.quads(graph), output, fmt.engine, prefixes=prefixes)
        else:
            ox.serialize(triples, output, fmt.engine, prefixes=prefixes)

    # -- writing -----------------------------------------------------------
    def _write(
        self,
        steps: Sequence[str],
        *,
        register: Sequence[str] = (),
        unregister: Sequence[str] = (),
        rebuild: bool = False,
    ) -> None:
        """One update request: the steps, the register's changes, a new version token."""
        token = uuid.uuid4().hex
        meta = f"<{META_GRAPH}>"
        bookkeeping = [f"DELETE WHERE {{ GRAPH {meta} {{ {meta} <{_VERSION}> ?v }} }}"]
        if rebuild:
            bookkeeping.append(f"DROP SILENT GRAPH {meta}")
        if unregister:
            listed = " ".join(f"{meta} <{_GRAPH}> <{graph}> ." for graph in unregister)
            bookkeeping.append(f"DELETE DATA {{ GRAPH {meta} {{ {listed} }} }}")
        listed = " ".join(f"{meta} <{_GRAPH}> <{graph}> ." for graph in register)
        bookkeeping.append(
            f'INSERT DATA {{ GRAPH {meta} {{ {meta} <{_VERSION}> "{token}" ; '
            f"<{_REGISTERED}> true . {listed} }} }}"
        )
        try:
            self._request(" ;\n".join([*steps, *bookkeeping]), update=True)
        finally:
            self._cache = None

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run SPARQL Update on the remote store, the default graph being ``DEFAULT_GRAPH``.

        Whether a multi-operation update is atomic is up to the store (Virtuoso's is not).
        """
        self._write([self._text(sparql, base_iri)])
        self._refresh_register(sparql)

    def _refresh_register(self, sparql: str) -> None:
        """Register or unregister the graphs an update may have made or emptied: each IRI it
        names is asked about (ASK), rather than every quad of the store read."""
        tokens = tokenize(scan(sparql).text)
        named = {
            token.value[1:-1] for token in tokens if token.kind == "iri" and ":" in token.value
        }
        for token in tokens:
            if token.kind == "pname":
                prefix, local = token.value.split(":", 1)
                if prefix in self.prefixes:
                    named.add(self.prefixes[prefix] + local)
        if len(named) > _MAX_ASKED:
            self.register_graphs()
            return
        known = set(self.graphs())
        now = {iri for iri in named if self._ours(iri) and self._holds_triples(iri)}
        gone = (named & known) - now
        if now - known or gone:
            self._write([], register=sorted(now - known), unregister=sorted(gone))

    def _holds_triples(self, graph: str) -> bool:
        try:
            ox.NamedNode(graph)
        except ValueError:
            return False
        body, _, _ = self._request(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return bool(cast(ox.QueryBoolean, _parse_results(body)))

    def drop_graph(self, graph: str | None) -> bool:
        target = DEFAULT_GRAPH if graph is None else check_graph_iri(graph)
        if graph is not None and not self.has_graph(target):
            return False
        self._write([f"DROP SILENT GRAPH <{target}>"], unregister=[target])
        return True

    def load(
        self,
        source: IO[bytes],
        fmt: RdfFormat,
        *,
        source_name: str,
        graph: str | None = None,
        base_iri: str | None = None,
        replace: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> int:
        outcome = self.load_parts(
            [Part(source, fmt, source_name)],
            graph=graph,
            base_iri=base_iri,
            replace=replace,
            on_progress=on_progress,
        )
        return outcome.quads

    def load_parts(
        self,
        parts: Sequence[Part],
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        replace: bool = True,
        single_graph: bool = False,
        on_progress: ProgressCallback | None = None,
        limits: BodyLimits | None = None,
    ) -> LoadOutcome:
        """Load RDF in batches into staging graphs, then publish them in one update.

        A load that fails (bad syntax, the store refusing) drops its staging graphs and
        changes nothing. Blank nodes keep their identity when the whole load fits in one
        batch; a larger load gives them skolem IRIs (RDF 1.1 Concepts, section 3.5), as
        one request cannot name a blank node that another request made.
        """
        if limits is not None:
            parts = [_screened(part, limits) for part in parts]
        target = DEFAULT_GRAPH if graph is None else check_graph_iri(graph)
        existed_before = set(self.graphs())
        run = _RemoteLoad(parts, target, base_iri, single_graph)
        if single_graph or not any(part.fmt.datasets for part in parts):
            run.staged(target)  # the addressed graph is replaced even by an empty load
        batch: list[tuple[str, ox.Quad]] = []
        marked: set[str] = set()
        skolem = False
        try:
            for item in run.quads():
                batch.append(item)
                if len(batch) >= (
                    self.graph_store_batch_size if self.graph_store else self.batch_size
                ):
                    skolem = True  # more than one batch: blank nodes cannot span requests
                    self._insert(_grouped(batch, run.staged, skolem, run.token), marked)
                    batch = []
                    if on_progress is not None:
                        on_progress(run.count, 0)
            if batch:
                self._insert(_grouped(batch, run.staged, skolem, run.token), marked)
            self._publish(run.staging, replace)
        except SyntaxError as error:
            self._discard(run.staging)
            raise _syntax_error(error, run.current) from error
        except BaseException:
            self._discard(run.staging)
            raise
        if on_progress is not None:
            on_progress(run.count, 0)
        created = frozenset(
            name for name in run.staging if name != DEFAULT_GRAPH and name not in existed_before
        )
        return LoadOutcome(run.count, created)

    def _insert(self, groups: Mapping[str, list[str]], marked: set[str]) -> None:
        """Add one batch: N-Triples lines by staging graph (each staging graph marked in the
        bookkeeping graph before its first triple is written)."""
        new = [name for name in groups if name not in marked]
        if new:
            listed = " ".join(f"<{META_GRAPH}> <{_LOADING}> <{name}> ." for name in new)
            self._request(f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ {listed} }} }}", update=True)
            marked.update(new)
        if self.graph_store is not None:
            for name, lines in groups.items():
                self._post_graph(name, "".join(f"{line}\n" for line in lines).encode())
            return
        # INSERT ... WHERE {}, not INSERT DATA: Virtuoso refuses blank nodes in INSERT DATA;
        # a template's blank nodes are one fresh set for the one solution of the empty WHERE
        blocks = " ".join(
            f"GRAPH <{name}> {{ {' '.join(lines)} }}" for name, lines in groups.items()
        )
        self._request(f"INSERT {{ {blocks} }} WHERE {{}}", update=True)

    def _post_graph(self, graph: str, body: bytes) -> None:
        """POST N-Triples to a graph through the SPARQL 1.1 Graph Store Protocol."""
        assert self.graph_store is not None
        separator = "&" if "?" in self.graph_store else "?"
        url = f"{self.graph_store}{separator}{urllib.parse.urlencode({'graph': graph})}"
        request = urllib.request.Request(  # noqa: S310 -- http(s) only, checked in __init__
            url, data=body, method="POST", headers={"Content-Type": "application/n-triples"}
        )
        limit = self.write_timeout
        try:
            with self._opener.open(request, timeout=limit) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            message = _read_error(error)
            error.close()
            raise UpstreamError(
                f"the remote store's graph store refused a batch: {error.code} {error.reason}: "
                f"{message}"
            ) from None
        except TimeoutError:
            raise UpstreamTimeoutError(
                f"the remote store's graph store did not take a batch within {limit:g} s"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise UpstreamError(f"cannot reach the remote store's graph store: {error}") from None

    def _publish(self, staging: Mapping[str, str], replace: bool) -> None:
        verb = "MOVE" if replace else "ADD"
        steps = []
        for target, temporary in staging.items():
            steps.append(f"{verb} SILENT GRAPH <{temporary}> TO GRAPH <{target}>")
            if not replace:
                steps.append(f"DROP SILENT GRAPH <{temporary}>")
        steps.append(self._unmark(staging.values()))
        self._write(steps, register=[name for name in staging if name != DEFAULT_GRAPH])

    @staticmethod
    def _unmark(names: Iterable[str]) -> str:
        listed = " ".join(f"<{META_GRAPH}> <{_LOADING}> <{name}> ." for name in names)
        return f"DELETE DATA {{ GRAPH <{META_GRAPH}> {{ {listed} }} }}"

    def _discard(self, staging: Mapping[str, str]) -> None:
        if not staging:
            return
        # if this fails too, the next start drops them (drop_unfinished_loads)
        with contextlib.suppress(UpstreamError, ForbiddenError):
            steps = [f"DROP SILENT GRAPH <{name}>" for name in staging.values()]
            self._request(" ;\n".join([*steps, self._unmark(staging.values())]), update=True)

    def drop_unfinished_loads(self) -> None:
        """Drop the staging graphs a crashed load left behind (marked in the bookkeeping
        graph; nothing is scanned)."""
        body, _, _ = self._request(
            f"SELECT ?g WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{_LOADING}> ?g }} }}"
        )
        left = [
            node.value
            for row in cast(ox.QuerySolutions, _parse_results(body))
            if isinstance(node := row["g"], ox.NamedNode)
        ]
        if left:
            self._discard({name: name for name in left})

    def close(self) -> None:
        """Nothing to close: every request opens and closes its own connection."""


# -- helpers ----------------------------------------------------------------------------


class _ClosesChallenge:
    """Closes the 401 challenge's response before the auth handler answers it (urllib leaves
    it open: an unclosed socket per authenticated request)."""

    def http_error_401(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Mapping[str, str],
    ) -> object:
        fp.close()
        return super().http_error_401(req, fp, code, msg, headers)  # type: ignore[misc]


class _DigestAuth(_ClosesChallenge, urllib.request.HTTPDigestAuthHandler):  # type: ignore[misc]
    """urllib's digest handler, without the leaked challenge."""


class _BasicAuth(_ClosesChallenge, urllib.request.HTTPBasicAuthHandler):  # type: ignore[misc]
    """urllib's basic handler, without the leaked challenge."""


class _RemoteLoad:
    """One load's state: the staging graph of each target, the quads read, the source."""

    def __init__(
        self, parts: Sequence[Part], target: str, base_iri: str | None, single_graph: bool
    ) -> None:
        self.parts = parts
        self.target = target
        self.base_iri = base_iri
        self.single_graph = single_graph
        self.token = uuid.uuid4().hex
        self.staging: dict[str, str] = {}
        self.count = 0
        self.current = parts[0].name if parts else "input"

    def staged(self, name: str) -> str:
        """The staging graph that stands for the graph ``name`` while the load runs."""
        if name.startswith(_OWN_PREFIX) and name != DEFAULT_GRAPH:
            raise ClientError(f"graph IRIs under {_OWN_PREFIX} are reserved for orchkg")
        if name not in self.staging:
            self.staging[name] = f"{_LOADING_PREFIX}{self.token}:{len(self.staging)}"
        return self.staging[name]

    def quads(self) -> Iterator[tuple[str, ox.Quad]]:
        """(target graph, quad) for every quad of every part."""
        for part in self.parts:
            self.current = part.name
            parser = ox.parse(
                part.source, part.fmt.engine, base_iri=self.base_iri, rename_blank_nodes=True
            )
            for quad in parser:
                self.count += 1
                name = self.target
                if not isinstance(quad.graph_name, ox.DefaultGraph):
                    if self.single_graph:
                        raise ClientError(
                            f"{part.name}: holds the named graph {quad.graph_name}; a single "
                            "graph is written here, so send triples only"
                        )
                    if isinstance(quad.graph_name, ox.BlankNode):
                        raise RdfSyntaxError(
                            "blank-node graph names are not supported", source=part.name
                        )
                    name = check_graph_iri(quad.graph_name.value)
                yield name, quad


def _send(
    opener: urllib.request.OpenerDirector, wrapper: SPARQLWrapper, target: str, limit: float
) -> tuple[bytes, str, dict[str, str]]:
    """Send the request SPARQLWrapper built; the one seam where urllib's errors become
    orchkg's."""
    request = wrapper._createRequest()  # its own opener: see RemoteStore._build_opener
    started = time.monotonic()
    try:
        with opener.open(request, timeout=wrapper.timeout) as response:
            body = _read_before(response, started + limit + 1.0)
            media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
            return body, media_type, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        message = _read_error(error)
        error.close()
        if error.code == 400:
            raise QuerySyntaxError(f"the remote store refused the query: {message}") from None
        if error.code in (401, 403):
            raise UpstreamError(
                f"the remote store refused orchkg's credentials ({error.code}): {message}"
            ) from None
        raise UpstreamError(f"the remote store failed ({error.code}): {message}") from None
    except TimeoutError as error:
        raise UpstreamTimeoutError(f"the remote store did not answer within {limit:g} s") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise UpstreamTimeoutError(
                f"the remote store did not answer within {limit:g} s"
            ) from None
        raise UpstreamError(f"cannot reach the remote store at {target}: {error.reason}") from None
    except OSError as error:
        raise UpstreamError(f"the connection to the remote store failed: {error}") from None


def _read_error(error: urllib.error.HTTPError) -> str:
    try:
        return " ".join(error.read(2000).decode("utf-8", "replace").split())[:500]
    except OSError:
        return ""


def _read_before(response: IO[bytes], deadline: float) -> bytes:
    """The whole body, unless it takes past ``deadline`` (a store that dribbles)."""
    chunks: list[bytes] = []
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _parse_results(body: bytes, names: Sequence[str] = ()) -> QueryResult:
    """SPARQL JSON results as pyoxigraph's objects, mended where Virtuoso departs from the
    format: blank-node labels such as ``nodeID://b10001`` (not valid labels) are made
    valid, an ASK answered as one row of ``__ASK_RETVAL`` becomes a boolean, and a column
    it names ``callret-N`` gets the name the query gives it (``names``, in order)."""
    if b"nodeID://" in body or b"__ASK_RETVAL" in body or b'"callret-' in body:
        body = _mended(body, names)
    try:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as error:
        raise UpstreamError(
            f"the remote store's answer is not SPARQL JSON results: {error}"
        ) from None


def _mended(body: bytes, names: Sequence[str]) -> bytes:
    try:
        document = json.loads(body)
    except ValueError:
        return body  # reported as unparseable by the caller
    columns = document.get("head", {}).get("vars", [])
    if len(columns) == len(names) and any(name.startswith("callret-") for name in columns):
        renamed = dict(zip(columns, names, strict=True))
        document["head"]["vars"] = list(names)
        document["results"]["bindings"] = [
            {renamed.get(key, key): value for key, value in row.items()}
            for row in document.get("results", {}).get("bindings", [])
        ]
    if document.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
        rows = document.get("results", {}).get("bindings", [])
        value = rows[0].get("__ASK_RETVAL", {}).get("value") if rows else "0"
        return json.dumps({"head": {}, "boolean": value not in ("0", "false")}).encode()
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                term["value"] = _BNODE_CHARS.sub("_", term["value"].removeprefix("nodeID://"))
    return json.dumps(document).encode()


def _parse_triples(body: bytes, media_type: str) -> ox.QueryTriples:
    fmt = _GRAPH_TYPES.get(media_type)
    if fmt is None:
        raise UpstreamError(f"the remote store answered a graph as {media_type!r}")
    try:
        triples = [quad.triple for quad in ox.parse(body, fmt)]
    except SyntaxError as error:
        raise UpstreamError(f"the remote store's graph does not parse: {error}") from None
    return _as_query_triples(triples)


def _as_query_triples(triples: list[ox.Triple]) -> ox.QueryTriples:
    """pyoxigraph's graph-result object for ``triples`` (built by a CONSTRUCT over them)."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    result = scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QueryTriples)
    return result


def _solutions(
    variables: list[ox.Variable],
    rows: list[ox.QuerySolution],
    constants: Mapping[str, str] | None = None,
) -> ox.QuerySolutions:
    """Solutions that were read already, as a fresh pyoxigraph result object.

    ``constants`` are the IRIs orchkg wrote into the query in place of variables:
    Virtuoso returns such a constant as a plain literal once it has passed through a
    GROUP BY, and it is an IRI again here.
    """
    bindings = []
    for row in rows:
        binding = {}
        for variable in variables:
            term = row[variable]
            iri = (constants or {}).get(variable.value)
            if iri is not None and isinstance(term, ox.Literal) and term.value == iri:
                term = ox.NamedNode(iri)
            if term is not None:
                binding[variable.value] = _json_term(term)
        bindings.append(binding)
    document = {"head": {"vars": [v.value for v in variables]}, "results": {"bindings": bindings}}
    result = ox.parse_query_results(json.dumps(document), ox.QueryResultsFormat.JSON)
    assert isinstance(result, ox.QuerySolutions)
    return result


def _json_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, ox.Literal)
    found = {"type": "literal", "value": term.value}
    if term.language:
        found["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        found["datatype"] = term.datatype.value
    return found


def _query_form(tokens: list[Token]) -> str:
    for token in tokens:
        if token.depth == 0 and token.is_word("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return token.value.upper()
    return "SELECT"


def _top_limit(tokens: list[Token]) -> int | None:
    """The query's own top-level LIMIT, if it has one."""
    for token, following in itertools.pairwise(tokens):
        if token.depth == 0 and token.is_word("LIMIT") and following.value.isdigit():
            return int(following.value)
    return None


def _grouped(
    batch: list[tuple[str, ox.Quad]], staged: Callable[[str], str], skolem: bool, token: str
) -> dict[str, list[str]]:
    """The N-Triples lines of a batch of (target graph, quad), by staging graph."""
    by_graph: dict[str, list[str]] = {}
    for name, quad in batch:
        subject, obj = quad.subject, quad.object
        if skolem:
            line = f"{_skolem(subject, token)} {quad.predicate} {_skolem(obj, token)} ."
        else:
            line = f"{subject} {quad.predicate} {obj} ."
        by_graph.setdefault(staged(name), []).append(line)
    return by_graph


def _skolem(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, token: str
) -> ox.NamedNode | ox.Literal | ox.Triple:
    """A blank node as a skolem IRI of this load (RDF 1.1 Concepts, section 3.5)."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(f"urn:orchkg:genid:{token}:{term.value}")
    return term
