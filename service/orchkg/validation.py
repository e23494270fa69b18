"""SHACL validation of the dataset against the shapes in ``ontology/shapes.ttl``."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable

import rdflib
from rdflib.namespace import RDF, SH

from orchkg.content import content_files
from orchkg.formats import rdf_format
from orchkg.namespaces import prefixes
from orchkg.settings import Settings
from orchkg.store import Store

SHAPES_STEM = "shapes"


@dataclasses.dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    value: str | None
    severity: str
    message: str

    def __str__(self) -> str:
        where = self.focus if self.path is None else f"{self.focus} {self.path}"
        value = "" if self.value is None else f" (value: {self.value})"
        return f"{self.severity}: {where}: {self.message}{value}"


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: tuple[Violation, ...]
    data_triples: int


def _rdflib_graph(store: Store, graphs: Iterable[str], base_iri: str) -> rdflib.Graph:
    merged = rdflib.Graph()
    for name, namespace in prefixes(base_iri).items():
        merged.bind(name, namespace, override=True)
    for iri in graphs:
        buffer = io.BytesIO()
        store.export(buffer, rdf_format("ntriples"), graph=iri)
        merged.parse(data=buffer.getvalue().decode("utf-8"), format="nt")
    return merged


def _short(graph: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.URIRef):
        return graph.namespace_manager.normalizeUri(node)
    if isinstance(node, rdflib.BNode):
        return "[a blank node]"
    return node.n3()


def validate_store(store: Store, settings: Settings) -> ValidationReport:
    """Validate every named graph of the store that is not ontology or shapes."""
    ontology_graphs = [
        item.graph for item in content_files(settings) if item.path.parent.name == "ontology"
    ]
    shapes = [graph for graph in ontology_graphs if graph.endswith(f"/{SHAPES_STEM}")]
    vocabulary = [graph for graph in ontology_graphs if graph not in shapes]
    data = [graph for graph in store.graphs() if graph not in ontology_graphs]
    return validate_graphs(
        _rdflib_graph(store, data, settings.base_iri),
        _rdflib_graph(store, shapes, settings.base_iri),
        _rdflib_graph(store, vocabulary, settings.base_iri),
    )


def validate_graphs(
    data: rdflib.Graph, shapes: rdflib.Graph, vocabulary: rdflib.Graph
) -> ValidationReport:
    """Run pyshacl and turn its report into a list of violations."""
    import pyshacl  # noqa: PLC0415 -- a slow import, paid only when validating

    conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=vocabulary,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    violations = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        violations.append(
            Violation(
                focus=_short(data, report.value(result, SH.focusNode)) or "?",
                path=_short(data, report.value(result, SH.resultPath)),
                value=_short(data, report.value(result, SH.value)),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                message=str(report.value(result, SH.resultMessage) or "constraint not met"),
            )
        )
    violations.sort(key=lambda v: (v.focus, v.path or "", v.message))
    return ValidationReport(bool(conforms), tuple(violations), len(data))
