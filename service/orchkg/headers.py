"""Response header values shared by the routes: Content-Type with a charset, and ETags."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from flask import Response
from werkzeug.datastructures import Headers

TEXT_TYPES = (
    "text/",
    "application/sparql-results",
    "application/n-",
    "application/trig",
    "application/ld+json",
    "application/rdf+xml",
    "application/json",
    "application/xml",
)


def content_type(media_type: str) -> str:
    """The Content-Type for a media type: text formats say they are UTF-8.

    >>> content_type("text/turtle")
    'text/turtle; charset=utf-8'
    >>> content_type("application/octet-stream")
    'application/octet-stream'
    """
    if media_type.startswith(TEXT_TYPES):
        return f"{media_type}; charset=utf-8"
    return media_type


def etag(version: str, *parts: object) -> str:
    """An entity tag: the store version and a digest of what else shaped the body."""
    digest = hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]
    return f"{version}-{digest}"


def empty(status: int) -> Response:
    """A response without a body, and so without a Content-Type (201, 204)."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    return response


def append_valid(headers: Headers, pairs: Iterable[tuple[str, str]]) -> None:
    """Append headers that are valid by construction (this server's constants, numbers):
    werkzeug's check of each value for newlines is skipped, a microsecond a header on
    every answer. Never for a value that comes from a request."""
    headers._list.extend(pairs)
