"""The SPARQL service description (``sd:``) and the VoID description of the dataset."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Request, Response

from orchkg.app import services
from orchkg.errors import NotAcceptableError
from orchkg.formats import rdf_format
from orchkg.namespaces import prefixes, vocabulary_iri

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
    limits = {
        "queryTimeoutSeconds": settings.query_timeout,
        "maxResultBytes": settings.max_result_bytes,
        "maxRequestBodyBytes": settings.max_body_bytes,
        "maxRequestUriLength": settings.max_uri_length,
        "maxQueryNesting": settings.max_query_depth,
        "concurrentEvaluations": settings.query_workers,
    }
    limit_lines = "".join(f"    okg:{name} {_literal(value)} ;\n" for name, value in limits.items())
    allow = "".join(
        f"    okg:federationAllowed <{iri}> ;\n" for iri in settings.federation_allowlist
    )
    update_endpoint = f"<{root}update>" if settings.updates_enabled else '"none"'
    if settings.union_default_graph:
        default_comment = "The default graph is the union of the named graphs."
        default_triples = sum(shared.store.triple_count(iri) for iri in graphs)
    else:
        default_comment = "The default graph is the store's own, separate from the named graphs."
        default_triples = shared.store.triple_count(None)
    feature_line = f"sd:feature {', '.join(features)} ;" if features else ""
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix okg: <{okg}> .

<{root}sparql#service> a sd:Service ;
    rdfs:label "orchkg SPARQL endpoint" ;
    sd:endpoint <{root}sparql> ;
    sd:supportedLanguage {", ".join(languages)} ;
    {feature_line}
    sd:resultFormat {", ".join(f"<{FORMATS}{name}>" for name in RESULT_FORMAT_IRIS)} ;
{limit_lines}{allow}    okg:updateEndpoint {update_endpoint} ;
    sd:defaultDataset [
        a sd:Dataset ;
        rdfs:comment "{default_comment}" ;
        sd:defaultGraph [ a sd:Graph ; void:triples {default_triples} ] ;
{named}    ] .
"""


def service_description(request: Request, graph_format: str | None) -> Response:
    """The description in the RDF format the client negotiated (Turtle by default)."""
    if graph_format is None:
        raise NotAcceptableError(
            "the service description is RDF: accept text/turtle, application/ld+json, "
            "application/rdf+xml, application/n-triples, application/trig or application/n-quads"
        )
    fmt = rdf_format(graph_format)
    settings = services().settings
    triples = ox.parse(description_turtle(request), ox.RdfFormat.TURTLE)
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
