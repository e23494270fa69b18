"""The RDF and SPARQL-results formats orchkg reads and writes, as one table.

Names are what users type (``--format turtle``); media types are what HTTP
negotiates; extensions are how files are recognised.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox

from orchkg.errors import UnknownFormatError


@dataclasses.dataclass(frozen=True)
class RdfFormat:
    name: str
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]
    engine: ox.RdfFormat
    datasets: bool

    @property
    def media_type(self) -> str:
        return self.media_types[0]


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat(
        "turtle", ("text/turtle", "application/x-turtle"), (".ttl",), ox.RdfFormat.TURTLE, False
    ),
    RdfFormat("ntriples", ("application/n-triples",), (".nt",), ox.RdfFormat.N_TRIPLES, False),
    RdfFormat("jsonld", ("application/ld+json",), (".jsonld", ".json"), ox.RdfFormat.JSON_LD, True),
    RdfFormat(
        "rdfxml", ("application/rdf+xml",), (".rdf", ".owl", ".xml"), ox.RdfFormat.RDF_XML, False
    ),
    RdfFormat("trig", ("application/trig",), (".trig",), ox.RdfFormat.TRIG, True),
    RdfFormat("nquads", ("application/n-quads",), (".nq",), ox.RdfFormat.N_QUADS, True),
)


@dataclasses.dataclass(frozen=True)
class ResultsFormat:
    name: str
    media_types: tuple[str, ...]
    engine: ox.QueryResultsFormat

    @property
    def media_type(self) -> str:
        return self.media_types[0]


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat(
        "json", ("application/sparql-results+json", "application/json"), ox.QueryResultsFormat.JSON
    ),
    ResultsFormat(
        "xml", ("application/sparql-results+xml", "application/xml"), ox.QueryResultsFormat.XML
    ),
    ResultsFormat("csv", ("text/csv",), ox.QueryResultsFormat.CSV),
    ResultsFormat("tsv", ("text/tab-separated-values",), ox.QueryResultsFormat.TSV),
)

_RDF_ALIASES = {
    "json": "jsonld",
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "json-ld": "jsonld",
    "xml": "rdfxml",
    "rdf/xml": "rdfxml",
    "nq": "nquads",
    "n-quads": "nquads",
}


def rdf_format(name: str) -> RdfFormat:
    """The RDF format called ``name`` (or one of its aliases or media types)."""
    key = _RDF_ALIASES.get(name.lower(), name.lower())
    for fmt in RDF_FORMATS:
        if key == fmt.name or key in fmt.media_types:
            return fmt
    known = ", ".join(fmt.name for fmt in RDF_FORMATS)
    raise UnknownFormatError(f"unknown RDF format {name!r}; known: {known}")


def rdf_format_for_path(path: str | Path) -> RdfFormat:
    """The RDF format of a file, from its extension (a trailing ``.gz`` is not supported)."""
    suffix = Path(path).suffix.lower()
    for fmt in RDF_FORMATS:
        if suffix in fmt.extensions:
            return fmt
    known = ", ".join(ext for fmt in RDF_FORMATS for ext in fmt.extensions)
    raise UnknownFormatError(
        f"{path}: cannot tell the RDF format from the extension {suffix!r}; known: {known} "
        "(or name it with --format)"
    )


def results_format(name: str) -> ResultsFormat:
    """The SPARQL results format called ``name`` or with that media type."""
    key = name.lower()
    for fmt in RESULTS_FORMATS:
        if key == fmt.name or key in fmt.media_types:
            return fmt
    known = ", ".join(fmt.name for fmt in RESULTS_FORMATS)
    raise UnknownFormatError(f"unknown results format {name!r}; known: {known}")
