"""Architecture views: parts of the knowledge graph as ``networkx.MultiDiGraph`` diagrams.

A *view* is a named, documented selection of the graph: a SPARQL query picks the
nodes (or, for ``custom``, a user's CONSTRUCT query picks the triples), and the
architecture relations between them become the edges. Every node keeps its IRI,
its labels in English and Korean, its type, its role(s), its platform and its
definition; every edge keeps its property IRI and the property's labels.

    View (frozen dataclass, in VIEWS) ──parameters──▶ build_diagram() ──▶ MultiDiGraph
                                                        │ SPARQL on the store
                                                        ▼
                                   layout.py (geometry) ─▶ drawing.py (SVG, PNG)
                                   exports.py (GraphML, GEXF, DOT, JSON, Turtle)
                                   analytics.py (articulation points, centrality, paths)

User-supplied parameters never enter query text as text: a resource parameter
becomes a ``pyoxigraph.NamedNode`` (which validates it) and reaches the query as
an RDF term in a ``VALUES`` block, the same thing as SPARQL's initial bindings.
A custom CONSTRUCT query runs through the endpoint's safe path (``guard.check_query``,
then the worker pool with its deadline); the caller passes that path in as a
``ConstructRunner``.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import networkx as nx
import pyoxigraph as ox

from orchkg.errors import ClientError
from orchkg.namespaces import (
    STANDARD_PREFIXES,
    compact,
    prefixes,
    resource_iri,
    sparql_prologue,
    vocabulary_iri,
)
from orchkg.store import Store

RDF_TYPE = STANDARD_PREFIXES["rdf"] + "type"
RDFS_LABEL = STANDARD_PREFIXES["rdfs"] + "label"
SKOS_DEFINITION = STANDARD_PREFIXES["skos"] + "definition"

LANGUAGES = ("en", "ko")
Lang = Literal["en", "ko"]

MAX_CUSTOM_NODES = 300
"""The most nodes a custom view may hold; a larger result is refused (400)."""

ConstructRunner = Callable[[str], list[ox.Triple]]
"""Runs a CONSTRUCT query safely and returns its triples (raises orchkg errors)."""

# Relations that are attributes or point outside the architecture: roles become node
# attributes, features and organisations are not drawn.
EXCLUDED_RELATIONS = ("hasRole", "supportsFeature", "providesCapability", "developedBy", "usedBy")
# Relations that say what belongs to what, rather than what talks to what.
MEMBERSHIP_RELATIONS = ("partOf", "hasMember", "hasComponent")
# Relations left out of the analytics: membership, and the cross-platform alignment.
NON_INTERACTION_RELATIONS = (*MEMBERSHIP_RELATIONS, "counterpartOf")

# The most specific kind first: a node's ``type`` is the first of these it has.
TYPE_PRIORITY = (
    "PlatformStack",
    "Framework",
    "Platform",
    "Component",
    "Tool",
    "Abstraction",
    "Feature",
    "Organisation",
)
# The most specific role first: a component's ``role`` is the first of these it has.
ROLE_PRIORITY = (
    "APIServerRole",
    "ResourceManagerRole",
    "SchedulerRole",
    "ControllerRole",
    "ControlPlaneNodeRole",
    "NodeAgentRole",
    "ExecutorRole",
    "WorkerNodeRole",
    "CoordinationServiceRole",
    "StateStoreRole",
    "ServiceDiscoveryRole",
    "PackageManagerRole",
    "MonitoringRole",
    "UserInterfaceRole",
    "CommandLineRole",
    "ControlPlaneRole",
)


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A parameter of a view: its name, what it takes, its default and help text."""

    name: str
    kind: Literal["platform", "resource", "depth", "query"]
    default: str
    help: str


@dataclasses.dataclass(frozen=True)
class View:
    """A named architecture view: how its nodes are chosen, and how it is laid out."""

    name: str
    title_en: str
    title_ko: str
    description: str
    parameters: tuple[Parameter, ...] = ()
    layout: Literal["layered", "compare"] = "layered"

    def title(self, lang: Lang) -> str:
        return self.title_ko if lang == "ko" else self.title_en


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        View(
            "kubernetes",
            "Kubernetes architecture",
            "쿠버네티스 아키텍처",
            "The Kubernetes platform, its cluster components (API server, etcd, scheduler, "
            "controller manager, kubelet, master and worker nodes, the DNS add-on), the tools and "
            "workload abstractions they act on, and the relations the seed states between them.",
        ),
        View(
            "mesos-marathon",
            "Mesos + Marathon architecture",
            "메소스 + 마라톤 아키텍처",
            "The Mesos + Marathon stack: Mesos and Marathon, their components (Mesos master and "
            "agent, ZooKeeper, Marathon scheduler, Docker executor, Mesos-DNS, Marathon UI and "
            "CLI), the frameworks running on Mesos (Marathon, Spark, Cassandra) and the "
            "abstractions they exchange (framework, task, container).",
        ),
        View(
            "dcos",
            "Mesosphere DC/OS architecture",
            "메소스피어 DC/OS 아키텍처",
            "Mesosphere DC/OS and its parts (package management, container orchestration, "
            "cluster management, user interface, monitoring), built on Mesos: the Mesos "
            "components, what Mesos depends on, and the frameworks that run on it.",
        ),
        View(
            "compare",
            "Side by side",
            "나란히 비교",
            "Two platforms side by side, layer by layer, with the components that play the same "
            "part (okg:counterpartOf) on the same row: API server and Mesos master, etcd and "
            "ZooKeeper, kubelet and Mesos agent, the schedulers, the DNS services.",
            (
                Parameter("left", "platform", "kubernetes", "The platform on the left."),
                Parameter("right", "platform", "mesos-marathon", "The platform on the right."),
            ),
            layout="compare",
        ),
        View(
            "neighbourhood",
            "Neighbourhood",
            "이웃",
            "Everything within `depth` architecture relations (either direction) of one "
            "resource, and the relations among those.",
            (
                Parameter("resource", "resource", "kube-apiserver", "The resource at the centre."),
                Parameter("depth", "depth", "1", "How many relations away (1 to 3)."),
            ),
        ),
        View(
            "dependencies",
            "Dependencies",
            "의존성",
            "What a component depends on, transitively, over okg:dependsOn and its "
            "sub-properties (okg:storesStateIn, okg:electsLeaderThrough).",
            (Parameter("component", "resource", "kube-apiserver", "The component."),),
        ),
        View(
            "custom",
            "Custom view",
            "사용자 정의 뷰",
            "The triples of your own CONSTRUCT query: every triple whose object is an IRI is an "
            "edge (rdf:type and okg:hasRole become node attributes). It runs like any query at "
            "/sparql: same checks, same time limit, at most 300 nodes.",
            (
                Parameter(
                    "query",
                    "query",
                    "CONSTRUCT { ?s ?p ?o } WHERE { ?p rdfs:subPropertyOf* okg:dependsOn . "
                    "?s ?p ?o }",
                    "A SPARQL CONSTRUCT query.",
                ),
            ),
        ),
    )
}
"""Every view, by name."""

_PLATFORM_OF_VIEW = {
    "kubernetes": "kubernetes",
    "mesos-marathon": "mesos-marathon",
    "dcos": "dcos",
}


def platform_of_view(name: str) -> str | None:
    """The local name (under ``kg:``) of the platform a platform view draws, else None.

    >>> platform_of_view("dcos"), platform_of_view("compare")
    ('dcos', None)
    """
    return _PLATFORM_OF_VIEW.get(name)


def view(name: str) -> View:
    """The view of that name, or a ClientError listing the names there are."""
    try:
        return VIEWS[name]
    except KeyError:
        raise ClientError(f"no view named {name!r}; the views are: {', '.join(VIEWS)}") from None


# -- parameters ------------------------------------------------------------------------------


def resolve_resource(text: str, base_iri: str) -> str:
    """An IRI from ``kg:name``, a bare ``name`` (a resource), ``prefix:name`` or a full IRI.

    >>> resolve_resource("etcd", "https://w3id.org/orchkg/")
    'https://w3id.org/orchkg/resource/etcd'
    >>> resolve_resource("okg:SchedulerRole", "https://w3id.org/orchkg/")
    'https://w3id.org/orchkg/ontology#SchedulerRole'
    """
    text = text.strip()
    if not text:
        raise ClientError("an empty resource name")
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if "://" in text or text.startswith("urn:"):
        iri = text
    elif ":" in text:
        prefix, local = text.split(":", 1)
        known = prefixes(base_iri)
        if prefix not in known:
            raise ClientError(f"unknown prefix {prefix!r} in {text!r}")
        iri = known[prefix] + local
    else:
        iri = resource_iri(base_iri) + text
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise ClientError(f"not an IRI: {text!r} ({error})") from None
    return iri


def parse_parameters(
    chosen: View, given: Mapping[str, str], base_iri: str
) -> tuple[tuple[str, str], ...]:
    """The view's parameters, checked and normalised (IRIs in full), in declaration order.

    Unknown names and bad values are ClientErrors (400 over HTTP).
    """
    declared = {parameter.name: parameter for parameter in chosen.parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        takes = ", ".join(declared) or "no parameters"
        raise ClientError(f"view {chosen.name!r} takes {takes}; not {', '.join(unknown)}")
    values: list[tuple[str, str]] = []
    for parameter in chosen.parameters:
        raw = given.get(parameter.name, parameter.default)
        if parameter.kind == "depth":
            if raw not in ("1", "2", "3"):
                raise ClientError(f"{parameter.name} must be 1, 2 or 3, not {raw!r}")
            values.append((parameter.name, raw))
        elif parameter.kind == "query":
            if not raw.strip():
                raise ClientError(f"{parameter.name} is empty")
            values.append((parameter.name, raw))
        else:
            values.append((parameter.name, resolve_resource(raw, base_iri)))
    return tuple(values)


# -- queries ---------------------------------------------------------------------------------


_PROLOGUE: contextvars.ContextVar[str] = contextvars.ContextVar("prologue", default="")
"""The PREFIX lines for the base IRI of the diagram being built (the store may predeclare
none)."""


def _values(variable: str, iris: Iterable[str]) -> str:
    """A VALUES block of RDF terms; each IRI is checked by pyoxigraph before it is written."""
    terms = " ".join(str(ox.NamedNode(iri)) for iri in sorted(set(iris)))
    return f"VALUES ?{variable} {{ {terms} }}"


def _excluded_filter(variable: str) -> str:
    names = ", ".join(f"okg:{name}" for name in EXCLUDED_RELATIONS)
    return f"FILTER(?{variable} NOT IN ({names}))"


_PARTS = "?platform (okg:hasMember|okg:builtOn)* ?part ."

_PLATFORM_NODES = f"""
SELECT DISTINCT ?node WHERE {{
  {{ {_PARTS} BIND(?part AS ?node) }}
  UNION {{ {_PARTS} ?node okg:partOf ?part . }}
  UNION {{ {_PARTS} ?node a okg:Framework ; okg:runsOn ?part . }}
  UNION {{ {_PARTS} ?part ?dependency ?node . ?dependency rdfs:subPropertyOf* okg:dependsOn . }}
  UNION {{
    {_PARTS} ?near okg:partOf? ?part .
    {{ ?near ?p ?node }} UNION {{ ?node ?p ?near }}
    ?p rdfs:subPropertyOf+ okg:architectureRelation .
    {_excluded_filter("p")} FILTER(?p != okg:counterpartOf)
    ?node a ?kind . FILTER(?kind IN (okg:Tool, okg:Abstraction))
  }}
  UNION {{
    {_PARTS}
    ?component okg:partOf ?part .
    {{ ?component ?p ?near }} UNION {{ ?near ?p ?component }}
    ?p rdfs:subPropertyOf+ okg:architectureRelation .
    {_excluded_filter("p")} FILTER(?p != okg:counterpartOf)
    ?near a okg:Abstraction .
    ?node okg:manages|okg:exposes ?near .
    ?node a okg:Abstraction .
  }}
}}
"""
"""The nodes of a platform view: the platform, the platforms it is made of or built on,
their components, the frameworks on them, what they depend on, the tools and
abstractions one relation away, and the abstractions that manage or expose those."""

_COMPARE_NODES = f"""
SELECT DISTINCT ?node WHERE {{
  {{ {_PARTS} BIND(?part AS ?node) }}
  UNION {{ {_PARTS} ?node okg:partOf ?part . ?node a okg:Component . }}
}}
"""
"""One side of the comparison: the platform, its member platforms, their components."""

_RELATIONS = f"""
SELECT ?s ?p ?o WHERE {{
  ?p rdfs:subPropertyOf+ okg:architectureRelation .
  {_excluded_filter("p")}
  ?s ?p ?o . FILTER(isIRI(?o) && isIRI(?s))
}}
"""
"""Every architecture relation between two resources (the neighbourhood's candidates)."""

_DEPENDENCIES = """
SELECT ?s ?p ?o WHERE {
  ?p rdfs:subPropertyOf* okg:dependsOn .
  ?s ?p ?o . FILTER(isIRI(?o))
}
"""

_EXISTS = """
ASK { { ?resource ?p ?o } UNION { ?s ?p ?resource } }
"""

_IS_PLATFORM = """
ASK { ?resource a okg:Platform }
"""


def _edges_among(nodes: Iterable[str]) -> str:
    node_list = sorted(set(nodes))
    return f"""
SELECT ?s ?p ?o WHERE {{
  {_values("s", node_list)}
  {_values("o", node_list)}
  ?s ?p ?o .
  ?p rdfs:subPropertyOf+ okg:architectureRelation .
  {_excluded_filter("p")}
}}
"""


def _node_facts(nodes: Iterable[str]) -> str:
    return f"""
SELECT ?node ?p ?o WHERE {{
  {_values("node", nodes)}
  ?node ?p ?o .
  FILTER(?p IN (rdf:type, rdfs:label, skos:definition, okg:hasRole, okg:partOf))
}}
"""


def _property_facts(properties: Iterable[str]) -> str:
    return f"""
SELECT ?property ?label ?symmetric WHERE {{
  {_values("property", properties)}
  OPTIONAL {{ ?property rdfs:label ?label }}
  BIND(EXISTS {{ ?property a owl:SymmetricProperty }} AS ?symmetric)
}}
"""


def _select(store: Store, sparql: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    result = store.query(_PROLOGUE.get() + sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [variable.value for variable in result.variables]
    rows = []
    for solution in result:
        row: dict[str, ox.NamedNode | ox.Literal] = {}
        for name in names:
            value = solution[name]
            if isinstance(value, ox.NamedNode | ox.Literal):
                row[name] = value
        rows.append(row)
    return rows


def _ask(store: Store, sparql: str) -> bool:
    result = store.query(_PROLOGUE.get() + sparql)
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def _with_values(sparql: str, variable: str, iri: str) -> str:
    """The query with ``?variable`` bound to one IRI (a VALUES block right after the WHERE)."""
    head, brace, rest = sparql.partition("{")
    return f"{head}{brace} {_values(variable, [iri])}\n{rest}"


# -- building ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Request:
    """What to draw: a view, its normalised parameters, the language of the labels."""

    view: View
    parameters: tuple[tuple[str, str], ...]
    lang: Lang = "en"

    def parameter(self, name: str) -> str:
        return dict(self.parameters)[name]


def make_request(
    name: str, given: Mapping[str, str] | None = None, lang: str = "en", *, base_iri: str
) -> Request:
    """Check a view name, its parameters and a language; a ClientError when one is wrong."""
    chosen = view(name)
    if lang not in LANGUAGES:
        raise ClientError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    parameters = parse_parameters(chosen, given or {}, base_iri)
    return Request(chosen, parameters, lang)  # type: ignore[arg-type]


def build_diagram(
    store: Store,
    request: Request,
    *,
    base_iri: str,
    run_construct: ConstructRunner | None = None,
) -> nx.MultiDiGraph:
    """The view as a MultiDiGraph: nodes keyed by IRI, edges keyed by property IRI."""
    token = _PROLOGUE.set(sparql_prologue(base_iri))
    try:
        return _build(store, request, base_iri=base_iri, run_construct=run_construct)
    finally:
        _PROLOGUE.reset(token)


def _build(  # noqa: PLR0912 -- one branch per view
    store: Store,
    request: Request,
    *,
    base_iri: str,
    run_construct: ConstructRunner | None,
) -> nx.MultiDiGraph:
    okg = vocabulary_iri(base_iri)
    kg = resource_iri(base_iri)
    name = request.view.name
    sides: dict[str, str] = {}
    edges: list[tuple[str, str, str]]
    if name in _PLATFORM_OF_VIEW:
        platform = kg + _PLATFORM_OF_VIEW[name]
        nodes = _nodes(store, _with_values(_PLATFORM_NODES, "platform", platform))
        edges = _edges(store, _edges_among(nodes))
    elif name == "compare":
        left, right = request.parameter("left"), request.parameter("right")
        for side, platform in (("left", left), ("right", right)):
            if not _ask(store, _with_values(_IS_PLATFORM, "resource", platform)):
                raise ClientError(f"{side}: {compact(platform, prefixes(base_iri))} is no platform")
        if left == right:
            raise ClientError("left and right are the same platform")
        left_nodes = _nodes(store, _with_values(_COMPARE_NODES, "platform", left))
        right_nodes = _nodes(store, _with_values(_COMPARE_NODES, "platform", right)) - left_nodes
        sides = dict.fromkeys(left_nodes, "left") | dict.fromkeys(right_nodes, "right")
        nodes = left_nodes | right_nodes
        edges = _edges(store, _edges_among(nodes))
    elif name == "neighbourhood":
        centre = request.parameter("resource")
        _must_exist(store, centre, base_iri)
        every = nx.MultiDiGraph()
        every.add_node(centre)
        for s, p, o in _edges(store, _RELATIONS):
            every.add_edge(s, o, key=p)
        radius = int(request.parameter("depth"))
        nodes = set(nx.ego_graph(every, centre, radius=radius, undirected=True))
        edges = [(s, p, o) for s, o, p in every.subgraph(nodes).edges(keys=True)]
    elif name == "dependencies":
        start = request.parameter("component")
        _must_exist(store, start, base_iri)
        every = nx.MultiDiGraph()
        every.add_node(start)
        for s, p, o in _edges(store, _DEPENDENCIES):
            every.add_edge(s, o, key=p)
        nodes = {start} | nx.descendants(every, start)
        edges = [(s, p, o) for s, o, p in every.subgraph(nodes).edges(keys=True)]
    elif name == "custom":
        if run_construct is None:
            raise ClientError("custom views need a query runner")
        triples = run_construct(request.parameter("query"))
        return _custom_diagram(store, request, triples, base_iri=base_iri)
    else:  # pragma: no cover - VIEWS and this function are kept in step by the tests
        raise ClientError(f"no view named {name!r}")
    digraph = _assemble(store, request, nodes, edges, okg=okg, base_iri=base_iri)
    for iri, side in sides.items():
        digraph.nodes[iri]["side"] = side
    return digraph


def _must_exist(store: Store, iri: str, base_iri: str) -> None:
    if not _ask(store, _with_values(_EXISTS, "resource", iri)):
        raise ClientError(f"{compact(iri, prefixes(base_iri))} is not in the graph")


def _nodes(store: Store, sparql: str) -> set[str]:
    return {row["node"].value for row in _select(store, sparql) if "node" in row}


def _edges(store: Store, sparql: str) -> list[tuple[str, str, str]]:
    return [
        (row["s"].value, row["p"].value, row["o"].value)
        for row in _select(store, sparql)
        if isinstance(row.get("o"), ox.NamedNode)
    ]


def _first(candidates: Sequence[str], found: Iterable[str], namespace: str) -> str:
    present = set(found)
    for local in candidates:
        if namespace + local in present:
            return namespace + local
    return min(present) if present else ""


def _assemble(  # noqa: PLR0912 -- one pass over the triples
    store: Store,
    request: Request,
    nodes: set[str],
    edges: Sequence[tuple[str, str, str]],
    *,
    okg: str,
    base_iri: str,
    extra_facts: Sequence[tuple[str, str, ox.NamedNode | ox.Literal]] = (),
) -> nx.MultiDiGraph:
    digraph = nx.MultiDiGraph(
        view=request.view.name,
        title=request.view.title(request.lang),
        lang=request.lang,
        parameters=" ".join(f"{k}={v}" for k, v in request.parameters if k != "query"),
    )
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {iri: {} for iri in nodes}
    if nodes:
        for row in _select(store, _node_facts(nodes)):
            facts[row["node"].value].setdefault(row["p"].value, []).append(row["o"])
    for subject, predicate, value in extra_facts:
        if subject in facts:
            facts[subject].setdefault(predicate, []).append(value)
    known = prefixes(base_iri)
    for iri in sorted(nodes):
        found = facts[iri]
        labels = dict.fromkeys(LANGUAGES, "")
        definitions = dict.fromkeys(LANGUAGES, "")
        for term in found.get(RDFS_LABEL, []):
            if isinstance(term, ox.Literal) and term.language in labels:
                labels[term.language] = labels[term.language] or term.value
        for term in found.get(SKOS_DEFINITION, []):
            if isinstance(term, ox.Literal) and term.language in definitions:
                definitions[term.language] = definitions[term.language] or term.value
        fallback = compact(iri, known)
        types = sorted(t.value for t in found.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode))
        roles = sorted(
            r.value for r in found.get(okg + "hasRole", []) if isinstance(r, ox.NamedNode)
        )
        platforms = sorted(
            p.value for p in found.get(okg + "partOf", []) if isinstance(p, ox.NamedNode)
        )
        kind = _first(TYPE_PRIORITY, types, okg)
        label_en = labels["en"] or labels["ko"] or fallback
        label_ko = labels["ko"] or labels["en"] or fallback
        digraph.add_node(
            iri,
            iri=iri,
            label=label_ko if request.lang == "ko" else label_en,
            label_en=label_en,
            label_ko=label_ko,
            type=kind,
            types=" ".join(types),
            role=_first(ROLE_PRIORITY, roles, okg),
            roles=" ".join(roles),
            platform=platforms[0] if platforms else (iri if kind.endswith("Platform") else ""),
            definition=definitions["en"],
            definition_ko=definitions["ko"],
        )
    properties = {p for _, p, _ in edges}
    property_labels: dict[str, dict[str, str]] = {p: {} for p in properties}
    symmetric: set[str] = set()
    if properties:
        for row in _select(store, _property_facts(properties)):
            prop = row["property"].value
            label = row.get("label")
            if isinstance(label, ox.Literal) and label.language in LANGUAGES:
                property_labels[prop].setdefault(label.language, label.value)
            flag = row.get("symmetric")
            if isinstance(flag, ox.Literal) and flag.value == "true":
                symmetric.add(prop)
    membership = {okg + name for name in MEMBERSHIP_RELATIONS}
    for s, p, o in sorted(set(edges)):
        if s not in nodes or o not in nodes:
            continue
        names = property_labels.get(p, {})
        local = compact(p, known)
        label_en = names.get("en") or local
        label_ko = names.get("ko") or label_en
        digraph.add_edge(
            s,
            o,
            key=p,
            property=p,
            label=label_ko if request.lang == "ko" else label_en,
            label_en=label_en,
            label_ko=label_ko,
            membership=p in membership,
            symmetric=p in symmetric,
        )
    return digraph


def _custom_diagram(
    store: Store, request: Request, triples: Sequence[ox.Triple], *, base_iri: str
) -> nx.MultiDiGraph:
    """A custom view: IRI-to-IRI triples are edges; types, roles and labels become attributes."""
    okg = vocabulary_iri(base_iri)
    attribute_predicates = {RDF_TYPE, okg + "hasRole"}
    nodes: set[str] = set()
    edges: list[tuple[str, str, str]] = []
    facts: list[tuple[str, str, ox.NamedNode | ox.Literal]] = []
    for triple in triples:
        subject, predicate, value = triple.subject, triple.predicate, triple.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if isinstance(value, ox.Literal):
            facts.append((subject.value, predicate.value, value))
        elif isinstance(value, ox.NamedNode):
            if predicate.value in attribute_predicates:
                facts.append((subject.value, predicate.value, value))
                nodes.add(subject.value)
            else:
                edges.append((subject.value, predicate.value, value.value))
                nodes.update((subject.value, value.value))
        if len(nodes) > MAX_CUSTOM_NODES:
            raise ClientError(
                f"the query gives more than {MAX_CUSTOM_NODES} nodes; narrow it or add LIMIT"
            )
    custom_facts = [
        fact for fact in facts if fact[0] in nodes and fact[1] in (RDFS_LABEL, SKOS_DEFINITION)
    ]
    digraph = _assemble(
        store, request, nodes, [], okg=okg, base_iri=base_iri, extra_facts=custom_facts
    )
    known = prefixes(base_iri)
    properties = {p for _, p, _ in edges}
    names: dict[str, dict[str, str]] = {p: {} for p in properties}
    symmetric: set[str] = set()
    if properties:
        for row in _select(store, _property_facts(properties)):
            label = row.get("label")
            if isinstance(label, ox.Literal) and label.language in LANGUAGES:
                names[row["property"].value].setdefault(label.language, label.value)
            flag = row.get("symmetric")
            if isinstance(flag, ox.Literal) and flag.value == "true":
                symmetric.add(row["property"].value)
    membership = {okg + name for name in MEMBERSHIP_RELATIONS}
    for s, p, o in sorted(set(edges)):
        label_en = names[p].get("en") or compact(p, known)
        label_ko = names[p].get("ko") or label_en
        digraph.add_edge(
            s,
            o,
            key=p,
            property=p,
            label=label_ko if request.lang == "ko" else label_en,
            label_en=label_en,
            label_ko=label_ko,
            membership=p in membership,
            symmetric=p in symmetric,
        )
    return digraph


def local_name(iri: str, base_iri: str) -> str | None:
    """The path of a resource under ``kg:``, for its page link (None for other IRIs).

    >>> local_name("https://w3id.org/orchkg/resource/etcd", "https://w3id.org/orchkg/")
    'etcd'
    """
    namespace = resource_iri(base_iri)
    if iri.startswith(namespace) and len(iri) > len(namespace):
        return iri[len(namespace) :]
    return None


def node_list(digraph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """The nodes' attributes, sorted by IRI (for tests and JSON)."""
    return [dict(digraph.nodes[iri]) for iri in sorted(digraph.nodes)]
