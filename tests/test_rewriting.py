"""The query rewrites of the remote store (``orchkg.rewriting``) change no answer.

Each canned query, bound with its example, is run on the embedded store twice: as the
embedded store runs it (pyoxigraph's substitutions, a trailing VALUES block), and as the
remote store sends it (``substitute``, then ``inline_values``, then ``push_values``).
The answers must be the same, row for row.
"""

from __future__ import annotations

import doctest

import pyoxigraph as ox
import pytest

from orchkg import rewriting
from orchkg.canned import Catalogue, finish_result, load_catalogue
from orchkg.settings import Settings
from orchkg.store import Store


@pytest.fixture(scope="module")
def catalogue(shipped_settings: Settings) -> Catalogue:
    return load_catalogue(shipped_settings)


@pytest.fixture(scope="module")
def embedded(shipped_settings: Settings) -> Store:
    from orchkg.content import open_store  # noqa: PLC0415 -- the embedded store only

    return open_store(shipped_settings)


def rows(result: object) -> list[tuple[str, ...]] | bool:
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    assert isinstance(result, ox.QuerySolutions)
    names = result.variables
    return [
        tuple(str(row[name]) if row[name] is not None else "" for name in names) for row in result
    ]


def test_the_doctests_hold() -> None:
    failed, tried = doctest.testmod(rewriting)
    assert (failed, tried > 3) == (0, True)


def test_every_canned_query_answers_the_same_rewritten(
    catalogue: Catalogue, embedded: Store
) -> None:
    checked = 0
    for name, query in catalogue.items():
        params = dict(query.example.items())
        lang = params.pop("lang", ["en"])[0]
        bound = catalogue.bind(name, {**params, "lang": [lang]}, embedded, lang)
        terms = {key: term.to_oxigraph() for key, term in bound.substitutions.items()}
        direct = embedded.query(bound.text(), substitutions=terms)
        text = rewriting.push_values(
            rewriting.inline_values(rewriting.substitute(bound.text(), terms))
        )
        rewritten = embedded.query(text)
        expected = rows(finish_result(direct, query.hidden, query.as_boolean))
        got = rows(finish_result(rewritten, query.hidden, query.as_boolean))
        assert got == expected, name
        assert expected, f"{name}: the example answers nothing, so this proves little"
        checked += 1
    assert checked == len(list(catalogue.items())) >= 16


@pytest.mark.parametrize(
    ("text", "bindings", "expected"),
    [
        (
            "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?c } GROUP BY ?x ?c",
            {"c": ox.Literal("v", language="en")},
            'SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p "v"@en } GROUP BY ?x ("v"@en)',
        ),
        (
            "SELECT * WHERE { ?s ?p ?o BIND(1 AS ?o2) }",
            {"o2": ox.Literal("1")},
            "SELECT * WHERE { ?s ?p ?o BIND(1 AS ?o2) }",
        ),
        (
            "SELECT ?s WHERE { { SELECT ?s ?t WHERE { ?s a ?t } } FILTER(?t = ?t) }",
            {"t": ox.NamedNode("http://e/T")},
            "SELECT ?s WHERE { { SELECT ?s (<http://e/T> AS ?t) WHERE { ?s a <http://e/T> } } "
            "FILTER(<http://e/T> = <http://e/T>) }",
        ),
    ],
)
def test_substitution_keeps_the_variable_in_the_answer(
    text: str, bindings: dict[str, ox.NamedNode | ox.Literal], expected: str
) -> None:
    assert rewriting.substitute(text, bindings) == expected


def test_values_stay_out_of_services_templates_and_hiding_subqueries() -> None:
    text = (
        "CONSTRUCT { ?p <x:q> ?o } WHERE { "
        "SERVICE <http://e/sparql> { ?p <x:r> ?o } "
        "{ SELECT ?o WHERE { ?p <x:s> ?o } } "
        "OPTIONAL { ?p <x:t> ?o } } VALUES ?p { <x:a> <x:b> }"
    )
    pushed = rewriting.push_values(text)
    block = "VALUES ?p { <x:a> <x:b> }"
    assert pushed.count(block) == 2  # the WHERE clause and the OPTIONAL group only
    assert "SERVICE <http://e/sparql> { ?p" in pushed
    assert "{ SELECT ?o WHERE { ?p" in pushed
    head = f"CONSTRUCT {{ ?p <x:q> ?o }} WHERE {{ {block}".split()
    assert pushed.split()[: len(head)] == head


def test_one_row_values_become_constants_and_longer_ones_do_not() -> None:
    one = 'SELECT ?n WHERE { ?p <x:q> ?n } VALUES (?p ?lang) { (<x:a> "en") }'
    assert rewriting.inline_values(one).split() == (
        ["SELECT", "?n", "WHERE", "{", "<x:a>", "<x:q>", "?n", "}"]
    )
    two = "SELECT ?n WHERE { ?p <x:q> ?n } VALUES ?p { <x:a> <x:b> }"
    assert rewriting.inline_values(two) == two
    undefined = "SELECT ?n WHERE { ?p <x:q> ?n } VALUES ?p { UNDEF }"
    assert rewriting.inline_values(undefined) == undefined


def test_projection_names_every_column() -> None:
    assert rewriting.projection("SELECT DISTINCT ?a (STR(?b) AS ?c) WHERE { ?a ?p ?b }") == [
        "a",
        "c",
    ]
    assert rewriting.projection("SELECT * WHERE { ?a ?p ?b }") == []
    assert rewriting.projection("ASK { ?a ?p ?b }") == []


@pytest.mark.parametrize(
    "query",
    [
        "SELECT DISTINCT ?node ?system WHERE { "
        "VALUES ?system { kg:kubernetes kg:mesos kg:marathon } "
        "?node okg:partOf+ ?system . FILTER(isIRI(?node)) } ORDER BY ?system ?node",
        "SELECT ?platform (COUNT(DISTINCT ?part) AS ?n) WHERE { VALUES (?platform ?lang) "
        '{ (kg:dcos "en") (kg:mesos-marathon "ko") } '
        "?platform (okg:hasMember|okg:builtOn)* ?part . "
        "OPTIONAL { ?part rdfs:label ?l FILTER(lang(?l) = ?lang) } } "
        "GROUP BY ?platform ORDER BY ?platform",
    ],
)
def test_a_values_block_written_out_as_a_union_answers_the_same(
    embedded: Store, query: str
) -> None:
    assert rewriting.uses_paths(query)
    expanded = rewriting.expand_values(query)
    assert "UNION" in expanded
    assert rows(embedded.query(expanded)) == rows(embedded.query(query))
    assert rows(embedded.query(query))  # the example answers something
