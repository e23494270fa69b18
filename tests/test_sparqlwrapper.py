"""The owner's client, SPARQLWrapper, against a real server: every result format, GET and POST."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from support import LiveServer, live_server

REPO = Path(__file__).resolve().parents[1]
SELECT = "SELECT ?platform WHERE { kg:marathon okg:runsOn ?platform }"
CONSTRUCT = "CONSTRUCT { kg:marathon okg:runsOn ?p } WHERE { kg:marathon okg:runsOn ?p }"
MESOS = "https://w3id.org/orchkg/resource/mesos"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        "--content-dir", str(REPO), "serve", cwd=tmp_path_factory.mktemp("sw")
    ) as running:
        yield running


def client(server: LiveServer, method: str, request_method: str) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setMethod(method)
    wrapper.setRequestMethod(request_method)
    wrapper.setTimeout(30)
    return wrapper


ROUTES = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.mark.parametrize(("method", "request_method"), ROUTES)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_results_format(
    server: LiveServer, method: str, request_method: str, fmt: str
) -> None:
    wrapper = client(server, method, request_method)
    wrapper.setQuery(SELECT)
    wrapper.setReturnFormat(fmt)
    converted = wrapper.query().convert()
    if fmt == JSON:
        assert isinstance(converted, dict)
        values = [b["platform"]["value"] for b in converted["results"]["bindings"]]
    elif fmt == XML:
        elements = converted.getElementsByTagName("uri")  # type: ignore[union-attr]
        values = [element.firstChild.data for element in elements]
    elif fmt == CSV:
        text = converted.decode() if isinstance(converted, bytes) else converted
        values = [row["platform"] for row in csv.DictReader(io.StringIO(text))]
    else:
        text = converted.decode() if isinstance(converted, bytes) else converted
        values = [line.strip("<>") for line in text.splitlines()[1:]]
    assert values == [MESOS]


@pytest.mark.parametrize(("method", "request_method"), ROUTES)
def test_ask(server: LiveServer, method: str, request_method: str) -> None:
    wrapper = client(server, method, request_method)
    wrapper.setQuery("ASK { kg:marathon okg:runsOn kg:mesos }")
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["boolean"] is True  # type: ignore[index]


@pytest.mark.parametrize(("method", "request_method"), ROUTES)
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD, XML])
def test_construct_in_every_rdf_format(
    server: LiveServer, method: str, request_method: str, fmt: str
) -> None:
    wrapper = client(server, method, request_method)
    wrapper.setQuery(CONSTRUCT)
    wrapper.setReturnFormat(fmt)
    converted = wrapper.query().convert()
    if isinstance(converted, rdflib.Graph):
        graph = converted
    else:
        text = converted.decode() if isinstance(converted, bytes) else str(converted)
        graph = rdflib.Graph().parse(data=text, format="json-ld" if fmt == JSONLD else "turtle")
    assert set(graph.objects()) == {rdflib.URIRef(MESOS)}


def test_describe(server: LiveServer) -> None:
    wrapper = client(server, GET, URLENCODED)
    wrapper.setQuery("DESCRIBE kg:marathon")
    wrapper.setReturnFormat(TURTLE)
    text = wrapper.query().convert()
    graph = rdflib.Graph().parse(data=text, format="turtle")  # type: ignore[arg-type]
    assert (
        rdflib.URIRef("https://w3id.org/orchkg/resource/marathon"),
        rdflib.URIRef("https://w3id.org/orchkg/ontology#runsOn"),
        rdflib.URIRef(MESOS),
    ) in graph
