"""Architecture views: what each view holds (checked against the seed), the exports, the
geometry of every drawing, determinism, escaping, the font, and the analytics."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree  # our own output, parsed to check it

import networkx as nx
import pyoxigraph as ox
import pytest

from orchkg import exports
from orchkg.analytics import analyse
from orchkg.content import load_content
from orchkg.diagrams import VIEWS, build_diagram, make_request
from orchkg.drawing import render_png, render_svg
from orchkg.fonts import diagram_font
from orchkg.layout import Box, layout, text_width
from orchkg.renderer import Renderer, store_runner
from orchkg.settings import Settings, load_settings
from orchkg.store import OxigraphStore

BASE = "https://w3id.org/orchkg/"
KG = BASE + "resource/"
OKG = BASE + "ontology#"
SVG = "{http://www.w3.org/2000/svg}"
DRAWN_VIEWS = [
    ("kubernetes", {}),
    ("mesos-marathon", {}),
    ("dcos", {}),
    ("compare", {}),
    ("compare", {"left": "mesos-marathon", "right": "kubernetes"}),
    ("neighbourhood", {"resource": "etcd", "depth": "2"}),
    ("neighbourhood", {"resource": "kube-apiserver", "depth": "3"}),
    ("dependencies", {"component": "mesos-marathon"}),
    ("custom", {}),
]


def diagram(store: OxigraphStore, name: str, lang: str = "en", **given: str) -> nx.MultiDiGraph:
    request = make_request(name, given, lang, base_iri=BASE)
    return build_diagram(
        store, request, base_iri=BASE, run_construct=store_runner(store, base_iri=BASE)
    )


def edges(digraph: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    """(subject, property, object) with the kg:/okg: namespaces cut off."""
    return {
        (s.removeprefix(KG), key.removeprefix(OKG), o.removeprefix(KG))
        for s, o, key in digraph.edges(keys=True)
    }


def nodes(digraph: nx.MultiDiGraph) -> set[str]:
    return {iri.removeprefix(KG) for iri in digraph.nodes}


# -- the views against the seed -------------------------------------------------------------


def test_the_kubernetes_view_holds_the_seeds_components_and_relations(
    shipped_store: OxigraphStore,
) -> None:
    digraph = diagram(shipped_store, "kubernetes")
    assert {
        "kubernetes",
        "kube-apiserver",
        "etcd",
        "kube-scheduler",
        "kube-controller-manager",
        "kubelet",
        "kubernetes-master",
        "kubernetes-node",
        "kubectl",
        "pod",
    } <= nodes(digraph)
    assert {
        ("kube-apiserver", "storesStateIn", "etcd"),  # line 16
        ("kubelet", "receivesSpecificationsFrom", "kube-apiserver"),  # line 20
        ("kube-scheduler", "placesWorkloadsOn", "kubernetes-node"),  # line 19
        ("kubernetes-master", "manages", "kubernetes-node"),  # line 21
        ("kubelet", "manages", "pod"),  # line 20
        ("kubectl", "communicatesWith", "kubernetes-master"),  # line 64
        ("pod", "runsOn", "kubernetes-node"),  # line 25
        ("etcd", "partOf", "kubernetes"),
    } <= edges(digraph)
    assert not nodes(digraph) & {"mesos-master", "zookeeper", "label", "pod-cidr"}


def test_nodes_keep_iri_labels_type_role_platform_definition(shipped_store: OxigraphStore) -> None:
    attributes = diagram(shipped_store, "kubernetes").nodes[KG + "kube-apiserver"]
    assert attributes["iri"] == KG + "kube-apiserver"
    assert attributes["label_en"] == "Kubernetes API server"
    assert attributes["label_ko"] == "쿠버네티스 API 서버"
    assert attributes["type"] == OKG + "Component"
    assert attributes["role"] == OKG + "APIServerRole"
    assert set(attributes["roles"].split()) == {OKG + "APIServerRole", OKG + "ControlPlaneRole"}
    assert attributes["platform"] == KG + "kubernetes"
    assert attributes["definition"].startswith("The hub of the master node")


def test_edges_keep_the_property_and_its_labels(shipped_store: OxigraphStore) -> None:
    digraph = diagram(shipped_store, "kubernetes", "ko")
    data = digraph.edges[KG + "kube-apiserver", KG + "etcd", OKG + "storesStateIn"]
    assert data["property"] == OKG + "storesStateIn"
    assert data["label_en"] == "stores state in"
    assert data["label_ko"] == "에 상태를 저장함"
    assert data["label"] == data["label_ko"]


def test_the_mesos_marathon_view_holds_the_seeds_components_and_frameworks(
    shipped_store: OxigraphStore,
) -> None:
    digraph = diagram(shipped_store, "mesos-marathon")
    assert {
        "zookeeper",
        "mesos-master",
        "mesos-agent",
        "marathon-scheduler",
        "docker-executor",
        "marathon",
        "spark",
        "cassandra",
        "framework-concept",
    } <= nodes(digraph)
    assert {
        ("framework-concept", "registersWith", "mesos-master"),  # line 37
        ("mesos-master", "offersResourcesTo", "framework-concept"),  # line 35
        ("mesos-agent", "reportsResourcesTo", "mesos-master"),  # line 36
        ("marathon-scheduler", "receivesOffersFrom", "mesos-master"),  # line 39
        ("docker-executor", "receivesSpecificationsFrom", "marathon-scheduler"),  # line 40
        ("docker-executor", "launches", "container"),  # line 40
        ("marathon", "runsOn", "mesos"),
        ("spark", "runsOn", "mesos"),
        ("cassandra", "runsOn", "mesos"),
        ("mesos", "electsLeaderThrough", "zookeeper"),
        ("mesos-marathon", "hasMember", "marathon"),
    } <= edges(digraph)
    assert not nodes(digraph) & {"kube-apiserver", "etcd", "pod"}
    assert digraph.nodes[KG + "spark"]["type"] == OKG + "Framework"


def test_the_dcos_view_is_built_on_mesos(shipped_store: OxigraphStore) -> None:
    digraph = diagram(shipped_store, "dcos")
    parts = {
        "dcos-package-management",
        "dcos-container-orchestration",
        "dcos-cluster-management",
        "dcos-user-interface",
        "dcos-monitoring",
    }
    assert parts | {"dcos", "mesos", "mesos-master", "mesos-agent"} <= nodes(digraph)
    assert ("dcos", "builtOn", "mesos") in edges(digraph)  # line 43
    assert {(part, "partOf", "dcos") for part in parts} <= edges(digraph)  # line 47


COUNTERPARTS = {
    ("kube-apiserver", "mesos-master"),
    ("etcd", "zookeeper"),
    ("kubelet", "mesos-agent"),
    ("kube-scheduler", "marathon-scheduler"),
    ("kube-dns-addon", "mesos-dns"),
}


def test_compare_puts_the_counterparts_on_the_same_row(shipped_store: OxigraphStore) -> None:
    digraph = diagram(shipped_store, "compare")
    assert {digraph.nodes[KG + a]["side"] for a, _ in COUNTERPARTS} == {"left"}
    assert {digraph.nodes[KG + b]["side"] for _, b in COUNTERPARTS} == {"right"}
    geometry = layout(digraph, "en", mode="compare", title="compare")
    boxes = {shape.iri.removeprefix(KG): shape.box for shape in geometry.nodes}
    for left, right in COUNTERPARTS:
        assert boxes[left].y + boxes[left].h / 2 == pytest.approx(
            boxes[right].y + boxes[right].h / 2
        ), (left, right)
        assert boxes[left].right < boxes[right].x


def test_compare_refuses_what_is_no_platform(shipped_store: OxigraphStore) -> None:
    from orchkg.errors import ClientError  # noqa: PLC0415

    with pytest.raises(ClientError, match="no platform"):
        diagram(shipped_store, "compare", left="etcd")
    with pytest.raises(ClientError, match="same platform"):
        diagram(shipped_store, "compare", left="dcos", right="dcos")


def test_neighbourhood_depth(shipped_store: OxigraphStore) -> None:
    one = diagram(shipped_store, "neighbourhood", resource="etcd", depth="1")
    assert nodes(one) == {"etcd", "kube-apiserver", "kubernetes", "zookeeper"}
    two = diagram(shipped_store, "neighbourhood", resource="kg:etcd", depth="2")
    assert nodes(one) < nodes(two)
    assert "mesos-master" in nodes(two)  # etcd - kube-apiserver - mesos-master (counterparts)


def test_dependencies_follow_the_sub_properties_of_depends_on(
    shipped_store: OxigraphStore,
) -> None:
    digraph = diagram(shipped_store, "dependencies", component="mesos-marathon")
    assert edges(digraph) == {("mesos-marathon", "storesStateIn", "zookeeper")}
    api = diagram(shipped_store, "dependencies", component=KG + "kube-apiserver")
    assert edges(api) == {("kube-apiserver", "storesStateIn", "etcd")}


def test_custom_views_take_a_construct(shipped_store: OxigraphStore) -> None:
    digraph = diagram(
        shipped_store,
        "custom",
        query="CONSTRUCT { ?s okg:runsOn ?o . ?s a okg:Framework } WHERE { ?s okg:runsOn ?o }",
    )
    assert ("spark", "runsOn", "mesos") in edges(digraph)
    assert digraph.nodes[KG + "spark"]["label_ko"] == "스파크"
    assert digraph.nodes[KG + "spark"]["type"] == OKG + "Framework"


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("nope", {}, "no view named"),
        ("kubernetes", {"depth": "1"}, "takes no parameters"),
        ("neighbourhood", {"depth": "4"}, "must be 1, 2 or 3"),
        ("neighbourhood", {"resource": "nothing-here"}, "not in the graph"),
        ("neighbourhood", {"resource": "zz:etcd"}, "unknown prefix"),
        ("neighbourhood", {"resource": "<bad iri>"}, "not an IRI"),
        ("custom", {"query": "SELECT * WHERE { ?s ?p ?o }"}, "CONSTRUCT"),
        (
            "custom",
            {"query": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }"},
            "SERVICE",
        ),
    ],
)
def test_bad_parameters_are_client_errors(
    shipped_store: OxigraphStore, name: str, given: dict[str, str], message: str
) -> None:
    from orchkg.errors import ClientError  # noqa: PLC0415

    with pytest.raises(ClientError, match=message):
        diagram(shipped_store, name, **given)


def test_every_view_is_documented() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "views.md").read_text(encoding="utf-8")
    for name, chosen in VIEWS.items():
        assert f"`{name}`" in text
        for parameter in chosen.parameters:
            assert f"`{parameter.name}`" in text


# -- exports ---------------------------------------------------------------------------------


def edge_triples(digraph: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(s, key, o) for s, o, key in digraph.edges(keys=True)}


@pytest.mark.parametrize(("name", "given"), DRAWN_VIEWS[:6])
def test_exports_round_trip_through_networkx(
    shipped_store: OxigraphStore, name: str, given: dict[str, str]
) -> None:
    digraph = diagram(shipped_store, name, **given)
    readers = {
        "graphml": nx.read_graphml(io.BytesIO(exports.to_graphml(digraph)), force_multigraph=True),
        "gexf": nx.read_gexf(io.BytesIO(exports.to_gexf(digraph))),
        "node-link": nx.node_link_graph(json.loads(exports.to_json(digraph)), edges="links"),
        "cytoscape": nx.cytoscape_graph(json.loads(exports.to_cytoscape(digraph))),
    }
    for fmt, loaded in readers.items():
        assert set(loaded.nodes) == set(digraph.nodes), fmt
        # networkx's GEXF reader makes a MultiDiGraph only when it meets parallel edges
        assert loaded.is_multigraph() or fmt == "gexf", fmt
        assert loaded.is_directed(), fmt
        found = {(s, str(data["property"]), o) for s, o, data in loaded.edges(data=True)}
        assert loaded.number_of_edges() == digraph.number_of_edges(), fmt
        assert found == edge_triples(digraph), fmt
        node = next(iter(sorted(digraph.nodes)))
        assert loaded.nodes[node]["label_ko"] == digraph.nodes[node]["label_ko"], fmt


def test_the_turtle_export_holds_the_views_triples(shipped_store: OxigraphStore) -> None:
    digraph = diagram(shipped_store, "kubernetes")
    parsed = set(ox.parse(exports.to_turtle(digraph, BASE), format=ox.RdfFormat.TURTLE))
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in parsed}
    assert edge_triples(digraph) <= triples
    label = ox.Literal("쿠버네티스 API 서버", language="ko")
    assert any(q.object == label for q in parsed)


def test_the_dot_export_names_every_node_and_edge(shipped_store: OxigraphStore) -> None:
    digraph = diagram(shipped_store, "mesos-marathon")
    text = exports.to_dot(digraph).decode()
    assert text.startswith('digraph "mesos-marathon" {')
    assert text.count(" -> ") == digraph.number_of_edges()
    for iri in digraph.nodes:
        assert f'"{iri}" [label=' in text


# -- geometry --------------------------------------------------------------------------------


def parse_svg(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 -- our own output


def number(element: ElementTree.Element, name: str) -> float:
    return float(element.attrib[name])


def box(element: ElementTree.Element, prefix: str = "data-") -> Box:
    return Box(*(number(element, f"{prefix}{k}") for k in ("x", "y", "w", "h")))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(("name", "given"), DRAWN_VIEWS)
def test_geometry_no_overlaps_and_every_label_fits(
    shipped_store: OxigraphStore, name: str, given: dict[str, str], lang: str
) -> None:
    """Parse the SVG: node boxes do not overlap, each label line lies inside its node's
    label box (with the width measured again from the font), edge labels collide with
    neither nodes nor each other."""
    renderer = Renderer(shipped_store, base_iri=BASE)
    request = make_request(name, given, lang, base_iri=BASE)
    root = parse_svg(renderer.render(request, "svg").decode())
    font = diagram_font()
    node_elements = [e for e in root.iter() if e.get("class") == "node"]
    assert len(node_elements) == renderer.drawn(request).digraph.number_of_nodes()
    boxes = []
    for element in node_elements:
        outer = box(element)
        inner = Box(*(number(element, f"data-label-{k}") for k in ("x", "y", "w", "h")))
        assert outer.contains(inner), element.get("data-iri")
        texts = element.findall(f"{SVG}text")
        assert texts
        for text in texts:
            size = number(text, "font-size")
            measured = text_width(text.text or "", size, font)
            assert number(text, "data-width") == pytest.approx(measured, abs=0.01)
            line = Box(number(text, "x"), number(text, "y") - font.ascent * size, measured, size)
            assert inner.contains(line), (element.get("data-iri"), text.text)
        boxes.append((element.get("data-iri"), outer))
    for i, (a, first) in enumerate(boxes):
        for b, second in boxes[i + 1 :]:
            assert not first.overlaps(second), (a, b)
    labels = [box(e) for e in root.iter() if e.get("class") == "edge-label"]
    for i, first in enumerate(labels):
        for second in labels[i + 1 :]:
            assert not first.overlaps(second)
        for iri, node_box in boxes:
            assert not first.overlaps(node_box), iri
    width, height = number(root, "width"), number(root, "height")
    for _, node_box in boxes:
        assert Box(0, 0, width, height).contains(node_box)


@pytest.mark.parametrize(("name", "given"), DRAWN_VIEWS)
def test_drawing_is_deterministic(
    shipped_store: OxigraphStore, name: str, given: dict[str, str]
) -> None:
    request = make_request(name, given, "ko", base_iri=BASE)
    first = Renderer(shipped_store, base_iri=BASE).render(request, "svg")
    second = Renderer(shipped_store, base_iri=BASE).render(request, "svg")
    assert first == second
    assert Renderer(shipped_store, base_iri=BASE).render(request, "json") == Renderer(
        shipped_store, base_iri=BASE
    ).render(request, "json")


def test_nodes_link_to_their_resource_pages_with_their_definition(
    shipped_store: OxigraphStore,
) -> None:
    request = make_request("kubernetes", {}, "en", base_iri=BASE)
    root = parse_svg(Renderer(shipped_store, base_iri=BASE).render(request, "svg").decode())
    links = {e.get("href"): e for e in root.iter(f"{SVG}a")}
    etcd = links["/resource/etcd"]
    title = etcd.find(f"{SVG}title")
    assert title is not None
    assert (title.text or "").startswith("A distributed key-value store")
    legend = [e.get("data-kind") for e in root.iter() if e.get("class") == "legend-entry"]
    assert "style" in legend


# -- the font --------------------------------------------------------------------------------


def test_the_diagram_font_has_every_hangul_glyph_the_views_use(
    shipped_store: OxigraphStore,
) -> None:
    """Fails when the Korean PNGs would show empty boxes: install fonts-noto-cjk or
    fonts-nanum (scripts/setup does, as root on Debian)."""
    from fontTools.ttLib import TTCollection, TTFont  # noqa: PLC0415

    font = diagram_font()
    used = set()
    for name, given in DRAWN_VIEWS:
        digraph = diagram(shipped_store, name, "ko", **given)
        for _, data in digraph.nodes(data=True):
            used.update(data["label_ko"])
        for _, _, data in digraph.edges(data=True):
            used.update(data["label_ko"])
    hangul = {ch for ch in used if 0xAC00 <= ord(ch) <= 0xD7A3}
    assert len(hangul) > 50
    path = font.path
    faces = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path)]
    cmap = faces[0].getBestCmap()
    missing = sorted(ch for ch in hangul if ord(ch) not in cmap)
    assert not missing, f"{font.family} ({path}) lacks {''.join(missing[:20])}"
    assert font.has_hangul


def test_a_korean_png_renders(shipped_store: OxigraphStore) -> None:
    request = make_request("dependencies", {"component": "kube-apiserver"}, "ko", base_iri=BASE)
    drawn = Renderer(shipped_store, base_iri=BASE).drawn(request)
    png = render_png(drawn.geometry)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert abs(width - drawn.geometry.width * 2) <= 1
    assert abs(height - drawn.geometry.height * 2) <= 1


# -- escaping --------------------------------------------------------------------------------

EVIL = '<script>alert(1)</script> " onerror="x'

EVIL_ONTOLOGY = """\
@prefix okg: <ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
okg:architectureRelation a owl:ObjectProperty ; rdfs:label "architecture relation"@en .
okg:runsOn rdfs:subPropertyOf okg:architectureRelation ;
    rdfs:label "runs <b>on</b>"@en , "실행 \\" onclick=\\"y"@ko .
okg:partOf rdfs:subPropertyOf okg:architectureRelation ; rdfs:label "part of"@en .
okg:Component a owl:Class .
okg:Platform a owl:Class .
"""

EVIL_GRAPH = f"""\
@prefix okg: <ontology#> .
@prefix kg: <resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
kg:evil a okg:Component ; rdfs:label {json.dumps(EVIL)}@en , {json.dumps(EVIL)}@ko ;
    skos:definition "</title><script>alert(2)</script>"@en ;
    okg:hasRole okg:SchedulerRole ; okg:partOf kg:plain ; okg:runsOn kg:plain .
kg:plain a okg:Platform ; rdfs:label "Plain & simple"@en .
"""


@pytest.fixture
def evil_settings(tmp_path: Path) -> Settings:
    root = tmp_path / "evil"
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(EVIL_ONTOLOGY, encoding="utf-8")
    (root / "graph" / "evil.ttl").write_text(EVIL_GRAPH, encoding="utf-8")
    return load_settings({"content_dir": str(root)}, environ={})


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_labels_come_out_as_text(evil_settings: Settings, lang: str) -> None:
    store = OxigraphStore()
    load_content(store, evil_settings)
    request = make_request("neighbourhood", {"resource": "evil"}, lang, base_iri=BASE)
    renderer = Renderer(store, base_iri=BASE)
    svg = renderer.render(request, "svg").decode()
    root = parse_svg(svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert not any(
        "onerror" in attribute or "onclick" in attribute
        for e in root.iter()
        for attribute in e.attrib
    )
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "<script>alert(1)</script>" in text
    assert "<script>" not in svg
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "</title><script>alert(2)</script>" in titles
    dot = renderer.render(request, "dot").decode()
    assert '\\" onerror=\\"x' in dot
    for fmt in ("graphml", "gexf"):
        loaded = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(
            io.BytesIO(renderer.render(request, fmt))
        )
        assert loaded.nodes[KG + "evil"]["label_en"] == EVIL


# -- analytics -------------------------------------------------------------------------------


def test_analytics_find_the_single_points_of_failure(shipped_store: OxigraphStore) -> None:
    digraph = diagram(shipped_store, "kubernetes")
    found = analyse(digraph, path_from=KG + "kubelet", path_to=KG + "etcd")
    points = {item.iri.removeprefix(KG) for item in found.articulation_points}
    assert "kube-apiserver" in points  # etcd hangs off the API server alone
    assert found.betweenness[0].iri == KG + "kube-apiserver"
    assert found.path is not None
    assert [item.iri.removeprefix(KG) for item in found.path] == [
        "kubelet",
        "kube-apiserver",
        "etcd",
    ]
    assert json.dumps(found.as_json())


def test_analytics_leave_membership_out(shipped_store: OxigraphStore) -> None:
    digraph = diagram(shipped_store, "dcos")
    found = analyse(digraph, path_from=KG + "dcos-monitoring", path_to=KG + "mesos")
    assert found.path == ()  # only 'part of' joins the DC/OS parts to anything
    from orchkg.errors import ClientError  # noqa: PLC0415

    with pytest.raises(ClientError, match="not a node"):
        analyse(digraph, path_from=KG + "kubelet", path_to=KG + "mesos")


def test_svg_numbers_are_short_and_stable(shipped_store: OxigraphStore) -> None:
    request = make_request("dcos", {}, "en", base_iri=BASE)
    drawn = Renderer(shipped_store, base_iri=BASE).drawn(request)
    svg = render_svg(drawn.geometry)
    assert not re.search(r"\d\.\d{3,}", svg)
