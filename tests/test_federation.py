"""Federation end to end: two real orchkg servers, one joining its data with the other's
through SERVICE; the allowlist, the per-call time limit and SERVICE SILENT, against real
sockets (docs/federation.md)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
import requests

from orchkg.federation import Relay
from support import Listener, LiveServer, free_port, live_server

REPO = Path(__file__).resolve().parents[1]
KG = "https://w3id.org/orchkg/resource/"
OKG = "https://w3id.org/orchkg/ontology#"
ACME = "https://acme.example/system/"
FEDERATION_TIMEOUT = 1.0
QUERY_TIMEOUT = 15.0
ACME_OPERATORS = 12

ACME_ONTOLOGY = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<https://acme.example/ontology#System> a owl:Class ; rdfs:label "system"@en .
"""

DOC = REPO / "docs" / "federation.md"
DOC_ENDPOINT = "http://127.0.0.1:8001/sparql"


def doc_block(language: str) -> str:
    """The first fenced block of docs/federation.md in ``language``."""
    found = re.search(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    assert found, f"docs/federation.md has no {language} block"
    return found.group(1)


def doc_table() -> list[dict[str, str]]:
    """The example's answer as docs/federation.md shows it (prefixed names expanded)."""
    text = DOC.read_text(encoding="utf-8")
    lines = text[text.index("| system | component | role |") :].splitlines()
    names = {"acme:": ACME, "kg:": KG, "okg:": OKG}
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        for prefix, iri in names.items():
            cells = [
                iri + cell[len(prefix) :] if cell.startswith(prefix) else cell for cell in cells
            ]
        rows.append(dict(zip(("system", "component", "role"), cells, strict=True)))
    return rows


ACME_SYSTEMS = doc_block("turtle")


class SilentEndpoint:
    """A socket that takes connections (the kernel completes them) and never reads or
    answers: the slowest endpoint there is."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"

    def close(self) -> None:
        self.socket.close()


class Sites:
    """The two servers, the endpoints on the allowlist, and one that is not on it."""

    def __init__(
        self,
        main: LiveServer,
        acme: LiveServer,
        silent: SilentEndpoint,
        refused: str,
        outside: Listener,
    ) -> None:
        self.main = main
        self.acme = acme
        self.silent = silent
        self.refused = refused
        self.outside = outside

    def ask(self, query: str) -> tuple[requests.Response, float]:
        started = time.monotonic()
        response = self.main.post(
            "/sparql",
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        return response, time.monotonic() - started


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    content = tmp_path_factory.mktemp("acme")
    (content / "ontology").mkdir()
    (content / "graph").mkdir()
    (content / "ontology" / "acme.ttl").write_text(ACME_ONTOLOGY, encoding="utf-8")
    (content / "graph" / "systems.ttl").write_text(ACME_SYSTEMS, encoding="utf-8")
    silent = SilentEndpoint()
    outside = Listener()
    refused = f"http://127.0.0.1:{free_port()}/sparql"
    try:
        acme_env = {"ORCHKG_MAX_QUERY_OPERATORS": str(ACME_OPERATORS)}
        with live_server("--content-dir", str(content), "serve", env=acme_env, cwd=content) as acme:
            allowlist = ",".join([acme.url + "/sparql", silent.url, refused])
            env = {
                "ORCHKG_FEDERATION_ALLOWLIST": allowlist,
                "ORCHKG_FEDERATION_TIMEOUT": str(FEDERATION_TIMEOUT),
                "ORCHKG_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
            }
            main_dir = tmp_path_factory.mktemp("main")
            with live_server("--content-dir", str(REPO), "serve", env=env, cwd=main_dir) as main:
                yield Sites(main, acme, silent, refused, outside)
    finally:
        silent.close()
        outside.close()


def message(response: requests.Response) -> str:
    """The message of an error answer (text/plain: ``<status> <title>: <message>``)."""
    assert response.headers["Content-Type"].startswith("text/plain"), response.headers
    return response.text.split(": ", 1)[1].rstrip("\n")


def rows(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    return [{name: cell["value"] for name, cell in binding.items()} for binding in bindings]


def test_a_query_joins_its_graph_with_an_allowlisted_server(sites: Sites) -> None:
    """docs/federation.md's example: its data on the second server, its query on the first."""
    assert DOC_ENDPOINT in doc_block("sparql")
    response, _ = sites.ask(doc_block("sparql").replace(DOC_ENDPOINT, sites.acme.url + "/sparql"))
    expected = [
        {"system": f"{ACME}billing", "component": f"{KG}etcd", "role": f"{OKG}StateStoreRole"},
        {
            "system": f"{ACME}search",
            "component": f"{KG}kube-apiserver",
            "role": f"{OKG}APIServerRole",
        },
        {
            "system": f"{ACME}search",
            "component": f"{KG}kube-apiserver",
            "role": f"{OKG}ControlPlaneRole",
        },
    ]
    assert rows(response) == expected
    assert doc_table() == expected


def test_the_join_runs_both_ways_with_labels_from_each_side(sites: Sites) -> None:
    query = f"""
        SELECT ?label ?platform WHERE {{
          ?platform a okg:Platform ; rdfs:label "Mesos"@en .
          SERVICE <{sites.acme.url}/sparql> {{
            ?system okg:runsOn ?platform ; rdfs:label ?label
          }}
        }}"""
    response, _ = sites.ask(query)
    assert rows(response) == [{"label": "Ledger", "platform": f"{KG}mesos"}]


def test_a_service_off_the_allowlist_is_refused_without_a_connection(sites: Sites) -> None:
    response, _ = sites.ask(
        f"SELECT * WHERE {{ SERVICE <{sites.outside.url}/sparql> {{ ?s ?p ?o }} }}"
    )
    assert response.status_code == 403, response.text
    assert "allowlist" in response.text
    time.sleep(0.2)
    assert not sites.outside.touched(), "the server connected to a refused endpoint"


def test_a_silent_endpoint_is_cut_off_at_the_per_call_limit(sites: Sites) -> None:
    response, elapsed = sites.ask(
        f"SELECT * WHERE {{ SERVICE <{sites.silent.url}> {{ ?s ?p ?o }} }}"
    )
    assert response.status_code == 504, response.text
    assert message(response) == (
        f"SERVICE <{sites.silent.url}> did not answer within {FEDERATION_TIMEOUT:g} s"
    )
    assert FEDERATION_TIMEOUT <= elapsed < FEDERATION_TIMEOUT + 2, elapsed


def test_each_call_has_its_own_limit(sites: Sites) -> None:
    """Two calls to the silent endpoint: the query fails at the first one's limit."""
    query = f"""SELECT * WHERE {{
        SERVICE <{sites.silent.url}> {{ ?s ?p ?o }}
        SERVICE <{sites.silent.url}> {{ ?s ?q ?v }} }}"""
    response, elapsed = sites.ask(query)
    assert response.status_code == 504, response.text
    assert elapsed < QUERY_TIMEOUT / 2, elapsed


def test_service_silent_gives_one_empty_solution_at_the_limit(sites: Sites) -> None:
    """SPARQL 1.1 Federated Query, 4: a failed SERVICE SILENT is one solution binding nothing."""
    query = f"""
        SELECT ?component ?system WHERE {{
          VALUES ?component {{ kg:etcd }}
          SERVICE SILENT <{sites.silent.url}> {{ ?system okg:dependsOn ?component }}
        }}"""
    response, elapsed = sites.ask(query)
    assert rows(response) == [{"component": f"{KG}etcd"}]
    assert FEDERATION_TIMEOUT <= elapsed < FEDERATION_TIMEOUT + 2, elapsed


def test_service_silent_to_a_refused_port_is_one_empty_solution(sites: Sites) -> None:
    query = f"""
        SELECT ?component ?system WHERE {{
          VALUES ?component {{ kg:etcd }}
          SERVICE SILENT <{sites.refused}> {{ ?system okg:dependsOn ?component }}
        }}"""
    response, _ = sites.ask(query)
    assert rows(response) == [{"component": f"{KG}etcd"}]


def test_service_silent_that_succeeds_gives_its_answer(sites: Sites) -> None:
    query = f"""
        SELECT ?system WHERE {{
          SERVICE SILENT <{sites.acme.url}/sparql> {{ ?system okg:dependsOn kg:etcd }}
        }}"""
    response, _ = sites.ask(query)
    assert rows(response) == [{"system": f"{ACME}billing"}]


def test_a_refused_connection_is_a_502_naming_the_endpoint(sites: Sites) -> None:
    response, elapsed = sites.ask(f"SELECT * WHERE {{ SERVICE <{sites.refused}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 502, response.text
    assert message(response) == (f"SERVICE <{sites.refused}> failed: the connection was refused")
    assert elapsed < FEDERATION_TIMEOUT, elapsed


def test_an_error_of_the_remote_endpoint_is_a_502_with_its_message(sites: Sites) -> None:
    """The remote server refuses the call: it allows fewer operators than this one."""
    union = " UNION ".join(f"{{ ?s okg:dependsOn ?o{n} }}" for n in range(ACME_OPERATORS))
    query = f"SELECT * WHERE {{ SERVICE <{sites.acme.url}/sparql> {{ {union} }} }}"
    response, _ = sites.ask(query)
    assert response.status_code == 502, response.text
    said = message(response)
    assert said.startswith(f"SERVICE <{sites.acme.url}/sparql> failed: it answered 400"), said
    assert f"more than {ACME_OPERATORS} operators" in said


def test_a_syntax_error_in_a_federated_query_keeps_its_position(sites: Sites) -> None:
    """The engine parses the query with relay addresses in it; the position told is the
    one in the query the client sent, and no call is made."""
    query = f"SELECT * WHERE {{ SERVICE <{sites.acme.url}/sparql> {{ ?s ?p ?o }} FILTER( }}"
    response, _ = sites.ask(query)
    assert response.status_code == 400, response.text
    with pytest.raises(SyntaxError) as parsed:
        pyoxigraph.Store().query(query)  # the oracle: the engine on the text as sent
    engine = str(parsed.value)
    assert engine.lower().startswith(f"error at 1:{len(query) + 1}: ")
    assert message(response) == f"SPARQL syntax error: {engine}"


def test_the_relay_serves_only_the_calls_of_a_session_in_progress() -> None:
    """The relay (in this process here) answers 404 to an address it did not hand out, or
    whose session is over, and never connects anywhere for it."""
    outside = Listener()
    relay = Relay()
    try:
        headers = {"Content-Type": "application/sparql-query"}
        with relay.session(timeout=1.0, max_bytes=1000) as session:
            address = session.address(0, outside.url + "/sparql")
            guessed = address.replace(session.key, "x" * len(session.key))
            assert (
                requests.post(guessed, data=b"ASK {}", headers=headers, timeout=5).status_code
                == 404
            )
            beyond = address[:-1] + "1"
            assert (
                requests.post(beyond, data=b"ASK {}", headers=headers, timeout=5).status_code == 404
            )
        assert requests.post(address, data=b"ASK {}", headers=headers, timeout=5).status_code == 404
        assert not outside.touched()
    finally:
        relay.close()
        outside.close()
