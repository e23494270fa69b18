"""Connections and bodies: slow clients, many idle connections, bodies over the limit,
heads too large, and a stop while clients hold connections open (part of promise 2).
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hostile import AUTH, TOKEN, Probe, raw_exchange, small_content
from support import LiveServer, live_server

CHANNEL_TIMEOUT = 3
MAX_BODY = 100_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = small_content(tmp_path_factory.mktemp("connections") / "content", "<a:s> <a:p> 1 .\n")
    env = {
        "ORCHKG_CHANNEL_TIMEOUT": str(CHANNEL_TIMEOUT),
        "ORCHKG_MAX_BODY_BYTES": str(MAX_BODY),
    }
    with live_server(
        "--content-dir", str(root), "serve", "--update-token", TOKEN, env=env, cwd=root
    ) as running:
        yield running


@pytest.fixture
def probe(server: LiveServer) -> Probe:
    return Probe(server.url, server=server)


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def quick(probe: Probe) -> float:
    """Seconds a trivial query takes, asserting it is answered."""
    started = time.monotonic()
    assert probe.sparql("ASK { ?s ?p ?o }").json()["boolean"] is True
    return time.monotonic() - started


def test_slow_clients_do_not_block_others(server: LiveServer, probe: Probe) -> None:
    trickles = []
    for _ in range(12):
        sock = socket.create_connection(("127.0.0.1", port_of(server)))
        sock.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n")
        trickles.append(sock)
    try:
        for second in range(3):
            for sock in trickles:
                sock.sendall(b"X")
            assert quick(probe) < 1.0, f"blocked at second {second}"
            time.sleep(1.0)
    finally:
        for sock in trickles:
            sock.close()


def test_a_head_sent_a_byte_a_second_is_cut_off(server: LiveServer, probe: Probe) -> None:
    """Only idle connections time out in waitress; a head must also arrive in time."""
    sock = socket.create_connection(("127.0.0.1", port_of(server)))
    sock.settimeout(0.5)
    started = time.monotonic()
    closed_after = None
    try:
        sock.sendall(b"GET /sparql?query=ASK HTTP/1.1\r\n")
        while time.monotonic() - started < CHANNEL_TIMEOUT + 6:
            try:
                sock.sendall(b"X")
                if sock.recv(1024) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - started
                break
            time.sleep(0.5)
    finally:
        sock.close()
    assert closed_after is not None, "the trickling connection was held open"
    assert closed_after < CHANNEL_TIMEOUT + 3
    assert quick(probe) < 1.0


def test_a_body_sent_a_byte_a_second_blocks_nobody(server: LiveServer, probe: Probe) -> None:
    sock = socket.create_connection(("127.0.0.1", port_of(server)))
    try:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK"
        )
        for _ in range(3):
            sock.sendall(b" ")
            assert quick(probe) < 1.0
            time.sleep(1.0)
    finally:
        sock.close()


def test_many_idle_connections_then_a_normal_request(server: LiveServer, probe: Probe) -> None:
    idle = [socket.create_connection(("127.0.0.1", port_of(server))) for _ in range(150)]
    try:
        time.sleep(0.3)
        assert quick(probe) < 1.0
        assert Probe(server.url).get("/healthz").status_code == 200
    finally:
        for sock in idle:
            sock.close()


def test_idle_connections_are_closed_after_the_timeout(server: LiveServer) -> None:
    sock = socket.create_connection(("127.0.0.1", port_of(server)))
    sock.settimeout(CHANNEL_TIMEOUT + 5)
    started = time.monotonic()
    try:
        assert sock.recv(1) == b""
    finally:
        sock.close()
    assert time.monotonic() - started < CHANNEL_TIMEOUT + 3


@pytest.mark.parametrize(
    "head",
    [
        "Content-Length: 50000000\r\nContent-Type: text/turtle",
        "Content-Length: 100001\r\nContent-Type: text/turtle",
    ],
    ids=["declared-50mb", "one-byte-over"],
)
def test_a_body_over_the_limit_is_refused_before_it_is_read(server: LiveServer, head: str) -> None:
    started = time.monotonic()
    answer = raw_exchange(
        port_of(server),
        f"PUT /data?graph=http://example.org/big HTTP/1.1\r\nHost: x\r\n{head}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert answer.status == 413
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("path", ["/sparql", "/data?graph=http://example.org/chunked", "/update"])
def test_a_chunked_body_over_the_limit_is_refused(server: LiveServer, path: str) -> None:
    chunk = b"#" * 30_000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    method = "PUT" if path.startswith("/data") else "POST"
    answer = raw_exchange(
        port_of(server),
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: application/sparql-query\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Connection: close\r\n\r\n".encode()
        + body,
    )
    assert answer.status == 413


def test_a_body_just_under_the_limit_is_taken(probe: Probe) -> None:
    text = b"<http://example.org/s> <http://example.org/p> 1 .\n"
    body = text + b"#" * (MAX_BODY - len(text) - 1) + b"\n"
    response = probe.put(
        "/data",
        params={"graph": "http://example.org/adversarial/under"},
        data=body,
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert response.status_code in (201, 204)


@pytest.mark.parametrize(
    "head",
    [
        "X-Filler: " + "a" * 300_000,
        "".join(f"X-Header-{i}: {'b' * 100}\r\n" for i in range(3000)).rstrip("\r\n"),
    ],
    ids=["one-huge-header", "many-headers"],
)
def test_a_head_too_large_is_refused(server: LiveServer, head: str) -> None:
    answer = raw_exchange(
        port_of(server),
        f"GET /healthz HTTP/1.1\r\nHost: x\r\n{head}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert answer.status in (400, 431)


def test_a_stop_does_not_wait_for_idle_connections(tmp_path: Path) -> None:
    root = small_content(tmp_path / "content")
    with live_server("--content-dir", str(root), "serve", cwd=root) as running:
        session = requests.Session()
        assert session.get(running.url + "/healthz", timeout=10).status_code == 200
        idle = socket.create_connection(("127.0.0.1", port_of(running)))
        busy: dict[str, int] = {}

        def slow_query() -> None:
            slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
            busy["status"] = session.get(
                running.url + "/sparql", params={"query": slow + "#"}, timeout=30
            ).status_code

        thread = threading.Thread(target=slow_query)
        thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=15) == 0
        thread.join(timeout=10)
        idle.close()
        assert time.monotonic() - started < 8
        assert busy.get("status") in (200, 503)  # the request in flight was answered
