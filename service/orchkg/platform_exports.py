"""Routes for the architecture tools: a platform as a Backstage catalog or a Structurizr
workspace, and a Backstage catalog imported into a named graph.

    GET /platforms/<name>/catalog-info.yaml    Backstage catalog (application/yaml)
    GET /platforms/<name>/structurizr.json     Structurizr JSON workspace
    GET /platforms/<name>/structurizr.dsl      Structurizr DSL
    PUT /imports/backstage?graph=<IRI>         a catalog-info.yaml replaces the graph (token)

``<name>`` is a platform's local name under ``kg:`` (``kubernetes``, ``mesos-marathon``,
``dcos``, or an imported system). The mappings are in ``orchkg.backstage`` and
``orchkg.structurizr``, and in docs/architecture-tools.md.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request

from orchkg import provenance
from orchkg.app import services
from orchkg.architecture import PlatformModel, platform_iri, platform_model
from orchkg.auth import authorise_write
from orchkg.backstage import MEDIA_TYPE, export_catalog, import_catalog
from orchkg.errors import ClientError, NotFoundError, UnsupportedMediaTypeError
from orchkg.headers import content_type, etag
from orchkg.store import check_graph_iri
from orchkg.structurizr import workspace_dsl, workspace_json_text

blueprint = Blueprint("platform_exports", __name__)

YAML_MEDIA_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def _model(name: str) -> PlatformModel:
    shared = services()
    if not name or "/" in name or ":" in name:
        raise NotFoundError(f"no platform named {name!r}")
    base = shared.settings.base_iri
    return platform_model(shared.store, platform_iri(name, base), base)


def _download(
    name: str, kind: str, media_type: str, write: Callable[[PlatformModel], str]
) -> Response:
    shared = services()
    tag = etag(shared.store.version, "platform-export", name, kind)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = Response(write(_model(name)), content_type=_with_charset(media_type))
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _with_charset(media_type: str) -> str:
    """The Content-Type: every export is UTF-8 text.

    >>> _with_charset("application/yaml")
    'application/yaml; charset=utf-8'
    """
    found = content_type(media_type)
    return found if "charset" in found else f"{found}; charset=utf-8"


@blueprint.get("/platforms/<name>/catalog-info.yaml")
def backstage_catalog(name: str) -> Response:
    base = services().settings.base_iri
    store = services().store
    return _download(
        name, "backstage", MEDIA_TYPE, lambda model: export_catalog(store, model, base)
    )


@blueprint.get("/platforms/<name>/structurizr.json")
def structurizr_json(name: str) -> Response:
    base = services().settings.base_iri
    return _download(
        name, "structurizr-json", "application/json", lambda m: workspace_json_text(m, base)
    )


@blueprint.get("/platforms/<name>/structurizr.dsl")
def structurizr_dsl(name: str) -> Response:
    base = services().settings.base_iri
    return _download(name, "structurizr-dsl", "text/plain", lambda m: workspace_dsl(m, base))


@blueprint.put("/imports/backstage")
def backstage_import() -> Response:
    authorise_write()
    shared = services()
    graphs = request.args.getlist("graph")
    if len(graphs) != 1:
        raise ClientError("name the graph the catalog replaces: ?graph=<absolute IRI>, once")
    graph = check_graph_iri(graphs[0])
    if request.mimetype not in YAML_MEDIA_TYPES:
        raise UnsupportedMediaTypeError(
            f"a Backstage catalog is sent as {MEDIA_TYPE}, not {request.mimetype or 'nothing'}"
        )
    outcome = import_catalog(
        shared.store,
        request.get_data(),
        source="request body",
        graph=graph,
        base_iri=shared.settings.base_iri,
        agent=provenance.graph_store_agent(),
    )
    return jsonify(graph=graph, entities=outcome.entities, triples=outcome.triples)
