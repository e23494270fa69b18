"""Canned queries in process: the loader and its errors, binding, running, the RDF description.

The HTTP side is in ``test_canned_http.py``, the command line in ``test_canned_cli.py``.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from canned_support import BASE, GRAPH, QUERIES, SCRIPT, make_canned_content
from orchkg.canned import (
    BoundQuery,
    Catalogue,
    Term,
    load_catalogue,
    run_canned,
    split_arguments,
)
from orchkg.canned_api import answer_format, friendly_value, neutralise, spreadsheet_csv
from orchkg.content import graph_iri, load_content
from orchkg.errors import ClientError, ConfigurationError, NotAcceptableError, NotFoundError
from orchkg.evaluation import Job, Snapshot
from orchkg.negotiation import choose_language
from orchkg.settings import Settings, load_settings
from orchkg.store import OxigraphStore

KG = f"{BASE}resource/"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return make_canned_content(tmp_path / "content")


@pytest.fixture
def settings(content: Path) -> Settings:
    return load_settings({"content_dir": str(content)}, environ={})


@pytest.fixture
def catalogue(settings: Settings) -> Catalogue:
    return load_catalogue(settings)


@pytest.fixture
def store(settings: Settings, catalogue: Catalogue) -> OxigraphStore:
    store = OxigraphStore(base_iri=settings.base_iri, prefixes=catalogue.prefixes)
    load_content(store, settings, catalogue=catalogue)
    return store


def rows(result: object) -> list[dict[str, str]]:
    assert isinstance(result, ox.QuerySolutions)
    names = [variable.value for variable in result.variables]
    return [
        {name: solution[name].value for name in names if solution[name] is not None}
        for solution in result
    ]


# -- loading -----------------------------------------------------------------------------


def test_the_catalogue_loads_every_file(catalogue: Catalogue) -> None:
    assert list(catalogue) == sorted(QUERIES)
    components = catalogue["components"]
    assert components.title == "Components of a platform"
    assert components.description == (
        "The components of one platform, with their labels in the language asked for."
    )
    assert components.tags == ("components", "platforms")
    assert components.form == "select"
    assert components.example == {"platform": ["kg:kubernetes"], "lang": ["en"]}
    assert components.text.startswith("SELECT ?component ?label WHERE {")
    assert "#+" not in components.text
    platform = components.parameter("platform")
    assert platform is not None
    assert (platform.type, platform.cls, platform.default, platform.required) == (
        "iri",
        f"{BASE}ontology#Platform",
        "kg:kubernetes",
        False,
    )
    assert [q.form for q in catalogue.values()] == [
        "select",
        "construct",
        "select",
        "ask",
        "select",
    ]
    labels = catalogue["platform-labels"].parameter("platforms")
    assert labels is not None
    assert labels.is_list
    search = catalogue["search"].parameter("text")
    assert search is not None
    assert (search.max_length, search.required) == (50, True)


def test_a_missing_queries_folder_is_an_empty_catalogue(tiny_settings: Settings) -> None:
    assert len(load_catalogue(tiny_settings)) == 0


def test_parameters_the_query_does_not_return_are_projected_and_hidden(
    catalogue: Catalogue,
) -> None:
    """pyoxigraph substitutes only returned variables: the loader adds them, the answer
    drops them again."""
    components = catalogue["components"]
    assert components.hidden == ("platform", "lang")
    assert "SELECT ?component ?label ?platform ?lang WHERE" in components.execution
    grouped = catalogue["port-count"]
    assert "SELECT (COUNT(?c) AS ?n) ?platform ?min WHERE" in grouped.execution
    assert grouped.execution.rstrip().endswith("} GROUP BY ?platform ?min")
    ask = catalogue["runs-on"]
    assert ask.as_boolean
    assert "SELECT ?platform ?base { ?platform okg:runsOn ?base }" in ask.execution


def write(content: Path, name: str, text: str) -> Path:
    path = content / "queries" / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "#+ title: A title\n#+ description: A description.\n"

BROKEN = [
    pytest.param(
        HEADER + "SELECT ?x WHERE {\n  ?x ?p ?o\n}\nLIMIT x\n",
        r"queries/bad\.rq:6: SPARQL syntax error: expected ",
        id="unparsable",
    ),
    pytest.param(
        HEADER + "SELECT ?label WHERE {\n ?p rdfs:label ?label\n FILTER(lang(?label) = ?lang) }\n",
        r"queries/bad\.rq:5: \?lang is used but never bound by the query; if it is a "
        r"parameter, declare it with '#\+ param: lang'",
        id="undeclared-parameter",
    ),
    pytest.param(
        HEADER + "#+ param: platform\n#+   type: iri\n#+   default: kg:mesos\n"
        "SELECT ?s WHERE { ?s a okg:Platform }\n",
        r"queries/bad\.rq:3: parameter 'platform' is declared but the query has no \?platform",
        id="declared-but-unused",
    ),
    pytest.param(
        HEADER + "#+ param: platform\n#+   type: url\nSELECT ?s WHERE { ?s a ?platform }\n",
        r"queries/bad\.rq:4: parameter 'platform': unknown type 'url'; the types are iri, "
        r"string, integer, decimal, boolean, lang",
        id="unknown-type",
    ),
    pytest.param(
        "#+ description: No title.\nSELECT ?s WHERE { ?s ?p ?o }\n",
        r"queries/bad\.rq:1: the header has no 'title'",
        id="missing-title",
    ),
    pytest.param(
        HEADER + "#+ param: p\n#+   type: iri\nSELECT ?s WHERE { ?s ?p ?o }\n",
        r"queries/bad\.rq:1: the example does not give the required parameter 'p'",
        id="example-lacks-required",
    ),
    pytest.param(
        HEADER + "SELECT ?s WHERE {\n ?s nope:p ?o }\n",
        r"queries/bad\.rq:4: unknown prefix 'nope:' at line 4, column 5",
        id="unknown-prefix",
    ),
    pytest.param(
        HEADER + "#+ colour: blue\nSELECT ?s WHERE { ?s ?p ?o }\n",
        r"queries/bad\.rq:3: unknown key 'colour'",
        id="unknown-key",
    ),
    pytest.param(
        HEADER + "#+ param: n\n#+   type: integer\n#+   default: many\n"
        "SELECT ?s WHERE { ?s ?p ?n }\n",
        r"queries/bad\.rq:5: parameter 'n': 'many': not an integer",
        id="bad-default",
    ),
    pytest.param(
        HEADER + "#+ param: lang\n#+   type: lang\n"
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(lang(?o) = ?lang) }\n",
        r"queries/bad\.rq: the query cannot be bound: .*a CONSTRUCT takes a single-valued "
        r"parameter only where its template uses it",
        id="construct-parameter-outside-template",
    ),
    pytest.param(
        HEADER + "DESCRIBE <http://example.org/x>\n",
        r"queries/bad\.rq: a canned query is a SELECT, ASK or CONSTRUCT, not a DESCRIBE",
        id="describe",
    ),
    pytest.param(
        HEADER + "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }\n",
        r"queries/bad\.rq: SERVICE http://example\.org/sparql is not on this server's "
        r"federation allowlist",
        id="service",
    ),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_a_broken_file_is_named_with_its_line(
    content: Path, settings: Settings, text: str, message: str
) -> None:
    write(content, "bad", text)
    with pytest.raises(ConfigurationError) as caught:
        load_catalogue(settings)
    assert re.match(message, caught.value.message), caught.value.message
    assert "\n" not in caught.value.message


def test_a_file_name_must_be_a_query_name(content: Path, settings: Settings) -> None:
    write(content, "Bad_Name", QUERIES["search"])
    with pytest.raises(ConfigurationError, match=r"queries/Bad_Name\.rq: a query's file name"):
        load_catalogue(settings)


def test_a_queries_graph_file_would_collide(content: Path, settings: Settings) -> None:
    (content / "graph" / "queries.ttl").write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="query catalogue"):
        load_content(OxigraphStore(), settings)


# -- binding -------------------------------------------------------------------------------


def test_values_become_terms(catalogue: Catalogue, store: OxigraphStore) -> None:
    bound = catalogue.bind("components", {"platform": ["kg:mesos"]}, store, "ko")
    assert bound.substitutions == {
        "platform": Term("iri", f"{KG}mesos"),
        "lang": Term("literal", "ko"),
    }
    assert bound.lang == "ko"
    full = catalogue.bind("components", {"platform": [f"<{KG}marathon>"]}, store)
    assert full.substitutions["platform"] == Term("iri", f"{KG}marathon")
    assert full.lang == "en"
    counted = catalogue.bind("port-count", {"min": [" 2000 "]}, store)
    assert counted.substitutions["min"] == Term(
        "literal", "2000", "http://www.w3.org/2001/XMLSchema#integer"
    )
    assert counted.substitutions["platform"] == Term("iri", f"{KG}kubernetes")


def test_a_list_becomes_a_values_block_written_by_the_engine(
    catalogue: Catalogue, store: OxigraphStore
) -> None:
    bound = catalogue.bind(
        "platform-labels", {"platforms": ["kg:kubernetes,kg:marathon", "kg:mesos"]}, store
    )
    assert bound.values == {
        "platforms": [
            Term("iri", f"{KG}kubernetes"),
            Term("iri", f"{KG}marathon"),
            Term("iri", f"{KG}mesos"),
        ]
    }
    assert (
        bound.text()
        .rstrip()
        .endswith(f"VALUES ?platforms {{ <{KG}kubernetes> <{KG}marathon> <{KG}mesos> }}")
    )
    defaulted = catalogue.bind("platform-labels", {}, store)
    assert [term.value for term in defaulted.values["platforms"]] == [
        f"{KG}kubernetes",
        f"{KG}mesos",
    ]


def test_several_lists_combine_in_one_values_block(catalogue: Catalogue) -> None:
    query = catalogue["platform-labels"]
    a, b = Term("iri", "http://example.org/a"), Term("literal", 'x" } {')
    bound = BoundQuery(query, {}, {"platforms": [a], "other": [b, a]}, "en")
    assert (
        bound.text()
        .rstrip()
        .endswith(
            'VALUES (?platforms ?other) { (<http://example.org/a> "x\\" } {") '
            "(<http://example.org/a> <http://example.org/a>) }"
        )
    )


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("components", {"nope": ["1"]}, "unknown parameter 'nope' for the query 'components'"),
        ("components", {"platform": ["kg:etcd"]}, "parameter 'platform': 'kg:etcd' is not an"),
        ("components", {"platform": ["kg:etcd"]}, "kg:kubernetes"),
        ("components", {"platform": ["http://a b"]}, "parameter 'platform': not a valid IRI"),
        ("components", {"platform": ["kubernetes"]}, "parameter 'platform': not an IRI"),
        ("components", {"platform": ["nope:x"]}, "'nope:x' is not an allowed value"),
        ("components", {"platform": ["kg:mesos", "kg:evil"]}, "takes one value, not 2"),
        ("components", {"lang": ["fr"]}, "parameter 'lang': not a language offered here"),
        ("search", {}, "parameter 'text' is required; it takes text of at most 50"),
        ("search", {"text": ["x" * 51]}, "parameter 'text': the value is longer than 50"),
        ("port-count", {"min": ["ten"]}, "parameter 'min': not an integer; it takes an integer"),
        ("runs-on", {"platform": ["kg:marathon"]}, "parameter 'base' is required"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(
    catalogue: Catalogue, store: OxigraphStore, name: str, raw: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(ClientError, match=re.escape(message)) as caught:
        catalogue.bind(name, raw, store)
    assert caught.value.status == 400


def test_an_unknown_query_is_not_found(catalogue: Catalogue, store: OxigraphStore) -> None:
    with pytest.raises(NotFoundError) as caught:
        catalogue.bind("nope", {}, store)
    assert caught.value.status == 404


def test_a_lang_argument_belongs_to_the_page_unless_declared(catalogue: Catalogue) -> None:
    raw, lang = split_arguments(
        catalogue["search"], {"text": ["a"], "lang": ["ko"], "format": ["csv"]}
    )
    assert (raw, lang) == ({"text": ["a"]}, "ko")
    raw, lang = split_arguments(catalogue["components"], {"lang": ["ko"]})
    assert (raw, lang) == ({"lang": ["ko"]}, None)


def test_allowed_values_come_from_the_graph_with_labels(
    catalogue: Catalogue, store: OxigraphStore
) -> None:
    param = catalogue["components"].parameter("platform")
    assert param is not None
    choices = catalogue.allowed_values(param, store)
    assert {choice.value for choice in choices} == {
        "kg:kubernetes",
        "kg:mesos",
        "kg:marathon",  # an instance of a subclass
        "kg:evil",
    }
    by_value = {choice.value: choice for choice in choices}
    assert by_value["kg:mesos"].label("ko") == "메소스"
    assert by_value["kg:evil"].label("ko") == SCRIPT
    assert catalogue.allowed_values(param, store) is choices  # cached
    store.update(
        f"INSERT DATA {{ GRAPH <{BASE}graph/x> {{ <{KG}new> a <{BASE}ontology#Platform> }} }}"
    )
    assert "kg:new" in {choice.value for choice in catalogue.allowed_values(param, store)}


# -- running ---------------------------------------------------------------------------------


def test_run_canned_answers_without_the_hidden_columns(
    catalogue: Catalogue, store: OxigraphStore
) -> None:
    korean = run_canned(store, catalogue.bind("components", {}, store, "ko"))
    assert isinstance(korean, ox.QuerySolutions)
    assert [variable.value for variable in korean.variables] == ["component", "label"]
    assert rows(korean) == [
        {"component": f"{KG}etcd", "label": "엣시디"},
        {"component": f"{KG}kubelet", "label": "큐블릿"},
    ]
    count = run_canned(store, catalogue.bind("port-count", {"min": ["3000"]}, store))
    assert rows(count) == [{"n": "1"}]
    yes = run_canned(store, catalogue.bind("runs-on", catalogue["runs-on"].example, store))
    no = run_canned(
        store, catalogue.bind("runs-on", {"platform": ["kg:mesos"], "base": ["kg:marathon"]}, store)
    )
    assert isinstance(yes, ox.QueryBoolean)
    assert (bool(yes), bool(no)) == (True, False)
    graph = run_canned(store, catalogue.bind("platform-labels", {"platforms": ["kg:mesos"]}, store))
    assert isinstance(graph, ox.QueryTriples)
    assert {triple.object.value for triple in graph} == {"Apache Mesos", "메소스"}


INJECTIONS = [
    '"',
    "'",
    '") } ; DROP ALL ; SELECT * { ?s ?p ?o FILTER("',
    "} ; ?s ?p ?o {",
    "> <http://evil/>",
    "\\",
    "?s",
    "x\n} UNION { ?s ?p ?o }",
]


def english_labels() -> dict[str, str]:
    """Each English label of the test graph, read without SPARQL."""
    return {
        str(quad.subject.value): quad.object.value
        for quad in ox.parse(GRAPH, ox.RdfFormat.TURTLE, base_iri=BASE)
        if isinstance(quad.object, ox.Literal) and quad.object.language == "en"
    }


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_string_value_cannot_change_the_query(
    catalogue: Catalogue, store: OxigraphStore, value: str
) -> None:
    """Each value is bound as one literal: the answer has the clean query's columns, and its
    rows are exactly the labels containing that text, as Python finds them."""
    clean = run_canned(store, catalogue.bind("search", {"text": ["kube"]}, store))
    attempted = run_canned(store, catalogue.bind("search", {"text": [value]}, store))
    assert isinstance(clean, ox.QuerySolutions)
    assert isinstance(attempted, ox.QuerySolutions)
    assert attempted.variables == clean.variables
    expected = sorted(
        (thing, label)
        for thing, label in english_labels().items()
        if value.lower() in label.lower()
    )
    assert [(row["thing"], row["label"]) for row in rows(attempted)] == expected
    assert len(rows(clean)) == 2


def test_a_value_with_query_syntax_matches_itself(
    catalogue: Catalogue, store: OxigraphStore
) -> None:
    found = run_canned(store, catalogue.bind("search", {"text": ['"hi" } { ?s']}, store))
    assert rows(found) == [{"thing": f"{KG}quoted", "label": 'He said "hi" } { ?s'}]


@pytest.mark.parametrize(
    "value",
    [
        "kg:kubernetes> <http://evil/>",
        "<http://a b>",
        f"{KG}kubernetes }} UNION {{ ?s ?p ?o",
        "kg:kubernetes ; ?p ?o",
        "x" * 10_000,
    ],
)
def test_an_iri_value_with_syntax_is_refused(
    catalogue: Catalogue, store: OxigraphStore, value: str
) -> None:
    with pytest.raises(ClientError, match="parameter 'platform'"):
        catalogue.bind("components", {"platform": [value]}, store)


def test_bound_terms_cross_to_a_worker(catalogue: Catalogue, store: OxigraphStore) -> None:
    bound = catalogue.bind("components", {"platform": ["kg:mesos"]}, store, "ko")
    job = Job(
        Snapshot("v", "nquads", "/nowhere"),
        bound.text(),
        None,
        None,
        True,
        "json",
        None,
        1000,
        substitutions=tuple(bound.substitutions.items()),
        hidden=bound.query.hidden,
    )
    again = pickle.loads(pickle.dumps(job))  # noqa: S301 -- our own object
    assert again == job
    assert dict(again.substitutions)["platform"].to_oxigraph() == ox.NamedNode(f"{KG}mesos")


# -- the catalogue as RDF ---------------------------------------------------------------------


def test_the_catalogue_is_described_in_its_named_graph(
    settings: Settings, store: OxigraphStore
) -> None:
    graph = graph_iri(settings.base_iri, "queries")
    assert graph in store.graphs()
    result = store.query(
        f"""SELECT ?query ?kind ?label ?comment ?text ?url ?name
            (GROUP_CONCAT(?tag; separator=",") AS ?tags) WHERE {{
          GRAPH <{graph}> {{
            ?query a ?kind ; rdfs:label ?label ; rdfs:comment ?comment ;
              sh:select|sh:ask|sh:construct ?text ; schema:url ?url ;
              dcterms:identifier ?name ; sh:prefixes/sh:declare [ sh:prefix "kg" ]
            OPTIONAL {{ ?query schema:keywords ?tag }}
          }} }} GROUP BY ?query ?kind ?label ?comment ?text ?url ?name ORDER BY ?name"""
    )
    found = rows(result)
    assert [row["name"] for row in found] == sorted(QUERIES)
    components = found[0]
    assert components["query"] == f"{BASE}query/components"
    assert components["kind"] == "http://www.w3.org/ns/shacl#SPARQLSelectExecutable"
    assert components["label"] == "Components of a platform"
    assert components["url"] == "/api/queries/components"
    assert components["text"].startswith("SELECT ?component ?label")
    assert sorted(components["tags"].split(",")) == ["components", "platforms"]
    kinds = {row["name"]: row["kind"].rsplit("#", 1)[1] for row in found}
    assert kinds["runs-on"] == "SPARQLAskExecutable"
    assert kinds["platform-labels"] == "SPARQLConstructExecutable"


def test_the_shipped_catalogue_loads_and_every_example_answers(
    shipped_settings: Settings, shipped_store: OxigraphStore
) -> None:
    catalogue = load_catalogue(shipped_settings)
    for name, query in catalogue.items():
        raw, lang = split_arguments(query, query.example)
        result = run_canned(shipped_store, catalogue.bind(name, raw, shipped_store, lang))
        if isinstance(result, ox.QueryBoolean):
            assert bool(result), name
        else:
            assert next(iter(result), None) is not None, f"{name}: the example answers nothing"


# -- protocol helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("ko", "ko"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en;q=0.5, ko;q=0.9", "ko"),
        ("fr, de;q=0.9", None),
        ("fr, *;q=0.1", "en"),
        ("ko;q=0, en;q=0.1", "en"),
        ("EN-gb", "en"),
    ],
)
def test_choose_language(header: str | None, expected: str | None) -> None:
    assert choose_language(header, ["en", "ko"]) == expected


@pytest.mark.parametrize(
    ("form", "name", "accept", "expected"),
    [
        ("select", None, None, "json"),
        ("select", None, "*/*", "json"),
        ("select", None, "text/html,application/xhtml+xml,*/*;q=0.8", "json"),
        ("select", None, "application/sparql-results+json", "sparql-json"),
        ("select", None, "application/xml", "sparql-xml"),
        ("select", None, "text/csv", "csv"),
        ("select", None, "text/tab-separated-values", "tsv"),
        ("select", "tsv", "text/csv", "tsv"),
        ("ask", None, None, "json"),
        ("construct", None, None, "turtle"),
        ("construct", None, "application/json", "jsonld"),
        ("construct", "json", None, "jsonld"),
        ("construct", "ntriples", None, "ntriples"),
    ],
)
def test_answer_format(form: str, name: str | None, accept: str | None, expected: str) -> None:
    assert answer_format(form, name, accept).name == expected  # type: ignore[arg-type]


def test_answer_format_refusals() -> None:
    with pytest.raises(ClientError, match="format: 'turtle' is not offered"):
        answer_format("select", "turtle", None)
    with pytest.raises(NotAcceptableError):
        answer_format("select", None, "image/png")
    with pytest.raises(NotAcceptableError):
        answer_format("construct", None, "text/csv")


def test_spreadsheet_csv_neutralises_formulas() -> None:
    assert [neutralise(cell) for cell in ("=1", "+1", "-1", "@a", "\tx", "a=1", "")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "a=1",
        "",
    ]
    text = spreadsheet_csv(["a", "b"], [{"a": '=HYPERLINK("x")', "b": None}, {"a": 5, "b": True}])
    assert text == 'a,b\r\n"\'=HYPERLINK(""x"")",\r\n5,true\r\n'


def test_friendly_values() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert friendly_value(None) is None
    assert friendly_value({"type": "uri", "value": "http://x"}) == "http://x"
    assert friendly_value({"type": "bnode", "value": "b0"}) == "_:b0"
    assert friendly_value({"type": "literal", "value": "1.5", "datatype": f"{xsd}decimal"}) == 1.5
    assert friendly_value({"type": "literal", "value": "true", "datatype": f"{xsd}boolean"}) is True
    assert friendly_value({"type": "literal", "value": "x", "xml:lang": "en"}) == "x"
    assert friendly_value({"type": "literal", "value": "NaN?", "datatype": f"{xsd}int"}) == "NaN?"
