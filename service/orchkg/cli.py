"""The ``orchkg`` command line. Only this module chooses exit codes and prints."""

from __future__ import annotations

import dataclasses
import io
import json
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from orchkg import __version__, provenance
from orchkg.canned import LANGUAGES, Catalogue, load_catalogue, run_canned, split_arguments
from orchkg.content import content_files, graph_iri, load_content, open_store
from orchkg.errors import ClientError, NotFoundError, OrchkgError
from orchkg.formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format, rdf_format_for_path
from orchkg.jsonld import build_context, compact_dataset, compact_graph
from orchkg.namespaces import prefixes
from orchkg.rendering import TABLE, write_result
from orchkg.settings import Settings, load_settings
from orchkg.stats import dataset_stats
from orchkg.store import OxigraphStore, Store, check_graph_iri
from orchkg.validation import validate_store

if TYPE_CHECKING:
    from orchkg.architecture import PlatformModel

OUTPUT_FORMATS = [TABLE, *(fmt.name for fmt in RESULTS_FORMATS), *(fmt.name for fmt in RDF_FORMATS)]


@dataclasses.dataclass
class Context:
    settings: Settings
    config: str | None = None
    overrides: dict[str, object] = dataclasses.field(default_factory=dict)
    _store: Store | None = None

    def with_flags(self, flags: dict[str, object]) -> Settings:
        """The settings again, with a command's own flags layered on top."""
        merged = {**self.overrides, **{k: v for k, v in flags.items() if v is not None}}
        return load_settings(merged, config_file=self.config)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orchkg")
@click.option("--config", type=click.Path(dir_okay=False), help="A TOML settings file.")
@click.option("--store", "store_path", help="Path of a persistent store (default: in memory).")
@click.option("--content-dir", help="Folder holding ontology/, graph/ and queries/.")
@click.option("--base-iri", help="Base IRI for the vocabulary, resources and named graphs.")
@click.option("--endpoint", help="Keep the dataset in this SPARQL 1.1 store (query endpoint).")
@click.option("--update-endpoint", help="The remote store's update endpoint.")
@click.pass_context
def cli(
    ctx: click.Context,
    config: str | None,
    store_path: str | None,
    content_dir: str | None,
    base_iri: str | None,
    endpoint: str | None,
    update_endpoint: str | None,
) -> None:
    """orchkg: a knowledge graph of container-orchestration platforms."""
    overrides = {
        "store": store_path,
        "content_dir": content_dir,
        "base_iri": base_iri,
        "remote_endpoint": endpoint,
        "remote_update_endpoint": update_endpoint,
    }
    ctx.obj = Context(load_settings(overrides, config_file=config), config, dict(overrides))


class _LoadProgress:
    """Progress on stderr: a live line on a terminal, periodic lines otherwise."""

    def __init__(self, name: str, size: int | None, stream: IO[str]) -> None:
        self.name, self.size, self.stream = name, size, stream
        self.started = time.perf_counter()
        self.live = stream.isatty()

    def __call__(self, quads: int, bytes_read: int) -> None:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        share = f"{100 * bytes_read / self.size:5.1f}% " if self.size else ""
        text = f"{self.name}: {share}{quads:,} quads, {quads / elapsed:,.0f} quads/s"
        if self.live:
            self.stream.write("\r" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self, quads: int, graph: str | None) -> None:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        if self.live:
            self.stream.write("\n")
        target = f"<{graph}>" if graph else "their graphs"
        self.stream.write(
            f"loaded {quads:,} quads from {self.name} into {target} in {elapsed:.2f} s "
            f"({quads / elapsed:,.0f} quads/s)\n"
        )


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--graph", help="Named graph IRI for the triples (default: <base>graph/<file stem>).")
@click.option("--default", "to_default", is_flag=True, help="Load triples into the default graph.")
@click.option("--format", "format_name", help="RDF format, when the extension does not tell.")
@click.option("--append", is_flag=True, help="Add to the graph instead of replacing it.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.pass_obj
def load(
    obj: Context,
    files: tuple[str, ...],
    graph: str | None,
    to_default: bool,
    format_name: str | None,
    append: bool,
    quiet: bool,
) -> None:
    """Load RDF files into named graphs, each whole or not at all.

    Loading replaces the target graph, so loading a file twice is harmless. Dataset
    formats (TriG, N-Quads, JSON-LD) keep their own named graphs.
    """
    for name in files:
        path = Path(name)
        fmt = rdf_format(format_name) if format_name else rdf_format_for_path(path)
        target = None if to_default else graph or graph_iri(obj.settings.base_iri, path.stem)
        try:
            handle = path.open("rb")
        except OSError as error:
            raise ClientError(f"{path}: cannot read: {error.strerror}") from error
        progress = _LoadProgress(str(path), path.stat().st_size, sys.stderr)
        started = provenance.now()
        with handle:
            count = obj.store.load(
                handle,
                fmt,
                source_name=str(path),
                graph=target,
                base_iri=obj.settings.base_iri,
                replace=not append,
                on_progress=None if quiet else progress,
            )
        if target is not None and not fmt.datasets:
            activity = provenance.Activity(
                target,
                "orchkg load",
                provenance.cli_agent(),
                str(path),
                fmt.media_type,
                started,
                provenance.now(),
            )
            provenance.record(obj.store, activity, obj.settings.base_iri, replace=not append)
        if not quiet:
            progress.finish(count, target)
    if obj.settings.store is None and not quiet:
        click.echo("note: the store is in memory; nothing is kept (use --store PATH)", err=True)
    obj.store.close()


def _read_query(text: str | None, file: str | None) -> str:
    if text is not None and file is not None:
        raise ClientError("give the query as an argument or with --file, not both")
    if file is not None:
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ClientError(f"{file}: cannot read the query: {error}") from error
    if text is None or text == "-":
        if sys.stdin.isatty():
            raise ClientError("no query: give one as an argument, with --file, or on stdin")
        return sys.stdin.read()
    return text


@cli.command()
@click.argument("sparql", required=False)
@click.option("--file", "-f", "file", type=click.Path(dir_okay=False), help="Read the query here.")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(OUTPUT_FORMATS),
    help="Output format (default: table for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE).",
)
@click.option(
    "--default-graph", multiple=True, help="Use this graph as (part of) the default graph."
)
@click.option("--named-graph", multiple=True, help="Make only these named graphs visible.")
@click.pass_obj
def query(
    obj: Context,
    sparql: str | None,
    file: str | None,
    format_name: str | None,
    default_graph: tuple[str, ...],
    named_graph: tuple[str, ...],
) -> None:
    """Run a SPARQL query (argument, --file, or stdin) and print the results."""
    text = _read_query(sparql, file)
    result = obj.store.query(
        text,
        default_graphs=list(default_graph) or None,
        named_graphs=list(named_graph) or None,
        base_iri=obj.settings.base_iri,
    )
    write_result(result, sys.stdout.buffer, format_name, known=prefixes(obj.settings.base_iri))
    sys.stdout.buffer.flush()


@cli.command()
@click.option("--graph", help="Export only this named graph (any format).")
@click.option(
    "--format",
    "format_name",
    default="trig",
    show_default=True,
    type=click.Choice([fmt.name for fmt in RDF_FORMATS]),
    help="RDF format; the whole dataset needs trig, nquads or jsonld.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.option(
    "--compact",
    is_flag=True,
    help="JSON-LD only: compact with orchkg's context (plain keys; read into memory first).",
)
@click.pass_obj
def export(
    obj: Context, graph: str | None, format_name: str, output: str | None, compact: bool
) -> None:
    """Write the whole dataset, or one graph, as RDF."""
    fmt = rdf_format(format_name)
    if compact and fmt.name != "jsonld":
        raise ClientError("--compact is for --format jsonld")
    handle = sys.stdout.buffer if output is None else Path(output).open("wb")  # noqa: SIM115
    try:
        if compact:
            handle.write(_compacted(obj, graph))
        else:
            obj.store.export(handle, fmt, graph=graph)
    finally:
        if output is None:
            handle.flush()
        else:
            handle.close()


def _compacted(obj: Context, graph: str | None) -> bytes:
    """The dataset, or one graph, as JSON-LD compacted with orchkg's context."""
    context = build_context(obj.store, obj.settings.base_iri)
    dump = io.BytesIO()
    if graph is None:
        obj.store.export(dump, rdf_format("nquads"))
        return compact_dataset(dump.getvalue(), context)
    obj.store.export(dump, rdf_format("ntriples"), graph=graph)
    return compact_graph(dump.getvalue(), context)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, exists=True))
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def validate(obj: Context, files: tuple[str, ...], format_name: str) -> None:
    """Check the dataset against the SHACL shapes in ontology/.

    With FILES, check the dataset as it would be with those files added (each in a
    graph of its own), before you load them.
    Exits 1 when there are violations.
    """
    settings = obj.settings
    if files:
        store: Store = OxigraphStore()
        dump = io.BytesIO()
        obj.store.export(dump, rdf_format("nquads"))
        dump.seek(0)
        store.load(dump, rdf_format("nquads"), source_name="the dataset")
        for name in files:
            path = Path(name)
            with path.open("rb") as handle:
                store.load(
                    handle,
                    rdf_format_for_path(path),
                    source_name=str(path),
                    graph=graph_iri(settings.base_iri, f"check-{path.stem}"),
                    base_iri=settings.base_iri,
                )
    else:
        store = obj.store
    report = validate_store(store, settings)
    if format_name == "json":
        click.echo(
            json.dumps(
                {
                    "conforms": report.conforms,
                    "data_triples": report.data_triples,
                    "violations": [dataclasses.asdict(v) for v in report.violations],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for violation in report.violations:
            click.echo(str(violation))
        serious = sum(1 for v in report.violations if v.severity == "Violation")
        others = len(report.violations) - serious
        verdict = "conforms" if report.conforms else f"{serious} violation(s)"
        if others:
            verdict += f", {others} warning(s)"
        click.echo(f"{report.data_triples:,} data triples checked: {verdict}")
    if not report.conforms:
        sys.exit(1)


@cli.command()
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text")
@click.option("--top", default=15, show_default=True, help="Classes and properties to list.")
@click.pass_obj
def stats(obj: Context, format_name: str, top: int) -> None:
    """Triples per named graph, and the most used classes and properties."""
    figures = dataset_stats(obj.store)
    if format_name == "json":
        click.echo(json.dumps(figures.as_json(), indent=2))
        return
    click.echo(f"{figures.triples:,} triples in {len(figures.graphs)} graphs")
    for graph, count in figures.graphs.items():
        click.echo(f"  {count:>9,}  {graph}")
    click.echo(f"classes ({len(figures.classes)}):")
    for iri, count in list(figures.classes.items())[:top]:
        click.echo(f"  {count:>9,}  {iri}")
    click.echo(f"properties ({len(figures.properties)}):")
    for iri, count in list(figures.properties.items())[:top]:
        click.echo(f"  {count:>9,}  {iri}")


@cli.command()
@click.option("--host", help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="TCP port (default 8000).")
@click.option("--update-token", help="Bearer token that enables /update and writes to /data.")
@click.option("--query-timeout", type=float, help="Seconds a query may run (default 5).")
@click.option("--workers", "query_workers", type=int, help="Query worker processes (default 2).")
@click.option("--endpoint", help="Keep the dataset in this SPARQL 1.1 store (query endpoint).")
@click.option("--update-endpoint", help="The remote store's update endpoint.")
@click.option(
    "--serve",
    "layout",
    type=click.Choice(["workers", "processes"]),
    help="Server layout (the serve setting).",
)
@click.option("--processes", type=int, help="Serving processes with --serve processes.")
@click.pass_obj
def serve(
    obj: Context,
    host: str | None,
    port: int | None,
    update_token: str | None,
    query_timeout: float | None,
    query_workers: int | None,
    endpoint: str | None,
    update_endpoint: str | None,
    layout: str | None,
    processes: int | None,
) -> None:
    """Serve the SPARQL endpoint and the web interface (until SIGTERM or Ctrl-C)."""
    from orchkg.server import serve as run_server  # noqa: PLC0415 -- heavy, only for serve

    flags: dict[str, object] = {
        "host": host,
        "port": port,
        "update_token": update_token,
        "query_timeout": query_timeout,
        "query_workers": query_workers,
        "remote_endpoint": endpoint,
        "remote_update_endpoint": update_endpoint,
        "serve": layout,
        "processes": processes,
    }
    run_server(obj.with_flags(flags))


@cli.group()
def queries() -> None:
    """The canned queries of queries/: list them, run one."""


def _catalogue(obj: Context) -> Catalogue:
    catalogue = load_catalogue(obj.settings)
    if obj._store is None:
        obj._store = open_store(obj.settings, catalogue=catalogue)
    return catalogue


@queries.command(name="list")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def list_queries(obj: Context, format_name: str) -> None:
    """Each canned query: its name, title and parameters."""
    catalogue = load_catalogue(obj.settings)
    if format_name == "json":
        listed = [
            {
                "name": query.name,
                "title": query.title,
                "form": query.form,
                "parameters": [
                    {
                        "name": param.name,
                        "type": param.type,
                        "required": param.required,
                        "list": param.is_list,
                        "default": param.default,
                    }
                    for param in query.parameters
                ],
            }
            for query in catalogue.values()
        ]
        click.echo(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    for query in catalogue.values():
        click.echo(f"{query.name}  {query.title}")
        described = []
        for param in query.parameters:
            notes = [param.type + (" list" if param.is_list else "")]
            if param.default is not None:
                notes.append(f"default {param.default}")
            elif param.required:
                notes.append("required")
            described.append(f"{param.name} ({', '.join(notes)})")
        click.echo(f"    {', '.join(described) if described else 'no parameters'}")
    click.echo(f"({len(catalogue)} queries)")


@queries.command(name="run")
@click.argument("name")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter value; repeat it for more (and for each value of a list).",
)
@click.option("--lang", type=click.Choice(LANGUAGES), help="Language of labels and texts.")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(OUTPUT_FORMATS),
    help="Output format (default: table for SELECT/ASK, turtle for CONSTRUCT).",
)
@click.pass_obj
def run_query(
    obj: Context, name: str, params: tuple[str, ...], lang: str | None, format_name: str | None
) -> None:
    """Run the canned query NAME with its parameters bound as RDF terms."""
    catalogue = _catalogue(obj)
    query = catalogue.require(name)
    given: dict[str, list[str]] = {}
    for item in params:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ClientError(f"--param {item!r}: write it as key=value")
        given.setdefault(key.strip(), []).append(value)
    raw, asked = split_arguments(query, given)
    bound = catalogue.bind(name, raw, obj.store, lang or asked)
    result = run_canned(obj.store, bound)
    write_result(result, sys.stdout.buffer, format_name, known=prefixes(obj.settings.base_iri))
    sys.stdout.buffer.flush()


@cli.command(name="drop")
@click.argument("graph")
@click.pass_obj
def drop(obj: Context, graph: str) -> None:
    """Drop the named graph GRAPH as a whole, with its provenance record."""
    check_graph_iri(graph)
    if graph == provenance.imports_graph(obj.settings.base_iri):
        raise ClientError(f"<{graph}> holds the provenance records; drop the graphs they describe")
    if not obj.store.drop_graph(graph):
        raise NotFoundError(f"there is no graph <{graph}>")
    provenance.forget(obj.store, graph, obj.settings.base_iri)
    click.echo(f"dropped <{graph}>")
    obj.store.close()


def _platform_model(obj: Context, platform: str) -> PlatformModel:
    from orchkg.architecture import platform_iri, platform_model  # noqa: PLC0415

    base = obj.settings.base_iri
    return platform_model(obj.store, platform_iri(platform, base), base)


def _write_text(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(output).write_text(text, encoding="utf-8")


@cli.group()
def backstage() -> None:
    """Backstage software catalogs: export a platform, import a catalog-info.yaml."""


@backstage.command(name="export")
@click.argument("platform")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.pass_obj
def backstage_export(obj: Context, platform: str, output: str | None) -> None:
    """Write PLATFORM (kubernetes, mesos-marathon, dcos, or any okg:Platform) as a catalog."""
    from orchkg.backstage import export_catalog  # noqa: PLC0415

    model = _platform_model(obj, platform)
    _write_text(export_catalog(obj.store, model, obj.settings.base_iri), output)


@backstage.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--graph", required=True, help="Named graph IRI the catalog replaces.")
@click.pass_obj
def backstage_import(obj: Context, file: str, graph: str) -> None:
    """Import the catalog FILE into the named graph GRAPH, whole or not at all."""
    from orchkg.backstage import import_catalog  # noqa: PLC0415

    check_graph_iri(graph)
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        raise ClientError(f"{file}: cannot read: {error.strerror}") from error
    outcome = import_catalog(
        obj.store,
        data,
        source=file,
        graph=graph,
        base_iri=obj.settings.base_iri,
        agent=provenance.cli_agent(),
    )
    click.echo(f"imported {outcome.entities} entities ({outcome.triples} triples) into <{graph}>")
    if obj.settings.store is None:
        click.echo("note: the store is in memory; nothing is kept (use --store PATH)", err=True)
    obj.store.close()


@cli.group()
def structurizr() -> None:
    """Structurizr workspaces (the C4 model) of a platform."""


@structurizr.command(name="export")
@click.argument("platform")
@click.option("--dsl", is_flag=True, help="Structurizr DSL text instead of a JSON workspace.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.pass_obj
def structurizr_export(obj: Context, platform: str, dsl: bool, output: str | None) -> None:
    """Write PLATFORM as a Structurizr workspace (JSON, or DSL with --dsl)."""
    from orchkg.structurizr import workspace_dsl, workspace_json_text  # noqa: PLC0415

    model = _platform_model(obj, platform)
    write = workspace_dsl if dsl else workspace_json_text
    _write_text(write(model, obj.settings.base_iri), output)


@cli.command(name="reload")
@click.pass_obj
def reload_content(obj: Context) -> None:
    """Reload the content folders (ontology/, graph/) into a persistent store."""
    count = load_content(obj.store, obj.settings)
    for item in content_files(obj.settings):  # content again, no longer an import
        provenance.forget(obj.store, item.graph, obj.settings.base_iri)
    click.echo(f"reloaded {count:,} quads from {obj.settings.content_dir}")
    obj.store.close()


@cli.command(name="view")
@click.argument("name", required=False)
@click.option("--list", "list_views", is_flag=True, help="List the views and their parameters.")
@click.option("--param", "-p", "params", multiple=True, help="A view parameter, as key=value.")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["svg", "png", "graphml", "gexf", "dot", "json", "cyjs", "ttl"]),
    help="Output format (default: from the file extension, else svg).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.pass_obj
def view_command(
    obj: Context,
    name: str | None,
    list_views: bool,
    params: tuple[str, ...],
    lang: str,
    format_name: str | None,
    output: str | None,
) -> None:
    """Draw or export an architecture view (see --list)."""
    from orchkg.diagrams import VIEWS, make_request  # noqa: PLC0415 -- heavy, only for view
    from orchkg.renderer import Renderer  # noqa: PLC0415

    if list_views:
        for item in VIEWS.values():
            click.echo(f"{item.name:<15} {item.title_en}")
            for parameter in item.parameters:
                click.echo(f"{'':<15}   {parameter.name}={parameter.default}  {parameter.help}")
        return
    if name is None:
        raise ClientError("name a view (orchkg view --list shows them)")
    given: dict[str, str] = {}
    for pair in params:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ClientError(f"--param takes key=value, not {pair!r}")
        given[key.strip()] = value
    if format_name is None:
        suffix = Path(output).suffix.lstrip(".") if output else ""
        format_name = (
            suffix if suffix in ("png", "graphml", "gexf", "dot", "json", "cyjs", "ttl") else "svg"
        )
    request = make_request(name, given, lang, base_iri=obj.settings.base_iri)
    body = Renderer(obj.store, base_iri=obj.settings.base_iri).render(request, format_name)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        Path(output).write_bytes(body)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning orchkg errors into one line and exit status 1."""
    try:
        cli.main(args=argv, prog_name="orchkg", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("orchkg: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except OrchkgError as error:
        click.echo(f"orchkg: error: {error.message}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
