"""The Flask application factory, and the one place errors become HTTP responses."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from typing import Any

from flask import Flask, Request, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from orchkg import __version__
from orchkg.canned import LANGUAGES, Catalogue, load_catalogue
from orchkg.content import open_store
from orchkg.errors import MethodNotAllowedError, OrchkgError, UnauthorisedError
from orchkg.evaluation import EvaluatorPool
from orchkg.guard import Policy
from orchkg.headers import append_valid
from orchkg.inprocess import InProcessEvaluator
from orchkg.metrics import Metrics
from orchkg.negotiation import choose, choose_language
from orchkg.remote import RemoteStore
from orchkg.remote_evaluation import RemoteEvaluator
from orchkg.settings import Settings, load_settings
from orchkg.shared_store import SharedStore, open_shared_store
from orchkg.store import OxigraphStore, Store

log = logging.getLogger("orchkg.requests")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' "
    "'unsafe-inline'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Content-Type, Location, X-Orchkg-Limit-Result-Bytes",
}

_DEFAULT_HEADERS = tuple(
    (name.lower(), name, value) for name, value in {**SECURITY_HEADERS, **CORS_HEADERS}.items()
)


@dataclasses.dataclass
class Services:
    """What request handlers share, kept in ``app.extensions["orchkg"]``."""

    settings: Settings
    store: Store
    pool: Evaluator
    metrics: Metrics
    catalogue: Catalogue
    policy: Policy = dataclasses.field(default_factory=Policy)
    """The checks every query and update from a request must pass (``orchkg.guard``)."""

    def close(self) -> None:
        self.pool.close()
        self.store.close()


def services(app: Flask | None = None) -> Services:
    from flask import current_app  # noqa: PLC0415 -- the proxy is only valid in a request

    target = app or current_app
    found: Services = target.extensions["orchkg"]
    return found


def error_body(status: int, message: str) -> Response:
    """The one error response: plain text, JSON or (for browsers) a small HTML page, by the
    Accept header; never a traceback."""
    title = _STATUS_TITLES.get(status, "Error")
    wanted = choose(request.headers.get("Accept"), ["text/plain", "application/json", "text/html"])
    if wanted == "application/json":
        body = json.dumps({"error": {"status": status, "title": title, "message": message}})
        response = Response(body, status=status, mimetype="application/json")
    elif wanted == "text/html":
        asked = request.args.get("lang")
        lang = asked if asked in LANGUAGES else None
        lang = lang or choose_language(request.headers.get("Accept-Language"), LANGUAGES) or "en"
        page = render_template("error.html", status=status, title=title, message=message, lang=lang)
        response = Response(page, status=status, mimetype="text/html")
    else:
        response = Response(f"{status} {title}: {message}\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


_STATUS_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _register_blueprints(app: Flask) -> None:
    """The routes, each module a blueprint (imported here: they import this module)."""
    from orchkg.canned_api import blueprint as canned_api_blueprint  # noqa: PLC0415
    from orchkg.canned_pages import blueprint as canned_pages_blueprint  # noqa: PLC0415
    from orchkg.diagram_pages import blueprint as diagrams_blueprint  # noqa: PLC0415
    from orchkg.endpoint import blueprint as sparql_blueprint  # noqa: PLC0415
    from orchkg.graph_store import blueprint as graph_store_blueprint  # noqa: PLC0415
    from orchkg.linked_data import blueprint as linked_data_blueprint  # noqa: PLC0415
    from orchkg.operations import blueprint as operations_blueprint  # noqa: PLC0415
    from orchkg.platform_exports import blueprint as platform_exports_blueprint  # noqa: PLC0415
    from orchkg.site_pages import blueprint as site_pages_blueprint  # noqa: PLC0415

    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(graph_store_blueprint)
    app.register_blueprint(operations_blueprint)
    app.register_blueprint(diagrams_blueprint)
    app.register_blueprint(canned_api_blueprint)
    app.register_blueprint(canned_pages_blueprint)
    app.register_blueprint(linked_data_blueprint)
    app.register_blueprint(site_pages_blueprint)
    app.register_blueprint(platform_exports_blueprint)


Evaluator = EvaluatorPool | InProcessEvaluator | RemoteEvaluator
"""What evaluates the read queries of requests: worker processes (the default), the serving
process itself (``serve = processes``), or the remote store."""


def _evaluator(settings: Settings, store: Store) -> Evaluator:
    limits = {
        "timeout": settings.query_timeout,
        "queue_wait": settings.queue_wait,
        "max_result_bytes": settings.max_result_bytes,
        "max_waiting": settings.max_queued,
    }
    if isinstance(store, RemoteStore):
        return RemoteEvaluator(store, workers=settings.query_workers, **limits)  # type: ignore[arg-type]
    if isinstance(store, SharedStore):  # each serving process evaluates (orchkg.prefork)
        return InProcessEvaluator(
            store,
            concurrency=settings.query_workers,
            memory_limit=settings.max_worker_memory * 2**20,
            federation_timeout=settings.federation_timeout,
            **limits,  # type: ignore[arg-type]
        )
    assert isinstance(store, OxigraphStore)
    return EvaluatorPool(
        store,
        workers=settings.query_workers,
        memory_limit=settings.max_worker_memory * 2**20,
        federation_timeout=settings.federation_timeout,
        **limits,  # type: ignore[arg-type]
    )


def create_app(
    config: Settings | dict[str, Any] | None = None, *, store: Store | None = None
) -> Flask:
    """Build the application: settings, store, evaluation pool, routes, error handling."""
    settings = config if isinstance(config, Settings) else load_settings(config)
    catalogue = load_catalogue(settings)  # a broken query file stops the start here
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    if store is None and settings.serve == "processes":
        store = open_shared_store(settings, catalogue=catalogue)
    opened = store or open_store(settings, catalogue=catalogue)
    pool = _evaluator(settings, opened)
    policy = Policy(
        allowlist=settings.federation_allowlist,
        max_depth=settings.max_query_depth,
        max_operators=settings.max_query_operators,
        predeclared=tuple(opened.prefixes),
    )
    app.extensions["orchkg"] = Services(settings, opened, pool, Metrics(), catalogue, policy)

    _register_blueprints(app)

    @app.before_request
    def start_clock() -> Response | None:
        g.started = time.perf_counter()
        if len(request.full_path) > settings.max_uri_length:
            return error_body(414, f"the request URI is over {settings.max_uri_length} bytes")
        if request.method == "OPTIONS":
            return Response(status=204)
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        started = g.get("started", time.perf_counter())
        return finish_response(app, request, response, request.endpoint, started)

    @app.errorhandler(OrchkgError)
    def orchkg_error(error: OrchkgError) -> Response:
        response = error_body(error.status, error.message)
        if isinstance(error, MethodNotAllowedError):
            response.headers["Allow"] = ", ".join(error.allowed)
        if isinstance(error, UnauthorisedError):
            response.headers["WWW-Authenticate"] = 'Bearer realm="orchkg"'

        if error.status == 503:
            response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        messages = {
            404: f"nothing at {request.path}",
            405: f"{request.method} is not allowed on {request.path}",
            413: f"the request body is over the {settings.max_body_bytes:,}-byte limit",
        }
        response = error_body(status, messages.get(status, error.description or ""))
        if status == 405:
            allowed = error.get_headers()
            for name, value in allowed:
                if name == "Allow":
                    response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error", exc_info=error)
        return error_body(500, "an internal error occurred; it has been logged")

    app.config["ORCHKG_VERSION"] = __version__
    from orchkg.fast_path import QueryFastPath  # noqa: PLC0415 -- it imports the routes

    app.wsgi_app = QueryFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


def finish_response(
    app: Flask, asked: Request, response: Response, endpoint: str | None, started: float
) -> Response:
    """What every answer gets last: the security and CORS headers a route did not set, a
    metrics observation and the request log line (the ``after_request`` hook, and
    ``orchkg.fast_path``)."""
    present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118
    append_valid(  # the constants a route did not set itself
        response.headers,
        [(name, value) for lowered, name, value in _DEFAULT_HEADERS if lowered not in present],
    )
    elapsed = time.perf_counter() - started
    services(app).metrics.observe(endpoint or "unknown", response.status_code, elapsed)
    query_text = asked.args.get("query") or ""
    log.info(
        json.dumps(
            {
                "method": asked.method,
                "path": asked.path,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "query_hash": hashlib.sha256(query_text.encode()).hexdigest()[:16]
                if query_text
                else None,
            }
        )
    )
    return response
