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
import itertools
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
LOAD_BATCH_QUADS = 50_000
"""Quads a load writes per batch (and, on disk, deletes per transaction when it publishes)."""

# The journal of a load: a graph <urn:orchkg:loading:TOKEN:journal> saying what to undo
# (before the load commits) or to finish (after), should the process die in between.
_FILLS = ox.NamedNode(_LOADING_PREFIX + "fills")
"""journal fills T: T (new or empty before) is written in place; undo empties it."""
_KEEPS = ox.NamedNode(_LOADING_PREFIX + "keeps")
"""journal keeps T: T existed (empty) before the load, so undoing keeps the empty graph."""
_REPLACES = ox.NamedNode(_LOADING_PREFIX + "replaces")
"""S replaces T: committed; empty T, then move S into it."""
_ADDS_TO = ox.NamedNode(_LOADING_PREFIX + "addsTo")
"""S addsTo T: committed; move S into T."""
_DEFAULT_GRAPH = ox.NamedNode(_LOADING_PREFIX + "default-graph")
"""Stands for the default graph in a journal."""


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
        in_place: Callable[[ox.NamedNode | ox.DefaultGraph, ox.NamedNode], bool | None],
    ) -> None:
        self.in_place = in_place
        self.parts = parts
        self.target = target
        self.base_iri = base_iri
        self.single_graph = single_graph
        self.on_progress = on_progress
        self.token = uuid.uuid4().hex
        self.journal = ox.NamedNode(f"{_LOADING_PREFIX}{self.token}:journal")
        self.committed = False
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

        In place when the target is new or empty (the store hides it from readers, and
        the load's journal says to empty it again should the load fail or the process
        die); otherwise in a staging graph, moved into the target once the load commits.
        """
        if isinstance(target, ox.BlankNode):
            raise RdfSyntaxError("blank-node graph names are not supported", source=self.current)
        if target in self.direct:
            return target
        if target not in self.staging:
            if isinstance(target, ox.NamedNode):
                check_graph_iri(target.value)
            existed = self.in_place(target, self.journal)
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


def _journal_term(target: ox.NamedNode | ox.DefaultGraph) -> ox.NamedNode:
    return _DEFAULT_GRAPH if isinstance(target, ox.DefaultGraph) else target


def _stored_term(term: ox.NamedNode) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if term == _DEFAULT_GRAPH else term


def _graph_pattern(graph: ox.NamedNode | ox.DefaultGraph, triples: str) -> str:
    """``{ GRAPH <g> { triples } }``, or ``{ triples }`` for the default graph (in an update,
    the store's own default graph)."""
    if isinstance(graph, ox.DefaultGraph):
        return f"{{ {triples} }}"
    return f"{{ GRAPH <{graph.value}> {{ {triples} }} }}"


class OxigraphStore:
    """The embedded store: pyoxigraph in memory, or on disk when given a path.

    Writes, exports and backups take one lock, and queries made here do not see a
    load until it is published (``query``), so no reader sees a load half done; the
    version changes with every write.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        union_default_graph: bool = True,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        batch_quads: int = LOAD_BATCH_QUADS,
    ) -> None:
        """``base_iri`` and ``prefixes`` are what queries and updates get unless they say
        otherwise: the service-defined BASE and the predeclared prefixes. A load writes
        ``batch_quads`` quads per batch."""
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
        self.batch_quads = batch_quads
        self._lock = threading.Lock()
        # while a load runs, queries here do not see the graphs it fills in place (nor its
        # staging graphs), and wait while it publishes
        self._loading = False
        self._hidden: frozenset[ox.NamedNode | ox.DefaultGraph] = frozenset()
        self._publishing = threading.Condition()
        self._publishing_now = False
        self._recover()

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
        if not self._loading:
            return self._query(sparql, kwargs)
        with self._publishing:  # a load's publication holds it throughout
            self._publishing.wait_for(lambda: not self._publishing_now)
            self._hide_loading(kwargs)
            return self._query(sparql, kwargs)

    def _query(self, sparql: str, kwargs: dict[str, object]) -> QueryResult:
        try:
            return self._engine.query(sparql, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QuerySyntaxError(syntax_message(sparql, str(error), self.prefixes)) from error
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from error

    def _hide_loading(self, kwargs: dict[str, object]) -> None:
        """Narrow a query's dataset to the graphs no running load is writing.

        The graphs a load fills in place and its staging graphs are left out: the union
        default graph and the named graphs become explicit lists of the others. (A query
        naming its own dataset with FROM or FROM NAMED gets what it names.)
        """
        hidden = self._hidden
        visible: list[ox.NamedNode | ox.DefaultGraph] = [
            node
            for node in self._engine.named_graphs()
            if isinstance(node, ox.NamedNode)
            and not node.value.startswith(_LOADING_PREFIX)
            and node not in hidden
        ]
        if ox.DefaultGraph() not in hidden:
            visible.append(ox.DefaultGraph())
        if kwargs.pop("use_default_graph_as_union", False):
            kwargs["default_graph"] = visible
        elif "default_graph" in kwargs:
            asked = cast(list[ox.NamedNode | ox.DefaultGraph], kwargs["default_graph"])
            kwargs["default_graph"] = [node for node in asked if node not in hidden]
        elif ox.DefaultGraph() in hidden:
            kwargs["default_graph"] = []
        named = [node for node in visible if isinstance(node, ox.NamedNode)]
        asked_named = cast(list[ox.NamedNode] | None, kwargs.get("named_graphs"))
        kwargs["named_graphs"] = (
            named if asked_named is None else [node for node in asked_named if node in named]
        )

    def graphs(self) -> list[str]:
        return sorted(
            node.value
            for node in self._engine.named_graphs()
            if isinstance(node, ox.NamedNode)
            and not node.value.startswith(_LOADING_PREFIX)
            and node not in self._hidden
        )

    def has_graph(self, graph: str) -> bool:
        """Whether the named graph exists (it may be empty; a load may not be filling it)."""
        node = ox.NamedNode(check_graph_iri(graph))
        return node not in self._hidden and bool(self._engine.contains_named_graph(node))

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
        """Load several sources as one: all of them, or none.

        As ``load``. With ``single_graph`` every triple goes to ``graph``, and a source
        holding named graphs of its own is refused (nothing is stored). A graph the
        sources address is replaced (or appended to) even when they are empty, and a
        named one exists afterwards. Sources from a request come with ``limits``: they
        are screened before parsing (``orchkg.screening``), and refused whole past them.

        The sources are streamed: quads are written ``batch_quads`` at a time, so memory
        does not grow with their size. A new or empty target is written in place and
        hidden from queries until the load ends; any other goes to a staging graph that
        replaces (or is added to) the target once every source has parsed. The load's
        journal (a graph of the store) lets a restart undo a load that had not finished,
        or finish publishing one that had.
        """
        if limits is not None:
            parts = [_screened(part, limits) for part in parts]

        def in_place(target: ox.NamedNode | ox.DefaultGraph, journal: ox.NamedNode) -> bool | None:
            """None to stage; else write in place, returning whether the graph exists now."""
            exists = isinstance(target, ox.DefaultGraph) or self._engine.contains_named_graph(
                target
            )
            if self._has_data(target):
                return None  # staged, then moved in: the old data stays whole meanwhile
            entries = [ox.Quad(journal, _FILLS, _journal_term(target), journal)]
            if exists:
                entries.append(ox.Quad(journal, _KEEPS, _journal_term(target), journal))
            self._hidden = self._hidden | {target}
            self._engine.extend(entries)  # before the first quad for the target is written
            return exists

        run = _Load(parts, _graph_term(graph), base_iri, single_graph, on_progress, in_place)
        addressed = single_graph or not any(part.fmt.datasets for part in parts)
        with self._lock:
            self._loading = True
            try:
                created = self._load_locked(run, addressed=addressed, replace=replace)
            except BaseException:
                self._undo(run)
                raise
            finally:
                self._loading = False
                self._hidden = frozenset()
                self._generation += 1
        if on_progress is not None:
            on_progress(run.count, run.bytes_read())
        return LoadOutcome(run.count, created)

    def _load_locked(self, run: _Load, *, addressed: bool, replace: bool) -> frozenset[str]:
        """Write in batches, commit, then publish; return the named graphs this creates."""
        try:
            self._write(run.quads())
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
            self._engine.update(self._commit(run, replace))
            run.committed = True
        except SyntaxError as error:
            raise _syntax_error(error, run.current) from error
        except _NamedGraphInBodyError as error:
            raise ClientError(
                f"{error}; a single graph is written here, so send triples only"
            ) from None
        except OSError as error:
            raise StoreError(f"{run.current}: load failed: {error}") from error
        # committed: from here on the load is finished, now or at the next start
        with self._publishing:
            self._publishing_now = True
            try:
                self._finish(run.journal)
            except OSError as error:
                raise StoreError(
                    f"{run.current}: the load is committed but publishing it failed: {error}; "
                    "it is finished when the store next opens"
                ) from error
            finally:
                self._publishing_now = False
                self._publishing.notify_all()
        return created

    @staticmethod
    def _commit(run: _Load, replace: bool) -> str:
        """One update (one transaction): the journal turns from "undo" to "finish".

        A load with nothing staged is complete once its journal is gone.
        """
        verb = _REPLACES if replace else _ADDS_TO
        steps = [f"DROP SILENT GRAPH <{run.journal.value}>"]
        entries = " ".join(
            f"<{temporary.value}> <{verb.value}> <{_journal_term(target).value}> ."
            for target, temporary in run.staging.items()
        )
        if entries:
            steps.append(f"INSERT DATA {{ GRAPH <{run.journal.value}> {{ {entries} }} }}")
        return " ;\n".join(steps)

    def _finish(self, journal: ox.NamedNode) -> None:
        """Publish what a committed journal lists, batch by batch, then drop the journal.

        Each step can be repeated, so a restart finishes what a dead process began:
        a replaced target is emptied, its entry turned into an addition, then the
        staging graph is moved into it.
        """
        for entry in list(self._engine.quads_for_pattern(None, _REPLACES, None, journal)):
            staging, target = entry.subject, entry.object
            assert isinstance(staging, ox.NamedNode)
            assert isinstance(target, ox.NamedNode)
            self._empty(_stored_term(target))
            self._engine.update(
                f"DELETE DATA {{ GRAPH <{journal.value}> {{ <{staging.value}> "
                f"<{_REPLACES.value}> <{target.value}> }} }} ;\n"
                f"INSERT DATA {{ GRAPH <{journal.value}> {{ <{staging.value}> "
                f"<{_ADDS_TO.value}> <{target.value}> }} }}"
            )
        for entry in list(self._engine.quads_for_pattern(None, _ADDS_TO, None, journal)):
            staging, target = entry.subject, entry.object
            assert isinstance(staging, ox.NamedNode)
            assert isinstance(target, ox.NamedNode)
            stored = _stored_term(target)
            self._move(staging, stored)
            if isinstance(stored, ox.NamedNode):
                self._engine.add_graph(stored)
            self._engine.remove_graph(staging)
        self._engine.remove_graph(journal)

    def _undo(self, run: _Load) -> None:
        """Take back an unfinished load: empty what it filled in place, drop its staging."""
        if run.committed:
            return  # the rest is publication, finished at the next start
        if self._engine.contains_named_graph(run.journal):
            self._rollback(run.journal)
        for temporary in run.staging.values():
            self._empty(temporary)
            self._engine.remove_graph(temporary)

    def _rollback(self, journal: ox.NamedNode) -> None:
        """Empty (or remove) every graph an uncommitted journal says it fills."""
        kept = {
            entry.object for entry in self._engine.quads_for_pattern(None, _KEEPS, None, journal)
        }
        for entry in list(self._engine.quads_for_pattern(None, _FILLS, None, journal)):
            assert isinstance(entry.object, ox.NamedNode)
            target = _stored_term(entry.object)
            self._empty(target)
            if isinstance(target, ox.NamedNode) and entry.object not in kept:
                self._engine.remove_graph(target)
        self._engine.remove_graph(journal)

    def _write(self, quads: Iterator[ox.Quad]) -> None:
        """Write quads ``batch_quads`` at a time, each batch straight to new files of the
        engine (``bulk_extend``: no transaction to hold, so memory stays flat; what a
        crash leaves half written is undone or finished from the journal)."""
        while batch := list(itertools.islice(quads, self.batch_quads)):
            self._engine.bulk_extend(batch)

    def _empty(self, graph: ox.NamedNode | ox.DefaultGraph) -> None:
        """Delete a graph's quads (the graph stays): on disk at most ``batch_quads`` per
        transaction, so RocksDB never holds them all; in memory at once, which costs little."""
        if self.path is None:
            self._engine.clear_graph(graph)
            return
        pattern = _graph_pattern(graph, "?s ?p ?o")
        some = f"SELECT ?s ?p ?o WHERE {pattern} LIMIT {self.batch_quads}"
        batch = f"DELETE {pattern} WHERE {{ {{ {some} }} }}"
        while self._has_data(graph):
            self._engine.update(batch)
            if self.path is not None:
                self._engine.flush()  # the deletions' memtables go to disk: memory stays flat

    def _move(self, source: ox.NamedNode, target: ox.NamedNode | ox.DefaultGraph) -> None:
        """Copy every quad of ``source`` into ``target``, then empty ``source``.

        Both steps can be repeated after a crash: what is left of ``source`` is already
        in ``target`` or is copied again (a dataset holds a quad once).
        """
        self._write(
            ox.Quad(quad.subject, quad.predicate, quad.object, target)
            for quad in self._engine.quads_for_pattern(None, None, None, source)
        )
        self._empty(source)

    def _has_data(self, target: ox.NamedNode | ox.DefaultGraph) -> bool:
        return (
            next(iter(self._engine.quads_for_pattern(None, None, None, target)), None) is not None
        )

    def _recover(self) -> None:
        """At start: finish committed loads, undo the others, drop their staging graphs."""
        journals = [
            node
            for node in self._engine.named_graphs()
            if isinstance(node, ox.NamedNode)
            and node.value.startswith(_LOADING_PREFIX)
            and node.value.endswith(":journal")
        ]
        for journal in journals:
            if self._has_fills(journal):
                self._rollback(journal)
            else:
                self._finish(journal)
        leftovers = [
            node
            for node in self._engine.named_graphs()
            if isinstance(node, ox.NamedNode) and node.value.startswith(_LOADING_PREFIX)
        ]
        for node in leftovers:
            self._empty(node)
            self._engine.remove_graph(node)

    def _has_fills(self, journal: ox.NamedNode) -> bool:
        found = self._engine.quads_for_pattern(None, _FILLS, None, journal)
        return next(iter(found), None) is not None

    def backup(self, directory: str | Path) -> None:
        """A consistent copy of an on-disk store (a checkpoint) in ``directory``."""
        with self._lock:
            self._engine.backup(str(directory))

    def close(self) -> None:
        if self.path is not None:
            self._engine.flush()
