"""The embedded store: loading whole or not at all, idempotence, persistence, exports."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from orchkg.errors import ClientError, QuerySyntaxError, RdfSyntaxError, UnknownFormatError
from orchkg.formats import RDF_FORMATS, rdf_format
from orchkg.settings import Settings
from orchkg.store import OxigraphStore, Part

G = "http://example.org/g"
GOOD = b"<http://example.org/a> <http://example.org/p> [ <http://example.org/q> 1 ] .\n"
HALF = (
    b"<http://example.org/b> <http://example.org/p> 2 .\n"
    b'<http://example.org/b> <http://example.org/p> "3 .\n'
)


def load(store: OxigraphStore, data: bytes, *, graph: str | None = G, replace: bool = True) -> int:
    return store.load(
        io.BytesIO(data),
        rdf_format("turtle"),
        source_name="input.ttl",
        graph=graph,
        replace=replace,
    )


def rows(store: OxigraphStore, sparql: str) -> list[tuple[str, ...]]:
    result = store.query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return sorted(
        tuple("" if row[n] is None else str(getattr(row[n], "value", row[n])) for n in names)
        for row in result
    )


def test_load_reports_count_and_fills_the_graph() -> None:
    store = OxigraphStore()
    assert load(store, GOOD) == 2
    assert store.graphs() == [G]
    assert store.triple_count(G) == 2


def test_loading_twice_replaces_so_blank_nodes_do_not_pile_up() -> None:
    store = OxigraphStore()
    load(store, GOOD)
    load(store, GOOD)
    assert store.triple_count(G) == 2


def test_append_adds_beside_what_is_there() -> None:
    store = OxigraphStore()
    load(store, GOOD)
    load(store, GOOD, replace=False)
    assert store.triple_count(G) == 4


def test_half_valid_file_changes_nothing_and_names_line_and_column() -> None:
    store = OxigraphStore()
    load(store, GOOD)
    before = store.version
    with pytest.raises(RdfSyntaxError) as caught:
        load(store, HALF)
    assert caught.value.line == 2
    assert caught.value.column is not None
    assert str(caught.value).startswith("input.ttl:2:")
    assert store.graphs() == [G]
    assert store.triple_count(G) == 2
    assert rows(store, "SELECT ?s WHERE { GRAPH ?g { ?s ?p 2 } }") == []
    assert store.version != before  # conservative: any write attempt bumps the version


def turtle_part(data: bytes, name: str) -> Part:
    return Part(io.BytesIO(data), rdf_format("turtle"), name)


def test_parts_load_in_one_transaction() -> None:
    store = OxigraphStore()
    outcome = store.load_parts(
        [turtle_part(GOOD, "a.ttl"), turtle_part(b"<http://e/x> <http://e/p> 3 .", "b.ttl")],
        graph=G,
        single_graph=True,
    )
    assert (outcome.quads, outcome.created) == (3, frozenset({G}))
    with pytest.raises(RdfSyntaxError, match=r"^bad\.ttl:2:"):
        store.load_parts(
            [
                turtle_part(b"<http://e/y> <http://e/p> 4 .", "good.ttl"),
                turtle_part(HALF, "bad.ttl"),
            ],
            graph=G,
            replace=False,
        )
    assert store.triple_count(G) == 3
    assert store.graphs() == [G]
    again = store.load_parts([turtle_part(GOOD, "a.ttl")], graph=G, replace=False)
    assert again.created == frozenset()


def test_single_graph_loads_refuse_named_graphs_whole() -> None:
    store = OxigraphStore()
    trig = b"<http://e/a> <http://e/p> 1 .\n<http://e/g2> { <http://e/b> <http://e/p> 2 }\n"
    with pytest.raises(ClientError, match="named graph <http://e/g2>"):
        store.load_parts([Part(io.BytesIO(trig), rdf_format("trig"), "d.trig")], single_graph=True)
    assert store.graphs() == []
    assert store.triple_count(None) == 0


def test_empty_sources_still_replace_and_create_their_graph() -> None:
    store = OxigraphStore(union_default_graph=False)
    load(store, GOOD)
    load(store, GOOD, graph=None)
    load(store, b"")
    assert store.graphs() == [G]
    assert store.has_graph(G)
    assert store.triple_count(G) == 0
    load(store, b"", graph=None)
    assert store.triple_count(None) == 0
    load(store, b"", graph="http://example.org/new", replace=False)
    assert store.has_graph("http://example.org/new")


def test_drop_graph() -> None:
    store = OxigraphStore(union_default_graph=False)
    load(store, GOOD)
    load(store, GOOD, graph=None)
    assert store.drop_graph(G) is True
    assert store.drop_graph(G) is False
    assert store.graphs() == []
    assert store.drop_graph(None) is True
    assert store.triple_count(None) == 0


@pytest.mark.parametrize("iri", ["relative", "urn:orchkg:loading:x:0", "http://e/a b"])
def test_graph_names_must_be_absolute_iris_of_our_own(iri: str) -> None:
    store = OxigraphStore()
    with pytest.raises(ClientError):
        load(store, GOOD, graph=iri)
    with pytest.raises(ClientError):
        store.has_graph(iri)
    assert store.graphs() == []


def test_relative_iris_resolve_against_the_given_base() -> None:
    store = OxigraphStore()
    store.update("INSERT DATA { GRAPH <http://e/g> { <s> <p> <o> } }", base_iri="http://b/")
    assert rows(store, "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }") == [("http://b/s",)]
    result = store.query("ASK { <s> <p> <o> }", base_iri="http://b/")
    assert isinstance(result, ox.QueryBoolean)
    assert bool(result)


def test_a_failed_load_into_a_new_graph_leaves_no_trace() -> None:
    store = OxigraphStore()
    with pytest.raises(RdfSyntaxError):
        load(store, HALF)
    assert store.graphs() == []
    assert rows(store, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }") == []
    with pytest.raises(RdfSyntaxError):
        load(store, HALF, replace=False, graph=None)
    assert rows(store, "SELECT * WHERE { ?s ?p ?o }") == []


def test_dataset_formats_keep_their_graphs() -> None:
    store = OxigraphStore()
    trig = b"<http://example.org/g1> { <http://example.org/a> <http://example.org/p> 1 }\n"
    trig += b"<http://example.org/b> <http://example.org/p> 2 .\n"
    store.load(io.BytesIO(trig), rdf_format("trig"), source_name="d.trig", graph=G)
    assert store.graphs() == [G, "http://example.org/g1"]
    assert store.triple_count("http://example.org/g1") == 1
    assert store.triple_count(G) == 1


def test_default_graph_is_the_union_of_named_graphs() -> None:
    store = OxigraphStore()
    load(store, GOOD)
    assert len(rows(store, "SELECT * WHERE { ?s ?p ?o }")) == 2
    separate = OxigraphStore(union_default_graph=False)
    load(separate, GOOD)
    assert rows(separate, "SELECT * WHERE { ?s ?p ?o }") == []
    assert len(rows(separate, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")) == 2


def test_dataset_parameters_pick_the_default_graph() -> None:
    store = OxigraphStore()
    load(store, GOOD)
    load(store, b"<http://example.org/z> <http://example.org/p> 9 .", graph="http://example.org/h")
    result = store.query("SELECT ?s WHERE { ?s ?p 9 }", default_graphs=[G])
    assert isinstance(result, ox.QuerySolutions)
    assert list(result) == []
    result = store.query("SELECT ?s WHERE { ?s ?p 9 }", default_graphs=["http://example.org/h"])
    assert isinstance(result, ox.QuerySolutions)
    assert [row["s"] for row in result] == [ox.NamedNode("http://example.org/z")]


def test_query_syntax_error_names_the_position() -> None:
    with pytest.raises(QuerySyntaxError, match=r"1:25"):
        OxigraphStore().query("SELECT * WHERE { ?s ?p }")


def test_update_changes_data_and_version() -> None:
    store = OxigraphStore()
    before = store.version
    store.update("INSERT DATA { GRAPH <http://example.org/u> { <http://e/a> <http://e/p> 1 } }")
    assert store.version != before
    assert store.triple_count("http://example.org/u") == 1


def test_persistent_store_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = OxigraphStore(path)
    load(store, GOOD)
    store.close()
    del store
    reopened = OxigraphStore(path)
    assert reopened.triple_count(G) == 2


@pytest.mark.parametrize("fmt", list(RDF_FORMATS), ids=lambda fmt: fmt.name)
def test_every_format_round_trips(
    fmt: object, tiny_store: OxigraphStore, tiny_settings: Settings
) -> None:
    assert fmt in RDF_FORMATS
    graph = f"{tiny_settings.base_iri}graph/mesos"
    buffer = io.BytesIO()
    tiny_store.export(buffer, fmt, graph=graph)  # type: ignore[arg-type]
    again = OxigraphStore()
    again.load(io.BytesIO(buffer.getvalue()), fmt, source_name="x", graph=graph)  # type: ignore[arg-type]
    first, second = io.BytesIO(), io.BytesIO()
    tiny_store.export(first, rdf_format("ntriples"), graph=graph)
    again.export(second, rdf_format("ntriples"), graph=graph)
    assert isomorphic(
        rdflib.Graph().parse(data=first.getvalue(), format="nt"),
        rdflib.Graph().parse(data=second.getvalue(), format="nt"),
    )


def test_whole_dataset_export_needs_a_dataset_format(tiny_store: OxigraphStore) -> None:
    with pytest.raises(UnknownFormatError, match="name the graph"):
        tiny_store.export(io.BytesIO(), rdf_format("turtle"))
