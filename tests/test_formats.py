"""Every RDF format both ways, and JSON-LD compacted with orchkg's published context.

``orchkg export`` → ``orchkg load`` into another store gives the same triples (blank
nodes compared by isomorphism) in each of the six formats, one graph or the whole
dataset; the Graph Store protocol takes and gives each format; the context covers
every class and property of ``ontology/orchkg.ttl`` and turns JSON-LD into plain keys.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from orchkg.app import create_app, services
from orchkg.formats import RDF_FORMATS, RdfFormat, rdf_format
from orchkg.jsonld import CLASS_TYPES, COMPACTED_PROFILE, PROPERTY_TYPES, build_context
from orchkg.settings import Settings
from orchkg.store import OxigraphStore
from support import CliRunner, LiveServer, live_server

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/orchkg/"
OKG = f"{BASE}ontology#"
TOKEN = "formats-test-token"  # noqa: S105 -- a test server's token
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COMPACTED = f'application/ld+json;profile="{COMPACTED_PROFILE}"'

ONTOLOGY = """\
@prefix okg: <ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
okg:Component a owl:Class ; rdfs:label "component"@en .
okg:dependsOn a owl:ObjectProperty ; rdfs:label "depends on"@en .
okg:seedLine a owl:DatatypeProperty ; rdfs:label "seed line"@en .
"""
GRAPH = """\
@prefix okg: <ontology#> .
@prefix kg: <resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kg:api a okg:Component ; rdfs:label "API server"@en, "API 서버"@ko ; okg:dependsOn kg:etcd ;
    okg:seedLine 12 ; okg:note [ rdfs:label "a blank node"@en ; okg:seedLine 13 ] .
kg:etcd a okg:Component ; rdfs:label "etcd"@en ; rdfs:comment "plain, no language" .
"""
PLATFORM = f"{BASE}graph/platform"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "graph" / "platform.ttl").write_text(GRAPH, encoding="utf-8")
    (root / "queries").mkdir()
    return root


def quads_of(path: Path) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(path, format="nquads")
    return dataset


def graph_in(store_dir: Path, graph: str, run_cli: CliRunner, content: Path) -> rdflib.Graph:
    """A graph of an on-disk store, as an rdflib graph (through ``orchkg export``)."""
    out = store_dir.parent / f"{store_dir.name}-check.nt"
    run_cli(
        "--content-dir",
        str(content),
        "--store",
        str(store_dir),
        "export",
        "--graph",
        graph,
        "--format",
        "ntriples",
        "-o",
        str(out),
        check=True,
    )
    return rdflib.Graph().parse(out, format="nt")


def extension(fmt: RdfFormat) -> str:
    return fmt.extensions[0]


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda fmt: fmt.name)
def test_one_graph_round_trips_through_export_and_load(
    fmt: RdfFormat, content: Path, tmp_path: Path, run_cli: CliRunner
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    common = ("--content-dir", str(content))
    file = tmp_path / f"platform{extension(fmt)}"
    run_cli(
        *common,
        "--store",
        str(source),
        "export",
        "--graph",
        PLATFORM,
        "--format",
        fmt.name,
        "-o",
        str(file),
        check=True,
    )
    other = f"{BASE}graph/copy"
    run_cli(*common, "--store", str(target), "load", "-q", "--graph", other, str(file), check=True)
    original = graph_in(source, PLATFORM, run_cli, content)
    copied = graph_in(target, other, run_cli, content)
    assert len(original) == 11
    assert isomorphic(original, copied)


@pytest.mark.parametrize("name", ["trig", "nquads", "jsonld"])
def test_the_whole_dataset_round_trips(
    name: str, content: Path, tmp_path: Path, run_cli: CliRunner
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    common = ("--content-dir", str(content))
    file = tmp_path / f"dump{extension(rdf_format(name))}"
    run_cli(
        *common, "--store", str(source), "export", "--format", name, "-o", str(file), check=True
    )
    empty = tmp_path / "empty"  # content with no graph of its own beside the ontology
    (empty / "ontology").mkdir(parents=True)
    (empty / "graph").mkdir()
    (empty / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    run_cli(
        "--content-dir", str(empty), "--store", str(target), "load", "-q", str(file), check=True
    )
    before, after = tmp_path / "before.nq", tmp_path / "after.nq"
    run_cli(
        *common,
        "--store",
        str(source),
        "export",
        "--format",
        "nquads",
        "-o",
        str(before),
        check=True,
    )
    run_cli(
        "--content-dir",
        str(empty),
        "--store",
        str(target),
        "export",
        "--format",
        "nquads",
        "-o",
        str(after),
        check=True,
    )
    first, second = quads_of(before), quads_of(after)
    names = {context.identifier for context in first.graphs()}
    assert names == {context.identifier for context in second.graphs()}
    assert rdflib.URIRef(PLATFORM) in names
    for graph_name in names:
        assert isomorphic(first.graph(graph_name), second.graph(graph_name)), graph_name


def test_compacted_json_ld_has_plain_keys_and_loads_back(
    content: Path, tmp_path: Path, run_cli: CliRunner
) -> None:
    common = ("--content-dir", str(content), "--store", str(tmp_path / "source"))
    file = tmp_path / "platform.jsonld"
    run_cli(
        *common,
        "export",
        "--graph",
        PLATFORM,
        "--format",
        "jsonld",
        "--compact",
        "-o",
        str(file),
        check=True,
    )
    document = json.loads(file.read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict)  # inlined: nothing to fetch to read it
    nodes = {node["id"]: node for node in document["@graph"]}
    api = nodes["kg:api"]
    assert api["type"] == "Component"
    assert api["dependsOn"] == "kg:etcd"
    assert api["label"] == {"en": "API server", "ko": "API 서버"}
    assert api["seedLine"] == 12
    assert document["@context"]["dependsOn"] == {"@id": "okg:dependsOn", "@type": "@id"}
    other = f"{BASE}graph/again"
    run_cli(*common, "load", "-q", "--graph", other, str(file), check=True)
    assert isomorphic(
        graph_in(tmp_path / "source", PLATFORM, run_cli, content),
        graph_in(tmp_path / "source", other, run_cli, content),
    )
    whole = tmp_path / "whole.jsonld"
    run_cli(*common, "export", "--format", "jsonld", "--compact", "-o", str(whole), check=True)
    graphs = {node["id"] for node in json.loads(whole.read_text(encoding="utf-8"))["@graph"]}
    assert PLATFORM in graphs or "https://w3id.org/orchkg/graph/platform" in graphs
    refused = run_cli(*common, "export", "--format", "turtle", "--compact")
    assert refused.returncode == 1
    assert "--compact is for --format jsonld" in refused.stderr


def test_the_context_covers_every_class_and_property_of_the_ontology(
    shipped_store: OxigraphStore, shipped_settings: Settings
) -> None:
    """Read ontology/orchkg.ttl on its own (rdflib), and expand each context key by hand."""
    ontology = rdflib.Graph().parse(REPO / "ontology" / "orchkg.ttl", publicID=BASE)
    kinds = {rdflib.URIRef(kind) for kind in (*CLASS_TYPES, *PROPERTY_TYPES)}
    declared = {
        str(term)
        for term, kind in ontology.subject_objects(rdflib.RDF.type)
        if kind in kinds and str(term).startswith(OKG)
    }
    assert len(declared) > 80
    context = build_context(shipped_store, shipped_settings.base_iri)

    def expand(value: object) -> str:
        iri = value["@id"] if isinstance(value, dict) else value
        assert isinstance(iri, str)
        prefix, _, local = iri.partition(":")
        namespace = context.get(prefix)
        return f"{namespace}{local}" if isinstance(namespace, str) else iri

    mapped = {expand(value) for key, value in context.items() if not key.startswith("@")}
    assert declared <= mapped, sorted(declared - mapped)
    for term in declared:
        local = term[len(OKG) :]
        assert expand(context[local]) == term
    object_properties = {
        str(term)[len(OKG) :]
        for term in ontology.subjects(rdflib.RDF.type, rdflib.OWL.ObjectProperty)
        if str(term).startswith(OKG)
    }
    for local in object_properties:
        assert context[local] == {"@id": f"okg:{local}", "@type": "@id"}


@pytest.fixture
def app_client(shipped_settings: Settings, shipped_store: OxigraphStore) -> Iterator[object]:
    made = create_app(dataclasses.replace(shipped_settings, query_workers=1), store=shipped_store)
    try:
        yield made.test_client()
    finally:
        services(made).close()


def test_the_context_is_published_as_json_ld(app_client: object) -> None:
    response = app_client.get("/ontology/context.jsonld")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    document = json.loads(response.data)
    assert document["@context"]["dependsOn"] == {"@id": "okg:dependsOn", "@type": "@id"}
    assert document["@context"]["okg"] == OKG
    again = app_client.get(  # type: ignore[attr-defined]
        "/ontology/context.jsonld", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("formats")
    (root / "ontology").mkdir()
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "graph" / "platform.ttl").write_text(GRAPH, encoding="utf-8")
    with live_server(
        "--content-dir", str(root), "serve", "--update-token", TOKEN, cwd=root
    ) as running:
        yield running


def _platform() -> rdflib.Graph:
    return rdflib.Graph().parse(data=GRAPH, format="turtle", publicID=BASE)


@pytest.mark.parametrize("sent", RDF_FORMATS, ids=lambda fmt: fmt.name)
def test_the_graph_store_takes_and_gives_every_format(server: LiveServer, sent: RdfFormat) -> None:
    graph = f"http://example.org/formats/{sent.name}"
    body = ox.serialize(ox.parse(GRAPH, ox.RdfFormat.TURTLE, base_iri=BASE), format=sent.engine)
    put = requests.put(
        server.url + "/data",
        params={"graph": graph},
        data=body,
        headers={**AUTH, "Content-Type": sent.media_type},
        timeout=30,
    )
    assert put.status_code == 201, put.text
    for got in RDF_FORMATS:
        answer = requests.get(
            server.url + "/data",
            params={"graph": graph},
            headers={"Accept": got.media_type},
            timeout=30,
        )
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith(got.media_type)
        read = rdflib.Dataset()
        read.parse(data=answer.content, format=_rdflib_name(got))
        triples = rdflib.Graph()
        for context in read.graphs():
            for triple in context:
                triples.add(triple)
        assert isomorphic(triples, _platform()), (sent.name, got.name)


def _rdflib_name(fmt: RdfFormat) -> str:
    return {"jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}.get(fmt.name, fmt.name)


def test_graph_store_and_construct_compact_on_request(server: LiveServer) -> None:
    answer = requests.get(
        server.url + "/data",
        params={"graph": PLATFORM},
        headers={"Accept": COMPACTED},
        timeout=30,
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/ld+json")
    nodes = {node["id"]: node for node in answer.json()["@graph"]}
    assert nodes["kg:api"]["dependsOn"] == "kg:etcd"
    plain = requests.get(
        server.url + "/data",
        params={"graph": PLATFORM},
        headers={"Accept": "application/ld+json"},
        timeout=30,
    )
    assert '"dependsOn"' not in plain.text
    assert plain.headers["ETag"] != answer.headers["ETag"]
    built = requests.get(
        server.url + "/sparql",
        params={
            "query": "CONSTRUCT { ?s okg:dependsOn ?o ; rdfs:label ?l } "
            "WHERE { ?s okg:dependsOn ?o ; rdfs:label ?l }"
        },
        headers={"Accept": COMPACTED},
        timeout=30,
    )
    assert built.status_code == 200
    assert built.headers["Content-Type"].startswith("application/ld+json")
    document = built.json()
    node = document["@graph"][0] if "@graph" in document else document
    assert node["dependsOn"] == "kg:etcd"
    assert node["label"]["en"] == "API server"
