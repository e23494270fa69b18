"""Linked data: every IRI under the base resolves on this server (W3C "Cool URIs").

Slash IRIs, 303 See Other by content negotiation (``docs/linked-data.md``)::

    <base>resource/<local>    GET /resource/<local>  303 -> /page/<local>         (HTML)
                                                     303 -> /resource/<local>.ttl (RDF)
                              GET /resource/<local>.ttl | .jsonld | .nt | .rdf   200, RDF
    <base>ontology#Term       GET /ontology          the documentation page (HTML), or
                                                     303 -> the ontology's graph (RDF)
    <base>graph/<stem>        GET /graph/<stem>      303 -> /resources?graph=<stem> (HTML)
                                                     303 -> /data?graph=<IRI>       (RDF)
    <base>query/<name>        GET /query/<name>      303 -> /queries/<name>         (HTML)
                                                     303 -> /query/<name>.ttl       (RDF)
    <base>shapes              GET /shapes            303 -> /ontology#section-shapes (HTML)
                                                     303 -> /data?graph=<its graph> (RDF)
    <base>ontology/context.jsonld                    orchkg's JSON-LD context (``jsonld``)

The request path is mapped to the IRI from the ``base_iri`` setting, never from the
host the request reached: ``/resource/etcd`` is ``<base>resource/etcd`` whether the
base is this server, a proxy in front of it or w3id.org. The pure functions below do
the mapping both ways and the negotiation; the handlers stay thin.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, request

from orchkg.app import services
from orchkg.errors import NotAcceptableError, NotFoundError
from orchkg.formats import RdfFormat, rdf_format
from orchkg.headers import content_type, etag
from orchkg.jsonld import CONTEXT_PATH, build_context, context_document
from orchkg.namespaces import is_web_iri, resource_iri, vocabulary_iri
from orchkg.negotiation import choose
from orchkg.store import Store

blueprint = Blueprint("linked_data", __name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
RDF_NAMES = ("turtle", "jsonld", "ntriples", "rdfxml")
"""The RDF formats a description is offered in, Turtle first (for ``*/*`` after HTML)."""
EXTENSIONS = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "ntriples", ".rdf": "rdfxml"}
EXTENSION_OF = {name: extension for extension, name in EXTENSIONS.items()}
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
JSONLD = "application/ld+json"


def offers() -> list[str]:
    """The media types a resolvable IRI answers in: HTML first, then the RDF formats."""
    return [*HTML_TYPES, *(rdf_format(name).media_type for name in RDF_NAMES)]


def negotiate(accept: str | None) -> RdfFormat | None:
    """The RDF format the client prefers, or None when it prefers HTML.

    >>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8") is None
    True
    >>> negotiate("text/turtle").name
    'turtle'
    >>> negotiate("application/ld+json;q=0.9, application/rdf+xml;q=0.5").name
    'jsonld'
    """
    chosen = choose(accept, offers())
    if chosen is None:
        raise NotAcceptableError(
            "this IRI is described as HTML, Turtle, JSON-LD, N-Triples or RDF/XML; "
            f"nothing of {accept!r}"
        )
    if chosen in HTML_TYPES:
        return None
    return next(rdf_format(name) for name in RDF_NAMES if rdf_format(name).media_type == chosen)


def split_extension(name: str) -> tuple[str, RdfFormat | None]:
    """A local name and the RDF format its extension asks for (``etcd.ttl``).

    >>> split_extension("etcd.ttl")[0], split_extension("etcd.ttl")[1].name
    ('etcd', 'turtle')
    >>> split_extension("etcd")
    ('etcd', None)
    """
    for extension, fmt in EXTENSIONS.items():
        if name.endswith(extension) and len(name) > len(extension):
            return name[: -len(extension)], rdf_format(fmt)
    return name, None


def local_path(local: str) -> str:
    """A local name as a URL path segment (kept readable; unsafe characters escaped).

    >>> local_path("kube-apiserver"), local_path("a b?c")
    ('kube-apiserver', 'a%20b%3Fc')
    """
    return quote(local, safe=_SAFE_PATH)


def link_for(iri: str, base_iri: str, *, root: str = "", lang: str | None = None) -> str | None:
    """Where a page links for an IRI: this server's page for an IRI under the base (with
    the page language kept), the IRI itself for other http(s) IRIs, else None.

    >>> base = "https://w3id.org/orchkg/"
    >>> link_for(base + "resource/etcd", base, lang="ko")
    '/page/etcd?lang=ko'
    >>> link_for(base + "ontology#runsOn", base, root="/kg")
    '/kg/ontology#runsOn'
    >>> link_for(base + "graph/kubernetes", base)
    '/graph/kubernetes'
    >>> link_for("http://www.wikidata.org/entity/Q22661306", base)
    'http://www.wikidata.org/entity/Q22661306'
    >>> link_for("urn:x:y", base) is None
    True
    """
    suffix = f"?{urlencode({'lang': lang})}" if lang else ""
    if iri.startswith(base_iri) and is_web_iri(base_iri):
        rest = iri[len(base_iri) :]
        resources = resource_iri(base_iri)[len(base_iri) :]
        vocabulary = vocabulary_iri(base_iri)[len(base_iri) :]
        if rest.startswith(resources) and len(rest) > len(resources):
            return f"{root}/page/{local_path(rest[len(resources) :])}{suffix}"
        if rest.startswith(vocabulary) or rest == vocabulary.rstrip("#"):
            term = rest[len(vocabulary) :]
            return f"{root}/ontology{suffix}" + (f"#{quote(term, safe='-._~')}" if term else "")
        if rest.startswith("query/") and len(rest) > len("query/"):
            return f"{root}/queries/{local_path(rest[len('query/') :])}{suffix}"
        head, _, tail = rest.partition("#")
        return f"{root}/{local_path(head)}" + (f"#{quote(tail, safe='-._~')}" if tail else "")
    return iri if is_web_iri(iri) else None


def iri_named(iri: str) -> str:
    """The IRI a URL path names, if it is one: a path that cannot form an IRI (a space, a
    NUL, a quote) names nothing here, so it is a 404, never an error of the engine's.

    >>> iri_named("https://w3id.org/orchkg/resource/etcd")
    'https://w3id.org/orchkg/resource/etcd'
    """
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise NotFoundError(f"nothing here is called {iri[:300]!r}") from None
    return iri


def exists(store: Store, iri: str) -> bool:
    """Whether the IRI is the subject or the object of any triple."""
    term = str(ox.NamedNode(iri))
    result = store.query(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}")
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def description(store: Store, iri: str) -> list[ox.Triple]:
    """What the graph says about an IRI: every triple it is the subject or the object of,
    and the triples of the blank nodes it points to (a symmetric concise description)."""
    term = str(ox.NamedNode(iri))
    result = store.query(
        f"""CONSTRUCT {{ {term} ?p ?o . ?o ?q ?v . ?s ?r {term} }} WHERE {{
            {{ {term} ?p ?o OPTIONAL {{ ?o ?q ?v FILTER(isBlank(?o)) }} }}
            UNION {{ ?s ?r {term} }}
        }}"""
    )
    assert isinstance(result, ox.QueryTriples)
    return sorted(result, key=str)


def serialise(triples: list[ox.Triple], fmt: RdfFormat, known: dict[str, str]) -> bytes:
    """Triples in one RDF format, with the known prefixes where the format has them."""
    if fmt.name in ("turtle", "rdfxml"):
        written = ox.serialize(triples, format=fmt.engine, prefixes=known)
    else:
        written = ox.serialize(triples, format=fmt.engine)
    assert written is not None
    return written


def _see_other(location: str) -> Response:
    response = Response(f"See {location}\n", status=303, mimetype="text/plain")
    response.headers["Location"] = location
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _query_suffix() -> str:
    raw = request.query_string.decode("latin-1")
    return f"?{raw}" if raw else ""


def rdf_response(iri: str, fmt: RdfFormat) -> Response:
    """The description of an IRI in one format (404 when the graph says nothing of it)."""
    shared = services()
    triples = description(shared.store, iri)
    if not triples:
        raise NotFoundError(f"the graph says nothing about <{iri}>")
    body = serialise(triples, fmt, shared.store.prefixes)
    response = Response(body, content_type=content_type(fmt.media_type))
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(f"{shared.store.version}-{fmt.name}")
    response.make_conditional(request)
    return response


def _resolve(folder: str, name: str, html_location: str) -> Response:
    """The handler shared by ``/resource/`` and ``/query/``: a described IRI gets a 303 by
    negotiation, a name with an RDF extension gets the description itself."""
    shared = services()
    base = shared.settings.base_iri
    root = request.script_root
    iri = iri_named(f"{base}{folder}/{name}")
    if exists(shared.store, iri):
        fmt = negotiate(request.headers.get("Accept"))
        if fmt is None:
            return _see_other(html_location)
        extension = EXTENSION_OF[fmt.name]
        return _see_other(f"{root}/{folder}/{local_path(name)}{extension}")
    stem, fmt = split_extension(name)
    if fmt is not None:
        return rdf_response(f"{base}{folder}/{stem}", fmt)
    raise NotFoundError(f"the graph says nothing about <{iri}>")


@blueprint.get("/resource/<path:name>")
def resource(name: str) -> Response:
    root = request.script_root
    return _resolve("resource", name, f"{root}/page/{local_path(name)}{_query_suffix()}")


@blueprint.get("/query/<path:name>")
def query(name: str) -> Response:
    shared = services()
    root = request.script_root
    html = (
        f"{root}/queries/{local_path(name)}"
        if name in shared.catalogue
        else f"{root}/sparql-editor"
    )
    return _resolve("query", name, html)


@blueprint.get("/shapes")
def shapes() -> Response:
    """``<base>shapes``, the SHACL shapes' ontology: their section of the ontology page, or
    the graph that holds them."""
    shared = services()
    iri = f"{shared.settings.base_iri}shapes"
    root = request.script_root
    if negotiate(request.headers.get("Accept")) is None:
        return _see_other(f"{root}/ontology{_query_suffix()}#section-shapes")
    found = shared.store.query(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ {ox.NamedNode(iri)} ?p ?o }} }} LIMIT 1"
    )
    assert isinstance(found, ox.QuerySolutions)
    for row in found:
        graph = row["g"]
        assert isinstance(graph, ox.NamedNode)
        return _see_other(f"{root}/data?{urlencode({'graph': graph.value})}")
    raise NotFoundError(f"the graph says nothing about <{iri}>")


@blueprint.get("/graph/<path:stem>")
def graph(stem: str) -> Response:
    shared = services()
    iri = f"{shared.settings.base_iri}graph/{stem}"
    if not shared.store.has_graph(iri):
        raise NotFoundError(f"there is no graph <{iri}>")
    root = request.script_root
    if negotiate(request.headers.get("Accept")) is None:
        return _see_other(f"{root}/resources?{urlencode({'graph': stem})}")
    return _see_other(f"{root}/data?{urlencode({'graph': iri})}")


@blueprint.get(CONTEXT_PATH)
def jsonld_context() -> Response:
    """orchkg's JSON-LD context, built from the vocabulary the store holds."""
    shared = services()
    tag = etag(shared.store.version, "jsonld-context")
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        context = build_context(shared.store, shared.settings.base_iri)
        response = Response(context_document(context), content_type=content_type(JSONLD))
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"  # JSON-LD processors in browsers
    return response
