"""Each import is a named graph with a PROV-O record in <base>graph/imports: written by
``orchkg load``, ``orchkg backstage import`` and Graph Store PUT/POST, replaced with the
graph, dropped with it, and listed in the VoID description."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from orchkg.app import create_app, services
from orchkg.provenance import GRAPH_STORE_AGENT, imports_graph
from orchkg.settings import Settings
from support import CliRunner

BASE = "https://w3id.org/orchkg/"
RECORDS = imports_graph(BASE)
TOKEN = "provenance-test-token"  # noqa: S105 -- a test app's token
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle"}
PROV = "http://www.w3.org/ns/prov#"
SHOP = Path(__file__).resolve().parent / "data" / "backstage" / "shop-catalog.yaml"

RECORD = f"""
PREFIX prov: <{PROV}>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?activity ?label ?start ?end ?agent ?agentLabel ?source ?format ?triples WHERE {{
  GRAPH <{RECORDS}> {{
    ?graph a prov:Entity ; void:triples ?triples ; prov:wasGeneratedBy ?activity .
    ?activity a prov:Activity ; rdfs:label ?label ; prov:startedAtTime ?start ;
        prov:endedAtTime ?end ; prov:wasAssociatedWith ?agent ; prov:used ?source .
    ?agent a prov:Agent ; rdfs:label ?agentLabel .
    ?source rdfs:label ?sourceLabel ; dcterms:format ?format .
  }}
}} ORDER BY ?start
"""


def _records(query: ox.QuerySolutions) -> list[dict[str, str]]:
    return [
        {v.value: row[v.value].value for v in query.variables if row[v.value] is not None}  # type: ignore[union-attr]
        for row in query
    ]


@pytest.fixture
def app(tiny_settings: Settings) -> Iterator[Flask]:
    application = create_app(
        dataclasses.replace(tiny_settings, update_token=TOKEN, query_workers=1)
    )
    yield application
    services(application).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _record_of(app: Flask, graph: str) -> list[dict[str, str]]:
    store = services(app).store
    result = store.query(RECORD.replace("?graph a", f"<{graph}> a"))
    assert isinstance(result, ox.QuerySolutions)
    return _records(result)


def test_content_graphs_are_not_imports(app: Flask) -> None:
    assert RECORDS not in services(app).store.graphs()


def test_put_post_delete_keep_the_record(app: Flask, client: FlaskClient) -> None:
    graph = "http://example.org/people"
    before = datetime.datetime.now(datetime.UTC)
    body = "<http://example.org/a> <http://example.org/p> 1 .\n"
    assert client.put(f"/data?graph={graph}", data=body, headers=AUTH | TURTLE).status_code == 201
    (record,) = _record_of(app, graph)
    assert record["label"] == "Graph Store PUT"
    assert record["agent"] == GRAPH_STORE_AGENT
    assert record["format"] == "text/turtle"
    assert record["triples"] == "1"
    started = datetime.datetime.fromisoformat(record["start"])
    assert before <= started <= datetime.datetime.fromisoformat(record["end"])

    more = "<http://example.org/b> <http://example.org/p> 2 .\n"
    assert client.post(f"/data?graph={graph}", data=more, headers=AUTH | TURTLE).status_code == 204
    records = _record_of(app, graph)
    assert [r["label"] for r in records] == ["Graph Store PUT", "Graph Store POST"]
    assert {r["triples"] for r in records} == {"2"}  # the graph's size now

    assert client.put(f"/data?graph={graph}", data=body, headers=AUTH | TURTLE).status_code == 204
    assert [r["label"] for r in _record_of(app, graph)] == ["Graph Store PUT"]

    assert client.delete(f"/data?graph={graph}", headers=AUTH).status_code == 204
    assert _record_of(app, graph) == []
    store = services(app).store
    left = store.query(f"ASK {{ GRAPH <{RECORDS}> {{ ?s ?p ?o }} }}")
    agents_only = store.query(
        f"ASK {{ GRAPH <{RECORDS}> {{ ?s ?p ?o FILTER NOT EXISTS {{ ?s a <{PROV}Agent> }} }} }}"
    )
    assert bool(left)  # the agent's own description stays (it may have written other graphs)
    assert not bool(agents_only)


def test_a_new_graph_from_post_gets_a_record(app: Flask, client: FlaskClient) -> None:
    body = "<http://example.org/a> <http://example.org/p> 1 .\n"
    response = client.post("/data", data=body, headers=AUTH | TURTLE)
    assert response.status_code == 201
    (record,) = _record_of(app, response.headers["Location"])
    assert record["label"] == "Graph Store POST"


def test_the_records_cannot_be_written_over_http(client: FlaskClient) -> None:
    body = "<http://example.org/a> <http://example.org/p> 1 .\n"
    put = client.put(f"/data?graph={RECORDS}", data=body, headers=AUTH | TURTLE)
    assert put.status_code == 403
    assert client.delete(f"/data?graph={RECORDS}", headers=AUTH).status_code == 403


def test_refused_write_leaves_no_record(app: Flask, client: FlaskClient) -> None:
    graph = "http://example.org/broken"
    bad = "<http://example.org/a> <http://example.org/p> .\n"
    assert client.put(f"/data?graph={graph}", data=bad, headers=AUTH | TURTLE).status_code == 400
    assert _record_of(app, graph) == []


def test_void_lists_each_import_with_its_provenance(app: Flask, client: FlaskClient) -> None:
    graph = "http://example.org/people"
    body = "<http://example.org/a> <http://example.org/p> 1 .\n"
    client.put(f"/data?graph={graph}", data=body, headers=AUTH | TURTLE)
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = ox.Store()
    void.load(response.data, ox.RdfFormat.TURTLE)
    found = void.query(
        f"""PREFIX prov: <{PROV}>
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?subset ?format WHERE {{
          ?subset sd:name <{graph}> ; prov:wasGeneratedBy ?activity .
          ?activity prov:wasAssociatedWith <{GRAPH_STORE_AGENT}> ; prov:used ?source .
          ?source dcterms:format ?format .
        }}"""
    )
    assert isinstance(found, ox.QuerySolutions)
    rows = list(found)
    assert len(rows) == 1
    assert rows[0]["format"].value == "text/turtle"  # type: ignore[union-attr]
    content = void.query(
        f"ASK {{ ?subset <http://www.w3.org/ns/sparql-service-description#name> "
        f"<{BASE}graph/mesos> ; <{PROV}wasGeneratedBy> ?a }}"
    )
    assert not bool(content)


# -- the command line -----------------------------------------------------------------------


def _query(run_cli: CliRunner, common: tuple[str, ...], sparql: str) -> str:
    return run_cli(*common, "query", "--format", "csv", sparql, check=True).stdout


def test_cli_load_import_and_drop_keep_records(
    run_cli: CliRunner, tmp_path: Path, tiny_content: Path
) -> None:
    common = ("--content-dir", str(tiny_content), "--store", str(tmp_path / "store"))
    data = tmp_path / "extra.ttl"
    data.write_text("<http://e/s> <http://e/p> 1, 2, 3 .\n", encoding="utf-8")
    run_cli(*common, "load", "-q", str(data), check=True)
    graph = f"{BASE}graph/extra"
    found = _query(
        run_cli,
        common,
        f"SELECT ?label ?source ?format ?triples ?agent WHERE {{ GRAPH <{RECORDS}> {{ "
        f"<{graph}> <http://rdfs.org/ns/void#triples> ?triples ; <{PROV}wasGeneratedBy> ?a . "
        f"?a <http://www.w3.org/2000/01/rdf-schema#label> ?label ; <{PROV}used> ?s ; "
        f"<{PROV}wasAssociatedWith> ?agent . "
        f"?s <http://www.w3.org/2000/01/rdf-schema#label> ?source ; "
        f"<http://purl.org/dc/terms/format> ?format }} }}",
    )
    assert found.splitlines()[1].split(",")[:4] == ["orchkg load", str(data), "text/turtle", "3"]
    assert found.splitlines()[1].split(",")[4].startswith("urn:orchkg:agent:cli-user:")

    run_cli(*common, "drop", graph, check=True)
    left = _query(run_cli, common, f"SELECT ?p WHERE {{ GRAPH <{RECORDS}> {{ <{graph}> ?p ?o }} }}")
    assert left.splitlines() == ["p"]
    missing = run_cli(*common, "drop", graph)
    assert missing.returncode == 1
    assert "there is no graph" in missing.stderr

    shop = "http://example.org/shop"
    out = run_cli(*common, "backstage", "import", str(SHOP), "--graph", shop)
    # the tiny content has no kube-apiserver: the shop's dependency on it dangles
    assert out.returncode == 1
    assert "spec.dependsOn[1]: 'component:default/kube-apiserver'" in out.stderr
    assert shop not in run_cli(*common, "stats", check=True).stdout


def test_cli_exports_and_imports_with_the_shipped_content(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    common = ("--content-dir", str(Path(__file__).resolve().parents[1]))
    stored = (*common, "--store", str(tmp_path / "store"))
    catalog = tmp_path / "catalog-info.yaml"
    run_cli(*common, "backstage", "export", "kubernetes", "-o", str(catalog), check=True)
    assert "name: kube-apiserver" in catalog.read_text(encoding="utf-8")
    dsl = run_cli(*common, "structurizr", "export", "kubernetes", "--dsl", check=True).stdout
    assert dsl.startswith('workspace "Kubernetes"')
    unknown = run_cli(*common, "structurizr", "export", "kubectl")
    assert unknown.returncode == 1
    assert "is not a platform" in unknown.stderr

    shop = "http://example.org/shop"
    done = run_cli(*stored, "backstage", "import", str(SHOP), "--graph", shop, check=True)
    assert done.stdout == f"imported 5 entities (24 triples) into <{shop}>\n"
    found = _query(
        run_cli,
        stored,
        f"SELECT ?source ?format ?label WHERE {{ GRAPH <{RECORDS}> {{ <{shop}> "
        f"<{PROV}wasGeneratedBy> ?a . ?a <{PROV}used> ?s ; "
        f"<http://www.w3.org/2000/01/rdf-schema#label> ?label . "
        f"?s <http://www.w3.org/2000/01/rdf-schema#label> ?source ; "
        f"<http://purl.org/dc/terms/format> ?format }} }}",
    )
    assert found.splitlines()[1] == f"{SHOP},application/yaml,orchkg backstage import"
    parts = _query(
        run_cli, stored, "SELECT ?part WHERE { ?part okg:partOf kg:example-shop } ORDER BY ?part"
    )
    assert len(parts.splitlines()) == 5  # a header and four parts


def test_reload_makes_a_replaced_content_graph_content_again(
    run_cli: CliRunner, tmp_path: Path, tiny_content: Path
) -> None:
    common = ("--content-dir", str(tiny_content), "--store", str(tmp_path / "store"))
    data = tmp_path / "mesos.ttl"
    data.write_text("<http://e/s> <http://e/p> 1 .\n", encoding="utf-8")
    graph = f"{BASE}graph/mesos"
    run_cli(*common, "load", "-q", str(data), check=True)  # over the content graph
    ask = f"SELECT ?a WHERE {{ GRAPH <{RECORDS}> {{ <{graph}> <{PROV}wasGeneratedBy> ?a }} }}"
    assert len(_query(run_cli, common, ask).splitlines()) == 2
    run_cli(*common, "reload", check=True)
    assert _query(run_cli, common, ask).splitlines() == ["a"]
