"""A platform as a Structurizr workspace (the C4 model): JSON, or DSL text.

The model of ``orchkg.architecture`` maps to C4 like this:

    orchkg                                   C4 / Structurizr
    a system (okg:Platform)                  software system
    a part okg:partOf a system               container of that system
    a part okg:partOf a container            component of that container
    an architecture relation between two     relationship on its source element; the
      elements (but the okg:partOf that        description is the property's English
      placed an element)                       label, the property IRI a property

Every element carries ``orchkg.iri`` and every relationship ``orchkg.property`` in its
``properties``, so a workspace can be traced back to the graph. Names are the English
labels (unique where Structurizr wants them: systems in the workspace, containers in
their system, components in their container). The workspace has a system-context view of
the platform and a container view of each system that has containers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from orchkg.architecture import PlatformModel
from orchkg.namespaces import compact, prefixes, vocabulary_iri

IRI_PROPERTY = "orchkg.iri"
PROPERTY_PROPERTY = "orchkg.property"


class _Workspace:
    """Decides once where each element sits, its id and its name."""

    def __init__(self, model: PlatformModel, base_iri: str) -> None:
        self.model, self.base_iri = model, base_iri
        okg = vocabulary_iri(base_iri)
        self.part_of = okg + "partOf"
        self.known = prefixes(base_iri)
        self.parent: dict[str, str] = {}
        self.level: dict[str, str] = {}
        for iri, element in model.elements.items():
            if element.system and not element.external:
                self.level[iri] = "system"
        changed = True
        while changed:  # containers first (parts of a system), then components of those
            changed = False
            for subject, predicate, target in model.relations:
                if predicate != self.part_of or subject in self.level:
                    continue
                placed = {"system": "container", "container": "component"}.get(
                    self.level.get(target, "")
                )
                if placed is not None:
                    self.level[subject], self.parent[subject] = placed, target
                    changed = True
        self.ids = {iri: str(index) for index, iri in enumerate(model.elements, start=1)}
        self.names = self._names()

    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        used: dict[str, set[str]] = {}
        for iri, element in self.model.elements.items():
            base = element.text("en") or compact(iri, self.known)
            scope = used.setdefault(self.parent.get(iri, ""), set())
            name, count = base, 1
            while name in scope:
                count += 1
                name = f"{base} ({count})"
            scope.add(name)
            names[iri] = name
        return names

    def placed(self, iri: str) -> bool:
        return iri in self.level

    def element(self, iri: str, kind: str) -> dict[str, Any]:
        element = self.model.elements[iri]
        tags = {"system": "Software System", "container": "Container", "component": "Component"}
        body: dict[str, Any] = {
            "id": self.ids[iri],
            "tags": f"Element,{tags[kind]}",
            "name": self.names[iri],
        }
        description = element.text("en", definitions=True)
        if description:
            body["description"] = description
        if kind != "system":
            roles = [compact(role, self.known) for role in element.roles]
            if roles:
                body["technology"] = ", ".join(roles)
        body["properties"] = {IRI_PROPERTY: iri}
        relationships = self.relationships(iri)
        if relationships:
            body["relationships"] = relationships
        return body

    def relationships(self, iri: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for subject, predicate, target in self.model.relations:
            if subject != iri or not self.placed(target):
                continue
            if predicate == self.part_of and self.parent.get(subject) == target:
                continue  # the nesting says it
            found.append(
                {
                    "id": f"r{len(found) + 1}-{self.ids[iri]}",
                    "tags": "Relationship",
                    "sourceId": self.ids[subject],
                    "destinationId": self.ids[target],
                    "description": self.model.property_labels.get(predicate)
                    or compact(predicate, self.known),
                    "properties": {PROPERTY_PROPERTY: predicate},
                }
            )
        return found

    def json(self) -> dict[str, Any]:
        model = self.model
        systems = []
        for iri in model.elements:
            if self.level.get(iri) != "system":
                continue
            system = self.element(iri, "system")
            system["location"] = "Unspecified"
            containers = []
            for child in model.elements:
                if self.parent.get(child) == iri and self.level[child] == "container":
                    container = self.element(child, "container")
                    components = [
                        self.element(grandchild, "component")
                        for grandchild in model.elements
                        if self.parent.get(grandchild) == child
                    ]
                    if components:
                        container["components"] = components
                    containers.append(container)
            if containers:
                system["containers"] = containers
            systems.append(system)
        platform = model.elements[model.platform]
        container_views = [
            {
                "key": f"containers-{self.ids[s['properties'][IRI_PROPERTY]]}",
                "softwareSystemId": s["id"],
                "description": f"The containers of {s['name']}.",
                "elements": [{"id": c["id"]} for c in s["containers"]],
                "automaticLayout": {"rankDirection": "TopBottom", "implementation": "Graphviz"},
            }
            for s in systems
            if s.get("containers")
        ]
        return {
            "name": platform.text("en") or self.names[model.platform],
            "description": (
                f"The architecture of {self.names[model.platform]} as the orchkg knowledge graph "
                f"describes it ({model.platform})."
            ),
            "properties": {IRI_PROPERTY: model.platform},
            "model": {"softwareSystems": systems},
            "views": {
                "systemContextViews": [
                    {
                        "key": "system-context",
                        "softwareSystemId": self.ids[model.platform],
                        "description": f"{self.names[model.platform]} and the systems around it.",
                        "elements": [{"id": s["id"]} for s in systems],
                        "automaticLayout": {
                            "rankDirection": "TopBottom",
                            "implementation": "Graphviz",
                        },
                    }
                ],
                "containerViews": container_views,
            },
        }


def workspace_json(model: PlatformModel, base_iri: str) -> dict[str, Any]:
    """The platform as a Structurizr JSON workspace (a dict; ``json.dumps`` it)."""
    return _Workspace(model, base_iri).json()


def workspace_json_text(model: PlatformModel, base_iri: str) -> str:
    return json.dumps(workspace_json(model, base_iri), indent=2, ensure_ascii=False) + "\n"


def _quoted(text: str) -> str:
    """A DSL string: one line, quotes and backslashes escaped.

    >>> _quoted('a "b"\\nc')
    '"a \\\\"b\\\\" c"'
    """
    flat = re.sub(r"\s+", " ", text).strip()
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def workspace_dsl(model: PlatformModel, base_iri: str) -> str:
    """The platform as Structurizr DSL text: the same elements and relationships as JSON."""
    space = _Workspace(model, base_iri)
    data = space.json()
    lines = [f"workspace {_quoted(data['name'])} {_quoted(data['description'])} {{"]
    lines += ["    !identifiers flat", "", "    model {"]
    relationships: list[str] = []

    def emit(element: dict[str, Any], keyword: str, indent: int, children: str | None) -> None:
        pad = " " * indent
        head = f"{pad}e{element['id']} = {keyword} {_quoted(element['name'])}"
        description = _quoted(element.get("description", ""))
        if keyword != "softwareSystem":
            head += f" {description} {_quoted(element.get('technology', ''))}"
        else:
            head += f" {description}"
        lines.append(head + " {")
        lines.append(f"{pad}    properties {{")
        lines.append(
            f"{pad}        {_quoted(IRI_PROPERTY)} {_quoted(element['properties'][IRI_PROPERTY])}"
        )
        lines.append(f"{pad}    }}")
        for child in element.get(children or "", []):
            emit(
                child,
                "component" if children == "components" else "container",
                indent + 4,
                "components" if children == "containers" else None,
            )
        lines.append(f"{pad}}}")
        for relation in element.get("relationships", []):
            relationships.append(
                f"        e{relation['sourceId']} -> e{relation['destinationId']} "
                f"{_quoted(relation['description'])}"
            )

    for system in data["model"]["softwareSystems"]:
        emit(system, "softwareSystem", 8, "containers")
    lines += ["", *relationships, "    }", "", "    views {"]
    platform_id = space.ids[model.platform]
    lines += [
        f"        systemContext e{platform_id} {_quoted('system-context')} {{",
        "            include *",
        "            autoLayout",
        "        }",
    ]
    for view in data["views"]["containerViews"]:
        lines += [
            f"        container e{view['softwareSystemId']} {_quoted(view['key'])} {{",
            "            include *",
            "            autoLayout",
            "        }",
        ]
    lines += ["    }", "}", ""]
    return "\n".join(lines)
