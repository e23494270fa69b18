"""Drawing a view in any format, with a cache keyed by the store's version.

``Renderer.render`` is what the web pages and the CLI call: it builds the view's
diagram (``diagrams``), lays it out (``layout``), draws or exports it, and keeps the
bytes in a bounded in-process cache keyed by view, parameters, language, format and
store version, so a repeat request costs a dictionary look-up, and a write (a new
version) draws afresh.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import networkx as nx
import pyoxigraph as ox

from orchkg import analytics, drawing, exports
from orchkg.diagrams import (
    ConstructRunner,
    Request,
    build_diagram,
    local_name,
)
from orchkg.errors import ClientError, NotAcceptableError
from orchkg.guard import Policy, check_query
from orchkg.layout import STYLES, Geometry, layout
from orchkg.namespaces import compact, is_web_iri, prefixes
from orchkg.store import Store

CACHE_ENTRIES = 512


@dataclasses.dataclass(frozen=True)
class Drawn:
    """A view drawn once: its diagram and geometry (formats are made from these)."""

    digraph: nx.MultiDiGraph
    geometry: Geometry


def diagram_title(digraph: nx.MultiDiGraph, request: Request, base_iri: str) -> str:
    """The title drawn above the diagram: the view's, with what its parameters name."""
    lang = request.lang
    title = request.view.title(lang)

    def name(iri: str) -> str:
        if iri in digraph.nodes:
            return str(digraph.nodes[iri].get(f"label_{lang}") or iri)
        return compact(iri, prefixes(base_iri))

    view_name = request.view.name
    if view_name == "compare":
        left, right = name(request.parameter("left")), name(request.parameter("right"))
        return f"{title}: {left} · {right}"
    if view_name == "neighbourhood":
        depth = request.parameter("depth")
        suffix = f"깊이 {depth}" if lang == "ko" else f"depth {depth}"
        return f"{title}: {name(request.parameter('resource'))} ({suffix})"
    if view_name == "dependencies":
        return f"{title}: {name(request.parameter('component'))}"
    return title


def store_runner(
    store: Store, *, base_iri: str | None = None, max_depth: int = 200
) -> ConstructRunner:
    """Run a custom CONSTRUCT in-process, after the same checks as the endpoint (the CLI).

    The project's prefixes are declared for it even when the store predeclares none.
    """

    def run(text: str) -> list[ox.Triple]:
        declared = store_prefixes(store)
        known = declared or prefixes(base_iri or getattr(store, "base_iri", "") or "")
        checked = check_query(text, max_depth=max_depth, predeclared=known)
        prologue = "" if declared else "".join(f"PREFIX {k}: <{v}>\n" for k, v in known.items())
        result = store.query(prologue + checked.text)
        if not isinstance(result, ox.QueryTriples):
            raise ClientError("a custom view takes a CONSTRUCT or DESCRIBE query")
        return list(result)

    return run


def store_prefixes(store: Store) -> dict[str, str]:
    found: dict[str, str] = getattr(store, "prefixes", {})
    return found


def pool_runner(evaluate: Callable[..., Any], *, policy: Policy) -> ConstructRunner:
    """Run a custom CONSTRUCT the way /sparql runs queries: the worker pool, which checks
    it against the ``policy`` and keeps the deadline and result limit (``evaluate`` is the
    pool's)."""

    def run(text: str) -> list[ox.Triple]:
        try:
            answer = evaluate(text, policy=policy, results_format=None, graph_format="ntriples")
        except NotAcceptableError:
            raise ClientError("a custom view takes a CONSTRUCT or DESCRIBE query") from None
        return [quad.triple for quad in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]

    return run


class Renderer:
    """Draws views of one store, remembering what it drew for the store's current version."""

    def __init__(
        self,
        store: Store,
        *,
        base_iri: str,
        run_construct: ConstructRunner | None = None,
        link_prefix: str = "/resource/",
        entries: int = CACHE_ENTRIES,
    ) -> None:
        self.store = store
        self.base_iri = base_iri
        self.run_construct = run_construct or store_runner(store, base_iri=base_iri)
        self.link_prefix = link_prefix
        self._entries = entries
        self._cache: collections.OrderedDict[tuple[Any, ...], Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """The value kept under ``key``, made (and kept) if there is none."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                self.hits += 1
                return self._cache[key]
        value = make()
        with self._lock:
            self.misses += 1
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self._entries:
                self._cache.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def drawn(self, request: Request) -> Drawn:
        """The view's diagram and geometry at the store's current version."""
        key = ("drawn", request, self.store.version)

        def make() -> Drawn:
            digraph = build_diagram(
                self.store, request, base_iri=self.base_iri, run_construct=self.run_construct
            )
            title = diagram_title(digraph, request, self.base_iri)
            digraph.graph["title"] = title
            geometry = layout(digraph, request.lang, mode=request.view.layout, title=title)
            return Drawn(digraph, geometry)

        found: Drawn = self.cached(key, make)
        return found

    def links(self, digraph: nx.MultiDiGraph) -> dict[str, str]:
        """Node IRI -> the path of its resource page, or the IRI itself when it is a web
        address (a node with any other IRI, ``javascript:`` say, is not a link)."""
        out = {}
        for iri in digraph.nodes:
            local = local_name(iri, self.base_iri)
            if local:
                out[iri] = self.link_prefix + local
            elif is_web_iri(iri):
                out[iri] = iri
        return out

    def analytics(
        self, request: Request, path_from: str | None = None, path_to: str | None = None
    ) -> analytics.Analytics:
        key = ("analytics", request, path_from, path_to, self.store.version)

        def make() -> analytics.Analytics:
            return analytics.analyse(
                self.drawn(request).digraph, path_from=path_from, path_to=path_to
            )

        found: analytics.Analytics = self.cached(key, make)
        return found

    def context(
        self, request: Request, path_from: str | None = None, path_to: str | None = None
    ) -> dict[str, Any]:
        """What the view's page shows, as data: the JSON twin's ``graph`` attributes."""
        drawn = self.drawn(request)
        lang = request.lang
        used = {node.style.key for node in drawn.geometry.nodes}
        return {
            "view": request.view.name,
            "title": drawn.digraph.graph.get("title", request.view.title(lang)),
            "description": request.view.description,
            "parameters": dict(request.parameters),
            "lang": lang,
            "version": self.store.version,
            "legend": [
                {
                    "key": style.key,
                    "label": style.label(lang),
                    "fill": style.fill,
                    "shape": style.shape,
                }
                for style in STYLES
                if style.key in used
            ],
            "analytics": self.analytics(request, path_from, path_to).as_json(),
        }

    def render(
        self,
        request: Request,
        fmt: str,
        *,
        path_from: str | None = None,
        path_to: str | None = None,
    ) -> bytes:
        """The view in one format (a name of ``exports.EXPORT_FORMATS``), as bytes."""
        exports.export_format(fmt)
        key = ("bytes", request, fmt, path_from, path_to, self.store.version)

        def make() -> bytes:
            drawn = self.drawn(request)
            if fmt == "svg":
                return drawing.render_svg(drawn.geometry, href=self.links(drawn.digraph)).encode()
            if fmt == "png":
                return drawing.render_png(drawn.geometry)
            if fmt == "json":
                return exports.to_json(drawn.digraph, self.context(request, path_from, path_to))
            if fmt == "dot":
                return exports.to_dot(drawn.digraph, request.lang)
            if fmt == "ttl":
                return exports.to_turtle(drawn.digraph, self.base_iri)
            return exports.WRITERS[fmt](drawn.digraph)

        found: bytes = self.cached(key, make)
        return found
