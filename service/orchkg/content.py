"""The content folders: where the ontology and the graph files live, and their named graphs.

A content directory holds ``ontology/*.ttl`` and ``graph/*.ttl`` (and ``queries/``).
Each file ``<folder>/<stem>.ttl`` is loaded into the named graph ``<base>graph/<stem>``,
resolving the file's relative IRIs against the base. The canned queries of ``queries/``
are described in RDF in the named graph ``<base>graph/queries``.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from orchkg.canned import Catalogue, catalogue_triples, load_catalogue
from orchkg.errors import ConfigurationError
from orchkg.formats import rdf_format, rdf_format_for_path
from orchkg.namespaces import prefixes
from orchkg.provenance import IMPORTS_STEM
from orchkg.remote import RemoteStore
from orchkg.settings import Settings
from orchkg.store import OxigraphStore, Store

CONTENT_FOLDERS = ("ontology", "graph")
QUERIES_STEM = "queries"
"""The stem of the named graph describing the canned queries (no content file may use it)."""


@dataclasses.dataclass(frozen=True)
class ContentFile:
    path: Path
    graph: str


def graph_iri(base_iri: str, stem: str) -> str:
    """The named graph of a content file."""
    return f"{base_iri}graph/{stem}"


def content_files(settings: Settings) -> list[ContentFile]:
    """Every content file, ontology first, in a stable order."""
    root = settings.content_path
    files: list[ContentFile] = []
    seen: dict[str, Path] = {}
    for folder in CONTENT_FOLDERS:
        directory = root / folder
        if not directory.is_dir():
            raise ConfigurationError(f"content folder {directory} is missing")
        for path in sorted(directory.glob("*.ttl")):
            if path.stem in (QUERIES_STEM, IMPORTS_STEM):
                raise ConfigurationError(
                    f"{path} would share the named graph of the "
                    + ("query catalogue" if path.stem == QUERIES_STEM else "import records")
                    + f" ({graph_iri(settings.base_iri, path.stem)}); rename it"
                )
            if path.stem in seen:
                raise ConfigurationError(
                    f"{path} and {seen[path.stem]} would share the named graph of {path.stem!r}"
                )
            seen[path.stem] = path
            files.append(ContentFile(path, graph_iri(settings.base_iri, path.stem)))
    if not files:
        raise ConfigurationError(f"no .ttl files under {root}/ontology or {root}/graph")
    return files


def load_query_descriptions(store: Store, settings: Settings, catalogue: Catalogue) -> int:
    """Replace ``<base>graph/queries`` with the catalogue's description; return its triples.

    An empty catalogue leaves no such graph.
    """
    graph = graph_iri(settings.base_iri, QUERIES_STEM)
    triples = catalogue_triples(catalogue, settings.base_iri)
    if not triples:
        store.drop_graph(graph)
        return 0
    body = io.BytesIO()
    ox.serialize(triples, body, ox.RdfFormat.N_TRIPLES)
    body.seek(0)
    return store.load(body, rdf_format("ntriples"), source_name="queries/", graph=graph)


def load_content(
    store: Store,
    settings: Settings,
    *,
    catalogue: Catalogue | None = None,
    on_file: Callable[[ContentFile, int], None] | None = None,
) -> int:
    """Load (or reload) every content file into its named graph, and the description of the
    canned queries (``catalogue``, else read from ``queries/``); return the quads read.

    The queries are read first, so a broken query file stops the load before it starts.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue(settings)
    total = 0
    for item in content_files(settings):
        with item.path.open("rb") as handle:
            count = store.load(
                handle,
                rdf_format_for_path(item.path),
                source_name=str(item.path),
                graph=item.graph,
                base_iri=settings.base_iri,
            )
        total += count
        if on_file is not None:
            on_file(item, count)
    return total + load_query_descriptions(store, settings, catalogue)


def content_loaded(store: Store, settings: Settings) -> bool:
    """Whether every content graph is present (a persistent store filled earlier)."""
    present = set(store.graphs())
    return all(item.graph in present for item in content_files(settings))


def open_store(settings: Settings, *, catalogue: Catalogue | None = None) -> Store:
    """The store the settings ask for, with the content loaded if it is not there yet.

    A persistent store filled earlier gets the description of today's query files. A
    remote store (``remote_endpoint``) is filled the same way when it has an update
    endpoint; without one it must hold the content already.
    """
    store: Store
    if settings.remote_endpoint is not None:
        store = open_remote_store(settings)
    else:
        store = OxigraphStore(
            settings.store,
            union_default_graph=settings.union_default_graph,
            base_iri=settings.base_iri,
            prefixes=prefixes(settings.base_iri),
        )
    writable = settings.remote_endpoint is None or settings.remote_update_endpoint is not None
    persistent = settings.store is not None or settings.remote_endpoint is not None
    if not persistent or not content_loaded(store, settings):
        if not writable:
            raise ConfigurationError(
                f"the remote store at {settings.remote_endpoint} lacks orchkg's content and no "
                "remote_update_endpoint is set to load it"
            )
        load_content(store, settings, catalogue=catalogue)
    elif writable:
        load_query_descriptions(
            store, settings, catalogue if catalogue is not None else load_catalogue(settings)
        )
    return store


def open_remote_store(settings: Settings) -> RemoteStore:
    """The remote store the settings name, its leftovers of crashed loads dropped."""
    assert settings.remote_endpoint is not None
    store = RemoteStore(
        settings.remote_endpoint,
        update_endpoint=settings.remote_update_endpoint,
        graph_store=settings.remote_graph_store,
        user=settings.remote_user,
        password=settings.remote_password,
        auth=settings.remote_auth,
        timeout=settings.query_timeout,
        union_default_graph=settings.union_default_graph,
        base_iri=settings.base_iri,
        prefixes=prefixes(settings.base_iri),
        max_rows=settings.remote_max_rows,
        hidden_graphs=settings.remote_hidden_graphs,
    )
    if settings.remote_update_endpoint is not None:
        store.drop_unfinished_loads()
    return store
