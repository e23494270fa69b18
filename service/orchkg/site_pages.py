"""The web interface: home, resource index and pages, the ontology, the comparison, the
SPARQL editor.

    GET /                  what orchkg is, and the four ways in          (twin: ?format=json)
    GET /resources         the resources by kind (?graph=<stem>)         (twin: ?format=json)
    GET /page/<local>      a resource: labels, relations, claims, sources, neighbourhood
                                                  (twins: /resource/<local>.ttl, ?format=json)
    GET /ontology          the vocabulary, a term per anchor             (twin: ?format=json,
                                                  and RDF by negotiation: 303 to its graph)
    GET /compare           the seed's comparison, dimensions x platforms (twin: ?format=json)
    GET /sparql-editor     YASGUI on /sparql, with the prefixes and the canned queries
    GET /assets/yasgui/<file>   YASGUI's own build, from node_modules (installed by setup)

Each page is one context dict (``orchkg.browse``) rendered by a Jinja template
(autoescaped) or sent as JSON; the page links its twins with ``<link rel="alternate">``.
A page's language is ``lang=``, else Accept-Language, else English. No page loads
anything from another site (the Content-Security-Policy says so).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, send_file
from markupsafe import Markup

from orchkg.app import services
from orchkg.browse import (
    OWL,
    Shower,
    comparison_context,
    home_context,
    index_context,
    ontology_context,
    resource_context,
    select,
)
from orchkg.canned import LANGUAGE_NAMES, LANGUAGES
from orchkg.canned_api import request_language
from orchkg.errors import ClientError, NotFoundError, OrchkgError
from orchkg.formats import rdf_format
from orchkg.linked_data import EXTENSION_OF, RDF_NAMES, iri_named, local_path, negotiate
from orchkg.namespaces import prefixes, resource_iri, vocabulary_iri
from orchkg.negotiation import choose

blueprint = Blueprint("site_pages", __name__)

YASGUI_BUILD = Path(__file__).resolve().parents[2] / "node_modules" / "@zazuko" / "yasgui" / "build"
"""Where ``npm ci`` (run by ``scripts/setup``) puts YASGUI's build, in the checkout."""
YASGUI_FILES = {
    "yasgui.min.js": "text/javascript",
    "yasgui.min.css": "text/css",
}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home",
        "compare": "Compare",
        "browse": "Browse",
        "views": "Views",
        "query": "Query",
        "queries": "Queries",
        "ontology": "Ontology",
        "editor": "SPARQL editor",
        "language": "Language",
        "skip": "Skip to the content",
        "tagline": "A knowledge graph about container-orchestration platforms: Kubernetes, "
        "Apache Mesos + Marathon and Mesosphere DC/OS.",
        "intro": "Their components, features and relations, and every claim of a "
        "dimension-by-dimension technical comparison, stored as RDF. Every fact is traced to "
        "the sentence it came from; the Korean source text is kept verbatim.",
        "compare_lead": "The whole comparison as one table: dimensions by platforms, each "
        "cell what the source says, with support status, features and lines.",
        "browse_lead": "Platforms, components, features and the rest, each on its own page "
        "with its relations, claims and sources.",
        "views_lead": "Architecture diagrams drawn from the graph: each platform, side by "
        "side, neighbourhoods and dependencies.",
        "query_lead": "Ask anything in SPARQL in the editor, or pick one of the ready-made "
        "questions.",
        "ontology_lead": "The vocabulary: classes and properties with their definitions.",
        "in_graph": "In the graph",
        "resources": "Resources",
        "resources_intro": "Every resource the graph describes, by kind.",
        "index_truncated": "Only the first {count} resources (by IRI) are listed: narrow the "
        "list to one graph, or ask the SPARQL endpoint for the rest.",
        "in_named_graph": "Resources in the graph",
        "all_resources": "All resources",
        "labels": "Labels",
        "definition": "Definition",
        "types": "Types",
        "outgoing": "Relations",
        "incoming": "Referred to by",
        "claims": "Claims",
        "claims_intro": "What the comparison says about it, per platform.",
        "dimension": "Dimension",
        "sources": "Sources",
        "section": "Section",
        "lines": "lines",
        "line": "line",
        "other_lines": "Other lines of the source",
        "external_sources": "External sources",
        "no_seed_file": "The source text is not at hand on this server; the line numbers "
        "refer to docs/seed/ of the repository.",
        "neighbourhood": "Neighbourhood",
        "neighbourhood_open": "Open as a view",
        "neighbourhood_none": "No diagram for this resource",
        "wikidata": "Wikidata",
        "data": "Data",
        "none": "None.",
        "status": "status",
        "features": "Features",
        "mentions": "Mentions",
        "external": "external",
        "external_note": "from outside the source document",
        "compare_title": "Comparison",
        "compare_intro": "What the source document says about each platform, dimension by "
        "dimension, in its order. Each cell is the source's statements (in Korean, its own "
        "words; in English, a rendering), with the support status, the features concerned "
        "and the lines of the source.",
        "filter": "Dimensions",
        "filter_apply": "Show",
        "filter_all": "All",
        "filter_none": "None",
        "shown": "claims shown",
        "no_claims": "No claims.",
        "classes": "Classes",
        "object_properties": "Object properties",
        "datatype_properties": "Datatype properties",
        "annotation_properties": "Other properties",
        "schemes": "Concept schemes",
        "concepts": "Concepts",
        "shapes": "SHACL shapes",
        "other": "Other terms",
        "super": "Broader / super",
        "domain": "Domain",
        "range": "Range",
        "inverse": "Inverse of",
        "scheme": "In scheme",
        "target": "Target",
        "contents": "Contents",
        "terms": "terms",
        "editor_intro": "Write a SPARQL query and run it against this server's endpoint "
        "(/sparql). The prefixes okg:, kg:, rdfs:, skos:, prov:, dcterms: and the other "
        "usual ones are predeclared.",
        "examples": "Examples",
        "example_label": "Open a canned question in a new tab",
        "open_example": "Open",
        "noscript": "The editor needs JavaScript. Without it, write a query here and get "
        "the results as a file from /sparql:",
        "format": "Format",
        "run": "Run",
        "editor_missing": "The editor's files are not installed on this server (run "
        "scripts/setup, which runs npm ci).",
        "platforms": "Platforms",
        "components": "Components",
        "features_group": "Features",
        "abstractions": "Abstractions",
        "tools": "Tools",
        "organisations": "Organisations",
        "metrics": "Metric kinds",
        "sources_group": "Source document",
        "supports": "Feature support",
        "claims_group": "Claims",
        "other_group": "Other",
        "value": "value",
    },
    "ko": {
        "home": "처음",
        "compare": "비교",
        "browse": "둘러보기",
        "views": "뷰",
        "query": "질의",
        "queries": "질의 목록",
        "ontology": "온톨로지",
        "editor": "SPARQL 편집기",
        "language": "언어",
        "skip": "본문으로 건너뛰기",
        "tagline": "컨테이너 오케스트레이션 플랫폼에 관한 지식 그래프: 쿠버네티스, "
        "Apache Mesos + Marathon, Mesosphere DC/OS.",
        "intro": "각 플랫폼의 구성 요소, 기능, 관계와 항목별 기술 비교의 모든 주장을 RDF로 "
        "저장합니다. 모든 사실은 그 출처 문장까지 추적되며, 한국어 원문은 그대로 보존됩니다.",
        "compare_lead": "비교 전체를 하나의 표로: 비교 항목과 플랫폼, 각 칸에는 원문의 "
        "내용과 지원 상태, 기능, 줄 번호가 있습니다.",
        "browse_lead": "플랫폼, 구성 요소, 기능 등 각각의 페이지에서 관계, 주장, 출처를 "
        "볼 수 있습니다.",
        "views_lead": "그래프에서 그린 아키텍처 다이어그램: 플랫폼별, 나란히 비교, 이웃, 의존성.",
        "query_lead": "편집기에서 SPARQL로 무엇이든 묻거나, 준비된 질문 중 하나를 고르세요.",
        "ontology_lead": "어휘: 클래스와 속성, 그리고 그 정의.",
        "in_graph": "그래프에 있는 것",
        "resources": "자원",
        "resources_intro": "그래프가 설명하는 모든 자원을 종류별로 보여 줍니다.",
        "index_truncated": "IRI 순으로 처음 {count}개 자원만 보여 줍니다. 그래프 하나로 좁히거나 "
        "SPARQL 엔드포인트에서 나머지를 찾으세요.",
        "in_named_graph": "다음 그래프의 자원",
        "all_resources": "모든 자원",
        "labels": "이름",
        "definition": "정의",
        "types": "유형",
        "outgoing": "관계",
        "incoming": "이 자원을 가리키는 것",
        "claims": "주장",
        "claims_intro": "비교 글이 이 자원에 대해 말하는 내용, 플랫폼별.",
        "dimension": "비교 항목",
        "sources": "출처",
        "section": "절",
        "lines": "줄",
        "line": "줄",
        "other_lines": "원문의 다른 줄",
        "external_sources": "외부 출처",
        "no_seed_file": "이 서버에는 원문이 없습니다. 줄 번호는 저장소의 docs/seed/ 기준입니다.",
        "neighbourhood": "이웃",
        "neighbourhood_open": "뷰로 열기",
        "neighbourhood_none": "이 자원의 다이어그램이 없습니다",
        "wikidata": "위키데이터",
        "data": "데이터",
        "none": "없음.",
        "status": "상태",
        "features": "기능",
        "mentions": "언급",
        "external": "외부",
        "external_note": "원문 밖의 출처",
        "compare_title": "비교",
        "compare_intro": "원문이 각 플랫폼에 대해 말하는 내용을 비교 항목별로, 원문의 "
        "순서대로 보여 줍니다. 각 칸은 원문의 문장(한국어는 원문 그대로, 영어는 번역)과 지원 "
        "상태, 관련 기능, 원문의 줄 번호입니다.",
        "filter": "비교 항목",
        "filter_apply": "보기",
        "filter_all": "모두",
        "filter_none": "없음",
        "shown": "개 주장 표시",
        "no_claims": "주장이 없습니다.",
        "classes": "클래스",
        "object_properties": "객체 속성",
        "datatype_properties": "데이터 속성",
        "annotation_properties": "기타 속성",
        "schemes": "개념 체계",
        "concepts": "개념",
        "shapes": "SHACL 셰이프",
        "other": "기타 용어",
        "super": "상위",
        "domain": "정의역",
        "range": "치역",
        "inverse": "역관계",
        "scheme": "개념 체계",
        "target": "대상",
        "contents": "목차",
        "terms": "개 용어",
        "editor_intro": "SPARQL 질의를 작성하여 이 서버의 엔드포인트(/sparql)에서 "
        "실행하세요. okg:, kg:, rdfs:, skos:, prov:, dcterms: 등의 접두사는 미리 선언되어 "
        "있습니다.",
        "examples": "예제",
        "example_label": "준비된 질문을 새 탭에서 열기",
        "open_example": "열기",
        "noscript": "편집기는 자바스크립트가 필요합니다. 자바스크립트 없이 여기에 질의를 "
        "쓰면 /sparql에서 결과를 파일로 받을 수 있습니다:",
        "format": "형식",
        "run": "실행",
        "editor_missing": "이 서버에는 편집기 파일이 설치되어 있지 않습니다(scripts/setup을 "
        "실행하세요. npm ci를 실행합니다).",
        "platforms": "플랫폼",
        "components": "구성 요소",
        "features_group": "기능",
        "abstractions": "추상화",
        "tools": "도구",
        "organisations": "조직",
        "metrics": "지표 종류",
        "sources_group": "원문",
        "supports": "기능 지원",
        "claims_group": "주장",
        "other_group": "기타",
        "value": "값",
    },
}

GROUP_TEXT = {
    "features": "features_group",
    "sources": "sources_group",
    "claims": "claims_group",
    "other": "other_group",
}
_GRAPH_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _switch(lang: str) -> list[dict[str, Any]]:
    """One link per language to this page with every other argument kept."""
    links = []
    for code in LANGUAGES:
        pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        pairs.append(("lang", code))
        links.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "href": f"{request.script_root}{request.path}?{urlencode(pairs)}",
                "current": code == lang,
            }
        )
    return links


def _wants_json() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in ("json", "html"):
            raise ClientError(f"format: {fmt[:40]!r} is not offered here; use json or html")
        return fmt == "json"
    return choose(request.headers.get("Accept"), ["text/html", "application/json"]) == (
        "application/json"
    )


def _twin(extra: dict[str, str] | None = None) -> str:
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    pairs += [("format", "json"), *(extra or {}).items()]
    return f"{request.script_root}{request.path}?{urlencode(pairs)}"


def _respond(
    template: str,
    lang: str,
    context: dict[str, Any],
    *,
    alternates: list[dict[str, str]] | None = None,
    section: str = "",
    **extra: Any,
) -> Response:
    """The page: JSON when asked for (the context itself), else the HTML."""
    if _wants_json():
        response = jsonify(context)
    else:
        html = render_template(
            template,
            lang=lang,
            t=TEXTS[lang],
            switch=_switch(lang),
            alternates=[
                {"type": "application/json", "href": _twin()},
                *(alternates or []),
            ],
            section=section,
            page=context,
            **extra,
        )
        response = Response(html, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _shower(lang: str) -> Shower:
    return Shower(services().settings.base_iri, lang, request.script_root)


@blueprint.get("/")
def home() -> Response:
    shared = services()
    lang = request_language(request)
    context = home_context(shared.store, _shower(lang))
    root = request.script_root
    context["ways"] = {
        "compare": f"{root}/compare?lang={lang}",
        "browse": f"{root}/resources?lang={lang}",
        "views": f"{root}/views?lang={lang}",
        "editor": f"{root}/sparql-editor?lang={lang}",
        "queries": f"{root}/queries?lang={lang}",
        "ontology": f"{root}/ontology?lang={lang}",
        "sparql": f"{root}/sparql",
    }
    return _respond("home.html", lang, context, section="home", group_text=GROUP_TEXT)


@blueprint.get("/resources")
def resources() -> Response:
    shared = services()
    lang = request_language(request)
    stem = request.args.get("graph", "").strip()
    graph = None
    if stem:
        if not _GRAPH_STEM.fullmatch(stem):
            raise ClientError(f"graph: {stem[:40]!r} is not a graph name (e.g. kubernetes)")
        graph = f"{shared.settings.base_iri}graph/{stem}"
        if not shared.store.has_graph(graph):
            raise NotFoundError(f"there is no graph <{graph}>")
    context = index_context(shared.store, _shower(lang), graph)
    context["stem"] = stem or None
    return _respond("resources.html", lang, context, section="browse", group_text=GROUP_TEXT)


def _neighbourhood(iri: str, lang: str) -> dict[str, Any] | None:
    """The neighbourhood view of a resource, drawn inline (its nodes link to their pages),
    or None when the views cannot draw it."""
    from orchkg.diagram_pages import renderer  # noqa: PLC0415 -- the views are optional
    from orchkg.diagrams import make_request  # noqa: PLC0415

    base = services().settings.base_iri
    try:
        view_request = make_request(
            "neighbourhood", {"resource": iri}, "ko" if lang == "ko" else "en", base_iri=base
        )
        svg = renderer().render(view_request, "svg").decode("utf-8")
    except OrchkgError:
        return None
    query = urlencode({"resource": iri, "lang": lang})
    root = request.script_root
    return {
        "svg": Markup(svg),  # noqa: S704 -- drawing.render_svg escapes every text it writes
        "page": f"{root}/views/neighbourhood?{query}",
        "image": f"{root}/views/neighbourhood.svg?{query}",
    }


@blueprint.get("/page/<path:name>")
def resource_page(name: str) -> Response:
    shared = services()
    lang = request_language(request)
    iri = iri_named(resource_iri(shared.settings.base_iri) + name)
    context = resource_context(shared.store, _shower(lang), iri, shared.settings.content_path)
    if context is None:
        raise NotFoundError(f"the graph says nothing about <{iri}>")
    root = request.script_root
    path = local_path(name)
    context["data"] = [
        {
            "name": rdf_format(fmt).name,
            "type": rdf_format(fmt).media_type,
            "href": f"{root}/resource/{path}{EXTENSION_OF[fmt]}",
        }
        for fmt in RDF_NAMES
    ]
    neighbourhood = None if _wants_json() else _neighbourhood(iri, lang)
    return _respond(
        "resource.html",
        lang,
        context,
        alternates=[{"type": item["type"], "href": item["href"]} for item in context["data"]],
        section="browse",
        neighbourhood=neighbourhood,
    )


def _ontology_graph() -> str | None:
    """The named graph holding the ``owl:Ontology`` header of the vocabulary."""
    shared = services()
    header = vocabulary_iri(shared.settings.base_iri).rstrip("#")
    rows = select(
        shared.store,
        f"SELECT ?g WHERE {{ GRAPH ?g {{ {ox.NamedNode(header)} a "
        f"{ox.NamedNode(OWL + 'Ontology')} }} }} LIMIT 1",
    )
    return rows[0]["g"].value if rows else None


@blueprint.get("/ontology")
def ontology() -> Response:
    shared = services()
    graph = _ontology_graph()
    if request.args.get("format") is None and negotiate(request.headers.get("Accept")):
        if graph is None:
            raise NotFoundError("the vocabulary has no owl:Ontology header in any graph")
        response = Response(status=303)
        response.headers["Location"] = f"{request.script_root}/data?{urlencode({'graph': graph})}"
        response.headers["Vary"] = "Accept"
        return response
    lang = request_language(request)
    context = ontology_context(shared.store, _shower(lang))
    alternates = (
        [
            {
                "type": "text/turtle",
                "href": f"{request.script_root}/data?{urlencode({'graph': graph})}",
            }
        ]
        if graph
        else []
    )
    return _respond("ontology.html", lang, context, alternates=alternates, section="ontology")


def _chosen_dimensions(base_iri: str) -> list[str]:
    """The ``dimension`` arguments as IRIs: ``HighAvailability``, ``okg:HighAvailability``
    or the full IRI; repeated or comma-separated."""
    vocabulary = vocabulary_iri(base_iri)
    known = prefixes(base_iri)
    chosen = []
    for raw in request.args.getlist("dimension"):
        for value in (part.strip() for part in raw.split(",")):
            if not value:
                continue
            if value.startswith(("http://", "https://")):
                chosen.append(value)
            elif ":" in value:
                prefix, _, local = value.partition(":")
                if prefix not in known:
                    raise ClientError(f"dimension: unknown prefix in {value[:60]!r}")
                chosen.append(known[prefix] + local)
            else:
                chosen.append(vocabulary + value)
    return chosen


@blueprint.get("/compare")
def compare() -> Response:
    shared = services()
    lang = request_language(request)
    chosen = _chosen_dimensions(shared.settings.base_iri)
    context = comparison_context(shared.store, _shower(lang), chosen)
    offered = {dim["iri"] for dim in context["dimensions"]}
    unknown = [iri for iri in chosen if iri not in offered]
    if unknown:
        names = ", ".join(dim["id"] for dim in context["dimensions"])
        raise ClientError(f"dimension: {unknown[0][:80]!r} is not compared; one of {names}")
    return _respond("compare.html", lang, context, section="compare")


@blueprint.get("/sparql-editor")
def editor() -> Response:
    shared = services()
    lang = request_language(request)
    root = request.script_root
    catalogue = shared.catalogue
    known = catalogue.prefixes
    examples = [
        {
            "name": query.name,
            "title": query.title,
            "query": _with_prefixes(query.text, known),
        }
        for query in catalogue.values()
    ]
    default = _with_prefixes(
        "SELECT ?component ?label WHERE {\n"
        "  ?component okg:partOf kg:kubernetes ; rdfs:label ?label .\n"
        f'  FILTER(lang(?label) = "{lang}")\n'
        "}\nORDER BY ?label",
        known,
    )
    asked = request.args.get("query", "")
    context = {
        "endpoint": f"{root}/sparql",
        "prefixes": dict(known),
        "defaultQuery": default,
        "query": asked,
        "examples": examples,
        "installed": all((YASGUI_BUILD / name).is_file() for name in YASGUI_FILES),
    }
    return _respond(
        "editor.html",
        lang,
        context,
        alternates=[
            {"type": "text/turtle", "href": f"{root}/sparql"},
            {"type": "application/json", "href": f"{root}/api/queries?lang={lang}"},
        ],
        section="query",
    )


def _with_prefixes(text: str, known: dict[str, str]) -> str:
    """The query with PREFIX lines for the known prefixes it uses and does not declare, so
    it is standard SPARQL anywhere (this server predeclares them all).

    >>> _with_prefixes("ASK { kg:a okg:b ?c }", {"okg": "urn:o#", "kg": "urn:k/", "x": "urn:x"})
    'PREFIX okg: <urn:o#>\\nPREFIX kg: <urn:k/>\\n\\nASK { kg:a okg:b ?c }'
    """
    declared = {m.lower() for m in re.findall(r"(?im)^\s*PREFIX\s+([\w-]*):", text)}
    used = [
        name
        for name in known
        if name.lower() not in declared and re.search(rf"(?<![\w:<]){re.escape(name)}:", text)
    ]
    if not used:
        return text
    lines = "".join(f"PREFIX {name}: <{known[name]}>\n" for name in used)
    return f"{lines}\n{text}"


@blueprint.get("/assets/yasgui/<name>")
def yasgui_asset(name: str) -> Response:
    media_type = YASGUI_FILES.get(name)
    path = YASGUI_BUILD / name
    if media_type is None or not path.is_file():
        raise NotFoundError(f"no asset {name!r} (the editor's files come from scripts/setup)")
    response = send_file(path, mimetype=media_type, conditional=True, max_age=3600)
    response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    return response
