"""Settings, declared once as data.

Each setting has a name, a type, a default and help text. Values are resolved in
this order, later ones winning: the defaults below, a TOML settings file, the
environment (``ORCHKG_<NAME>``), and explicit overrides (command-line flags or a
test's dictionary). Nothing else in orchkg reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orchkg.errors import ConfigurationError

DEFAULT_BASE_IRI = "https://w3id.org/orchkg/"
SERVE_LAYOUTS = ("workers", "processes")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting. ``limit`` names the vocabulary term (``okg:<limit>``) under which the
    service description and the VoID description state it, for the settings that limit
    what a client may do."""

    name: str
    type: type
    default: Any
    help: str
    limit: str | None = None


def _default_content_dir() -> str:
    """The checkout's top folder when it holds the content folders, else the working directory."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "graph").is_dir() and (checkout / "ontology").is_dir():
        return str(checkout)
    return str(Path.cwd())


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base_iri",
        str,
        DEFAULT_BASE_IRI,
        "Base IRI of the vocabulary, the resources and the named graphs; content files are "
        "resolved against it when loaded.",
    ),
    Setting(
        "content_dir",
        str,
        None,
        "Folder holding ontology/, graph/ and queries/ (default: the checkout, else the "
        "working directory).",
    ),
    Setting(
        "store",
        str,
        None,
        "Path of a persistent on-disk store; empty for an in-memory store that is filled from "
        "the content folders at start.",
    ),
    Setting(
        "remote_endpoint",
        str,
        None,
        "Query endpoint of a SPARQL 1.1 store that holds the dataset instead of the embedded "
        "store (docs/remote-store.md); the service then keeps no data of its own.",
    ),
    Setting(
        "remote_update_endpoint",
        str,
        None,
        "Update endpoint of the remote store; without it the remote store is only read.",
    ),
    Setting(
        "remote_graph_store",
        str,
        None,
        "Graph Store Protocol endpoint of the remote store (Virtuoso: /sparql-graph-crud-auth); "
        "when set, loads POST N-Triples there in batches of 50,000 instead of sending SPARQL "
        "Update in batches of 1,000.",
    ),
    Setting("remote_user", str, None, "User name orchkg gives the remote store, if it asks."),
    Setting(
        "remote_password",
        str,
        None,
        "Password for remote_user (set it in the environment, ORCHKG_REMOTE_PASSWORD).",
    ),
    Setting("remote_auth", str, "digest", "HTTP authentication scheme: 'digest' or 'basic'."),
    Setting(
        "remote_max_rows",
        int,
        10_000,
        "The remote store's own cap on result rows (Virtuoso's ResultSetMaxRows): an answer "
        "that reaches it is refused with 502, never passed on cut short.",
    ),
    Setting(
        "remote_hidden_graphs",
        tuple,
        (
            "http://www.openlinksw.com/schemas/virtrdf#",
            "http://www.w3.org/ns/ldp#",
            "http://localuriqaserver/sparql",
        ),
        "Named graphs (or IRI prefixes) of the remote store that are not orchkg's dataset: "
        "its system graphs. Comma-separated in the environment.",
    ),
    Setting(
        "union_default_graph",
        bool,
        True,
        "Queries without a dataset see the union of all named graphs as their default graph.",
    ),
    Setting("host", str, "127.0.0.1", "Interface the server listens on."),
    Setting("port", int, 8000, "TCP port the server listens on."),
    Setting(
        "serve",
        str,
        "workers",
        "How the server is laid out: 'workers' (one serving process; queries evaluated in "
        "query worker processes) or 'processes' (several serving processes sharing the port, "
        "each evaluating its queries itself and stopped at a query's deadline; in-memory "
        "store only).",
    ),
    Setting(
        "processes",
        int,
        2,
        "Serving processes with serve = 'processes' (a supervisor starts them and replaces "
        "one that ends).",
    ),
    Setting(
        "threads", int, 8, "Request-handling threads of the WSGI server (of each serving process)."
    ),
    Setting(
        "query_workers",
        int,
        2,
        "Worker processes evaluating queries; at most this many queries run at once (with "
        "serve = 'processes': at most this many in each serving process).",
        "concurrentEvaluations",
    ),
    Setting(
        "max_worker_memory",
        int,
        2048,
        "Megabytes of memory a query worker may hold, its copy of the data included; a "
        "query that needs more is stopped and answered 503 (0: no limit).",
        "maxWorkerMemoryMegabytes",
    ),
    Setting(
        "query_timeout",
        float,
        5.0,
        "Seconds a query may run; past it the evaluation is stopped and the answer is 503.",
        "queryTimeoutSeconds",
    ),
    Setting(
        "queue_wait",
        float,
        2.0,
        "Seconds a request waits for a free query worker before it gets 503 (overloaded).",
        "queueWaitSeconds",
    ),
    Setting(
        "max_queued",
        int,
        16,
        "Requests that may wait for a busy query worker; beyond them, 503 at once.",
        "maxQueuedRequests",
    ),
    Setting(
        "max_result_bytes",
        int,
        50_000_000,
        "Largest serialised query result; a larger one is refused with 413, never cut short.",
        "maxResultBytes",
    ),
    Setting(
        "max_body_bytes",
        int,
        10_000_000,
        "Largest request body accepted (413 past it).",
        "maxRequestBodyBytes",
    ),
    Setting(
        "max_body_depth",
        int,
        64,
        "Deepest nesting accepted in an RDF body: JSON-LD objects and arrays, RDF/XML "
        "elements (400 past it); RDF/XML entities may not expand a body past max_body_bytes.",
        "maxBodyNesting",
    ),
    Setting(
        "max_uri_length",
        int,
        16_384,
        "Longest request URI accepted (414 past it).",
        "maxRequestUriLength",
    ),
    Setting(
        "max_query_depth",
        int,
        200,
        "Deepest nesting of brackets accepted in a query or update (400 past it).",
        "maxQueryNesting",
    ),
    Setting(
        "max_query_operators",
        int,
        1000,
        "Most operators and patterns (UNION, OPTIONAL, MINUS, FILTER, BIND, operators, triple "
        "patterns) accepted in a query or update, data blocks aside (400 past it).",
        "maxQueryOperators",
    ),
    Setting(
        "channel_timeout",
        int,
        30,
        "Seconds of inactivity after which a client connection is closed, and seconds a "
        "request's head may take to arrive (slow clients).",
        "idleConnectionSeconds",
    ),
    Setting(
        "max_connections",
        int,
        200,
        "Client connections held open at once; more wait to be accepted.",
        "maxConnections",
    ),
    Setting(
        "update_token",
        str,
        None,
        "Bearer token that enables SPARQL Update at /update and writes to /data; unset, "
        "both are off.",
    ),
    Setting(
        "federation_allowlist",
        tuple,
        (),
        "Endpoint IRIs (or prefixes ending in '/') that SERVICE and LOAD may reach; "
        "everything else is refused. Comma-separated in the environment.",
    ),
    Setting(
        "federation_timeout",
        float,
        3.0,
        "Seconds one SERVICE call may take, from connecting to the last byte of the answer; "
        "past it the call fails (504, or no bindings under SERVICE SILENT). query_timeout "
        "still bounds the whole query.",
        "federationTimeoutSeconds",
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclasses.dataclass(frozen=True)
class Settings:
    base_iri: str = DEFAULT_BASE_IRI
    content_dir: str = dataclasses.field(default_factory=_default_content_dir)
    store: str | None = None
    remote_endpoint: str | None = None
    remote_update_endpoint: str | None = None
    remote_graph_store: str | None = None
    remote_user: str | None = None
    remote_password: str | None = None
    remote_auth: str = "digest"
    remote_max_rows: int = 10_000
    remote_hidden_graphs: tuple[str, ...] = (
        "http://www.openlinksw.com/schemas/virtrdf#",
        "http://www.w3.org/ns/ldp#",
        "http://localuriqaserver/sparql",
    )
    union_default_graph: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    serve: str = "workers"
    processes: int = 2
    threads: int = 8
    query_workers: int = 2
    max_worker_memory: int = 2048
    query_timeout: float = 5.0
    queue_wait: float = 2.0
    max_queued: int = 16
    max_result_bytes: int = 50_000_000
    max_body_bytes: int = 10_000_000
    max_body_depth: int = 64
    max_uri_length: int = 16_384
    max_query_depth: int = 200
    max_query_operators: int = 1000
    channel_timeout: int = 30
    max_connections: int = 200
    update_token: str | None = None
    federation_allowlist: tuple[str, ...] = ()
    federation_timeout: float = 3.0

    @property
    def updates_enabled(self) -> bool:
        return bool(self.update_token)

    @property
    def content_path(self) -> Path:
        return Path(self.content_dir)


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    if value is None or isinstance(value, setting.type):
        return value
    if setting.type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if setting.type is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
    elif setting.type in (int, float) and isinstance(value, str | int | float):
        try:
            return setting.type(value)
        except ValueError:
            pass
    elif setting.type is str and isinstance(value, str | Path):
        return str(value)
    elif setting.type is tuple and isinstance(value, str | list):
        items = value.split(",") if isinstance(value, str) else value
        return tuple(str(item).strip() for item in items if str(item).strip())
    raise ConfigurationError(
        f"setting {setting.name!r} from {origin}: expected {setting.type.__name__}, got {value!r}"
    )


def _check_together(values: Mapping[str, Any]) -> None:
    """The rules that look at a setting's value, or at several settings together."""
    base = values.get("base_iri", DEFAULT_BASE_IRI)
    if not base.endswith(("/", "#")):
        raise ConfigurationError(f"setting 'base_iri' must end with '/' or '#', got {base!r}")
    if values.get("federation_timeout", 1.0) <= 0:
        raise ConfigurationError(
            "setting 'federation_timeout' must be a positive number of seconds"
        )
    if values.get("store") and values.get("remote_endpoint"):
        raise ConfigurationError("give 'store' (embedded) or 'remote_endpoint', not both")
    if values.get("serve", "workers") not in SERVE_LAYOUTS:
        raise ConfigurationError(
            f"setting 'serve' must be one of {', '.join(SERVE_LAYOUTS)}, got {values['serve']!r}"
        )
    if values.get("serve") == "processes" and values.get("store"):
        raise ConfigurationError(
            "setting 'serve' = 'processes' shares an in-memory store between serving "
            "processes; an on-disk store needs serve = 'workers'"
        )
    if values.get("processes", 1) < 1:
        raise ConfigurationError("setting 'processes' must be at least 1")
    if values.get("serve") == "processes" and values.get("remote_endpoint"):
        raise ConfigurationError(
            "setting 'serve' = 'processes' shares an in-memory store between serving "
            "processes; a remote store is served with serve = 'workers' (add replicas instead)"
        )


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings from the defaults, a TOML file, the environment and overrides."""
    values: dict[str, Any] = {}
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if config_file is not None:
        path = Path(config_file)
        try:
            with path.open("rb") as handle:
                layers.append((str(path), tomllib.load(handle)))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigurationError(f"settings file {path}: {error}") from error
    env = os.environ if environ is None else environ
    layers.append(
        (
            "the environment",
            {
                name: env[f"ORCHKG_{name.upper()}"]
                for name in _BY_NAME
                if f"ORCHKG_{name.upper()}" in env
            },
        )
    )
    layers.append(("overrides", dict(overrides or {})))
    for origin, layer in layers:
        for name, value in layer.items():
            setting = _BY_NAME.get(name)
            if setting is None:
                raise ConfigurationError(f"unknown setting {name!r} in {origin}")
            if value is None:
                continue
            values[name] = _coerce(setting, value, origin)
    for optional in ("store", "remote_endpoint", "remote_update_endpoint"):
        if values.get(optional) == "":
            values[optional] = None
    _check_together(values)
    return Settings(**values)
