"""The shipped content served by rdflib-endpoint, for ``benchmarks/http.py`` to compare with.

This module runs in a virtualenv of its own (``rdflib-endpoint[web]`` from PyPI), not in the
project's; ``http.py`` creates it. It is started the way rdflib-endpoint's README says, with
uvicorn::

    ORCHKG_BENCH_CONTENT=content.json \\
        VENV/bin/uvicorn rdflib_endpoint_app:app --app-dir benchmarks --host 127.0.0.1 --port 8002

``ORCHKG_BENCH_CONTENT`` names a JSON file ``{"base_iri": ..., "files": [{"path": ...,
"graph": ...}, ...]}`` (``http.py`` writes it from ``orchkg.content.content_files``). Each
Turtle file is parsed into its named graph of an rdflib ``Dataset(default_union=True)``, with
relative IRIs resolved against the base, so queries see the union of the named graphs as their
default graph, as in orchkg. The endpoint is at ``/sparql``.
"""

# ruff: noqa: E402 -- the path fix below must run before anything imports `http`
from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    # uvicorn --app-dir puts this folder first on sys.path, and its http.py would shadow the
    # standard library's `http` (which Starlette imports). Look here last instead.
    sys.path.append(sys.path.pop(0))

import json
import os
import warnings

import rdflib  # type: ignore[import-not-found,unused-ignore]
from rdflib_endpoint import SparqlEndpoint  # type: ignore[import-not-found,unused-ignore]

warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")


def build_dataset(spec_path: str) -> rdflib.Dataset:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    dataset = rdflib.Dataset(default_union=True)
    for item in spec["files"]:
        named = dataset.graph(rdflib.URIRef(item["graph"]))
        named.parse(item["path"], format="turtle", publicID=spec["base_iri"])
    return dataset


def create_app() -> SparqlEndpoint:
    spec_path = os.environ.get("ORCHKG_BENCH_CONTENT")
    if not spec_path:
        raise SystemExit("set ORCHKG_BENCH_CONTENT to the JSON file naming the content files")
    return SparqlEndpoint(
        graph=build_dataset(spec_path),
        path="/sparql",
        title="orchkg content on rdflib-endpoint",
        description="The shipped orchkg content, for benchmarks/http.py",
    )


app = create_app() if os.environ.get("ORCHKG_BENCH_CONTENT") else None
