"""Promise 3: a client's mistake is a 4xx, never a 500, and no error body shows a stack
trace, a file path or the engine's internals.

Every route in docs/http-api.md (a test keeps that table equal to the application's
routes) gets the same malformed requests: broken headers, broken query strings, broken
bodies, odd methods, placeholders filled with hostile names. ``hostile.Probe`` scans
every answer's body for ``hostile.LEAK_MARKERS``; the SPARQL protocol gets malformed
operations of its own, and raw sockets send what HTTP libraries refuse to.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hostile import AUTH, REPO, Probe, raw_exchange

DOC = REPO / "docs" / "http-api.md"
HOSTILE_NAME = "%2e%2e%2f%2e%2e%2fetc%2fpasswd%00%3Cscript%3E"


def documented_routes() -> list[tuple[str, set[str]]]:
    routes = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(/[^`]*)` \| ([A-Z, ]+) \|", line)
        if match:
            routes.append((match.group(1), {m.strip() for m in match.group(2).split(",")}))
    return routes


ROUTES = [path for path, _ in documented_routes()]
MALFORMED: dict[str, tuple[str, dict[str, Any]]] = {
    "accept-garbage": ("GET", {"headers": {"Accept": ";;;,,q=x, /, */*/*"}}),
    "accept-odd-weights": (
        "GET",
        {"headers": {"Accept": "application/json;q=2, text/html;q=-1, */*;q=NaN"}},
    ),
    "accept-html-error-page": (
        "GET",
        {"headers": {"Accept": "text/html"}, "params": {"lang": "xx"}},
    ),
    "accept-language-garbage": (
        "GET",
        {"headers": {"Accept-Language": "*;q=abc, ko-KR;q=0.x, \u00e9\u00e9;q=1"}},
    ),
    "conditional-garbage": (
        "GET",
        {"headers": {"If-None-Match": '"unterminated, W/', "If-Modified-Since": "yesterday"}},
    ),
    "range-garbage": ("GET", {"headers": {"Range": "bytes=999999999-, -5, x"}}),
    "query-string-garbage": (
        "GET",
        {"params": "%zz=%zz&lang=%ff&format=%00&=&&==&lang=ko&lang=en&graph&default=1"},
    ),
    "query-string-long-values": (
        "GET",
        {"params": {"lang": "x" * 5000, "format": "y" * 5000, "q": "z" * 5000}},
    ),
    "form-garbage": (
        "POST",
        {
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "data": b"%zz=%zz&query=%&update=%ff",
        },
    ),
    "multipart-no-boundary": (
        "POST",
        {"headers": {**AUTH, "Content-Type": "multipart/form-data; boundary="}, "data": b"--\r\n"},
    ),
    "multipart-broken": (
        "POST",
        {
            "headers": {**AUTH, "Content-Type": "multipart/form-data; boundary=x"},
            "data": b'--x\r\nContent-Disposition: form-data; name="a"; filename="../../x.ttl"\r\n'
            b"\r\n<a:b> <c:d> <e:f> .\r\n--x",
        },
    ),
    "put-bad-charset": (
        "PUT",
        {"headers": {**AUTH, "Content-Type": "text/turtle; charset=; x"}, "data": b"\xff"},
    ),
    "delete-no-credential": ("DELETE", {}),
    "patch": ("PATCH", {"data": b"x"}),
    "options": ("OPTIONS", {"headers": {"Access-Control-Request-Method": "DELETE"}}),
    "head": ("HEAD", {"headers": {"Accept": "x/y"}}),
    "unknown-method": ("PROPFIND", {}),
}


def fill(route: str) -> str:
    return re.sub(r"<[^>]+>", HOSTILE_NAME, route)


@pytest.mark.parametrize("case", MALFORMED)
@pytest.mark.parametrize("route", ROUTES)
def test_malformed_requests_are_client_errors(site: Probe, route: str, case: str) -> None:
    method, kwargs = MALFORMED[case]
    response = site.request(method, fill(route), **kwargs)
    assert response.status_code < 500, response.text[:500]


INVALID_IRIS = [
    "not an iri",
    "<http://e/x>",
    "http://e/ x",
    "http://e/\x00",
    "",
    "urn:orchkg:loading:x",
]
PROTOCOL: dict[str, tuple[str, str, dict[str, Any]]] = {
    "query-and-update": ("POST", "/sparql", {"data": {"query": "ASK {}", "update": "CLEAR ALL"}}),
    "empty-query": ("GET", "/sparql", {"params": {"query": ""}}),
    "whitespace-query": ("GET", "/sparql", {"params": {"query": " \n\t "}}),
    "query-as-file": (
        "POST",
        "/sparql",
        {"files": {"query": ("q.rq", b"ASK {}")}},
    ),
    "format-garbage": ("GET", "/sparql", {"params": {"query": "ASK {}", "format": "\x00<>"}}),
    "output-and-format": (
        "GET",
        "/sparql",
        {"params": {"query": "ASK {}", "format": "csv", "output": "xml"}},
    ),
    "update-empty": (
        "POST",
        "/update",
        {"data": b"", "headers": {**AUTH, "Content-Type": "application/sparql-update"}},
    ),
    "update-using-and-with": (
        "POST",
        "/update",
        {
            "params": {"using-graph-uri": "http://e/g"},
            "data": b"WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "headers": {**AUTH, "Content-Type": "application/sparql-update"},
        },
    ),
    "update-a-query": (
        "POST",
        "/update",
        {"data": b"SELECT * {}", "headers": {**AUTH, "Content-Type": "application/sparql-update"}},
    ),
    "update-drop-missing": (
        "POST",
        "/update",
        {
            "data": b"DROP GRAPH <http://example.org/adversarial/never>",
            "headers": {**AUTH, "Content-Type": "application/sparql-update"},
        },
    ),
    "update-bad-escape": (
        "POST",
        "/update",
        {
            "data": b"INSERT DATA { <a:a> <b:b> '\\uD800' }",
            "headers": {**AUTH, "Content-Type": "application/sparql-update"},
        },
    ),
    "canned-repeated-parameter": (
        "GET",
        "/api/queries/depends-on",
        {"params": [("component", "kg:etcd"), ("component", "kg:kubelet")]},
    ),
    "canned-iri-garbage": (
        "GET",
        "/api/queries/depends-on",
        {"params": {"component": '<>"{}|^`\\'}},
    ),
    "canned-integer-overflow": (
        "GET",
        "/api/queries/scale-figures",
        {"params": {"min": "9" * 400}},
    ),
    "view-depth-huge": (
        "GET",
        "/views/neighbourhood",
        {"params": {"resource": "etcd", "depth": "9" * 50}},
    ),
    "view-depth-negative": (
        "GET",
        "/views/neighbourhood.svg",
        {"params": {"resource": "etcd", "depth": "-1"}},
    ),
    "view-path-ends-unknown": (
        "GET",
        "/views/kubernetes",
        {"params": {"from": "nope", "to": "../x"}},
    ),
    "void-accept-garbage": ("GET", "/.well-known/void", {"headers": {"Accept": "text/turtle;q=x"}}),
}


@pytest.mark.parametrize("graph", INVALID_IRIS)
@pytest.mark.parametrize(
    "parameter", ["default-graph-uri", "named-graph-uri", "using-graph-uri", "graph"]
)
def test_invalid_graph_iris_are_client_errors(site: Probe, parameter: str, graph: str) -> None:
    if parameter == "using-graph-uri":
        response = site.post(
            "/update",
            params={parameter: graph},
            data=b"INSERT { } WHERE { }",
            headers={**AUTH, "Content-Type": "application/sparql-update"},
        )
    elif parameter == "graph":
        response = site.get("/data", params={parameter: graph})
    else:
        response = site.get("/sparql", params={"query": "ASK { ?s ?p ?o }", parameter: graph})
    assert response.status_code in (200, 204, 400, 404), response.text


@pytest.mark.parametrize("case", PROTOCOL)
def test_malformed_operations_are_client_errors(site: Probe, case: str) -> None:
    method, path, kwargs = PROTOCOL[case]
    response = site.request(method, path, **kwargs)
    assert 200 <= response.status_code < 500, response.text[:500]


RAW = {
    "no-version": b"GET /healthz\r\n\r\n",
    "bad-version": b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
    "bad-method-bytes": b"G\x00T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    "space-in-path": b"GET /spa rql HTTP/1.1\r\nHost: x\r\n\r\n",
    "bare-lf": b"GET /healthz HTTP/1.1\nHost: x\n\n",
    "header-without-colon": b"GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n",
    "header-with-nul": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "folded-header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
    "two-content-lengths": (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 9\r\n"
        b"Content-Type: application/sparql-query\r\n\r\nASK"
    ),
    "negative-content-length": (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n"
        b"Content-Type: application/sparql-query\r\n\r\nASK {}"
    ),
    "length-and-chunked": (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/sparql-query\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n"
    ),
    "bad-chunk-size": (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/sparql-query\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n"
    ),
    "absolute-uri": b"GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    "asterisk": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "percent-encoded-nul": b"GET /views/%00 HTTP/1.1\r\nHost: x\r\n\r\n",
    "latin1-header": b"GET /queries HTTP/1.1\r\nHost: x\r\nAccept-Language: \xe9t\xe9\r\n\r\n",
    "truncated": b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: te",
}


@pytest.mark.parametrize("case", RAW)
def test_malformed_http_is_a_client_error(site: Probe, case: str) -> None:
    data = RAW[case]
    if not data.endswith(b"\r\n\r\n") and case != "truncated" and b"\n\n" not in data:
        data += b""
    try:
        answer = raw_exchange(
            site.port, data.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
        )
    except AssertionError as error:
        if "no answer" in str(error):
            return  # closing the connection without an answer is fine for broken HTTP
        raise
    assert answer.status < 500, answer.body[:300]


def test_the_log_holds_what_the_answers_do_not(site: Probe) -> None:
    """A refused request is logged without a traceback: refusals are not errors."""
    site.sparql("SELECT * WHERE { ?s ?p")
    log = Path(site.server.log).read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


SHAPE_CHANGERS = {
    "search-close-and-union": ("search", "q", '") } UNION { ?resource ?p ?label } #'),
    "search-quote-escape": ("search", "q", '\\" . ?a ?b ?c } #'),
    "search-triple-quote": ("search", "q", "''' } SELECT * WHERE { ?s ?p ?o } '''"),
    "search-escaped-brace": ("search", "q", "\\u007D UNION \\u007B ?s ?p ?o \\u007D"),
    "search-newline-comment": ("search", "q", "x\n# } ?s ?p ?o"),
    "iri-close-and-drop": ("depends-on", "component", "kg:etcd> } ; DROP ALL ; SELECT * {<a:b"),
    "iri-with-brackets": ("depends-on", "component", "<http://e/x> } UNION { ?a ?b ?c"),
    "iri-variable": ("depends-on", "component", "?dependency"),
    "iri-blank-node": ("depends-on", "component", "_:b0"),
    "iri-literal": ("depends-on", "component", '"kg:etcd"'),
    "lang-with-quote": ("search", "lang", 'en") || true || ("'),
    "list-escape": ("feature-support", "feature", "kg:x) } UNION { ?s ?p ?o } VALUES (?x"),
}


@pytest.mark.parametrize("case", SHAPE_CHANGERS)
def test_canned_parameters_cannot_change_the_query(site: Probe, case: str) -> None:
    """A value is bound as one RDF term: the answer keeps the query's columns and only
    matches that term, or the value is refused, naming its parameter."""
    name, parameter, value = SHAPE_CHANGERS[case]
    example = site.get(f"/api/queries/{name}").json()
    response = site.get(f"/api/queries/{name}", params={parameter: value})
    if response.status_code == 400:
        assert parameter in response.text
        return
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["columns"] == example["columns"]
    assert len(answer["rows"]) <= len(example["rows"]) + 5, "the value widened the query"
    assert site.count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") > 1000  # nothing dropped
