"""A diagram in the formats other tools read: GraphML, GEXF, DOT, node-link and Cytoscape
JSON (networkx's writers; DOT written here), and the view's triples as Turtle.

Every format carries the same nodes (keyed by IRI) and edges (keyed by property IRI);
GraphML and GEXF hold only scalar attributes, so the diagram's are all strings or
booleans already.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from typing import Any

import networkx as nx
import pyoxigraph as ox

from orchkg.diagrams import RDF_TYPE, RDFS_LABEL, SKOS_DEFINITION
from orchkg.errors import ClientError
from orchkg.namespaces import prefixes, vocabulary_iri


@dataclasses.dataclass(frozen=True)
class ExportFormat:
    """A diagram format: its name (the file extension), media type and writer."""

    name: str
    media_type: str
    description: str


EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat("svg", "image/svg+xml", "the diagram, as drawn (SVG)"),
        ExportFormat("png", "image/png", "the diagram, as drawn (PNG)"),
        ExportFormat("graphml", "application/graphml+xml", "GraphML (yEd, Gephi, networkx)"),
        ExportFormat("gexf", "application/gexf+xml", "GEXF (Gephi)"),
        ExportFormat("dot", "text/vnd.graphviz", "Graphviz DOT"),
        ExportFormat(
            "json", "application/json", "node-link JSON (networkx, D3) with the analytics"
        ),
        ExportFormat("cyjs", "application/json", "Cytoscape.js JSON"),
        ExportFormat("ttl", "text/turtle", "the view's triples (Turtle)"),
    )
}


def export_format(name: str) -> ExportFormat:
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise ClientError(
            f"no diagram format {name!r}; the formats are: {', '.join(EXPORT_FORMATS)}"
        ) from None


def _scalar_graph(digraph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose graph-level attributes are all scalars (GraphML, GEXF)."""
    copy = digraph.copy()
    copy.graph = {
        key: value
        for key, value in digraph.graph.items()
        if isinstance(value, str | int | float | bool)
    }
    return copy


def to_graphml(digraph: nx.MultiDiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(_scalar_graph(digraph), buffer, encoding="utf-8")
    return buffer.getvalue()


def to_gexf(digraph: nx.MultiDiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(_scalar_graph(digraph), buffer, encoding="utf-8")
    return buffer.getvalue()


def node_link(digraph: nx.MultiDiGraph) -> dict[str, Any]:
    """networkx's node-link data (edges under ``links``), JSON-ready."""
    data: dict[str, Any] = nx.node_link_data(digraph, edges="links")
    return data


def to_json(digraph: nx.MultiDiGraph, extra: dict[str, Any] | None = None) -> bytes:
    data = node_link(digraph)
    data["graph"] = {**data.get("graph", {}), **(extra or {})}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def to_cytoscape(digraph: nx.MultiDiGraph) -> bytes:
    data = nx.cytoscape_data(digraph)
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _dot_string(text: str) -> str:
    """A DOT double-quoted string.

    >>> _dot_string('say "hi"\\\\')
    '"say \\\\"hi\\\\"\\\\\\\\"'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(digraph: nx.MultiDiGraph, lang: str = "en") -> bytes:
    """Graphviz DOT, one cluster per group when the nodes have been placed in groups."""
    lines = [f"digraph {_dot_string(str(digraph.graph.get('view', 'view')))} {{"]
    lines.append('  graph [rankdir=TB, fontname="sans-serif"];')
    lines.append(
        '  node [shape=box, style="rounded,filled", fillcolor="#f1f3f5", fontname="sans-serif"];'
    )
    lines.append('  edge [fontname="sans-serif", fontsize=10];')
    for iri in sorted(digraph.nodes):
        attributes = digraph.nodes[iri]
        label = attributes.get(f"label_{lang}") or attributes.get("label") or iri
        tooltip = attributes.get("definition") or ""
        lines.append(
            f"  {_dot_string(iri)} [label={_dot_string(str(label))}, "
            f"tooltip={_dot_string(str(tooltip))}];"
        )
    for s, o, key, attributes in sorted(digraph.edges(keys=True, data=True)):
        label = attributes.get(f"label_{lang}") or attributes.get("label") or key
        style = ", style=dotted" if attributes.get("membership") else ""
        lines.append(
            f"  {_dot_string(s)} -> {_dot_string(o)} [key={_dot_string(key)}, "
            f"label={_dot_string(str(label))}{style}];"
        )
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def view_triples(digraph: nx.MultiDiGraph, base_iri: str) -> list[ox.Triple]:
    """The triples the view shows: each node's types, labels, definition and roles, and
    each edge."""
    okg = vocabulary_iri(base_iri)
    triples: list[ox.Triple] = []
    for iri in sorted(digraph.nodes):
        attributes = digraph.nodes[iri]
        node = ox.NamedNode(iri)
        for kind in str(attributes.get("types") or "").split():
            triples.append(ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(kind)))
        for lang in ("en", "ko"):
            label = attributes.get(f"label_{lang}")
            if label:
                triples.append(
                    ox.Triple(node, ox.NamedNode(RDFS_LABEL), ox.Literal(str(label), language=lang))
                )
        for key, lang in (("definition", "en"), ("definition_ko", "ko")):
            text = attributes.get(key)
            if text:
                triples.append(
                    ox.Triple(
                        node, ox.NamedNode(SKOS_DEFINITION), ox.Literal(str(text), language=lang)
                    )
                )
        for role in str(attributes.get("roles") or "").split():
            triples.append(ox.Triple(node, ox.NamedNode(okg + "hasRole"), ox.NamedNode(role)))
    for s, o, key in sorted(digraph.edges(keys=True)):
        triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(key), ox.NamedNode(o)))
    return sorted(set(triples), key=str)


def to_turtle(digraph: nx.MultiDiGraph, base_iri: str) -> bytes:
    data = ox.serialize(
        view_triples(digraph, base_iri), format=ox.RdfFormat.TURTLE, prefixes=prefixes(base_iri)
    )
    assert isinstance(data, bytes)
    return data


WRITERS: dict[str, Callable[[nx.MultiDiGraph], bytes]] = {
    "graphml": to_graphml,
    "gexf": to_gexf,
    "cyjs": to_cytoscape,
}
