"""The store: one small interface over the engine that holds the dataset.

``Store`` is what the rest of orchkg calls: query, update, load, export, and a
version that changes whenever the data does. ``OxigraphStore`` implements it on
pyoxigraph, in memory or on disk. Results are pyoxigraph's result objects, which
every backend can produce (a remote backend parses the endpoint's answer with
``pyoxigraph.parse_query_results``).
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Protocol, cast

import pyoxigraph as ox

from orchkg.errors import (
    ClientError,
    QuerySyntaxError,
    RdfSyntaxError,
    StoreError,
    UnknownFormatError,
)
from orchkg.formats import RdfFormat
from orchkg.guard import scan

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
ProgressCallback = Callable[[int, int], None]
"""Called during a load with (quads read so far, bytes read so far)."""

_LOADING_PREFIX = "urn:orchkg:loading:"
_PROGRESS_EVERY = 50_000


class Store(Protocol):
    """What orchkg needs from a dataset engine."""

    @property
    def version(self) -> str: ...

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult: ...

    def update(self, sparql: str) -> None: ...

    def load(
        self,
        source: IO[bytes],
        fmt: RdfFormat,
        *,
        source_name: str,
        graph: str | None = None,
        base_iri: str | None = None,
        replace: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> int: ...

    def export(self, output: IO[bytes], fmt: RdfFormat, *, graph: str | None = None) -> None: ...

    def graphs(self) -> list[str]: ...

    def triple_count(self, graph: str | None = None) -> int: ...

    def close(self) -> None: ...


class _CountingReader:
    """A binary reader that counts the bytes read through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.inner.read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readinto(self, buffer: bytearray | memoryview) -> int:
        count = self.inner.readinto(buffer)  # type: ignore[attr-defined]
        self.bytes_read += count or 0
        return int(count or 0)


def _syntax_error(error: SyntaxError, source_name: str) -> RdfSyntaxError:
    line = column = None
    if len(error.args) > 1 and isinstance(error.args[1], tuple) and len(error.args[1]) >= 3:
        line, column = error.args[1][1], error.args[1][2]
    return RdfSyntaxError(str(error.args[0]), source=source_name, line=line, column=column)


def _graph_term(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


class OxigraphStore:
    """The embedded store: pyoxigraph in memory, or on disk when given a path."""

    def __init__(self, path: str | Path | None = None, *, union_default_graph: bool = True) -> None:
        try:
            self._engine = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as error:
            raise StoreError(f"cannot open the store at {path}: {error}") from error
        self.path = Path(path) if path is not None else None
        self.union_default_graph = union_default_graph
        self._boot = uuid.uuid4().hex[:12]
        self._generation = 0
        self._lock = threading.Lock()
        self._drop_unfinished_loads()

    # -- reading -----------------------------------------------------------
    @property
    def version(self) -> str:
        """Changes whenever the data changes (and at every start, to be safe)."""
        return f"{self._boot}-{self._generation}"

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        kwargs: dict[str, object] = {}
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
        elif self.union_default_graph and not scan(sparql).declares_dataset:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        try:
            return self._engine.query(sparql, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QuerySyntaxError(f"SPARQL syntax error: {error}") from error
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from error

    def graphs(self) -> list[str]:
        return sorted(
            node.value
            for node in self._engine.named_graphs()
            if isinstance(node, ox.NamedNode) and not node.value.startswith(_LOADING_PREFIX)
        )

    def triple_count(self, graph: str | None = None) -> int:
        pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        solutions = self._engine.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            value = row["n"]
            assert isinstance(value, ox.Literal)
            return int(value.value)
        return 0

    def export(self, output: IO[bytes], fmt: RdfFormat, *, graph: str | None = None) -> None:
        if graph is None and not fmt.datasets:
            raise UnknownFormatError(
                f"{fmt.name} holds one graph: name the graph to export, or pick trig or nquads"
            )
        try:
            if graph is None:
                self._engine.dump(output, fmt.engine)
            else:
                self._engine.dump(output, fmt.engine, from_graph=_graph_term(graph))
        except (OSError, ValueError) as error:
            raise StoreError(f"export failed: {error}") from error

    # -- writing -----------------------------------------------------------
    def update(self, sparql: str) -> None:
        with self._lock:
            try:
                self._engine.update(sparql)
            except SyntaxError as error:
                raise QuerySyntaxError(f"SPARQL Update syntax error: {error}") from error
            except RuntimeError as error:  # the engine's word for "this update cannot apply"
                raise ClientError(f"the update failed and changed nothing: {error}") from error
            finally:
                self._generation += 1

    def load(
        self,
        source: IO[bytes],
        fmt: RdfFormat,
        *,
        source_name: str,
        graph: str | None = None,
        base_iri: str | None = None,
        replace: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> int:
        """Load RDF, whole or not at all; return the number of quads read.

        Triples go to ``graph`` (the default graph when None); quads of a dataset
        format keep their own graph. With ``replace`` each target graph is replaced,
        so loading the same file twice gives the same dataset (blank nodes included).
        """
        reader = _CountingReader(source)
        token = uuid.uuid4().hex
        staging: dict[ox.NamedNode | ox.DefaultGraph, ox.NamedNode] = {}

        def staged(target: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> ox.NamedNode:
            if isinstance(target, ox.BlankNode):
                raise RdfSyntaxError("blank-node graph names are not supported", source=source_name)
            if target not in staging:
                staging[target] = ox.NamedNode(f"{_LOADING_PREFIX}{token}:{len(staging)}")
            return staging[target]

        counter = itertools.count(1)
        count = 0

        def quads() -> Iterator[ox.Quad]:
            nonlocal count
            parser = ox.parse(
                cast(IO[bytes], reader), fmt.engine, base_iri=base_iri, rename_blank_nodes=True
            )
            for quad in parser:
                count = next(counter)
                target = quad.graph_name
                if isinstance(target, ox.DefaultGraph) and graph is not None:
                    target = ox.NamedNode(graph)
                yield ox.Quad(quad.subject, quad.predicate, quad.object, staged(target))
                if on_progress is not None and count % _PROGRESS_EVERY == 0:
                    on_progress(count, reader.bytes_read)

        with self._lock:
            try:
                self._engine.extend(quads())
                if not staging and graph is not None:
                    staging[ox.NamedNode(graph)] = staged(ox.NamedNode(graph))
                self._engine.update(self._publish(staging, replace))
            except SyntaxError as error:
                self._discard(staging)
                raise _syntax_error(error, source_name) from error
            except OSError as error:
                self._discard(staging)
                raise StoreError(f"{source_name}: load failed: {error}") from error
            finally:
                self._generation += 1
        if on_progress is not None:
            on_progress(count, reader.bytes_read)
        return count

    @staticmethod
    def _publish(staging: dict[ox.NamedNode | ox.DefaultGraph, ox.NamedNode], replace: bool) -> str:
        """One update (one transaction) that moves every staged graph to its target."""
        verb = "MOVE" if replace else "ADD"
        steps = []
        for target, temporary in staging.items():
            name = "DEFAULT" if isinstance(target, ox.DefaultGraph) else f"GRAPH <{target.value}>"
            steps.append(f"{verb} SILENT GRAPH <{temporary.value}> TO {name}")
            if not replace:
                steps.append(f"DROP SILENT GRAPH <{temporary.value}>")
        return " ;\n".join(steps) if steps else "CLEAR SILENT GRAPH <urn:orchkg:nothing>"

    def _discard(self, staging: dict[ox.NamedNode | ox.DefaultGraph, ox.NamedNode]) -> None:
        for temporary in staging.values():
            if self._engine.contains_named_graph(temporary):
                self._engine.remove_graph(temporary)

    def _drop_unfinished_loads(self) -> None:
        leftovers = [
            node
            for node in self._engine.named_graphs()
            if isinstance(node, ox.NamedNode) and node.value.startswith(_LOADING_PREFIX)
        ]
        for node in leftovers:
            self._engine.remove_graph(node)

    def backup(self, directory: str | Path) -> None:
        """A consistent copy of an on-disk store (a checkpoint) in ``directory``."""
        self._engine.backup(str(directory))

    def close(self) -> None:
        if self.path is not None:
            self._engine.flush()
