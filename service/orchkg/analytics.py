"""Analytics on a diagram: single points of failure, centrality, shortest paths.

They run on the *interaction* edges, as an undirected simple graph: membership (part
of, has member) and the cross-platform alignment (counterpart of) are left out, since
every component is part of its platform and that would hide the real single points
of failure. An articulation point is a node whose loss disconnects what it joins.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import networkx as nx

from orchkg.diagrams import NON_INTERACTION_RELATIONS
from orchkg.errors import ClientError

TOP = 10


def interactions(digraph: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple graph of the interaction edges (every node kept)."""
    graph = nx.Graph()
    graph.add_nodes_from(digraph.nodes)
    excluded = tuple("#" + name for name in NON_INTERACTION_RELATIONS)
    for s, o, key in digraph.edges(keys=True):
        if s != o and not str(key).endswith(excluded):
            graph.add_edge(s, o)
    return graph


@dataclasses.dataclass(frozen=True)
class Ranked:
    iri: str
    label: str
    value: float


@dataclasses.dataclass(frozen=True)
class Analytics:
    articulation_points: tuple[Ranked, ...]
    degree: tuple[Ranked, ...]
    betweenness: tuple[Ranked, ...]
    path: tuple[Ranked, ...] | None
    path_request: tuple[str, str] | None

    def as_json(self) -> dict[str, Any]:
        def rows(items: tuple[Ranked, ...] | None) -> list[dict[str, Any]] | None:
            if items is None:
                return None
            return [dataclasses.asdict(item) for item in items]

        return {
            "articulation_points": rows(self.articulation_points),
            "degree_centrality": rows(self.degree),
            "betweenness_centrality": rows(self.betweenness),
            "shortest_path": {
                "from": self.path_request[0],
                "to": self.path_request[1],
                "nodes": rows(self.path),
            }
            if self.path_request
            else None,
        }


def analyse(
    digraph: nx.MultiDiGraph, *, path_from: str | None = None, path_to: str | None = None
) -> Analytics:
    """Articulation points, the top degree and betweenness centralities, and the shortest
    path between two nodes of the view when both are given (a ClientError if they are
    not in it)."""
    graph = interactions(digraph)

    def label(iri: str) -> str:
        return str(digraph.nodes[iri].get("label") or iri)

    def top(values: dict[str, float]) -> tuple[Ranked, ...]:
        ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
        return tuple(
            Ranked(iri, label(iri), round(value, 4)) for iri, value in ordered[:TOP] if value > 0
        )

    points = tuple(
        Ranked(iri, label(iri), float(graph.degree(iri)))
        for iri in sorted(nx.articulation_points(graph))
    )
    degree = top(nx.degree_centrality(graph)) if graph.number_of_nodes() > 1 else ()
    betweenness = top(nx.betweenness_centrality(graph, normalized=True))
    path: tuple[Ranked, ...] | None = None
    request: tuple[str, str] | None = None
    if path_from or path_to:
        if not (path_from and path_to):
            raise ClientError("a shortest path needs both from and to")
        for end in (path_from, path_to):
            if end not in graph:
                raise ClientError(f"{end} is not a node of this view")
        request = (path_from, path_to)
        try:
            found = nx.shortest_path(graph, path_from, path_to)
            path = tuple(Ranked(iri, label(iri), float(i)) for i, iri in enumerate(found))
        except nx.NetworkXNoPath:
            path = ()
    return Analytics(points, degree, betweenness, path, request)
