"""Counts that describe the dataset: triples per named graph, classes, properties."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox

from orchkg.store import Store


@dataclasses.dataclass(frozen=True)
class DatasetStats:
    triples: int
    graphs: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]

    def as_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def _counts(store: Store, sparql: str) -> dict[str, int]:
    result = store.query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    counts: dict[str, int] = {}
    for row in result:
        key, value = row["key"], row["n"]
        if isinstance(key, ox.NamedNode) and isinstance(value, ox.Literal):
            counts[key.value] = int(value.value)
    return counts


def dataset_stats(store: Store) -> DatasetStats:
    graphs = {graph: store.triple_count(graph) for graph in store.graphs()}
    classes = _counts(
        store,
        "SELECT ?key (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?key } "
        "GROUP BY ?key ORDER BY DESC(?n)",
    )
    properties = _counts(
        store, "SELECT ?key (COUNT(*) AS ?n) WHERE { ?s ?key ?o } GROUP BY ?key ORDER BY DESC(?n)"
    )
    default_triples = store.triple_count(None)
    if default_triples:
        graphs["(default graph)"] = default_triples
    return DatasetStats(sum(graphs.values()), graphs, classes, properties)
