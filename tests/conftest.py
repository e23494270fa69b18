"""Shared fixtures: small content directories, fresh stores, and the CLI as a subprocess."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchkg.content import load_content, open_store
from orchkg.settings import Settings, load_settings
from orchkg.store import OxigraphStore, Store
from support import CliRunner, Listener
from virtuoso import Virtuoso, running_virtuoso

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/orchkg/"

TINY_ONTOLOGY = """\
@prefix okg: <ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
okg:Platform a owl:Class ; rdfs:label "platform"@en, "플랫폼"@ko .
okg:runsOn a owl:ObjectProperty ; rdfs:label "runs on"@en, "실행 기반"@ko .
"""

TINY_GRAPH = """\
@prefix okg: <ontology#> .
@prefix kg: <resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kg:marathon a okg:Platform ; rdfs:label "Marathon"@en, "마라톤"@ko ; okg:runsOn kg:mesos .
kg:mesos a okg:Platform ; rdfs:label "Apache Mesos"@en, "메소스"@ko ;
    okg:note [ rdfs:label "a blank node"@en ] .
"""


@pytest.fixture
def tiny_content(tmp_path: Path) -> Path:
    """A content directory with a two-platform graph."""
    root = tmp_path / "content"
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(TINY_ONTOLOGY, encoding="utf-8")
    (root / "graph" / "mesos.ttl").write_text(TINY_GRAPH, encoding="utf-8")
    return root


@pytest.fixture
def tiny_settings(tiny_content: Path) -> Settings:
    return load_settings({"content_dir": str(tiny_content)}, environ={})


@pytest.fixture
def tiny_store(tiny_settings: Settings) -> OxigraphStore:
    store = OxigraphStore()
    load_content(store, tiny_settings)
    return store


@pytest.fixture(scope="session")
def shipped_settings() -> Settings:
    return load_settings({"content_dir": str(REPO)}, environ={})


BACKENDS = ("embedded", "virtuoso")
"""The stores every test of the shipped content runs against: pyoxigraph in process, and
a real OpenLink Virtuoso through orchkg's remote-store backend (``orchkg.remote``)."""


@pytest.fixture(scope="session")
def virtuoso() -> Iterator[Virtuoso]:
    """One throwaway Virtuoso for the session (127.0.0.1 only, its own folder)."""
    with running_virtuoso() as instance:
        yield instance


@pytest.fixture(scope="session")
def virtuoso_settings(shipped_settings: Settings, virtuoso: Virtuoso) -> Settings:
    """The shipped content's settings, the dataset kept in the session's Virtuoso."""
    return dataclasses.replace(shipped_settings, **virtuoso.settings())


_SOURCES_CRASH = (
    "sources.rq stops its SPARQL compiler: 'SP031: Internal error: sparp_gp_deprecate(): "
    "equiv replaces filter but under deprecation'"
)
_GROUP_CONCAT = (
    "GROUP_CONCAT over a subquery repeats or drops values ('66, 66' for '66', '130, 130' "
    "for '130, 131')"
)
_MISSING_ROWS = "rows of nested OPTIONAL/UNION subqueries are missing or extra"
VIRTUOSO_DEVIATIONS: dict[str, str] = {
    "test_every_query_answers_its_example": _SOURCES_CRASH,
    "test_the_shipped_catalogue_loads_and_every_example_answers": _SOURCES_CRASH,
    "test_every_iri_under_the_base_resolves": _SOURCES_CRASH + " (the sources page runs it)",
    "test_sources_of_a_claim": _SOURCES_CRASH,
    "test_sources_of_a_feature_support_in_korean": _SOURCES_CRASH,
    "test_sources_of_an_external_fact": _SOURCES_CRASH,
    "test_sources_of_a_component_give_the_seeds_wording": _SOURCES_CRASH,
    "test_mesos_marathon_components_include_those_of_mesos_and_marathon": _GROUP_CONCAT,
    "test_high_availability_of_mesos_marathon_in_korean": _GROUP_CONCAT,
    "test_pros_and_cons_of_kubernetes": _GROUP_CONCAT,
    "test_kubernetes_components_in_korean_are_the_seeds_list": _MISSING_ROWS,
    "test_components_side_by_side_by_role": _MISSING_ROWS,
    "test_features_one_platform_has_and_the_other_lacks": _MISSING_ROWS,
    "test_feature_difference_with_the_sides_swapped_in_korean": _MISSING_ROWS,
    "test_comparison_table_against_a_platform_the_seed_does_not_compare": (
        "an OPTIONAL subquery's constant IRI is lost when nothing matches; this query "
        "has also crashed the server (it is restarted after the test)"
    ),
    "test_the_kubernetes_view_holds_the_seeds_components_and_relations": (
        "the view's UNION of property-path branches misses kg:kubectl and kg:pod"
    ),
    "test_the_mesos_marathon_view_holds_the_seeds_components_and_frameworks": (
        "the view's UNION of property-path branches misses kg:framework-concept"
    ),
    "test_the_shipped_graph_conforms": (
        'it stores "5000"^^xsd:decimal as xsd:integer, so the SHACL shapes that ask for '
        "decimals fail"
    ),
}
"""Tests of the shipped content that Virtuoso 7.2.5 (Debian's virtuoso-opensource) answers
differently from the SPARQL 1.1 specification, by test name, with what was seen
(docs/remote-store.md lists them). They run on Virtuoso and are expected to fail there: a
pass fails the suite (strict), so the list stays true, except for ``VIRTUOSO_VARYING``."""
VIRTUOSO_VARYING = frozenset(
    name
    for name, reason in VIRTUOSO_DEVIATIONS.items()
    if reason in (_GROUP_CONCAT, _MISSING_ROWS) or "crashed the server" in reason
)
"""The deviations whose answer varies with the state of Virtuoso's database: in one full run
at commit ebae301 (test_remote_store.py first, which loads and drops graphs), four of these
passed, and they failed in the other runs. A pass of one of these is reported (XPASS), not
an error; the compiler error, the decimal storage and the views failed in every run."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        spec = getattr(item, "callspec", None)
        if spec is None or spec.params.get("shipped_store") != "virtuoso":
            continue
        reason = VIRTUOSO_DEVIATIONS.get(item.originalname)
        if reason is not None:
            strict = item.originalname not in VIRTUOSO_VARYING
            item.add_marker(pytest.mark.xfail(strict=strict, reason=f"Virtuoso 7.2.5: {reason}"))


@pytest.fixture(autouse=True)
def _virtuoso_restarted(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that crashed the session's Virtuoso (some queries do) leaves it restarted."""
    yield
    if "virtuoso" in request.fixturenames:
        instance: Virtuoso = request.getfixturevalue("virtuoso")
        if not instance.alive():
            instance.restart()


@pytest.fixture(scope="session", params=BACKENDS)
def shipped_store(request: pytest.FixtureRequest, shipped_settings: Settings) -> Store:
    """The shipped ontology and graph, loaded once as the server loads them (with the
    predeclared prefixes), on each backend in turn: tests using it must not write."""
    if request.param == "virtuoso":
        return open_store(request.getfixturevalue("virtuoso_settings"))
    store = open_store(shipped_settings)
    assert isinstance(store, OxigraphStore)
    return store


@pytest.fixture
def run_cli(tmp_path: Path) -> CliRunner:
    """Run ``orchkg`` as a user would, in a subprocess; returns the completed process."""

    def run(
        *args: str, stdin: str | None = None, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("ORCHKG_")}
        completed = subprocess.run(
            [sys.executable, "-m", "orchkg", *args],
            check=False,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )
        if check and completed.returncode != 0:
            raise AssertionError(f"orchkg {' '.join(args)} failed:\n{completed.stderr}")
        return completed

    return run


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A local socket that records connections: proof that the server reached out."""
    running = Listener()
    yield running
    running.close()
