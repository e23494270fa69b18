"""The architecture views over HTTP (a real server) and on the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from support import CliRunner, LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        "serve", "--query-timeout", "2", cwd=tmp_path_factory.mktemp("views")
    ) as running:
        yield running


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/views/kubernetes.svg", "image/svg+xml"),
        ("/views/mesos-marathon.png?lang=ko", "image/png"),
        ("/views/dcos.graphml", "application/graphml+xml"),
        ("/views/compare.gexf", "application/gexf+xml"),
        ("/views/neighbourhood.dot?resource=etcd&depth=2", "text/vnd.graphviz"),
        ("/views/dependencies.json?component=kube-apiserver", "application/json"),
        ("/views/kubernetes.cyjs", "application/json"),
        ("/views/kubernetes.ttl", "text/turtle"),
        ("/views/custom.svg", "image/svg+xml"),
    ],
)
def test_every_format_has_its_media_type_and_an_etag(
    server: LiveServer, path: str, media_type: str
) -> None:
    response = server.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    tag = response.headers["ETag"]
    again = server.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""


def test_the_gallery_and_a_page(server: LiveServer) -> None:
    gallery = server.get("/views")
    assert gallery.status_code == 200
    assert gallery.headers["Content-Type"].startswith("text/html")
    for name in ("kubernetes", "mesos-marathon", "dcos", "compare", "custom"):
        assert f'src="/views/{name}.svg?lang=en"' in gallery.text
    page = server.get("/views/kubernetes?lang=ko&from=kubelet&to=etcd")
    assert page.status_code == 200
    html = page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'href="/resource/etcd"' in html
    assert '<link rel="alternate" type="application/json" href="/views/kubernetes.json?' in html
    assert "쿠버네티스 API 서버" in html
    assert "/views/kubernetes.graphml?lang=ko" in html
    assert "https://" not in html.split("<svg", 1)[0].replace("http://www.w3.org", "")


def test_the_json_twin_carries_the_page(server: LiveServer) -> None:
    response = server.get("/views/kubernetes.json?from=kubelet&to=etcd")
    data = response.json()
    graph = nx.node_link_graph(data, edges="links")
    assert "https://w3id.org/orchkg/resource/kube-apiserver" in graph
    meta = data["graph"]
    assert meta["view"] == "kubernetes"
    assert meta["legend"]
    path = [item["iri"].rsplit("/", 1)[1] for item in meta["analytics"]["shortest_path"]["nodes"]]
    assert path == ["kubelet", "kube-apiserver", "etcd"]
    assert any(
        item["iri"].endswith("kube-apiserver") for item in meta["analytics"]["articulation_points"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/views/nope",
        "/views/nope.svg",
        "/views/kubernetes.bmp",
        "/views/kubernetes.svg?lang=fr",
        "/views/kubernetes.svg?left=kubernetes",
        "/views/compare.svg?left=etcd",
        "/views/neighbourhood.svg?depth=4",
        "/views/neighbourhood.svg?resource=no-such-thing",
        "/views/dependencies.svg?component=%3Cbad%3E",
        "/views/kubernetes?from=kubelet",
        "/views/kubernetes.json?from=kubelet&to=mesos-master",
        "/views/custom.svg?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D",
        "/views/custom.svg?query=CONSTRUCT%20%7B",
        "/views/kubernetes.svg?lang=en&lang=ko",
    ],
)
def test_bad_parameters_are_400(server: LiveServer, path: str) -> None:
    response = server.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 400, (path, response.text)
    assert response.json()["error"]["status"] == 400


def test_a_custom_query_is_refused_service_and_stopped_at_the_deadline(server: LiveServer) -> None:
    service = "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    assert server.get("/views/custom.svg", params={"query": service}).status_code == 403
    slow = (
        "CONSTRUCT { ?a ?b ?c } WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . "
        "?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r } } ?a ?b ?c }"
    )
    response = server.get("/views/custom.svg", params={"query": slow})
    assert response.status_code == 503


def test_a_repeat_request_is_cached_until_the_data_changes(server: LiveServer) -> None:
    first = server.get("/views/dcos.svg")
    second = server.get("/views/dcos.svg")
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.content == second.content


def test_a_write_redraws(tmp_path: Path) -> None:
    token = "s3cret"  # noqa: S105 -- a throwaway credential for a test server
    with live_server("serve", "--update-token", token, cwd=tmp_path) as running:
        before = running.get("/views/dependencies.svg?component=kube-apiserver")
        update = (
            "INSERT DATA { GRAPH <https://w3id.org/orchkg/graph/extra> { "
            "<https://w3id.org/orchkg/resource/etcd> "
            "<https://w3id.org/orchkg/ontology#storesStateIn> "
            "<https://w3id.org/orchkg/resource/disk> } }"
        )
        assert (
            running.post(
                "/update", data={"update": update}, headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 204
        )
        after = running.get("/views/dependencies.svg?component=kube-apiserver")
        assert after.headers["ETag"] != before.headers["ETag"]
        assert b"resource/disk" in after.content
        assert b"resource/disk" not in before.content


# -- the CLI ---------------------------------------------------------------------------------


def test_cli_lists_the_views(run_cli: CliRunner) -> None:
    completed = run_cli("view", "--list", check=True)
    for name in ("kubernetes", "mesos-marathon", "dcos", "compare", "neighbourhood", "custom"):
        assert name in completed.stdout
    assert "left=kubernetes" in completed.stdout


def test_cli_writes_a_view(run_cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "n.graphml"
    run_cli(
        "view",
        "neighbourhood",
        "--param",
        "resource=etcd",
        "--param",
        "depth=1",
        "--lang",
        "ko",
        "--format",
        "graphml",
        "-o",
        str(target),
        check=True,
    )
    graph = nx.read_graphml(target)
    assert graph.nodes["https://w3id.org/orchkg/resource/etcd"]["label"] == "etcd"
    svg = run_cli("view", "dcos", check=True).stdout
    assert svg.startswith("<svg")
    png = tmp_path / "k.png"
    run_cli("view", "kubernetes", "-o", str(png), check=True)
    assert png.read_bytes().startswith(b"\x89PNG")
    data = json.loads(run_cli("view", "compare", "--format", "json", check=True).stdout)
    assert data["graph"]["view"] == "compare"


def test_cli_bad_parameters_exit_1(run_cli: CliRunner) -> None:
    completed = run_cli("view", "neighbourhood", "--param", "depth=7")
    assert completed.returncode == 1
    assert "depth must be 1, 2 or 3" in completed.stderr
    assert run_cli("view", "nope").returncode == 1
    assert run_cli("view", "kubernetes", "--param", "oops").returncode == 1
