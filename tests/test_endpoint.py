"""The SPARQL endpoint, driven over real HTTP against a real server process."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests

from support import LiveServer, live_server

BASE = "https://w3id.org/orchkg/"
G1, G2 = f"{BASE}graph/one", f"{BASE}graph/two"
ONTOLOGY = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
<ontology#Thing> a owl:Class .
"""
ONE = '<resource/a> <ontology#p> "one" ; <ontology#q> "ünïcode ✓"@en .\n'
TWO = '<resource/b> <ontology#p> "two" .\n<resource/b> <ontology#link> <resource/a> .\n'
SELECT = "SELECT ?s ?o WHERE { ?s <https://w3id.org/orchkg/ontology#p> ?o } ORDER BY ?o"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . "
    "?p ?q ?r . ?s ?t ?u . ?v ?w ?x . ?y ?z ?a1 . ?b1 ?c1 ?d1 . ?e1 ?f1 ?g1 . ?h1 ?i1 ?j1 . "
    "?k1 ?l1 ?m1 . ?n2 ?o2 ?p2 . ?q2 ?r2 ?s2 . ?t2 ?u2 ?v2 . ?w2 ?x2 ?y2 . ?z2 ?a3 ?b3 . "
    "?c3 ?d3 ?e3 . ?f3 ?g3 ?h3 . ?i3 ?j3 ?k3 . ?l3 ?m3 ?n3 . ?o3 ?p3 ?q3 . ?r3 ?s3 ?t3 }"
)


def make_content(root: Path) -> Path:
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "graph" / "one.ttl").write_text(ONE, encoding="utf-8")
    (root / "graph" / "two.ttl").write_text(TWO, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = make_content(tmp_path_factory.mktemp("content"))
    with live_server(
        "--content-dir", str(root), "serve", "--query-timeout", "2", cwd=root
    ) as running:
        yield running


def values(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [b["o"]["value"] for b in response.json()["results"]["bindings"]]


def test_get_post_form_and_post_direct_agree(server: LiveServer) -> None:
    by_get = server.get("/sparql", params={"query": SELECT})
    by_form = server.post("/sparql", data={"query": SELECT})
    by_body = server.post(
        "/sparql",
        data=SELECT.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert values(by_get) == values(by_form) == values(by_body) == ["one", "two"]
    assert by_get.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("application/x-unusual, text/*;q=0.1", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_results_formats_by_accept(server: LiveServer, accept: str, media_type: str) -> None:
    response = server.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    assert "one" in response.text
    assert "two" in response.text


def test_csv_and_tsv_bodies(server: LiveServer) -> None:
    as_csv = server.get("/sparql", params={"query": SELECT, "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [row["o"] for row in rows] == ["one", "two"]
    as_tsv = server.get("/sparql", params={"query": SELECT, "format": "tsv"}).text
    assert as_tsv.splitlines()[0] == "?s\t?o"
    assert as_tsv.splitlines()[1] == f'<{BASE}resource/a>\t"one"'


def test_format_parameter_wins_and_unknown_values_are_ignored(server: LiveServer) -> None:
    response = server.get(
        "/sparql", params={"query": SELECT, "format": "xml"}, headers={"Accept": "text/csv"}
    )
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    # SPARQLWrapper sends values of its own; they must not break the request
    response = server.get("/sparql", params={"query": SELECT, "output": "weird", "results": "x"})
    assert values(response) == ["one", "two"]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_construct_in_every_rdf_format(server: LiveServer, accept: str, rdflib_format: str) -> None:
    response = server.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == f"{accept}; charset=utf-8"
    graph = rdflib.Graph()
    graph.parse(data=response.content, format=rdflib_format)
    assert len(graph) >= 5


def test_project_prefixes_are_predeclared_and_declared(server: LiveServer) -> None:
    response = server.get("/sparql", params={"query": "SELECT ?o WHERE { kg:a okg:p ?o }"})
    assert values(response) == ["one"]
    description = server.get("/sparql", headers={"Accept": "text/turtle"}).text
    graph = rdflib.Graph().parse(data=description, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    declared = {
        str(graph.value(node, sh.prefix)): str(graph.value(node, sh.namespace))
        for node in graph.objects(None, sh.declare)
    }
    assert declared["okg"] == f"{BASE}ontology#"
    assert declared["kg"] == f"{BASE}resource/"
    assert declared["rdfs"] == "http://www.w3.org/2000/01/rdf-schema#"


def test_ask(server: LiveServer) -> None:
    response = server.get("/sparql", params={"query": "ASK { ?s ?p 'two' }"})
    assert response.json()["boolean"] is True


def test_relative_iris_resolve_against_the_base(server: LiveServer) -> None:
    """The service-defined BASE is the base IRI, as for the content files."""
    query = "SELECT ?o WHERE { <resource/a> <ontology#p> ?o }"
    assert values(server.get("/sparql", params={"query": query})) == ["one"]
    construct = server.get(
        "/sparql",
        params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert construct.status_code == 200, construct.text
    assert construct.text.startswith(f"<{BASE}s> <{BASE}p> ")


def test_nothing_acceptable_is_406(server: LiveServer) -> None:
    response = server.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.text
    response = server.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


def test_dataset_parameters(server: LiveServer) -> None:
    only_one = server.get("/sparql", params={"query": SELECT, "default-graph-uri": G1})
    assert values(only_one) == ["one"]
    both = server.get("/sparql", params={"query": SELECT, "default-graph-uri": [G1, G2]})
    assert values(both) == ["one", "two"]
    named = server.get(
        "/sparql",
        params={
            "query": f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ ?s <{BASE}ontology#p> ?o }} }}",
            "named-graph-uri": G2,
        },
    )
    rows = named.json()["results"]["bindings"]
    assert [(r["g"]["value"], r["o"]["value"]) for r in rows] == [(G2, "two")]


def test_protocol_dataset_overrides_from(server: LiveServer) -> None:
    query = f"SELECT ?o FROM <{G2}> WHERE {{ ?s <https://w3id.org/orchkg/ontology#p> ?o }}"
    assert values(server.get("/sparql", params={"query": query})) == ["two"]
    assert values(server.get("/sparql", params={"query": query, "default-graph-uri": G1})) == [
        "one"
    ]


def test_union_default_graph_is_declared(server: LiveServer) -> None:
    response = server.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = graph.value(predicate=rdflib.RDF.type, object=sd.Service)
    assert graph.value(service, sd.endpoint) == rdflib.URIRef(server.url + "/sparql")
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Update) not in graph
    okg = rdflib.Namespace(BASE + "ontology#")
    assert graph.value(service, okg.queryTimeoutSeconds).toPython() == 2
    names = {str(o) for o in graph.objects(None, sd.name)}
    assert names == {G1, G2, f"{BASE}graph/orchkg"}


def test_etag_and_conditional_get(server: LiveServer) -> None:
    first = server.get("/sparql", params={"query": SELECT})
    tag = first.headers["ETag"]
    again = server.get("/sparql", params={"query": SELECT}, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    other = server.get("/sparql", params={"query": SELECT, "format": "csv"})
    assert other.headers["ETag"] != tag


def test_cors_and_security_headers(server: LiveServer) -> None:
    response = server.get(
        "/sparql", params={"query": SELECT}, headers={"Origin": "http://x.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    preflight = requests.options(server.url + "/sparql", timeout=10)
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "message"),
    [
        ({"params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "1:25"),
        ({"params": {"query": ["ASK {}", "ASK {}"]}}, 400, "exactly one 'query'"),
        ({"params": {"update": "CLEAR ALL"}}, 400, "update was sent to the query operation"),
        ({"params": {"query": "INSERT DATA { <a:a> <a:b> 1 }"}}, 400, "update was sent"),
        ({"params": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT x"}}, 400, "syntax"),
        (
            {"params": {"query": "SELECT * WHERE { ?s nope:p ?o }"}},
            400,
            "unknown prefix 'nope:' at line 1, column 21",
        ),
        (
            {"params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}},
            403,
            "allowlist",
        ),
        (
            {
                "params": {
                    "query": "SELECT * WHERE { \\u0053ERVICE <http://10.0.0.1/> { ?s ?p ?o } }"
                }
            },
            403,
            "allowlist",
        ),
        ({"params": {"query": "SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }"}}, 403, "allowlist"),
        ({"params": {"query": "SELECT * WHERE " + "{" * 300 + "}" * 300}}, 400, "nests brackets"),
    ],
)
def test_bad_queries(
    server: LiveServer, request_kwargs: dict[str, object], status: int, message: str
) -> None:
    response = server.get("/sparql", **request_kwargs)
    assert response.status_code == status, response.text
    assert message in response.text
    assert "Traceback" not in response.text
    assert "/work/" not in response.text


def test_bad_posts(server: LiveServer) -> None:
    wrong_type = server.post("/sparql", data="ASK {}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert "application/sparql-query" in wrong_type.text
    no_type = server.post("/sparql", data=b"query=ASK%20%7B%7D")
    assert no_type.status_code == 415
    utf16 = server.post(
        "/sparql",
        data="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert utf16.status_code == 415
    not_utf8 = server.post(
        "/sparql",
        data=b"ASK { ?s ?p '\xff' }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert not_utf8.status_code == 400
    assert "UTF-8" in not_utf8.text
    update_here = server.post(
        "/sparql", data="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert update_here.status_code == 400


def test_wrong_method_is_405_with_allow(server: LiveServer) -> None:
    response = requests.put(server.url + "/sparql", data="x", timeout=10)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "GET" in response.headers["Allow"]


def test_json_errors_when_asked(server: LiveServer) -> None:
    response = server.get(
        "/sparql", params={"query": "SELECT"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["status"] == 400
    assert "syntax" in body["message"]


def test_long_uri_is_414(server: LiveServer) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 17_000
    assert server.get("/sparql", params={"query": query}).status_code == 414


def test_big_body_is_413(server: LiveServer) -> None:
    response = server.post(
        "/sparql",
        data=b"ASK {} #" + b"x" * 10_100_000,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 413


def test_updates_are_off_by_default(server: LiveServer) -> None:
    response = server.post(
        "/update", data="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 403
    assert "updates are off" in response.text
    assert server.get("/update").status_code == 405


def test_deadline_stops_the_query_while_others_are_served(server: LiveServer) -> None:
    outcome: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        response = server.get("/sparql", params={"query": SLOW})
        outcome["slow"] = (response.status_code, time.monotonic() - started, response.text)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = server.get("/sparql", params={"query": SELECT})
    quick_seconds = time.monotonic() - started
    thread.join()
    assert values(quick) == ["one", "two"]
    assert quick_seconds < 1.0
    status, seconds, text = outcome["slow"]  # type: ignore[misc]
    assert status == 503
    assert "time limit" in text
    assert 1.9 < seconds < 4.0
    time.sleep(1.0)
    assert _children_cpu_seconds(server, 1.0) < 0.3
    metrics = server.get("/metrics").text
    assert "orchkg_query_timeouts_total 1" in metrics or "orchkg_query_timeouts_total 2" in metrics


def _children_cpu_seconds(server: LiveServer, interval: float) -> float:
    """CPU seconds used by the server and its worker processes over ``interval``."""

    def total() -> float:
        pids = [server.process.pid]
        children = Path(f"/proc/{server.process.pid}/task")
        for task in children.iterdir():
            path = task / "children"
            if path.exists():
                pids += [int(p) for p in path.read_text().split()]
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / 100

    before = total()
    time.sleep(interval)
    return total() - before


def test_health_ready_metrics(server: LiveServer) -> None:
    assert server.get("/healthz").json() == {"status": "ok"}
    ready = server.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["graphs"] == 3
    metrics = server.get("/metrics")
    assert metrics.headers["Content-Type"].startswith("text/plain")
    assert 'orchkg_requests_total{endpoint="sparql.sparql",status="200"}' in metrics.text
    assert "orchkg_request_duration_seconds_bucket" in metrics.text
    assert "orchkg_evaluations_in_flight 0" in metrics.text


def test_request_log_is_structured(server: LiveServer) -> None:
    server.get("/sparql", params={"query": "ASK { ?s ?p 'logged' }"})
    time.sleep(0.2)
    lines = [
        json.loads(line)
        for line in server.log.read_text().splitlines()
        if line.startswith("{") and '"path"' in line
    ]
    assert any(
        line["path"] == "/sparql" and line["status"] == 200 and line["query_hash"] for line in lines
    )


def test_void_description(server: LiveServer) -> None:
    response = server.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = rdflib.URIRef(server.url + "/.well-known/void#dataset")
    assert graph.value(dataset, void.triples).toPython() == 5
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(server.url + "/sparql")
    assert graph.value(dataset, void.classes).toPython() == 1
    subsets = {
        graph.value(s, rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#name"))
        for s in graph.objects(dataset, void.subset)
    }
    assert {G1, G2} <= {str(s) for s in subsets}
    as_jsonld = server.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["Content-Type"].startswith("application/ld+json")


def test_sigterm_stops_cleanly_and_a_busy_port_is_one_line(tmp_path: Path) -> None:
    root = make_content(tmp_path / "content")
    with live_server("--content-dir", str(root), "serve", cwd=root) as running:
        port = running.url.rsplit(":", 1)[1]
        clash = subprocess.run(
            [sys.executable, "-m", "orchkg", "--content-dir", str(root), "serve", "--port", port],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert clash.returncode == 1
        assert f"orchkg: error: cannot listen on 127.0.0.1:{port}" in clash.stderr
        assert "Traceback" not in clash.stderr
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=20) == 0
        log = running.log.read_text()
        assert '"event": "stopping"' in log
        assert '"event": "stopped"' in log
        assert "Traceback" not in log
