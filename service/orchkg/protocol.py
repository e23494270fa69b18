"""The SPARQL 1.1 Protocol's request rules as pure functions over a Flask request.

They decide which operation a request carries, with which dataset, and refuse
malformed requests with the status the protocol asks for.
"""

from __future__ import annotations

import dataclasses
import functools

from flask import Request
from werkzeug.datastructures import MultiDict

from orchkg.errors import ClientError, UnknownFormatError, UnsupportedMediaTypeError
from orchkg.formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format, results_format
from orchkg.negotiation import choose
from orchkg.store import check_graph_iri

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


@dataclasses.dataclass(frozen=True)
class Operation:
    text: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None


def _media_type(request: Request) -> str:
    return (request.mimetype or "").lower()


def _charset_ok(request: Request) -> None:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaTypeError(f"the body must be UTF-8, not {charset}")


def _body_text(request: Request, what: str) -> str:
    _charset_ok(request)
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ClientError(f"the {what} is not valid UTF-8 (byte {error.start})") from error


def _single(values: list[str], name: str) -> str:
    if len(values) != 1:
        raise ClientError(f"give exactly one {name!r} parameter, not {len(values)}")
    return values[0]


def _graphs(values: list[str]) -> tuple[str, ...] | None:
    """The graphs a dataset parameter names, each an absolute IRI (400 otherwise)."""
    return tuple(check_graph_iri(value) for value in values) if values else None


def query_operation(request: Request) -> Operation | None:
    """The query a request carries, or None for a GET with no query (the description)."""
    params: MultiDict[str, str]
    if request.method in ("GET", "HEAD"):
        if "update" in request.args:
            raise ClientError("an update was sent to the query operation; POST it to /update")
        if "query" not in request.args:
            return None
        text = _single(request.args.getlist("query"), "query")
        params = request.args
    elif _media_type(request) == FORM:
        _charset_ok(request)
        if "update" in request.form:
            raise ClientError("an update was sent to the query operation; POST it to /update")
        text = _single(request.form.getlist("query"), "query")
        params = request.form
    elif _media_type(request) == QUERY_TYPE:
        text = _body_text(request, "query")
        params = request.args
    elif _media_type(request) == UPDATE_TYPE:
        raise ClientError("an update was sent to the query operation; POST it to /update")
    else:
        shown = request.content_type or "no Content-Type"
        raise UnsupportedMediaTypeError(f"a query is POSTed as {FORM} or {QUERY_TYPE}, not {shown}")
    return Operation(
        text,
        _graphs(params.getlist("default-graph-uri")),
        _graphs(params.getlist("named-graph-uri")),
    )


def update_operation(request: Request) -> Operation:
    """The update a POST carries, with its using-graph-uri / using-named-graph-uri."""
    params: MultiDict[str, str]
    if _media_type(request) == FORM:
        _charset_ok(request)
        if "query" in request.form:
            raise ClientError("a query was sent to the update operation; use /sparql")
        text = _single(request.form.getlist("update"), "update")
        params = request.form
    elif _media_type(request) == UPDATE_TYPE:
        text = _body_text(request, "update")
        params = request.args
    else:
        shown = request.content_type or "no Content-Type"
        raise UnsupportedMediaTypeError(
            f"an update is POSTed as {FORM} or {UPDATE_TYPE}, not {shown}"
        )
    return Operation(
        text,
        _graphs(params.getlist("using-graph-uri")),
        _graphs(params.getlist("using-named-graph-uri")),
    )


_RESULT_TYPES = [media for fmt in RESULTS_FORMATS for media in fmt.media_types]
_GRAPH_TYPES = [media for fmt in RDF_FORMATS for media in fmt.media_types]


def _named_format(request: Request) -> str | None:
    """An Accept value built from a ``format=`` or ``output=`` parameter naming formats we know.

    One name may stand for a results format and an RDF format at once (``xml`` is SPARQL XML
    results for SELECT and RDF/XML for CONSTRUCT; ``json`` is SPARQL JSON or JSON-LD), as
    SPARQLWrapper uses them. Names we do not know are ignored: clients send their own.
    """
    params = request.args if request.method == "GET" else request.values  # GET: args only
    for name in ("format", "output"):
        value = params.get(name)
        if not value:
            continue
        media_types = []
        for finder in (results_format, rdf_format):
            try:
                media_types.append(finder(value).media_type)
            except UnknownFormatError:
                continue
        if media_types:
            return ", ".join(media_types)
    return None


def negotiate_formats(request: Request) -> tuple[str | None, str | None]:
    """(results format name, RDF format name) the client would take; either may be None."""
    named = _named_format(request)
    return _negotiated(named or request.headers.get("Accept"))


@functools.lru_cache(maxsize=512)
def _negotiated(accept: str | None) -> tuple[str | None, str | None]:
    """``negotiate_formats`` for one Accept value, remembered (a server sees few of them)."""
    results_media = choose(accept, _RESULT_TYPES)
    graph_media = choose(accept, _GRAPH_TYPES)
    return (
        results_format(results_media).name if results_media else None,
        rdf_format(graph_media).name if graph_media else None,
    )
