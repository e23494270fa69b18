"""Promise 4: the query operation never changes data; writes need the update route (or
/data) and the credential.

Updates are smuggled into /sparql in every spelling; after each, the store's version
(``/readyz``) and its data are unchanged. Every write route is tried without a
credential, with wrong ones, with lookalikes, and with the right one; on a server with
no token configured, every write is refused whatever it carries.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from hostile import AUTH, TOKEN, Probe, raw_exchange, small_content
from support import live_server

MARK = "http://example.org/adversarial/smuggled"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
SMUGGLED = {
    "insert-data": f"INSERT DATA {{ <{MARK}> <{MARK}> 1 }}",
    "lower-case": f"insert data {{ <{MARK}> <{MARK}> 1 }}",
    "escaped": f"\\u0049NSERT DATA {{ <{MARK}> <{MARK}> 1 }}",
    "insert-into-graph": f"INSERT DATA {{ GRAPH <{MARK}> {{ <{MARK}> <{MARK}> 1 }} }}",
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "delete-insert": f"DELETE {{ ?s ?p ?o }} INSERT {{ <{MARK}> ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "with": f"WITH <{MARK}> INSERT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "clear-all": "CLEAR ALL",
    "drop-all": "DROP ALL",
    "drop-silent-default": "DROP SILENT DEFAULT",
    "create": f"CREATE GRAPH <{MARK}>",
    "add": f"ADD DEFAULT TO <{MARK}>",
    "copy": f"COPY DEFAULT TO <{MARK}>",
    "move": f"MOVE DEFAULT TO <{MARK}>",
    "load": "LOAD <http://127.0.0.1:1/x>",
    "after-a-query": f"SELECT * WHERE {{ ?s ?p ?o }} ; INSERT DATA {{ <{MARK}> <{MARK}> 1 }}",
    "select-in-a-comment": f"# SELECT\nINSERT DATA {{ <{MARK}> <{MARK}> 1 }}",
    "select-in-a-string": f"INSERT {{ <{MARK}> <{MARK}> 'SELECT' }} WHERE {{ }}",
    "prologue": f"PREFIX x: <http://e/>\nBASE <http://e/>\nINSERT DATA {{ <{MARK}> x:p 1 }}",
    "two-updates": f"CLEAR ALL ; INSERT DATA {{ <{MARK}> <{MARK}> 1 }}",
    "exists-subquery": "ASK { FILTER EXISTS { DELETE WHERE { ?s ?p ?o } } }",
}
WAYS = ["get-query", "post-form", "post-body", "post-body-as-update", "get-update-parameter"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    root = small_content(
        tmp_path_factory.mktemp("read-only") / "content", "<http://e/a> <http://e/b> 1 .\n"
    )
    with live_server(
        "--content-dir", str(root), "serve", "--update-token", TOKEN, cwd=root
    ) as running:
        yield Probe(running.url, server=running)


def send(probe: Probe, way: str, text: str) -> int:
    if way == "get-query":
        return probe.get("/sparql", params={"query": text}).status_code
    if way == "post-form":
        return probe.post("/sparql", data={"query": text}, headers=AUTH).status_code
    if way == "get-update-parameter":
        return probe.get("/sparql", params={"update": text}, headers=AUTH).status_code
    media = (
        "application/sparql-update" if way == "post-body-as-update" else "application/sparql-query"
    )
    return probe.post(
        "/sparql", data=text.encode(), headers={**AUTH, "Content-Type": media}
    ).status_code


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("case", SMUGGLED)
def test_the_query_operation_never_writes(server: Probe, case: str, way: str) -> None:
    version, count = server.version(), server.count(COUNT_ALL)
    status = send(server, way, SMUGGLED[case])
    assert status == 400, status
    assert server.version() == version
    assert server.count(COUNT_ALL) == count
    assert not server.sparql(
        f"ASK {{ {{ <{MARK}> ?p ?o }} UNION {{ GRAPH ?g {{ <{MARK}> ?p ?o }} }} }}"
    ).json()["boolean"]


@pytest.mark.parametrize(
    "path", ["/api/queries/search?q=x", "/views/custom.json", "/views/neighbourhood.json"]
)
def test_other_read_routes_never_write(site: Probe, path: str) -> None:
    params: dict[str, str] = {}
    if path.startswith("/views/custom"):
        params = {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1 ; CLEAR ALL"}
    elif path.startswith("/views/neighbourhood"):
        params = {"resource": "etcd", "depth": "1"}
    before = site.version()
    response = site.get(path, params=params, headers=AUTH)
    assert response.status_code in (200, 400)
    assert site.version() == before


WRITES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "update": (
        "POST",
        "/update",
        {
            "data": b"INSERT DATA { GRAPH <http://example.org/adversarial/auth> { <a:s> <a:p> 1 }}",
            "headers": {"Content-Type": "application/sparql-update"},
        },
    ),
    "update-form": (
        "POST",
        "/update",
        {"data": {"update": "CREATE SILENT GRAPH <http://example.org/adversarial/auth2>"}},
    ),
    "put": (
        "PUT",
        "/data?graph=http://example.org/adversarial/auth",
        {"data": b"<a:s> <a:p> 2 .", "headers": {"Content-Type": "text/turtle"}},
    ),
    "post": (
        "POST",
        "/data?graph=http://example.org/adversarial/auth",
        {"data": b"<a:s> <a:p> 3 .", "headers": {"Content-Type": "text/turtle"}},
    ),
    "post-new-graph": (
        "POST",
        "/data",
        {"data": b"<a:s> <a:p> 4 .", "headers": {"Content-Type": "text/turtle"}},
    ),
    "put-direct": (
        "PUT",
        "/data/adversarial/auth",
        {"data": b"<a:s> <a:p> 5 .", "headers": {"Content-Type": "text/turtle"}},
    ),
    "delete": ("DELETE", "/data?graph=http://example.org/adversarial/auth-delete", {}),
}
CREDENTIALS: dict[str, tuple[dict[str, str], dict[str, str], set[int]]] = {
    "none": ({}, {}, {401}),
    "empty-bearer": ({"Authorization": "Bearer "}, {}, {401}),
    "bearer-only": ({"Authorization": "Bearer"}, {}, {401}),
    "wrong": ({"Authorization": "Bearer not-the-token"}, {}, {403}),
    "prefix-of-token": ({"Authorization": f"Bearer {TOKEN[:-1]}"}, {}, {403}),
    "token-and-more": ({"Authorization": f"Bearer {TOKEN}x"}, {}, {403}),
    "upper-case-token": ({"Authorization": f"Bearer {TOKEN.upper()}"}, {}, {403}),
    "basic": (
        {"Authorization": "Basic " + base64.b64encode(f"admin:{TOKEN}".encode()).decode()},
        {},
        {401},
    ),
    "basic-token-alone": (
        {"Authorization": "Basic " + base64.b64encode(TOKEN.encode()).decode()},
        {},
        {401},
    ),
    "token-without-scheme": ({"Authorization": TOKEN}, {}, {401}),
    "in-query-string": ({}, {"access_token": TOKEN, "token": TOKEN}, {401}),
    "in-other-header": ({"X-Update-Token": TOKEN, "Cookie": f"token={TOKEN}"}, {}, {401}),
    "good": (AUTH, {}, {201, 204, 404}),
    "good-lower-case-scheme": ({"Authorization": f"bearer {TOKEN}"}, {}, {201, 204, 404}),
}


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("write", WRITES)
def test_writes_need_the_credential(server: Probe, write: str, credential: str) -> None:
    method, path, kwargs = WRITES[write]
    headers, params, statuses = CREDENTIALS[credential]
    before = server.version()
    response = server.request(
        method,
        path,
        params=params,
        data=kwargs.get("data"),
        headers={**kwargs.get("headers", {}), **headers},
    )
    assert response.status_code in statuses, response.text
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if response.status_code in (401, 403):
        assert server.version() == before


def test_two_authorization_headers_are_not_a_way_in(server: Probe) -> None:
    before = server.version()
    answer = raw_exchange(
        server.port,
        b"PUT /data?graph=http://example.org/adversarial/twice HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer wrong\r\n"
        + f"Authorization: Bearer {TOKEN}\r\n".encode()
        + b"Content-Type: text/turtle\r\nContent-Length: 15\r\nConnection: close\r\n\r\n"
        b"<a:s> <a:p> 6 .",
    )
    assert answer.status in (400, 401, 403)
    assert server.version() == before


def test_with_no_token_configured_every_write_is_refused(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = small_content(tmp_path_factory.mktemp("no-token") / "content")
    with live_server("--content-dir", str(root), "serve", cwd=root) as running:
        probe = Probe(running.url, server=running)
        before = probe.version()
        for write, (method, path, kwargs) in WRITES.items():
            for headers in ({}, AUTH, {"Authorization": "Bearer "}):
                response = probe.request(
                    method,
                    path,
                    data=kwargs.get("data"),
                    headers={**kwargs.get("headers", {}), **headers},
                )
                assert response.status_code == 403, (write, headers, response.text)
                assert "off" in response.text
        assert probe.version() == before
        description = probe.get("/sparql", headers={"Accept": "text/turtle"}).text
        assert "SPARQL11Update" not in description
