"""The web interface through a test client: linked-data resolution (303s, RDF twins, the
base mapping), the resource pages, the ontology page, the comparison, the home page, the
resource index, the editor page, and escaping of whatever the graph holds."""

from __future__ import annotations

import dataclasses
import doctest
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from orchkg import linked_data, site_pages
from orchkg.app import create_app, services
from orchkg.settings import Settings, load_settings
from orchkg.store import OxigraphStore

BASE = "https://w3id.org/orchkg/"
KG = f"{BASE}resource/"
OKG = f"{BASE}ontology#"
KOREAN_DEVELOPED_BY = "에 의해 개발됨"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Page(HTMLParser):
    """Start tags with their attributes, and the text, of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and all(attrs.get(k.rstrip("_")) == v for k, v in wanted.items())
        ]

    def links(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.elements if tag == "a" and "href" in attrs]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def app(shipped_settings: Settings, shipped_store: OxigraphStore) -> Iterator[Flask]:
    """An app over the shipped graph, for this module's tests, which only read."""
    made = create_app(dataclasses.replace(shipped_settings, query_workers=1), store=shipped_store)
    yield made
    services(made).pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def page(client: FlaskClient, path: str, **headers: str) -> Page:
    response = client.get(path, headers={**HTML, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


# -- linked data ------------------------------------------------------------------------------


def test_doctests_of_the_helpers() -> None:
    """IRI to link, negotiation, extensions, prefixes for the editor."""
    for module in (linked_data, site_pages):
        failed, attempted = doctest.testmod(module)
        assert (failed, attempted > 0) == (0, True), module.__name__


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (HTML["Accept"], "/page/kube-apiserver"),
        ("*/*", "/page/kube-apiserver"),
        ("text/turtle", "/resource/kube-apiserver.ttl"),
        ("application/ld+json", "/resource/kube-apiserver.jsonld"),
        ("application/n-triples", "/resource/kube-apiserver.nt"),
        ("application/rdf+xml", "/resource/kube-apiserver.rdf"),
        ("text/turtle;q=0.5, text/html;q=0.9", "/page/kube-apiserver"),
    ],
)
def test_a_resource_iri_is_a_303_by_content_negotiation(
    client: FlaskClient, accept: str, location: str
) -> None:
    response = client.get("/resource/kube-apiserver", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert "Accept" in response.headers["Vary"]


def test_the_303_keeps_the_language(client: FlaskClient) -> None:
    response = client.get("/resource/etcd?lang=ko", headers=HTML)
    assert response.headers["Location"] == "/page/etcd?lang=ko"


@pytest.mark.parametrize(
    ("extension", "media_type", "parser"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("nt", "application/n-triples", "nt"),
        ("rdf", "application/rdf+xml", "xml"),
    ],
)
def test_the_rdf_description_in_each_format(
    client: FlaskClient, extension: str, media_type: str, parser: str
) -> None:
    response = client.get(f"/resource/etcd.{extension}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = rdflib.Graph().parse(data=response.get_data(), format=parser)
    etcd = rdflib.URIRef(KG + "etcd")
    assert (etcd, rdflib.RDFS.label, rdflib.Literal("etcd", lang="en")) in graph
    assert (rdflib.URIRef(KG + "kube-apiserver"), None, etcd) in graph  # incoming too
    again = client.get(
        f"/resource/etcd.{extension}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_unknown_resources_are_404_pages(client: FlaskClient) -> None:
    for path in ("/resource/no-such-thing", "/resource/no-such-thing.ttl", "/page/no-such"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert "no-such" in response.get_data(as_text=True)
    korean = Page(client.get("/page/no-such?lang=ko", headers=HTML).get_data(as_text=True))
    assert korean.find("html", lang="ko")
    switch = {a["hreflang"]: a["href"] for a in korean.find("a") if "hreflang" in a}
    assert switch == {"en": "/page/no-such?lang=en", "ko": "/page/no-such?lang=ko"}


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get("/resource/etcd", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_graph_and_query_iris_resolve(client: FlaskClient) -> None:
    html = client.get("/graph/kubernetes", headers=HTML)
    assert (html.status_code, html.headers["Location"]) == (303, "/resources?graph=kubernetes")
    rdf = client.get("/graph/kubernetes", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 303
    assert parse_qs(urlsplit(rdf.headers["Location"]).query) == {
        "graph": [f"{BASE}graph/kubernetes"]
    }
    assert client.get("/graph/nope", headers=HTML).status_code == 404
    assert client.get("/query/depends-on", headers=HTML).headers["Location"] == (
        "/queries/depends-on"
    )
    turtle = client.get("/query/depends-on", headers={"Accept": "text/turtle"})
    assert turtle.headers["Location"] == "/query/depends-on.ttl"
    described = rdflib.Graph().parse(
        data=client.get("/query/depends-on.ttl").get_data(), format="turtle"
    )
    assert (rdflib.URIRef(f"{BASE}query/depends-on"), None, None) in described


def test_the_ontology_iri_negotiates(client: FlaskClient) -> None:
    rdf = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 303
    assert parse_qs(urlsplit(rdf.headers["Location"]).query) == {"graph": [f"{BASE}graph/orchkg"]}
    assert client.get("/ontology", headers=HTML).status_code == 200


def test_every_iri_under_the_base_resolves(
    client: FlaskClient, shipped_store: OxigraphStore
) -> None:
    """Every resource, vocabulary term, graph and query IRI the store holds lands somewhere."""
    result = shipped_store.query(
        f"""SELECT DISTINCT ?i WHERE {{ {{ ?i ?p ?o }} UNION {{ ?s ?p ?i }}
            UNION {{ GRAPH ?i {{ ?a ?b ?c }} }}
            FILTER(isIRI(?i) && STRSTARTS(STR(?i), "{BASE}")) }}"""
    )
    assert isinstance(result, ox.QuerySolutions)
    iris = sorted(row["i"].value for row in result)  # type: ignore[union-attr]
    assert len(iris) > 400
    anchors = {attrs["id"] for _, attrs in page(client, "/ontology").elements if "id" in attrs}
    for iri in iris:
        rest = iri[len(BASE) :]
        if rest.startswith("ontology#"):
            assert rest.removeprefix("ontology#") in anchors | {""}, iri
            continue
        if rest == "ontology":
            continue
        response = client.get("/" + rest, headers=HTML)
        assert response.status_code == 303, iri
        followed = client.get(response.headers["Location"], headers=HTML)
        assert followed.status_code == 200, (iri, response.headers["Location"])


def test_the_base_is_the_setting_not_the_host(tmp_path: Path) -> None:
    """Behind a proxy or w3id: the local path maps to the IRI under the configured base."""
    root = tmp_path / "content"
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "o.ttl").write_text(
        "@prefix okg: <ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'okg:runsOn rdfs:label "runs on"@en , "실행"@ko .\n',
        encoding="utf-8",
    )
    (root / "graph" / "g.ttl").write_text(
        "@prefix okg: <ontology#> . @prefix kg: <resource/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'kg:marathon rdfs:label "Marathon"@en ; okg:runsOn kg:mesos .\n',
        encoding="utf-8",
    )
    base = "https://data.example.org/kg/"
    settings = load_settings(
        {"content_dir": str(root), "base_iri": base, "query_workers": 1}, environ={}
    )
    made = create_app(settings)
    try:
        client = made.test_client()
        response = client.get("/resource/marathon", headers={"Accept": "text/turtle"})
        assert response.headers["Location"] == "/resource/marathon.ttl"
        graph = rdflib.Graph().parse(
            data=client.get("/resource/marathon.ttl").get_data(), format="turtle"
        )
        assert (
            rdflib.URIRef(f"{base}resource/marathon"),
            rdflib.URIRef(f"{base}ontology#runsOn"),
            rdflib.URIRef(f"{base}resource/mesos"),
        ) in graph
        shown = page(client, "/page/marathon", **{"Accept-Language": "ko"})
        assert "/page/mesos?lang=ko" in shown.links()
        assert "실행" in shown.all_text  # the property's label, from the ontology
        proxied = client.get("/page/marathon", headers=HTML, base_url="http://proxy.test/kg/")
        assert 'href="/kg/page/mesos?lang=en"' in proxied.get_data(as_text=True)
    finally:
        services(made).close()


# -- the resource page ------------------------------------------------------------------------


def test_the_kubernetes_page(client: FlaskClient) -> None:
    shown = page(client, "/page/kubernetes")
    text = shown.all_text
    assert shown.find("html", lang="en")
    assert "Kubernetes" in text
    assert "쿠버네티스" in text  # labels in both languages
    assert shown.find("span", lang="ko")
    assert "An open-source system for automating" in text  # the definition
    assert "/ontology?lang=en#Platform" in shown.links()  # its types
    assert "developed by" in text  # a property's human label
    assert "/page/google?lang=en" in shown.links()  # an outgoing relation, linked
    assert "/page/kube-apiserver?lang=en" in shown.links()  # incoming: part of
    assert "http://www.wikidata.org/entity/Q22661306" in shown.links()  # skos:exactMatch
    # The claims, dimension by dimension, per platform
    assert "Claims (" in text
    assert "HA is provided by distributing Pods across nodes." in text
    assert "/page/seed-sec-high-availability?lang=en" in shown.links()
    # Sources: the sections and lines, with the seed's own Korean text
    assert shown.find("blockquote", lang="ko")
    assert "Kubernetes는" in text or "쿠버네티스" in text
    # The neighbourhood view, inline, its nodes linking to their resource pages
    assert shown.find("svg")
    assert "/resource/etcd" in shown.links() or "/resource/kube-apiserver" in shown.links()
    alternates = {a["type"]: a["href"] for a in shown.find("link", rel="alternate")}
    assert alternates["text/turtle"] == "/resource/kubernetes.ttl"
    assert alternates["application/ld+json"] == "/resource/kubernetes.jsonld"
    assert alternates["application/json"] == "/page/kubernetes?format=json"


def test_the_page_in_korean(client: FlaskClient) -> None:
    shown = page(client, "/page/kubernetes?lang=ko")
    assert shown.find("html", lang="ko")
    assert shown.find("h1")
    text = shown.all_text
    assert "관계" in text
    assert KOREAN_DEVELOPED_BY in text  # the property's Korean label
    assert "Pod를 Node간에 배포하여 HA를 제공합니다." in text  # the seed's own wording
    switch = {a["hreflang"]: a["href"] for a in shown.find("a") if "hreflang" in a}
    assert switch == {"en": "/page/kubernetes?lang=en", "ko": "/page/kubernetes?lang=ko"}


def test_the_json_twin_of_a_page(client: FlaskClient) -> None:
    response = client.get("/page/etcd?format=json")
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["iri"] == KG + "etcd"
    assert {item["lang"] for item in body["labels"]} == {"en", "ko"}
    properties = {group["property"]["iri"] for group in body["incoming"]}
    assert OKG + "storesStateIn" in properties
    negotiated = client.get("/page/etcd", headers={"Accept": "application/json"})
    assert negotiated.get_json() == body
    assert client.get("/page/etcd?format=xml").status_code == 400


def test_a_feature_page_shows_claims_side_by_side(client: FlaskClient) -> None:
    body = client.get("/page/rolling-update?format=json").get_json()
    platforms = [p["iri"] for p in body["claims"]["platforms"]]
    assert platforms == [KG + "kubernetes", KG + "mesos-marathon"]
    row = next(
        r for r in body["claims"]["rows"] if r["dimension"]["iri"] == OKG + "UpgradeRollback"
    )
    assert all(cell for cell in row["cells"])


# -- the ontology -------------------------------------------------------------------------------


def test_the_ontology_page(client: FlaskClient) -> None:
    shown = page(client, "/ontology")
    ids = {attrs["id"] for _, attrs in shown.elements if "id" in attrs}
    assert {"Platform", "runsOn", "Claim", "HighAvailability", "seedText"} <= ids
    text = shown.all_text
    for words in ("Classes", "Object properties", "Domain", "Range", "플랫폼", "runs on"):
        assert words in text
    body = client.get("/ontology?format=json").get_json()
    sections = {section["name"]: section["terms"] for section in body["sections"]}
    platform = next(term for term in sections["classes"] if term["id"] == "Platform")
    assert {label["lang"] for label in platform["labels"]} == {"en", "ko"}
    assert {item["compact"] for item in platform["super"]} >= {"schema:SoftwareApplication"}
    storage = next(term for term in sections["object_properties"] if term["id"] == "storesStateIn")
    assert storage["domain"] or storage["range"]
    korean = page(client, "/ontology?lang=ko")
    assert korean.find("html", lang="ko")
    assert "클래스" in korean.all_text


# -- the comparison ---------------------------------------------------------------------------


def test_the_comparison_matrix(client: FlaskClient) -> None:
    body = client.get("/compare?format=json").get_json()
    assert [p["iri"] for p in body["platforms"]] == [KG + "kubernetes", KG + "mesos-marathon"]
    order = [row["id"] for row in body["rows"]]
    assert order[:3] == ["ApplicationDefinition", "ScalabilityConstructs", "HighAvailability"]
    assert body["claim_count"] == sum(len(c) for r in body["rows"] for c in r["cells"]) >= 50
    every = [claim for row in body["rows"] for cell in row["cells"] for claim in cell]
    assert not any(claim["external"] for claim in every)
    assert all(claim["lines"] and claim["sections"] for claim in every)
    statuses = {claim["status"]["compact"] for claim in every if claim["status"]}
    assert "okg:BuiltIn" in statuses
    assert any(claim["features"] for claim in every)


def test_the_comparison_filter_works_without_javascript(client: FlaskClient) -> None:
    shown = page(client, "/compare?dimension=HighAvailability&dimension=okg:Storage")
    rows = [attrs["id"] for tag, attrs in shown.elements if tag == "tr" and "id" in attrs]
    assert rows == ["row-HighAvailability", "row-Storage"]
    ticked = [a["value"] for a in shown.find("input", type="checkbox") if "checked" in a]
    assert ticked == ["HighAvailability", "Storage"]
    assert shown.find("form", method="get", action="/compare")
    assert client.get("/compare?dimension=Nonsense").status_code == 400


def test_the_comparison_in_korean_is_the_seeds_wording(client: FlaskClient) -> None:
    shown = page(client, "/compare?lang=ko&dimension=HighAvailability")
    assert "Pod를 Node간에 배포하여 HA를 제공합니다." in shown.all_text
    assert shown.find("html", lang="ko")


# -- home, index, editor ------------------------------------------------------------------------


def test_the_home_page_leads_to_the_four_ways_in(client: FlaskClient) -> None:
    shown = page(client, "/")
    links = shown.links()
    for target in ("/compare?lang=en", "/resources?lang=en", "/views?lang=en"):
        assert target in links
    assert "/sparql-editor?lang=en" in links
    assert "/queries?lang=en" in links
    assert shown.find("a", class_="skip", href="#content")
    assert shown.find("main", id="content")
    body = client.get("/?format=json").get_json()
    assert body["counts"]["platforms"] >= 4


def test_the_resource_index(client: FlaskClient) -> None:
    body = client.get("/resources?format=json").get_json()
    groups = {group["name"]: group["members"] for group in body["groups"]}
    assert {"platforms", "components", "features"} <= set(groups)
    assert KG + "kubernetes" in {item["iri"] for item in groups["platforms"]}
    assert KG + "etcd" in {item["iri"] for item in groups["components"]}
    only = client.get("/resources?graph=dcos&format=json").get_json()
    assert 0 < only["count"] < body["count"]
    assert client.get("/resources?graph=nope").status_code == 404
    assert client.get("/resources?graph=../x").status_code == 400
    assert "/page/kubernetes?lang=en" in page(client, "/resources").links()


def test_the_editor_page(client: FlaskClient) -> None:
    response = client.get("/sparql-editor?query=ASK%20%7B%7D", headers=HTML)
    shown = Page(response.get_data(as_text=True))
    block = re.search(
        r'<script type="application/json" id="editor-config">(.*?)</script>',
        response.get_data(as_text=True),
        re.DOTALL,
    )
    assert block is not None
    config = json.loads(block.group(1))
    assert config["endpoint"] == "/sparql"
    assert config["query"] == "ASK {}"
    assert config["prefixes"]["okg"] == OKG
    names = {example["name"] for example in config["examples"]}
    assert {"depends-on", "compare-dimension"} <= names
    depends = next(e for e in config["examples"] if e["name"] == "depends-on")
    assert depends["query"].startswith("PREFIX ")
    assert shown.find("script", src="/static/editor.js")
    assert not [
        a
        for tag, a in shown.elements
        if tag == "script" and not a.get("src") and a.get("type") != "application/json"
    ]  # no inline script
    for path, status in [
        ("/assets/yasgui/yasgui.min.js", 200),
        ("/assets/yasgui/yasgui.min.css", 200),
        ("/assets/yasgui/package.json", 404),
        ("/static/editor.js", 200),
    ]:
        with client.get(path) as asset:
            assert asset.status_code == status, path


def test_the_editor_config_cannot_close_its_script_block(client: FlaskClient) -> None:
    response = client.get("/sparql-editor?query=%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E")
    text = response.get_data(as_text=True)
    assert "<script>alert(1)" not in text
    assert "\\u003c/script\\u003e" in text


# -- escaping ---------------------------------------------------------------------------------

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    root = tmp_path_factory.mktemp("hostile") / "content"
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "o.ttl").write_text(
        "@prefix okg: <ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"okg:runsOn rdfs:label {json.dumps(HOSTILE)}@en .\n",
        encoding="utf-8",
    )
    (root / "graph" / "g.ttl").write_text(
        "@prefix okg: <ontology#> . @prefix kg: <resource/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f"kg:evil rdfs:label {json.dumps(HOSTILE)}@en ; okg:runsOn kg:mesos ;\n"
        "  skos:definition " + json.dumps('" onmouseover="window.pwned=3') + "@en ;\n"
        "  rdfs:seeAlso <javascript:alert(1)> , <data:text/html,x> .\n"
        "kg:mesos rdfs:label " + json.dumps('"><svg onload=window.pwned=4>') + "@en .\n",
        encoding="utf-8",
    )
    settings = load_settings({"content_dir": str(root), "query_workers": 1}, environ={})
    made = create_app(settings)
    yield made.test_client()
    services(made).close()


@pytest.mark.parametrize(
    "path", ["/page/evil", "/page/mesos", "/resources", "/ontology", "/", "/compare"]
)
def test_labels_are_escaped_everywhere(hostile_client: FlaskClient, path: str) -> None:
    text = hostile_client.get(path, headers=HTML).get_data(as_text=True)
    assert "<script>window" not in text
    assert "<img src=x" not in text
    assert "<svg onload" not in text
    assert 'onmouseover="' not in text
    shown = Page(text)
    for _, attrs in shown.elements:
        assert not any(name.startswith("on") for name in attrs), attrs
    assert not [href for href in shown.links() if href.startswith(("javascript:", "data:"))]


def test_only_web_iris_become_links(hostile_client: FlaskClient) -> None:
    shown = page(hostile_client, "/page/evil")
    assert "javascript:alert(1)" in shown.all_text  # shown as text
    assert "javascript:alert(1)" not in shown.links()
