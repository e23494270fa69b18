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
