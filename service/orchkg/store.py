"""The store: one small interface over the engine that holds the dataset.

``Store`` is what the rest of orchkg calls: query, update, load, export, and a
version that changes whenever the data does. ``OxigraphStore`` implements it on
pyoxigraph, in memory or on disk. Results are pyoxigraph's result objects, which
every backend can produce (a remote backend parses the endpoint's answer with
``pyoxigraph.parse_query_results``).
"""

from __future__ import annotations

import dataclasses
import io
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Protocol, cast

import pyoxigraph as ox

from orchkg.errors import (
    ClientError,
    QuerySyntaxError,
    RdfSyntaxError,
    StoreError,
    UnknownFormatError,
    UpstreamError,
)
from orchkg.formats import RdfFormat
from orchkg.guard import scan, syntax_message
from orchkg.screening import SCREENED_FORMATS, BodyLimits, screen

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
ProgressCallback = Callable[[int, int], None]
"""Called during a load with (quads read so far, bytes read so far)."""

_LOADING_PREFIX = "urn:orchkg:loading:"
_PROGRESS_EVERY = 50_000


@dataclasses.dataclass(frozen=True)
class Part:
    """One RDF source of a load: the bytes, their format, and a name for error messages."""

    source: IO[bytes]
    fmt: RdfFormat
    name: str


@dataclasses.dataclass(frozen=True)
class LoadOutcome:
    """What a load did: quads read, and the named graphs that did not exist before it."""

    quads: int
    created: frozenset[str]


class Store(Protocol):
    """What orchkg needs from a dataset engine: ``OxigraphStore`` (embedded) or
    ``orchkg.remote.RemoteStore`` (any SPARQL 1.1 store)."""

    union_default_graph: bool
    base_iri: str | None
    prefixes: dict[str, str]

    @property
    def version(self) -> str: ...

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> QueryResult: ...

    def update(self, sparql: str, *, base_iri: str | None = None) -> None: ...

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

    def load_parts(
        self,
        parts: Sequence[Part],
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        replace: bool = True,
        single_graph: bool = False,
        on_progress: ProgressCallback | None = None,
        limits: BodyLimits | None = None,
    ) -> LoadOutcome: ...

    def export(self, output: IO[bytes], fmt: RdfFormat, *, graph: str | None = None) -> None: ...

    def export_graph(
        self,
        output: IO[bytes],
        fmt: RdfFormat,
        graph: str | None,
        *,
        prefixes: dict[str, str] | None = None,
    ) -> None: ...

    def graphs(self) -> list[str]: ...

    def has_graph(self, graph: str) -> bool: ...

    def drop_graph(self, graph: str | None) -> bool: ...

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


def check_graph_iri(iri: str) -> str:
    """The IRI if it may name a graph here (absolute, valid, not the store's own); else
    a ClientError.

    >>> check_graph_iri("https://w3id.org/orchkg/graph/x")
    'https://w3id.org/orchkg/graph/x'
    """
    if iri.startswith(_LOADING_PREFIX):
        raise ClientError(
            f"graph IRIs under {_LOADING_PREFIX} are reserved for the store's own use"
        )
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise ClientError(f"not an absolute IRI: {iri!r} ({error})") from error
    return iri


def _screened(part: Part, limits: BodyLimits) -> Part:
    """The part, read into memory and checked, when its format needs a look first."""
    if part.fmt.name not in SCREENED_FORMATS:
        return part
    data = part.source.read()
    screen(data, part.fmt.name, part.name, limits)
    return Part(io.BytesIO(data), part.fmt, part.name)


def _graph_term(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(check_graph_iri(graph))


class _NamedGraphInBodyError(Exception):
    """Raised inside a single-graph load that meets a quad in a named graph."""


class _Load:
    """The state of one load: which staging graph stands for which target, and counts."""

    def __init__(
        self,
        parts: Sequence[Part],
        target: ox.NamedNode | ox.DefaultGraph,
        base_iri: str | None,
        single_graph: bool,
        on_progress: ProgressCallback | None,
        in_place: Callable[[ox.NamedNode | ox.DefaultGraph], bool | None],
    ) -> None:
        self.in_place = in_place
        self.parts = parts
        self.target = target
        self.base_iri = base_iri
        self.single_graph = single_graph
        self.on_progress = on_progress
        self.token = uuid.uuid4().hex
        self.staging: dict[ox.NamedNode | ox.DefaultGraph, ox.NamedNode] = {}
        # targets written in place, with whether the graph existed before the load
        self.direct: dict[ox.NamedNode | ox.DefaultGraph, bool] = {}
        self.readers: list[_CountingReader] = []
        self.count = 0
        self.current = parts[0].name if parts else "input"

    def bytes_read(self) -> int:
        return sum(reader.bytes_read for reader in self.readers)

    def staged(
        self, target: ox.NamedNode | ox.BlankNode | ox.DefaultGraph
    ) -> ox.NamedNode | ox.DefaultGraph:
        """Where the quads bound for ``target`` are written while the load runs.

        In place when that cannot be seen half done (the load is one transaction, so
        appending, or filling an empty graph, shows all or nothing); otherwise in a
        staging graph that replaces the target at the end, in one update.
        """
        if isinstance(target, ox.BlankNode):
            raise RdfSyntaxError("blank-node graph names are not supported", source=self.current)
        if target in self.direct:
            return target
        if target not in self.staging:
            if isinstance(target, ox.NamedNode):
                check_graph_iri(target.value)
            existed = self.in_place(target)
            if existed is not None:
                self.direct[target] = existed
                return target
            temporary = f"{_LOADING_PREFIX}{self.token}:{len(self.staging)}"
            self.staging[target] = ox.NamedNode(temporary)
        return self.staging[target]

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of every part, re-addressed to its staging graph."""
        explicit = isinstance(self.target, ox.NamedNode)
        for part in self.parts:
            self.current = part.name
            reader = _CountingReader(part.source)
            self.readers.append(reader)
            parser = ox.parse(
                cast(IO[bytes], reader),
                part.fmt.engine,
                base_iri=self.base_iri,
                rename_blank_nodes=True,
            )
            for quad in parser:
                self.count += 1
                target = quad.graph_name
                if not isinstance(target, ox.DefaultGraph):
                    if self.single_graph:
                        raise _NamedGraphInBodyError(f"{part.name}: holds the named graph {target}")
                elif explicit:
                    target = self.target
                yield ox.Quad(quad.subject, quad.predicate, quad.object, self.staged(target))
                if self.on_progress is not None and self.count % _PROGRESS_EVERY == 0:
                    self.on_progress(self.count, self.bytes_read())


class OxigraphStore:
    """The embedded store: pyoxigraph in memory, or on disk when given a path.

    Writes, exports and backups take one lock, so no reader sees a load half done
    (its staging graphs), and the version changes with every write.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        union_default_graph: bool = True,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """``base_iri`` and ``prefixes`` are what queries and updates get unless they say
        otherwise: the service-defined BASE and the predeclared prefixes."""
        try:
            self._engine = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as error:
            raise StoreError(f"cannot open the store at {path}: {error}") from error
        self.path = Path(path) if path is not None else None
        self.union_default_graph = union_default_graph
        self.base_iri = base_iri
        self.prefixes = dict(prefixes or {})
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
        base_iri: str | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> QueryResult:
        """Run a read query; relative IRIs in it resolve against ``base_iri``.

        ``substitutions`` bind variables to terms before evaluation (pyoxigraph's SEP-0007
        substitution: the variable must be one the query returns).
        """
        kwargs: dict[str, object] = {
            "base_iri": base_iri or self.base_iri,
            "prefixes": self.prefixes,
        }
        if substitutions:
            kwargs["substitutions"] = {
                ox.Variable(name): term for name, term in substitutions.items()
            }
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
        elif self.union_default_graph and not scan(sparql).declares_dataset:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        try:
            return self._engine.query(sparql, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QuerySyntaxError(syntax_message(sparql, str(error), self.prefixes)) from error
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from error

    def graphs(self) -> list[str]:
        return sorted(
            node.value
            for node in self._engine.named_graphs()
            if isinstance(node, ox.NamedNode) and not node.value.startswith(_LOADING_PREFIX)
        )

    def has_graph(self, graph: str) -> bool:
        """Whether the named graph exists (it may be empty)."""
        return bool(self._engine.contains_named_graph(ox.NamedNode(check_graph_iri(graph))))

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
        """The whole dataset (in a dataset format), or one named graph (in any format)."""
        if graph is not None:
            self.export_graph(output, fmt, graph)
            return
        if not fmt.datasets:
            raise UnknownFormatError(
                f"{fmt.name} holds one graph: name the graph to export, or pick trig or nquads"
            )
        with self._lock:
            try:
                self._engine.dump(output, fmt.engine)
            except (OSError, ValueError) as error:
                raise StoreError(f"export failed: {error}") from error

    def export_graph(
        self,
        output: IO[bytes],
        fmt: RdfFormat,
        graph: str | None,
        *,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """One graph's triples: the named graph ``graph``, or the default graph when None.

        An error the output raises (a size limit, say) comes out unchanged.
        """
        term = _graph_term(graph)
        with self._lock:
            try:
                self._engine.dump(output, fmt.engine, from_graph=term, prefixes=prefixes)
            except (OSError, ValueError) as error:
                raise StoreError(f"export failed: {error}") from error

    # -- writing -----------------------------------------------------------
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run SPARQL Update, whole or not at all; relative IRIs resolve against ``base_iri``."""
        with self._lock:
            try:
                self._engine.update(
                    sparql, base_iri=base_iri or self.base_iri, prefixes=self.prefixes
                )
            except SyntaxError as error:
                raise QuerySyntaxError(f"SPARQL Update syntax error: {error}") from error
            except RuntimeError as error:  # the engine's word for "this update cannot apply"
                raise ClientError(f"the update failed and changed nothing: {error}") from error
            except OSError as error:  # a failed fetch (LOAD, SERVICE), or a failed disk
                found = scan(sparql)
                if found.loads or found.services:
                    raise UpstreamError(
                        f"a LOAD or SERVICE source failed; the update changed nothing: {error}"
                    ) from error
                raise StoreError(f"the update failed: {error}") from error
            finally:
                self._generation += 1

    def drop_graph(self, graph: str | None) -> bool:
        """Remove a named graph (False if there was none), or empty the default graph (None)."""
        term = _graph_term(graph)
        with self._lock:
            if isinstance(term, ox.NamedNode) and not self._engine.contains_named_graph(term):
                return False
            try:
                if isinstance(term, ox.NamedNode):
                    self._engine.remove_graph(term)
                else:
                    self._engine.clear_graph(term)
            except OSError as error:
                raise StoreError(f"could not drop the graph: {error}") from error
            finally:
                self._generation += 1
        return True

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
        outcome = self.load_parts(
            [Part(source, fmt, source_name)],
            graph=graph,
            base_iri=base_iri,
            replace=replace,
            on_progress=on_progress,
        )
        return outcome.quads

    def load_parts(
        self,
        parts: Sequence[Part],
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        replace: bool = True,
        single_graph: bool = False,
        on_progress: ProgressCallback | None = None,
        limits: BodyLimits | None = None,
    ) -> LoadOutcome:
        """Load several sources in one transaction: all of them, or none.

        As ``load``. With ``single_graph`` every triple goes to ``graph``, and a source
        holding named graphs of its own is refused (nothing is stored). A graph the
        sources address is replaced (or appended to) even when they are empty, and a
        named one exists afterwards. Sources from a request come with ``limits``: they
        are screened before parsing (``orchkg.screening``), and refused whole past them.
        """
        if limits is not None:
            parts = [_screened(part, limits) for part in parts]

        def in_place(target: ox.NamedNode | ox.DefaultGraph) -> bool | None:
            """None to stage; else write in place, returning whether the graph exists now."""
            exists = isinstance(target, ox.DefaultGraph) or self._engine.contains_named_graph(
                target
            )
            if not replace or not exists or not self._has_data(target):
                return exists
            return None

        run = _Load(parts, _graph_term(graph), base_iri, single_graph, on_progress, in_place)
        addressed = single_graph or not any(part.fmt.datasets for part in parts)
        with self._lock:
            try:
                created = self._load_locked(run, addressed=addressed, replace=replace)
            except BaseException:
                self._discard(run.staging)
                raise
            finally:
                self._generation += 1
        if on_progress is not None:
            on_progress(run.count, run.bytes_read())
        return LoadOutcome(run.count, created)

    def _load_locked(self, run: _Load, *, addressed: bool, replace: bool) -> frozenset[str]:
        """Stage, then publish in one update; return the named graphs this creates."""
        try:
            self._engine.extend(run.quads())
            if addressed or (not run.staging and isinstance(run.target, ox.NamedNode)):
                run.staged(run.target)
            created = frozenset(
                target.value
                for target in run.staging
                if isinstance(target, ox.NamedNode)
                and not self._engine.contains_named_graph(target)
            ) | frozenset(
                target.value
                for target, existed in run.direct.items()
                if isinstance(target, ox.NamedNode) and not existed
            )
            for target in run.direct:
                if isinstance(target, ox.NamedNode):
                    self._engine.add_graph(target)  # exists afterwards, even if nothing came
            if run.staging:
                self._engine.update(self._publish(run.staging, replace))
        except SyntaxError as error:
            raise _syntax_error(error, run.current) from error
        except _NamedGraphInBodyError as error:
            raise ClientError(
                f"{error}; a single graph is written here, so send triples only"
            ) from None
        except OSError as error:
            raise StoreError(f"{run.current}: load failed: {error}") from error
        return created

    @staticmethod
    def _publish(staging: dict[ox.NamedNode | ox.DefaultGraph, ox.NamedNode], replace: bool) -> str:
        """One update (one transaction) that moves every staged graph to its target.

        A named target is created if the load brought nothing for it, so a graph
        written empty exists afterwards.
        """
        verb = "MOVE" if replace else "ADD"
        steps = []
        for target, temporary in staging.items():
            name = "DEFAULT" if isinstance(target, ox.DefaultGraph) else f"GRAPH <{target.value}>"
            steps.append(f"{verb} SILENT GRAPH <{temporary.value}> TO {name}")
            if not replace:
                steps.append(f"DROP SILENT GRAPH <{temporary.value}>")
            if isinstance(target, ox.NamedNode):
                steps.append(f"CREATE SILENT GRAPH <{target.value}>")
        return " ;\n".join(steps)

    def _has_data(self, target: ox.NamedNode | ox.DefaultGraph) -> bool:
        return (
            next(iter(self._engine.quads_for_pattern(None, None, None, target)), None) is not None
        )

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
        with self._lock:
            self._engine.backup(str(directory))

    def close(self) -> None:
        if self.path is not None:
            self._engine.flush()
