"""Operational routes: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from orchkg.app import services

blueprint = Blueprint("operations", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process answers."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> Response:
    """The store answers and the content is loaded."""
    shared = services()
    graphs = shared.store.graphs()
    body = jsonify(
        status="ready" if graphs else "empty", graphs=len(graphs), version=shared.store.version
    )
    body.status_code = 200 if graphs else 503
    return body


@blueprint.get("/metrics")
def metrics() -> Response:
    shared = services()
    text = shared.metrics.render(
        {
            "orchkg_evaluations_in_flight": ("Queries being evaluated now.", shared.pool.in_flight),
            "orchkg_queries_waiting": ("Requests waiting for a query worker.", shared.pool.waiting),
            "orchkg_query_timeouts_total": (
                "Queries stopped at the time limit.",
                shared.pool.timeouts,
            ),
        }
    )
    return Response(text, mimetype="text/plain; version=0.0.4")
