"""What the endpoint promises under stress: limits, crashes, overload, durability, no fetching."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from support import LiveServer, free_port, live_server

BASE = "https://w3id.org/orchkg/"
ONTOLOGY = "<ontology#Thing> a <http://www.w3.org/2002/07/owl#Class> .\n"
DATA = "".join(f'<resource/n{i}> <ontology#p> "value {i}" .\n' for i in range(300))
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . "
    "?p ?q ?r . ?s ?t ?u . ?v ?w ?x }"
)
TOKEN = "t0ken-for-tests"  # noqa: S105 -- a throwaway credential for test servers


def make_content(root: Path) -> Path:
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "graph" / "data.ttl").write_text(DATA, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_content(tmp_path_factory.mktemp("robust") / "content")


def worker_pids(server: LiveServer) -> list[int]:
    """The query workers among the server's children (not multiprocessing's resource tracker)."""
    pids: list[int] = []
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        children = task / "children"
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
    return [pid for pid in pids if b"spawn_main" in _cmdline(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def test_a_result_over_the_byte_limit_is_refused_whole(content: Path) -> None:
    env = {"ORCHKG_MAX_RESULT_BYTES": "2000"}
    with live_server("--content-dir", str(content), "serve", env=env, cwd=content) as server:
        response = server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert response.status_code == 413
        assert "2,000-byte limit" in response.text
        assert "bindings" not in response.text
        small = server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
        assert small.status_code == 200
        assert small.headers["X-Orchkg-Limit-Result-Bytes"] == "2000"


def test_a_worker_that_dies_takes_only_itself(content: Path) -> None:
    with live_server(
        "--content-dir", str(content), "serve", "--query-timeout", "20", cwd=content
    ) as server:
        query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}
        assert server.get("/sparql", params=query).status_code == 200
        # one dies while idle: nobody should notice
        idle = worker_pids(server)
        assert len(idle) == 2
        subprocess.run(["kill", "-9", str(idle[0])], check=True)
        time.sleep(0.2)
        for _ in range(4):
            assert server.get("/sparql", params=query).status_code == 200
        # one dies in the middle of an evaluation: that request fails, the service goes on
        outcome: dict[str, requests.Response] = {}
        thread = threading.Thread(
            target=lambda: outcome.setdefault("slow", server.get("/sparql", params={"query": SLOW}))
        )
        before = set(worker_pids(server))
        thread.start()
        time.sleep(1.0)
        busy = [pid for pid in worker_pids(server) if pid in before and _cpu_busy(pid)]
        assert busy, "no worker was busy with the slow query"
        subprocess.run(["kill", "-9", str(busy[0])], check=True)
        thread.join(timeout=30)
        failed = outcome["slow"]
        assert failed.status_code == 500
        assert "evaluation process failed" in failed.text
        assert "Traceback" not in failed.text
        assert server.get("/sparql", params=query).status_code == 200
        assert server.get("/healthz").status_code == 200


def _cpu_busy(pid: int) -> bool:
    def ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    try:
        first = ticks()
        time.sleep(0.3)
        return ticks() > first
    except FileNotFoundError:
        return False


def test_too_many_waiting_requests_are_refused_at_once(content: Path) -> None:
    env = {"ORCHKG_MAX_QUEUED": "1", "ORCHKG_QUERY_WORKERS": "1", "ORCHKG_QUEUE_WAIT": "10"}
    with live_server(
        "--content-dir", str(content), "serve", "--query-timeout", "3", env=env, cwd=content
    ) as server:
        statuses: list[int] = []
        threads = [
            threading.Thread(
                target=lambda: statuses.append(
                    server.get("/sparql", params={"query": SLOW}).status_code
                )
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
            time.sleep(0.3)
        started = time.monotonic()
        refused = server.get("/sparql", params={"query": "ASK {}"})
        elapsed = time.monotonic() - started
        assert refused.status_code == 503
        assert "waiting for a worker" in refused.text
        assert refused.headers["Retry-After"] == "1"
        assert elapsed < 1.0
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [503, 503]  # both slow queries hit the 3 s deadline


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connections = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="module")
def server(content: Path) -> Iterator[LiveServer]:
    with live_server(
        "--content-dir", str(content), "serve", "--update-token", TOKEN, cwd=content
    ) as running:
        yield running


def test_from_and_dataset_iris_never_fetch(server: LiveServer, listener: Listener) -> None:
    target = f"http://127.0.0.1:{listener.port}/data"
    queries = [
        {"query": f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": target},
        {
            "query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": "file:///etc/passwd",
        },
    ]
    for params in queries:
        response = server.get("/sparql", params=params)
        assert response.status_code == 200, response.text
        assert response.json()["results"]["bindings"] == []
    for refused in (
        {"query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"},
    ):
        assert server.get("/sparql", params=refused).status_code == 403
    load = server.post(
        "/update",
        data=f"LOAD <{target}>",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert load.status_code == 403
    time.sleep(0.3)
    assert listener.connections == 0


def test_slow_clients_do_not_block_others(server: LiveServer) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    trickles = []
    for _ in range(12):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n")
        trickles.append(sock)
    try:
        for second in range(3):
            for sock in trickles:
                sock.sendall(b"X")
            started = time.monotonic()
            response = server.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert response.status_code == 200
            assert time.monotonic() - started < 1.0, f"blocked at second {second}"
            time.sleep(1.0)
    finally:
        for sock in trickles:
            sock.close()


def test_acknowledged_writes_survive_kill_9(tmp_path: Path, content: Path) -> None:
    store = tmp_path / "store"
    args = ("--content-dir", str(content), "--store", str(store), "serve", "--update-token", TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with live_server(*args, cwd=tmp_path) as first:
        for index in range(20):
            response = first.post(
                "/update",
                data=f"INSERT DATA {{ GRAPH <http://example.org/w> {{ "
                f"<http://example.org/s{index}> <http://example.org/p> {index} }} }}",
                headers={"Content-Type": "application/sparql-update", **auth},
            )
            assert response.status_code == 204
        put = first.post(
            "/data?graph=http://example.org/gsp",
            data="<http://example.org/a> <http://example.org/b> 1 .",
            headers={"Content-Type": "text/turtle", **auth},
        )
        assert put.status_code in (201, 204)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    with live_server(*args, cwd=tmp_path) as second:
        count = second.get(
            "/sparql",
            params={
                "query": "SELECT (COUNT(*) AS ?n) "
                "WHERE { GRAPH <http://example.org/w> { ?s ?p ?o } }"
            },
        )
        assert count.json()["results"]["bindings"][0]["n"]["value"] == "20"
        gsp = second.get("/data", params={"graph": "http://example.org/gsp"})
        assert gsp.status_code == 200
        assert "http://example.org/b" in gsp.text


def test_a_failed_multi_step_update_changes_nothing(server: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    assert (
        server.post(
            "/update", data="CREATE GRAPH <http://example.org/exists>", headers=auth
        ).status_code
        == 204
    )
    response = server.post(
        "/update",
        data="INSERT DATA { GRAPH <http://example.org/half> { <http://e/a> <http://e/b> 1 } } ; "
        "CREATE GRAPH <http://example.org/exists>",
        headers=auth,
    )
    assert response.status_code == 400
    assert "changed nothing" in response.text
    ask = server.get(
        "/sparql", params={"query": "ASK { GRAPH <http://example.org/half> { ?s ?p ?o } }"}
    )
    assert ask.json()["boolean"] is False
