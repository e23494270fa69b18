"""Where each imported graph came from: PROV-O records in one catalogue graph.

An *import* is a named graph written whole from outside: ``orchkg load`` into a named
graph, ``orchkg backstage import``, a Graph Store PUT or POST at ``/data``. Each one is
described in ``<base>graph/imports`` (the content graphs, loaded from the content
folders, are not imports and get no record)::

    <graph> a prov:Entity, void:Dataset ;
        void:triples 42 ;                       the graph's size after the write
        prov:wasGeneratedBy <urn:uuid:...> .    one activity per write (POST adds one)
    <urn:uuid:...> a prov:Activity ;
        rdfs:label "orchkg backstage import" ;
        prov:startedAtTime "..."^^xsd:dateTime ; prov:endedAtTime "..."^^xsd:dateTime ;
        prov:wasAssociatedWith <agent> ;        the CLI user, or the update-token holder
        prov:used <urn:uuid:...> .              the source: a file or a request body
    <urn:uuid:...> a prov:Entity ;
        rdfs:label "shop-catalog.yaml" ; dcterms:format "application/yaml" .
    <agent> a prov:Agent, prov:Person ; rdfs:label "alice" .

Replacing a graph replaces its record; appending to it adds an activity and updates the
size; dropping it drops the record. Every change is one SPARQL update text built here
from RDF terms (pyoxigraph writes and escapes them), so nothing given by a user is
pasted into query text unescaped.
"""

from __future__ import annotations

import dataclasses
import datetime
import getpass
import uuid
from collections.abc import Sequence
from urllib.parse import quote

import pyoxigraph as ox

from orchkg.namespaces import STANDARD_PREFIXES
from orchkg.store import Store

IMPORTS_STEM = "imports"
"""The stem of the provenance catalogue graph, ``<base>graph/imports``."""

PROV = STANDARD_PREFIXES["prov"]
RDF = STANDARD_PREFIXES["rdf"]
RDFS = STANDARD_PREFIXES["rdfs"]
XSD = STANDARD_PREFIXES["xsd"]
DCTERMS = STANDARD_PREFIXES["dcterms"]
VOID = "http://rdfs.org/ns/void#"

GRAPH_STORE_AGENT = "urn:orchkg:agent:update-token"
"""The one identity a write over HTTP can have: whoever holds the update token."""


def imports_graph(base_iri: str) -> str:
    """The named graph holding the records.

    >>> imports_graph("https://w3id.org/orchkg/")
    'https://w3id.org/orchkg/graph/imports'
    """
    return f"{base_iri}graph/{IMPORTS_STEM}"


@dataclasses.dataclass(frozen=True)
class Agent:
    """Who asked for a write: an IRI, a label, and whether a person or a program."""

    iri: str
    label: str
    person: bool


def cli_agent() -> Agent:
    """The user running the command line (the login name the system reports)."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name: a container without a passwd entry
        name = "unknown"
    return Agent(f"urn:orchkg:agent:cli-user:{quote(name, safe='')}", name, person=True)


def graph_store_agent() -> Agent:
    """The client of the Graph Store (or any HTTP write): the holder of the update token."""
    return Agent(GRAPH_STORE_AGENT, "graph-store client (holder of the update token)", False)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclasses.dataclass(frozen=True)
class Activity:
    """One write into a named graph, and what it used."""

    graph: str
    label: str
    agent: Agent
    source: str
    """A file name or a description of the request ("PUT /data?graph=...")."""
    media_type: str
    started: datetime.datetime
    ended: datetime.datetime


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))


def _text(value: str) -> str:
    return str(ox.Literal(value))


def _time(value: datetime.datetime) -> str:
    stamp = value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return str(ox.Literal(stamp, datatype=ox.NamedNode(XSD + "dateTime")))


def _forget(graph: str, catalogue: str) -> list[str]:
    """Update steps that delete the record of ``graph``: its activities, their sources
    (an agent stays: it may have written other graphs), and the graph's own triples."""
    g, c = _iri(graph), _iri(catalogue)
    return [
        f"DELETE {{ GRAPH {c} {{ ?source ?sp ?so }} }} WHERE {{ GRAPH {c} {{ "
        f"{g} <{PROV}wasGeneratedBy> ?activity . ?activity <{PROV}used> ?source . "
        f"?source ?sp ?so }} }}",
        f"DELETE {{ GRAPH {c} {{ ?activity ?ap ?ao }} }} WHERE {{ GRAPH {c} {{ "
        f"{g} <{PROV}wasGeneratedBy> ?activity . ?activity ?ap ?ao }} }}",
        f"DELETE WHERE {{ GRAPH {c} {{ {g} ?p ?o }} }}",
    ]


def record_steps(activity: Activity, triples: int, base_iri: str, *, replace: bool) -> str:
    """The update steps that record ``activity`` (``replace``: forget earlier writes)."""
    catalogue = _iri(imports_graph(base_iri))
    graph = _iri(activity.graph)
    run = _iri(f"urn:uuid:{uuid.uuid4()}")
    source = _iri(f"urn:uuid:{uuid.uuid4()}")
    agent = _iri(activity.agent.iri)
    agent_type = f"<{PROV}Person>" if activity.agent.person else f"<{PROV}SoftwareAgent>"
    steps = (
        _forget(activity.graph, imports_graph(base_iri))
        if replace
        else [f"DELETE WHERE {{ GRAPH {catalogue} {{ {graph} <{VOID}triples> ?n }} }}"]
    )
    steps.append(
        f"""INSERT DATA {{ GRAPH {catalogue} {{
  {graph} a <{PROV}Entity>, <{VOID}Dataset> ;
    <{VOID}triples> {triples} ;
    <{PROV}wasGeneratedBy> {run} .
  {run} a <{PROV}Activity> ;
    <{RDFS}label> {_text(activity.label)} ;
    <{PROV}startedAtTime> {_time(activity.started)} ;
    <{PROV}endedAtTime> {_time(activity.ended)} ;
    <{PROV}wasAssociatedWith> {agent} ;
    <{PROV}used> {source} .
  {source} a <{PROV}Entity> ;
    <{RDFS}label> {_text(activity.source)} ;
    <{DCTERMS}format> {_text(activity.media_type)} .
  {agent} a <{PROV}Agent>, {agent_type} ;
    <{RDFS}label> {_text(activity.agent.label)} .
}} }}"""
    )
    return " ;\n".join(steps)


def record(store: Store, activity: Activity, base_iri: str, *, replace: bool) -> None:
    """Record a write that has happened (the graph's size is counted now)."""
    count = store.triple_count(activity.graph)
    store.update(record_steps(activity, count, base_iri, replace=replace))


def forget(store: Store, graph: str, base_iri: str) -> None:
    """Drop the record of a graph (when the graph itself is dropped)."""
    store.update(" ;\n".join(_forget(graph, imports_graph(base_iri))))


def replace_graph_steps(graph: str, triples: Sequence[ox.Triple]) -> str:
    """Update steps that make ``graph`` hold exactly ``triples`` (it exists afterwards)."""
    name = _iri(graph)
    body = "\n".join(f"  {triple} ." for triple in triples)
    return (
        f"DROP SILENT GRAPH {name} ;\nCREATE SILENT GRAPH {name} ;\n"
        f"INSERT DATA {{ GRAPH {name} {{\n{body}\n}} }}"
    )


def graph_activities(store: Store, base_iri: str) -> dict[str, list[str]]:
    """Each graph that has a record, with the activities that wrote it."""
    result = store.query(
        f"SELECT ?g ?a WHERE {{ GRAPH {_iri(imports_graph(base_iri))} "
        f"{{ ?g <{PROV}wasGeneratedBy> ?a }} }} ORDER BY ?g ?a"
    )
    assert isinstance(result, ox.QuerySolutions)
    found: dict[str, list[str]] = {}
    for row in result:
        graph, activity = row["g"], row["a"]
        if isinstance(graph, ox.NamedNode) and isinstance(activity, ox.NamedNode):
            found.setdefault(graph.value, []).append(activity.value)
    return found


def record_triples(store: Store, base_iri: str) -> list[ox.Triple]:
    """Every triple of the catalogue graph (the records, for the VoID description)."""
    result = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_iri(imports_graph(base_iri))} {{ ?s ?p ?o }} }}"
    )
    assert isinstance(result, ox.QueryTriples)
    return list(result)
