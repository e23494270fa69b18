"""``serve = "processes"`` (``orchkg.prefork``): its promises, on real servers over HTTP.

* a query past its deadline is answered 503 with a message, while another client is
  served, and the serving process that ran it ends (its CPU is freed) and is replaced;
* a serving process killed with SIGKILL takes only itself down: the service answers on;
* a write acknowledged by one serving process is seen by the next query in any of them;
* the layout refuses what it cannot do (an on-disk store).

No assertion is about time: waits are bounded only so a broken server fails the test.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hostile import AUTH, TOKEN, small_content
from orchkg.errors import ConfigurationError
from orchkg.settings import load_settings
from support import LiveServer, live_server

SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . "
    "?p ?q ?r . ?s ?t ?u . ?v ?w ?x }"
)
DATA = "".join(f'<resource/n{i}> <ontology#p> "value {i}" .\n' for i in range(300))
GRAPH = "http://example.org/processes/written"


def serving_processes(server: LiveServer) -> set[int]:
    pids: set[int] = set()
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        children = task / "children"
        if children.exists():
            pids |= {int(pid) for pid in children.read_text().split()}
    return pids


def wait_for(condition: object, what: str, limit: float = 30.0) -> None:
    """Poll ``condition`` (a callable) until it holds; fail after ``limit`` seconds."""
    assert callable(condition)
    until = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < until, f"still not true after {limit:g} s: {what}"
        time.sleep(0.05)


def fresh_get(server: LiveServer, query: str) -> requests.Response:
    """A query on a new connection, so the kernel may hand it to any serving process."""
    with requests.Session() as session:
        return session.get(
            server.url + "/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json", "Connection": "close"},
            timeout=30,
        )


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_content(tmp_path_factory.mktemp("processes") / "content", DATA)


@pytest.fixture(scope="module")
def server(content: Path) -> Iterator[LiveServer]:
    with live_server(
        "--content-dir",
        str(content),
        "serve",
        "--serve",
        "processes",
        "--processes",
        "2",
        "--update-token",
        TOKEN,
        "--query-timeout",
        "2",
        cwd=content,
    ) as running:
        wait_for(lambda: len(serving_processes(running)) == 2, "two serving processes")
        yield running


def test_a_query_past_its_deadline_is_answered_503_and_its_process_replaced(
    server: LiveServer,
) -> None:
    before = serving_processes(server)
    outcome: dict[str, requests.Response] = {}
    slow = threading.Thread(target=lambda: outcome.setdefault("slow", fresh_get(server, SLOW)))
    slow.start()
    # meanwhile another client is served (by the other process, or by the same one's
    # other threads: the engine releases the GIL)
    for _ in range(5):
        assert fresh_get(server, "ASK { ?s ?p ?o }").status_code == 200
    slow.join(timeout=60)
    answer = outcome["slow"]
    assert answer.status_code == 503
    assert "ran past the 2 s time limit and was stopped" in answer.text
    assert answer.headers["Retry-After"] == "1"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # the process that ran it ended (so its CPU is free) and a fresh one took its place
    wait_for(lambda: len(before - serving_processes(server)) == 1, "one process replaced")
    wait_for(lambda: len(serving_processes(server)) == 2, "two serving processes again")
    assert "stopped a query at its deadline or memory limit" in server.log.read_text()
    assert fresh_get(server, "ASK { ?s ?p ?o }").status_code == 200


def test_a_killed_serving_process_takes_only_itself(server: LiveServer) -> None:
    victim, *others = sorted(serving_processes(server))
    os.kill(victim, signal.SIGKILL)
    for _ in range(10):
        assert fresh_get(server, "ASK { ?s ?p ?o }").status_code == 200
    wait_for(lambda: victim not in serving_processes(server), "the killed process gone")
    wait_for(lambda: len(serving_processes(server)) == 2, "a replacement started")
    assert set(others) <= serving_processes(server)
    assert server.get("/healthz").status_code == 200


def test_a_write_is_seen_by_the_next_query_in_every_process(server: LiveServer) -> None:
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    for written in range(1, 6):
        update = (
            f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/s{written}> "
            f"<http://example.org/p> {written} }} }}"
        )
        with requests.Session() as session:
            acknowledged = session.post(
                server.url + "/update",
                data={"update": update},
                headers={**AUTH, "Connection": "close"},
                timeout=30,
            )
        assert acknowledged.status_code == 204, acknowledged.text
        # new connections land on either process; every one must see every write so far
        for _ in range(6):
            rows = fresh_get(server, count).json()["results"]["bindings"]
            assert rows[0]["n"]["value"] == str(written)
    # and the pages, which query the store directly, agree
    graphs = server.get("/data", params={"graph": GRAPH}, headers={"Accept": "text/turtle"})
    assert graphs.status_code == 200
    assert "http://example.org/s5" in graphs.text


def test_a_failed_write_changes_nothing_anywhere(server: LiveServer) -> None:
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/processes/none> { ?s ?p ?o } }"
    )
    refused = requests.post(
        server.url + "/update",
        data={"update": "INSERT DATA { GRAPH <http://example.org/processes/none> { <a> <b> "},
        headers=AUTH,
        timeout=30,
    )
    assert refused.status_code == 400
    for _ in range(4):
        rows = fresh_get(server, count).json()["results"]["bindings"]
        assert rows[0]["n"]["value"] == "0"


def test_processes_need_the_in_memory_store() -> None:
    with pytest.raises(ConfigurationError, match="in-memory store"):
        load_settings({"serve": "processes", "store": "/tmp/kg"}, environ={})
    with pytest.raises(ConfigurationError, match="one of workers, processes"):
        load_settings({"serve": "threads"}, environ={})


def test_a_query_past_the_memory_limit_is_answered_503(content: Path) -> None:
    """Past four fifths of ``max_worker_memory`` the watchdog stops the evaluation with a 503,
    before the hard limit would end the process without an answer."""
    with live_server(
        "--content-dir",
        str(content),
        "serve",
        "--serve",
        "processes",
        "--query-timeout",
        "30",
        env={"ORCHKG_MAX_WORKER_MEMORY": "400"},
        cwd=content,
    ) as running:
        wait_for(lambda: len(serving_processes(running)) == 2, "two serving processes")
        grow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(?c) ?f ?i"
        answer = fresh_get(running, grow)
        assert answer.status_code == 503, answer.text
        assert "more memory than a query worker may hold" in answer.text
        wait_for(lambda: len(serving_processes(running)) == 2, "a replacement started")
        assert fresh_get(running, "ASK { ?s ?p ?o }").status_code == 200
