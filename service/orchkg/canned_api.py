"""The canned queries over HTTP: the catalogue, the answers, the OpenAPI document.

    GET /api/queries            the catalogue (JSON), enumerations listed from the graph
    GET /api/queries/<name>     an answer: friendly JSON (the default) or CSV, SPARQL JSON,
                                SPARQL XML or TSV; RDF for a CONSTRUCT (Accept, or format=)
    GET /api/openapi.json       an OpenAPI 3.1 document generated from the catalogue

Handlers stay thin: find the query, choose the format (``answer_format``), bind the
values (``Catalogue.bind``), run it in a worker (``evaluate_bound``), shape the answer.
The HTML pages (``orchkg.canned_pages``) build on the same context functions.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlencode

from flask import Blueprint, Request, Response, request

from orchkg import __version__
from orchkg.app import Services, services
from orchkg.canned import (
    LANGUAGES,
    BoundQuery,
    CannedQuery,
    Catalogue,
    Choice,
    Form,
    Parameter,
    split_arguments,
)
from orchkg.errors import ClientError, NotAcceptableError
from orchkg.evaluation import Answer
from orchkg.formats import RDF_FORMATS
from orchkg.headers import content_type
from orchkg.namespaces import XSD, XSD_INTEGERS, compact
from orchkg.negotiation import choose, choose_language
from orchkg.store import Store

blueprint = Blueprint("canned_api", __name__)

_NUMBERS = {f"{XSD}decimal", f"{XSD}double", f"{XSD}float"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to a spreadsheet: CSV cells get a quote."""


# -- formats -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AnswerFormat:
    """One way to send an answer: its ``format=`` name, media type, and how it is made.

    ``kind`` is ``friendly`` (our JSON), ``csv`` (our CSV), ``results`` (a SPARQL results
    format, ``engine`` naming it) or ``graph`` (an RDF format, ``engine`` naming it).
    """

    name: str
    media_type: str
    accepts: tuple[str, ...]
    kind: Literal["friendly", "csv", "results", "graph"]
    engine: str


SOLUTION_FORMATS: tuple[AnswerFormat, ...] = (
    AnswerFormat("json", "application/json", ("application/json",), "friendly", "json"),
    AnswerFormat(
        "sparql-json",
        "application/sparql-results+json",
        ("application/sparql-results+json",),
        "results",
        "json",
    ),
    AnswerFormat(
        "sparql-xml",
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml"),
        "results",
        "xml",
    ),
    AnswerFormat("csv", "text/csv", ("text/csv",), "csv", "json"),
    AnswerFormat(
        "tsv", "text/tab-separated-values", ("text/tab-separated-values",), "results", "tsv"
    ),
)
GRAPH_FORMATS: tuple[AnswerFormat, ...] = tuple(
    AnswerFormat(
        fmt.name,
        fmt.media_type,
        (*fmt.media_types, "application/json") if fmt.name == "jsonld" else fmt.media_types,
        "graph",
        fmt.name,
    )
    for fmt in RDF_FORMATS
)
_GRAPH_ALIASES = {"json": "jsonld"}


def formats_for(form: Form) -> tuple[AnswerFormat, ...]:
    return GRAPH_FORMATS if form == "construct" else SOLUTION_FORMATS


def answer_format(form: Form, name: str | None, accept: str | None) -> AnswerFormat:
    """The format of an answer: the ``format=`` name when given, else the best the Accept
    header takes (friendly JSON, or Turtle for a CONSTRUCT, for ``*/*``).

    >>> answer_format("select", None, "text/csv;q=0.5, application/sparql-results+xml").name
    'sparql-xml'
    >>> answer_format("construct", "json", None).media_type
    'application/ld+json'
    """
    table = formats_for(form)
    if name:
        key = _GRAPH_ALIASES.get(name, name) if form == "construct" else name
        for fmt in table:
            if fmt.name == key:
                return fmt
        names = ", ".join(fmt.name for fmt in table)
        raise ClientError(f"format: {name!r} is not offered for this query; use one of {names}")
    offers = [media for fmt in table for media in fmt.accepts]
    chosen = choose(accept, offers)
    if chosen is None:
        raise NotAcceptableError(
            "nothing in the Accept header can be produced; this query answers in "
            + ", ".join(fmt.media_type for fmt in table)
        )
    return next(fmt for fmt in table if chosen in fmt.accepts)


# -- request helpers -----------------------------------------------------------------------


def request_language(current: Request, query: CannedQuery | None = None) -> str:
    """The language of a request: ``lang=``, else the best of Accept-Language, else English.

    A ``lang=`` not offered is refused here, unless it is the value of the query's own
    ``lang`` parameter: then binding refuses it, naming the parameter.
    """
    asked = [value.strip() for value in current.args.getlist("lang") if value.strip()]
    if asked and asked[0] in LANGUAGES:
        return asked[0]
    if asked and (query is None or "lang" not in query.parameter_names):
        raise ClientError(f"lang: {asked[0][:40]!r} is not offered; use one of en, ko")
    return choose_language(current.headers.get("Accept-Language"), LANGUAGES) or "en"


def bind_request(
    shared: Services, query: CannedQuery, arguments: Mapping[str, Sequence[str]], lang: str
) -> BoundQuery:
    """The query bound to the values of a request's arguments (format and lang set apart)."""
    raw, _ = split_arguments(query, arguments)
    return shared.catalogue.bind(query.name, raw, shared.store, lang)


def evaluate_bound(
    shared: Services,
    bound: BoundQuery,
    *,
    results_format: str | None,
    graph_format: str | None,
) -> Answer:
    """Run a bound query in a worker, within the deadline and the result-size limit."""
    return shared.pool.evaluate(
        bound.text(),
        declares_dataset=bound.query.declares_dataset,
        results_format=results_format,
        graph_format=graph_format,
        substitutions=bound.substitutions,
        hidden=bound.query.hidden,
        as_boolean=bound.query.as_boolean,
    )


def query_string(values: Mapping[str, str | Sequence[str]], **extra: str) -> str:
    """A query string for parameter values (lists repeat the name)."""
    pairs: list[tuple[str, str]] = []
    for name, value in {**values, **extra}.items():
        if isinstance(value, str):
            pairs.append((name, value))
        else:
            pairs.extend((name, item) for item in value)
    return urlencode(pairs)


# -- answers -------------------------------------------------------------------------------


def friendly_value(binding: Mapping[str, str] | None) -> str | int | float | bool | None:
    """One SPARQL JSON binding as a plain JSON value: IRIs and texts as strings, numbers as
    numbers, booleans as booleans, unbound as null.

    >>> friendly_value({"type": "literal", "value": "5000", "datatype": f"{XSD}integer"})
    5000
    """
    if binding is None:
        return None
    value = binding["value"]
    if binding["type"] == "bnode":
        return f"_:{value}"
    datatype = binding.get("datatype")
    try:
        if datatype in XSD_INTEGERS:
            return int(value)
        if datatype in _NUMBERS:
            return float(value)
    except ValueError:
        return value
    if datatype == f"{XSD}boolean":
        return value in ("true", "1")
    return value


def friendly_table(document: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) of a SPARQL JSON results document."""
    columns: list[str] = list(document["head"].get("vars", []))
    rows = [
        {column: friendly_value(binding.get(column)) for column in columns}
        for binding in document["results"]["bindings"]
    ]
    return columns, rows


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula.

    >>> neutralise("=HYPERLINK(1)"), neutralise("Kubernetes")
    ("'=HYPERLINK(1)", 'Kubernetes')
    """
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def spreadsheet_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as CSV (RFC 4180), every cell neutralised against formula injection."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return neutralise(str(value))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(column) for column in columns])
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def answer_response(
    bound: BoundQuery, fmt: AnswerFormat, answer: Answer, known: Mapping[str, str]
) -> Response:
    """The HTTP answer in the chosen format."""
    if fmt.kind in ("results", "graph"):
        return Response(answer.body, content_type=content_type(answer.media_type))
    document = json.loads(answer.body)
    parameters = bound.shown(known)
    if "boolean" in document:
        columns, rows = ["boolean"], [{"boolean": bool(document["boolean"])}]
        friendly: dict[str, Any] = {"boolean": bool(document["boolean"])}
    else:
        columns, rows = friendly_table(document)
        friendly = {"columns": columns, "rows": rows}
    if fmt.kind == "csv":
        return Response(spreadsheet_csv(columns, rows), content_type=content_type("text/csv"))
    body = {"query": bound.query.name, "parameters": parameters, **friendly}
    return Response(
        json.dumps(body, ensure_ascii=False), content_type=content_type("application/json")
    )


# -- the catalogue ---------------------------------------------------------------------------


def _spell(iri: str, known: Mapping[str, str]) -> str:
    short = compact(iri, dict(known))
    return iri if short.startswith("<") else short


def parameter_context(
    catalogue: Catalogue, param: Parameter, store: Store, lang: str
) -> dict[str, Any]:
    """One parameter as the catalogue shows it."""
    described: dict[str, Any] = {
        "name": param.name,
        "type": param.type,
        "description": param.description,
        "required": param.required,
        "list": param.is_list,
        "default": (
            [part.strip() for part in param.default.split(",") if part.strip()]
            if param.is_list and param.default is not None
            else param.default
        ),
    }
    if param.type == "string":
        described["max_length"] = param.max_length
    if param.cls is not None:
        described["class"] = _spell(param.cls, catalogue.prefixes)
    if param.enumerated:
        described["allowed"] = [
            {"value": choice.value, "label": choice.label(lang)}
            for choice in catalogue.allowed_values(param, store)
        ]
    return described


def query_context(
    catalogue: Catalogue, query: CannedQuery, store: Store, lang: str
) -> dict[str, Any]:
    """One query as the catalogue shows it."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "tags": list(query.tags),
        "form": query.form,
        "url": f"/api/queries/{query.name}",
        "page": f"/queries/{query.name}",
        "parameters": [parameter_context(catalogue, p, store, lang) for p in query.parameters],
        "example": query.example,
        "example_url": f"/api/queries/{query.name}?{query_string(query.example)}",
        "formats": [fmt.name for fmt in formats_for(query.form)],
    }


def catalogue_context(catalogue: Catalogue, store: Store, lang: str) -> dict[str, Any]:
    """The whole catalogue: what ``/api/queries`` sends and ``/queries`` shows."""
    return {
        "lang": lang,
        "queries": [query_context(catalogue, query, store, lang) for query in catalogue.values()],
    }


def json_response(document: object, lang: str) -> Response:
    response = Response(
        json.dumps(document, ensure_ascii=False), content_type=content_type("application/json")
    )
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    return response


# -- OpenAPI -------------------------------------------------------------------------------

_SCHEMA_TYPES: dict[str, dict[str, Any]] = {
    "iri": {"type": "string"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "lang": {"type": "string", "enum": list(LANGUAGES)},
}


def _typed(param: Parameter, value: str) -> object:
    if param.type == "integer":
        return int(value)
    if param.type == "decimal":
        return float(value)
    if param.type == "boolean":
        return value.strip().lower() in ("true", "1")
    return value


def _parameter_schema(param: Parameter, choices: Sequence[Choice]) -> dict[str, Any]:
    item: dict[str, Any] = dict(_SCHEMA_TYPES[param.type])
    if choices and param.type != "lang":
        item["enum"] = [_typed(param, choice.value) for choice in choices]
    if param.type == "string":
        item["maxLength"] = param.max_length
    defaults = (
        [part.strip() for part in param.default.split(",") if part.strip()]
        if param.default is not None
        else None
    )
    if param.is_list:
        schema: dict[str, Any] = {"type": "array", "items": item}
        if defaults is not None:
            schema["default"] = [_typed(param, value) for value in defaults]
        return schema
    if param.default is not None:
        item["default"] = _typed(param, param.default)
    return item


def openapi_operation(catalogue: Catalogue, query: CannedQuery, store: Store) -> dict[str, Any]:
    """The GET operation of one query, with its parameters, enums, defaults and example."""
    parameters: list[dict[str, Any]] = []
    for param in query.parameters:
        choices = catalogue.allowed_values(param, store) if param.enumerated else ()
        described: dict[str, Any] = {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "description": param.description or f"A {param.type} value.",
            "schema": _parameter_schema(param, choices),
        }
        if param.is_list:
            described["style"] = "form"
            described["explode"] = True
        example = query.example.get(param.name)
        if example:
            described["example"] = (
                [_typed(param, value) for value in example]
                if param.is_list
                else _typed(param, example[0])
            )
        parameters.append(described)
    if "lang" not in query.parameter_names:
        parameters.append({"$ref": "#/components/parameters/lang"})
    names = [fmt.name for fmt in formats_for(query.form)]
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "The answer's format; overrides the Accept header.",
            "schema": {"type": "string", "enum": names},
        }
    )
    if query.form == "construct":
        success = {
            fmt.media_type: {"schema": {"type": "string"}} for fmt in formats_for(query.form)
        }
    else:
        friendly = "BooleanAnswer" if query.form == "ask" else "Answer"
        success = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{friendly}"}},
            "application/sparql-results+json": {"schema": {"type": "object"}},
            "application/sparql-results+xml": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "text/tab-separated-values": {"schema": {"type": "string"}},
        }
    return {
        "operationId": query.name,
        "summary": query.title,
        "description": query.description,
        "tags": list(query.tags) or ["queries"],
        "parameters": parameters,
        "responses": {
            "200": {"description": "The answer.", "content": success},
            "400": {"$ref": "#/components/responses/Error"},
            "406": {"$ref": "#/components/responses/Error"},
            "413": {"$ref": "#/components/responses/Error"},
            "503": {"$ref": "#/components/responses/Error"},
        },
    }


def openapi_document(catalogue: Catalogue, store: Store, server: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document for the canned queries: one operation per query."""
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "title", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "message": {"type": "string"},
                },
            }
        },
    }
    cell = {"type": ["string", "number", "boolean", "null"]}
    paths: dict[str, Any] = {
        "/api/queries": {
            "get": {
                "operationId": "catalogue",
                "summary": "The canned queries, their parameters and allowed values.",
                "parameters": [{"$ref": "#/components/parameters/lang"}],
                "responses": {
                    "200": {
                        "description": "The catalogue.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Catalogue"}
                            }
                        },
                    }
                },
            }
        }
    }
    for query in catalogue.values():
        paths[f"/api/queries/{query.name}"] = {"get": openapi_operation(catalogue, query, store)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "orchkg canned queries",
            "version": __version__,
            "description": (
                "Questions about container-orchestration platforms, answered from the orchkg "
                "knowledge graph. Each operation runs one canned SPARQL query; its parameters "
                "are bound as RDF terms. Every answer is also available as SPARQL results "
                "(format=sparql-json, sparql-xml, tsv) or CSV."
            ),
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "parameters": {
                "lang": {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "description": "The language of labels (else Accept-Language, else en).",
                    "schema": {"type": "string", "enum": list(LANGUAGES)},
                }
            },
            "schemas": {
                "Answer": {
                    "type": "object",
                    "required": ["query", "parameters", "columns", "rows"],
                    "properties": {
                        "query": {"type": "string"},
                        "parameters": {"type": "object"},
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "rows": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": cell},
                        },
                    },
                },
                "BooleanAnswer": {
                    "type": "object",
                    "required": ["query", "parameters", "boolean"],
                    "properties": {
                        "query": {"type": "string"},
                        "parameters": {"type": "object"},
                        "boolean": {"type": "boolean"},
                    },
                },
                "Catalogue": {
                    "type": "object",
                    "required": ["queries"],
                    "properties": {
                        "lang": {"type": "string"},
                        "queries": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "Error": error,
            },
            "responses": {
                "Error": {
                    "description": "The request could not be answered; the message says why.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                }
            },
        },
    }


# -- routes -------------------------------------------------------------------------------


@blueprint.get("/api/queries")
def catalogue() -> Response:
    shared = services()
    lang = request_language(request)
    return json_response(catalogue_context(shared.catalogue, shared.store, lang), lang)


@blueprint.get("/api/queries/<name>")
def answer(name: str) -> Response:
    shared = services()
    query = shared.catalogue.require(name)
    fmt = answer_format(query.form, request.args.get("format"), request.headers.get("Accept"))
    lang = request_language(request, query)
    bound = bind_request(shared, query, request.args.to_dict(flat=False), lang)
    result = evaluate_bound(
        shared,
        bound,
        results_format=fmt.engine if fmt.kind != "graph" else None,
        graph_format=fmt.engine if fmt.kind == "graph" else None,
    )
    response = answer_response(bound, fmt, result, shared.catalogue.prefixes)
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Content-Language"] = bound.lang
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Orchkg-Limit-Result-Bytes"] = str(shared.settings.max_result_bytes)
    response.headers["X-Orchkg-Limit-Timeout"] = f"{shared.settings.query_timeout:g}"
    return response


@blueprint.get("/api/openapi.json")
def openapi() -> Response:
    shared = services()
    document = openapi_document(shared.catalogue, shared.store, request.url_root.rstrip("/"))
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type=content_type("application/json"),
    )
