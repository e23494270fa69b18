"""Query evaluation in the serving process itself, stopped at the deadline with its process.

With ``serve = "processes"`` (``orchkg.prefork``) each serving process evaluates its
queries in the request's own thread: no worker round trip, and pyoxigraph releases the
GIL while it evaluates, so the process's other threads keep serving. A watchdog thread
looks at the evaluations in flight every ``TICK`` seconds; one past its deadline cannot be
cancelled (neither the engine nor a CPython thread can be), so the watchdog hands it to
``on_stop``: the server answers it 503 itself and ends the process, which frees the
CPU, while the supervisor starts a fresh process and the other serving processes go on.

    request thread ── evaluate in place ──▶ answer
         ▲ past the deadline: watchdog ──▶ on_stop ──▶ 503 written, process ends

Memory is watched the same way: with ``memory_limit``, once the process's data (what
``RLIMIT_DATA`` counts) passes ``MEMORY_SHARE`` of it while queries evaluate, they are
all handed to ``on_stop`` with the memory error. The limit itself is the process's
``RLIMIT_DATA`` (set by the server): a query that grows faster than the watchdog looks
ends the process there, without an answer.

The same limits as ``orchkg.evaluation.EvaluatorPool``: at most ``concurrency`` queries
evaluate at once in a process, at most ``max_waiting`` requests wait for one, each at
most ``queue_wait``; the same checks (``Policy``), the same serialisation and byte limit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import has_request_context, request

from orchkg.admission import Admission
from orchkg.canned import Term
from orchkg.errors import OrchkgError, QueryMemoryError, QueryTimeoutError
from orchkg.evaluation import Answer, Job, Snapshot, _evaluate, raise_for
from orchkg.federation import Relay
from orchkg.guard import Policy
from orchkg.shared_store import SharedStore

TICK = 0.05
"""Seconds between two looks of the watchdog: a query is stopped at most this late."""
MEMORY_SHARE = 0.8
"""Share of ``memory_limit`` past which the watchdog stops the evaluations in flight."""
_PAGE = os.sysconf("SC_PAGE_SIZE")

_IN_PLACE = Snapshot("in-place", "nquads", "")
"""Jobs evaluated here carry no snapshot: the process's own store is current."""


_serving = threading.local()


@contextlib.contextmanager
def serving(environ: Mapping[str, Any]) -> Iterator[None]:
    """Evaluations in this block answer the request ``environ`` (for a caller without
    Flask's request context: ``orchkg.fast_path``)."""
    _serving.environ = environ
    try:
        yield
    finally:
        _serving.environ = None


@dataclasses.dataclass(eq=False)
class Running:
    """One evaluation in flight: when it started and must end (``time.monotonic``), and the
    WSGI environ of its request (what the server needs to answer it when the evaluation
    cannot)."""

    started: float
    deadline: float
    environ: Mapping[str, Any] | None
    expired: bool = False


class InProcessEvaluator:
    """Evaluates read queries in the calling thread, under a deadline the server enforces."""

    def __init__(
        self,
        store: SharedStore,
        *,
        concurrency: int,
        timeout: float,
        queue_wait: float,
        max_result_bytes: int,
        max_waiting: int = 16,
        memory_limit: int = 0,
        federation_timeout: float = 3.0,
    ) -> None:
        self.store = store
        self.federation_timeout = federation_timeout
        self._relay: Relay | None = None  # started on the first federated query
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.memory_limit = memory_limit
        self.on_stop: Callable[[list[Running], OrchkgError], None] | None = None
        """Called by the watchdog with the evaluations past their deadline, or all of them
        past the memory share, and the error to answer (the server's hook: answer them,
        end the process). Unset, a late query runs to its end."""
        self.in_flight = 0
        self.timeouts = 0
        self._admission = Admission(
            concurrency,
            queue_wait=queue_wait,
            max_waiting=max_waiting,
            waiting_for="a worker",
            busy="every query worker is busy; retry in a moment",
        )
        self._lock = threading.Lock()
        self._running: set[Running] = set()
        self._watchdog: threading.Thread | None = None

    @property
    def waiting(self) -> int:
        """Requests waiting for an evaluation slot now."""
        return self._admission.waiting

    def close(self) -> None:
        """Nothing to stop: the evaluations are the process's own."""

    def running(self) -> list[Running]:
        with self._lock:
            return list(self._running)

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
        """As ``EvaluatorPool.evaluate``, in this thread."""
        self._admission.take()
        try:
            job = Job(
                _IN_PLACE,
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
            environ = getattr(_serving, "environ", None)
            if environ is None and has_request_context():
                environ = request.environ
            now = time.monotonic()
            running = Running(now, now + self.timeout, environ)
            with self._lock:
                self._running.add(running)
                self.in_flight += 1
                if self._watchdog is None:  # started here: after the fork, in the server
                    self._watchdog = threading.Thread(
                        target=self._watch, name="orchkg-deadline-watchdog", daemon=True
                    )
                    self._watchdog.start()
            try:
                answer = _evaluate(self.store.engine(), job, self._relay_here)
            except MemoryError:
                raise out_of_memory() from None
            finally:
                with self._lock:
                    self._running.discard(running)
                    self.in_flight -= 1
        finally:
            self._admission.release()
        return raise_for(answer)

    def _relay_here(self) -> Relay:
        """This process's relay for SERVICE calls (``orchkg.federation``), made when needed."""
        with self._lock:
            if self._relay is None:
                self._relay = Relay()
            return self._relay

    def _watch(self) -> None:
        while True:
            time.sleep(TICK)
            now = time.monotonic()
            with self._lock:
                late = [r for r in self._running if not r.expired and r.deadline <= now]
                for running in late:
                    running.expired = True
                self.timeouts += len(late)
                busy = bool(self._running)
            if late and self.on_stop is not None:
                error = QueryTimeoutError(
                    f"the query ran past the {self.timeout:g} s time limit and was stopped"
                )
                self.on_stop(late, error)
            if busy and self.memory_limit and _data_bytes() > MEMORY_SHARE * self.memory_limit:
                with self._lock:
                    grown = [r for r in self._running if not r.expired]
                    for running in grown:
                        running.expired = True
                if grown and self.on_stop is not None:
                    self.on_stop(grown, out_of_memory())


def _data_bytes() -> int:
    """The process's data, as ``RLIMIT_DATA`` counts it (``/proc/self/statm``)."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[5]) * _PAGE


def out_of_memory() -> QueryMemoryError:
    return QueryMemoryError(
        "the query needed more memory than a query worker may hold and was stopped; "
        "narrow it or add LIMIT"
    )
