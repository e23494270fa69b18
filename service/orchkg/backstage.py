"""Backstage software catalogs: a platform as ``catalog-info.yaml``, and a catalog into a graph.

Export (``export_catalog``) writes one YAML document per entity of a platform's model
(``orchkg.architecture``), ``apiVersion: backstage.io/v1alpha1``:

    orchkg                          Backstage
    a system (okg:Platform)         kind System
    a part, typed schema:WebAPI     kind API
    a part with okg:StateStoreRole  kind Resource (a state store, a coordination service)
      or okg:CoordinationServiceRole
    any other part                  kind Component
    okg:partOf a system             spec.system
    okg:partOf a component          spec.subcomponentOf
    okg:dependsOn (and sub-props)   spec.dependsOn (the exact property in orchkg.dev/relations)
    okg:exposes / okg:uses an API   spec.providesApis / spec.consumesApis
    okg:developedBy an organisation spec.owner of a System (group:default/<name>)
    rdfs:label @en / @ko            metadata.title / annotation orchkg.dev/label-ko
    skos:definition @en / @ko       metadata.description / annotation orchkg.dev/definition-ko
    rdf:type, okg:hasRole           annotations orchkg.dev/types, orchkg.dev/roles
    other architecture relations    annotation orchkg.dev/relations, one "property ref" a line
    the IRI                         annotation orchkg.dev/iri

Import (``read_catalog``, ``catalog_triples``, ``import_catalog``) reads the same mapping
back, so exporting a platform and importing the export gives the exported facts again;
a hand-written catalog without the orchkg annotations gets the defaults (System ->
okg:Platform, Component and Resource -> okg:Component, API -> schema:WebAPI, IRIs
``kg:<name>``). References resolve to an entity of the file, else to a resource of the
store (``component:default/kube-apiserver`` -> ``kg:kube-apiserver``); anything else is
an error naming the document and the field, and nothing is stored.

YAML is read with PyYAML's safe loader only, after a screen of its events: no anchors or
aliases (no "billion laughs"), bounded size, documents and nesting.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox
import yaml

from orchkg import provenance
from orchkg.architecture import WEB_API, PlatformModel, is_backstage_name
from orchkg.diagrams import ROLE_PRIORITY
from orchkg.errors import ClientError
from orchkg.namespaces import (
    STANDARD_PREFIXES,
    compact,
    prefixes,
    resource_iri,
    sparql_prologue,
    vocabulary_iri,
)
from orchkg.store import Store, check_graph_iri

EXPORT_API_VERSION = "backstage.io/v1alpha1"
API_VERSIONS = ("backstage.io/v1alpha1", "backstage.io/v1beta1")
KINDS = ("System", "Component", "Resource", "API")
MEDIA_TYPE = "application/yaml"

IRI_KEY = "orchkg.dev/iri"
TYPES_KEY = "orchkg.dev/types"
ROLES_KEY = "orchkg.dev/roles"
LABEL_KO_KEY = "orchkg.dev/label-ko"
DEFINITION_KO_KEY = "orchkg.dev/definition-ko"
RELATIONS_KEY = "orchkg.dev/relations"

UNKNOWN = "unknown"
"""What the export writes where Backstage wants a value orchkg does not record (an owner
nobody is known for, a lifecycle, an API's type)."""
API_DEFINITION = "Not recorded in orchkg; see the orchkg.dev/iri annotation."

RESOURCE_ROLES = ("StateStoreRole", "CoordinationServiceRole")
TYPE_ALIASES = {"database": "StateStoreRole"}
"""Backstage ``spec.type`` values that name an orchkg role under another name."""

MAX_CATALOG_BYTES = 10_000_000
MAX_DOCUMENTS = 10_000
MAX_DEPTH = 32

RDF_TYPE = STANDARD_PREFIXES["rdf"] + "type"
RDFS_LABEL = STANDARD_PREFIXES["rdfs"] + "label"
SKOS_DEFINITION = STANDARD_PREFIXES["skos"] + "definition"

_DEFAULT_KIND = {
    "spec.system": "system",
    "spec.subcomponentOf": "component",
    "spec.dependsOn": "component",
    "spec.dependencyOf": "component",
    "spec.providesApis": "api",
    "spec.consumesApis": "api",
    "spec.owner": "group",
    RELATIONS_KEY: "component",
}


def kebab(local: str) -> str:
    """A role's local name as a Backstage type.

    >>> kebab("APIServerRole"), kebab("ControlPlaneNodeRole")
    ('api-server', 'control-plane-node')
    """
    stem = local.removesuffix("Role")
    stem = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", stem)
    stem = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", stem)
    return stem.lower()


# -- export ------------------------------------------------------------------------------------


def _kind(model: PlatformModel, iri: str, okg: str) -> str:
    element = model.elements[iri]
    if element.system:
        return "System"
    if WEB_API in element.types:
        return "API"
    if any(role in {okg + name for name in RESOURCE_ROLES} for role in element.roles):
        return "Resource"
    return "Component"


def _name(iri: str, base_iri: str, taken: set[str]) -> str:
    """A Backstage name for an IRI: its local name under ``kg:`` when Backstage accepts it,
    else the IRI's last segment made acceptable; unique among ``taken``."""
    namespace = resource_iri(base_iri)
    local = iri[len(namespace) :] if iri.startswith(namespace) else ""
    if not is_backstage_name(local):
        tail = re.split(r"[/#:]", iri.rstrip("/#"))[-1]
        local = re.sub(r"[^A-Za-z0-9]+", "-", tail).strip("-")[:60] or "entity"
    name, count = local, 1
    while name.lower() in taken:
        count += 1
        name = f"{local[: 60 - len(str(count))]}-{count}"
    taken.add(name.lower())
    return name


def _type_of(roles: Sequence[str], okg: str) -> str | None:
    present = set(roles)
    for local in ROLE_PRIORITY:
        if okg + local in present:
            return kebab(local)
    return None


class _Exporter:
    """The documents of one model: names, references and owners decided once."""

    def __init__(self, model: PlatformModel, base_iri: str, depends: Iterable[str]) -> None:
        self.model, self.base_iri = model, base_iri
        self.okg = vocabulary_iri(base_iri)
        self.known = prefixes(base_iri)
        self.depends = set(depends)
        self.kinds = {iri: _kind(model, iri, self.okg) for iri in model.elements}
        taken: dict[str, set[str]] = {}
        self.names = {
            iri: _name(iri, base_iri, taken.setdefault(kind, set()))
            for iri, kind in self.kinds.items()
            if not model.elements[iri].external
        }
        namespace = resource_iri(base_iri)
        for iri, element in model.elements.items():
            local = iri[len(namespace) :] if iri.startswith(namespace) else ""
            if element.external and is_backstage_name(local):
                self.names[iri] = local  # a reference the importer resolves in the store
        org_names: set[str] = set()
        self.owners = {
            system: f"group:default/{_name(orgs[0], base_iri, org_names)}"
            for system, orgs in model.owners.items()
            if orgs
        }
        self.outgoing: dict[str, list[tuple[str, str]]] = {iri: [] for iri in model.elements}
        for subject, predicate, target in model.relations:
            self.outgoing[subject].append((predicate, target))

    def ref(self, iri: str) -> str:
        return f"{self.kinds[iri].lower()}:default/{self.names[iri]}"

    def relations(self, iri: str) -> tuple[dict[str, Any], list[str]]:
        """The spec's relation fields, and the relations left for the annotation."""
        kind, okg = self.kinds[iri], self.okg
        spec: dict[str, Any] = {}
        rest: list[str] = []
        for predicate, target in self.outgoing[iri]:
            if target not in self.names:
                continue  # outside, and not nameable as kg:<name>
            target_kind = self.kinds[target]
            if predicate == okg + "partOf" and kind != "System":
                if target_kind == "System" and "system" not in spec:
                    spec["system"] = self.ref(target)
                    continue
                if kind == "Component" and target_kind != "System" and "subcomponentOf" not in spec:
                    spec["subcomponentOf"] = self.ref(target)
                    continue
            field = None
            if kind in ("Component", "Resource") and predicate in self.depends:
                field = "dependsOn"
            elif kind == "Component" and target_kind == "API":
                field = {okg + "exposes": "providesApis", okg + "uses": "consumesApis"}.get(
                    predicate
                )
            if field is not None:
                spec.setdefault(field, []).append(self.ref(target))
            if field is None or predicate not in (okg + "dependsOn", okg + "exposes", okg + "uses"):
                rest.append(f"{compact(predicate, self.known)} {self.ref(target)}")
        return spec, rest

    def spec(self, iri: str) -> tuple[dict[str, Any], list[str]]:
        kind, element = self.kinds[iri], self.model.elements[iri]
        spec, rest = self.relations(iri)
        if kind != "System":
            fallback = "service" if kind == "Component" else UNKNOWN
            spec["type"] = _type_of(element.roles, self.okg) or fallback
        if kind in ("Component", "API"):
            spec["lifecycle"] = UNKNOWN
        home = iri if kind == "System" else self._system_of(spec.get("system"))
        spec["owner"] = self.owners.get(home or "", UNKNOWN)
        if kind == "API":
            spec["definition"] = API_DEFINITION
        for key in ("dependsOn", "providesApis", "consumesApis"):
            if key in spec:
                spec[key] = sorted(set(spec[key]))
        return {key: spec[key] for key in _SPEC_ORDER if key in spec}, rest

    def _system_of(self, ref: str | None) -> str | None:
        for iri, kind in self.kinds.items():
            if kind == "System" and self.ref(iri) == ref:
                return iri
        return None

    def document(self, iri: str) -> dict[str, Any]:
        element, known = self.model.elements[iri], self.known
        spec, rest = self.spec(iri)
        annotations: dict[str, str] = {IRI_KEY: iri}
        annotations[TYPES_KEY] = " ".join(compact(t, known) for t in element.types)
        if element.roles:
            annotations[ROLES_KEY] = " ".join(compact(r, known) for r in element.roles)
        label_ko, definition_ko = element.text("ko"), element.text("ko", definitions=True)
        if label_ko is not None:
            annotations[LABEL_KO_KEY] = label_ko
        if definition_ko is not None:
            annotations[DEFINITION_KO_KEY] = definition_ko
        if rest:
            annotations[RELATIONS_KEY] = "\n".join(sorted(rest))
        metadata: dict[str, Any] = {"name": self.names[iri]}
        title, description = element.text("en"), element.text("en", definitions=True)
        if title is not None:
            metadata["title"] = title
        if description is not None:
            metadata["description"] = description
        metadata["annotations"] = annotations
        return {
            "apiVersion": EXPORT_API_VERSION,
            "kind": self.kinds[iri],
            "metadata": metadata,
            "spec": spec,
        }


def catalog_documents(
    model: PlatformModel, base_iri: str, depends: Iterable[str]
) -> list[dict[str, Any]]:
    """The entities of a platform's model, as Backstage descriptor documents (``depends``:
    okg:dependsOn and its sub-properties, which become ``spec.dependsOn``)."""
    exporter = _Exporter(model, base_iri, depends)
    return [
        exporter.document(iri) for iri, element in model.elements.items() if not element.external
    ]


_SPEC_ORDER = (
    "type",
    "lifecycle",
    "owner",
    "system",
    "subcomponentOf",
    "definition",
    "dependsOn",
    "providesApis",
    "consumesApis",
)


def dependency_properties(store: Store, base_iri: str) -> frozenset[str]:
    """``okg:dependsOn`` and its sub-properties, as the ontology in the store declares them."""
    result = store.query(
        sparql_prologue(base_iri)
        + "SELECT DISTINCT ?p WHERE { ?p rdfs:subPropertyOf* okg:dependsOn }"
    )
    assert isinstance(result, ox.QuerySolutions)
    found = {row["p"].value for row in result if isinstance(row["p"], ox.NamedNode)}
    return frozenset(found | {vocabulary_iri(base_iri) + "dependsOn"})


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing text of several lines as a literal block (``|``)."""


def _text_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _text_representer)


def export_catalog(store: Store, model: PlatformModel, base_iri: str) -> str:
    """A platform's model as a multi-document ``catalog-info.yaml``."""
    documents = catalog_documents(model, base_iri, dependency_properties(store, base_iri))
    return yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        explicit_start=True,
    )


# -- import: reading ---------------------------------------------------------------------------


@dataclasses.dataclass
class Entity:
    """One document of a catalog, checked: its number (from 1), kind, namespace and name."""

    number: int
    kind: str
    namespace: str
    name: str
    metadata: dict[str, Any]
    spec: dict[str, Any]
    iri: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind.lower(), self.namespace, self.name)


class _Where:
    """Builds error messages that name the source, the document and the field."""

    def __init__(self, source: str, number: int) -> None:
        self.source, self.number, self.entity = source, number, ""

    def error(self, field: str, problem: str) -> ClientError:
        where = f"{self.source}: document {self.number}"
        if self.entity:
            where += f" ({self.entity})"
        return ClientError(f"{where}: {field}: {problem}")


def _screen(text: str, source: str) -> None:
    """Refuse anchors and aliases, too many documents and too deep nesting, before loading."""
    depth = documents = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > MAX_DOCUMENTS:
                    raise ClientError(f"{source}: more than {MAX_DOCUMENTS:,} documents")
            elif isinstance(event, yaml.AliasEvent):
                raise _Where(source, documents).error(
                    f"*{event.anchor}", "YAML aliases are not accepted (write the value out)"
                )
            elif isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                raise _Where(source, documents).error(
                    f"&{event.anchor}", "YAML anchors are not accepted (write the value out)"
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Where(source, documents).error(
                        "(nesting)", f"nested deeper than {MAX_DEPTH} levels"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        raise _yaml_error(error, source) from None
    except yaml.YAMLError as error:
        raise ClientError(f"{source}: not YAML: {error}") from None


def _yaml_error(error: yaml.MarkedYAMLError, source: str) -> ClientError:
    mark = error.problem_mark or error.context_mark
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
    problem = " ".join(part for part in (error.context, error.problem) if part)
    return ClientError(f"{where}: not YAML: {problem}")


def _string(value: object, where: _Where, field: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise where.error(field, "is missing")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise where.error(field, f"must be a non-empty string, not {value!r}"[:200])
    return value


def _strings(value: object, where: _Where, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise where.error(field, "must be a list of entity references (strings)")
    return value


_REQUIRED_SPEC = {
    "System": ("owner",),
    "Component": ("type", "lifecycle", "owner"),
    "Resource": ("type", "owner"),
    "API": ("type", "lifecycle", "owner", "definition"),
}


def read_catalog(data: bytes, source: str) -> list[Entity]:
    """The entities of a catalog file, each checked against the descriptor format."""
    if len(data) > MAX_CATALOG_BYTES:
        raise ClientError(f"{source}: over {MAX_CATALOG_BYTES:,} bytes; split the catalog")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ClientError(f"{source}: not UTF-8 text ({error})") from None
    _screen(text, source)
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as error:
        raise _yaml_error(error, source) from None
    except yaml.YAMLError as error:
        raise ClientError(f"{source}: not YAML: {error}") from None
    entities: list[Entity] = []
    for number, document in enumerate(documents, start=1):
        if document is None:
            continue  # an empty document (a trailing ---)
        entities.append(_entity(document, number, source))
    if not entities:
        raise ClientError(f"{source}: holds no entity")
    return entities


def _entity(document: object, number: int, source: str) -> Entity:
    where = _Where(source, number)
    if not isinstance(document, dict):
        raise where.error(
            "(document)", f"must be a mapping (an entity), not a {_kind_of(document)}"
        )
    api_version = document.get("apiVersion")
    if api_version not in API_VERSIONS:
        raise where.error(
            "apiVersion", f"must be one of {', '.join(API_VERSIONS)}, not {api_version!r}"
        )
    kind = document.get("kind")
    if kind not in KINDS:
        raise where.error("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        raise where.error("metadata", "is missing or not a mapping")
    name = _string(metadata.get("name"), where, "metadata.name", required=True)
    assert name is not None
    if not is_backstage_name(name):
        raise where.error(
            "metadata.name",
            f"{name!r} is not a Backstage name (1 to 63 of [a-zA-Z0-9], "
            "separated by single '-', '_' or '.')",
        )
    where.entity = f"{kind} {name!r}"
    namespace = _string(metadata.get("namespace"), where, "metadata.namespace") or "default"
    if not is_backstage_name(namespace):
        raise where.error("metadata.namespace", f"{namespace!r} is not a Backstage namespace")
    for field in ("title", "description"):
        _string(metadata.get(field), where, f"metadata.{field}")
    annotations = metadata.get("annotations", {})
    if not isinstance(annotations, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()
    ):
        raise where.error("metadata.annotations", "must map strings to strings")
    spec = document.get("spec")
    if not isinstance(spec, dict):
        raise where.error("spec", "is missing or not a mapping")
    for field in _REQUIRED_SPEC[kind]:
        _string(spec.get(field), where, f"spec.{field}", required=True)
    for field in ("system", "subcomponentOf"):
        _string(spec.get(field), where, f"spec.{field}")
    for field in ("dependsOn", "dependencyOf", "providesApis", "consumesApis"):
        _strings(spec.get(field), where, f"spec.{field}")
    return Entity(number, kind, namespace.lower(), name, metadata, spec)


def _kind_of(value: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def parse_ref(text: str, default_kind: str, default_namespace: str) -> tuple[str, str, str]:
    """(kind, namespace, name) of an entity reference ``[kind:][namespace/]name``.

    >>> parse_ref("component:default/etcd", "system", "default")
    ('component', 'default', 'etcd')
    >>> parse_ref("shop", "system", "default")
    ('system', 'default', 'shop')
    """
    kind, colon, rest = text.strip().partition(":")
    if not colon:
        kind, rest = default_kind, text.strip()
    namespace, slash, name = rest.partition("/")
    if not slash:
        namespace, name = default_namespace, rest
    if not (is_backstage_name(kind) and is_backstage_name(namespace) and is_backstage_name(name)):
        raise ValueError(text)
    return kind.lower(), namespace.lower(), name


# -- import: mapping ---------------------------------------------------------------------------


class _Mapper:
    """Turns checked entities into triples, resolving references and prefixed names."""

    def __init__(
        self, store: Store, entities: list[Entity], source: str, graph: str, base_iri: str
    ) -> None:
        self.store, self.entities, self.source = store, entities, source
        self.graph, self.base_iri = graph, base_iri
        self.okg = vocabulary_iri(base_iri)
        self.known = prefixes(base_iri)
        self.by_key: dict[tuple[str, str, str], Entity] = {}
        self.triples: set[ox.Triple] = set()

    def where(self, entity: Entity) -> _Where:
        where = _Where(self.source, entity.number)
        where.entity = f"{entity.kind} {entity.name!r}"
        return where

    def minted(self, namespace: str, name: str) -> str:
        local = name if namespace == "default" else f"{namespace}-{name}"
        return resource_iri(self.base_iri) + local

    def expand(self, token: str, entity: Entity, field: str) -> str:
        if token.startswith("<") and token.endswith(">"):
            iri = token[1:-1]
        else:
            prefix, colon, local = token.partition(":")
            if not colon or prefix not in self.known:
                raise self.where(entity).error(
                    field, f"{token!r}: write prefix:name with a known prefix, or <IRI>"
                )
            iri = self.known[prefix] + local
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise self.where(entity).error(field, f"{token!r} is not an IRI") from None
        return iri

    def assign_iris(self) -> None:
        seen: dict[str, Entity] = {}
        minted: dict[str, Entity] = {}
        for entity in self.entities:
            if entity.key in self.by_key:
                other = self.by_key[entity.key]
                raise self.where(entity).error(
                    "metadata.name", f"the same entity as document {other.number}"
                )
            self.by_key[entity.key] = entity
            given = entity.metadata.get("annotations", {}).get(IRI_KEY)
            if given is not None:
                try:
                    entity.iri = ox.NamedNode(given.strip()).value
                except ValueError:
                    raise self.where(entity).error(
                        f"metadata.annotations.{IRI_KEY}", f"{given!r} is not an IRI"
                    ) from None
            else:
                entity.iri = self.minted(entity.namespace, entity.name)
                minted[entity.iri] = entity
            if entity.iri in seen:
                raise self.where(entity).error(
                    "metadata.name", f"<{entity.iri}> is also document {seen[entity.iri].number}"
                )
            seen[entity.iri] = entity
        taken = self.elsewhere(minted, None)
        for iri in sorted(taken):
            raise self.where(minted[iri]).error(
                "metadata.name",
                f"<{iri}> is already described outside <{self.graph}>; to add to it, give it "
                f"the annotation {IRI_KEY}: {iri}, else rename the entity",
            )

    def elsewhere(self, iris: Iterable[str], classes: Sequence[str] | None) -> set[str]:
        """The IRIs the store describes outside the target graph (typed one of ``classes``)."""
        chosen = sorted(set(iris))
        if not chosen:
            return set()
        values = " ".join(str(ox.NamedNode(iri)) for iri in chosen)
        if classes is None:
            pattern = "?s ?p ?o"
            typed = ""
        else:
            pattern = "?s a ?t"
            typed = "VALUES ?t { " + " ".join(f"<{c}>" for c in classes) + " }"
        result = self.store.query(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} {typed} "
            f"GRAPH ?g {{ {pattern} }} FILTER(?g != {ox.NamedNode(self.graph)}) }}"
        )
        assert isinstance(result, ox.QuerySolutions)
        return {row["s"].value for row in result if isinstance(row["s"], ox.NamedNode)}

    def classes_for(self, kind: str) -> list[str]:
        return {
            "system": [self.okg + "Platform"],
            "component": [self.okg + "Component"],
            "resource": [self.okg + "Component"],
            "api": [WEB_API],
            "group": [self.okg + "Organisation"],
        }.get(kind, [])

    def resolve(
        self, entity: Entity, field: str, text: str, *, required: bool = True
    ) -> str | None:
        default_kind = _DEFAULT_KIND.get(field.split("[", maxsplit=1)[0], "component")
        try:
            key = parse_ref(text, default_kind, entity.namespace)
        except ValueError:
            raise self.where(entity).error(
                field, f"{text!r} is not an entity reference ([kind:][namespace/]name)"
            ) from None
        if key in self.by_key:
            return self.by_key[key].iri
        candidate = self.minted(key[1], key[2])
        if self.elsewhere([candidate], self.classes_for(key[0])):
            return candidate
        if not required:
            return None
        return self._dangling(entity, field, text, key)

    def _dangling(self, entity: Entity, field: str, text: str, key: tuple[str, str, str]) -> str:
        raise self.where(entity).error(
            field,
            f"{text!r} is neither an entity of this file nor a {key[0]} in the graph "
            f"(looked for <{self.minted(key[1], key[2])}>)",
        )

    def add(self, subject: str, predicate: str, value: str | ox.Literal) -> None:
        term = value if isinstance(value, ox.Literal) else ox.NamedNode(value)
        self.triples.add(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), term))

    def map(self) -> list[ox.Triple]:
        self.assign_iris()
        roles = self.role_names()
        relations = self.architecture_relations()
        depends = dependency_properties(self.store, self.base_iri)
        for entity in self.entities:
            self.map_entity(entity, roles, relations, depends)
        return sorted(self.triples, key=str)

    def role_names(self) -> dict[str, str]:
        result = self.store.query(
            sparql_prologue(self.base_iri) + "SELECT ?role WHERE { ?role a okg:ComponentRole }"
        )
        assert isinstance(result, ox.QuerySolutions)
        names = {}
        for row in result:
            role = row["role"]
            if isinstance(role, ox.NamedNode) and role.value.startswith(self.okg):
                names[kebab(role.value[len(self.okg) :])] = role.value
        for alias, local in TYPE_ALIASES.items():
            if kebab(local) in names:
                names[alias] = names[kebab(local)]
        return names

    def architecture_relations(self) -> set[str]:
        result = self.store.query(
            sparql_prologue(self.base_iri)
            + "SELECT ?p WHERE { ?p rdfs:subPropertyOf+ okg:architectureRelation }"
        )
        assert isinstance(result, ox.QuerySolutions)
        return {row["p"].value for row in result if isinstance(row["p"], ox.NamedNode)}

    def map_entity(
        self, entity: Entity, roles: Mapping[str, str], relations: set[str], depends: frozenset[str]
    ) -> None:
        iri, okg = entity.iri, self.okg
        annotations: dict[str, str] = entity.metadata.get("annotations", {})
        spec = entity.spec
        default_types = {
            "System": [okg + "Platform"],
            "Component": [okg + "Component"],
            "Resource": [okg + "Component"],
            "API": [WEB_API],
        }[entity.kind]
        field = f"metadata.annotations.{TYPES_KEY}"
        types = [self.expand(t, entity, field) for t in annotations.get(TYPES_KEY, "").split()]
        for type_iri in types or default_types:
            self.add(iri, RDF_TYPE, type_iri)
        if entity.metadata.get("title") is not None:
            self.add(iri, RDFS_LABEL, ox.Literal(entity.metadata["title"], language="en"))
        if LABEL_KO_KEY in annotations:
            self.add(iri, RDFS_LABEL, ox.Literal(annotations[LABEL_KO_KEY], language="ko"))
        if entity.metadata.get("description") is not None:
            text = entity.metadata["description"]
            self.add(iri, SKOS_DEFINITION, ox.Literal(text, language="en"))
        if DEFINITION_KO_KEY in annotations:
            text = annotations[DEFINITION_KO_KEY]
            self.add(iri, SKOS_DEFINITION, ox.Literal(text, language="ko"))
        field = f"metadata.annotations.{ROLES_KEY}"
        given_roles = [
            self.expand(r, entity, field) for r in annotations.get(ROLES_KEY, "").split()
        ]
        if not given_roles and entity.kind in ("Component", "Resource"):
            role = roles.get(str(spec.get("type", "")).lower())
            given_roles = [role] if role else []
        for role_iri in given_roles:
            self.add(iri, okg + "hasRole", role_iri)
        self.map_relations(entity, relations, depends)

    def map_relations(  # noqa: PLR0912 -- one branch per relation field
        self, entity: Entity, relations: set[str], depends: frozenset[str]
    ) -> None:
        """The annotation's relations, then the spec's."""
        iri, okg, spec = entity.iri, self.okg, entity.spec
        annotations: dict[str, str] = entity.metadata.get("annotations", {})
        exact: set[tuple[str, str]] = set()
        field = f"metadata.annotations.{RELATIONS_KEY}"
        for line_number, line in enumerate(annotations.get(RELATIONS_KEY, "").splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            where = f"{field} line {line_number}"
            if len(parts) != 2:
                raise self.where(entity).error(where, f"{line!r}: write 'property entity-ref'")
            predicate = self.expand(parts[0], entity, where)
            if predicate not in relations:
                raise self.where(entity).error(
                    where, f"{parts[0]} is not an architecture relation (okg:architectureRelation)"
                )
            target = self.resolve(entity, RELATIONS_KEY, parts[1])
            assert target is not None
            self.add(iri, predicate, target)
            exact.add((predicate, target))
        if entity.kind == "System":
            owner = spec.get("owner", "")
            found = self.resolve(entity, "spec.owner", owner, required=False)
            if found is not None and found not in {e.iri for e in self.entities}:
                self.add(iri, okg + "developedBy", found)
        for key in ("system", "subcomponentOf"):
            if spec.get(key) is not None:
                target = self.resolve(entity, f"spec.{key}", spec[key])
                assert target is not None
                self.add(iri, okg + "partOf", target)
        for index, text in enumerate(spec.get("dependsOn") or []):
            target = self.resolve(entity, f"spec.dependsOn[{index}]", text)
            assert target is not None
            if not any((p, target) in exact for p in depends):
                self.add(iri, okg + "dependsOn", target)
        for index, text in enumerate(spec.get("dependencyOf") or []):
            target = self.resolve(entity, f"spec.dependencyOf[{index}]", text)
            assert target is not None
            self.add(target, okg + "dependsOn", iri)
        for key, predicate in (("providesApis", "exposes"), ("consumesApis", "uses")):
            for index, text in enumerate(spec.get(key) or []):
                target = self.resolve(entity, f"spec.{key}[{index}]", text)
                assert target is not None
                self.add(iri, okg + predicate, target)


def catalog_triples(
    store: Store, entities: list[Entity], *, source: str, graph: str, base_iri: str
) -> list[ox.Triple]:
    """The triples a catalog's entities map to (ClientError naming document and field)."""
    return _Mapper(store, entities, source, graph, base_iri).map()


@dataclasses.dataclass(frozen=True)
class ImportOutcome:
    entities: int
    triples: int


def import_catalog(
    store: Store,
    data: bytes,
    *,
    source: str,
    graph: str,
    base_iri: str,
    agent: provenance.Agent,
) -> ImportOutcome:
    """Read a catalog and make ``graph`` hold exactly its triples, with a provenance record;
    one update, so a refused catalog changes nothing."""
    started = provenance.now()
    check_graph_iri(graph)
    if graph == provenance.imports_graph(base_iri):
        raise ClientError(f"<{graph}> holds the provenance records; import into another graph")
    entities = read_catalog(data, source)
    triples = catalog_triples(store, entities, source=source, graph=graph, base_iri=base_iri)
    activity = provenance.Activity(
        graph=graph,
        label="orchkg backstage import",
        agent=agent,
        source=source,
        media_type=MEDIA_TYPE,
        started=started,
        ended=provenance.now(),
    )
    store.update(
        provenance.replace_graph_steps(graph, triples)
        + " ;\n"
        + provenance.record_steps(activity, len(triples), base_iri, replace=True)
    )
    return ImportOutcome(len(entities), len(triples))
