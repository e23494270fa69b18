"""Odd names: path traversal, encoded dots, NUL, control characters and very long names
in graph IRIs, view names, query names, resource names and asset names. Each is
refused or names nothing (4xx), never reads a file, and never shows one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from hostile import AUTH, Probe

SECRETS = ("root:x:0:0", "[build-system]", '"lockfileVersion"', "def create_app", "PRIVATE KEY")
NAMES = {
    "dot-dot": "../../../../etc/passwd",
    "encoded-dot-dot": "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "double-encoded": "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "encoded-slash": "..%2f..%2f..%2fpyproject.toml",
    "backslash": "..%5c..%5cpyproject.toml",
    "nul": "kubernetes%00.svg",
    "control": "kube%0d%0arnetes",
    "absolute": "%2fetc%2fpasswd",
    "overlong-utf8": "%c0%ae%c0%ae%2f%c0%ae%c0%aepyproject.toml",
    "unicode-dots": "\u2025/\u2025/etc/passwd",
    "long": "a" * 5000,
    "package": "../../package-lock.json",
    "module": "../../service/orchkg/app.py",
}
ROUTES = [
    "/views/{}",
    "/views/{}.svg",
    "/queries/{}",
    "/api/queries/{}",
    "/page/{}",
    "/resource/{}",
    "/query/{}",
    "/graph/{}",
    "/data/{}",
    "/assets/yasgui/{}",
    "/static/{}",
]


def raw_get(probe: Probe, path: str) -> requests.Response:
    """GET a path exactly as written: no client-side normalisation of dots."""
    session = requests.Session()
    prepared = session.prepare_request(requests.Request("GET", probe.url + "/"))
    prepared.url = probe.url + path
    response = session.send(prepared, timeout=30, allow_redirects=False)
    from hostile import check_response  # noqa: PLC0415 -- the same checks as Probe's

    check_response(response.status_code, response.headers, response.text, f"GET {path[:100]}")
    return response


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("route", ROUTES)
def test_odd_names_reach_no_file(site: Probe, route: str, name: str) -> None:
    response = raw_get(site, route.format(NAMES[name]))
    assert response.status_code in (303, 308, 400, 404, 405, 414), response.status_code
    for secret in SECRETS:
        assert secret not in response.text, secret
    if response.status_code in (303, 308):
        assert_on_site(site, response.headers["Location"])


def assert_on_site(probe: Probe, location: str) -> None:
    """A redirect stays on this server: a path, or this server's own URL."""
    if location.startswith(probe.url):
        location = location[len(probe.url) :]
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize(
    "path", ["//evil.example/", "///evil.example/x", "/\\evil.example/", "//evil.example/%2e%2e"]
)
def test_no_open_redirect(site: Probe, path: str) -> None:
    response = raw_get(site, path)
    assert response.status_code in (308, 400, 404)
    if response.status_code == 308:
        assert_on_site(site, response.headers["Location"])


@pytest.mark.parametrize("name", NAMES)
def test_odd_graph_iris_are_names_or_refused(site: Probe, name: str, tmp_path: Path) -> None:
    for iri in (f"http://example.org/adversarial/{NAMES[name]}", f"file:///tmp/{NAMES[name]}"):
        response = site.put(
            "/data",
            params={"graph": iri},
            data=b"<http://e/s> <http://e/p> 1 .",
            headers={**AUTH, "Content-Type": "text/turtle"},
        )
        assert response.status_code in (201, 204, 400), response.text
        read = site.get("/data", params={"graph": iri})
        assert read.status_code in (200, 400, 404)
        for secret in SECRETS:
            assert secret not in read.text
    assert not Path("/tmp", NAMES[name].split("/")[-1][:200] + ".orchkg").exists()


def test_a_graph_named_as_a_file_creates_no_file(site: Probe, tmp_path: Path) -> None:
    target = tmp_path / "written-by-the-server.ttl"
    response = site.put(
        "/data",
        params={"graph": target.as_uri()},
        data=b"<http://e/s> <http://e/p> 1 .",
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert response.status_code in (201, 204)
    assert not target.exists()
    assert site.delete("/data", params={"graph": target.as_uri()}, headers=AUTH).status_code == 204


def test_the_staging_graphs_cannot_be_named(site: Probe) -> None:
    for params in ({"graph": "urn:orchkg:loading:x:0"},):
        assert site.get("/data", params=params).status_code == 400
        put = site.put(
            "/data", params=params, data=b"", headers={**AUTH, "Content-Type": "text/turtle"}
        )
        assert put.status_code == 400
