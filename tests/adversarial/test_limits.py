"""Promise 7: every limit is documented and discoverable. The service description and
the VoID description state each limit setting (``Setting.limit`` names its term) with
the value the server runs with; query answers carry the result and time limits as
headers; each limit's term is defined in the ontology, and each limit setting is in the
README's settings table and in docs/security.md.
"""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from decimal import Decimal

import pytest
import rdflib

from hostile import REPO, Probe, small_content
from orchkg.settings import SETTINGS, load_settings
from support import live_server

OKG = rdflib.Namespace("https://w3id.org/orchkg/ontology#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
LIMITS = [setting for setting in SETTINGS if setting.limit]
ODD_VALUES = {
    "query_workers": "3",
    "max_worker_memory": "1500",
    "query_timeout": "2.5",
    "queue_wait": "1.5",
    "max_queued": "7",
    "max_result_bytes": "1234567",
    "max_body_bytes": "2345678",
    "max_body_depth": "33",
    "max_uri_length": "9999",
    "max_query_depth": "77",
    "max_query_operators": "555",
    "channel_timeout": "17",
    "max_connections": "150",
    "federation_timeout": "1.25",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    """A server whose every limit is set to a value no default has."""
    root = small_content(tmp_path_factory.mktemp("limits") / "content", "<a:s> <a:p> 1 .\n")
    env = {f"ORCHKG_{name.upper()}": value for name, value in ODD_VALUES.items()}
    with live_server("--content-dir", str(root), "serve", env=env, cwd=root) as running:
        yield Probe(running.url, server=running)


def test_every_limit_setting_has_an_odd_value_here() -> None:
    assert {setting.name for setting in LIMITS} == set(ODD_VALUES)


def expected() -> dict[str, object]:
    settings = load_settings(ODD_VALUES, environ={})
    return {setting.limit: getattr(settings, setting.name) for setting in LIMITS if setting.limit}


def stated(graph: rdflib.Graph, subject: rdflib.term.Node) -> dict[str, object]:
    found: dict[str, object] = {}
    for setting in LIMITS:
        value = graph.value(subject, OKG[str(setting.limit)])
        assert value is not None, f"okg:{setting.limit} is not stated"
        python = value.toPython()
        found[str(setting.limit)] = float(python) if isinstance(python, Decimal) else python
    return found


def test_the_service_description_states_every_limit(limited: Probe) -> None:
    response = limited.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert stated(graph, service) == expected()


def test_the_void_description_states_every_limit(limited: Probe) -> None:
    response = limited.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    dataset = rdflib.URIRef(limited.url + "/.well-known/void#dataset")
    assert stated(graph, dataset) == expected()


def test_answers_carry_the_limits(limited: Probe) -> None:
    for response in (
        limited.sparql("ASK {}"),
        limited.post("/sparql", data={"query": "SELECT * {}"}),
    ):
        assert response.headers["X-Orchkg-Limit-Result-Bytes"] == ODD_VALUES["max_result_bytes"]
        assert response.headers["X-Orchkg-Limit-Timeout"] == ODD_VALUES["query_timeout"]


def test_the_limits_are_enforced_at_the_stated_values(limited: Probe) -> None:
    deep = "ASK " + "{" * 78 + "}" * 78
    assert limited.sparql(deep).status_code == 400
    assert limited.sparql("ASK " + "{" * 77 + "}" * 77).status_code == 200
    many = "ASK { " + " ".join(["FILTER(true)"] * 556) + " }"
    assert "555" in limited.post("/sparql", data={"query": many}).text
    assert limited.get("/sparql", params={"query": "ASK {} #" + "x" * 10_000}).status_code == 414


def test_each_limit_term_is_defined_in_the_ontology() -> None:
    ontology = rdflib.Graph().parse(
        REPO / "ontology" / "orchkg.ttl", format="turtle", publicID="https://w3id.org/orchkg/"
    )
    for setting in LIMITS:
        term = OKG[str(setting.limit)]
        assert (term, rdflib.RDF.type, rdflib.OWL.DatatypeProperty) in ontology, term
        assert ontology.value(term, rdflib.namespace.SKOS.definition) is not None, term


def test_the_cases_table_is_the_suite() -> None:
    """docs/security.md counts the cases as scripts/security_report.py does."""
    report = runpy.run_path(str(REPO / "scripts" / "security_report.py"))
    assert report["documented"]() == report["table"](report["collected"](), None)


def test_each_limit_is_in_the_security_model() -> None:
    text = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    for setting in LIMITS:
        assert f"`{setting.name}`" in text, setting.name
        assert f"okg:{setting.limit}" in text, setting.limit
