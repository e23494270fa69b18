"""An in-memory store held by several serving processes, kept the same in all of them.

With ``serve = "processes"`` (``orchkg.prefork``) every serving process has its own
copy of the dataset, forked from the supervisor's. Writes keep the copies the same:

    write in process A:  lock (exclusive) ─ catch up ─ write ─ dump snapshot N
                         ─ version := N ─ unlock ─ answer 2xx
    query in process B:  version == mine? ── yes ─▶ evaluate
                                          └─ no ──▶ lock (shared) ─ load snapshot N ─ evaluate

The version is a 64-bit counter in a shared memory page: reading it costs a query well
under a microsecond. A write is acknowledged only after its snapshot is on disk and the
counter names it, so the next query in any process sees it. Writes are serialised
across processes by an ``flock`` on a file; a process that dies while writing leaves the
counter where it was, and its half-done write dies with it (pyoxigraph's writes are
transactions anyway). Only the in-memory store can be shared this way.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import struct
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from orchkg.canned import Catalogue
from orchkg.content import load_content
from orchkg.formats import RdfFormat, rdf_format
from orchkg.namespaces import prefixes
from orchkg.screening import BodyLimits
from orchkg.settings import Settings
from orchkg.store import LoadOutcome, OxigraphStore, Part, ProgressCallback, QueryResult

_COUNTER = struct.Struct("<q")


class SharedStore(OxigraphStore):
    """An ``OxigraphStore`` in memory whose writes reach every process sharing its directory.

    Make it in the supervisor, fill it, call ``share(directory)``, then fork: the children
    inherit the data, the shared counter and the lock file.
    """

    _counter: mmap.mmap | None = None
    _directory: Path | None = None

    def share(self, directory: Path) -> None:
        """Start sharing through ``directory`` (the counter, the lock, the snapshots)."""
        self._directory = directory
        counter = directory / "version"
        counter.write_bytes(_COUNTER.pack(self._generation))
        with counter.open("r+b") as handle:
            self._counter = mmap.mmap(handle.fileno(), _COUNTER.size)
        self._lock_path = directory / "lock"
        self._lock_path.touch()
        self._sync_lock = threading.RLock()

    def _published(self) -> int:
        assert self._counter is not None
        value: int = _COUNTER.unpack_from(self._counter)[0]
        return value

    def _snapshot_path(self, generation: int) -> Path:
        assert self._directory is not None
        return self._directory / f"snapshot-{generation}.nq"

    @contextlib.contextmanager
    def _flock(self, mode: int) -> Iterator[None]:
        """The lock between processes (``fcntl.LOCK_SH`` or ``LOCK_EX``); a lock between the
        threads of this process is held around it, as flock locks belong to the open file."""
        with self._sync_lock, self._lock_path.open("rb") as handle:
            fcntl.flock(handle, mode)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def sync(self) -> None:
        """Catch up with the last acknowledged write of any process (cheap when current)."""
        if self._counter is None or self._published() == self._generation:
            return
        with self._flock(fcntl.LOCK_SH):
            self._catch_up()

    def _catch_up(self) -> None:
        """Load the published snapshot if it is newer than this copy (a flock held)."""
        published = self._published()
        if published == self._generation:
            return
        engine = ox.Store()
        engine.bulk_load(path=str(self._snapshot_path(published)), format=ox.RdfFormat.N_QUADS)
        with self._lock:
            self._engine = engine
            self._generation = published

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Around a write: exclusive lock, catch up, write, publish (even if it failed, as
        the version changes with every write attempt)."""
        if self._counter is None:
            yield
            return
        with self._flock(fcntl.LOCK_EX):
            self._catch_up()
            try:
                yield
            finally:
                self._announce()

    def _announce(self) -> None:
        generation = self._generation
        target = self._snapshot_path(generation)
        partial = target.with_suffix(".partial")
        with partial.open("wb") as handle:
            super().export(handle, rdf_format("nquads"))
        partial.replace(target)
        assert self._counter is not None
        _COUNTER.pack_into(self._counter, 0, generation)
        for old in target.parent.glob("snapshot-*.nq"):
            if old != target and old.stem != f"snapshot-{generation - 1}":
                with contextlib.suppress(OSError):
                    old.unlink()  # a process loading it keeps it open; two are kept anyway

    def engine(self) -> ox.Store:
        """The current engine, caught up with every acknowledged write."""
        self.sync()
        return self._engine

    # -- reads catch up first ---------------------------------------------------
    @property
    def version(self) -> str:
        self.sync()
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
        self.sync()
        return super().query(
            sparql,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            base_iri=base_iri,
            substitutions=substitutions,
        )

    def graphs(self) -> list[str]:
        self.sync()
        return super().graphs()

    def has_graph(self, graph: str) -> bool:
        self.sync()
        return super().has_graph(graph)

    def triple_count(self, graph: str | None = None) -> int:
        self.sync()
        return super().triple_count(graph)

    def export(self, output: IO[bytes], fmt: RdfFormat, *, graph: str | None = None) -> None:
        self.sync()
        super().export(output, fmt, graph=graph)

    def export_graph(
        self,
        output: IO[bytes],
        fmt: RdfFormat,
        graph: str | None,
        *,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        self.sync()
        super().export_graph(output, fmt, graph, prefixes=prefixes)

    # -- writes reach every process ---------------------------------------------
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        with self._writing():
            super().update(sparql, base_iri=base_iri)

    def drop_graph(self, graph: str | None) -> bool:
        with self._writing():
            return super().drop_graph(graph)

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
        with self._writing():
            return super().load_parts(
                parts,
                graph=graph,
                base_iri=base_iri,
                replace=replace,
                single_graph=single_graph,
                on_progress=on_progress,
                limits=limits,
            )


def open_shared_store(settings: Settings, *, catalogue: Catalogue | None = None) -> SharedStore:
    """The in-memory store of ``serve = "processes"``, filled from the content folders
    (``share`` it before forking)."""
    store = SharedStore(
        None,
        union_default_graph=settings.union_default_graph,
        base_iri=settings.base_iri,
        prefixes=prefixes(settings.base_iri),
    )
    load_content(store, settings, catalogue=catalogue)
    return store
