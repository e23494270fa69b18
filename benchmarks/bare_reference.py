"""A bare SPARQL endpoint, the yardstick ``benchmarks/http.py`` measures orchkg's HTTP layer by.

A few lines of Flask around one in-memory pyoxigraph Store holding the shipped content (each
content file in its named graph; queries see their union as the default graph), served by
waitress with orchkg's default thread count. ``GET /sparql?query=...`` answers SPARQL JSON
(N-Triples for CONSTRUCT and DESCRIBE). No worker processes, no deadline, no limits, no
negotiation, no logging: the least an endpoint on this stack can do.

    .venv/bin/python benchmarks/bare_reference.py --port 8001
"""

# ruff: noqa: E402 -- the path fix below must run before anything imports `http`
from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    # Run as a script, this folder comes first on sys.path, and its http.py would shadow
    # the standard library's `http` (which Flask imports). Look here last instead.
    sys.path.append(sys.path.pop(0))

import argparse
import io
import os
import signal
import socket

import pyoxigraph as ox
from flask import Flask, Response, request
from waitress import serve

from orchkg.content import load_content
from orchkg.formats import rdf_format
from orchkg.settings import load_settings
from orchkg.store import OxigraphStore

THREADS = 8
"""waitress threads: orchkg's default (``threads`` setting)."""
PROCESSES = 1
"""Serving processes sharing the listening socket (``--processes``): give the number orchkg
runs with (its ``serve`` and ``processes`` settings), so both stand on the same server setup."""


def load_engine(content_dir: Path | None = None, base_iri: str | None = None) -> ox.Store:
    """A plain pyoxigraph Store with the shipped content, each file in its named graph.

    The content is read by ``orchkg.content.load_content`` and copied into a plain Store as
    N-Quads, which is how orchkg's query workers get their copy.
    """
    overrides: dict[str, object] = {}
    if content_dir is not None:
        overrides["content_dir"] = str(content_dir)
    if base_iri is not None:
        overrides["base_iri"] = base_iri
    loaded = OxigraphStore()
    load_content(loaded, load_settings(overrides))
    dump = io.BytesIO()
    loaded.export(dump, rdf_format("nquads"))
    engine = ox.Store()
    engine.bulk_load(dump.getvalue(), format=ox.RdfFormat.N_QUADS)
    return engine


def create_app(engine: ox.Store) -> Flask:
    app = Flask(__name__)

    @app.get("/sparql")
    def sparql() -> Response:
        result = engine.query(request.args["query"], use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            body = result.serialize(format=ox.RdfFormat.N_TRIPLES)
            return Response(body, mimetype="application/n-triples")
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(body, mimetype="application/sparql-results+json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on.")
    parser.add_argument("--port", type=int, default=8001, help="TCP port.")
    parser.add_argument("--content-dir", type=Path, help="Folder holding ontology/ and graph/.")
    parser.add_argument("--base-iri", help="Base IRI of the content (orchkg's default if unset).")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help="waitress threads per serving process."
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=PROCESSES,
        help="Serving processes, forked after loading, sharing one listening socket.",
    )
    args = parser.parse_args()
    app = create_app(load_engine(args.content_dir, args.base_iri))
    if args.processes <= 1:
        serve(app, host=args.host, port=args.port, threads=args.threads, ident="bare-reference")
        return
    listener = socket.create_server((args.host, args.port), backlog=1024)
    stops = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    children = []
    for _ in range(args.processes):
        pid = os.fork()
        if pid == 0:  # each child: the same waitress, on the shared socket
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
            serve(app, sockets=[listener], threads=args.threads, ident="bare-reference")
            os._exit(0)
        children.append(pid)
    try:
        signal.sigwait(stops)
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
