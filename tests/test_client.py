"""orchkg.client against real servers over HTTP: every result form, datatypes, canned
queries with parameters, every error status with the server's message, timeouts, a server
that is down, and the latency of many small queries in a row."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

from canned_support import QUERIES, make_canned_content
from orchkg.client import (
    IRI,
    BlankNode,
    Client,
    LangString,
    Literal,
    Rows,
    Triple,
    status_error,
)
from orchkg.errors import (
    RemoteBadGatewayError,
    RemoteBadRequestError,
    RemoteError,
    RemoteForbiddenError,
    RemoteGatewayTimeoutError,
    RemoteNotAcceptableError,
    RemoteNotFoundError,
    RemoteServerError,
    RemoteStatusError,
    RemoteTimeoutError,
    RemoteTooLargeError,
    RemoteUnauthorisedError,
    RemoteUnavailableError,
    RemoteUnreachableError,
)
from support import LiveServer, free_port, live_server

KG = "https://w3id.org/orchkg/resource/"
OKG = "https://w3id.org/orchkg/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
TOKEN = "client-test-token-0123456789"  # noqa: S105 -- a test server's token
QUERY_TIMEOUT = 1.5
MAX_RESULT_BYTES = 6000
FEDERATION_TIMEOUT = 1.0
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?q }"


class SilentSocket:
    """Takes connections (the kernel completes them) and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self) -> None:
        self.socket.close()


class Site:
    def __init__(self, server: LiveServer, silent: SilentSocket, refused: str) -> None:
        self.server = server
        self.silent = silent
        self.refused = refused
        self.client = Client(server.url, timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = make_canned_content(tmp_path_factory.mktemp("client") / "content")
    silent = SilentSocket()
    refused = f"http://127.0.0.1:{free_port()}/sparql"
    env = {
        "ORCHKG_UPDATE_TOKEN": TOKEN,
        "ORCHKG_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
        "ORCHKG_MAX_RESULT_BYTES": str(MAX_RESULT_BYTES),
        "ORCHKG_FEDERATION_ALLOWLIST": f"{silent.url}/sparql,{refused}",
        "ORCHKG_FEDERATION_TIMEOUT": str(FEDERATION_TIMEOUT),
    }
    try:
        with live_server("--content-dir", str(root), "serve", env=env, cwd=root) as server:
            yield Site(server, silent, refused)
    finally:
        silent.close()


# -- result forms and datatypes ------------------------------------------------------------


def test_select_gives_python_values_by_datatype(site: Site) -> None:
    rows = site.client.query(
        """SELECT * WHERE {
          BIND("text" AS ?plain) BIND("메소스"@ko AS ?korean) BIND(42 AS ?integer)
          BIND("-7"^^xsd:long AS ?long) BIND(3.25 AS ?decimal) BIND(1.5e3 AS ?double)
          BIND("INF"^^xsd:double AS ?infinite) BIND(true AS ?yes) BIND(false AS ?no)
          BIND("2017-03-29"^^xsd:date AS ?date) BIND("12:30:05"^^xsd:time AS ?time)
          BIND("2017-03-29T12:30:00Z"^^xsd:dateTime AS ?instant)
          BIND("2017-03-29T12:30:00"^^xsd:dateTime AS ?local)
          BIND(kg:etcd AS ?iri) BIND("x"^^<https://acme.example/dt> AS ?custom)
          BIND("many"^^xsd:integer AS ?invalid)
          OPTIONAL { kg:etcd okg:nothing ?unbound }
        }"""
    )
    assert isinstance(rows, Rows)
    assert len(rows) == 1
    row = rows[0]
    expected = {
        "plain": "text",
        "korean": LangString("메소스", "ko"),
        "integer": 42,
        "long": -7,
        "decimal": Decimal("3.25"),
        "double": 1500.0,
        "infinite": float("inf"),
        "yes": True,
        "no": False,
        "date": dt.date(2017, 3, 29),
        "time": dt.time(12, 30, 5),
        "instant": dt.datetime(2017, 3, 29, 12, 30, tzinfo=dt.UTC),
        "local": dt.datetime(2017, 3, 29, 12, 30),
        "iri": IRI(f"{KG}etcd"),
        "custom": Literal("x", "https://acme.example/dt"),
        "invalid": Literal("many", f"{XSD}integer"),
        "unbound": None,
    }
    assert row == expected
    for name, value in expected.items():
        assert type(row[name]) is type(value), name
    korean = row["korean"]
    assert isinstance(korean, LangString)
    assert korean.lang == "ko"
    assert set(rows.variables) == set(expected)


def test_blank_nodes_and_labels_of_the_graph(site: Site) -> None:
    rows = site.client.query(
        "SELECT ?label ?node WHERE { kg:zookeeper rdfs:label ?label BIND(BNODE() AS ?node) } "
        "ORDER BY ?label"
    )
    assert isinstance(rows, Rows)
    assert [row["label"] for row in rows] == [
        LangString("ZooKeeper", "en"),
        LangString("주키퍼", "ko"),
    ]
    assert all(isinstance(row["node"], BlankNode) for row in rows)


def test_an_empty_answer_keeps_its_variables(site: Site) -> None:
    rows = site.client.query("SELECT ?a ?b WHERE { ?a okg:nothing ?b }")
    assert rows == []
    assert isinstance(rows, Rows)
    assert rows.variables == ("a", "b")


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("ASK { kg:marathon okg:runsOn kg:mesos }", True),
        ("ASK { kg:mesos okg:runsOn kg:marathon }", False),
    ],
)
def test_ask_gives_a_bool(site: Site, query: str, answer: bool) -> None:
    assert site.client.query(query) is answer


def test_construct_gives_triples(site: Site) -> None:
    triples = site.client.query(
        "CONSTRUCT { ?c okg:port ?port ; rdfs:label ?label } WHERE { ?c okg:partOf kg:kubernetes ; "
        "okg:port ?port ; rdfs:label ?label FILTER(lang(?label) = 'en') }"
    )
    assert isinstance(triples, list)
    assert set(triples) == {
        Triple(IRI(f"{KG}etcd"), IRI(f"{OKG}port"), 2379),
        Triple(IRI(f"{KG}etcd"), IRI(RDFS_LABEL), LangString("etcd", "en")),
        Triple(IRI(f"{KG}kubelet"), IRI(f"{OKG}port"), 10250),
        Triple(IRI(f"{KG}kubelet"), IRI(RDFS_LABEL), LangString("kubelet", "en")),
    }


def test_describe_gives_triples(site: Site) -> None:
    triples = site.client.query("DESCRIBE kg:marathon")
    assert isinstance(triples, list)
    assert Triple(IRI(f"{KG}marathon"), IRI(f"{OKG}runsOn"), IRI(f"{KG}mesos")) in triples
    assert {triple.subject for triple in triples} == {IRI(f"{KG}marathon")}


# -- canned queries --------------------------------------------------------------------------


def test_canned_select_with_parameters(site: Site) -> None:
    rows = site.client.canned("components", platform="kg:mesos", lang="ko")
    assert rows == [
        {"component": IRI(f"{KG}zookeeper"), "label": LangString("주키퍼", "ko")},
    ]
    rows = site.client.canned("components", platform=f"{KG}kubernetes", lang="en")
    assert [row["component"] for row in rows] == [IRI(f"{KG}etcd"), IRI(f"{KG}kubelet")]


def test_canned_list_parameter_as_list_or_tuple(site: Site) -> None:
    expected = {
        Triple(IRI(f"{KG}kubernetes"), IRI(RDFS_LABEL), LangString("Kubernetes", "en")),
        Triple(IRI(f"{KG}kubernetes"), IRI(RDFS_LABEL), LangString("쿠버네티스", "ko")),
        Triple(IRI(f"{KG}marathon"), IRI(RDFS_LABEL), LangString("Marathon", "en")),
        Triple(IRI(f"{KG}marathon"), IRI(RDFS_LABEL), LangString("마라톤", "ko")),
    }
    listed = site.client.canned("platform-labels", platforms=["kg:kubernetes", "kg:marathon"])
    assert isinstance(listed, list)
    assert set(listed) == expected
    given = site.client.canned("platform-labels", platforms=("kg:kubernetes", "kg:marathon"))
    assert isinstance(given, list)
    assert set(given) == expected
    default = site.client.canned("platform-labels")  # the default: kubernetes and mesos
    assert isinstance(default, list)
    assert {triple.subject for triple in default} == {IRI(f"{KG}kubernetes"), IRI(f"{KG}mesos")}


def test_canned_ask_and_integer_parameters(site: Site) -> None:
    assert site.client.canned("runs-on", platform="kg:marathon", base="kg:mesos") is True
    assert site.client.canned("runs-on", platform="kg:mesos", base="kg:marathon") is False
    assert site.client.canned("port-count", platform="kg:kubernetes", min=2000) == [{"n": 2}]
    assert site.client.canned("port-count", platform="kg:kubernetes", min=3000) == [{"n": 1}]


def test_a_bad_parameter_surfaces_the_servers_message(site: Site) -> None:
    said = site.server.get(
        "/api/queries/components",
        params={"platform": "kg:nope"},
        headers={"Accept": "application/json"},
    ).json()["error"]["message"]
    assert "kg:nope" in said
    with pytest.raises(RemoteBadRequestError) as raised:
        site.client.canned("components", platform="kg:nope")
    assert raised.value.message == said
    assert raised.value.status == 400
    assert raised.value.url.startswith(f"{site.server.url}/api/queries/components?")
    with pytest.raises(RemoteBadRequestError, match=r"^parameter 'min'"):
        site.client.canned("port-count", min="many")
    with pytest.raises(RemoteBadRequestError, match=r"colour"):
        site.client.canned("components", colour="blue")


def test_an_unknown_canned_query_is_not_found(site: Site) -> None:
    with pytest.raises(RemoteNotFoundError) as raised:
        site.client.canned("no-such-question")
    assert "no-such-question" in raised.value.message


def test_queries_lists_the_catalogue(site: Site) -> None:
    catalogue = {query.name: query for query in site.client.queries()}
    assert set(catalogue) == set(QUERIES)
    labels = catalogue["platform-labels"]
    assert labels.form == "construct"
    (platforms,) = labels.parameters
    assert platforms.is_list
    assert platforms.default == ["kg:kubernetes", "kg:mesos"]
    assert catalogue["runs-on"].form == "ask"
    component = catalogue["components"].parameters[0]
    assert component.name == "platform"
    assert "kg:mesos" in component.allowed


# -- updates and errors ----------------------------------------------------------------------


def test_update_with_the_token_and_without(site: Site) -> None:
    with pytest.raises(RemoteUnauthorisedError):
        site.client.update("INSERT DATA { GRAPH kg:client-test { kg:a okg:runsOn kg:b } }")
    wrong = Client(site.server.url, token=TOKEN[::-1])
    with pytest.raises(RemoteForbiddenError):
        wrong.update("INSERT DATA { GRAPH kg:client-test { kg:a okg:runsOn kg:b } }")
    writer = Client(site.server.url, token=TOKEN)
    writer.update("INSERT DATA { GRAPH kg:client-test { kg:a okg:runsOn kg:b } }")
    assert writer.query("ASK { kg:a okg:runsOn kg:b }") is True
    writer.update("DROP GRAPH kg:client-test")
    assert writer.query("ASK { kg:a okg:runsOn kg:b }") is False


@pytest.mark.parametrize(
    ("query", "error", "status", "says"),
    [
        ("SELECT * WHERE { ?s ?p }", RemoteBadRequestError, 400, "SPARQL syntax error"),
        ("SELECT * WHERE { ?s nope:p ?o }", RemoteBadRequestError, 400, "unknown prefix 'nope:'"),
        (
            "SELECT * WHERE { SERVICE <http://elsewhere.example/sparql> { ?s ?p ?o } }",
            RemoteForbiddenError,
            403,
            "not on this server's federation allowlist",
        ),
        (
            "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",
            RemoteTooLargeError,
            413,
            f"larger than the {MAX_RESULT_BYTES:,}-byte limit",
        ),
        (HEAVY, RemoteUnavailableError, 503, f"past the {QUERY_TIMEOUT:g} s time limit"),
    ],
)
def test_errors_carry_the_status_and_the_servers_message(
    site: Site, query: str, error: type[RemoteStatusError], status: int, says: str
) -> None:
    with pytest.raises(error) as raised:
        site.client.query(query)
    assert raised.value.status == status
    assert says in raised.value.message
    assert raised.value.url == f"{site.server.url}/sparql"


def test_federation_failures_are_502_and_504(site: Site) -> None:
    with pytest.raises(RemoteBadGatewayError) as refused:
        site.client.query(f"SELECT * WHERE {{ SERVICE <{site.refused}> {{ ?s ?p ?o }} }}")
    assert refused.value.message == f"SERVICE <{site.refused}> failed: the connection was refused"
    with pytest.raises(RemoteGatewayTimeoutError) as slow:
        site.client.query(f"SELECT * WHERE {{ SERVICE <{site.silent.url}/sparql> {{ ?s ?p ?o }} }}")
    assert slow.value.message == (
        f"SERVICE <{site.silent.url}/sparql> did not answer within {FEDERATION_TIMEOUT:g} s"
    )


def test_the_message_of_a_406_and_a_500_body(site: Site) -> None:
    """The client always sends an Accept the server can meet, so a 406 is read from a real
    answer of the server here, as is the shape of every error body."""
    answer = site.server.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert answer.status_code == 406
    error = status_error(406, answer.content, answer.headers["Content-Type"], "u")
    assert isinstance(error, RemoteNotAcceptableError)
    assert error.message.startswith("nothing in the Accept header can be produced")
    assert isinstance(
        status_error(500, b"500 Internal Server Error: x", "text/plain", "u"), (RemoteServerError)
    )
    odd = status_error(418, b"", "text/plain", "u")
    assert type(odd) is RemoteStatusError
    assert odd.status == 418


# -- connections -----------------------------------------------------------------------------


def test_a_server_that_does_not_answer_times_out(site: Site) -> None:
    client = Client(site.silent.url, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(RemoteTimeoutError) as raised:
        client.query("ASK {}")
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2.5, elapsed
    assert (
        raised.value.message
        == f"no answer from {site.silent.url}/sparql within the client's timeout"
    )


def test_a_slow_answer_past_the_clients_timeout(site: Site) -> None:
    """The server works on for its own time limit; the client stops waiting at its own."""
    client = Client(site.server.url, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RemoteTimeoutError):
        client.query(HEAVY)
    assert time.monotonic() - started < QUERY_TIMEOUT


def test_a_server_that_is_down_is_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RemoteUnreachableError) as raised:
        Client(url, timeout=5).query("ASK {}")
    assert raised.value.message == f"cannot connect to {url}/sparql: connection refused"
    with pytest.raises(RemoteUnreachableError):
        Client(url).canned("components")
    with pytest.raises(RemoteError):
        Client("ftp://127.0.0.1/").queries()


def test_many_small_queries_in_a_row_all_answer(site: Site) -> None:
    """200 small queries, one after another, each on its own connection, all answered (their
    latency, and the Nagle / delayed-ACK question, are measured by benchmarks/client.py)."""
    client = Client(site.server.url, timeout=10)
    answers = [client.query("ASK { kg:marathon okg:runsOn kg:mesos }") for _ in range(200)]
    assert answers == [True] * 200


def test_the_server_answers_the_clients_requests_as_any_client(site: Site) -> None:
    """The oracle for the values: the same SELECT through requests, as SPARQL JSON."""
    query = "SELECT ?c ?port WHERE { ?c okg:port ?port } ORDER BY ?port"
    raw = requests.post(
        site.server.url + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    ).json()
    expected = [
        {"c": IRI(b["c"]["value"]), "port": int(b["port"]["value"])}
        for b in raw["results"]["bindings"]
    ]
    assert site.client.query(query) == expected
    assert len(expected) == 3
