"""Structurizr workspaces: what the JSON and the DSL hold is what the store says."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from orchkg.architecture import platform_iri, platform_model
from orchkg.namespaces import sparql_prologue
from orchkg.store import OxigraphStore
from orchkg.structurizr import IRI_PROPERTY, PROPERTY_PROPERTY, workspace_dsl, workspace_json

BASE = "https://w3id.org/orchkg/"
KG = BASE + "resource/"
PLATFORMS = ("kubernetes", "mesos-marathon", "dcos")


def _select(store: OxigraphStore, query: str) -> list[tuple[str, ...]]:
    result = store.query(sparql_prologue(BASE) + query)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple(term.value for term in row) for row in result]  # type: ignore[union-attr]


def _systems(store: OxigraphStore, platform: str) -> set[str]:
    rows = _select(
        store,
        f"SELECT ?s WHERE {{ <{KG}{platform}> (okg:hasMember|okg:builtOn)* ?s . "
        "?s a okg:Platform }",
    )
    return {row[0] for row in rows}


def _containers(store: OxigraphStore, system: str) -> set[str]:
    return {row[0] for row in _select(store, f"SELECT ?c WHERE {{ ?c okg:partOf <{system}> }}")}


def _relations(store: OxigraphStore, nodes: set[str]) -> set[tuple[str, str, str]]:
    values = " ".join(f"<{n}>" for n in sorted(nodes))
    rows = _select(
        store,
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} VALUES ?o {{ {values} }} ?s ?p ?o . "
        "?p rdfs:subPropertyOf+ okg:architectureRelation . FILTER(?p NOT IN (okg:hasRole, "
        "okg:supportsFeature, okg:providesCapability, okg:developedBy, okg:usedBy)) }",
    )
    return {(s, p, o) for s, p, o in rows}


def _walk(systems: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str | None]]:
    for system in systems:
        yield system, None
        for container in system.get("containers", []):
            yield container, system["properties"][IRI_PROPERTY]
            for component in container.get("components", []):
                yield component, container["properties"][IRI_PROPERTY]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_json_workspace_matches_the_store(shipped_store: OxigraphStore, platform: str) -> None:
    model = platform_model(shipped_store, platform_iri(platform, BASE), BASE)
    workspace = json.loads(json.dumps(workspace_json(model, BASE)))
    systems = workspace["model"]["softwareSystems"]
    assert {s["properties"][IRI_PROPERTY] for s in systems} == _systems(shipped_store, platform)
    elements = list(_walk(systems))
    ids = [element["id"] for element, _ in elements]
    assert len(ids) == len(set(ids))
    by_id = {element["id"]: element["properties"][IRI_PROPERTY] for element, _ in elements}
    for system in systems:
        iri = system["properties"][IRI_PROPERTY]
        containers = {c["properties"][IRI_PROPERTY] for c in system.get("containers", [])}
        assert containers == _containers(shipped_store, iri)
        names = [c["name"] for c in system.get("containers", [])]
        assert len(names) == len(set(names))
    nesting = {
        (element["properties"][IRI_PROPERTY], BASE + "ontology#partOf", parent)
        for element, parent in elements
        if parent
    }
    relationships = set()
    relationship_ids = []
    for element, _ in elements:
        for relation in element.get("relationships", []):
            assert relation["sourceId"] == element["id"]
            relationship_ids.append(relation["id"])
            relationships.add(
                (
                    by_id[relation["sourceId"]],
                    relation["properties"][PROPERTY_PROPERTY],
                    by_id[relation["destinationId"]],
                )
            )
    assert len(relationship_ids) == len(set(relationship_ids))
    expected = _relations(shipped_store, set(by_id.values())) - nesting
    assert relationships == expected
    assert relationships  # there is something to compare


def test_kubernetes_relationships_read_as_the_ontology_words_them(
    shipped_store: OxigraphStore,
) -> None:
    model = platform_model(shipped_store, platform_iri("kubernetes", BASE), BASE)
    workspace = workspace_json(model, BASE)
    (system,) = workspace["model"]["softwareSystems"]
    assert system["name"] == "Kubernetes"
    apiserver = next(c for c in system["containers"] if c["name"] == "Kubernetes API server")
    etcd = next(c for c in system["containers"] if c["name"] == "etcd")
    stores = [r for r in apiserver["relationships"] if r["destinationId"] == etcd["id"]]
    assert [r["description"] for r in stores] == ["stores state in"]
    view = workspace["views"]["containerViews"][0]
    assert view["softwareSystemId"] == system["id"]
    assert {e["id"] for e in view["elements"]} == {c["id"] for c in system["containers"]}


_ELEMENT = re.compile(
    r'^\s*(e\d+) = (softwareSystem|container|component) "((?:[^"\\]|\\.)*)"', re.MULTILINE
)
_IRI = re.compile(r'^\s*"orchkg\.iri" "((?:[^"\\]|\\.)*)"', re.MULTILINE)
_RELATION = re.compile(r'^\s*(e\d+) -> (e\d+) "((?:[^"\\]|\\.)*)"\s*$', re.MULTILINE)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_dsl_holds_the_same_elements_and_relationships(
    shipped_store: OxigraphStore, platform: str
) -> None:
    model = platform_model(shipped_store, platform_iri(platform, BASE), BASE)
    text = workspace_dsl(model, BASE)
    assert text.startswith("workspace ")
    assert text.count("{") == text.count("}")
    elements = _ELEMENT.findall(text)
    iris = _IRI.findall(text)
    assert len(elements) == len(iris)  # each element's properties follow it
    dsl_iri = {identifier: iri for (identifier, _, _), iri in zip(elements, iris, strict=True)}
    workspace = workspace_json(model, BASE)
    json_elements = {
        e["properties"][IRI_PROPERTY]: e for e, _ in _walk(workspace["model"]["softwareSystems"])
    }
    assert set(dsl_iri.values()) == set(json_elements)
    kinds = {
        "softwareSystem": "Software System",
        "container": "Container",
        "component": "Component",
    }
    for identifier, keyword, name in elements:
        element = json_elements[dsl_iri[identifier]]
        assert element["name"] == name.replace('\\"', '"')
        assert element["tags"].endswith(kinds[keyword])
    json_relations = {
        (
            next(i for i, e in json_elements.items() if e["id"] == r["sourceId"]),
            next(i for i, e in json_elements.items() if e["id"] == r["destinationId"]),
            r["description"],
        )
        for e in json_elements.values()
        for r in e.get("relationships", [])
    }
    dsl_relations = {(dsl_iri[s], dsl_iri[o], d) for s, o, d in _RELATION.findall(text)}
    assert dsl_relations == json_relations
    assert (
        f"systemContext e{workspace['views']['systemContextViews'][0]['softwareSystemId']}" in text
    )
