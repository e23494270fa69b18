"""The prefixes orchkg uses, in one place (the two project ones follow the base IRI)."""

from __future__ import annotations

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "doap": "http://usefulinc.com/ns/doap#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
}


XSD = STANDARD_PREFIXES["xsd"]
XSD_INTEGERS = frozenset(
    f"{XSD}{name}"
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
)
"""The XSD datatypes whose values are integers (xsd:integer and the types derived from it)."""


def vocabulary_iri(base_iri: str) -> str:
    return f"{base_iri}ontology#"


def resource_iri(base_iri: str) -> str:
    return f"{base_iri}resource/"


def prefixes(base_iri: str) -> dict[str, str]:
    """Every prefix, the project's first: ``okg`` (vocabulary), ``kg`` (resources)."""
    return {"okg": vocabulary_iri(base_iri), "kg": resource_iri(base_iri), **STANDARD_PREFIXES}


def compact(iri: str, known: dict[str, str]) -> str:
    """``prefix:local`` when a known namespace fits and the rest is a plain name, else ``<iri>``.

    >>> compact("https://w3id.org/orchkg/resource/etcd", prefixes("https://w3id.org/orchkg/"))
    'kg:etcd'
    >>> compact("http://example.org/a b", {})
    '<http://example.org/a b>'
    """
    for prefix, namespace in known.items():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local and all(ch.isalnum() or ch in "-_." for ch in local) and local[-1] != ".":
                return f"{prefix}:{local}"
    return f"<{iri}>"


def is_web_iri(iri: str) -> bool:
    """Whether an IRI may become a link: only http and https ones do (every page, table
    and drawing asks here, so no ``javascript:`` or ``data:`` IRI is ever a link).

    >>> is_web_iri("https://www.wikidata.org/wiki/Q22661306"), is_web_iri("javascript:alert(1)")
    (True, False)
    """
    lowered = iri.lower()
    return lowered.startswith(("http://", "https://")) and len(iri) > len("https://")


def sparql_prologue(base_iri: str) -> str:
    """PREFIX declarations for every known prefix."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes(base_iri).items())
