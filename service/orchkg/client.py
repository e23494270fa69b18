"""A Python client for an orchkg server: SPARQL queries and canned questions, as Python values.

    >>> client = Client("http://127.0.0.1:8000")                    # doctest: +SKIP
    >>> client.query("ASK { kg:marathon okg:runsOn kg:mesos }")     # doctest: +SKIP
    True

``query`` sends SPARQL to ``/sparql`` (the SPARQL 1.1 Protocol, a form POST) and gives
a ``Rows`` list for a SELECT (one dict per solution, every variable a key, ``None``
where unbound), a ``bool`` for an ASK, and a list of ``Triple`` for a CONSTRUCT or a
DESCRIBE. ``canned`` runs a canned question through ``/api/queries/<name>`` with its
parameters (a list or tuple for a list parameter), ``queries`` lists them, ``update``
sends SPARQL Update with the client's token. See docs/client.md.

Values become Python values by their datatype (``python_value``): IRIs are ``IRI``
(a ``str``), texts ``str``, texts with a language ``LangString`` (a ``str`` with
``.lang``), ``xsd:integer`` and its kin ``int``, ``xsd:decimal`` ``Decimal``,
``xsd:double``/``float`` ``float``, ``xsd:boolean`` ``bool``, ``xsd:date``,
``xsd:dateTime`` and ``xsd:time`` the ``datetime`` types; blank nodes are ``BlankNode``,
and a literal of another datatype (or one whose text is not valid for its datatype)
stays a ``Literal`` with its text and datatype.

The requests are the ones SPARQLWrapper builds (query form detection, the protocol's
parameters, headers), sent with urllib as SPARQLWrapper sends them, one connection per
request. Errors are ``orchkg.errors.RemoteError`` and its subclasses, one per status,
each carrying the server's own message: SPARQLWrapper folds that message into the text
of its exceptions (or re-raises urllib's), so the client reads the answer itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeAlias
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from SPARQLWrapper import CONSTRUCT, DESCRIBE, JSON, POST, TURTLE, SPARQLWrapper

from orchkg import __version__
from orchkg.errors import (
    RemoteBadGatewayError,
    RemoteBadRequestError,
    RemoteError,
    RemoteForbiddenError,
    RemoteGatewayTimeoutError,
    RemoteNotAcceptableError,
    RemoteNotFoundError,
    RemoteServerError,
    RemoteStatusError,
    RemoteTimeoutError,
    RemoteTooLargeError,
    RemoteUnauthorisedError,
    RemoteUnavailableError,
    RemoteUnreachableError,
)
from orchkg.namespaces import XSD, XSD_INTEGERS

__all__ = [
    "IRI",
    "BlankNode",
    "CannedQueryInfo",
    "Client",
    "LangString",
    "Literal",
    "ParameterInfo",
    "RemoteError",
    "Rows",
    "Triple",
    "Value",
    "python_value",
]

RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
ACCEPT = "application/sparql-results+json, application/n-triples, application/json;q=0.1"
"""What the client accepts: solutions and booleans as SPARQL JSON, graphs as N-Triples; an
error (the server's one error body) then comes as JSON."""


class IRI(str):
    """An IRI: a ``str`` that says it is one.

    >>> IRI("https://w3id.org/orchkg/resource/etcd")
    IRI('https://w3id.org/orchkg/resource/etcd')
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


class LangString(str):
    """A text with a language tag: a ``str`` with ``lang``.

    >>> text = LangString("메소스", "ko")
    >>> text, text.lang, text == "메소스"
    (LangString('메소스', 'ko'), 'ko', True)
    """

    __slots__ = ("lang",)
    lang: str

    def __new__(cls, value: str, lang: str) -> LangString:
        made = super().__new__(cls, value)
        made.lang = lang
        return made

    def __repr__(self) -> str:
        return f"LangString({str.__repr__(self)}, {self.lang!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LangString):
            return str(self) == str(other) and self.lang.lower() == other.lang.lower()
        return str.__eq__(self, other)

    def __hash__(self) -> int:
        return str.__hash__(self)


@dataclasses.dataclass(frozen=True)
class BlankNode:
    """A blank node, by the label the answer gave it (labels hold within one answer)."""

    id: str


@dataclasses.dataclass(frozen=True)
class Literal:
    """A literal the client does not turn into a Python value: its text and datatype."""

    value: str
    datatype: str


Value: TypeAlias = (
    IRI
    | BlankNode
    | LangString
    | Literal
    | str
    | int
    | float
    | Decimal
    | bool
    | dt.date
    | dt.datetime
    | dt.time
)


class Rows(list[dict[str, Value | None]]):
    """The solutions of a SELECT: one dict per solution, in the answer's order, each with
    every variable of the answer (``None`` where unbound); ``variables`` names them."""

    def __init__(self, variables: Sequence[str], rows: Iterable[dict[str, Value | None]] = ()):
        super().__init__(rows)
        self.variables = tuple(variables)


class Triple(NamedTuple):
    """A triple of a CONSTRUCT or DESCRIBE answer, with Python values."""

    subject: IRI | BlankNode
    predicate: IRI
    object: Value


@dataclasses.dataclass(frozen=True)
class ParameterInfo:
    """One parameter of a canned query, as the server's catalogue describes it."""

    name: str
    type: str
    required: bool
    is_list: bool
    default: str | list[str] | None
    description: str
    allowed: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class CannedQueryInfo:
    """One canned query of the server's catalogue."""

    name: str
    title: str
    description: str
    form: str
    parameters: tuple[ParameterInfo, ...]
    example: dict[str, list[str]]


def python_value(text: str, datatype: str | None = None, lang: str | None = None) -> Value:
    """A literal as a Python value by its datatype; a text it cannot read stays a ``Literal``.

    >>> python_value("5000", XSD + "integer"), python_value("1.50", XSD + "decimal")
    (5000, Decimal('1.50'))
    >>> python_value("2017-03-29", XSD + "date"), python_value("true", XSD + "boolean")
    (datetime.date(2017, 3, 29), True)
    >>> python_value("HA", lang="en"), python_value("many", XSD + "integer")
    (LangString('HA', 'en'), Literal(value='many', datatype='http://www.w3.org/2001/XMLSchema#integer'))
    """
    if lang:
        return LangString(text, lang)
    if datatype is None or datatype == f"{XSD}string":
        return text
    try:
        if datatype in XSD_INTEGERS:
            return int(text)
        if datatype == f"{XSD}decimal":
            return Decimal(text)
        if datatype in (f"{XSD}double", f"{XSD}float"):
            return float(text)
        if datatype == f"{XSD}boolean":
            if text in ("true", "1", "false", "0"):
                return text in ("true", "1")
        elif datatype == f"{XSD}dateTime":
            return dt.datetime.fromisoformat(text)
        elif datatype == f"{XSD}date":
            return dt.date.fromisoformat(text)
        elif datatype == f"{XSD}time":
            return dt.time.fromisoformat(text)
    except (ValueError, InvalidOperation):
        pass
    return Literal(text, datatype)


def _binding_value(binding: Mapping[str, str]) -> Value:
    """One term of a SPARQL JSON results document."""
    kind = binding["type"]
    if kind == "uri":
        return IRI(binding["value"])
    if kind == "bnode":
        return BlankNode(binding["value"])
    return python_value(binding["value"], binding.get("datatype"), binding.get("xml:lang"))


def _term_value(term: object) -> Value:
    """One term parsed by pyoxigraph."""
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.BlankNode):
        return BlankNode(term.value)
    if isinstance(term, ox.Literal):
        return python_value(term.value, term.datatype.value, term.language)
    return Literal(str(term), "")  # an RDF 1.2 triple term: kept as its text


def solutions(document: Mapping[str, Any]) -> Rows | bool:
    """A SPARQL JSON results document as ``Rows``, or a ``bool`` for an ASK's answer."""
    if "boolean" in document:
        return bool(document["boolean"])
    variables: list[str] = list(document["head"].get("vars", []))
    return Rows(
        variables,
        (
            {name: _binding_value(b[name]) if name in b else None for name in variables}
            for b in document["results"]["bindings"]
        ),
    )


def triples(body: bytes) -> list[Triple]:
    """An N-Triples document as ``Triple``s."""
    found: list[Triple] = []
    for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
        subject = _term_value(quad.subject)
        assert isinstance(subject, IRI | BlankNode)
        found.append(Triple(subject, IRI(quad.predicate.value), _term_value(quad.object)))
    return found


_STATUS_ERRORS: dict[int, type[RemoteStatusError]] = {
    400: RemoteBadRequestError,
    401: RemoteUnauthorisedError,
    403: RemoteForbiddenError,
    404: RemoteNotFoundError,
    406: RemoteNotAcceptableError,
    413: RemoteTooLargeError,
    500: RemoteServerError,
    502: RemoteBadGatewayError,
    503: RemoteUnavailableError,
    504: RemoteGatewayTimeoutError,
}


def status_error(status: int, body: bytes, media_type: str, url: str) -> RemoteStatusError:
    """The exception for an error answer, with the server's message (orchkg's one error
    body: JSON ``{"error": {"message"}}`` or ``<status> <title>: <message>``).

    >>> error = status_error(404, b'{"error": {"message": "no query named x"}}',
    ...                      "application/json", "http://h/api/queries/x")
    >>> type(error).__name__, error.status, error.message
    ('RemoteNotFoundError', 404, 'no query named x')
    """
    text = body.decode("utf-8", "replace").strip()
    message = text
    if media_type.startswith("application/json"):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            message = str(json.loads(text)["error"]["message"])
    elif text.startswith(f"{status} ") and ": " in text:
        message = text.split(": ", 1)[1]
    message = message or f"the server answered {status} without a message"
    kind = _STATUS_ERRORS.get(status, RemoteStatusError)
    return kind(message, url=url, status=status)


class Client:
    """A client of one orchkg server, at ``base_url`` (``http://host:port``, no path).

    ``timeout`` bounds each wait for the server (connecting, and each read of the answer),
    in seconds; ``token`` is sent as ``Authorization: Bearer`` with every request (only
    updates and Graph Store writes need it).
    """

    def __init__(self, base_url: str, *, timeout: float = 30.0, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token

    # -- the operations -----------------------------------------------------------------

    def query(self, sparql: str) -> Rows | bool | list[Triple]:
        """Run a SPARQL query: ``Rows`` for a SELECT, ``bool`` for an ASK, ``Triple``s for
        a CONSTRUCT or a DESCRIBE. The server's predeclared prefixes (``kg:``, ``okg:``,
        ``rdfs:`` ...) may be used without declaring them."""
        wrapper = self._wrapper(sparql)
        wrapper.setReturnFormat(TURTLE if wrapper.queryType in (CONSTRUCT, DESCRIBE) else JSON)
        return self._answer(wrapper._createRequest())  # SPARQLWrapper's request, sent here

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update at ``/update`` with the client's token."""
        wrapper = self._wrapper(sparql, update=True)
        wrapper.setReturnFormat(JSON)
        self._send(wrapper._createRequest())  # SPARQLWrapper's request, sent here

    def canned(self, name: str, /, **params: object) -> Rows | bool | list[Triple]:
        """Run the canned query ``name`` with its parameters: a value is a ``str``
        (``kg:etcd``, a full IRI, a text), a number or a ``bool``; a list parameter takes a
        list or tuple of them. ``lang="ko"`` asks for Korean labels."""
        pairs: list[tuple[str, str]] = []
        for key, value in params.items():
            items = value if isinstance(value, list | tuple) else [value]
            pairs.extend((key, _parameter_text(item)) for item in items)
        url = f"{self.base_url}/api/queries/{quote(name, safe='')}"
        if pairs:
            url += "?" + urlencode(pairs)
        return self._answer(self._request(url))

    def queries(self, lang: str = "en") -> list[CannedQueryInfo]:
        """The server's canned queries, with their parameters (allowed values' labels in
        ``lang``)."""
        url = f"{self.base_url}/api/queries?{urlencode({'lang': lang})}"
        _, body = self._send(self._request(url, accept="application/json"))
        return [_query_info(entry) for entry in json.loads(body)["queries"]]

    # -- HTTP -----------------------------------------------------------------------------

    def _wrapper(self, sparql: str, *, update: bool = False) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(
            self.base_url + "/sparql",
            updateEndpoint=self.base_url + ("/update" if update else "/sparql"),
            agent=f"orchkg-client/{__version__}",
        )
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)  # no format= parameters: the Accept header says it
        wrapper.setQuery(sparql)
        wrapper.addCustomHttpHeader("Accept", ACCEPT)
        if self.token:
            wrapper.addCustomHttpHeader("Authorization", f"Bearer {self.token}")
        return wrapper

    def _request(self, url: str, *, accept: str = ACCEPT) -> urllib.request.Request:
        headers = {"Accept": accept, "User-Agent": f"orchkg-client/{__version__}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(url, headers=headers)  # noqa: S310 -- http(s) only

    def _answer(self, request: urllib.request.Request) -> Rows | bool | list[Triple]:
        media_type, body = self._send(request)
        if media_type == "application/n-triples":
            return triples(body)
        if media_type in ("application/sparql-results+json", "application/json"):
            return solutions(json.loads(body))
        raise RemoteError(f"unexpected answer of type {media_type!r}", url=request.full_url)

    def _send(self, request: urllib.request.Request) -> tuple[str, bytes]:
        """Send a request; the answer's media type and body, or the matching RemoteError."""
        url = request.full_url
        if not url.startswith(("http://", "https://")):
            raise RemoteUnreachableError(f"not an http(s) URL: {url}", url=url)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body: bytes = response.read()
                return response.headers.get_content_type(), body
        except urllib.error.HTTPError as error:
            with error:
                raise status_error(
                    error.code, error.read(), error.headers.get_content_type(), url
                ) from None
        except urllib.error.URLError as error:
            raise _connection_error(error.reason, url) from None
        except (TimeoutError, OSError, http.client.HTTPException) as error:
            raise _connection_error(error, url) from None


def _connection_error(reason: object, url: str) -> RemoteError:
    if isinstance(reason, TimeoutError | socket.timeout):
        return RemoteTimeoutError(f"no answer from {url} within the client's timeout", url=url)
    if isinstance(reason, ConnectionRefusedError):
        return RemoteUnreachableError(f"cannot connect to {url}: connection refused", url=url)
    if isinstance(reason, socket.gaierror):
        return RemoteUnreachableError(f"cannot connect to {url}: unknown host", url=url)
    return RemoteUnreachableError(f"no answer from {url}: {reason}", url=url)


def _parameter_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _query_info(entry: Mapping[str, Any]) -> CannedQueryInfo:
    parameters = tuple(
        ParameterInfo(
            name=param["name"],
            type=param["type"],
            required=bool(param["required"]),
            is_list=bool(param["list"]),
            default=param.get("default"),
            description=param.get("description") or "",
            allowed=tuple(choice["value"] for choice in param.get("allowed", ())),
        )
        for param in entry["parameters"]
    )
    return CannedQueryInfo(
        name=entry["name"],
        title=entry["title"],
        description=entry.get("description") or "",
        form=entry["form"],
        parameters=parameters,
        example=dict(entry.get("example") or {}),
    )
