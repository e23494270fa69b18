"""The SPARQL query operation by GET, answered without Flask's request dispatch.

A point lookup's evaluation takes tens of microseconds; Flask's dispatch around it (the
request and application contexts, routing, the hooks) costs as much again. This WSGI
middleware answers ``GET /sparql?query=...`` with the very functions the Flask view uses
(``protocol``, ``endpoint.answer_query``, ``app.finish_response``), in the same order,
and hands everything else to Flask untouched:

    GET /sparql?query=... ── QueryFastPath ── answer_query ── finish_response ──▶ answer
    anything else ─────────▶ Flask (routes, hooks, error handlers)
    any error on the fast path ──▶ Flask's error handlers, in a request context

So the answers are the same either way; ``tests/test_endpoint.py`` runs through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Request, Response, g

from orchkg.app import finish_response, services
from orchkg.endpoint import answer_query
from orchkg.inprocess import serving
from orchkg.protocol import query_operation

ENDPOINT = "sparql.sparql"
"""The Flask endpoint of /sparql, the name metrics and the log give these answers."""

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class QueryFastPath:
    """WSGI middleware in front of ``app.wsgi_app`` (installed by ``create_app``)."""

    def __init__(self, app: Flask, inner: WsgiApp) -> None:
        self.app = app
        self.inner = inner
        self.max_uri_length = services(app).settings.max_uri_length

    def _takes(self, environ: dict[str, Any]) -> bool:
        """GET /sparql with a query parameter, short enough to skip the 414 check."""
        query_string: str = environ.get("QUERY_STRING", "")
        return (
            environ.get("PATH_INFO") == "/sparql"
            and environ.get("REQUEST_METHOD") == "GET"
            and "query=" in query_string
            and len(query_string) + 9 < self.max_uri_length  # "/sparql?" and more: Flask's
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not self._takes(environ):
            return self.inner(environ, start_response)
        started = time.perf_counter()
        asked = Request(environ)
        try:
            operation = query_operation(asked)
            if operation is None:  # e.g. only "xquery=": the service description, by Flask
                return self.inner(environ, start_response)
            with serving(environ):
                response = answer_query(services(self.app), asked, operation)
        except Exception as error:  # noqa: BLE001 -- handed to Flask's error handlers
            response = self._error(environ, error, started)
            return response(environ, start_response)
        finish_response(self.app, asked, response, ENDPOINT, started)
        return response(environ, start_response)

    def _error(self, environ: dict[str, Any], error: Exception, started: float) -> Response:
        """The answer Flask gives for ``error`` on this request, hooks included."""
        with self.app.request_context(environ):
            g.started = started
            response = self.app.make_response(self.app.handle_user_exception(error))
            finished: Response = self.app.process_response(response)
            return finished
