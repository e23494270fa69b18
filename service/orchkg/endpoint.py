"""The SPARQL 1.1 endpoint: the query operation at /sparql, the update operation at /update.

Handlers stay thin: read the operation (``protocol``), check it (``guard``: a query's
checks run in the worker that evaluates it, under its deadline), run it (``evaluation``
for queries, the store for updates), send the bytes.
"""

from __future__ import annotations

from flask import Blueprint, Request, Response, request

from orchkg.app import Services, services
from orchkg.auth import authorise_write
from orchkg.description import rdf_response, service_description, void_turtle
from orchkg.errors import NotAcceptableError
from orchkg.formats import rdf_format
from orchkg.guard import with_using
from orchkg.headers import append_valid, content_type, empty, etag
from orchkg.jsonld import build_context, compact_graph, wants_compacted
from orchkg.protocol import Operation, negotiate_formats, query_operation, update_operation

blueprint = Blueprint("sparql", __name__)


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    shared = services()
    operation = query_operation(request)
    if operation is None:
        _, graph_name = negotiate_formats(request)
        return service_description(request, graph_name)
    return answer_query(shared, request, operation)


def answer_query(shared: Services, asked: Request, operation: Operation) -> Response:
    """The answer to a query operation (``orchkg.fast_path`` calls this too, without Flask's
    request context: it reads only ``asked``)."""
    results_name, graph_name = negotiate_formats(asked)
    if results_name is None and graph_name is None:
        raise NotAcceptableError(
            "nothing in the Accept header can be produced; SELECT and ASK give "
            "application/sparql-results+json, +xml, text/csv or text/tab-separated-values; "
            "CONSTRUCT and DESCRIBE give text/turtle, application/n-triples, application/ld+json, "
            "application/rdf+xml, application/trig or application/n-quads"
        )
    # JSON-LD's compacted profile: the worker writes N-Triples, compacted here with the context
    compacted = graph_name == "jsonld" and wants_compacted(asked.headers.get("Accept"))
    tag = etag(
        shared.store.version,
        operation.text,
        operation.default_graphs,
        operation.named_graphs,
        results_name,
        graph_name,
        compacted,
    )
    if asked.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        answer = shared.pool.evaluate(
            operation.text,
            policy=shared.policy,
            default_graphs=operation.default_graphs,
            named_graphs=operation.named_graphs,
            results_format=results_name,
            graph_format="ntriples" if compacted else graph_name,
        )
        body, media_type = answer.body, answer.media_type
        if compacted and media_type == rdf_format("ntriples").media_type:
            context = build_context(shared.store, shared.settings.base_iri)
            body, media_type = compact_graph(body, context), rdf_format("jsonld").media_type
        response = Response(body, content_type=content_type(media_type))
    response.set_etag(tag)
    append_valid(
        response.headers,
        (
            ("Vary", "Accept"),
            ("Cache-Control", "no-cache"),
            ("X-Orchkg-Limit-Result-Bytes", str(shared.settings.max_result_bytes)),
            ("X-Orchkg-Limit-Timeout", f"{shared.settings.query_timeout:g}"),
        ),
    )
    return response


@blueprint.get("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset, by content negotiation (Turtle by default)."""
    _, graph_name = negotiate_formats(request)
    return rdf_response(void_turtle(request), graph_name, "VoID description")


@blueprint.route("/update", methods=["POST"])
def update() -> Response:
    shared = services()
    operation = update_operation(request)
    authorise_write()
    text = shared.policy.update(operation.text)
    if operation.default_graphs is not None or operation.named_graphs is not None:
        text = with_using(text, operation.default_graphs, operation.named_graphs)
    shared.store.update(text)
    return empty(204)
