"""Query evaluation in worker processes that can be stopped at a deadline.

Neither pyoxigraph nor rdflib can cancel a running query, and a CPython thread
cannot be killed, so read queries run in a pool of worker processes. Each worker
holds a read-only copy of the dataset at a given version; at the deadline the
worker is killed (its CPU is freed at once) and a fresh one takes its place. A
worker that crashes takes only itself down.

    handler ──Job──▶ idle worker ──Answer──▶ handler
                     (killed at the deadline; replaced in the background)

Each worker's memory is capped (``RLIMIT_DATA``: its heap and private mappings): a
query that needs more makes an allocation fail, the engine aborts the process, and
the request is answered 503 like a query past its deadline.

The copy a worker loads is a *snapshot*: an N-Quads dump for an in-memory store,
a RocksDB checkpoint (opened read-only) for an on-disk store. A new snapshot is
made the first time a worker needs a version it does not have.

A request's own text comes with the ``Policy`` it must pass (``orchkg.guard``): the
worker runs those checks before the engine sees the text, so checking a huge query
costs a worker under the deadline, never the server's own process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import queue
import resource
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from orchkg.canned import Term, finish_result
from orchkg.errors import (
    ClientError,
    FederationTimeoutError,
    ForbiddenError,
    NotAcceptableError,
    OverloadedError,
    QueryMemoryError,
    QuerySyntaxError,
    QueryTimeoutError,
    ResultTooLargeError,
    StoreError,
    UpstreamError,
)
from orchkg.federation import Relay
from orchkg.formats import rdf_format
from orchkg.formats import results_format as results_format_named
from orchkg.guard import Policy, redirect_services, service_endpoints, syntax_message
from orchkg.store import OxigraphStore

SnapshotKind = Literal["nquads", "checkpoint"]


@dataclasses.dataclass(frozen=True)
class Snapshot:
    version: str
    kind: SnapshotKind
    location: str


@dataclasses.dataclass(frozen=True)
class Job:
    snapshot: Snapshot
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union_default_graph: bool
    results_format: str | None
    graph_format: str | None
    max_bytes: int
    base_iri: str | None = None
    prefixes: dict[str, str] | None = None
    substitutions: tuple[tuple[str, Term], ...] = ()
    hidden: tuple[str, ...] = ()
    as_boolean: bool = False
    policy: Policy | None = None
    federation_timeout: float = 3.0


@dataclasses.dataclass(frozen=True)
class Answer:
    kind: Literal["solutions", "boolean", "graph", "error"]
    body: bytes = b""
    media_type: str = ""
    error: str = ""
    message: str = ""
    status: int = 0


class _Limited(io.RawIOBase):
    """A byte sink that refuses to grow past a limit."""

    def __init__(self, limit: int) -> None:
        self.buffer = io.BytesIO()
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.buffer.tell() + len(data) > self.limit:
            raise OverflowError
        return self.buffer.write(data)

    def getvalue(self) -> bytes:
        return self.buffer.getvalue()


def _open(snapshot: Snapshot) -> ox.Store:
    if snapshot.kind == "checkpoint":
        return ox.Store.read_only(snapshot.location)
    store = ox.Store()
    store.bulk_load(path=snapshot.location, format=ox.RdfFormat.N_QUADS)
    return store


def _evaluate(store: ox.Store, job: Job, relay: Callable[[], Relay]) -> Answer:
    query, union = job.query, job.union_default_graph
    if job.policy is not None:
        try:
            checked = job.policy.query(job.query)
        except ClientError as error:
            return Answer("error", error="refused", message=error.message, status=error.status)
        query = checked.text
        union = union and not checked.declares_dataset
    if "SERVICE" in query.upper() and service_endpoints(query):
        return _federated(store, job, query, union, relay())
    try:
        return _run(store, job, query, union)
    except OSError as error:  # a failed disk: the engine's word for it
        return Answer("error", error="evaluation", message=str(error))


def _federated(store: ox.Store, job: Job, query: str, union: bool, relay: Relay) -> Answer:
    """Run a query whose SERVICE calls go through the worker's relay (``orchkg.federation``),
    each within ``job.federation_timeout``."""
    with relay.session(timeout=job.federation_timeout, max_bytes=job.max_bytes) as session:
        redirected, _ = redirect_services(query, session.address)
        try:
            answer = _run(store, job, redirected, union)
        except OSError as error:  # the engine's word for a failed call
            failure = session.failure_in(str(error))
            if failure is None:
                message = f"the federated endpoint failed: {session.real(str(error))}"
                return Answer("error", error="upstream", message=message)
            kind = "federation_timeout" if failure.timed_out else "upstream"
            return Answer("error", error=kind, message=failure.message)
    if answer.error == "syntax":  # positions in the message must be those of the query sent
        return _run(store, job, query, union)
    return answer


def _run(store: ox.Store, job: Job, query: str, union: bool) -> Answer:
    kwargs: dict[str, object] = {"base_iri": job.base_iri, "prefixes": job.prefixes}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = union
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    if job.substitutions:
        # rebuilt here from plain records: the engine's terms are made in this process
        kwargs["substitutions"] = {
            ox.Variable(name): term.to_oxigraph() for name, term in job.substitutions
        }
    try:
        result = store.query(query, **kwargs)  # type: ignore[arg-type]
    except SyntaxError as error:
        message = syntax_message(query, str(error), job.prefixes or {})
        return Answer("error", error="syntax", message=message)
    return serialize_result(
        result,
        results_format=job.results_format,
        graph_format=job.graph_format,
        hidden=job.hidden,
        as_boolean=job.as_boolean,
        max_bytes=job.max_bytes,
    )


def serialize_result(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    *,
    results_format: str | None,
    graph_format: str | None,
    hidden: tuple[str, ...],
    as_boolean: bool,
    max_bytes: int,
) -> Answer:
    """A result as the bytes of the format asked for, refused past ``max_bytes``."""
    sink = _Limited(max_bytes)
    try:
        if hidden or as_boolean:
            result = finish_result(result, hidden, as_boolean, _Limited(max_bytes))
        if isinstance(result, ox.QueryTriples):
            if graph_format is None:
                return Answer("error", error="not_acceptable", message="graph result")
            fmt = rdf_format(graph_format)
            result.serialize(sink, fmt.engine)  # type: ignore[arg-type]
            return Answer("graph", sink.buffer.getvalue(), fmt.media_type)
        if results_format is None:
            return Answer("error", error="not_acceptable", message="solutions")
        answer_fmt = results_format_named(results_format)
        result.serialize(sink, answer_fmt.engine)  # type: ignore[arg-type]
        kind: Literal["boolean", "solutions"] = (
            "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        )
        return Answer(kind, sink.buffer.getvalue(), answer_fmt.media_type)
    except OverflowError:
        return Answer("error", error="too_large", message=str(max_bytes))
    except OSError as error:
        if isinstance(error.__context__, OverflowError) or "Overflow" in str(error):
            return Answer("error", error="too_large", message=str(max_bytes))
        raise


def _worker_main(connection: Connection, memory_limit: int = 0) -> None:
    """The loop of one worker process: one job in, one answer out.

    ``memory_limit`` (bytes, 0 for none) caps the process's data: past it the engine
    aborts the process, or Python raises MemoryError, answered here before the worker ends.
    """
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    store: ox.Store | None = None
    version = None
    relays: list[Relay] = []  # started on the first federated query

    def relay() -> Relay:
        if not relays:
            relays.append(Relay())
        return relays[0]

    while True:
        try:
            job: Job = connection.recv()
        except EOFError:
            return
        try:
            if job.snapshot.version != version:
                store = None
                store = _open(job.snapshot)
                version = job.snapshot.version
            assert store is not None
            answer = _evaluate(store, job, relay)
        except MemoryError:
            store = None
            connection.send(Answer("error", error="memory"))
            return
        connection.send(answer)


@dataclasses.dataclass
class _Worker:
    process: BaseProcess
    connection: Connection


class EvaluatorPool:
    """A fixed number of worker processes evaluating read queries against snapshots."""

    def __init__(
        self,
        store: OxigraphStore,
        *,
        workers: int,
        timeout: float,
        queue_wait: float,
        max_result_bytes: int,
        max_waiting: int = 16,
        memory_limit: int = 0,
        federation_timeout: float = 3.0,
    ) -> None:
        """Queries get the store's base IRI (the service-defined BASE) and prefixes.

        At most ``max_waiting`` requests wait for a worker; more are refused at once.
        Each worker may hold ``memory_limit`` bytes (0: no limit). A SERVICE call may take
        ``federation_timeout`` seconds (``orchkg.federation``).
        """
        self.store = store
        self.federation_timeout = federation_timeout
        self.memory_limit = memory_limit
        self.max_waiting = max_waiting
        self.waiting = 0
        self.timeout = timeout
        self.queue_wait = queue_wait
        self.max_result_bytes = max_result_bytes
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._directory = Path(tempfile.mkdtemp(prefix="orchkg-snapshots-"))
        self._snapshot: Snapshot | None = None
        self._snapshot_lock = threading.Lock()
        self._users: dict[str, int] = {}  # snapshot location -> jobs in flight that use it
        self._retired: set[str] = set()  # old snapshots, deleted once no job uses them
        self._closed = False
        self.in_flight = 0
        self.timeouts = 0
        self._counter_lock = threading.Lock()
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(child, self.memory_limit), daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _replace_later(self) -> None:
        def replace() -> None:
            if not self._closed:
                self._idle.put(self._spawn())

        threading.Thread(target=replace, daemon=True).start()

    def snapshot(self, *, use: bool = False) -> Snapshot:
        """The snapshot of the store's current version, made if it does not exist yet.

        With ``use``, the caller is about to hand it to a worker and must ``release`` it
        afterwards: a snapshot's files are deleted once a newer one exists and no job
        still needs them (a worker opens them only when its job arrives).
        """
        with self._snapshot_lock:
            version = self.store.version
            if self._snapshot is None or self._snapshot.version != version:
                location = self._directory / f"snapshot-{version}"
                if self.store.path is not None:
                    self.store.backup(location)
                    made = Snapshot(version, "checkpoint", str(location))
                else:
                    location = location.with_suffix(".nq")
                    with location.open("wb") as handle:
                        self.store.export(handle, rdf_format("nquads"))
                    made = Snapshot(version, "nquads", str(location))
                old, self._snapshot = self._snapshot, made
                if old is not None:
                    self._retired.add(old.location)
                    self._delete_unused(old.location)
            snapshot = self._snapshot
            if use:
                self._users[snapshot.location] = self._users.get(snapshot.location, 0) + 1
            return snapshot

    def release(self, snapshot: Snapshot) -> None:
        """A job is done with ``snapshot``: its files go if it is old and nobody needs it."""
        with self._snapshot_lock:
            self._users[snapshot.location] -= 1
            self._delete_unused(snapshot.location)

    def _delete_unused(self, location: str) -> None:
        """Delete a retired snapshot's files once no job uses them (lock held)."""
        if location not in self._retired or self._users.get(location, 0) > 0:
            return
        self._retired.discard(location)
        self._users.pop(location, None)
        # a worker that read it keeps its open copy; the files can go
        with contextlib.suppress(OSError):
            if Path(location).is_dir():
                shutil.rmtree(location)
            else:
                Path(location).unlink()

    def _take_worker(self) -> _Worker:
        """A live idle worker, waiting at most ``queue_wait``; a full queue answers at once."""
        with self._counter_lock:
            if self.waiting >= self.max_waiting:
                raise OverloadedError(
                    f"{self.waiting} queries are already waiting for a worker; retry in a moment"
                )
            self.waiting += 1
        deadline = time.monotonic() + self.queue_wait
        try:
            while True:
                try:
                    worker = self._idle.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    raise OverloadedError("every query worker is busy; retry in a moment") from None
                if worker.process.is_alive():
                    return worker
                worker.connection.close()  # died while idle: replace it, take another
                self._replace_later()
        finally:
            with self._counter_lock:
                self.waiting -= 1

    def evaluate(
        self,
        query: str,
        *,
        default_graphs: tuple[str, ...] | None = None,
        named_graphs: tuple[str, ...] | None = None,
        declares_dataset: bool = False,
        results_format: str | None,
        graph_format: str | None,
        substitutions: Mapping[str, Term] | None = None,
        hidden: tuple[str, ...] = (),
        as_boolean: bool = False,
        policy: Policy | None = None,
    ) -> Answer:
        """Run a read query within the deadline; raise the matching orchkg error otherwise.

        Text from a request comes with the ``policy`` it must pass: the worker checks it
        (and learns from it whether the query names its own dataset). A canned query
        also gives ``substitutions`` (variable name to term, bound by the engine in the
        worker), the ``hidden`` columns to drop and whether its solutions answer an ASK
        (``as_boolean``): see ``orchkg.canned``.
        """
        worker = self._take_worker()
        try:
            snapshot = self.snapshot(use=True)
        except BaseException:
            self._idle.put(worker)
            raise
        job = Job(
            snapshot,
            query,
            default_graphs,
            named_graphs,
            self.store.union_default_graph and not declares_dataset,
            results_format,
            graph_format,
            self.max_result_bytes,
            self.store.base_iri,
            self.store.prefixes,
            tuple((substitutions or {}).items()),
            hidden,
            as_boolean,
            policy,
            self.federation_timeout,
        )
        with self._counter_lock:
            self.in_flight += 1
        try:
            worker.connection.send(job)
            if not worker.connection.poll(self.timeout):
                worker.process.kill()
                worker.process.join()
                with self._counter_lock:
                    self.timeouts += 1
                self._replace_later()
                raise QueryTimeoutError(
                    f"the query ran past the {self.timeout:g} s time limit and was stopped"
                )
            answer: Answer = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker.process.join(timeout=1)  # it ended by itself: learn how
            worker.process.kill()
            self._replace_later()
            if worker.process.exitcode == -signal.SIGABRT and self.memory_limit:
                raise _out_of_memory() from None  # an allocation failed: the engine aborted
            raise StoreError("the query evaluation process failed") from None
        finally:
            with self._counter_lock:
                self.in_flight -= 1
            self.release(snapshot)
        if answer.error == "memory":  # the worker ends after saying so: replace it
            worker.process.join(timeout=1)
            worker.process.kill()
            self._replace_later()
        else:
            self._idle.put(worker)
        return raise_for(answer)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.connection.close()
            worker.process.kill()
            worker.process.join()
        shutil.rmtree(self._directory, ignore_errors=True)


_REFUSALS: dict[int, type[ClientError]] = {400: ClientError, 403: ForbiddenError}


def _out_of_memory() -> QueryMemoryError:
    return QueryMemoryError(
        "the query needed more memory than a query worker may hold and was stopped; "
        "narrow it or add LIMIT"
    )


def raise_for(answer: Answer) -> Answer:
    if answer.kind != "error":
        return answer
    if answer.error == "refused":
        raise _REFUSALS.get(answer.status, ClientError)(answer.message)
    if answer.error == "upstream":
        raise UpstreamError(answer.message)
    if answer.error == "federation_timeout":
        raise FederationTimeoutError(answer.message)
    if answer.error == "memory":
        raise _out_of_memory()
    if answer.error == "syntax":
        raise QuerySyntaxError(answer.message)
    if answer.error == "not_acceptable":
        raise NotAcceptableError(f"no acceptable media type for a {answer.message} result")
    if answer.error == "too_large":
        raise ResultTooLargeError(
            f"the result is larger than the {int(answer.message):,}-byte limit; "
            "narrow the query or add LIMIT"
        )
    raise StoreError(f"query evaluation failed: {answer.message}")
