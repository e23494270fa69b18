"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/data``.

A request names one graph, indirectly or directly:

    /data?graph=<IRI>     the named graph with that (absolute) IRI
    /data?default         the store's own default graph (not the union queries see)
    /data/<path>          the named graph whose IRI is this very URL
    /data                 POST only: a new graph under <base>graph/, told in Location

    GET, HEAD   the graph in a negotiated RDF format; 404 if it does not exist (JSON-LD
                with the compacted profile is compacted with orchkg's context)
    PUT         replace it with the body            201 created, 204 replaced
    POST        merge the body into it              201 created, 204 merged
    DELETE      drop it                             204, 404 if it does not exist

Reads are open; writes need the update token (``auth.authorise_write``). A body is
one RDF document in the format its Content-Type names, or (POST) multipart/form-data
whose parts are RDF files, each in the format of its Content-Type or, failing that,
its file name's extension. Bodies go through the store's atomic load: every part or
none, and a body that does not parse whole changes nothing. JSON-LD and RDF/XML bodies
are screened first (``orchkg.screening``: nesting, entity expansion); other bodies are
streamed into the load as they arrive, so memory does not grow with their size.
Relative IRIs in a body resolve against the service's base IRI, as when the content
folders are loaded. Graph IRIs are only ever names: nothing is fetched or opened because of one.
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from pathlib import PurePosixPath
from typing import IO, cast

from flask import Blueprint, Request, Response, request
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wsgi import LimitedStream

from orchkg import provenance
from orchkg.app import services
from orchkg.auth import authorise_write
from orchkg.content import graph_iri
from orchkg.errors import (
    ClientError,
    ForbiddenError,
    NotAcceptableError,
    NotFoundError,
    ResultTooLargeError,
    UnsupportedMediaTypeError,
)
from orchkg.formats import RDF_FORMATS, RdfFormat, rdf_format
from orchkg.headers import content_type, empty, etag
from orchkg.jsonld import build_context, compact_graph, wants_compacted
from orchkg.namespaces import prefixes
from orchkg.negotiation import choose
from orchkg.screening import SCREENED_FORMATS, BodyLimits
from orchkg.store import Part, check_graph_iri

blueprint = Blueprint("graph_store", __name__)

METHODS = ["GET", "PUT", "POST", "DELETE"]  # Flask adds HEAD to GET
MULTIPART = "multipart/form-data"
GRAPH_MEDIA_TYPES = [media for fmt in RDF_FORMATS for media in fmt.media_types]


@dataclasses.dataclass(frozen=True)
class Target:
    """The graph a request names: a named graph's IRI, or None for the default graph."""

    graph: str | None

    def __str__(self) -> str:
        return "the default graph" if self.graph is None else f"the graph <{self.graph}>"


def indirect_target(args: MultiDict[str, str], method: str) -> Target | None:
    """The graph named by ``?graph=`` or ``?default``; None for a POST naming neither.

    >>> indirect_target(MultiDict([("default", "")]), "GET")
    Target(graph=None)
    >>> indirect_target(MultiDict([("graph", "http://example.org/g")]), "PUT")
    Target(graph='http://example.org/g')
    >>> indirect_target(MultiDict(), "POST") is None
    True
    """
    graphs = args.getlist("graph")
    if graphs and "default" in args:
        raise ClientError("name the graph with ?graph=<IRI> or with ?default, not both")
    if len(graphs) > 1:
        raise ClientError(f"give exactly one 'graph' parameter, not {len(graphs)}")
    if "default" in args:
        return Target(None)
    if graphs:
        return Target(check_graph_iri(graphs[0]))
    if method == "POST":
        return None
    raise ClientError("name the graph: /data?graph=<absolute IRI> or /data?default")


def direct_target(url: str, path: str, args: MultiDict[str, str]) -> Target:
    """The graph whose IRI is the request URL ``url`` (``path`` is its part after /data/).

    >>> direct_target("http://h/data/person/1.ttl", "person/1.ttl", MultiDict())
    Target(graph='http://h/data/person/1.ttl')
    """
    if "graph" in args or "default" in args:
        raise ClientError("/data/<path> names its graph itself; ?graph and ?default go to /data")
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ClientError("a graph URL may not hold '.' or '..' segments")
    return Target(check_graph_iri(url))


def _charset_ok(params: dict[str, str], what: str) -> None:
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaTypeError(f"{what} must be UTF-8, not {charset}")


def media_format(media_type: str) -> RdfFormat | None:
    """The RDF format with this media type (media types only, not format names).

    >>> media_format("text/turtle").name
    'turtle'
    >>> media_format("turtle") is None
    True
    """
    lowered = media_type.lower()
    for fmt in RDF_FORMATS:
        if lowered in fmt.media_types:
            return fmt
    return None


def extension_format(filename: str) -> RdfFormat | None:
    """The RDF format a file name's extension tells (the name is never opened).

    >>> extension_format("../../etc/people.ttl").name
    'turtle'
    >>> extension_format("notes.txt") is None
    True
    """
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    for fmt in RDF_FORMATS:
        if suffix in fmt.extensions:
            return fmt
    return None


def _known_types() -> str:
    return ", ".join(fmt.media_type for fmt in RDF_FORMATS)


def body_format(media_type: str, params: dict[str, str]) -> RdfFormat:
    """The format of a request body, from its Content-Type (415 when unknown)."""
    _charset_ok(params, "the body")
    fmt = media_format(media_type)
    if fmt is None:
        shown = media_type or "no Content-Type"
        raise UnsupportedMediaTypeError(
            f"cannot read a body of {shown}; send one of {_known_types()} "
            f"(or {MULTIPART} with POST)"
        )
    return fmt


def part_format(storage: FileStorage) -> RdfFormat:
    """The format of one multipart part: its Content-Type, else its file name's extension."""
    shown = repr(storage.filename or storage.name)
    _charset_ok(dict(storage.mimetype_params), f"part {shown}")
    fmt = media_format(storage.mimetype) or extension_format(storage.filename or "")
    if fmt is None:
        raise UnsupportedMediaTypeError(
            f"part {shown}: neither its Content-Type ({storage.mimetype or 'none'}) nor its "
            f"file name tells an RDF format; use one of {_known_types()}"
        )
    return fmt


def request_parts(req: Request) -> list[Part]:
    """The RDF sources a write carries: the body, or each file of a multipart POST."""
    if req.mimetype != MULTIPART:
        fmt = body_format(req.mimetype, dict(req.mimetype_params))
        if fmt.name in SCREENED_FORMATS:  # read whole, to be screened first
            return [Part(io.BytesIO(req.get_data()), fmt, "request body")]
        return [Part(_streamed_body(req), fmt, "request body")]
    if req.method != "POST":
        raise UnsupportedMediaTypeError(f"{MULTIPART} is taken by POST only")
    if req.form:
        names = ", ".join(repr(name) for name in req.form)
        raise ClientError(f"parts {names} are not files: give every part a filename")
    files = list(req.files.items(multi=True))
    if not files:
        raise ClientError("the multipart body has no parts")
    return [
        Part(storage.stream, part_format(storage), f"part {storage.filename or name!r}")
        for name, storage in files
    ]


def _streamed_body(req: Request) -> IO[bytes]:
    """The body as a stream the load reads as it arrives.

    With a Content-Length, reading stops there: werkzeug's stream (limited to
    ``max_body_bytes``) would answer one more read of a body of exactly that size with 413.
    """
    if req.content_length is None:
        return req.stream
    return cast(IO[bytes], LimitedStream(req.stream, req.content_length))


class _LimitedBuffer(io.RawIOBase):
    """A byte sink that refuses to grow past the result limit."""

    def __init__(self, limit: int) -> None:
        self.buffer = io.BytesIO()
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.buffer.tell() + len(data) > self.limit:
            raise ResultTooLargeError(
                f"the graph is larger than the {self.limit:,}-byte result limit; "
                "query parts of it at /sparql"
            )
        return self.buffer.write(data)


@blueprint.route("/data", methods=METHODS)
def indirect() -> Response:
    return _handle(indirect_target(request.args, request.method))


@blueprint.route("/data/<path:path>", methods=METHODS)
def direct(path: str) -> Response:
    return _handle(direct_target(request.base_url, path, request.args))


def _handle(target: Target | None) -> Response:
    if target is None:
        return _write(None, replace=False)
    if request.method in ("GET", "HEAD"):
        return _read(target)
    if request.method == "DELETE":
        return _delete(target)
    return _write(target, replace=request.method == "PUT")


def _read(target: Target) -> Response:
    shared = services()
    media_type = choose(request.headers.get("Accept"), GRAPH_MEDIA_TYPES)
    if media_type is None:
        raise NotAcceptableError(f"a graph is sent as one of {_known_types()}")
    fmt = media_format(media_type)
    assert fmt is not None
    if target.graph is not None and not shared.store.has_graph(target.graph):
        raise NotFoundError(f"{target} does not exist here")
    compacted = fmt.name == "jsonld" and wants_compacted(request.headers.get("Accept"))
    tag = etag(shared.store.version, "graph-store", target.graph, fmt.name, compacted)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        sink = _LimitedBuffer(shared.settings.max_result_bytes)
        known = prefixes(shared.settings.base_iri) if fmt.name in ("turtle", "trig") else None
        written = rdf_format("ntriples") if compacted else fmt
        shared.store.export_graph(cast(IO[bytes], sink), written, target.graph, prefixes=known)
        body = sink.buffer.getvalue()
        if compacted:  # with orchkg's context inlined (JSON-LD's compacted profile)
            body = compact_graph(body, build_context(shared.store, shared.settings.base_iri))
        response = Response(body, content_type=content_type(fmt.media_type))
    response.set_etag(tag)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _not_the_records(target: Target) -> None:
    records = provenance.imports_graph(services().settings.base_iri)
    if target.graph == records:
        raise ForbiddenError(
            f"<{records}> holds the provenance records of the imported graphs; the server "
            "keeps it (it changes when those graphs are written or dropped)"
        )


def _write(target: Target | None, *, replace: bool) -> Response:
    authorise_write()
    if target is not None:
        _not_the_records(target)
    shared = services()
    started = provenance.now()
    parts = request_parts(request)
    graph = (
        graph_iri(shared.settings.base_iri, uuid.uuid4().hex) if target is None else target.graph
    )
    outcome = shared.store.load_parts(
        parts,
        graph=graph,
        base_iri=shared.settings.base_iri,
        replace=replace,
        single_graph=True,
        limits=BodyLimits(shared.settings.max_body_depth, shared.settings.max_body_bytes),
    )
    if graph is not None:
        activity = provenance.Activity(
            graph,
            f"Graph Store {request.method}",
            provenance.graph_store_agent(),
            f"{request.method} {request.full_path.rstrip('?')}: "
            + ", ".join(part.name for part in parts),
            ", ".join(sorted({part.fmt.media_type for part in parts})),
            started,
            provenance.now(),
        )
        provenance.record(shared.store, activity, shared.settings.base_iri, replace=replace)
    if graph is not None and graph in outcome.created:
        response = empty(201)
        response.headers["Location"] = graph
        return response
    return empty(204)


def _delete(target: Target) -> Response:
    authorise_write()
    _not_the_records(target)
    shared = services()
    if not shared.store.drop_graph(target.graph):
        raise NotFoundError(f"{target} does not exist here")
    if target.graph is not None:
        provenance.forget(shared.store, target.graph, shared.settings.base_iri)
    return empty(204)
