"""What the browsing pages show, as data: one context dict per page, for HTML and JSON.

    resource_context    a resource: labels, definitions, types, relations out and in
                        grouped by property, claims per platform, sources, Wikidata
    index_context       the resources, grouped by kind (platforms, components, ...)
    ontology_context    the vocabulary: classes, properties, concepts, shapes
    comparison_context  the seed's comparison as one matrix: dimensions x platforms
    home_context        what is in the graph, in figures

Every term is shown as a small dict (``Shower.term``): its text (the label in the
page's language, else English, else the compact IRI), the language of that text, and
a link only for an http(s) IRI. The functions read the store directly: each query is
small and bounded by the graph's own shape, and IRIs are written into query text only
as pyoxigraph-checked ``NamedNode``s.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from orchkg.linked_data import link_for
from orchkg.namespaces import (
    STANDARD_PREFIXES,
    compact,
    is_web_iri,
    prefixes,
    resource_iri,
    vocabulary_iri,
)
from orchkg.store import Store

RDF = STANDARD_PREFIXES["rdf"]
RDFS = STANDARD_PREFIXES["rdfs"]
OWL = STANDARD_PREFIXES["owl"]
SKOS = STANDARD_PREFIXES["skos"]
PROV = STANDARD_PREFIXES["prov"]
DCTERMS = STANDARD_PREFIXES["dcterms"]
SCHEMA = STANDARD_PREFIXES["schema"]
SH = STANDARD_PREFIXES["sh"]
XSD = STANDARD_PREFIXES["xsd"]
WIKIDATA = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/")

LABELS = (f"{RDFS}label", f"{SKOS}prefLabel")
DEFINITIONS = (f"{SKOS}definition", f"{RDFS}comment")

Term = dict[str, Any]


def _nn(iri: str) -> str:
    """An IRI as SPARQL text, checked by pyoxigraph (no quote or bracket can slip in)."""
    return str(ox.NamedNode(iri))


def _values(variable: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{variable} {{ {' '.join(_nn(iri) for iri in iris)} }}"


def select(store: Store, sparql: str) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
    """The rows of a SELECT, each a dict of its bound variables."""
    result = store.query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [variable.value for variable in result.variables]
    rows = []
    for solution in result:
        row = {}
        for name in names:
            value = solution[name]
            if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
                row[name] = value
        rows.append(row)
    return rows


def labels_of(store: Store, iris: Iterable[str]) -> dict[str, dict[str, str]]:
    """Each IRI's labels by language (rdfs:label, else skos:prefLabel); "" for untagged."""
    wanted = sorted(set(iris))
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        # one VALUES block of (subject, property) pairs: two separate blocks make the
        # engine scan every triple (0.3 s a chunk on 50,000 triples, against 1 ms)
        pairs = " ".join(f"({_nn(iri)} {_nn(label)})" for iri in chunk for label in LABELS)
        rows = select(
            store,
            f"""SELECT ?s ?p ?label WHERE {{ VALUES (?s ?p) {{ {pairs} }}
                ?s ?p ?label FILTER(isLiteral(?label)) }}""",
        )
        for row in sorted(rows, key=lambda r: (LABELS.index(r["p"].value), r["label"].value)):
            label = row["label"]
            assert isinstance(label, ox.Literal)
            found.setdefault(row["s"].value, {}).setdefault(label.language or "", label.value)
    return found


@dataclasses.dataclass
class Shower:
    """Turns RDF terms into what a page shows, in one language."""

    base_iri: str
    lang: str
    root: str = ""
    labels: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.known = prefixes(self.base_iri)

    def learn(self, store: Store, iris: Iterable[str]) -> None:
        """Fetch the labels of IRIs not seen yet."""
        missing = {iri for iri in iris if iri not in self.labels}
        found = labels_of(store, missing)
        for iri in missing:
            self.labels[iri] = found.get(iri, {})

    def label(self, iri: str) -> tuple[str, str | None]:
        """The text for an IRI and its language: the page's, else English, else any, else
        the compact IRI (no language)."""
        by_lang = self.labels.get(iri, {})
        for lang in (self.lang, "en", ""):
            if lang in by_lang:
                return by_lang[lang], lang or None
        if by_lang:
            lang, text = sorted(by_lang.items())[0]
            return text, lang or None
        return self.compact(iri), None

    def compact(self, iri: str) -> str:
        short = compact(iri, self.known)
        return iri if short.startswith("<") else short

    def iri(self, iri: str) -> Term:
        text, lang = self.label(iri)
        return {
            "kind": "iri",
            "iri": iri,
            "text": text,
            "lang": lang,
            "compact": self.compact(iri),
            "href": link_for(iri, self.base_iri, root=self.root, lang=self.lang),
        }

    def term(self, node: ox.NamedNode | ox.Literal | ox.BlankNode) -> Term:
        if isinstance(node, ox.NamedNode):
            return self.iri(node.value)
        if isinstance(node, ox.BlankNode):
            return {"kind": "bnode", "text": f"_:{node.value}", "lang": None, "href": None}
        datatype = node.datatype.value
        plain = ("string", "integer", "decimal", "boolean", "double")
        shown = (
            None
            if datatype == f"{RDF}langString" or datatype in {XSD + name for name in plain}
            else datatype
        )
        if shown is not None and is_web_iri(node.value) and datatype == f"{XSD}anyURI":
            return {"kind": "literal", "text": node.value, "lang": None, "href": node.value}
        return {
            "kind": "literal",
            "text": node.value,
            "lang": node.language,
            "datatype": self.compact(shown) if shown else None,
            "href": None,
        }


def _by_language(literals: Iterable[ox.Literal], order: Sequence[str]) -> list[Term]:
    """Literals as ``{"text", "lang"}``, the page's language first."""
    items = sorted(
        literals,
        key=lambda lit: (
            order.index(lit.language) if lit.language in order else len(order),
            lit.language or "",
            lit.value,
        ),
    )
    return [{"text": lit.value, "lang": lit.language} for lit in items]


def _languages(lang: str) -> tuple[str, ...]:
    return (lang, *(code for code in ("en", "ko") if code != lang))


# -- claims ------------------------------------------------------------------------------


def claims(store: Store, shower: Shower, selector: str) -> list[dict[str, Any]]:
    """The okg:Claims ``selector`` binds to ``?c``, each with its text in the page's
    language (the seed's wording, or an external claim's comment), status, features,
    lines, sections and external sources, in the seed's order."""
    okg = vocabulary_iri(shower.base_iri)
    rows = select(
        store,
        f"""SELECT DISTINCT ?c ?p ?o WHERE {{ {{ SELECT DISTINCT ?c WHERE {{ {selector}
            ?c a {_nn(okg + "Claim")} }} }} ?c ?p ?o }}""",
    )
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        facts[row["c"].value][row["p"].value].append(row["o"])
    if not facts:
        return []
    supports = select(
        store,
        f"""SELECT ?c ?feature ?status WHERE {{ {_values("c", facts)}
            ?support {_nn(okg + "claim")} ?c ; {_nn(okg + "feature")} ?feature .
            OPTIONAL {{ ?support {_nn(okg + "supportStatus")} ?status }} }}""",
    )
    features: dict[str, dict[str, str | None]] = defaultdict(dict)
    for row in supports:
        status = row.get("status")
        features[row["c"].value][row["feature"].value] = status.value if status else None
    feature_class = okg + "Feature"
    typed = select(
        store,
        f"""SELECT ?f WHERE {{ {
            _values(
                "f",
                {m.value for f in facts.values() for m in f[okg + "mentions"]} or {feature_class},
            )
        }
            ?f a {_nn(feature_class)} }}""",
    )
    feature_iris = {row["f"].value for row in typed}
    needed: set[str] = set()
    for claim_iri, properties in facts.items():
        needed.add(claim_iri)
        for name in ("platform", "dimension", "supportStatus", "mentions", "polarity", "unit"):
            needed.update(o.value for o in properties[okg + name] if isinstance(o, ox.NamedNode))
        needed.update(o.value for o in properties[f"{PROV}wasDerivedFrom"])
        needed.update(features[claim_iri])
        needed.update(s for s in features[claim_iri].values() if s)
    shower.learn(store, needed)
    out = []
    for claim_iri, properties in facts.items():
        out.append(_claim(shower, okg, claim_iri, properties, features[claim_iri], feature_iris))
    out.sort(key=lambda claim: (max(claim["lines"], default=10**9), claim["iri"]))
    return out


def _claim(
    shower: Shower,
    okg: str,
    iri: str,
    properties: Mapping[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]],
    supported: Mapping[str, str | None],
    feature_iris: set[str],
) -> dict[str, Any]:
    def first(name: str) -> ox.NamedNode | ox.Literal | ox.BlankNode | None:
        values = properties.get(name, [])
        return sorted(values, key=str)[0] if values else None

    texts = [o for o in properties.get(okg + "seedText", []) if isinstance(o, ox.Literal)]
    texts = texts or [o for o in properties.get(f"{RDFS}comment", []) if isinstance(o, ox.Literal)]
    order = _languages(shower.lang)
    shown = _by_language(texts, order)
    text = next((t for t in shown if t["lang"] == shower.lang), shown[0] if shown else None)
    mentioned = {o.value for o in properties.get(okg + "mentions", [])}
    feature_list = [
        {
            "feature": shower.iri(feature),
            "status": shower.iri(status) if status else None,
        }
        for feature, status in sorted(supported.items())
    ]
    listed = set(supported)
    feature_list += [
        {"feature": shower.iri(feature), "status": None}
        for feature in sorted(mentioned & feature_iris - listed)
    ]
    lines = sorted(
        int(o.value)
        for o in properties.get(okg + "seedLine", [])
        if isinstance(o, ox.Literal) and o.value.lstrip("-").isdigit()
    )
    platform, dimension, status = first(okg + "platform"), first(okg + "dimension"), None
    status = first(okg + "supportStatus")
    quantity = first(okg + "numericValue")
    unit = first(okg + "unit")
    return {
        "iri": iri,
        "claim": shower.iri(iri),
        "platform": platform.value if platform else None,
        "dimension": dimension.value if dimension else None,
        "text": text,
        "texts": shown,
        "status": shower.term(status) if status else None,
        "value": (
            {"number": quantity.value, "unit": shower.term(unit) if unit else None}
            if quantity
            else None
        ),
        "features": feature_list,
        "mentions": [shower.iri(m) for m in sorted(mentioned - feature_iris - listed)],
        "lines": lines,
        "sections": [
            shower.iri(o.value)
            for o in sorted(properties.get(f"{PROV}wasDerivedFrom", []), key=str)
            if isinstance(o, ox.NamedNode)
        ],
        "sources": sorted(
            o.value
            for o in properties.get(f"{DCTERMS}source", [])
            if isinstance(o, ox.NamedNode) and is_web_iri(o.value)
        ),
        "external": any(
            isinstance(o, ox.Literal) and o.value == "true"
            for o in properties.get(okg + "external", [])
        ),
    }


def dimensions(store: Store, shower: Shower) -> list[dict[str, Any]]:
    """The comparison dimensions in okg:order, each with its seed section."""
    okg = vocabulary_iri(shower.base_iri)
    rows = select(
        store,
        f"""SELECT ?d (MIN(?o) AS ?order) (SAMPLE(?s) AS ?section) WHERE {{
            ?d a {_nn(okg + "Dimension")} OPTIONAL {{ ?d {_nn(okg + "order")} ?o }}
            OPTIONAL {{ ?d {_nn(okg + "section")} ?s }} }} GROUP BY ?d""",
    )
    shower.learn(store, [row["d"].value for row in rows])
    shower.learn(store, [row["section"].value for row in rows if "section" in row])

    def order(row: Mapping[str, Any]) -> tuple[float, str]:
        value = row.get("order")
        try:
            return (float(value.value) if value is not None else 1e9, row["d"].value)
        except ValueError:
            return (1e9, row["d"].value)

    out = []
    for row in sorted(rows, key=order):
        iri = row["d"].value
        out.append(
            {
                "iri": iri,
                "id": iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1],
                "dimension": shower.iri(iri),
                "section": shower.iri(row["section"].value) if "section" in row else None,
            }
        )
    return out


def matrix(
    found: Sequence[dict[str, Any]],
    dims: Sequence[dict[str, Any]],
    shower: Shower,
) -> dict[str, Any]:
    """Claims as a table: one row per dimension that has claims (in ``dims`` order, then
    any other), one column per platform (by IRI), each cell the claims in the seed's order."""
    platform_iris = sorted({claim["platform"] for claim in found if claim["platform"]})
    known = {dim["iri"] for dim in dims}
    rows = []
    extra = sorted({c["dimension"] or "" for c in found} - known)
    for dim in [*dims, *({"iri": iri, "id": None} for iri in extra)]:
        in_row = [claim for claim in found if (claim["dimension"] or "") == dim["iri"]]
        if not in_row:
            continue
        rows.append(
            {
                "dimension": dim.get("dimension")
                or (shower.iri(dim["iri"]) if dim["iri"] else None),
                "id": dim["id"],
                "section": dim.get("section"),
                "cells": [
                    [claim for claim in in_row if claim["platform"] == platform]
                    for platform in platform_iris
                ],
            }
        )
    return {"platforms": [shower.iri(iri) for iri in platform_iris], "rows": rows}


# -- a resource ----------------------------------------------------------------------------

_SHOWN_APART = (
    f"{RDF}type",
    *LABELS,
    *DEFINITIONS,
    f"{PROV}wasDerivedFrom",
    f"{DCTERMS}source",
    f"{SKOS}exactMatch",
)


@functools.lru_cache(maxsize=8)
def _seed_lines(path: Path, mtime: float) -> tuple[str, ...]:
    del mtime  # part of the cache key only
    return tuple(path.read_text(encoding="utf-8").splitlines())


def seed_text(content_dir: Path, identifier: str) -> tuple[str, ...]:
    """The lines of a seed document kept at ``docs/seed/<identifier>.txt`` in the content
    directory, or none when it is not there."""
    if not identifier or "/" in identifier or identifier.startswith("."):
        return ()
    path = content_dir / "docs" / "seed" / f"{identifier}.txt"
    try:
        return _seed_lines(path, path.stat().st_mtime)
    except (OSError, UnicodeDecodeError):
        return ()


def _grouped(
    shower: Shower, pairs: Iterable[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]
) -> list[dict[str, Any]]:
    """(property, value) pairs grouped by property, properties by their label."""
    groups: dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]] = defaultdict(list)
    for prop, value in pairs:
        groups[prop].append(value)
    out: list[dict[str, Any]] = []
    for prop, values in groups.items():
        terms = [shower.term(value) for value in values]
        terms.sort(key=lambda term: (term["kind"] != "iri", str(term["text"]).lower()))
        out.append({"property": shower.iri(prop), "values": terms})
    out.sort(key=lambda group: str(group["property"]["text"]).lower())
    return out


def resource_context(
    store: Store, shower: Shower, iri: str, content_dir: Path
) -> dict[str, Any] | None:
    """Everything the page of one resource shows, or None when the graph has nothing on it."""
    okg = vocabulary_iri(shower.base_iri)
    term = _nn(iri)
    outgoing = select(store, f"SELECT ?p ?o WHERE {{ {term} ?p ?o }}")
    claim_class = _nn(okg + "Claim")
    skip_in = " ".join(_nn(okg + name) for name in ("mentions", "platform"))
    incoming = select(
        store,
        f"""SELECT ?s ?p WHERE {{ ?s ?p {term}
            FILTER NOT EXISTS {{ ?s a {_nn(RDF + "Statement")} }}
            FILTER NOT EXISTS {{ ?s a {claim_class} . VALUES ?skip {{ {skip_in} }}
                                 FILTER(?p = ?skip) }} }}""",
    )
    if not outgoing and not incoming and not exists_as_object(store, iri):
        return None
    seen = {iri}
    for row in outgoing:
        seen.add(row["p"].value)
        if isinstance(row["o"], ox.NamedNode):
            seen.add(row["o"].value)
    for row in incoming:
        seen.update((row["s"].value, row["p"].value))
    shower.learn(store, seen)
    literal = {
        name: [r["o"] for r in outgoing if r["p"].value == name and isinstance(r["o"], ox.Literal)]
        for name in (*LABELS, *DEFINITIONS)
    }
    order = _languages(shower.lang)
    labels = _by_language(literal[LABELS[0]] or literal[LABELS[1]], order)
    definitions = _by_language(literal[DEFINITIONS[0]] or literal[DEFINITIONS[1]], order)
    types = [shower.iri(r["o"].value) for r in outgoing if r["p"].value == f"{RDF}type"]
    wikidata = sorted(
        r["o"].value
        for r in outgoing
        if r["p"].value == f"{SKOS}exactMatch" and r["o"].value.startswith(WIKIDATA)
    )
    other_matches = [
        r["o"]
        for r in outgoing
        if r["p"].value == f"{SKOS}exactMatch" and not r["o"].value.startswith(WIKIDATA)
    ]
    apart = {*_SHOWN_APART, okg + "seedLine"}
    outgoing_pairs = [(r["p"].value, r["o"]) for r in outgoing if r["p"].value not in apart] + [
        (f"{SKOS}exactMatch", o) for o in other_matches
    ]
    incoming_pairs = [(r["p"].value, r["s"]) for r in incoming]
    found = claims(
        store,
        shower,
        f"{{ ?c {_nn(okg + 'mentions')} {term} }} UNION {{ ?c {_nn(okg + 'platform')} {term} }}",
    )
    label, label_lang = shower.label(iri)
    return {
        "iri": iri,
        "compact": shower.compact(iri),
        "label": label,
        "label_lang": label_lang,
        "labels": labels,
        "definitions": definitions,
        "types": sorted(types, key=lambda t: t["text"].lower()),
        "outgoing": _grouped(shower, outgoing_pairs),
        "incoming": _grouped(shower, incoming_pairs),
        "claims": matrix(found, dimensions(store, shower) if found else [], shower),
        "claim_count": len(found),
        "sources": _sources(store, shower, iri, outgoing, content_dir),
        "wikidata": [
            {"iri": item, "id": item.rsplit("/", 1)[-1], "href": item} for item in wikidata
        ],
    }


def exists_as_object(store: Store, iri: str) -> bool:
    result = store.query(f"ASK {{ ?s ?p {_nn(iri)} }}")
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def _sources(
    store: Store,
    shower: Shower,
    iri: str,
    outgoing: Sequence[Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode]],
    content_dir: Path,
) -> dict[str, Any]:
    """Where the facts about a resource come from: seed sections with the cited lines
    (and their text, when the seed file is at hand), and external URLs."""
    okg = vocabulary_iri(shower.base_iri)
    sections = sorted(
        {r["o"].value for r in outgoing if r["p"].value == f"{PROV}wasDerivedFrom"} - {""}
    )
    lines = sorted(
        {
            int(r["o"].value)
            for r in outgoing
            if r["p"].value == okg + "seedLine" and r["o"].value.lstrip("-").isdigit()
        }
    )
    ranges = select(
        store,
        f"""SELECT ?section ?start ?end ?identifier WHERE {{ {_values("section", sections)}
            OPTIONAL {{ ?section {_nn(okg + "lineStart")} ?start ;
                                 {_nn(okg + "lineEnd")} ?end }}
            OPTIONAL {{ ?section {_nn(DCTERMS + "isPartOf")}* ?document .
                        ?document {_nn(DCTERMS + "identifier")} ?identifier }} }}"""
        if sections
        else "SELECT * WHERE { FILTER(false) }",
    )
    identifier = next((r["identifier"].value for r in ranges if "identifier" in r), "")
    if not identifier:
        own = select(store, f"SELECT ?i WHERE {{ {_nn(iri)} {_nn(DCTERMS + 'identifier')} ?i }}")
        identifier = own[0]["i"].value if own else ""
    text = seed_text(content_dir, identifier)
    shown_sections = []
    placed: set[int] = set()
    for section in sections:
        bounds = next(
            (
                (int(r["start"].value), int(r["end"].value))
                for r in ranges
                if r["section"].value == section and "start" in r
            ),
            None,
        )
        inside = [n for n in lines if bounds and bounds[0] <= n <= bounds[1]]
        placed.update(inside)
        shown_sections.append(
            {
                "section": shower.iri(section),
                "lines": [_line(text, n) for n in inside],
            }
        )
    return {
        "sections": shown_sections,
        "other_lines": [_line(text, n) for n in lines if n not in placed],
        "external": sorted(
            r["o"].value
            for r in outgoing
            if r["p"].value == f"{DCTERMS}source"
            and isinstance(r["o"], ox.NamedNode)
            and is_web_iri(r["o"].value)
        ),
        "seed_file": bool(text),
    }


def _line(text: Sequence[str], number: int) -> dict[str, Any]:
    return {
        "number": number,
        "text": text[number - 1] if 0 < number <= len(text) else None,
    }


# -- the index of resources -------------------------------------------------------------------

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("platforms", ("Platform", "PlatformStack", "Framework")),
    ("components", ("Component",)),
    ("features", ("Feature",)),
    ("abstractions", ("Abstraction",)),
    ("tools", ("Tool",)),
    ("organisations", ("Organisation",)),
    ("metrics", ("MetricKind",)),
    ("sources", ("SourceDocument", "SeedSection", "Figure", "CitedReference")),
    ("supports", ("FeatureSupport",)),
    ("claims", ("Claim", "QuantitativeClaim")),
)


INDEX_LIMIT = 2000
"""The most resources the index lists (by IRI): a page of tens of thousands helps nobody
and takes seconds of the server's own process; past it the page says how to narrow it."""


def index_context(
    store: Store, shower: Shower, graph: str | None = None, limit: int = INDEX_LIMIT
) -> dict[str, Any]:
    """Every resource under ``kg:`` (in one named graph, when given), grouped by kind: the
    first ``limit`` by IRI, and whether there were more (``truncated``)."""
    namespace = resource_iri(shower.base_iri)
    okg = vocabulary_iri(shower.base_iri)
    pattern = "?r ?p ?o" if graph is None else f"GRAPH {_nn(graph)} {{ ?r ?p ?o }}"
    rows = select(
        store,
        f"""SELECT DISTINCT ?r ?type WHERE {{ {{ SELECT DISTINCT ?r WHERE {{ {pattern}
            FILTER(isIRI(?r) && STRSTARTS(STR(?r), {_literal(namespace)})) }}
            ORDER BY ?r LIMIT {limit + 1} }}
            OPTIONAL {{ ?r a ?type }} }}""",
    )
    types: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        types[row["r"].value].update([row["type"].value] if "type" in row else [])
    truncated = len(types) > limit
    if truncated:
        types = defaultdict(set, {iri: types[iri] for iri in sorted(types)[:limit]})
    shower.learn(store, types)
    groups: dict[str, list[Term]] = {name: [] for name, _ in GROUPS}
    groups["other"] = []
    for iri, kinds in types.items():
        name = next(
            (group for group, classes in GROUPS if any(okg + c in kinds for c in classes)),
            "other",
        )
        groups[name].append(shower.iri(iri))
    return {
        "graph": graph,
        "count": len(types),
        "truncated": truncated,
        "groups": [
            {"name": name, "members": sorted(items, key=lambda t: t["text"].lower())}
            for name, items in groups.items()
            if items
        ],
    }


def _literal(text: str) -> str:
    return str(ox.Literal(text))


# -- the ontology -----------------------------------------------------------------------------

ONTOLOGY_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("classes", (f"{OWL}Class", f"{RDFS}Class")),
    ("object_properties", (f"{OWL}ObjectProperty",)),
    ("datatype_properties", (f"{OWL}DatatypeProperty",)),
    ("annotation_properties", (f"{OWL}AnnotationProperty", f"{RDF}Property")),
    ("schemes", (f"{SKOS}ConceptScheme",)),
    ("concepts", (f"{SKOS}Concept", f"{OWL}NamedIndividual")),
    ("shapes", (f"{SH}NodeShape", f"{SH}PropertyShape")),
)

_TERM_FACTS = {
    "super": (f"{RDFS}subClassOf", f"{RDFS}subPropertyOf", f"{SKOS}broader"),
    "domain": (f"{RDFS}domain", f"{SCHEMA}domainIncludes"),
    "range": (f"{RDFS}range", f"{SCHEMA}rangeIncludes"),
    "inverse": (f"{OWL}inverseOf",),
    "scheme": (f"{SKOS}inScheme",),
    "target": (f"{SH}targetClass", f"{SH}path"),
}


def ontology_context(store: Store, shower: Shower) -> dict[str, Any]:
    """Every term of the vocabulary namespace, by kind, with labels in both languages,
    definitions, super terms, domains and ranges; and the ontology's header."""
    namespace = vocabulary_iri(shower.base_iri)
    rows = select(
        store,
        f"""SELECT ?t ?p ?o WHERE {{ ?t ?p ?o
            FILTER(isIRI(?t) && STRSTARTS(STR(?t), {_literal(namespace)})) }}""",
    )
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        facts[row["t"].value][row["p"].value].append(row["o"])
    mentioned = set(facts)
    for properties in facts.values():
        for values in properties.values():
            mentioned.update(v.value for v in values if isinstance(v, ox.NamedNode))
    shower.learn(store, mentioned)
    sections: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in ONTOLOGY_SECTIONS}
    sections["other"] = []
    order = _languages(shower.lang)
    for iri in sorted(facts, key=lambda i: i[len(namespace) :].lower()):
        properties = facts[iri]
        kinds = {o.value for o in properties.get(f"{RDF}type", [])}
        name = next(
            (section for section, classes in ONTOLOGY_SECTIONS if kinds & set(classes)),
            "other",
        )
        literal = {
            key: [o for o in properties.get(key, []) if isinstance(o, ox.Literal)]
            for key in (*LABELS, *DEFINITIONS)
        }
        entry: dict[str, Any] = {
            "iri": iri,
            "id": iri[len(namespace) :],
            "compact": shower.compact(iri),
            "labels": _by_language(literal[LABELS[0]] or literal[LABELS[1]], order),
            "definitions": _by_language(literal[DEFINITIONS[0]], order)
            + _by_language(literal[DEFINITIONS[1]], order),
            "types": [shower.iri(kind) for kind in sorted(kinds)],
        }
        for key, predicates in _TERM_FACTS.items():
            entry[key] = [
                shower.term(o)
                for predicate in predicates
                for o in sorted(properties.get(predicate, []), key=str)
                if not isinstance(o, ox.BlankNode)
            ]
        sections[name].append(entry)
    header_iri = namespace.rstrip("#")
    header = select(store, f"SELECT ?p ?o WHERE {{ {_nn(header_iri)} ?p ?o }}")
    shower.learn(store, [row["p"].value for row in header])
    return {
        "iri": header_iri,
        "namespace": namespace,
        "header": _grouped(
            shower,
            [(row["p"].value, row["o"]) for row in header if row["p"].value != f"{RDF}type"],
        ),
        "sections": [{"name": name, "terms": terms} for name, terms in sections.items() if terms],
        "count": len(facts),
    }


# -- the comparison and the home page ------------------------------------------------------------


def comparison_context(store: Store, shower: Shower, chosen: Sequence[str] = ()) -> dict[str, Any]:
    """The seed's comparison (its claims, not the external ones) as one matrix; ``chosen``
    dimension IRIs narrow it (empty: all)."""
    okg = vocabulary_iri(shower.base_iri)
    dims = dimensions(store, shower)
    found = claims(
        store,
        shower,
        f"?c {_nn(PROV + 'wasDerivedFrom')} ?section "
        f"FILTER NOT EXISTS {{ ?c {_nn(okg + 'external')} true }}",
    )
    table = matrix(found, dims, shower)
    wanted = set(chosen)
    with_claims = {row["dimension"]["iri"] for row in table["rows"] if row["dimension"]}
    if wanted:
        table["rows"] = [row for row in table["rows"] if row["dimension"]["iri"] in wanted]
    return {
        "dimensions": [
            {**dim, "selected": not wanted or dim["iri"] in wanted}
            for dim in dims
            if dim["iri"] in with_claims
        ],
        "filtered": bool(wanted),
        "claim_count": sum(len(cell) for row in table["rows"] for cell in row["cells"]),
        **table,
    }


def home_context(store: Store, shower: Shower) -> dict[str, Any]:
    """How much the graph holds, by kind."""
    okg = vocabulary_iri(shower.base_iri)
    counts = {}
    for name, classes in GROUPS:
        rows = select(
            store,
            f"""SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{
                {_values("class", [okg + c for c in classes])} ?r a ?class }}""",
        )
        value = rows[0].get("n") if rows else None
        counts[name] = int(value.value) if value is not None else 0
    return {"counts": counts}
