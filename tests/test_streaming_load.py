"""Streaming loads: written in batches, yet whole or not at all, and never seen half done.

The stores here write 100 quads per transaction, so a file of a few thousand triples
crosses many batches; the on-disk tests kill ``orchkg load`` with SIGKILL mid-file.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pyoxigraph as ox
import pytest

from orchkg.errors import RdfSyntaxError
from orchkg.formats import rdf_format
from orchkg.store import OxigraphStore, Part

REPO = Path(__file__).resolve().parents[1]
G = "http://example.org/big"
OTHER = "http://example.org/other"
BATCH = 100


def triples(count: int, tag: str = "new") -> bytes:
    """``count`` N-Triples lines; every tenth has a blank-node object with a label."""
    lines = []
    for i in range(count):
        if i % 10 == 0:
            lines.append(f'<http://e/{tag}/{i}> <http://e/p> _:b{i} .\n_:b{i} <http://e/l> "{i}" .')
        else:
            lines.append(f'<http://e/{tag}/{i}> <http://e/p> "{tag} {i}" .')
    return ("\n".join(lines) + "\n").encode()


def store(path: Path | None = None) -> OxigraphStore:
    return OxigraphStore(path, batch_quads=BATCH)


def load(target: OxigraphStore, data: bytes, *, graph: str | None = G, replace: bool = True) -> int:
    return target.load(
        io.BytesIO(data),
        rdf_format("ntriples"),
        source_name="big.nt",
        graph=graph,
        replace=replace,
    )


def engine_graphs(target: OxigraphStore) -> set[str]:
    """Every named graph of the engine, the store's own staging and journal graphs included."""
    engine = target._engine
    return {node.value for node in engine.named_graphs() if isinstance(node, ox.NamedNode)}


def dump(target: OxigraphStore) -> bytes:
    """The dataset as sorted N-Quads, blank node labels blanked out (each start of
    ``orchkg`` relabels those of the query catalogue's graph)."""
    out = io.BytesIO()
    target.export(out, rdf_format("nquads"))
    lines = re.sub(rb"_:[A-Za-z0-9]+", b"_:b", out.getvalue()).splitlines(keepends=True)
    return b"".join(sorted(lines))


def test_a_load_crossing_many_batches_stores_exactly_its_input() -> None:
    data = triples(3000)
    target = store()
    assert load(target, data) == 3300
    assert target.triple_count(G) == 3300
    assert target.graphs() == [G]
    assert engine_graphs(target) == {G}
    result = target.query(
        f'ASK {{ GRAPH <{G}> {{ <http://e/new/2999> <http://e/p> "new 2999" }} }}'
    )
    assert isinstance(result, ox.QueryBoolean)
    assert bool(result)
    result = target.query(
        f"SELECT ?b WHERE {{ GRAPH <{G}> {{ "
        '<http://e/new/1230> <http://e/p> ?b . ?b <http://e/l> "1230" } }'
    )
    assert isinstance(result, ox.QuerySolutions)
    assert len(list(result)) == 1
    # the same file parsed in one go by the engine itself gives the same graph
    reference = ox.Store()
    reference.load(data, ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(G))
    ours, theirs = io.BytesIO(), io.BytesIO()
    target.export_graph(ours, rdf_format("ntriples"), G)
    reference.dump(theirs, ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(G))
    assert ox_isomorphic(ours.getvalue(), theirs.getvalue())


def ox_isomorphic(first: bytes, second: bytes) -> bool:
    import rdflib  # noqa: PLC0415
    from rdflib.compare import isomorphic  # noqa: PLC0415

    return isomorphic(
        rdflib.Graph().parse(data=first, format="nt"),
        rdflib.Graph().parse(data=second, format="nt"),
    )


@pytest.mark.parametrize("replace", [True, False], ids=["replace", "append"])
def test_replacing_or_appending_to_a_full_graph_across_batches(replace: bool) -> None:
    target = store()
    load(target, triples(500, "old"))
    assert load(target, triples(2000, "new"), replace=replace) == 2200
    expected = 2200 + (0 if replace else 550)
    assert target.triple_count(G) == expected
    assert engine_graphs(target) == {G}
    result = target.query(f"ASK {{ GRAPH <{G}> {{ <http://e/old/499> ?p ?o }} }}")
    assert isinstance(result, ox.QueryBoolean)
    assert bool(result) is not replace


BROKEN = triples(2000) + b'<http://e/last> <http://e/p> "no end .\n'


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
@pytest.mark.parametrize("graph", [G, OTHER, None], ids=["full-graph", "new-graph", "default"])
def test_a_syntax_error_past_many_batches_changes_nothing(
    tmp_path: Path, on_disk: bool, graph: str | None
) -> None:
    target = store(tmp_path / "store" if on_disk else None)
    load(target, triples(300, "old"))
    before = dump(target)
    with pytest.raises(RdfSyntaxError) as caught:
        load(target, BROKEN, graph=graph)
    assert caught.value.line == 2201
    assert dump(target) == before
    assert engine_graphs(target) == {G}
    assert not target.has_graph(OTHER)


def test_a_failed_append_to_an_empty_existing_graph_keeps_it_empty() -> None:
    target = store()
    target.update(f"CREATE GRAPH <{OTHER}>")
    with pytest.raises(RdfSyntaxError):
        load(target, BROKEN, graph=OTHER, replace=False)
    assert target.has_graph(OTHER)
    assert target.triple_count(OTHER) == 0
    assert engine_graphs(target) == {OTHER}


class _Spy:
    """A source that, once ``after`` bytes have been read, runs ``look`` (mid-load)."""

    def __init__(self, data: bytes, after: int, look: Callable[[], None]) -> None:
        self.inner, self.after, self.look, self.done = io.BytesIO(data), after, look, False

    def read(self, size: int = -1) -> bytes:
        if not self.done and self.inner.tell() >= self.after:
            self.done = True
            self.look()
        return self.inner.read(min(size, 4096) if size > 0 else 4096)


def test_queries_made_during_a_load_see_the_old_state() -> None:
    target = store()
    load(target, triples(300, "old"))
    seen: dict[str, object] = {}

    def look() -> None:
        count = target.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(count, ox.QuerySolutions)
        seen["union"] = int(next(iter(count))["n"].value)  # type: ignore[union-attr]
        named = target.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(named, ox.QuerySolutions)
        seen["named"] = sorted(str(row["g"].value) for row in named)  # type: ignore[union-attr]
        seen["graphs"] = target.graphs()
        seen["has_other"] = target.has_graph(OTHER)

    data = triples(2000, "new")
    spy = _Spy(data, len(data) // 2, look)
    target.load_parts([Part(spy, rdf_format("ntriples"), "spy")], graph=G)  # type: ignore[arg-type]
    assert seen["union"] == 330
    assert seen["named"] == [G]
    spy = _Spy(triples(2000, "new2"), 40_000, look)
    target.load_parts([Part(spy, rdf_format("ntriples"), "spy")], graph=OTHER)  # type: ignore[arg-type]
    assert seen["union"] == 2200
    assert seen["named"] == [G]
    assert seen["graphs"] == [G]
    assert seen["has_other"] is False
    assert target.triple_count(OTHER) == 2200


def _journal_quad(subject: str, verb: str, obj: str, journal: str) -> ox.Quad:
    return ox.Quad(
        ox.NamedNode(subject),
        ox.NamedNode(f"urn:orchkg:loading:{verb}"),
        ox.NamedNode(obj),
        ox.NamedNode(journal),
    )


def test_a_restart_finishes_a_committed_load_and_undoes_an_unfinished_one(tmp_path: Path) -> None:
    """The states a SIGKILL can leave, made by hand: the store opens with each load whole
    (committed: published) or absent (not committed: undone), and no graph of its own."""
    path = tmp_path / "store"
    first = store(path)
    load(first, triples(300, "old"))
    engine = first._engine
    staging = "urn:orchkg:loading:aa:0"
    journal = "urn:orchkg:loading:aa:journal"
    engine.extend(
        ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(staging))
        for q in ox.parse(triples(1000, "new"), ox.RdfFormat.N_TRIPLES)
    )
    engine.extend([_journal_quad(staging, "replaces", G, journal)])
    # an unfinished load that had begun to fill a new graph in place
    engine.extend(
        ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(OTHER))
        for q in ox.parse(triples(400, "half"), ox.RdfFormat.N_TRIPLES)
    )
    engine.extend(
        [
            _journal_quad(
                "urn:orchkg:loading:bb:journal", "fills", OTHER, "urn:orchkg:loading:bb:journal"
            )
        ]
    )
    engine.extend(
        [
            ox.Quad(
                ox.NamedNode("http://e/x"),
                ox.NamedNode("http://e/p"),
                ox.Literal("1"),
                ox.NamedNode("urn:orchkg:loading:bb:0"),
            )
        ]
    )
    first.close()
    del first, engine
    again = store(path)
    assert engine_graphs(again) == {G}
    assert again.triple_count(G) == 1100
    result = again.query(f"ASK {{ GRAPH <{G}> {{ <http://e/old/1> ?p ?o }} }}")
    assert isinstance(result, ox.QueryBoolean)
    assert not bool(result)


def _orchkg(*args: str, stderr: int | IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORCHKG_")}
    return subprocess.Popen(
        [sys.executable, "-m", "orchkg", "--content-dir", str(REPO), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )


@pytest.mark.parametrize("existing", [False, True], ids=["new-graph", "full-graph"])
def test_orchkg_load_killed_midway_leaves_the_old_data_whole(
    tmp_path: Path, existing: bool
) -> None:
    path = tmp_path / "store"
    graph = "https://w3id.org/orchkg/graph/big"
    old = tmp_path / "old.nt"
    old.write_bytes(triples(200, "old"))
    big = tmp_path / "big.nt"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "generate.py"),
            "--triples",
            "400000",
            "-o",
            str(big),
        ],
        check=True,
        capture_output=True,
    )
    first = ("load", "-q", "--graph", graph, str(old)) if existing else ("stats",)
    done = _orchkg("--store", str(path), *first)
    done.communicate(timeout=120)
    assert done.returncode == 0  # the store holds the content (and the old graph)
    seed = OxigraphStore(path)
    before = dump(seed)
    seed.close()
    del seed
    running = _orchkg(
        "--store", str(path), "load", "--graph", graph, str(big), stderr=subprocess.PIPE
    )
    assert running.stderr is not None
    line = running.stderr.readline()  # the first progress line: 50,000 quads are in
    assert b"quads" in line, line
    running.send_signal(signal.SIGKILL)
    running.communicate(timeout=30)
    assert running.returncode == -signal.SIGKILL
    again = OxigraphStore(path)
    assert dump(again) == before
    assert not any(name.startswith("urn:orchkg:loading:") for name in engine_graphs(again))
    assert again.has_graph(graph) is existing
