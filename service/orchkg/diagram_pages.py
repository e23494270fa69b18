"""The architecture views over HTTP: a gallery, a page per view, and every format.

    GET /views                    the gallery (HTML), each view with a thumbnail
    GET /views/<name>             the view's page: diagram inline, legend, analytics, exports
    GET /views/<name>.<format>    svg png graphml gexf dot json cyjs ttl

Parameters of a view (``left``/``right``, ``resource``/``depth``, ``component``,
``query``) and ``lang`` (en, ko) are query parameters; ``from`` and ``to`` ask the
analytics for a shortest path. Every answer carries an ETag made from the store's
version and the request, so ``If-None-Match`` gets a 304, and the bytes come from the
renderer's cache until the data changes. Handlers stay thin: parse, look up, send;
bad input raises ``ClientError`` and ``app.py`` turns it into the error body.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, render_template, request
from markupsafe import Markup

from orchkg.app import services
from orchkg.diagrams import (
    LANGUAGES,
    VIEWS,
    Lang,
    Request,
    local_name,
    make_request,
    platform_of_view,
    resolve_resource,
)
from orchkg.errors import ClientError
from orchkg.exports import EXPORT_FORMATS, export_format
from orchkg.headers import content_type, etag
from orchkg.renderer import Renderer, pool_runner

blueprint = Blueprint("diagrams", __name__)

RESERVED = ("lang", "from", "to")

TEXTS = {
    "en": {
        "queries": "Queries",
        "views": "Architecture views",
        "language": "Language",
        "parameters": "Parameters",
        "draw": "Draw",
        "analytics": "Analytics",
        "articulation": "Single points of failure (articulation points)",
        "articulation_none": "None: no single node's loss disconnects the others.",
        "degree": "Degree centrality",
        "betweenness": "Betweenness centrality",
        "path": "Shortest path",
        "from": "From",
        "to": "To",
        "find": "Find",
        "no_path": "No path between them.",
        "exports": "Download",
        "analytics_note": "On the interaction edges, undirected; 'part of', 'has member' and "
        "'counterpart of' are left out.",
        "open": "Open",
    },
    "ko": {
        "queries": "질의",
        "views": "아키텍처 뷰",
        "language": "언어",
        "parameters": "매개변수",
        "draw": "그리기",
        "analytics": "분석",
        "articulation": "단일 장애점 (단절점)",
        "articulation_none": "없음: 어느 한 노드가 빠져도 나머지는 연결되어 있습니다.",
        "degree": "연결 중심성",
        "betweenness": "매개 중심성",
        "path": "최단 경로",
        "from": "출발",
        "to": "도착",
        "find": "찾기",
        "no_path": "둘 사이에 경로가 없습니다.",
        "exports": "내려받기",
        "analytics_note": "상호작용 관계를 무방향으로 봅니다. '의 일부임', '구성 플랫폼을 가짐', "
        "'대응 요소임'은 제외합니다.",
        "open": "열기",
    },
}


@blueprint.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    shared = services(app)
    settings = shared.settings
    app.extensions["orchkg.diagrams"] = Renderer(
        shared.store,
        base_iri=settings.base_iri,
        run_construct=pool_runner(shared.pool.evaluate, policy=shared.policy),
    )


def renderer() -> Renderer:
    from flask import current_app  # noqa: PLC0415 -- the proxy is only valid in a request

    found: Renderer = current_app.extensions["orchkg.diagrams"]
    return found


def _lang() -> Lang:
    lang = request.args.get("lang", "en")
    if lang == "ko":
        return "ko"
    if lang != "en":
        raise ClientError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return "en"


def _request(name: str) -> tuple[Request, str | None, str | None]:
    """The view request and the shortest-path ends, from the URL's query parameters."""
    for key in request.args:
        if len(request.args.getlist(key)) > 1:
            raise ClientError(f"parameter {key!r} is given more than once")
    base_iri = services().settings.base_iri
    given = {k: v for k, v in request.args.items() if k not in RESERVED}
    view_request = make_request(name, given, _lang(), base_iri=base_iri)
    ends = [request.args.get(end) for end in ("from", "to")]
    path_from, path_to = (resolve_resource(end, base_iri) if end else None for end in ends)
    return view_request, path_from, path_to


def _short(value: str) -> str:
    """A resource IRI as its bare name (what the parameters accept), other values as they are."""
    return local_name(value, services().settings.base_iri) or value


def _query_string(view_request: Request, **extra: str) -> str:
    pairs = [(k, _short(v)) for k, v in view_request.parameters]
    pairs.append(("lang", view_request.lang))
    pairs.extend((k, _short(v)) for k, v in extra.items() if v)
    return urlencode(pairs)


def _tagged(tag: str, make: Any, media_type: str) -> Response:
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = Response(make(), content_type=content_type(media_type))
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _switch(lang: str) -> list[dict[str, Any]]:
    args = request.args.to_dict()
    links = []
    for code, name in (("en", "English"), ("ko", "한국어")):
        args["lang"] = code
        links.append(
            {
                "code": code,
                "name": name,
                "href": f"{request.path}?{urlencode(args)}",
                "current": code == lang,
            }
        )
    return links


@blueprint.get("/views")
def gallery() -> Response:
    lang = _lang()
    shared = services()
    tag = etag(shared.store.version, "gallery", lang)
    items = [
        {
            "name": chosen.name,
            "title": chosen.title(lang),
            "description": chosen.description,
            "href": f"{request.script_root}/views/{chosen.name}?lang={lang}",
            "thumbnail": f"{request.script_root}/views/{chosen.name}.svg?lang={lang}",
        }
        for chosen in VIEWS.values()
    ]

    def make() -> str:
        return render_template(
            "views.html",
            lang=lang,
            t=TEXTS[lang],
            switch=_switch(lang),
            alternates=[],
            views=items,
        )

    return _tagged(tag, make, "text/html")


ARCHITECTURE_TOOLS = (
    ("catalog-info.yaml", "Backstage catalog", "the platform as a Backstage software catalog"),
    ("structurizr.json", "Structurizr JSON", "the platform as a Structurizr workspace (C4)"),
    ("structurizr.dsl", "Structurizr DSL", "the same workspace as Structurizr DSL"),
)


def _architecture_tools(name: str) -> list[dict[str, str]]:
    """A platform view's links to the platform's exports (docs/architecture-tools.md)."""
    platform = platform_of_view(name)
    if platform is None:
        return []
    return [
        {
            "name": label,
            "description": description,
            "href": f"{request.script_root}/platforms/{platform}/{file}",
        }
        for file, label, description in ARCHITECTURE_TOOLS
    ]


@blueprint.get("/views/<name>")
def page(name: str) -> Response:
    view_request, path_from, path_to = _request(name)
    shared = services()
    drawer = renderer()
    lang = view_request.lang
    tag = etag(shared.store.version, "page", view_request, path_from, path_to)

    def make() -> str:
        drawn = drawer.drawn(view_request)
        context = drawer.context(view_request, path_from, path_to)
        svg = drawer.render(view_request, "svg").decode()
        query = _query_string(view_request)
        path_query = _query_string(view_request, **{"from": path_from or "", "to": path_to or ""})
        nodes = sorted(
            (
                {"iri": iri, "label": str(attrs.get("label") or iri)}
                for iri, attrs in drawn.digraph.nodes(data=True)
            ),
            key=lambda item: item["label"].lower(),
        )
        return render_template(
            "view.html",
            lang=lang,
            t=TEXTS[lang],
            switch=_switch(lang),
            alternates=[
                {
                    "type": "application/json",
                    "href": f"{request.script_root}/views/{name}.json?{path_query}",
                }
            ],
            view=view_request.view,
            context=context,
            svg=Markup(svg),  # noqa: S704 -- drawing.render_svg escapes every text it writes
            exports=[
                {
                    "name": fmt.name,
                    "description": fmt.description,
                    "href": f"{request.script_root}/views/{name}.{fmt.name}?{query}",
                }
                for fmt in EXPORT_FORMATS.values()
            ]
            + _architecture_tools(name),
            nodes=nodes,
            path_from=path_from,
            path_to=path_to,
            values={k: _short(v) for k, v in view_request.parameters},
        )

    key = ("page", view_request, path_from, path_to, request.script_root, shared.store.version)
    return _tagged(tag, lambda: drawer.cached(key, make), "text/html")


@blueprint.get("/views/<name>.<fmt>")
def export(name: str, fmt: str) -> Response:
    chosen = export_format(fmt)
    view_request, path_from, path_to = _request(name)
    shared = services()
    tag = etag(shared.store.version, "export", view_request, fmt, path_from, path_to)
    response = _tagged(
        tag,
        lambda: renderer().render(view_request, fmt, path_from=path_from, path_to=path_to),
        chosen.media_type,
    )
    filename = f"{name}.{view_request.lang}.{fmt}"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
