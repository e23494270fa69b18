"""The shipped graph answers the seed's questions exactly, on pyoxigraph and on rdflib's engine."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from orchkg.content import content_files
from orchkg.namespaces import sparql_prologue
from orchkg.settings import Settings
from orchkg.store import OxigraphStore

BASE = "https://w3id.org/orchkg/"
PROLOGUE = sparql_prologue(BASE)


def kg(name: str) -> str:
    return f"{BASE}resource/{name}"


def _plain(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | rdflib.URIRef):
        value = term.value if isinstance(term, ox.NamedNode) else str(term)
        return value.replace(f"{BASE}resource/", "kg:").replace(f"{BASE}ontology#", "okg:")
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, rdflib.Literal):
        return str(term)
    return str(term)


def rows(store: OxigraphStore, query: str) -> list[tuple[str, ...]]:
    result = store.query(PROLOGUE + query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return sorted(tuple(_plain(row[name]) for name in names) for row in result)


@pytest.fixture(scope="module")
def oracle(shipped_settings: Settings) -> rdflib.Graph:
    """The same content in rdflib (one merged graph = the union default graph)."""
    merged = rdflib.Graph()
    for item in content_files(shipped_settings):
        merged.parse(item.path, format="turtle", publicID=BASE)
    return merged


def oracle_rows(graph: rdflib.Graph, query: str) -> list[tuple[str, ...]]:
    result = graph.query(PROLOGUE + query)
    return sorted(tuple(_plain(value) for value in row) for row in result)  # type: ignore[union-attr]


QUESTIONS = {
    "what Kubernetes stores its configuration in": (
        "SELECT DISTINCT ?store WHERE { ?c okg:partOf kg:kubernetes ; okg:storesStateIn ?store }",
        [("kg:etcd",)],
    ),
    "what Marathon runs on": (
        "SELECT ?platform WHERE { kg:marathon okg:runsOn ?platform }",
        [("kg:mesos",)],
    ),
    "which component elects the Mesos leader": (
        "SELECT DISTINCT ?elector WHERE { { kg:mesos okg:electsLeaderThrough ?elector } UNION "
        "{ kg:mesos-master okg:electsLeaderThrough ?elector } }",
        [("kg:zookeeper",)],
    ),
    "which component elects the Marathon leader": (
        "SELECT DISTINCT ?elector WHERE { kg:marathon okg:electsLeaderThrough ?elector }",
        [("kg:zookeeper",)],
    ),
    "which platform supports both rolling update and recreate": (
        "SELECT DISTINCT ?platform WHERE { "
        "?a a okg:FeatureSupport ; okg:platform ?platform ; okg:feature kg:rolling-update ; "
        "   okg:supportStatus okg:BuiltIn . "
        "?b a okg:FeatureSupport ; okg:platform ?platform ; okg:feature kg:recreate ; "
        "   okg:supportStatus okg:BuiltIn . }",
        [("kg:kubernetes",)],
    ),
    "the node-scale figure of each platform in the seed, with version and source": (
        "SELECT ?platform ?value ?version ?according WHERE { "
        "?c a okg:QuantitativeClaim ; okg:platform ?platform ; okg:unit okg:NodeUnit ; "
        "   okg:numericValue ?value ; okg:dimension okg:PerformanceScalability ; "
        "   prov:wasDerivedFrom kg:seed-sec-performance-scalability . "
        "OPTIONAL { ?c okg:validForVersion ?version } OPTIONAL { ?c okg:accordingTo ?according } }",
        [
            ("kg:kubernetes", "5000", "1.6", ""),
            ("kg:mesos-marathon", "10000", "", "kg:digital-ocean"),
        ],
    ),
    "the current Kubernetes node limit, from outside the seed": (
        "SELECT ?value ?version ?source WHERE { "
        "?c a okg:QuantitativeClaim ; okg:platform kg:kubernetes ; okg:unit okg:NodeUnit ; "
        "   okg:numericValue ?value ; okg:external true ; okg:validForVersion ?version ; "
        "   dcterms:source ?source FILTER(STRSTARTS(STR(?source), 'https://kubernetes.io/')) }",
        [("5000", "1.30", "https://kubernetes.io/docs/setup/best-practices/cluster-large/")],
    ),
    "the health-check kinds each platform supports": (
        "SELECT ?platform ?feature WHERE { ?s a okg:FeatureSupport ; okg:platform ?platform ; "
        "okg:feature ?feature ; okg:supportStatus okg:BuiltIn . "
        "?feature skos:broader okg:HealthCheckKind }",
        [
            ("kg:kubernetes", "kg:liveness-probe"),
            ("kg:kubernetes", "kg:readiness-probe"),
            ("kg:mesos-marathon", "kg:http-health-check"),
            ("kg:mesos-marathon", "kg:other-protocol-health-check"),
            ("kg:mesos-marathon", "kg:tcp-health-check"),
        ],
    ),
    "what the kubelet receives pod specifications from": (
        "SELECT ?from WHERE { kg:kubelet okg:receivesSpecificationsFrom ?from }",
        [("kg:kube-apiserver",)],
    ),
    "what DC/OS is built on": (
        "SELECT ?base WHERE { kg:dcos okg:builtOn ?base }",
        [("kg:mesos",)],
    ),
    "which Mesos storage options are beta": (
        "SELECT ?feature WHERE { ?s a okg:FeatureSupport ; okg:platform kg:mesos-marathon ; "
        "okg:feature ?feature ; okg:supportStatus okg:Beta }",
        [("kg:external-persistent-volume",), ("kg:local-persistent-volume",)],
    ),
}


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_the_graph_answers(shipped_store: OxigraphStore, question: str) -> None:
    query, expected = QUESTIONS[question]
    assert rows(shipped_store, query) == sorted(expected)


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_rdflib_engine_agrees(
    shipped_store: OxigraphStore, oracle: rdflib.Graph, question: str
) -> None:
    query, _ = QUESTIONS[question]
    assert oracle_rows(oracle, query) == rows(shipped_store, query)


def test_every_claim_and_resource_is_traceable(shipped_store: OxigraphStore) -> None:
    untraced = rows(
        shipped_store,
        "SELECT DISTINCT ?x WHERE { "
        "VALUES ?type { okg:Claim okg:Component okg:Platform okg:Feature okg:FeatureSupport "
        "okg:Abstraction okg:Tool okg:Organisation } ?x a ?type "
        "FILTER NOT EXISTS { ?x prov:wasDerivedFrom ?section } "
        "FILTER NOT EXISTS { ?x dcterms:source ?url } }",
    )
    assert untraced == []


def test_every_relation_has_a_statement_with_its_source(shipped_store: OxigraphStore) -> None:
    missing = rows(
        shipped_store,
        "SELECT ?s ?p ?o WHERE { ?p rdfs:subPropertyOf+ okg:architectureRelation . ?s ?p ?o "
        "FILTER NOT EXISTS { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; "
        "  prov:wasDerivedFrom|dcterms:source ?src } }",
    )
    assert missing == []


def test_korean_seed_text_is_kept_verbatim(shipped_store: OxigraphStore, tmp_path: Path) -> None:
    seed = (Path(__file__).resolve().parents[1] / "docs/seed/000_3d1b91035a974fec.txt").read_text(
        encoding="utf-8"
    )
    texts = rows(
        shipped_store,
        "SELECT ?text WHERE { ?c a okg:Claim ; okg:seedText ?text FILTER(lang(?text) = 'ko') }",
    )
    assert len(texts) > 40
    squashed_seed = " ".join(seed.split())
    not_in_seed = [t for (t,) in texts if " ".join(t.split()) not in squashed_seed]
    assert not_in_seed == []


def test_every_seed_line_that_says_something_is_cited(shipped_store: OxigraphStore) -> None:
    seed = (Path(__file__).resolve().parents[1] / "docs/seed/000_3d1b91035a974fec.txt").read_text(
        encoding="utf-8"
    )
    cited = {
        int(line)
        for (line,) in rows(shipped_store, "SELECT DISTINCT ?line WHERE { ?x okg:seedLine ?line }")
    }
    lines = seed.splitlines()
    substantive = {
        number
        for number, text in enumerate(lines, start=1)
        if number >= 8
        and text.strip()
        and text.strip() not in {"결론,"}
        and not text.startswith("* Kubernetes")
        and not text.startswith("* Mesos + Marathon")
        and not text.startswith("#")
    }
    assert sorted(substantive - cited) == []


def test_labels_in_both_languages(shipped_store: OxigraphStore) -> None:
    missing = rows(
        shipped_store,
        "SELECT DISTINCT ?x ?lang WHERE { "
        "VALUES ?type { okg:Component okg:Platform okg:Feature okg:Abstraction okg:Tool "
        "okg:Organisation okg:Dimension owl:Class owl:ObjectProperty owl:DatatypeProperty } "
        "VALUES ?lang { 'en' 'ko' } ?x a ?type "
        "FILTER NOT EXISTS { ?x rdfs:label ?l FILTER(lang(?l) = ?lang) } "
        "FILTER(isIRI(?x)) }",
    )
    assert missing == []
