"""Promise 5: a write is atomic and, once answered 2xx, durable across ``kill -9``;
readers see only committed states.

Fault tests on the persistent (RocksDB) store: the server is killed with SIGKILL in the
middle of a stream of updates from two writers, and in the middle of a large /data
load; after a restart every acknowledged write is there, whole, and no write is there
in part. Readers running during writes see the old state or the new one, never a mix;
two writers at once leave the result of one order or the other.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hostile import AUTH, TOKEN, UPDATE, Probe, small_content
from support import live_server

PER_WRITE = 25
"""Triples in each write of the streams: all of them or none must survive."""


def store_args(content: Path, store: Path) -> tuple[str, ...]:
    return ("--content-dir", str(content), "--store", str(store), "serve", "--update-token", TOKEN)


def triples(graph: str, probe: Probe) -> int:
    return probe.count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def insert(index: int) -> bytes:
    graph = f"http://example.org/adversarial/stream/{index}"
    body = " ".join(f"<http://e/s{index}-{i}> <http://e/p> {i} ." for i in range(PER_WRITE))
    return f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}".encode()


def test_acknowledged_updates_survive_kill_9_mid_stream(tmp_path: Path) -> None:
    content = small_content(tmp_path / "content")
    args = store_args(content, tmp_path / "store")
    acknowledged: set[int] = set()
    sent: set[int] = set()
    with live_server(*args, cwd=tmp_path) as first:
        stop = threading.Event()

        def writer(start: int) -> None:
            session = requests.Session()
            index = start
            while not stop.is_set():
                sent.add(index)
                try:
                    response = session.post(
                        first.url + "/update", data=insert(index), headers=UPDATE, timeout=10
                    )
                except requests.RequestException:
                    return
                if response.status_code == 204:
                    acknowledged.add(index)
                index += 2

        writers = [threading.Thread(target=writer, args=(start,)) for start in (0, 1)]
        for thread in writers:
            thread.start()
        time.sleep(1.5)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        stop.set()
        for thread in writers:
            thread.join()
    assert len(acknowledged) > 10, "too few writes were made to test anything"
    with live_server(*args, cwd=tmp_path) as second:
        probe = Probe(second.url, server=second)
        rows = probe.sparql(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            'FILTER(STRSTARTS(STR(?g), "http://example.org/adversarial/stream/")) } GROUP BY ?g'
        ).json()["results"]["bindings"]
        found = {int(row["g"]["value"].rsplit("/", 1)[1]): int(row["n"]["value"]) for row in rows}
        assert acknowledged <= set(found), f"lost: {sorted(acknowledged - set(found))}"
        assert set(found) <= sent
        half = {index: count for index, count in found.items() if count != PER_WRITE}
        assert not half, f"half-written updates: {half}"
        assert (
            "urn:orchkg:loading"
            not in probe.sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").text
        )


def big_turtle(count: int, tag: str) -> bytes:
    return "".join(f'<http://e/{tag}/{i}> <http://e/p> "{i}" .\n' for i in range(count)).encode()


def test_a_load_killed_midway_leaves_the_old_graph_whole(tmp_path: Path) -> None:
    content = small_content(tmp_path / "content")
    args = store_args(content, tmp_path / "store")
    graph = "http://example.org/adversarial/big"
    env = {"ORCHKG_MAX_BODY_BYTES": "60000000"}
    old, new = big_turtle(1000, "old"), big_turtle(400_000, "new")
    with live_server(*args, env=env, cwd=tmp_path) as first:
        probe = Probe(first.url, server=first)
        assert (
            probe.put(
                "/data",
                params={"graph": graph},
                data=old,
                headers={**AUTH, "Content-Type": "application/n-triples"},
            ).status_code
            == 201
        )
        outcome: dict[str, object] = {}

        def load() -> None:
            try:
                outcome["status"] = requests.put(
                    first.url + "/data",
                    params={"graph": graph},
                    data=new,
                    headers={**AUTH, "Content-Type": "application/n-triples"},
                    timeout=60,
                ).status_code
            except requests.RequestException as error:
                outcome["error"] = error

        thread = threading.Thread(target=load)
        thread.start()
        time.sleep(1.2)  # the body is sent; the load is running
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        thread.join()
    assert "error" in outcome, "the load finished before the kill: nothing was tested"
    with live_server(*args, env=env, cwd=tmp_path) as second:
        probe = Probe(second.url, server=second)
        count = triples(graph, probe)
        assert count in (1000, 400_000), f"a load was half stored: {count} triples"
        assert (
            "urn:orchkg:loading"
            not in probe.sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").text
        )


@pytest.fixture(scope="module")
def on_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    root = tmp_path_factory.mktemp("durable")
    content = small_content(root / "content")
    with live_server(*store_args(content, root / "store"), cwd=root) as running:
        yield Probe(running.url, server=running)


def version_body(tag: str, count: int = 2000) -> bytes:
    return "".join(
        f'<http://e/{tag}/{i}> <http://e/{tag}> "{i}" .\n' for i in range(count)
    ).encode()


def test_readers_see_one_version_or_the_other(on_disk: Probe) -> None:
    graph = "http://example.org/adversarial/alternating"
    versions = {"a": version_body("a"), "b": version_body("b")}
    headers = {**AUTH, "Content-Type": "application/n-triples"}
    on_disk.put("/data", params={"graph": graph}, data=versions["a"], headers=headers)
    query = f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} GROUP BY ?p"
    seen: list[tuple[tuple[str, int], ...]] = []
    stop = threading.Event()
    problems: list[str] = []

    def reader() -> None:
        session = requests.Session()
        while not stop.is_set():
            response = session.get(on_disk.url + "/sparql", params={"query": query}, timeout=30)
            if response.status_code != 200:
                problems.append(f"{response.status_code}: {response.text[:200]}")
                continue
            rows = response.json()["results"]["bindings"]
            seen.append(tuple(sorted((r["p"]["value"], int(r["n"]["value"])) for r in rows)))

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    writes = 0
    try:
        for turn in range(24):
            tag = "ab"[turn % 2]
            response = requests.put(
                on_disk.url + "/data",
                params={"graph": graph},
                data=versions[tag],
                headers=headers,
                timeout=30,
            )
            assert response.status_code == 204, response.text
            writes += 1
            time.sleep(random.uniform(0, 0.05))  # noqa: S311 -- jitter, not a secret
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not problems, problems[:3]
    allowed = {(("http://e/a", 2000),), (("http://e/b", 2000),)}
    mixed = [state for state in seen if state not in allowed]
    assert not mixed, f"readers saw a mix: {mixed[:3]}"
    assert len(set(seen)) == 2, "the readers never saw both versions"
    assert writes == 24


def test_two_writers_at_once(on_disk: Probe) -> None:
    replaced = "http://example.org/adversarial/contended"
    merged = "http://example.org/adversarial/merged"
    headers = {**AUTH, "Content-Type": "application/n-triples"}
    statuses: list[int] = []

    def writer(tag: str) -> None:
        session = requests.Session()
        for turn in range(10):
            put = session.put(
                on_disk.url + "/data",
                params={"graph": replaced},
                data=version_body(tag, 500),
                headers=headers,
                timeout=30,
            )
            post = session.post(
                on_disk.url + "/data",
                params={"graph": merged},
                data=f'<http://e/{tag}> <http://e/turn> "{turn}" .\n'.encode(),
                headers=headers,
                timeout=30,
            )
            triple = f"<http://e/{tag}> <http://e/u> {turn}"
            update = session.post(
                on_disk.url + "/update",
                data=f"INSERT DATA {{ GRAPH <{merged}> {{ {triple} }} }}".encode(),
                headers=UPDATE,
                timeout=30,
            )
            statuses.extend([put.status_code, post.status_code, update.status_code])

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {201, 204}, statuses
    rows = on_disk.sparql(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{replaced}> {{ ?s ?p ?o }} }} GROUP BY ?p"
    ).json()["results"]["bindings"]
    assert len(rows) == 1, rows
    assert rows[0]["n"]["value"] == "500", rows
    assert triples(merged, on_disk) == 2 * 10 * 2


# -- moved from tests/test_robustness.py ------------------------------------------------


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    content = small_content(tmp_path / "content")
    args = store_args(content, tmp_path / "store")
    with live_server(*args, cwd=tmp_path) as first:
        probe = Probe(first.url, server=first)
        for index in range(20):
            response = probe.post(
                "/update",
                data=f"INSERT DATA {{ GRAPH <http://example.org/w> {{ "
                f"<http://example.org/s{index}> <http://example.org/p> {index} }} }}",
                headers=UPDATE,
            )
            assert response.status_code == 204
        put = probe.post(
            "/data?graph=http://example.org/gsp",
            data="<http://example.org/a> <http://example.org/b> 1 .",
            headers={"Content-Type": "text/turtle", **AUTH},
        )
        assert put.status_code in (201, 204)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    with live_server(*args, cwd=tmp_path) as second:
        probe = Probe(second.url, server=second)
        assert triples("http://example.org/w", probe) == 20
        gsp = probe.get("/data", params={"graph": "http://example.org/gsp"})
        assert gsp.status_code == 200
        assert "http://example.org/b" in gsp.text


def test_a_failed_multi_step_update_changes_nothing(on_disk: Probe) -> None:
    created = on_disk.post(
        "/update", data="CREATE GRAPH <http://example.org/exists>", headers=UPDATE
    )
    assert created.status_code in (204, 400)  # 400 when an earlier run made it
    response = on_disk.post(
        "/update",
        data="INSERT DATA { GRAPH <http://example.org/half> { <http://e/a> <http://e/b> 1 } } ; "
        "CREATE GRAPH <http://example.org/exists>",
        headers=UPDATE,
    )
    assert response.status_code == 400
    assert "changed nothing" in response.text
    ask = on_disk.sparql("ASK { GRAPH <http://example.org/half> { ?s ?p ?o } }")
    assert ask.json()["boolean"] is False
