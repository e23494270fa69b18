"""The canned queries as HTML pages, each the twin of an API answer.

    GET /queries           the catalogue       (twin: /api/queries)
    GET /queries/<name>    a form, the answer as a table, the query text, downloads
                           (twin: /api/queries/<name>?<the same values>)

Pages are Jinja templates (``templates/``, autoescaped) over the same context the API
sends, plus what a person needs: labels in the page's language, links, a form. A
page's language is ``lang=``, else Accept-Language, else English; the language switch
keeps every other argument. Pages make no request to any other site.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from orchkg.app import services
from orchkg.canned import LANGUAGE_NAMES, LANGUAGES, BoundQuery, CannedQuery, split_arguments
from orchkg.canned_api import (
    bind_request,
    catalogue_context,
    evaluate_bound,
    formats_for,
    query_context,
    query_string,
    request_language,
)
from orchkg.namespaces import compact, is_web_iri

blueprint = Blueprint("canned_pages", __name__)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "queries": "Queries",
        "catalogue_intro": "Questions the knowledge graph answers. Each is a SPARQL query "
        "with parameters; every answer is also available as JSON, CSV and SPARQL results.",
        "parameters": "Parameters",
        "no_parameters": "This query takes no parameters.",
        "run": "Run",
        "results": "Results",
        "rows": "rows",
        "no_rows": "No rows.",
        "answer": "Answer",
        "yes": "yes",
        "no": "no",
        "query_text": "Query text",
        "open_editor": "Open in the SPARQL editor",
        "downloads": "Downloads",
        "language": "Language",
        "required": "required",
        "tags": "Tags",
        "api": "API",
        "all_queries": "All queries",
        "default": "default",
        "list_hint": "one or more, separated by commas",
        "triples": "triples",
    },
    "ko": {
        "queries": "질의",
        "catalogue_intro": "지식 그래프가 답하는 질문들입니다. 각 질문은 매개변수가 있는 "
        "SPARQL 질의이며, 모든 답은 JSON, CSV, SPARQL 결과로도 받을 수 있습니다.",
        "parameters": "매개변수",
        "no_parameters": "이 질의에는 매개변수가 없습니다.",
        "run": "실행",
        "results": "결과",
        "rows": "행",
        "no_rows": "결과가 없습니다.",
        "answer": "답",
        "yes": "예",
        "no": "아니요",
        "query_text": "질의 본문",
        "open_editor": "SPARQL 편집기에서 열기",
        "downloads": "내려받기",
        "language": "언어",
        "required": "필수",
        "tags": "태그",
        "api": "API",
        "all_queries": "모든 질의",
        "default": "기본값",
        "list_hint": "하나 이상, 쉼표로 구분",
        "triples": "트리플",
    },
}


def _switch_links(lang: str) -> list[dict[str, Any]]:
    """One link per language to this page with every other argument kept."""
    links = []
    for code in LANGUAGES:
        pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        pairs.append(("lang", code))
        links.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "href": f"{request.path}?{urlencode(pairs)}",
                "current": code == lang,
            }
        )
    return links


def _page(template: str, lang: str, alternates: list[dict[str, str]], **context: Any) -> Response:
    html = render_template(
        template,
        lang=lang,
        t=TEXTS[lang],
        switch=_switch_links(lang),
        alternates=alternates,
        **context,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = "no-cache"
    return response


ShownTerm = Mapping[str, str] | ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple | None


def cell(term: ShownTerm, base: str, known: Mapping[str, str]) -> dict[str, Any]:
    """A table cell for a term (a SPARQL JSON binding or a pyoxigraph term): its text, and a
    link for an IRI (an IRI under the base links to this server's path for it)."""
    if term is None:
        return {"text": ""}
    if isinstance(term, ox.NamedNode):
        kind, value, language = "uri", term.value, None
    elif isinstance(term, ox.BlankNode):
        kind, value, language = "bnode", term.value, None
    elif isinstance(term, ox.Literal):
        kind, value, language = "literal", term.value, term.language
    elif isinstance(term, ox.Triple):
        return {"text": str(term)}
    else:
        kind, value, language = term["type"], term["value"], term.get("xml:lang")
    if kind == "uri":
        short = compact(value, dict(known))
        text = value if short.startswith("<") else short
        if value.startswith(base):
            return {"text": text, "href": "/" + value[len(base) :], "title": value}
        if is_web_iri(value):
            return {"text": text, "href": value, "title": value}
        return {"text": text, "title": value}  # javascript:, data:, urn: ... are no links
    if kind == "bnode":
        return {"text": f"_:{value}"}
    return {"text": value, "lang": language}


def _results(bound: BoundQuery, base: str, known: Mapping[str, str]) -> dict[str, Any]:
    shared = services()
    if bound.query.form == "construct":
        answer = evaluate_bound(shared, bound, results_format=None, graph_format="ntriples")
        triples = list(ox.parse(answer.body, ox.RdfFormat.N_TRIPLES))
        rows = [
            [cell(term, base, known) for term in (quad.subject, quad.predicate, quad.object)]
            for quad in triples
        ]
        return {"columns": ["subject", "predicate", "object"], "rows": rows}
    answer = evaluate_bound(shared, bound, results_format="json", graph_format=None)
    document = json.loads(answer.body)
    if "boolean" in document:
        return {"boolean": bool(document["boolean"])}
    columns: list[str] = document["head"].get("vars", [])
    rows = [
        [cell(binding.get(column), base, known) for column in columns]
        for binding in document["results"]["bindings"]
    ]
    return {"columns": columns, "rows": rows}


def _form_fields(
    query: CannedQuery, shown: Mapping[str, str | list[str]], lang: str
) -> list[dict[str, Any]]:
    """Each parameter as a form control: a drop-down for an enumeration, else a text box."""
    shared = services()
    fields = []
    for param in query.parameters:
        current = shown.get(param.name, [])
        values = [current] if isinstance(current, str) else list(current)
        field: dict[str, Any] = {
            "name": param.name,
            "id": f"p-{param.name}",
            "type": param.type,
            "description": param.description,
            "required": param.required,
            "list": param.is_list,
            "default": param.default,
        }
        if param.enumerated:
            field["control"] = "select"
            field["options"] = [
                {
                    "value": choice.value,
                    "label": choice.label(lang),
                    "selected": choice.value in values,
                }
                for choice in shared.catalogue.allowed_values(param, shared.store)
            ]
        else:
            field["control"] = "input"
            field["input_type"] = "number" if param.type in ("integer", "decimal") else "text"
            field["value"] = ", ".join(values)
            field["max_length"] = None if param.is_list else param.max_length
        fields.append(field)
    return fields


def _arguments(query: CannedQuery, lang: str) -> dict[str, list[str]]:
    """The request's arguments; with none for the query's parameters, its example."""
    arguments = request.args.to_dict(flat=False)
    raw, _ = split_arguments(query, arguments)
    if any(value.strip() for values in raw.values() for value in values):
        return arguments
    example = {name: list(values) for name, values in query.example.items() if name != "lang"}
    if "lang" in query.parameter_names:
        example["lang"] = [lang]
    return example


@blueprint.get("/queries")
def catalogue_page() -> Response:
    shared = services()
    lang = request_language(request)
    context = catalogue_context(shared.catalogue, shared.store, lang)
    alternate = {"type": "application/json", "href": f"/api/queries?lang={lang}"}
    return _page("queries.html", lang, [alternate], catalogue=context)


@blueprint.get("/queries/<name>")
def query_page(name: str) -> Response:
    shared = services()
    query = shared.catalogue.require(name)
    lang = request_language(request, query)
    bound = bind_request(shared, query, _arguments(query, lang), lang)
    known = shared.catalogue.prefixes
    shown = bound.shown(known)
    extra = {} if "lang" in query.parameter_names else {"lang": lang}
    api = f"/api/queries/{query.name}?{query_string(shown, **extra)}"
    downloads = [
        {
            "name": fmt.name,
            "media_type": fmt.media_type,
            "href": f"/api/queries/{query.name}?{query_string(shown, **extra, format=fmt.name)}",
        }
        for fmt in formats_for(query.form)
    ]
    alternates = [{"type": "application/json", "href": api}]
    return _page(
        "query.html",
        lang,
        alternates,
        query=query_context(shared.catalogue, query, shared.store, lang),
        text=query.text,
        fields=_form_fields(query, shown, lang),
        keep_lang="lang" not in query.parameter_names,
        results=_results(bound, shared.settings.base_iri, known),
        downloads=downloads,
        editor=f"/sparql-editor?{urlencode({'query': query.text})}",
        api=api,
    )
