"""Promise 6: output is safe. Labels written to run script are shown as text on every
page and in every SVG, only http(s) IRIs become links, every answer carries a
Content-Security-Policy and ``X-Content-Type-Options: nosniff``, CSV meant for
spreadsheets has no formulas, and nothing from a request reaches a header as a new line.

A hostile graph is written through /data (a component of Kubernetes whose labels are
script, linked to ``javascript:`` and ``data:`` IRIs); then the site is crawled from its
front pages, following its own links, and every HTML page and SVG drawing it reaches
is read as a browser would (``hostile.page_problems``, ``hostile.svg_problems``).
``tests/test_web_pages.py`` and ``tests/test_browser.py`` test the same labels page by
page and in a real browser; the crawl reaches every route that links to them.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter, deque
from urllib.parse import quote, urlsplit

import pytest

from hostile import AUTH, Probe, page_problems, raw_exchange, same_site, svg_problems

MARKER = "orchkg-xss"
GRAPH = "http://example.org/adversarial/hostile"
FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
]
HOSTILE = f"""
@prefix kg: <https://w3id.org/orchkg/resource/> .
@prefix okg: <https://w3id.org/orchkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
kg:evil a okg:Component ;
    rdfs:label "<script>alert('{MARKER}')</script>"@en , "\\" onerror=\\"alert('{MARKER}')"@ko ;
    skos:altLabel "'><img src=x onerror=alert('{MARKER}')>" ;
    skos:definition "</title><script>alert('{MARKER}')</script><svg onload=alert(1)>"@en ;
    rdfs:seeAlso <javascript:alert('{MARKER}')> , <data:text/html,{MARKER}> , <vbscript:{MARKER}> ;
    dcterms:source <javascript:alert('{MARKER}-source')> ;
    okg:partOf kg:kubernetes ;
    okg:hasRole okg:ControlPlaneRole ;
    okg:dependsOn kg:etcd , <javascript:alert('{MARKER}-node')> .
<javascript:alert('{MARKER}-node')> rdfs:label "javascript node {MARKER}"@en ;
    okg:partOf kg:kubernetes ; okg:hasRole okg:ControlPlaneRole .
kg:etcd okg:dependsOn kg:evil .
""" + "".join(
    f'kg:formula-{index} rdfs:label "{formula} {MARKER}-csv"@en .\n'
    for index, formula in enumerate(FORMULAS)
)
SEEDS = [
    "/",
    "/queries",
    "/views",
    "/resources",
    "/compare",
    "/ontology",
    "/sparql-editor",
    "/page/evil",
    f"/queries/search?q={MARKER}",
    "/views/neighbourhood?resource=evil",
    "/views/dependencies?component=evil",
    "/views/kubernetes",
    "/views/custom?"
    + "query="
    + quote(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"),
]
PER_SHAPE = 5
"""Pages crawled per route shape (first path segment): enough to meet every template."""
MAX_PAGES = 90


@pytest.fixture(scope="module")
def hostile_site(site: Probe) -> Probe:
    response = site.put(
        "/data",
        params={"graph": GRAPH},
        data=HOSTILE.encode(),
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert response.status_code in (201, 204), response.text
    return site


def shape(path: str) -> str:
    parts = urlsplit(path)
    segments = parts.path.strip("/").split("/")
    suffix = parts.path.rsplit(".", 1)[-1] if "." in parts.path.rsplit("/", 1)[-1] else ""
    return f"{segments[0]}/{suffix}"


def skip(path: str) -> bool:
    """Binary downloads and raw data: nothing in them runs in a page."""
    target = urlsplit(path).path
    return target.endswith((".png", ".graphml", ".gexf", ".dot", ".cyjs", ".ttl", ".json")) or (
        target.startswith(("/data", "/sparql", "/api/", "/assets/", "/static/", "/resource/"))
        and target != "/sparql-editor"
    )


def test_the_crawl_finds_nothing_that_runs(hostile_site: Probe) -> None:
    queue = deque(SEEDS)
    visited: set[str] = set()
    shapes: Counter[str] = Counter()
    problems: dict[str, list[str]] = {}
    escaped_seen = 0
    svg_count = 0
    started = time.monotonic()
    while queue and len(visited) < MAX_PAGES and time.monotonic() - started < 60:
        path = queue.popleft()
        if (
            path in visited
            or skip(path)
            or (shapes[shape(path)] >= PER_SHAPE and path not in SEEDS)
        ):
            continue
        visited.add(path)
        shapes[shape(path)] += 1
        response = hostile_site.get(path, headers={"Accept": "text/html"})
        kind = response.headers.get("Content-Type", "")
        if response.status_code != 200:
            continue
        if kind.startswith("image/svg+xml"):
            svg_count += 1
            found = svg_problems(response.text)
        elif kind.startswith("text/html"):
            found, links = page_problems(response.text, MARKER)
            queue.extend(
                link for link in same_site(hostile_site.url + path, links) if link not in visited
            )
            svg_links = [
                link for link in same_site(hostile_site.url + path, links) if ".svg" in link
            ]
            queue.extendleft(svg_links[:2])
            for inline in _inline_svgs(response.text):
                found += svg_problems(inline)
        else:
            continue
        if MARKER in response.text and "&lt;script&gt;alert(" in response.text.replace(
            "&#39;", "'"
        ):
            escaped_seen += 1
        if found:
            problems[path] = found
    assert not problems, problems
    assert escaped_seen >= 3, "the hostile labels were not shown anywhere: the crawl proves nothing"
    assert svg_count >= 1
    assert len(visited) >= 30, sorted(visited)


def _inline_svgs(html: str) -> list[str]:
    found = []
    start = html.find("<svg ")
    while start != -1:
        end = html.find("</svg>", start)
        if end == -1:
            break
        found.append(html[start : end + len("</svg>")])
        start = html.find("<svg ", end)
    return found


@pytest.mark.parametrize(
    "path",
    [
        "/views/neighbourhood.svg?resource=evil",
        "/views/kubernetes.svg",
        "/views/dependencies.svg?component=evil",
        "/views/custom.svg?query="
        + quote(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"),
    ],
)
def test_svg_drawings_link_only_to_the_web(hostile_site: Probe, path: str) -> None:
    response = hostile_site.get(path)
    assert response.status_code == 200, response.text
    assert not svg_problems(response.text)
    assert f"javascript:alert(&#x27;{MARKER}" not in response.text
    assert 'href="javascript:' not in response.text.lower()


def test_spreadsheet_csv_has_no_formulas(hostile_site: Probe) -> None:
    response = hostile_site.get(
        "/api/queries/search", params={"q": f"{MARKER}-csv", "format": "csv"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    cells = [cell for row in rows for cell in row]
    assert len(rows) > len(FORMULAS), response.text
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    for formula in FORMULAS:
        assert any(cell.startswith("'" + formula) for cell in cells), formula


INJECTIONS = {
    "resource-redirect": "/resource/x%0D%0AX-Injected:%20yes",
    "resource-redirect-lf": "/resource/x%0AX-Injected:%20yes",
    "graph-redirect": "/graph/x%0D%0AX-Injected:%20yes",
    "query-redirect": "/query/x%0D%0AX-Injected:%20yes",
    "view-export-name": "/views/x%0D%0AX-Injected:%20yes.svg",
    "view-lang": "/views/kubernetes.svg?lang=en%0D%0AX-Injected:%20yes",
    "canned-lang": "/api/queries/search?lang=ko%0D%0AX-Injected:%20yes",
    "canned-format": "/api/queries/search?format=csv%0D%0AX-Injected:%20yes",
    "location-of-new-graph": "/data?graph=http://e/x%0D%0AX-Injected:%20yes",
    "page-lang": "/page/etcd?lang=en%0D%0AX-Injected:%20yes",
    "resources-graph": "/resources?graph=x%0D%0AX-Injected:%20yes",
}


@pytest.mark.parametrize("case", INJECTIONS)
def test_no_header_can_be_injected(hostile_site: Probe, case: str) -> None:
    path = INJECTIONS[case]
    method = "PUT" if case == "location-of-new-graph" else "GET"
    body = b"<http://e/s> <http://e/p> 1 ." if method == "PUT" else b""
    extra = (
        f"Authorization: {AUTH['Authorization']}\r\nContent-Type: text/turtle\r\n"
        f"Content-Length: {len(body)}\r\n"
        if method == "PUT"
        else ""
    )
    answer = raw_exchange(
        hostile_site.port,
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n{extra}"
        "Connection: close\r\n\r\n".encode()
        + body,
    )
    names = [
        line.split(b":", 1)[0].strip().lower() for line in answer.raw_headers.split(b"\r\n")[1:]
    ]
    assert b"x-injected" not in names, answer.raw_headers
    for name, value in answer.headers.items():
        assert "\r" not in value, (name, value)
        assert "\n" not in value, (name, value)
    location = answer.headers.get("Location", "")
    assert "X-Injected: yes" not in location


def test_every_kind_of_answer_carries_the_security_headers(hostile_site: Probe) -> None:
    """Probe checks every answer; these are the kinds no other test asks for."""
    for method, path, headers in [
        ("OPTIONS", "/sparql", {"Access-Control-Request-Method": "POST"}),
        ("HEAD", "/queries", {}),
        ("GET", "/views/kubernetes.png", {}),
        ("GET", "/api/openapi.json", {}),
        ("GET", "/.well-known/void", {}),
        ("GET", "/metrics", {}),
        ("GET", "/no/such/route", {"Accept": "text/html"}),
        ("GET", "/sparql-editor", {}),
    ]:
        response = hostile_site.request(method, path, headers=headers)
        assert response.status_code < 500
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
    static = hostile_site.get("/sparql-editor").text
    scripts = same_site(hostile_site.url, _script_sources(static))
    for script in scripts[:3]:
        response = hostile_site.get(script)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    tag = hostile_site.sparql("ASK {}").headers["ETag"]
    not_modified = hostile_site.get(
        "/sparql", params={"query": "ASK {}"}, headers={"If-None-Match": tag}
    )
    assert not_modified.status_code == 304


def _script_sources(html: str) -> list[str]:
    found = []
    for piece in html.split("<script")[1:]:
        head = piece.split(">", 1)[0]
        if 'src="' in head:
            found.append(head.split('src="', 1)[1].split('"', 1)[0])
    return found
