"""Canned queries over real HTTP: the catalogue, answers, negotiation, OpenAPI and the pages."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
import requests
from openapi_spec_validator import validate

from canned_support import BASE, FORMULAS, QUERIES, SCRIPT, make_canned_content
from support import LiveServer, live_server

KG = f"{BASE}resource/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = make_canned_content(tmp_path_factory.mktemp("canned") / "content")
    with live_server("--content-dir", str(root), "serve", cwd=root) as running:
        yield running


class Page(HTMLParser):
    """The elements of an HTML page that the tests look at, with their attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and all(attrs.get(k.rstrip("_")) == v for k, v in wanted.items())
        ]


# -- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue(server: LiveServer) -> None:
    response = server.get("/api/queries")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    queries = {query["name"]: query for query in response.json()["queries"]}
    assert sorted(queries) == ["components", "platform-labels", "port-count", "runs-on", "search"]
    components = queries["components"]
    assert components["title"] == "Components of a platform"
    assert components["tags"] == ["components", "platforms"]
    assert components["example_url"] == "/api/queries/components?platform=kg%3Akubernetes&lang=en"
    platform, lang = components["parameters"]
    assert platform["type"] == "iri"
    assert platform["default"] == "kg:kubernetes"
    assert platform["required"] is False
    assert platform["class"] == "okg:Platform"
    assert {item["value"]: item["label"] for item in platform["allowed"]} == {
        "kg:kubernetes": "Kubernetes",
        "kg:mesos": "Apache Mesos",
        "kg:marathon": "Marathon",
        "kg:evil": SCRIPT,
    }
    assert [item["value"] for item in lang["allowed"]] == ["en", "ko"]
    labels = queries["platform-labels"]["parameters"][0]
    assert (labels["list"], labels["default"]) == (True, ["kg:kubernetes", "kg:mesos"])
    text = queries["search"]["parameters"][0]
    assert (text["required"], text["max_length"]) == (True, 50)
    korean = server.get("/api/queries", headers={"Accept-Language": "ko"}).json()
    allowed = {q["name"]: q for q in korean["queries"]}["components"]["parameters"][0]["allowed"]
    assert {"value": "kg:mesos", "label": "메소스"} in allowed


# -- answers -------------------------------------------------------------------------------


def test_the_default_answer_is_friendly_json(server: LiveServer) -> None:
    response = server.get("/api/queries/components", params={"platform": "kg:mesos"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Vary"] == "Accept, Accept-Language"
    assert response.json() == {
        "query": "components",
        "parameters": {"platform": "kg:mesos", "lang": "en"},
        "columns": ["component", "label"],
        "rows": [
            {"component": f"{KG}quoted", "label": 'He said "hi" } { ?s'},
            {"component": f"{KG}zookeeper", "label": "ZooKeeper"},
        ],
    }
    numbers = server.get("/api/queries/port-count", params={"min": "2000"}).json()
    assert numbers["rows"] == [{"n": 2}]
    assert server.get("/api/queries/runs-on?platform=kg:marathon&base=kg:mesos").json() == {
        "query": "runs-on",
        "parameters": {"platform": "kg:marathon", "base": "kg:mesos"},
        "boolean": True,
    }


@pytest.mark.parametrize(
    ("accept", "format_name", "media_type"),
    [
        (None, None, "application/json"),
        ("application/json", None, "application/json"),
        ("application/sparql-results+json", None, "application/sparql-results+json"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/csv", None, "text/csv"),
        ("text/tab-separated-values", None, "text/tab-separated-values"),
        ("text/csv;q=0.2, application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/csv", "sparql-json", "application/sparql-results+json"),
        (None, "sparql-xml", "application/sparql-results+xml"),
        (None, "tsv", "text/tab-separated-values"),
        (None, "csv", "text/csv"),
        ("text/csv", "json", "application/json"),
    ],
)
def test_answers_are_negotiated(
    server: LiveServer, accept: str | None, format_name: str | None, media_type: str
) -> None:
    params = {"platform": "kg:kubernetes", **({"format": format_name} if format_name else {})}
    headers = {"Accept": accept} if accept else {}
    response = server.get("/api/queries/components", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert "etcd" in response.text
    assert "kubelet" in response.text


def test_the_sparql_formats_have_only_the_query_columns(server: LiveServer) -> None:
    """The parameters the engine needed in the projection are not in any answer."""
    sparql = server.get("/api/queries/components", params={"format": "sparql-json"}).json()
    assert sparql["head"]["vars"] == ["component", "label"]
    assert all(set(row) <= {"component", "label"} for row in sparql["results"]["bindings"])
    tsv = server.get("/api/queries/components", params={"format": "tsv"}).text
    assert tsv.splitlines()[0] == "?component\t?label"
    xml = server.get("/api/queries/components", params={"format": "sparql-xml"})
    assert b"platform" not in xml.content


def test_a_construct_answers_in_rdf(server: LiveServer) -> None:
    url = "/api/queries/platform-labels?platforms=kg:mesos&platforms=kg:marathon"
    turtle = server.get(url)
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert {str(o) for o in graph.objects()} == {"Apache Mesos", "메소스", "Marathon", "마라톤"}
    jsonld = server.get(url, headers={"Accept": "application/json"})
    assert jsonld.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    ntriples = server.get(url + "&format=ntriples")
    assert ntriples.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    assert len(ntriples.text.splitlines()) == 4
    comma = server.get("/api/queries/platform-labels?platforms=kg:mesos,kg:marathon&format=nt")
    assert comma.status_code == 400  # only the names listed are formats


@pytest.mark.parametrize(
    ("path", "headers", "status", "message"),
    [
        ("/api/queries/components", {"Accept": "image/png"}, 406, "text/csv"),
        ("/api/queries/components?format=turtle", {}, 400, "format: 'turtle' is not offered"),
        ("/api/queries/nope", {}, 404, "no canned query called 'nope'"),
        ("/api/queries/platform-labels", {"Accept": "text/csv"}, 406, "text/turtle"),
        ("/api/queries/components?lang=fr", {}, 400, "parameter 'lang'"),
        ("/api/queries/search?text=x&lang=fr", {}, 400, "lang: 'fr' is not offered"),
    ],
)
def test_refusals(
    server: LiveServer, path: str, headers: dict[str, str], status: int, message: str
) -> None:
    response = server.get(path, headers=headers)
    assert response.status_code == status
    assert message in response.text
    as_json = server.get(path, headers={**headers, "Accept": "application/json"})
    if status != 406:
        assert as_json.json()["error"]["status"] == status


def test_csv_cells_cannot_be_formulas(server: LiveServer) -> None:
    response = server.get(
        "/api/queries/components", params={"platform": "kg:evil", "format": "csv"}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(row["label"] for row in rows) == sorted(f"'{formula}" for formula in FORMULAS)
    untouched = server.get(
        "/api/queries/components", params={"platform": "kg:evil", "format": "sparql-json"}
    ).json()
    labels = {row["label"]["value"] for row in untouched["results"]["bindings"]}
    assert labels == set(FORMULAS)


# -- languages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("", None, "en"),
        ("", "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("", "en;q=0.5, ko;q=0.9", "ko"),
        ("", "de, fr;q=0.8", "en"),
        ("&lang=en", "ko", "en"),
        ("&lang=ko", "en", "ko"),
    ],
)
def test_the_language_is_negotiated(
    server: LiveServer, query: str, header: str | None, expected: str
) -> None:
    headers = {"Accept-Language": header} if header else {}
    response = server.get(f"/api/queries/components?platform=kg:kubernetes{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == expected
    labels = [row["label"] for row in response.json()["rows"]]
    assert labels == (["etcd", "kubelet"] if expected == "en" else ["엣시디", "큐블릿"])


# -- injection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ['"', "'", "}", "} ; ?s ?p ?o {", "> <http://evil/>", '") } UNION { ?s ?p ?o } #'],
)
def test_string_values_are_bound_harmlessly(server: LiveServer, value: str) -> None:
    clean = server.get("/api/queries/search", params={"text": "no such thing"}).json()
    attempted = server.get("/api/queries/search", params={"text": value})
    assert attempted.status_code == 200
    answer = attempted.json()
    assert answer["columns"] == clean["columns"] == ["thing", "label"]
    assert all(value.lower() in row["label"].lower() for row in answer["rows"])
    assert answer["parameters"] == {"text": value}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"platform": "kg:kubernetes> <http://evil/>"}, "parameter 'platform'"),
        ({"platform": "http://example.org/a b"}, "parameter 'platform': not a valid IRI"),
        ({"platform": "kg:kubernetes } UNION { ?s ?p ?o"}, "parameter 'platform'"),
        ({"platform": "x" * 10_000}, "parameter 'platform': the value is longer than 200"),
        ({"platform": "kg:etcd"}, "'kg:etcd' is not an allowed value"),
        ({"graph": "kg:mesos"}, "unknown parameter 'graph'"),
    ],
)
def test_iri_values_with_syntax_are_refused(
    server: LiveServer, params: dict[str, str], message: str
) -> None:
    response = server.get("/api/queries/components", params=params)
    assert response.status_code == 400
    assert message in response.text


def test_a_long_string_is_refused(server: LiveServer) -> None:
    response = server.get("/api/queries/search", params={"text": "k" * 10_000})
    assert response.status_code == 400
    assert "parameter 'text': the value is longer than 50 characters" in response.text


def test_a_list_value_cannot_escape_its_values_block(server: LiveServer) -> None:
    response = server.get(
        "/api/queries/platform-labels", params={"platforms": "kg:mesos> } ; DROP ALL ; {"}
    )
    assert response.status_code == 400
    assert "parameter 'platforms'" in response.text


# -- OpenAPI -------------------------------------------------------------------------------


def test_the_openapi_document_validates(server: LiveServer) -> None:
    response = server.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["servers"] == [{"url": server.url}]
    operation = document["paths"]["/api/queries/components"]["get"]
    platform = operation["parameters"][0]
    assert platform["schema"]["default"] == "kg:kubernetes"
    assert set(platform["schema"]["enum"]) == {
        "kg:kubernetes",
        "kg:mesos",
        "kg:marathon",
        "kg:evil",
    }
    assert platform["example"] == "kg:kubernetes"
    labels = document["paths"]["/api/queries/platform-labels"]["get"]["parameters"][0]
    assert labels["schema"]["type"] == "array"
    assert labels["example"] == ["kg:kubernetes", "kg:marathon"]
    counted = document["paths"]["/api/queries/port-count"]["get"]["parameters"][1]
    assert counted["schema"] == {"type": "integer", "default": 0}


def test_every_documented_operation_answers_its_example(server: LiveServer) -> None:
    document = server.get("/api/openapi.json").json()
    called = 0
    for path, item in document["paths"].items():
        params: list[tuple[str, str]] = []
        for param in item["get"].get("parameters", []):
            if "example" not in param:
                continue
            examples = (
                param["example"] if isinstance(param["example"], list) else [param["example"]]
            )
            params.extend((param["name"], str(value)) for value in examples)
        response = requests.get(server.url + path, params=params, timeout=30)
        assert response.status_code == 200, (path, response.text)
        called += 1
    assert called == 6


# -- pages ---------------------------------------------------------------------------------


def test_the_catalogue_page(server: LiveServer) -> None:
    response = server.get("/queries")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = Page(response.text)
    assert page.find("link", rel="alternate", type="application/json", href="/api/queries?lang=en")
    links = {attrs["href"] for attrs in page.find("a")}
    assert "/queries/components?lang=en" in links
    assert "Components of a platform" in response.text
    assert "http://" not in "".join(a["href"] for a in page.find("link") + page.find("script"))


def test_a_query_page_has_a_form_results_and_its_twin(server: LiveServer) -> None:
    response = server.get("/queries/components")
    assert response.status_code == 200
    text = response.text
    page = Page(text)
    assert page.find("html", lang="en")
    assert page.find("select", id="p-platform", name="platform")
    assert page.find("label", for_="p-platform")
    assert page.find("option", value="kg:kubernetes", selected="")
    assert page.find("select", id="p-lang", name="lang")
    alternate = page.find("link", rel="alternate", type="application/json")
    assert [a["href"] for a in alternate] == [
        "/api/queries/components?platform=kg%3Akubernetes&lang=en"
    ]
    assert page.find("a", href="/resource/etcd")
    assert "<pre><code>SELECT ?component ?label WHERE {" in text
    editor = page.find(
        "a", href=next(a["href"] for a in page.find("a") if "sparql-editor?query=" in a["href"])
    )
    query = parse_qs(urlsplit(editor[0]["href"]).query)["query"][0]
    assert query.startswith("SELECT ?component ?label WHERE {")
    downloads = {
        parse_qs(urlsplit(a["href"]).query)["format"][0]
        for a in page.find("a")
        if a["href"].startswith("/api/queries/components?") and "format=" in a["href"]
    }
    assert downloads == {"json", "csv", "tsv", "sparql-json", "sparql-xml"}
    # the label that is a script is shown as text, never as markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert SCRIPT not in text
    assert not page.find("script")


def test_a_query_page_in_korean(server: LiveServer) -> None:
    response = server.get("/queries/components", params={"lang": "ko", "platform": "kg:mesos"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ko"
    page = Page(response.text)
    assert page.find("html", lang="ko")
    assert ">메소스</option>" in response.text
    assert "주키퍼" in response.text
    assert page.find("a", href="/queries/components?platform=kg%3Amesos&lang=en", hreflang="en")


def test_a_query_page_for_text_a_question_and_rdf(server: LiveServer) -> None:
    search = Page(server.get("/queries/search", params={"text": '"} <b>'}).text)
    box = search.find("input", id="p-text", name="text")
    assert box
    assert box[0]["value"] == '"} <b>'
    assert box[0]["maxlength"] == "50"
    assert "required" in box[0]
    assert search.find("input", type="hidden", name="lang", value="en")
    ask = server.get("/queries/runs-on").text
    assert "<strong>yes</strong>" in ask
    construct = server.get("/queries/platform-labels")
    assert construct.status_code == 200
    assert Page(construct.text).find("a", href="/resource/marathon")
    multiple = Page(construct.text).find("select", name="platforms")
    assert "multiple" in multiple[0]


def test_page_errors_are_pages_for_browsers(server: LiveServer) -> None:
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    missing = server.get("/queries/nope", headers=html)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "text/html; charset=utf-8"
    bad = server.get("/queries/search", params={"<i>": "1"}, headers=html)
    assert bad.status_code == 400
    assert "&lt;i&gt;" in bad.text
    assert "<i>" not in bad.text
    assert server.get("/queries/nope").headers["Content-Type"].startswith("text/plain")


def test_sparql_finds_the_queries(server: LiveServer) -> None:
    response = server.get(
        "/sparql",
        params={
            "query": "SELECT ?query ?text WHERE { GRAPH <https://w3id.org/orchkg/graph/queries> "
            '{ ?query dcterms:identifier "runs-on" ; sh:ask ?text } }'
        },
    )
    bindings: list[dict[str, Any]] = response.json()["results"]["bindings"]
    assert [b["query"]["value"] for b in bindings] == [f"{BASE}query/runs-on"]
    assert bindings[0]["text"]["value"].startswith("ASK {")


def test_json_dumps_round_trip(server: LiveServer) -> None:
    """The friendly JSON keeps non-ASCII text as it is."""
    response = server.get("/api/queries/components?lang=ko")
    assert "엣시디" in response.content.decode("utf-8")
    assert json.loads(response.content)["rows"][0]["label"] == "엣시디"


SLOW = """\
#+ title: A cross product
#+ description: Far too long to answer: it must be stopped at the deadline.
#+ param: p
#+   type: iri
#+   default: rdfs:label
#+ example: p=rdfs:label
SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?p ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?q ?r ?s . ?t ?u ?v . ?w ?x ?y .
  ?z ?a1 ?b1 . ?c1 ?d1 ?e1 . ?f1 ?g1 ?h1 . ?i1 ?j1 ?k1 . ?l1 ?m1 ?n2 . ?o2 ?p2 ?q2 }
"""


def test_a_canned_query_keeps_the_deadline(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = make_canned_content(
        tmp_path_factory.mktemp("slow") / "content", {"slow": SLOW, "search": QUERIES["search"]}
    )
    with live_server(
        "--content-dir", str(root), "serve", "--query-timeout", "1", cwd=root
    ) as running:
        started = time.monotonic()
        stopped = running.get("/api/queries/slow")
        assert stopped.status_code == 503
        assert stopped.headers["Retry-After"] == "1"
        assert "time limit" in stopped.text
        assert time.monotonic() - started < 10
        assert running.get("/api/queries/search", params={"text": "kube"}).status_code == 200
