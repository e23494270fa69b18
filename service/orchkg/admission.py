"""Admission of evaluations: at most N at once, a bounded number waiting briefly, the rest 503.

Shared by the evaluators that run a query in the request's own thread
(``orchkg.inprocess``, ``orchkg.remote_evaluation``); ``orchkg.evaluation`` admits by
handing out idle worker processes instead.
"""

from __future__ import annotations

import threading

from orchkg.errors import OverloadedError


class Admission:
    """``slots`` evaluations at once; up to ``max_waiting`` more wait ``queue_wait`` seconds
    for a slot; beyond that, ``OverloadedError`` (503) at once."""

    def __init__(
        self, slots: int, *, queue_wait: float, max_waiting: int, waiting_for: str, busy: str
    ) -> None:
        """``waiting_for`` and ``busy`` word the refusals (what a request waits for)."""
        self.queue_wait = queue_wait
        self.max_waiting = max_waiting
        self.waiting = 0
        self._waiting_for = waiting_for
        self._busy = busy
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()

    def take(self) -> None:
        """Take a slot (``release`` it afterwards), or raise ``OverloadedError``."""
        if self._slots.acquire(blocking=False):
            return
        with self._lock:
            if self.waiting >= self.max_waiting:
                raise OverloadedError(
                    f"{self.waiting} queries are already waiting for {self._waiting_for}; "
                    "retry in a moment"
                )
            self.waiting += 1
        try:
            if not self._slots.acquire(timeout=self.queue_wait):
                raise OverloadedError(self._busy)
        finally:
            with self._lock:
                self.waiting -= 1

    def release(self) -> None:
        self._slots.release()
