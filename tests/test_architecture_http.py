"""The architecture tools over real HTTP: a Backstage catalog imported into a live server
shows up in the views and in queries; the platform exports download."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from support import LiveServer, live_server

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/orchkg/"
KG = BASE + "resource/"
TOKEN = "architecture-test-token"  # noqa: S105 -- a test server's token
AUTH = {"Authorization": f"Bearer {TOKEN}"}
YAML = {"Content-Type": "application/yaml"}
SHOP = REPO / "tests" / "data" / "backstage" / "shop-catalog.yaml"
SHOP_GRAPH = "http://example.org/graphs/shop"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    cwd = tmp_path_factory.mktemp("architecture")
    with live_server(
        "--content-dir", str(REPO), "serve", "--update-token", TOKEN, cwd=cwd
    ) as running:
        yield running


def _import_shop(server: LiveServer) -> None:
    response = requests_put(server, f"/imports/backstage?graph={SHOP_GRAPH}", SHOP.read_bytes())
    assert response.status_code == 200, response.text
    assert response.json() == {"graph": SHOP_GRAPH, "entities": 5, "triples": 24}


def requests_put(
    server: LiveServer, path: str, body: bytes, headers: dict[str, str] | None = None
) -> requests.Response:
    return requests.put(
        server.url + path,
        data=body,
        headers=headers if headers is not None else AUTH | YAML,
        timeout=30,
    )


def _nodes(server: LiveServer, path: str) -> set[str]:
    response = server.get(path)
    assert response.status_code == 200, response.text
    return {node["id"] for node in response.json()["nodes"]}


def test_imported_shop_shows_up_in_the_views(server: LiveServer) -> None:
    _import_shop(server)
    shop = _nodes(server, "/views/neighbourhood.json?resource=example-shop")
    assert {f"{KG}{name}" for name in ("orders-service", "orders-db", "orders-api")} <= shop
    dependencies = _nodes(server, "/views/dependencies.json?component=orders-service")
    # through the Kubernetes API server to etcd, where it stores its state
    assert {f"{KG}orders-db", f"{KG}kube-apiserver", f"{KG}etcd"} <= dependencies
    drawing = server.get("/views/neighbourhood.svg?resource=example-shop")
    assert drawing.status_code == 200
    assert "Orders API" in drawing.text
    compare = _nodes(server, "/views/compare.json?left=example-shop&right=kubernetes")
    assert f"{KG}orders-service" in compare


def test_imported_shop_answers_queries(server: LiveServer) -> None:
    _import_shop(server)
    query = (
        "SELECT ?part ?label WHERE { GRAPH <"
        + SHOP_GRAPH
        + "> { ?part okg:partOf kg:example-shop ;"
        " rdfs:label ?label } } ORDER BY ?part"
    )
    response = server.get("/sparql", params={"query": query, "format": "json"})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == [
        "Orders API",
        "Orders database",
        "Orders service",
        "Shop storefront",
    ]
    users = server.get(
        "/sparql",
        params={
            "query": "SELECT ?c WHERE { ?c okg:dependsOn kg:kube-apiserver }",
            "format": "json",
        },
    )
    assert [row["c"]["value"] for row in users.json()["results"]["bindings"]] == [
        f"{KG}orders-service"
    ]


def test_imported_shop_has_provenance_in_void(server: LiveServer) -> None:
    _import_shop(server)
    void = server.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert void.status_code == 200
    assert f"<http://www.w3.org/ns/sparql-service-description#name> <{SHOP_GRAPH}>" in void.text
    assert '"orchkg backstage import"' in void.text
    assert '"application/yaml"' in void.text


def test_bad_catalog_over_http_names_document_and_field(server: LiveServer) -> None:
    bad = SHOP.read_text(encoding="utf-8").replace("name: orders-db", "title: no name", 1)
    response = requests_put(server, "/imports/backstage?graph=http://example.org/bad", bad.encode())
    assert response.status_code == 400
    assert "document 4: metadata.name: is missing" in response.text
    check = server.get(
        "/sparql", params={"query": "ASK { GRAPH <http://example.org/bad> { ?s ?p ?o } }"}
    )
    assert check.json()["boolean"] is False
    no_token = requests_put(
        server, f"/imports/backstage?graph={SHOP_GRAPH}", SHOP.read_bytes(), YAML
    )
    assert no_token.status_code == 401
    wrong_type = requests_put(
        server,
        f"/imports/backstage?graph={SHOP_GRAPH}",
        SHOP.read_bytes(),
        AUTH | {"Content-Type": "text/turtle"},
    )
    assert wrong_type.status_code == 415


def test_platform_downloads(server: LiveServer) -> None:
    catalog = server.get("/platforms/kubernetes/catalog-info.yaml")
    assert catalog.status_code == 200
    assert catalog.headers["Content-Type"] == "application/yaml; charset=utf-8"
    names = {d["metadata"]["name"] for d in yaml.safe_load_all(catalog.text)}
    assert {"kubernetes", "kube-apiserver", "etcd", "kubelet"} <= names
    again = server.get(
        "/platforms/kubernetes/catalog-info.yaml",
        headers={"If-None-Match": catalog.headers["ETag"]},
    )
    assert again.status_code == 304
    workspace = server.get("/platforms/mesos-marathon/structurizr.json")
    assert workspace.status_code == 200
    systems = {s["name"] for s in json.loads(workspace.text)["model"]["softwareSystems"]}
    assert systems == {"Mesos + Marathon", "Mesos", "Marathon"}
    dsl = server.get("/platforms/dcos/structurizr.dsl")
    assert dsl.status_code == 200
    assert dsl.text.startswith('workspace "Mesosphere DC/OS"')
    assert dsl.headers["Content-Type"] == "text/plain; charset=utf-8"
    missing = server.get("/platforms/no-such-platform/catalog-info.yaml")
    assert missing.status_code == 404
    not_platform = server.get("/platforms/etcd/structurizr.json")
    assert not_platform.status_code == 404
    for odd in ("a%20b", "%3C%3E", "x%00y", "%7B%7D", "kg:kubernetes", "%22"):
        response = server.get(f"/platforms/{odd}/catalog-info.yaml")
        assert response.status_code == 404, (odd, response.text)


def test_platform_view_pages_link_the_exports(server: LiveServer) -> None:
    page = server.get("/views/kubernetes")
    assert page.status_code == 200
    for file in ("catalog-info.yaml", "structurizr.json", "structurizr.dsl"):
        assert f'href="/platforms/kubernetes/{file}"' in page.text
    assert "/platforms/" not in server.get("/views/compare").text
