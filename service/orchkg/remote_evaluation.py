"""Query evaluation on the remote store: the store does the work, orchkg keeps the limits.

The counterpart of ``orchkg.evaluation.EvaluatorPool`` for ``orchkg.remote.RemoteStore``.
No worker process is needed: the query runs in the remote store, which is told the
deadline (its own ``timeout`` parameter) and is waited for no longer than it. A request
passes the same checks (``orchkg.guard.Policy``), at most ``workers`` queries are sent
at once (more wait ``queue_wait``, beyond ``max_waiting`` they are refused at once), and
the answer is written in the format asked for by the same code as the embedded store's.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from orchkg.admission import Admission
from orchkg.canned import Term
from orchkg.evaluation import Answer, raise_for, serialize_result
from orchkg.guard import Policy
from orchkg.remote import RemoteStore


class RemoteEvaluator:
    """Sends read queries to the remote store, a bounded number at a time."""

    def __init__(
        self,
        store: RemoteStore,
        *,
        workers: int,
        timeout: float,
        queue_wait: float,
        max_result_bytes: int,
        max_waiting: int = 16,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.in_flight = 0
        self.timeouts = 0
        self._admission = Admission(
            workers,
            queue_wait=queue_wait,
            max_waiting=max_waiting,
            waiting_for="the remote store",
            busy="the remote store is busy with other queries; retry soon",
        )
        self._counter_lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot now."""
        return self._admission.waiting

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
        """Run a read query within the deadline; raise the matching orchkg error otherwise."""
        del declares_dataset  # the remote store reads the query's own FROM clauses
        text = policy.query(query).text if policy is not None else query
        self._admission.take()
        with self._counter_lock:
            self.in_flight += 1
        try:
            result = self.store.query(
                text,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                substitutions={
                    name: term.to_oxigraph() for name, term in (substitutions or {}).items()
                },
                timeout=self.timeout,
            )
        except Exception as error:
            if getattr(error, "status", 0) == 504:
                with self._counter_lock:
                    self.timeouts += 1
            raise
        finally:
            with self._counter_lock:
                self.in_flight -= 1
            self._admission.release()
        answer = serialize_result(
            result,
            results_format=results_format,
            graph_format=graph_format,
            hidden=hidden,
            as_boolean=as_boolean,
            max_bytes=self.max_result_bytes,
        )
        return raise_for(answer)

    def close(self) -> None:
        """Nothing to stop: no worker processes."""
