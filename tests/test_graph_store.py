"""The Graph Store HTTP Protocol at /data, driven over real HTTP against a real server.

Every test that writes uses graph IRIs of its own, so the tests share one server and
still do not depend on their order.
"""

from __future__ import annotations

import doctest
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from werkzeug.datastructures import MultiDict

import orchkg.graph_store
import orchkg.headers
import orchkg.store
from orchkg.errors import ClientError, UnsupportedMediaTypeError
from orchkg.graph_store import Target, body_format, direct_target, indirect_target
from support import LiveServer, live_server

BASE = "https://w3id.org/orchkg/"
TOKEN = "graph-store-test-token"  # noqa: S105 -- a test server's token
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle; charset=utf-8"}
ONE = f"{BASE}graph/one"
ONTOLOGY = "<ontology#Thing> a <http://www.w3.org/2002/07/owl#Class> .\n"
ONE_TTL = '<resource/a> <ontology#p> "one" ; <ontology#q> [ <ontology#r> "blank" ] .\n'
PERSON = """@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://example.org/person/1> a foaf:Person ; foaf:name "Jane Doe" ;
    foaf:knows [ foaf:name "a stranger" ] .
"""
HALF_VALID = (
    b'<http://example.org/s> <http://example.org/p> "fine" .\n'
    b"<http://example.org/s> <http://example.org/p> .\n"
)


def make_content(root: Path, graph_text: str = ONE_TTL) -> Path:
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "graph" / "one.ttl").write_text(graph_text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = make_content(tmp_path_factory.mktemp("content"))
    with live_server(
        "--content-dir", str(root), "serve", "--update-token", TOKEN, cwd=root
    ) as running:
        yield running


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with no update token, and a result limit smaller than its one graph."""
    many = "".join(f'<resource/n{index}> <ontology#p> "{index}" .\n' for index in range(500))
    root = make_content(tmp_path_factory.mktemp("content"), many)
    with live_server(
        "--content-dir",
        str(root),
        "serve",
        env={"ORCHKG_MAX_RESULT_BYTES": "4000"},
        cwd=root,
    ) as running:
        yield running


def data(server: LiveServer, method: str, **kwargs: object) -> requests.Response:
    return requests.request(method, server.url + "/data", timeout=30, **kwargs)  # type: ignore[arg-type]


def graph_of(response: requests.Response, rdflib_format: str = "turtle") -> rdflib.Graph:
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.content, format=rdflib_format)


def turtle(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="turtle", publicID=BASE)


# -- pure request rules ----------------------------------------------------------------


def test_doctests_of_the_helpers() -> None:
    for module in (orchkg.graph_store, orchkg.headers, orchkg.store):
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__


@pytest.mark.parametrize(
    ("pairs", "method", "message"),
    [
        ([("graph", "http://e/g"), ("default", "")], "GET", "not both"),
        ([("graph", "http://e/g"), ("graph", "http://e/h")], "PUT", "exactly one"),
        ([], "GET", "name the graph"),
        ([], "DELETE", "name the graph"),
        ([("graph", "")], "GET", "not an absolute IRI"),
        ([("graph", "relative/name")], "GET", "not an absolute IRI"),
        ([("graph", "../../etc/passwd")], "GET", "not an absolute IRI"),
        ([("graph", "/etc/passwd")], "PUT", "not an absolute IRI"),
        ([("graph", "http://e/a b")], "GET", "not an absolute IRI"),
        ([("graph", "urn:orchkg:loading:x:0")], "PUT", "reserved"),
    ],
)
def test_indirect_target_refusals(pairs: list[tuple[str, str]], method: str, message: str) -> None:
    with pytest.raises(ClientError, match=message):
        indirect_target(MultiDict(pairs), method)


def test_indirect_and_direct_targets() -> None:
    assert indirect_target(MultiDict([("default", "")]), "DELETE") == Target(None)
    assert indirect_target(MultiDict(), "POST") is None
    # decoded once by the URL parser, then taken as is: %31 stays %31
    iri = "http://example.org/person/%31.ttl"
    assert indirect_target(MultiDict([("graph", iri)]), "GET") == Target(iri)
    assert direct_target("http://h/data/a/b.ttl", "a/b.ttl", MultiDict()).graph == (
        "http://h/data/a/b.ttl"
    )
    with pytest.raises(ClientError, match="segments"):
        direct_target("http://h/data/a/../b", "a/../b", MultiDict())
    with pytest.raises(ClientError, match="names its graph itself"):
        direct_target("http://h/data/a", "a", MultiDict([("default", "")]))


def test_body_formats() -> None:
    assert body_format("text/turtle", {"charset": "UTF-8"}).name == "turtle"
    assert body_format("application/ld+json", {}).name == "jsonld"
    with pytest.raises(UnsupportedMediaTypeError):
        body_format("text/plain", {})
    with pytest.raises(UnsupportedMediaTypeError):
        body_format("", {})
    with pytest.raises(UnsupportedMediaTypeError, match="UTF-8"):
        body_format("text/turtle", {"charset": "utf-16"})


# -- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_get_negotiates_every_rdf_format(
    server: LiveServer, accept: str, rdflib_format: str
) -> None:
    response = data(server, "GET", params={"graph": ONE}, headers={"Accept": accept})
    assert response.headers["Content-Type"] == f"{accept}; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["ETag"]
    got = rdflib.Dataset().parse(data=response.content, format=rdflib_format)
    triples = rdflib.Graph()
    for s, p, o, _ in got.quads((None, None, None, None)):
        triples.add((s, p, o))
    assert isomorphic(triples, turtle(ONE_TTL))


def test_get_needs_no_token_and_a_missing_graph_is_404(server: LiveServer) -> None:
    assert data(server, "GET", params={"graph": ONE}).status_code == 200
    missing = data(server, "GET", params={"graph": "http://example.org/nothing"})
    assert missing.status_code == 404
    assert "<http://example.org/nothing>" in missing.text
    assert data(server, "HEAD", params={"graph": "http://example.org/nothing"}).status_code == 404
    # an IRI that looks like a file is only ever a name
    passwd = data(server, "GET", params={"graph": "file:///etc/passwd"})
    assert passwd.status_code == 404
    assert "root:" not in passwd.text


def test_head_has_the_headers_of_get_and_no_body(server: LiveServer) -> None:
    get = data(server, "GET", params={"graph": ONE}, headers={"Accept": "text/turtle"})
    head = data(server, "HEAD", params={"graph": ONE}, headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.content == b""
    for name in ("Content-Type", "ETag", "Vary", "Content-Length"):
        assert head.headers[name] == get.headers[name]


def test_etag_follows_the_store_version(server: LiveServer) -> None:
    iri = "http://example.org/etag"
    assert data(server, "PUT", params={"graph": iri}, data=PERSON, headers={**AUTH, **TURTLE}).ok
    first = data(server, "GET", params={"graph": iri})
    tag = first.headers["ETag"]
    again = data(server, "GET", params={"graph": iri}, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    other_format = data(
        server, "GET", params={"graph": iri}, headers={"Accept": "application/n-triples"}
    )
    assert other_format.headers.get("ETag") != tag
    data(server, "POST", params={"graph": iri}, data="<x:a> <x:b> 1 .", headers={**AUTH, **TURTLE})
    changed = data(server, "GET", params={"graph": iri}, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag


def test_nothing_acceptable_is_406(server: LiveServer) -> None:
    response = data(server, "GET", params={"graph": ONE}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_a_graph_over_the_result_limit_is_413_not_cut_short(read_only: LiveServer) -> None:
    response = data(read_only, "GET", params={"graph": ONE})
    assert response.status_code == 413
    assert "4,000-byte" in response.text


# -- writing ---------------------------------------------------------------------------


def test_put_creates_then_replaces(server: LiveServer) -> None:
    iri = "http://example.org/put"
    created = data(server, "PUT", params={"graph": iri}, data=PERSON, headers={**AUTH, **TURTLE})
    assert created.status_code == 201
    assert created.headers["Location"] == iri
    assert "Content-Type" not in created.headers
    replaced = data(server, "PUT", params={"graph": iri}, data=PERSON, headers={**AUTH, **TURTLE})
    assert replaced.status_code == 204
    # replaced, so the blank node did not pile up
    assert isomorphic(graph_of(data(server, "GET", params={"graph": iri})), turtle(PERSON))
    smaller = '<http://example.org/person/1> <http://xmlns.com/foaf/0.1/name> "J" .'
    data(server, "PUT", params={"graph": iri}, data=smaller, headers={**AUTH, **TURTLE})
    assert len(graph_of(data(server, "GET", params={"graph": iri}))) == 1


def test_put_of_an_empty_body_makes_an_empty_graph_that_exists(server: LiveServer) -> None:
    iri = "http://example.org/empty"
    assert (
        data(server, "PUT", params={"graph": iri}, data=b"", headers={**AUTH, **TURTLE}).status_code
        == 201
    )
    response = data(server, "GET", params={"graph": iri})
    assert response.status_code == 200
    assert len(graph_of(response)) == 0


def test_post_merges_and_keeps_blank_nodes_apart(server: LiveServer) -> None:
    iri = "http://example.org/merge"
    first = data(server, "POST", params={"graph": iri}, data=PERSON, headers={**AUTH, **TURTLE})
    assert first.status_code == 201
    second = data(server, "POST", params={"graph": iri}, data=PERSON, headers={**AUTH, **TURTLE})
    assert second.status_code == 204
    merged = graph_of(data(server, "GET", params={"graph": iri}))
    # the named triples merge; each POST's blank node is its own
    assert len(merged) == 2 + 2 * 2


def test_post_to_data_alone_creates_a_new_graph(server: LiveServer) -> None:
    response = data(server, "POST", data=PERSON, headers={**AUTH, **TURTLE})
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith(f"{BASE}graph/")
    assert isomorphic(graph_of(data(server, "GET", params={"graph": location})), turtle(PERSON))
    another = data(server, "POST", data=PERSON, headers={**AUTH, **TURTLE})
    assert another.headers["Location"] != location


def test_default_graph_is_the_stores_own(server: LiveServer) -> None:
    text = "<http://example.org/d> <http://example.org/p> 1 ."
    put = data(server, "PUT", params={"default": ""}, data=text, headers={**AUTH, **TURTLE})
    assert put.status_code == 204
    # only the default graph, not the union of named graphs that queries see
    assert isomorphic(graph_of(data(server, "GET", params={"default": ""})), turtle(text))
    assert data(server, "DELETE", params={"default": ""}, headers=AUTH).status_code == 204
    assert len(graph_of(data(server, "GET", params={"default": ""}))) == 0
    assert data(server, "DELETE", params={"default": ""}, headers=AUTH).status_code == 204


def test_delete(server: LiveServer) -> None:
    iri = "http://example.org/delete"
    data(server, "PUT", params={"graph": iri}, data=PERSON, headers={**AUTH, **TURTLE})
    deleted = data(server, "DELETE", params={"graph": iri}, headers=AUTH)
    assert deleted.status_code == 204
    assert data(server, "GET", params={"graph": iri}).status_code == 404
    assert data(server, "DELETE", params={"graph": iri}, headers=AUTH).status_code == 404


def test_relative_iris_in_a_body_resolve_against_the_base(server: LiveServer) -> None:
    iri = "http://example.org/relative"
    body = "<resource/x> <ontology#p> <resource/y> ."
    data(server, "PUT", params={"graph": iri}, data=body, headers={**AUTH, **TURTLE})
    got = graph_of(data(server, "GET", params={"graph": iri}))
    assert (
        rdflib.URIRef(f"{BASE}resource/x"),
        rdflib.URIRef(f"{BASE}ontology#p"),
        rdflib.URIRef(f"{BASE}resource/y"),
    ) in got


def test_writes_are_seen_by_sparql(server: LiveServer) -> None:
    iri = "http://example.org/seen"
    body = '<http://example.org/seen/s> <http://example.org/p> "visible" .'
    data(server, "PUT", params={"graph": iri}, data=body, headers={**AUTH, **TURTLE})
    query = f"SELECT ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    response = server.get("/sparql", params={"query": query})
    assert [b["o"]["value"] for b in response.json()["results"]["bindings"]] == ["visible"]


def test_update_resolves_relative_iris_against_the_base(server: LiveServer) -> None:
    update = "INSERT DATA { GRAPH <http://example.org/base> { <resource/s> <ontology#p> <t> } }"
    response = server.post(
        "/update", data=update, headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 204, response.text
    assert "Content-Type" not in response.headers
    got = graph_of(data(server, "GET", params={"graph": "http://example.org/base"}))
    assert (
        rdflib.URIRef(f"{BASE}resource/s"),
        rdflib.URIRef(f"{BASE}ontology#p"),
        rdflib.URIRef(f"{BASE}t"),
    ) in got


# -- multipart -------------------------------------------------------------------------


def test_multipart_parts_by_content_type_or_extension(server: LiveServer) -> None:
    iri = "http://example.org/multipart"
    files = [
        ("first", ("person.ttl", PERSON.encode(), "text/turtle; charset=utf-8")),
        ("second", ("extra.nt", b'<http://example.org/x> <http://example.org/p> "2" .\n', None)),
        (
            "third",
            (
                "more.bin",
                b'[{"@id": "http://example.org/y", "http://example.org/p": "3"}]',
                "application/ld+json",
            ),
        ),
    ]
    response = data(server, "POST", params={"graph": iri}, files=files, headers=AUTH)
    assert response.status_code == 201, response.text
    assert len(graph_of(data(server, "GET", params={"graph": iri}))) == 4 + 1 + 1


def test_multipart_is_one_transaction(server: LiveServer) -> None:
    iri = "http://example.org/multipart-atomic"
    files = [
        ("good", ("good.ttl", PERSON.encode(), "text/turtle")),
        ("bad", ("bad.ttl", HALF_VALID, "text/turtle")),
    ]
    response = data(server, "POST", params={"graph": iri}, files=files, headers=AUTH)
    assert response.status_code == 400
    assert "bad.ttl" in response.text
    assert ":2:" in response.text
    assert data(server, "GET", params={"graph": iri}).status_code == 404


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ([("a", ("notes.txt", b"x", "text/plain"))], 415, "notes.txt"),
        ([("a", ("a.ttl", b"", "text/turtle; charset=utf-16"))], 415, "UTF-8"),
    ],
)
def test_multipart_refusals(
    server: LiveServer, files: list[tuple[str, tuple[str, bytes, str]]], status: int, message: str
) -> None:
    response = data(
        server, "POST", params={"graph": "http://example.org/mp-bad"}, files=files, headers=AUTH
    )
    assert response.status_code == status
    assert message in response.text


def test_multipart_fields_that_are_not_files_are_refused(server: LiveServer) -> None:
    response = data(
        server,
        "POST",
        params={"graph": "http://example.org/mp-field"},
        files={"file": ("a.ttl", PERSON.encode(), "text/turtle")},
        data={"note": "not a file"},
        headers=AUTH,
    )
    assert response.status_code == 400
    assert "'note'" in response.text


def test_multipart_put_is_415(server: LiveServer) -> None:
    files = {"a": ("a.ttl", PERSON.encode(), "text/turtle")}
    response = data(
        server, "PUT", params={"graph": "http://example.org/mp-put"}, files=files, headers=AUTH
    )
    assert response.status_code == 415


# -- refusals --------------------------------------------------------------------------


def test_half_valid_body_changes_nothing_and_names_line_and_column(server: LiveServer) -> None:
    iri = "http://example.org/half"
    data(server, "PUT", params={"graph": iri}, data=PERSON, headers={**AUTH, **TURTLE})
    for method in ("PUT", "POST"):
        response = data(
            server, method, params={"graph": iri}, data=HALF_VALID, headers={**AUTH, **TURTLE}
        )
        assert response.status_code == 400
        assert "request body:2:47" in response.text
        assert "Traceback" not in response.text
    assert isomorphic(graph_of(data(server, "GET", params={"graph": iri})), turtle(PERSON))
    fresh = "http://example.org/half-fresh"
    data(server, "PUT", params={"graph": fresh}, data=HALF_VALID, headers={**AUTH, **TURTLE})
    assert data(server, "GET", params={"graph": fresh}).status_code == 404


def _lines(count: int, tag: str) -> Iterator[bytes]:
    """N-Triples in chunks of 1,000 lines: a streamed (chunked) body."""
    for start in range(0, count, 1000):
        yield "".join(
            f'<http://example.org/{tag}/{i}> <http://example.org/p> "{i}" .\n'
            for i in range(start, min(start + 1000, count))
        ).encode()


def _triples_in(server: LiveServer, iri: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    answer = requests.get(server.url + "/sparql", params={"query": query}, timeout=30).json()
    return int(answer["results"]["bindings"][0]["n"]["value"])


def test_a_streamed_body_larger_than_a_load_batch_lands_whole(server: LiveServer) -> None:
    """120,000 triples sent chunked: more than two of the store's 50,000-quad batches."""
    iri = "http://example.org/streamed"
    nt = {**AUTH, "Content-Type": "application/n-triples"}
    put = data(server, "PUT", params={"graph": iri}, data=_lines(120_000, "a"), headers=nt)
    assert put.status_code == 201
    assert _triples_in(server, iri) == 120_000
    broken = itertools.chain(_lines(110_000, "b"), [b"<http://example.org/b/x> <p> .\n"])
    refused = data(server, "PUT", params={"graph": iri}, data=broken, headers=nt)
    assert refused.status_code == 400
    assert "request body:110001:" in refused.text
    assert _triples_in(server, iri) == 120_000  # the old graph, whole
    replaced = data(server, "PUT", params={"graph": iri}, data=_lines(60_000, "c"), headers=nt)
    assert replaced.status_code == 204
    assert _triples_in(server, iri) == 60_000
    graphs = requests.get(
        server.url + "/sparql",
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        timeout=30,
    ).text
    assert "urn:orchkg:loading" not in graphs


def test_a_body_with_named_graphs_is_refused_whole(server: LiveServer) -> None:
    trig = (
        b"<http://example.org/s> <http://example.org/p> 1 .\n"
        b"GRAPH <http://example.org/elsewhere> { <http://example.org/s> <http://example.org/p> 2 }"
    )
    response = data(
        server,
        "PUT",
        params={"graph": "http://example.org/trig"},
        data=trig,
        headers={**AUTH, "Content-Type": "application/trig"},
    )
    assert response.status_code == 400
    assert "elsewhere" in response.text
    for iri in ("http://example.org/trig", "http://example.org/elsewhere"):
        assert data(server, "GET", params={"graph": iri}).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/sparql-update"}, {}],
)
def test_unknown_content_type_is_415(server: LiveServer, headers: dict[str, str]) -> None:
    response = data(
        server,
        "PUT",
        params={"graph": "http://example.org/415"},
        data=PERSON,
        headers={**AUTH, **headers},
    )
    assert response.status_code == 415
    assert "text/turtle" in response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"graph": "relative"}, "not an absolute IRI"),
        ({"graph": "../../etc/passwd"}, "not an absolute IRI"),
        ({"graph": "http://example.org/g", "default": ""}, "not both"),
        ({"graph": ["http://example.org/g", "http://example.org/h"]}, "exactly one"),
        ({}, "name the graph"),
        ({"graph": "urn:orchkg:loading:abc:0"}, "reserved"),
    ],
)
def test_bad_graph_parameters_are_400(
    server: LiveServer, params: dict[str, object], message: str
) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = data(server, method, params=params, data=PERSON, headers={**AUTH, **TURTLE})
        assert response.status_code == 400, (method, response.text)
        assert message in response.text


def test_writes_need_the_token(server: LiveServer) -> None:
    iri = "http://example.org/auth"
    for method in ("PUT", "POST", "DELETE"):
        missing = data(server, method, params={"graph": iri}, data=PERSON, headers=TURTLE)
        assert missing.status_code == 401
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = data(
            server,
            method,
            params={"graph": iri},
            data=PERSON,
            headers={**TURTLE, "Authorization": "Bearer not-the-token"},
        )
        assert wrong.status_code == 403
    anonymous_new = data(server, "POST", data=PERSON, headers=TURTLE)
    assert anonymous_new.status_code == 401
    assert data(server, "GET", params={"graph": iri}).status_code == 404


def test_writes_are_off_without_a_configured_token(read_only: LiveServer) -> None:
    for method in ("PUT", "POST", "DELETE"):
        response = data(
            read_only, method, params={"graph": ONE}, data=PERSON, headers={**AUTH, **TURTLE}
        )
        assert response.status_code == 403
        assert "off" in response.text
    assert data(read_only, "GET", params={"default": ""}).status_code == 200
    assert data(read_only, "HEAD", params={"graph": ONE}).status_code == 413


def test_other_methods_are_405(server: LiveServer) -> None:
    response = data(server, "PATCH", params={"default": ""})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD", "PUT", "POST", "DELETE"}


# -- direct identification -------------------------------------------------------------


def test_direct_identification_names_the_graph_by_its_url(server: LiveServer) -> None:
    url = server.url + "/data/people/1.ttl"
    created = requests.put(url, data=PERSON, headers={**AUTH, **TURTLE}, timeout=30)
    assert created.status_code == 201
    assert created.headers["Location"] == url
    assert isomorphic(graph_of(requests.get(url, timeout=30)), turtle(PERSON))
    assert isomorphic(graph_of(data(server, "GET", params={"graph": url})), turtle(PERSON))
    assert requests.head(url, timeout=30).status_code == 200
    assert requests.delete(url, headers=AUTH, timeout=30).status_code == 204
    assert requests.get(url, timeout=30).status_code == 404


@pytest.mark.parametrize("path", ["/data/a/%2e%2e/b", "/data/a/./b"])
def test_direct_identification_refuses_dot_segments(server: LiveServer, path: str) -> None:
    session = requests.Session()
    prepared = session.prepare_request(requests.Request("GET", server.url + path))
    prepared.url = server.url + path  # as typed: no client-side normalisation
    assert session.send(prepared, timeout=30).status_code == 400


# Nothing is fetched because of a body (remote JSON-LD contexts, XML entities, DTDs):
# tests/adversarial/test_no_outbound.py proves it against a local listener.
