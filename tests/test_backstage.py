"""Backstage catalogs: the export follows the descriptor format, an export imports back to
the same facts, a hand-written catalog maps to the ontology, and bad catalogs change nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from orchkg import provenance
from orchkg.architecture import is_backstage_name, platform_iri, platform_model
from orchkg.backstage import (
    EXPORT_API_VERSION,
    IRI_KEY,
    KINDS,
    MAX_DEPTH,
    export_catalog,
    import_catalog,
)
from orchkg.content import open_store
from orchkg.errors import ClientError, NotFoundError
from orchkg.namespaces import sparql_prologue
from orchkg.settings import Settings, load_settings
from orchkg.store import OxigraphStore, Store

BASE = "https://w3id.org/orchkg/"
KG = BASE + "resource/"
OKG = BASE + "ontology#"
SHOP = Path(__file__).resolve().parent / "data" / "backstage" / "shop-catalog.yaml"
PLATFORMS = ("kubernetes", "mesos-marathon", "dcos")
AGENT = provenance.Agent("urn:orchkg:agent:test", "the test suite", person=False)
REF = re.compile(r"^(system|component|resource|api|group):default/[A-Za-z0-9][-_.A-Za-z0-9]*$")


@pytest.fixture
def store(shipped_settings: Settings) -> Store:
    """A store of its own, with the shipped content (these tests write)."""
    return open_store(shipped_settings)


@pytest.fixture(scope="module")
def refusing_store() -> Store:
    """One store for the refusal tests: a refused import writes nothing, which they check."""
    return open_store(load_settings({"content_dir": str(Path(__file__).parents[1])}, environ={}))


def _export(store: Store, platform: str) -> str:
    return export_catalog(store, platform_model(store, platform_iri(platform, BASE), BASE), BASE)


def _import(store: Store, text: str | bytes, graph: str, source: str = "catalog.yaml") -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    import_catalog(store, data, source=source, graph=graph, base_iri=BASE, agent=AGENT)


def _graph(store: Store, graph: str) -> set[tuple[str, str, str]]:
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, ox.QuerySolutions)
    return {(str(row["s"]), str(row["p"]), str(row["o"])) for row in result}


def _dataset(store: Store) -> set[str]:
    result = store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(result, ox.QuerySolutions)
    return {" ".join(str(term) for term in row) for row in result}


EXPECTED_FACTS = """
SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?platform { <PLATFORM> }
  { ?platform (okg:hasMember|okg:builtOn)* ?system . ?system a okg:Platform . BIND(?system AS ?s) }
  UNION
  { ?platform (okg:hasMember|okg:builtOn)* ?system . ?system a okg:Platform .
    ?s okg:partOf+ ?system }
  {
    ?s ?p ?o FILTER(?p IN (rdf:type, okg:hasRole))
  } UNION {
    ?s ?p ?o FILTER(?p IN (rdfs:label, skos:definition) && lang(?o) IN ("en", "ko"))
  } UNION {
    ?s okg:developedBy ?o . ?o a okg:Organisation . BIND(okg:developedBy AS ?p)
    FILTER EXISTS { ?s a okg:Platform }
  } UNION {
    ?s ?p ?o . ?p rdfs:subPropertyOf+ okg:architectureRelation .
    FILTER(?p NOT IN (okg:hasRole, okg:supportsFeature, okg:providesCapability,
                      okg:developedBy, okg:usedBy))
    { ?platform (okg:hasMember|okg:builtOn)* ?o . ?o a okg:Platform }
    UNION
    { ?platform (okg:hasMember|okg:builtOn)* ?other . ?other a okg:Platform .
      ?o okg:partOf+ ?other }
  } UNION {
    ?s ?p ?o . ?p rdfs:subPropertyOf* okg:dependsOn .
    { ?o a okg:Component } UNION { ?o a okg:Platform }
  }
}
"""
"""The facts an export carries, as the ontology defines them: the platform's systems and
their parts, their types, roles, English and Korean labels and definitions, the
organisations that develop the systems, the architecture relations among them, and what
they depend on outside (a component or platform, referred to by name)."""


def _expected(store: Store, platform: str) -> set[tuple[str, str, str]]:
    query = sparql_prologue(BASE) + EXPECTED_FACTS.replace("PLATFORM", KG + platform)
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return {(str(row["s"]), str(row["p"]), str(row["o"])) for row in result}


# -- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_export_follows_the_descriptor_format(shipped_store: OxigraphStore, platform: str) -> None:
    documents = list(yaml.safe_load_all(_export(shipped_store, platform)))
    names = {(d["kind"].lower(), d["metadata"]["name"]) for d in documents}
    assert len(names) == len(documents)  # unique per kind
    for document in documents:
        assert document["apiVersion"] == EXPORT_API_VERSION
        assert document["kind"] in KINDS
        assert is_backstage_name(document["metadata"]["name"])
        assert document["metadata"]["annotations"][IRI_KEY].startswith(KG)
        spec = document["spec"]
        assert spec["owner"]
        if document["kind"] != "System":
            assert spec["type"]
        refs = [spec[key] for key in ("system", "subcomponentOf") if key in spec]
        refs += spec.get("dependsOn", []) + spec.get("providesApis", [])
        for ref in refs:
            assert REF.match(ref), ref
            kind, _, name = ref.partition(":default/")
            if (kind, name) not in names:  # a dependency outside: in the graph
                assert ref in spec.get("dependsOn", []), ref
                known = shipped_store.query(f"ASK {{ <{KG}{name}> a ?type }}")
                assert known, f"{ref} is neither in the file nor in the graph"
    kinds = {d["kind"] for d in documents}
    assert kinds >= {"System", "Component"}


def test_kubernetes_export_maps_the_architecture(shipped_store: OxigraphStore) -> None:
    documents = {
        d["metadata"]["name"]: d for d in yaml.safe_load_all(_export(shipped_store, "kubernetes"))
    }
    assert documents["kubernetes"]["kind"] == "System"
    assert documents["kubernetes"]["spec"]["owner"] == "group:default/google"
    assert documents["etcd"]["kind"] == "Resource"  # the state store
    apiserver = documents["kube-apiserver"]
    assert apiserver["kind"] == "Component"
    assert apiserver["metadata"]["title"] == "Kubernetes API server"
    assert apiserver["spec"]["system"] == "system:default/kubernetes"
    assert apiserver["spec"]["dependsOn"] == ["resource:default/etcd"]
    relations = apiserver["metadata"]["annotations"]["orchkg.dev/relations"].splitlines()
    assert "okg:storesStateIn resource:default/etcd" in relations
    assert "okg:runsOn component:default/kubernetes-master" in relations
    assert apiserver["metadata"]["annotations"]["orchkg.dev/label-ko"] == "쿠버네티스 API 서버"
    # tools and abstractions are outside the architecture's parts
    assert "kubectl" not in documents
    assert "pod" not in documents


def test_dcos_export_holds_what_it_is_built_on(shipped_store: OxigraphStore) -> None:
    documents = {
        d["metadata"]["name"]: d for d in yaml.safe_load_all(_export(shipped_store, "dcos"))
    }
    assert documents["mesos"]["kind"] == "System"
    assert documents["mesos-master"]["spec"]["system"] == "system:default/mesos"
    relations = documents["dcos"]["metadata"]["annotations"]["orchkg.dev/relations"]
    assert "okg:builtOn system:default/mesos" in relations.splitlines()


def test_unknown_platform_is_not_found(shipped_store: OxigraphStore) -> None:
    with pytest.raises(NotFoundError, match="not a platform"):
        platform_model(shipped_store, platform_iri("etcd", BASE), BASE)
    with pytest.raises(NotFoundError):
        platform_model(shipped_store, platform_iri("no-such-thing", BASE), BASE)


# -- round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_export_then_import_gives_the_exported_facts(store: Store, platform: str) -> None:
    expected = _expected(store, platform)
    assert len(expected) > 40  # the query finds the architecture, not nothing
    graph = f"http://example.org/roundtrip/{platform}"
    _import(store, _export(store, platform), graph)
    assert _graph(store, graph) == expected


def test_a_hand_written_catalog_round_trips_through_its_own_export(store: Store) -> None:
    _import(store, SHOP.read_bytes(), "http://example.org/shop", "shop-catalog.yaml")
    first = _graph(store, "http://example.org/shop")
    text = _export(store, "example-shop")
    kinds = {d["kind"] for d in yaml.safe_load_all(text)}
    assert kinds == {"System", "Component", "Resource", "API"}
    _import(store, text, "http://example.org/shop-again")
    assert _graph(store, "http://example.org/shop-again") == first


# -- a hand-written catalog -------------------------------------------------------------------


def test_shop_catalog_maps_to_the_ontology(store: Store) -> None:
    _import(store, SHOP.read_bytes(), "http://example.org/shop", "shop-catalog.yaml")
    triples = _graph(store, "http://example.org/shop")
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

    def has(s: str, p: str, o: str) -> bool:
        return (s, p, o) in triples

    assert has(f"<{KG}example-shop>", rdf_type, f"<{OKG}Platform>")
    assert has(f"<{KG}orders-service>", rdf_type, f"<{OKG}Component>")
    assert has(f"<{KG}orders-db>", rdf_type, f"<{OKG}Component>")
    assert has(f"<{KG}orders-db>", f"<{OKG}hasRole>", f"<{OKG}StateStoreRole>")  # type database
    assert has(f"<{KG}orders-api>", rdf_type, "<https://schema.org/WebAPI>")
    assert has(f"<{KG}orders-service>", f"<{OKG}partOf>", f"<{KG}example-shop>")
    assert has(f"<{KG}orders-service>", f"<{OKG}exposes>", f"<{KG}orders-api>")
    assert has(f"<{KG}shop-storefront>", f"<{OKG}uses>", f"<{KG}orders-api>")
    assert has(f"<{KG}orders-service>", f"<{OKG}dependsOn>", f"<{KG}orders-db>")
    # a Kubernetes component, found in the graph by its name
    assert has(f"<{KG}orders-service>", f"<{OKG}dependsOn>", f"<{KG}kube-apiserver>")
    # the owner is a team orchkg does not know: not stored
    assert not any("team-shop" in o for _, _, o in triples)


def test_import_replaces_the_graph_and_records_it(store: Store) -> None:
    graph = "http://example.org/shop"
    _import(store, SHOP.read_bytes(), graph, "shop-catalog.yaml")
    _import(store, SHOP.read_bytes(), graph, "shop-catalog.yaml")
    smaller = SHOP.read_text(encoding="utf-8").split("\n---\n")[0]
    _import(store, smaller, graph, "just-the-system.yaml")
    assert {s for s, _, _ in _graph(store, graph)} == {f"<{KG}example-shop>"}
    activities = provenance.graph_activities(store, BASE)
    assert len(activities[graph]) == 1  # replaced, not added to
    records = provenance.record_triples(store, BASE)
    labels = {t.object.value for t in records if t.predicate.value.endswith("#label")}
    assert "just-the-system.yaml" in labels
    assert "shop-catalog.yaml" not in labels


def test_iri_annotation_and_name_clashes(store: Store) -> None:
    clash = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: etcd}
spec: {type: service, lifecycle: production, owner: me}
"""
    with pytest.raises(ClientError, match=r"document 1 \(Component 'etcd'\): metadata.name: .*"):
        _import(store, clash, "http://example.org/clash")
    said = clash.replace(
        "metadata: {name: etcd}",
        f"metadata: {{name: etcd, annotations: {{orchkg.dev/iri: '{KG}etcd'}}}}",
    )
    _import(store, said, "http://example.org/clash")
    assert (f"<{KG}etcd>", f"<{OKG}partOf>", f"<{KG}kubernetes>") not in _graph(
        store, "http://example.org/clash"
    )


# -- bad input --------------------------------------------------------------------------------

GOOD = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: one
spec:
  owner: me
"""

BAD_CATALOGS = {
    "not yaml": ("key: [unclosed", r"catalog\.yaml:\d+:\d+: not YAML"),
    "not utf-8": (b"\xff\xfe\x00", "not UTF-8"),
    "a list": (GOOD + "---\n- a\n- b\n", r"document 2: \(document\): must be a mapping"),
    "a string": (GOOD + "---\njust words\n", r"document 2: \(document\): must be a mapping"),
    "wrong apiVersion": (
        GOOD.replace("backstage.io/v1alpha1", "v1"),
        r"document 1: apiVersion: must be one of",
    ),
    "wrong kind": (GOOD.replace("System", "Deployment"), r"document 1: kind: must be one of"),
    "no name": (GOOD.replace("  name: one\n", "  title: One\n"), "metadata.name: is missing"),
    "bad name": (GOOD.replace("name: one", "name: -one-"), "is not a Backstage name"),
    "no owner": (GOOD.replace("  owner: me\n", "  domain: x\n"), r"spec\.owner: is missing"),
    "no spec": (GOOD.replace("spec:\n  owner: me\n", ""), "spec: is missing"),
    "dangling ref": (
        GOOD
        + """---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: two}
spec:
  type: service
  lifecycle: production
  owner: me
  system: one
  dependsOn: [component:default/three]
""",
        r"document 2 \(Component 'two'\): spec\.dependsOn\[0\]: 'component:default/three' is "
        r"neither an entity of this file nor a component in the graph",
    ),
    "dangling system": (
        GOOD.replace("kind: System", "kind: Resource").replace(
            "  owner: me\n", "  owner: me\n  type: database\n  system: nowhere\n"
        ),
        r"spec\.system: 'nowhere' is neither",
    ),
    "dependsOn not a list": (
        GOOD.replace("kind: System", "kind: Resource").replace(
            "  owner: me\n", "  owner: me\n  type: database\n  dependsOn: component:x\n"
        ),
        r"spec\.dependsOn: must be a list",
    ),
    "bad namespace": (
        GOOD.replace("  name: one\n", "  name: one\n  namespace: '{x}'\n"),
        r"metadata\.namespace: '\{x\}' is not a Backstage namespace",
    ),
    "bad reference": (
        GOOD.replace("kind: System", "kind: Resource").replace(
            "  owner: me\n", "  owner: me\n  type: database\n  system: 'system:{x}/one'\n"
        ),
        r"spec\.system: 'system:\{x\}/one' is not an entity reference",
    ),
    "same entity twice": (GOOD + "---\n" + GOOD, r"document 2 .*the same entity as document 1"),
    "unknown relation": (
        GOOD.replace(
            "  name: one\n",
            "  name: one\n  annotations:\n    orchkg.dev/relations: rdf:type system:default/one\n",
        ),
        r"orchkg\.dev/relations line 1: rdf:type is not an architecture relation",
    ),
    "an alias": (
        "a: &x [1, 2]\nb: *x\n",
        r"document 1: &x: YAML anchors are not accepted",
    ),
    "a python tag": ("!!python/object:os.system {}\n", "not YAML"),
    "too deep": ("x: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", "nested deeper"),
    "empty": ("# nothing\n", "holds no entity"),
}

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize("name", sorted(BAD_CATALOGS))
def test_bad_catalogs_are_refused_and_change_nothing(refusing_store: Store, name: str) -> None:
    store = refusing_store
    text, message = BAD_CATALOGS[name]
    before = _dataset(store)
    with pytest.raises(ClientError, match=message):
        _import(store, text, "http://example.org/bad")
    assert _dataset(store) == before


def test_a_billion_laughs_is_refused_before_it_expands(store: Store) -> None:
    before = _dataset(store)
    with pytest.raises(ClientError, match="YAML anchors are not accepted"):
        _import(store, BOMB, "http://example.org/bad")
    assert _dataset(store) == before


def test_a_huge_catalog_is_refused(store: Store) -> None:
    huge = GOOD + "# " + "x" * 10_000_001 + "\n"
    with pytest.raises(ClientError, match="over 10,000,000 bytes"):
        _import(store, huge, "http://example.org/bad")


def test_the_records_graph_is_not_an_import_target(store: Store) -> None:
    with pytest.raises(ClientError, match="holds the provenance records"):
        _import(store, GOOD, provenance.imports_graph(BASE))
