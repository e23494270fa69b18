"""The SPARQL service description (``sd:``) and the VoID description of the dataset."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Request, Response

from orchkg import provenance
from orchkg.app import services
from orchkg.errors import NotAcceptableError
from orchkg.formats import rdf_format
from orchkg.namespaces import prefixes, vocabulary_iri
from orchkg.settings import SETTINGS, Settings

FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f'"{value}"^^xsd:decimal'
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def limits(settings: Settings) -> list[tuple[str, str]]:
    """(vocabulary term, Turtle literal) for every setting that limits clients, as declared
    in ``orchkg.settings.SETTINGS``.

    >>> dict(limits(Settings()))["maxQueryOperators"]
    '1000'
    """
    return [
        (setting.limit, _literal(getattr(settings, setting.name)))
        for setting in SETTINGS
        if setting.limit is not None
    ]


def description_turtle(request: Request) -> str:
    """The service description as Turtle, for this server as the request reached it."""
    shared = services()
    settings = shared.settings
    root = request.url_root
    okg = vocabulary_iri(settings.base_iri)
    features = []
    if settings.union_default_graph:
        features.append("sd:UnionDefaultGraph")
    if settings.federation_allowlist:
        features.append("sd:BasicFederatedQuery")
    languages = ["sd:SPARQL11Query"]
    if settings.updates_enabled:
        languages.append("sd:SPARQL11Update")
    graphs = shared.store.graphs()
    named = "".join(
        f"""    sd:namedGraph [ a sd:NamedGraph ; sd:name <{iri}> ;
        sd:graph [ a sd:Graph ; void:triples {shared.store.triple_count(iri)} ] ] ;
"""
        for iri in graphs
    )
    limit_lines = "".join(f"    okg:{name} {value} ;\n" for name, value in limits(settings))
    allow = "".join(
        f"    okg:federationAllowed <{iri}> ;\n" for iri in settings.federation_allowlist
    )
    update_line = f"    okg:updateEndpoint <{root}update> ;\n" if settings.updates_enabled else ""
    if settings.union_default_graph:
        default_comment = "The default graph is the union of the named graphs."
        default_triples = sum(shared.store.triple_count(iri) for iri in graphs)
    else:
        default_comment = "The default graph is the store's own, separate from the named graphs."
        default_triples = shared.store.triple_count(None)
    feature_line = f"sd:feature {', '.join(features)} ;" if features else ""
    declared = "".join(
        f'    sh:declare [ sh:prefix "{name}" ; sh:namespace "{iri}"^^xsd:anyURI ] ;\n'
        for name, iri in shared.store.prefixes.items()
    )
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix okg: <{okg}> .

<{root}sparql#service> a sd:Service ;
    rdfs:label "orchkg SPARQL endpoint" ;
    sd:endpoint <{root}sparql> ;
    sd:supportedLanguage {", ".join(languages)} ;
    {feature_line}
    sd:resultFormat {", ".join(f"<{FORMATS}{name}>" for name in RESULT_FORMAT_IRIS)} ;
{limit_lines}{allow}{declared}{update_line}
    sd:defaultDataset [
        a sd:Dataset ;
        rdfs:comment "{default_comment}" ;
        sd:defaultGraph [ a sd:Graph ; void:triples {default_triples} ] ;
{named}    ] .
"""


def service_description(request: Request, graph_format: str | None) -> Response:
    """The service description in the RDF format the client negotiated (Turtle by default)."""
    return rdf_response(description_turtle(request), graph_format, "service description")


def _count(query: str) -> int:
    result = services().store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        value = row[0]
        return int(value.value) if isinstance(value, ox.Literal) else 0
    return 0


DATASET_DESCRIPTION = (
    "Kubernetes, Apache Mesos + Marathon and DC/OS: components, features, relations and "
    "comparison claims, each traced to its source."
)
VOCABULARIES = (
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/prov#",
    "http://purl.org/dc/terms/",
    "https://schema.org/",
)


def void_turtle(request: Request) -> str:
    """A VoID description of the dataset: sizes, graphs, vocabularies, links, limits."""
    shared = services()
    settings = shared.settings
    root = request.url_root
    base = settings.base_iri
    graphs = shared.store.graphs()
    triples = sum(shared.store.triple_count(iri) for iri in graphs)
    classes = _count("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    properties = _count("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    subjects = _count("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    wikidata_links = _count(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2004/02/skos/core#exactMatch> ?o "
        'FILTER(STRSTARTS(STR(?o), "http://www.wikidata.org/entity/")) }'
    )
    examples = [f"{base}resource/{name}" for name in ("kubernetes", "mesos", "marathon", "etcd")]
    recorded = provenance.graph_activities(shared.store, base)
    subsets = "".join(
        f"""<{root}.well-known/void#graph-{index}> a void:Dataset ;
    sd:name <{iri}> ; void:triples {shared.store.triple_count(iri)} {_imported(iri, recorded)}.
"""
        for index, iri in enumerate(graphs)
    )
    records = "".join(f"{triple} .\n" for triple in provenance.record_triples(shared.store, base))
    subset_refs = ", ".join(
        f"<{root}.well-known/void#graph-{index}>" for index in range(len(graphs))
    )
    okg = vocabulary_iri(base)
    vocabularies = ", ".join(f"<{iri}>" for iri in VOCABULARIES)
    limit_lines = "".join(f"    okg:{name} {value} ;\n" for name, value in limits(settings))
    return f"""@prefix void: <http://rdfs.org/ns/void#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix okg: <{okg}> .

<{root}.well-known/void#dataset> a void:Dataset ;
    dcterms:title "orchkg: container-orchestration platforms"@en ;
    dcterms:description "{DATASET_DESCRIPTION}"@en ;
    dcterms:source <{base}resource/seed> ;
    void:sparqlEndpoint <{root}sparql> ;
    void:uriSpace "{base}resource/" ;
    void:vocabulary <{okg}>, {vocabularies} ;
    void:triples {triples} ;
    void:classes {classes} ;
    void:properties {properties} ;
    void:distinctSubjects {subjects} ;
    void:exampleResource {", ".join(f"<{iri}>" for iri in examples)} ;
{limit_lines}    {"void:subset " + subset_refs + " ;" if graphs else ""}
    void:subset <{root}.well-known/void#wikidata-links> .

<{root}.well-known/void#wikidata-links> a void:Linkset ;
    void:linkPredicate <http://www.w3.org/2004/02/skos/core#exactMatch> ;
    void:target <{root}.well-known/void#dataset>, <http://www.wikidata.org/entity/> ;
    void:triples {wikidata_links} .

{subsets}
# Where each imported graph came from (PROV-O, as kept in <{provenance.imports_graph(base)}>)
{records}"""


def _imported(graph: str, recorded: dict[str, list[str]]) -> str:
    """The subset's links to the activities that wrote its graph, when it was imported."""
    if graph not in recorded:
        return ""
    return "; prov:wasGeneratedBy " + ", ".join(f"<{a}>" for a in recorded[graph]) + " "


def rdf_response(turtle: str, graph_format: str | None, what: str) -> Response:
    """Turtle text re-serialised in the negotiated RDF format."""
    if graph_format is None:
        raise NotAcceptableError(
            f"the {what} is RDF: accept text/turtle, application/ld+json, application/rdf+xml, "
            "application/n-triples, application/trig or application/n-quads"
        )
    fmt = rdf_format(graph_format)
    settings = services().settings
    triples = ox.parse(turtle, ox.RdfFormat.TURTLE)
    known = {
        "sd": "http://www.w3.org/ns/sparql-service-description#",
        "void": "http://rdfs.org/ns/void#",
        **prefixes(settings.base_iri),
    }
    body = ox.serialize(
        triples, format=fmt.engine, prefixes=known if fmt.name in ("turtle", "trig") else None
    )
    response = Response(body, content_type=f"{fmt.media_type}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response
