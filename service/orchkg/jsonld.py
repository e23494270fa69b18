"""JSON-LD that reads as plain JSON: orchkg's context, and compaction with it.

The context gives every class and property of the vocabulary (``okg:``) a key of its
local name (``"dependsOn"``, ``"Component"``), a few common terms short keys
(``"label"``, ``"type"``, ``"id"``; labels and definitions as language maps), and
declares the project's prefixes. It is built from the vocabulary as the store holds
it (``ontology/orchkg.ttl``, resolved against the base IRI), so it cannot drift from
it, and it is published at ``/ontology/context.jsonld``.

Compaction reads the triples into rdflib and writes them with the context *inlined*:
a compacted document never names a remote context, so reading it back (here or
anywhere) fetches nothing. It holds the data in memory: for very large exports, the
expanded JSON-LD that pyoxigraph writes as it goes is the streaming choice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pyoxigraph as ox
import rdflib

from orchkg.namespaces import prefixes, vocabulary_iri
from orchkg.negotiation import parse_accept
from orchkg.store import Store

CONTEXT_PATH = "/ontology/context.jsonld"
COMPACTED_PROFILE = "http://www.w3.org/ns/json-ld#compacted"

JsonContext = dict[str, object]

_LANGUAGE_MAP = "@language"
COMMON_TERMS: Mapping[str, object] = {
    "id": "@id",
    "type": "@type",
    "label": {"@id": "rdfs:label", "@container": _LANGUAGE_MAP},
    "comment": {"@id": "rdfs:comment", "@container": _LANGUAGE_MAP},
    "prefLabel": {"@id": "skos:prefLabel", "@container": _LANGUAGE_MAP},
    "altLabel": {"@id": "skos:altLabel", "@container": _LANGUAGE_MAP},
    "definition": {"@id": "skos:definition", "@container": _LANGUAGE_MAP},
    "title": {"@id": "dcterms:title", "@container": _LANGUAGE_MAP},
    "description": {"@id": "dcterms:description", "@container": _LANGUAGE_MAP},
    "seeAlso": {"@id": "rdfs:seeAlso", "@type": "@id"},
    "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
}
"""Short keys for terms from other vocabularies that orchkg's data uses everywhere."""

_OWL = "http://www.w3.org/2002/07/owl#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CLASS_TYPES = (f"{_OWL}Class", f"{_RDFS}Class")
LINK_TYPES = (f"{_OWL}ObjectProperty",)
"""Properties whose values are IRIs: their keys take ``"@type": "@id"``."""
PROPERTY_TYPES = (
    *LINK_TYPES,
    f"{_OWL}DatatypeProperty",
    f"{_OWL}AnnotationProperty",
    f"{_RDF}Property",
)


def build_context(store: Store, base_iri: str) -> JsonContext:
    """The context for the vocabulary under ``base_iri`` as ``store`` holds it."""
    vocabulary = vocabulary_iri(base_iri)
    kinds = " ".join(f"<{kind}>" for kind in (*CLASS_TYPES, *PROPERTY_TYPES))
    result = store.query(
        "SELECT DISTINCT ?term ?kind WHERE { ?term a ?kind "
        f"VALUES ?kind {{ {kinds} }} FILTER(STRSTARTS(STR(?term), {json.dumps(vocabulary)})) }}"
    )
    assert isinstance(result, ox.QuerySolutions)
    links: set[str] = set()
    terms: set[str] = set()
    for row in result:
        term, kind = row["term"], row["kind"]
        assert isinstance(term, ox.NamedNode)
        assert isinstance(kind, ox.NamedNode)
        local = term.value[len(vocabulary) :]
        if not local or not all(ch.isalnum() or ch in "-_" for ch in local):
            continue  # no key of its own: it compacts to okg:local or stays a full IRI
        terms.add(local)
        if kind.value in LINK_TYPES:
            links.add(local)
    context: JsonContext = {**prefixes(base_iri), **COMMON_TERMS}
    for local in sorted(terms):
        context[local] = (
            {"@id": f"okg:{local}", "@type": "@id"} if local in links else f"okg:{local}"
        )
    return context


def context_document(context: JsonContext) -> bytes:
    """The context as the document published at ``CONTEXT_PATH``."""
    return json.dumps({"@context": context}, indent=2, ensure_ascii=False).encode() + b"\n"


def compact_graph(ntriples: bytes, context: JsonContext) -> bytes:
    """One graph's triples (N-Triples) as compacted JSON-LD, the context inlined."""
    graph = rdflib.Graph()
    graph.parse(data=ntriples, format="nt")
    return _serialize(graph, context)


def compact_dataset(nquads: bytes, context: JsonContext) -> bytes:
    """A dataset (N-Quads) as compacted JSON-LD: each named graph an object with ``@graph``."""
    dataset = rdflib.Dataset()
    dataset.parse(data=nquads, format="nquads")
    return _serialize(dataset, context)


def _serialize(graph: rdflib.Graph, context: JsonContext) -> bytes:
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    return text.encode("utf-8") + b"\n"


def wants_compacted(accept: str | None) -> bool:
    """Whether an Accept header asks for JSON-LD with the compacted profile.

    >>> wants_compacted('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"')
    True
    >>> wants_compacted("application/ld+json"), wants_compacted(None)
    (False, False)
    """
    for part in (accept or "").split(","):
        fields = [field.strip() for field in part.split(";")]
        ranges = parse_accept(fields[0])
        if not ranges or (ranges[0].type, ranges[0].subtype) != ("application", "ld+json"):
            continue
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "profile" and COMPACTED_PROFILE in value.strip('" ').split():
                return True
    return False
