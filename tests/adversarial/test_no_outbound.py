"""Promise 1: no request makes the server connect anywhere or open a file.

A local socket (``support.Listener``) records every connection made to it; each test
aims a request at it, in every spelling that could slip past the guard, and checks
that nothing connected. Addresses that cannot be listened on here (private ranges,
link-local metadata, file and unknown schemes) must be refused or treated as names
just the same, and answered at once. The control test proves the listener would see a
fetch, and the allowlist test proves federation reaches exactly what is configured.
"""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hostile import AUTH, TOKEN, Probe, small_content
from support import Listener, live_server

TARGETS = {
    "loopback": "{v4}/sparql",
    "localhost": "http://localhost:{port}/sparql",
    "loopback-short": "http://127.1:{port}/",
    "loopback-decimal": "http://2130706433:{port}/",
    "any-address": "http://0.0.0.0:{port}/",
    "ipv6-loopback": "{v6}/sparql",
    "ipv4-mapped-ipv6": "http://[::ffff:127.0.0.1]:{port}/",
    "https-loopback": "https://127.0.0.1:{port}/",
    "private-10": "http://10.0.0.1/sparql",
    "private-172": "http://172.16.0.1/sparql",
    "private-192": "http://192.168.1.1/sparql",
    "link-local-metadata": "http://169.254.169.254/latest/meta-data/",
    "file": "file:///etc/passwd",
    "gopher": "gopher://127.0.0.1:{port}/_GET",
    "ftp": "ftp://127.0.0.1:{port}/x",
    "unknown-scheme": "x-orchkg-probe:{port}",
}
LISTENED = ("loopback", "ipv6-loopback", "localhost", "loopback-short", "any-address")
"""Targets that reach one of the two listeners, so a connection would be seen."""

SERVICE_SPELLINGS = {
    "plain": "SELECT * WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
    "lower-case": "select * where {{ service <{t}> {{ ?s ?p ?o }} }}",
    "mixed-case": "SeLeCt * WhErE {{ sErViCe <{t}> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{t}> {{ ?s ?p ?o }} }}",
    "escaped-keyword": "SELECT * WHERE {{ \\u0053ERVIC\\U00000045 <{t}> {{ ?s ?p ?o }} }}",
    "escaped-iri": "SELECT * WHERE {{ SERVICE <{t_escaped}> {{ ?s ?p ?o }} }}",
    "comment-between": "SELECT * WHERE {{ SERVICE # comment }}\n <{t}> {{ ?s ?p ?o }} }}",
    "comment-before": "# SERVICE <http://example.org/>\nSELECT * {{ SERVICE <{t}> {{ ?s ?p ?o }}}}",
    "strings-around": "SELECT * WHERE {{ BIND('''a ' '' b''' AS ?x) BIND(\"SERVICE\" AS ?y) "
    "SERVICE <{t}> {{ ?s ?p ?o }} BIND('#' AS ?z) }}",
    "whitespace": "SELECT * WHERE {{\r\nSERVICE\t\r\n<{t}>\x0c{{ ?s ?p ?o }} }}",
    "prefixed-name": "PREFIX r: <{t}>\nSELECT * WHERE {{ SERVICE r: {{ ?s ?p ?o }} }}",
    "relative-to-base": "BASE <{t}>\nSELECT * WHERE {{ SERVICE <> {{ ?s ?p ?o }} }}",
    "variable": "SELECT * WHERE {{ VALUES ?e {{ <{t}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "subquery": "SELECT * {{ {{ SELECT * WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }} }} }}",
    "exists": "ASK {{ FILTER EXISTS {{ SERVICE <{t}> {{ ?s ?p ?o }} }} }}",
    "optional": "SELECT * WHERE {{ OPTIONAL {{ SERVICE <{t}> {{ ?s ?p ?o }} }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
    "describe": "DESCRIBE ?s WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
    "byte-order-mark": "\ufeffSELECT * WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
}
LOAD_SPELLINGS = {
    "plain": "LOAD <{t}>",
    "lower-case": "load <{t}>",
    "silent-into": "LOAD SILENT <{t}> INTO GRAPH <http://example.org/adversarial/load>",
    "escaped": "\\u004COAD <{t}>",
    "after-insert": "INSERT DATA {{ <http://example.org/a> <http://example.org/b> 1 }} ;\n"
    "# comment\nLOAD <{t}>",
    "service-in-where": "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{t}> {{ ?s ?p ?o }} }}",
    "prefixed": "PREFIX r: <{t}>\nLOAD r:",
}


@pytest.fixture(scope="module")
def listeners() -> Iterator[tuple[Listener, Listener]]:
    """An IPv4 and an IPv6 loopback listener on one port number when the system allows."""
    v4 = Listener()
    v6 = Listener(socket.AF_INET6)
    yield v4, v6
    v4.close()
    v6.close()


def target(name: str, listeners: tuple[Listener, Listener]) -> str:
    v4, v6 = listeners
    return TARGETS[name].format(v4=v4.url, v6=v6.url, port=v4.port)


def escaped(iri: str) -> str:
    """The IRI with its ':' and '/' written as SPARQL codepoint escapes."""
    return iri.replace(":", "\\u003A").replace("/", "\\u002F")


def assert_untouched(listeners: tuple[Listener, Listener]) -> None:
    for running in listeners:
        assert not running.touched(), f"the server connected: {running.connections}"


@pytest.fixture(autouse=True)
def nothing_connects(listeners: tuple[Listener, Listener]) -> Iterator[None]:
    """Every test ends with both listeners untouched (the control test clears them)."""
    yield
    assert_untouched(listeners)


def test_the_listeners_would_see_a_fetch(listeners: tuple[Listener, Listener]) -> None:
    """The control: a real fetch to each listener is recorded."""
    for running in listeners:
        with pytest.raises(requests.RequestException):
            requests.get(running.url + "/probe", timeout=1)
        deadline = time.monotonic() + 2
        while not running.connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.connections
        running.connections.clear()


@pytest.mark.parametrize("where", ["loopback", "ipv6-loopback", "link-local-metadata", "file"])
@pytest.mark.parametrize("spelling", SERVICE_SPELLINGS)
def test_service_is_refused_in_every_spelling(
    site: Probe, listeners: tuple[Listener, Listener], spelling: str, where: str
) -> None:
    iri = target(where, listeners)
    query = SERVICE_SPELLINGS[spelling].format(t=iri, t_escaped=escaped(iri))
    started = time.monotonic()
    response = site.post(
        "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 403, response.text
    assert "allowlist" in response.text
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("where", TARGETS)
def test_service_is_refused_for_every_target(
    site: Probe, listeners: tuple[Listener, Listener], where: str
) -> None:
    iri = target(where, listeners)
    for method in ("GET", "POST"):
        query = f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}"
        if method == "GET":
            response = site.get("/sparql", params={"query": query})
        else:
            response = site.post("/sparql", data={"query": query})
        assert response.status_code == 403, response.text


@pytest.mark.parametrize("where", TARGETS)
@pytest.mark.parametrize(
    "dataset",
    ["from", "from-named", "default-graph-uri", "named-graph-uri", "from-escaped"],
)
def test_dataset_iris_are_names_never_fetched(
    site: Probe, listeners: tuple[Listener, Listener], dataset: str, where: str
) -> None:
    iri = target(where, listeners)
    select = "SELECT * WHERE {{ {} }}"
    params: dict[str, str] = {}
    if dataset == "from":
        query = f"SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}"
    elif dataset == "from-named":
        query = f"SELECT * FROM NAMED <{iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    elif dataset == "from-escaped":
        query = f"SELECT * \\u0046ROM <{escaped(iri)}> WHERE {{ ?s ?p ?o }}"
    elif dataset == "default-graph-uri":
        query, params = select.format("?s ?p ?o"), {"default-graph-uri": iri}
    else:
        query, params = select.format("GRAPH ?g { ?s ?p ?o }"), {"named-graph-uri": iri}
    started = time.monotonic()
    response = site.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []
    assert time.monotonic() - started < 2


def test_a_file_named_as_a_graph_is_never_read(site: Probe, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text('<http://example.org/s> <http://example.org/p> "secret-content" .\n')
    iri = secret.as_uri()
    for params in (
        {"query": f"SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}"},
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": iri},
        {"query": f"SELECT * WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"},
    ):
        response = site.get("/sparql", params=params)
        assert response.status_code == 200
        assert "secret-content" not in response.text
    assert site.get("/data", params={"graph": iri}).status_code == 404
    load = site.post(
        "/update",
        data=f"LOAD <{iri}>",
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert load.status_code == 403
    assert "secret-content" not in site.get("/data", params={"graph": iri}).text


@pytest.mark.parametrize("where", ["loopback", "ipv6-loopback", "link-local-metadata", "file"])
@pytest.mark.parametrize("spelling", LOAD_SPELLINGS)
def test_load_is_refused_in_every_spelling(
    site: Probe, listeners: tuple[Listener, Listener], spelling: str, where: str
) -> None:
    iri = target(where, listeners)
    update = LOAD_SPELLINGS[spelling].format(t=iri)
    before = site.version()
    response = site.post(
        "/update",
        data=update.encode(),
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 403, response.text
    assert site.version() == before


@pytest.mark.parametrize("where", ["loopback", "ipv6-loopback", "file", "unknown-scheme"])
@pytest.mark.parametrize("parameter", ["using-graph-uri", "using-named-graph-uri"])
@pytest.mark.parametrize("verb", ["ADD", "COPY", "INSERT-WHERE"])
def test_graph_names_in_updates_are_never_fetched(
    site: Probe, listeners: tuple[Listener, Listener], verb: str, parameter: str, where: str
) -> None:
    iri = target(where, listeners)
    into = f"http://example.org/adversarial/update-{verb.lower()}"
    update = {
        "ADD": f"ADD SILENT <{iri}> TO <{into}>",
        "COPY": f"COPY SILENT <{iri}> TO <{into}>",
        "INSERT-WHERE": f"INSERT {{ GRAPH <{into}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}",
    }[verb]
    params = {parameter: iri} if verb == "INSERT-WHERE" else {}
    response = site.post(
        "/update",
        params=params,
        data=update.encode(),
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 204, response.text


def test_views_and_canned_queries_never_fetch(
    site: Probe, listeners: tuple[Listener, Listener]
) -> None:
    iri = target("loopback", listeners)
    custom = site.get(
        "/views/custom",
        params={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}"},
    )
    assert custom.status_code == 403
    from_view = site.get(
        "/views/custom.json",
        params={"query": f"CONSTRUCT {{ ?s ?p ?o }} FROM <{iri}> WHERE {{ ?s ?p ?o }}"},
    )
    assert from_view.status_code in (200, 400), from_view.text
    assert site.get("/views/neighbourhood", params={"resource": iri}).status_code == 400
    for name, parameter in (("depends-on", "component"), ("mentions", "resource")):
        response = site.get(f"/api/queries/{name}", params={parameter: iri})
        assert response.status_code in (200, 400), response.text
    for path in ("/page/x", "/resource/x"):
        assert site.get(path, params={"graph": iri}).status_code in (303, 404)


# -- bodies: JSON-LD contexts, XML entities and DTDs -----------------------------------


def jsonld_bodies(remote: str) -> dict[str, str]:
    node = '"@id": "http://example.org/s", "http://example.org/p": "x"'
    return {
        "jsonld-remote-context": f'{{"@context": "{remote}/context.jsonld", {node}}}',
        "jsonld-context-list": f'{{"@context": [{{"a": "http://a/"}}, "{remote}/c"], {node}}}',
        "jsonld-nested-context": f'{{"@graph": [{{"@context": "{remote}/c", {node}}}]}}',
        "jsonld-scoped-context": (
            f'{{"@context": {{"p": {{"@id": "http://example.org/p", "@context": "{remote}/c"}}}},'
            f' "@id": "http://example.org/s", "p": {{"@id": "http://example.org/o"}}}}'
        ),
        "jsonld-import": (f'{{"@context": {{"@version": 1.1, "@import": "{remote}/c"}}, {node}}}'),
    }


def rdfxml_bodies(remote: str) -> dict[str, str]:
    head = '<?xml version="1.0"?>\n'
    rdf = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">'
    )
    description = '<rdf:Description rdf:about="http://example.org/s">{}</rdf:Description>'
    return {
        "xml-external-entity": head
        + f'<!DOCTYPE rdf:RDF [<!ENTITY remote SYSTEM "{remote}/entity">]>\n'
        + rdf
        + description.format("<ex:p>&remote;</ex:p>")
        + "</rdf:RDF>",
        "xml-file-entity": head
        + '<!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        + rdf
        + description.format("<ex:p>&secret;</ex:p>")
        + "</rdf:RDF>",
        "xml-public-entity": head
        + f'<!DOCTYPE rdf:RDF [<!ENTITY p PUBLIC "-//x//EN" "{remote}/public">]>\n'
        + rdf
        + description.format("<ex:p>&p;</ex:p>")
        + "</rdf:RDF>",
        "xml-parameter-entity": head
        + f'<!DOCTYPE rdf:RDF [<!ENTITY % pe SYSTEM "{remote}/pe.dtd"> %pe;]>\n'
        + rdf
        + description.format("<ex:p>plain</ex:p>")
        + "</rdf:RDF>",
        "xml-external-dtd": head
        + f'<!DOCTYPE rdf:RDF SYSTEM "{remote}/schema.dtd">\n'
        + rdf
        + description.format("<ex:p>plain</ex:p>")
        + "</rdf:RDF>",
        "xml-entity-in-attribute": head
        + f'<!DOCTYPE rdf:RDF [<!ENTITY remote SYSTEM "{remote}/attr">]>\n'
        + rdf
        + '<rdf:Description rdf:about="&remote;"><ex:p>x</ex:p></rdf:Description>'
        + "</rdf:RDF>",
        "xml-xinclude": head
        + rdf
        + description.format(
            f'<ex:p rdf:parseType="Literal"><xi:include xmlns:xi="http://www.w3.org/2001/'
            f'XInclude" href="{remote}/include"/></ex:p>'
        )
        + "</rdf:RDF>",
    }


def turtle_bodies(remote: str) -> dict[str, str]:
    return {
        "turtle-base-and-prefix": f"@base <{remote}/> .\n@prefix r: <{remote}/> .\n<s> r:p <o> .\n",
        "trig-style-graph-name": f"<{remote}/s> <{remote}/p> <{remote}/o> .\n",
    }


REFUSED = {
    *jsonld_bodies(""),
    "xml-external-entity",
    "xml-file-entity",
    "xml-public-entity",
    "xml-parameter-entity",
    "xml-entity-in-attribute",
}
"""Bodies refused whole (400): a remote context or an external entity cannot be read."""
MEDIA = {"jsonld": "application/ld+json", "xml": "application/rdf+xml", "turtle": "text/turtle"}
WAYS = ["put-indirect", "post-indirect", "post-new-graph", "put-direct", "multipart"]


def body_cases() -> list[str]:
    return [*jsonld_bodies(""), *rdfxml_bodies(""), *turtle_bodies("")]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("body", body_cases())
def test_bodies_never_fetch(
    site: Probe, listeners: tuple[Listener, Listener], body: str, way: str
) -> None:
    remote = listeners[0].url
    text = {**jsonld_bodies(remote), **rdfxml_bodies(remote), **turtle_bodies(remote)}[body]
    media = MEDIA[body.split("-", 1)[0].replace("trig", "turtle")]
    graph = f"http://example.org/adversarial/fetch/{body}/{way}"
    headers = {**AUTH, "Content-Type": media}
    if way == "put-indirect":
        response = site.put("/data", params={"graph": graph}, data=text.encode(), headers=headers)
    elif way == "post-indirect":
        response = site.post("/data", params={"graph": graph}, data=text.encode(), headers=headers)
    elif way == "post-new-graph":
        response = site.post("/data", data=text.encode(), headers=headers)
    elif way == "put-direct":
        response = site.put(f"/data/adversarial/{body}", data=text.encode(), headers=headers)
    else:
        extension = {MEDIA["jsonld"]: "jsonld", MEDIA["xml"]: "rdf", MEDIA["turtle"]: "ttl"}[media]
        response = site.post(
            "/data",
            params={"graph": graph},
            files={"part": (f"body.{extension}", io.BytesIO(text.encode()))},
            headers=AUTH,
        )
    expected = {400} if body.startswith(("jsonld", "xml")) and body in REFUSED else {201, 204}
    assert response.status_code in expected, response.text
    if response.status_code != 400:
        where = response.headers.get("Location") or graph
        if way == "put-direct":
            where = site.url + f"/data/adversarial/{body}"
        stored = site.get(
            "/data", params={"graph": where}, headers={"Accept": "application/n-triples"}
        )
        assert "root:" not in stored.text


# -- federation through the allowlist reaches exactly what is listed --------------------


SNEAKY = {
    "dot-segments": "{allowed}../secret",
    "encoded-dot-segments": "{allowed}%2e%2e/secret",
    "mixed-dot-segments": "{allowed}.%2E/secret",
    "backslash": "{allowed}..\\secret",
    "longer-name": "{root}/allowedx/sparql",
    "other-path": "{root}/other",
    "without-slash": "{root}/allowed",
    "userinfo": "http://user@127.0.0.1:{port}/allowed/",
    "upper-case-scheme": "HTTP://127.0.0.1:{port}/allowed/",
}


def test_the_allowlist_admits_exactly_its_entries(tmp_path: Path) -> None:
    remote = Listener()
    try:
        allowed = f"{remote.url}/allowed/"
        root = small_content(tmp_path / "content")
        env = {"ORCHKG_FEDERATION_ALLOWLIST": allowed}
        with live_server(
            "--content-dir", str(root), "serve", "--update-token", TOKEN, env=env, cwd=root
        ) as server:
            probe = Probe(server.url, server=server)
            reached = probe.sparql(f"SELECT * WHERE {{ SERVICE <{allowed}sparql> {{ ?s ?p ?o }} }}")
            assert reached.status_code == 502, reached.text  # the listener answers nothing
            assert remote.connections, "the allowlisted endpoint was not reached"
            loaded = probe.post(
                "/update",
                data=f"LOAD <{allowed}data.ttl>",
                headers={**AUTH, "Content-Type": "application/sparql-update"},
            )
            assert loaded.status_code == 502, loaded.text
            remote.connections.clear()
            for name, spelling in SNEAKY.items():
                iri = spelling.format(allowed=allowed, root=remote.url, port=remote.port)
                query = f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}"
                response = probe.sparql(query)
                assert response.status_code in (400, 403), (name, response.text)
                load = probe.post(
                    "/update",
                    data=f"LOAD <{iri}>",
                    headers={**AUTH, "Content-Type": "application/sparql-update"},
                )
                assert load.status_code in (400, 403), (name, load.text)
                assert not remote.touched(), f"{name}: the server connected"
    finally:
        remote.close()
