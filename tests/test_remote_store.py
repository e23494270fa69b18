"""The remote-store backend against a real OpenLink Virtuoso (``tests/virtuoso.py``).

orchkg servers are real processes started with ``--endpoint``; Virtuoso is a real server
bound to 127.0.0.1. The shipped content's query, view and canned-query tests also run on
this backend (the ``shipped_store`` fixture of conftest.py); this module covers what is
particular to a remote store: replicas, a store that is down, slow or cuts its answers
short, loads and exports over the protocol.
"""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
import requests

from orchkg.content import open_store
from orchkg.errors import ClientError, RdfSyntaxError, UpstreamError, UpstreamTimeoutError
from orchkg.formats import rdf_format
from orchkg.remote import RemoteStore
from orchkg.settings import Settings
from orchkg.store import Store
from support import LiveServer, live_server
from virtuoso import Virtuoso, running_virtuoso

BASE = "https://w3id.org/orchkg/"
TOKEN = "remote-test-token"  # noqa: S105 -- a test credential
ASK_RUNS_ON = "ASK { kg:marathon okg:runsOn kg:mesos }"
LABELS = (
    "SELECT ?label WHERE { kg:marathon okg:runsOn ?base . ?base rdfs:label ?label } ORDER BY ?label"
)
HEAVY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
    "FILTER(CONCAT(STR(?c), STR(?f)) != STR(?i)) }"
)


@pytest.fixture(scope="module")
def writer(virtuoso: Virtuoso, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An orchkg replica on the session's Virtuoso that accepts writes."""
    with live_server(
        "serve",
        "--update-token",
        TOKEN,
        "--query-timeout",
        "2",
        env=virtuoso.environment(),
        cwd=tmp_path_factory.mktemp("writer"),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def reader(
    virtuoso: Virtuoso, writer: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A second replica on the same Virtuoso, read-only towards the store (the writer has
    filled it)."""
    with live_server(
        "serve", env=virtuoso.environment(updates=False), cwd=tmp_path_factory.mktemp("reader")
    ) as running:
        yield running


@pytest.fixture(scope="module")
def remote(virtuoso_settings: Settings) -> Store:
    return open_store(virtuoso_settings)


@pytest.fixture(scope="module")
def embedded(shipped_settings: Settings) -> Store:
    return open_store(shipped_settings)


def sparql(
    server: LiveServer, query: str, accept: str = "application/sparql-results+json"
) -> requests.Response:
    return server.post("/sparql", data={"query": query}, headers={"Accept": accept})


# -- queries over HTTP -------------------------------------------------------------------


def test_a_replica_on_virtuoso_answers_like_the_embedded_store(
    writer: LiveServer, reader: LiveServer, embedded: Store
) -> None:
    for server in (writer, reader):
        assert sparql(server, ASK_RUNS_ON).json()["boolean"] is True
        labels = [
            row["label"]["value"] for row in sparql(server, LABELS).json()["results"]["bindings"]
        ]
        expected = [row["label"].value for row in embedded.query(LABELS)]  # type: ignore[union-attr]
        assert labels == expected == ["Mesos", "메소스"]


@pytest.mark.parametrize(
    ("accept", "marker"),
    [
        ("text/csv", "label\r\nMesos\r\n메소스"),
        ("text/tab-separated-values", '?label\n"Mesos"@en\n"메소스"@ko'),
        ("application/sparql-results+xml", '<literal xml:lang="ko">메소스</literal>'),
    ],
)
def test_every_results_format_on_virtuoso(reader: LiveServer, accept: str, marker: str) -> None:
    response = sparql(reader, LABELS, accept)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(accept)
    assert marker in response.text


def test_a_construct_on_virtuoso_parses_as_the_embedded_one(
    reader: LiveServer, embedded: Store
) -> None:
    query = "CONSTRUCT { kg:etcd ?p ?o } WHERE { kg:etcd ?p ?o FILTER(isIRI(?o)) }"
    response = sparql(reader, query, "text/turtle")
    assert response.status_code == 200, response.text
    got = rdflib.Graph().parse(data=response.text, format="turtle")
    expected = rdflib.Graph()
    for triple in embedded.query(query):  # type: ignore[union-attr]
        expected.add(
            (
                rdflib.URIRef(triple.subject.value),
                rdflib.URIRef(triple.predicate.value),
                rdflib.URIRef(triple.object.value),
            )
        )
    assert len(got) == len(expected) > 3
    assert set(got) == set(expected)


def test_canned_queries_and_views_on_virtuoso(reader: LiveServer) -> None:
    answer = reader.get("/api/queries/counterparts")
    assert answer.status_code == 200, answer.text
    rows = [set(row.values()) for row in answer.json()["rows"]]
    assert any({f"{BASE}resource/etcd", f"{BASE}resource/zookeeper"} <= row for row in rows)
    view = reader.get("/views/kubernetes.svg")
    assert view.status_code == 200, view.text
    assert view.headers["Content-Type"].startswith("image/svg+xml")
    assert "kube-apiserver" in view.text
    page = reader.get("/resource/etcd", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "etcd" in page.text


# -- replicas ------------------------------------------------------------------------------


def test_a_write_through_one_replica_is_seen_by_the_other(
    writer: LiveServer, reader: LiveServer
) -> None:
    graph = f"{BASE}graph/replica-test"
    query = f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    before = sparql(reader, query)
    assert before.json()["results"]["bindings"] == []
    tag = before.headers["ETag"]
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ kg:x okg:note "written through the writer" }} }}'
    written = writer.post(
        "/update", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert written.status_code in (200, 204), written.text
    try:
        deadline = time.monotonic() + 5
        while True:  # the reader re-reads the store's version at most once a second
            after = sparql(reader, query)
            rows = after.json()["results"]["bindings"]
            if rows or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert [row["o"]["value"] for row in rows] == ["written through the writer"]
        assert after.headers["ETag"] != tag
        listed = sparql(reader, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert graph in {row["g"]["value"] for row in listed.json()["results"]["bindings"]}
    finally:
        dropped = requests.delete(
            f"{writer.url}/data",
            params={"graph": graph},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        assert dropped.status_code in (200, 204), dropped.text


def test_the_reader_refuses_writes_it_cannot_make(reader: LiveServer) -> None:
    response = reader.post("/update", data={"update": "CLEAR ALL"})
    assert response.status_code in (401, 403)


# -- a store that is down, slow, or cuts its answers ----------------------------------------


def test_an_answer_cut_at_the_stores_row_limit_is_refused(reader: LiveServer) -> None:
    many = "SELECT ?a ?b WHERE { ?a a okg:Component . ?b rdfs:label ?l }"
    response = sparql(reader, many)
    assert response.status_code == 502, response.text[:300]
    assert "10000 rows" in response.text or "10,000 rows" in response.text
    limited = sparql(reader, many + " LIMIT 25")
    assert limited.status_code == 200
    assert len(limited.json()["results"]["bindings"]) == 25


def test_a_partial_answer_after_the_stores_time_limit_is_a_504(writer: LiveServer) -> None:
    started = time.monotonic()
    response = sparql(writer, HEAVY)
    elapsed = time.monotonic() - started
    assert response.status_code == 504, response.text[:300]
    assert "incomplete" in response.text or "did not answer" in response.text
    assert elapsed < 10
    assert sparql(writer, ASK_RUNS_ON).json()["boolean"] is True  # the store still serves


class SilentPeer:
    """A TCP server that accepts connections and never answers (a store that hangs)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._hold, daemon=True).start()

    def _hold(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()


def test_a_store_that_hangs_is_a_504_within_the_limit() -> None:
    peer = SilentPeer()
    try:
        store = RemoteStore(peer.url, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(UpstreamTimeoutError, match=r"did not answer within 1 s"):
            store.query("ASK { ?s ?p ?o }")
        assert time.monotonic() - started < 5
    finally:
        peer.close()


def test_a_store_that_is_down_is_a_502_and_the_service_recovers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with (
        running_virtuoso() as own,
        live_server("serve", env=own.environment(), cwd=tmp_path_factory.mktemp("down")) as server,
    ):
        assert sparql(server, ASK_RUNS_ON).json()["boolean"] is True
        own.process.terminate()
        own.process.wait(timeout=30)
        started = time.monotonic()
        response = sparql(server, ASK_RUNS_ON)
        assert response.status_code == 502
        assert "cannot reach the remote store" in response.text
        assert time.monotonic() - started < 5
        assert server.get("/healthz").status_code == 200  # the service itself is alive
        own.restart()
        assert sparql(server, ASK_RUNS_ON).json()["boolean"] is True


def test_wrong_credentials_are_named(virtuoso: Virtuoso) -> None:
    store = RemoteStore(
        virtuoso.endpoint,
        update_endpoint=virtuoso.update_endpoint,
        user=virtuoso.user,
        password="not-the-password",  # noqa: S106 -- deliberately wrong
    )
    with pytest.raises(UpstreamError, match="refused orchkg's credentials"):
        store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/nope> {{ <x:a> <x:b> <x:c> }} }}")


def test_a_digest_write_leaves_other_http_clients_of_the_process_alone(
    remote: Store, writer: LiveServer
) -> None:
    """SPARQLWrapper's own query() installs a process-wide urllib opener for digest auth,
    which then fails on any other 401 (a Bearer challenge raised ValueError in the client)."""
    graph = f"{BASE}graph/digest-check"
    remote.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <x:a> <x:b> <x:c> }} }}")  # digest auth
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(
                urllib.request.Request(f"{writer.url}/update", data=b"update=CLEAR+ALL"),
                timeout=30,
            )
        refused.value.close()
        assert refused.value.code == 401
        assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")
    finally:
        remote.drop_graph(graph)


# -- loads and exports --------------------------------------------------------------------

SMALL = """\
@prefix okg: <https://w3id.org/orchkg/ontology#> .
@prefix kg: <https://w3id.org/orchkg/resource/> .
kg:shop a okg:Platform ; okg:note [ okg:label "a blank node" ; okg:value 3 ] ;
    okg:label "숍"@ko, "shop"@en .
"""


def exported(store: Store, graph: str) -> rdflib.Graph:
    sink = io.BytesIO()
    store.export_graph(sink, rdf_format("ntriples"), graph)
    return rdflib.Graph().parse(data=sink.getvalue().decode(), format="nt")


def test_a_small_load_round_trips_with_its_blank_nodes(remote: Store) -> None:
    graph = f"{BASE}graph/remote-small"
    try:
        count = remote.load(
            io.BytesIO(SMALL.encode()), rdf_format("turtle"), source_name="small.ttl", graph=graph
        )
        assert count == 6
        expected = rdflib.Graph().parse(data=SMALL, format="turtle")
        assert rdflib.compare.isomorphic(exported(remote, graph), expected)
        assert graph in remote.graphs()
    finally:
        remote.drop_graph(graph)
    assert graph not in remote.graphs()


def test_a_load_of_many_batches_lands_whole(virtuoso_settings: Settings) -> None:
    store = open_store(virtuoso_settings)
    assert isinstance(store, RemoteStore)
    store.batch_size = 50
    graph = f"{BASE}graph/remote-batches"
    lines = "".join(
        f"<{BASE}resource/n{i}> <{BASE}ontology#next> <{BASE}resource/n{i + 1}> .\n"
        for i in range(420)
    )
    lines += f'_:b <{BASE}ontology#label> "blank" .\n'
    try:
        count = store.load(
            io.BytesIO(lines.encode()), rdf_format("ntriples"), source_name="chain.nt", graph=graph
        )
        assert count == 421
        assert store.triple_count(graph) == 421
        got = exported(store, graph)
        skolem = [s for s, _, _ in got if str(s).startswith("urn:orchkg:genid:")]
        assert len(skolem) == 1  # more than one batch: the blank node has a skolem IRI
    finally:
        store.drop_graph(graph)


def test_a_failed_load_changes_nothing(virtuoso_settings: Settings) -> None:
    store = open_store(virtuoso_settings)
    assert isinstance(store, RemoteStore)
    store.batch_size = 50
    graph = f"{BASE}graph/remote-failed"
    good = "".join(f"<{BASE}resource/m{i}> <{BASE}ontology#p> {i} .\n" for i in range(300))
    with pytest.raises(RdfSyntaxError, match=r"broken\.nt"):
        store.load(
            io.BytesIO((good + "<oops\n").encode()),
            rdf_format("ntriples"),
            source_name="broken.nt",
            graph=graph,
        )
    assert graph not in store.graphs()
    assert not store.has_graph(graph)
    assert [g for g in store.all_graphs() if g.startswith("urn:orchkg:loading:")] == []


def test_a_load_through_the_graph_store_protocol_lands_whole_or_not_at_all(
    virtuoso: Virtuoso, virtuoso_settings: Settings
) -> None:
    store = open_store(
        dataclasses.replace(virtuoso_settings, remote_graph_store=virtuoso.graph_store)
    )
    assert isinstance(store, RemoteStore)
    store.graph_store_batch_size = 100
    graph = f"{BASE}graph/remote-gsp"
    lines = "".join(f'<{BASE}resource/g{i}> <{BASE}ontology#n> "{i}"@ko .\n' for i in range(450))
    try:
        count = store.load(
            io.BytesIO(lines.encode()), rdf_format("ntriples"), source_name="gsp.nt", graph=graph
        )
        assert count == 450
        assert store.triple_count(graph) == 450
        with pytest.raises(RdfSyntaxError, match=r"broken\.nt"):
            store.load(
                io.BytesIO((lines + "<oops\n").encode()),
                rdf_format("ntriples"),
                source_name="broken.nt",
                graph=graph,
            )
        assert store.triple_count(graph) == 450  # the failed reload left the graph as it was
        assert [g for g in store.all_graphs() if g.startswith("urn:orchkg:loading:")] == []
    finally:
        store.drop_graph(graph)


def test_a_crashed_loads_staging_graph_is_dropped_at_the_next_start(
    virtuoso_settings: Settings,
) -> None:
    """What a load killed after its first batch leaves: a marked staging graph."""
    store = open_store(virtuoso_settings)
    assert isinstance(store, RemoteStore)
    staging = "urn:orchkg:loading:crashed:0"
    store._request(  # the state a crash leaves, written by hand
        f"INSERT DATA {{ GRAPH <urn:orchkg:meta> {{ <urn:orchkg:meta> <urn:orchkg:loading> "
        f"<{staging}> }} GRAPH <{staging}> {{ <x:a> <x:b> <x:c> }} }}",
        update=True,
    )
    assert staging in store.all_graphs()
    reopened = open_store(virtuoso_settings)  # a writable replica starting
    assert isinstance(reopened, RemoteStore)
    assert staging not in reopened.all_graphs()
    marks = reopened.query(
        "ASK { GRAPH <urn:orchkg:meta> { ?s <urn:orchkg:loading> ?g } }", default_graphs=[]
    )
    assert not bool(marks)


def test_an_update_registers_and_unregisters_the_graphs_it_names(
    virtuoso_settings: Settings,
) -> None:
    store = open_store(virtuoso_settings)
    graph = f"{BASE}graph/by-update"
    store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ kg:u okg:note 'x' }} }}")
    assert graph in store.graphs()
    store.update(f"CLEAR GRAPH <{graph}>")
    assert graph not in store.graphs()


def test_reserved_graph_names_are_refused(remote: Store) -> None:
    with pytest.raises(ClientError, match="reserved"):
        remote.load(
            io.BytesIO(b"<x:a> <x:b> <x:c> ."),
            rdf_format("ntriples"),
            source_name="x.nt",
            graph="urn:orchkg:meta",
        )


def test_the_command_line_loads_into_and_exports_from_virtuoso(
    virtuoso: Virtuoso, tmp_path: Path
) -> None:
    source = tmp_path / "shop.ttl"
    source.write_text(SMALL, encoding="utf-8")
    graph = f"{BASE}graph/cli-remote"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHKG_")}
    env.update(virtuoso.environment())

    def orchkg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "orchkg",
                "--endpoint",
                virtuoso.endpoint,
                "--update-endpoint",
                virtuoso.update_endpoint,
                *args,
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
            check=False,
        )

    loaded = orchkg("load", str(source), "--graph", graph)
    assert loaded.returncode == 0, loaded.stderr
    try:
        dumped = orchkg("export", "--graph", graph, "--format", "turtle")
        assert dumped.returncode == 0, dumped.stderr
        assert rdflib.compare.isomorphic(
            rdflib.Graph().parse(data=dumped.stdout, format="turtle"),
            rdflib.Graph().parse(data=SMALL, format="turtle"),
        )
    finally:
        store = RemoteStore(
            virtuoso.endpoint,
            update_endpoint=virtuoso.update_endpoint,
            user=virtuoso.user,
            password=virtuoso.password,
        )
        store.drop_graph(graph)
