"""One platform's architecture as plain data, for the exports to architecture tools.

``platform_model`` reads from the store what the Backstage catalog
(``orchkg.backstage``) and the Structurizr workspace (``orchkg.structurizr``) are made of:

* the *systems*: the platform and the platforms it is made of or built on
  (``okg:hasMember``, ``okg:builtOn``, transitively), as the platform views take them;
* the *parts*: everything ``okg:partOf`` a system, directly or through another part
  (components, and the APIs an import brought);
* each element's types, roles (``okg:hasRole``), labels and definitions in English and
  Korean, and the organisation that develops a system (``okg:developedBy``);
* the architecture relations (``rdfs:subPropertyOf+ okg:architectureRelation``) between
  two elements, except those that are attributes or point outside (the views' list:
  ``orchkg.diagrams.EXCLUDED_RELATIONS``);
* the components and platforms outside it that an element depends on (``okg:dependsOn``
  and its sub-properties), as *external* elements: references, not parts.

Other relations to things outside the platform (tools, abstractions, features, the other
platforms' counterparts) are not in the model.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

import pyoxigraph as ox

from orchkg.errors import NotFoundError
from orchkg.namespaces import STANDARD_PREFIXES, resource_iri, sparql_prologue, vocabulary_iri
from orchkg.store import Store

RDF_TYPE = STANDARD_PREFIXES["rdf"] + "type"
RDFS_LABEL = STANDARD_PREFIXES["rdfs"] + "label"
SKOS_DEFINITION = STANDARD_PREFIXES["skos"] + "definition"
WEB_API = STANDARD_PREFIXES["schema"] + "WebAPI"
"""The class of an API an import brought (Backstage kind API): ``schema:WebAPI``."""

EXCLUDED_RELATIONS = ("hasRole", "supportsFeature", "providesCapability", "developedBy", "usedBy")
"""Attributes or relations to things outside an architecture (as in ``orchkg.diagrams``)."""

_NAME = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")


@dataclasses.dataclass(frozen=True)
class Element:
    """A system or a part: its IRI, its types and roles (IRIs), its texts by language."""

    iri: str
    types: tuple[str, ...]
    roles: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    """(language, text) pairs, sorted."""
    definitions: tuple[tuple[str, str], ...]
    system: bool
    external: bool = False
    """Outside the platform: only what one of its elements depends on (a reference)."""

    def text(self, lang: str, definitions: bool = False) -> str | None:
        """The first label (or definition) in ``lang``, if any."""
        for language, value in self.definitions if definitions else self.labels:
            if language == lang:
                return value
        return None


@dataclasses.dataclass(frozen=True)
class PlatformModel:
    """A platform's elements (systems first, by IRI), relations and owners."""

    platform: str
    elements: dict[str, Element]
    relations: tuple[tuple[str, str, str], ...]
    """(subject, property, object) IRIs, sorted."""
    owners: dict[str, tuple[str, ...]]
    """System IRI -> the organisations that develop it."""
    property_labels: dict[str, str]
    """Property IRI -> its English label."""


def is_backstage_name(name: str) -> bool:
    """Whether Backstage accepts ``name`` as ``metadata.name``: 1 to 63 characters,
    runs of [a-zA-Z0-9] separated by single '-', '_' or '.'.

    >>> is_backstage_name("kube-apiserver"), is_backstage_name("-x"), is_backstage_name("a" * 64)
    (True, False, False)
    """
    return len(name) <= 63 and bool(_NAME.match(name))


def platform_iri(name: str, base_iri: str) -> str:
    """The IRI of the platform ``name`` (a local name under ``kg:``, or a full IRI)."""
    if "://" in name or name.startswith("urn:"):
        iri = name
    else:
        iri = resource_iri(base_iri) + name.removeprefix("kg:")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise NotFoundError(f"no platform named {name!r}") from None
    return iri


def _values(variable: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{variable} {{ {' '.join(str(ox.NamedNode(i)) for i in sorted(set(iris)))} }}"


def _rows(store: Store, sparql: str, base_iri: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    result = store.query(sparql_prologue(base_iri) + sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [variable.value for variable in result.variables]
    rows = []
    for solution in result:
        row = {}
        for name in names:
            value = solution[name]
            if isinstance(value, ox.NamedNode | ox.Literal):
                row[name] = value
        rows.append(row)
    return rows


def _texts(terms: Iterable[ox.NamedNode | ox.Literal]) -> tuple[tuple[str, str], ...]:
    """(language, text) of the English and Korean literals, sorted."""
    return tuple(
        sorted(
            (term.language or "", term.value)
            for term in terms
            if isinstance(term, ox.Literal) and term.language in ("en", "ko")
        )
    )


def platform_model(store: Store, platform: str, base_iri: str) -> PlatformModel:
    """The model of the platform with IRI ``platform`` (NotFoundError if it is none)."""
    systems = {
        row["part"].value
        for row in _rows(
            store,
            f"SELECT DISTINCT ?part WHERE {{ {_values('platform', [platform])} "
            "?platform (okg:hasMember|okg:builtOn)* ?part . ?part a okg:Platform }",
            base_iri,
        )
    }
    if platform not in systems:
        raise NotFoundError(f"<{platform}> is not a platform (an okg:Platform) in the graph")
    parts = {
        row["node"].value
        for row in _rows(
            store,
            f"SELECT DISTINCT ?node WHERE {{ {_values('system', systems)} "
            "?node okg:partOf+ ?system . FILTER(isIRI(?node)) }",
            base_iri,
        )
    } - systems
    nodes = systems | parts
    outside = [
        (row["s"].value, row["p"].value, row["o"].value)
        for row in _rows(
            store,
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ {_values('s', nodes)} "
            "?p rdfs:subPropertyOf* okg:dependsOn . ?s ?p ?o . FILTER(isIRI(?o)) "
            "{ ?o a okg:Component } UNION { ?o a okg:Platform } }",
            base_iri,
        )
        if row["o"].value not in nodes
    ]
    external = {target for _, _, target in outside}
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {
        iri: {} for iri in nodes | external
    }
    for row in _rows(
        store,
        f"SELECT ?node ?p ?o WHERE {{ {_values('node', nodes | external)} ?node ?p ?o . "
        "FILTER(?p IN (rdf:type, rdfs:label, skos:definition, okg:hasRole)) }",
        base_iri,
    ):
        facts[row["node"].value].setdefault(row["p"].value, []).append(row["o"])
    okg = vocabulary_iri(base_iri)
    excluded = ", ".join(f"okg:{name}" for name in EXCLUDED_RELATIONS)
    relations = sorted(
        set(outside)
        | {
            (row["s"].value, row["p"].value, row["o"].value)
            for row in _rows(
                store,
                f"SELECT ?s ?p ?o WHERE {{ {_values('s', nodes)} {_values('o', nodes)} "
                "?s ?p ?o . ?p rdfs:subPropertyOf+ okg:architectureRelation . "
                f"FILTER(?p NOT IN ({excluded})) }}",
                base_iri,
            )
        }
    )
    owners: dict[str, list[str]] = {}
    for row in _rows(
        store,
        f"SELECT ?system ?org WHERE {{ {_values('system', systems)} "
        "?system okg:developedBy ?org . ?org a okg:Organisation }",
        base_iri,
    ):
        owners.setdefault(row["system"].value, []).append(row["org"].value)
    labels: dict[str, str] = {}
    properties = {p for _, p, _ in relations}
    if properties:
        for row in _rows(
            store,
            f"SELECT ?p ?label WHERE {{ {_values('p', properties)} ?p rdfs:label ?label "
            'FILTER(langMatches(lang(?label), "en")) }',
            base_iri,
        ):
            labels.setdefault(row["p"].value, row["label"].value)
    elements = {}
    okg_platform = okg + "Platform"
    for iri in sorted(systems) + sorted(parts) + sorted(external):
        found = facts[iri]
        types = {t.value for t in found.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)}
        elements[iri] = Element(
            iri=iri,
            types=tuple(
                sorted(t.value for t in found.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode))
            ),
            roles=tuple(
                sorted(
                    r.value for r in found.get(okg + "hasRole", []) if isinstance(r, ox.NamedNode)
                )
            ),
            labels=_texts(found.get(RDFS_LABEL, [])),
            definitions=_texts(found.get(SKOS_DEFINITION, [])),
            system=iri in systems or (iri in external and okg_platform in types),
            external=iri in external,
        )
    return PlatformModel(
        platform=platform,
        elements=elements,
        relations=tuple(relations),
        owners={iri: tuple(sorted(orgs)) for iri, orgs in owners.items()},
        property_labels=labels,
    )
