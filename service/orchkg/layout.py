"""A deterministic layered layout for architecture diagrams, measured with the drawing font.

Architects draw these platforms in layers, top to bottom; so does this layout:

    0  clients and tools           │ platforms and frameworks
    1  control plane               │ control-plane nodes │ cluster services
    2  coordination and state
    3  worker nodes, their agents and executors
    4  workloads (abstractions)    │ other resources

A node's layer and group (the labelled box it sits in) come from its role (``PLACES``),
else from its type. Within a group, nodes are ordered by the barycentre of their
neighbours (a few sweeps, ties broken by IRI: no randomness, so the same graph always
gives the same geometry) and wrapped into rows of at most ``MAX_COLUMNS``. Each node is
sized to its label, measured with the font the SVG asks for and the PNG is drawn with
(``fonts.diagram_font``), so the recorded geometry is exact.

Edges are routed orthogonally through *channels*, the horizontal bands between rows:
down (or up) from a port on the node's edge, along a *track* of the channel, through a
free gap of each row in between, and into the other node. Each channel gets as many
tracks as its segments need so that no two segments, and no two edge labels, share a
stretch of track; a label sits on its edge's longest horizontal stretch, never on a
node. Two neighbours in a row joined by one or two edges get a straight connector
instead, with the gap between them widened to hold the labels.

The ``compare`` layout puts two platforms in two columns with the same layer bands and
the ``okg:counterpartOf`` pairs on shared rows, joined across the middle.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import networkx as nx

from orchkg.fonts import LOCK, Font, diagram_font

if TYPE_CHECKING:
    from matplotlib.textpath import TextToPath

Lang = Literal["en", "ko"]
Point = tuple[float, float]

NODE_FONT = 13.0
EDGE_FONT = 10.5
GROUP_FONT = 12.0
TITLE_FONT = 18.0
LEGEND_FONT = 11.0
LINE_FACTOR = 1.3
NODE_PAD_X = 12.0
NODE_PAD_Y = 8.0
MAX_LINE_WIDTH = 150.0
MIN_NODE_WIDTH = 64.0
NODE_GAP = 28.0
GROUP_GAP = 44.0
GROUP_PAD = 14.0
GROUP_LABEL_BAND = 26.0
TRACK = 19.0
CHANNEL_MARGIN = 14.0
MIN_LAYER_GAP = 36.0
MIN_ROW_GAP = 22.0
CORRIDOR_MARGIN = 10.0
CORRIDOR_SPACING = 12.0
LABEL_PAD_X = 4.0
LABEL_PAD_Y = 1.5
MARGIN = 24.0
ARROW_LENGTH = 8.0
ARROW_HALF_WIDTH = 4.0
CYLINDER_CAP = 6.0
MAX_COLUMNS = 6
STRAIGHT_OFFSET = 10.0


# -- roles, kinds, layers ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Layer:
    index: int
    key: str
    en: str
    ko: str


LAYERS = (
    Layer(0, "clients", "Platforms, clients and tools", "플랫폼, 클라이언트, 도구"),
    Layer(1, "control", "Control plane", "컨트롤 플레인"),
    Layer(2, "state", "Coordination and state", "코디네이션과 상태"),
    Layer(3, "nodes", "Nodes, agents and executors", "노드, 에이전트, 실행기"),
    Layer(4, "workloads", "Workloads", "워크로드"),
)


@dataclasses.dataclass(frozen=True)
class Group:
    """A labelled box in a layer: a plane or a kind of node."""

    key: str
    layer: int
    en: str
    ko: str

    def label(self, lang: Lang) -> str:
        return self.ko if lang == "ko" else self.en


GROUPS = (
    Group("clients", 0, "Clients and tools", "클라이언트와 도구"),
    Group("platforms", 0, "Platforms and frameworks", "플랫폼과 프레임워크"),
    Group("organisations", 0, "Organisations", "조직"),
    Group("control-plane", 1, "Control plane", "컨트롤 플레인"),
    Group("control-plane-nodes", 1, "Master nodes", "마스터 노드"),
    Group("cluster-services", 1, "Cluster services and add-ons", "클러스터 서비스와 애드온"),
    Group("state", 2, "Coordination and state", "코디네이션과 상태"),
    Group("workers", 3, "Worker nodes, agents and executors", "워커 노드, 에이전트, 실행기"),
    Group("workloads", 4, "Workloads and abstractions", "워크로드와 추상화"),
    Group("features", 4, "Features", "기능"),
    Group("other", 4, "Other resources", "기타 리소스"),
)
GROUP_BY_KEY = {group.key: group for group in GROUPS}
GROUP_ORDER = {group.key: position for position, group in enumerate(GROUPS)}

PLACES: dict[str, str] = {
    # component roles (local names in okg:) -> group
    "APIServerRole": "control-plane",
    "ControlPlaneRole": "control-plane",
    "ControllerRole": "control-plane",
    "SchedulerRole": "control-plane",
    "ResourceManagerRole": "control-plane",
    "ControlPlaneNodeRole": "control-plane-nodes",
    "ServiceDiscoveryRole": "cluster-services",
    "PackageManagerRole": "cluster-services",
    "MonitoringRole": "cluster-services",
    "StateStoreRole": "state",
    "CoordinationServiceRole": "state",
    "WorkerNodeRole": "workers",
    "NodeAgentRole": "workers",
    "ExecutorRole": "workers",
    "UserInterfaceRole": "clients",
    "CommandLineRole": "clients",
    # kinds of resource without a role
    "Tool": "clients",
    "Platform": "platforms",
    "PlatformStack": "platforms",
    "Framework": "platforms",
    "Organisation": "organisations",
    "Abstraction": "workloads",
    "Feature": "features",
}
"""Role (or, for what has none, type) -> the group, and so the layer, a node is drawn in."""

Shape = Literal["rect", "round", "machine", "hexagon", "cylinder", "pill", "note", "banner"]


@dataclasses.dataclass(frozen=True)
class Style:
    """How one role or kind looks: colours, shape, and its name in the legend."""

    key: str
    en: str
    ko: str
    fill: str
    stroke: str
    shape: Shape

    def label(self, lang: Lang) -> str:
        return self.ko if lang == "ko" else self.en


STYLES = (
    Style("APIServerRole", "API server", "API 서버", "#dbe9ff", "#1f5fbf", "round"),
    Style(
        "ResourceManagerRole", "resource manager", "리소스 관리자", "#dde3ff", "#3346a8", "round"
    ),
    Style("SchedulerRole", "scheduler", "스케줄러", "#ece0ff", "#6a3fb5", "round"),
    Style("ControllerRole", "controller", "컨트롤러", "#dcf3f5", "#17808c", "round"),
    Style("ControlPlaneRole", "control plane", "컨트롤 플레인", "#e4eefc", "#48648f", "round"),
    Style(
        "ControlPlaneNodeRole",
        "control-plane node",
        "컨트롤 플레인 노드",
        "#eceff3",
        "#4a5563",
        "machine",
    ),
    Style("WorkerNodeRole", "worker node", "워커 노드", "#eef0f2", "#5c6670", "machine"),
    Style("NodeAgentRole", "node agent", "노드 에이전트", "#def5df", "#2e7d32", "hexagon"),
    Style("ExecutorRole", "executor", "실행기", "#eef6d5", "#6b7f12", "hexagon"),
    Style("StateStoreRole", "state store", "상태 저장소", "#ffe9d1", "#c25e00", "cylinder"),
    Style(
        "CoordinationServiceRole",
        "coordination service",
        "코디네이션 서비스",
        "#fff3c4",
        "#a07800",
        "cylinder",
    ),
    Style(
        "ServiceDiscoveryRole",
        "service discovery",
        "서비스 디스커버리",
        "#fde2ef",
        "#b0346f",
        "round",
    ),
    Style("PackageManagerRole", "package manager", "패키지 관리자", "#f3e6dc", "#7a4b2a", "round"),
    Style("MonitoringRole", "monitoring", "모니터링", "#f0e4f0", "#7b3f7b", "round"),
    Style("UserInterfaceRole", "user interface", "사용자 인터페이스", "#d9f2fb", "#0f6f8f", "rect"),
    Style(
        "CommandLineRole",
        "command-line interface",
        "명령줄 인터페이스",
        "#d9f2fb",
        "#0f6f8f",
        "rect",
    ),
    Style("Platform", "platform", "플랫폼", "#e3e6ea", "#1f2933", "banner"),
    Style("PlatformStack", "platform stack", "플랫폼 스택", "#e3e6ea", "#1f2933", "banner"),
    Style("Framework", "framework", "프레임워크", "#efe3fa", "#5b2a86", "banner"),
    Style("Tool", "tool", "도구", "#f4f4f4", "#555f69", "note"),
    Style("Abstraction", "abstraction", "추상화", "#fffbe6", "#8a7400", "pill"),
    Style("Feature", "feature", "기능", "#eef7ee", "#3b6e3b", "pill"),
    Style("Organisation", "organisation", "조직", "#f4f4f4", "#555f69", "rect"),
    Style("Component", "component", "구성 요소", "#f1f3f5", "#495057", "rect"),
    Style("Other", "other resource", "기타 리소스", "#ffffff", "#868e96", "rect"),
)
STYLE_BY_KEY = {style.key: style for style in STYLES}
STYLE_ORDER = {style.key: position for position, style in enumerate(STYLES)}


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def style_of(attributes: dict[str, object]) -> Style:
    """The style of a node: by its role, else by its type."""
    role = _local(str(attributes.get("role") or ""))
    if role in STYLE_BY_KEY:
        return STYLE_BY_KEY[role]
    kind = _local(str(attributes.get("type") or ""))
    return STYLE_BY_KEY.get(kind, STYLE_BY_KEY["Other"])


def group_of(attributes: dict[str, object]) -> Group:
    """The group (and so the layer) of a node: by its role, else by its type."""
    role = _local(str(attributes.get("role") or ""))
    kind = _local(str(attributes.get("type") or ""))
    key = PLACES.get(role) or PLACES.get(kind) or "other"
    return GROUP_BY_KEY[key]


# -- measuring text ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _width(path: str, text: str, size: float) -> float:
    from matplotlib.font_manager import FontProperties  # noqa: PLC0415 -- heavy

    with LOCK:
        width, _, _ = _converter().get_text_width_height_descent(
            text, FontProperties(fname=path, size=size), ismath=False
        )
    return round(float(width), 2)


@functools.cache
def _converter() -> TextToPath:
    from matplotlib.textpath import TextToPath  # noqa: PLC0415 -- heavy

    return TextToPath()


def text_width(text: str, size: float, font: Font | None = None) -> float:
    """The advance width of ``text`` at ``size`` px in the diagram font (0 for no text)."""
    if not text:
        return 0.0
    return _width((font or diagram_font()).path, text, size)


def line_height(size: float) -> float:
    return round(size * LINE_FACTOR, 2)


def wrap(text: str, size: float, limit: float, font: Font) -> list[str]:
    """Greedy word wrap to ``limit`` px; a word longer than the limit keeps its own line."""
    words = text.split()
    lines: list[str] = []
    for word in words:
        if lines and text_width(f"{lines[-1]} {word}", size, font) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


# -- geometry ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )

    def contains(self, other: Box, slack: float = 0.01) -> bool:
        return (
            other.x >= self.x - slack
            and other.y >= self.y - slack
            and other.right <= self.right + slack
            and other.bottom <= self.bottom + slack
        )

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.w, self.h)


@dataclasses.dataclass(frozen=True)
class Text:
    """One line of text: left end of its baseline, measured width, font size."""

    text: str
    x: float
    baseline: float
    width: float
    size: float

    def moved(self, dx: float, dy: float) -> Text:
        return dataclasses.replace(self, x=self.x + dx, baseline=self.baseline + dy)


@dataclasses.dataclass(frozen=True)
class NodeShape:
    iri: str
    box: Box
    label_box: Box
    lines: tuple[Text, ...]
    style: Style
    tooltip: str
    group: str


@dataclasses.dataclass(frozen=True)
class GroupShape:
    key: str
    box: Box
    label: Text


@dataclasses.dataclass(frozen=True)
class EdgeShape:
    source: str
    target: str
    property: str
    points: tuple[Point, ...]
    label: Text | None
    label_box: Box | None
    membership: bool
    arrow: tuple[Point, ...] | None


@dataclasses.dataclass(frozen=True)
class LegendEntry:
    swatch: Box
    style: Style | None
    kind: Literal["style", "membership", "relation", "symmetric"]
    label: Text


@dataclasses.dataclass(frozen=True)
class Geometry:
    """Everything a renderer needs, in px; the same for the SVG and the PNG."""

    width: float
    height: float
    title: Text
    nodes: tuple[NodeShape, ...]
    groups: tuple[GroupShape, ...]
    edges: tuple[EdgeShape, ...]
    legend: tuple[LegendEntry, ...]
    font: Font
    lang: Lang


# -- node sizes --------------------------------------------------------------------------------


@dataclasses.dataclass
class _Node:
    iri: str
    lines: list[str]
    widths: list[float]
    w: float
    h: float
    style: Style
    group: Group
    tooltip: str
    x: float = 0.0
    y: float = 0.0
    row: int = 0


def _insets(shape: Shape, h: float) -> tuple[float, float, float]:
    """Extra room a shape needs around its label: left/right, top, bottom."""
    if shape == "hexagon":
        return h / 4, 0.0, 0.0
    if shape == "pill":
        return h * 0.15, 0.0, 0.0
    if shape == "cylinder":
        return 0.0, 2 * CYLINDER_CAP, 0.0
    if shape == "note":
        return 0.0, 0.0, 0.0
    if shape in ("machine", "banner"):
        return 3.0, 3.0, 3.0
    return 0.0, 0.0, 0.0


def _measure_node(iri: str, attributes: dict[str, object], lang: Lang, font: Font) -> _Node:
    label = str(attributes.get(f"label_{lang}") or attributes.get("label") or iri)
    lines = wrap(label, NODE_FONT, MAX_LINE_WIDTH, font)
    widths = [text_width(line, NODE_FONT, font) for line in lines]
    style = style_of(attributes)
    text_h = len(lines) * line_height(NODE_FONT)
    h = text_h + 2 * NODE_PAD_Y
    side, top, bottom = _insets(style.shape, h)
    h += top + bottom
    side = _insets(style.shape, h)[0]
    w = max(MIN_NODE_WIDTH, max(widths) + 2 * NODE_PAD_X + 2 * side)
    tooltip = ""
    if lang == "ko":
        tooltip = str(attributes.get("definition_ko") or "")
    tooltip = tooltip or str(attributes.get("definition") or "")
    return _Node(iri, lines, widths, round(w, 2), round(h, 2), style, group_of(attributes), tooltip)


# -- rows and x positions ----------------------------------------------------------------------


@dataclasses.dataclass
class _Row:
    layer: int
    nodes: list[str]
    first_of_layer: bool = False
    last_of_layer: bool = False
    top: float = 0.0
    height: float = 0.0


@dataclasses.dataclass
class _GroupPlan:
    key: str
    label: str
    layer: int
    x: float
    w: float
    rows: list[int]


@dataclasses.dataclass
class _EdgeRef:
    index: int
    source: str
    target: str
    key: str
    label: str
    label_width: float
    membership: bool
    symmetric: bool


def _pair_edges(edges: Sequence[_EdgeRef]) -> dict[frozenset[str], list[_EdgeRef]]:
    between: dict[frozenset[str], list[_EdgeRef]] = defaultdict(list)
    for edge in edges:
        if edge.source != edge.target:
            between[frozenset((edge.source, edge.target))].append(edge)
    return between


def _gap(a: str, b: str, between: dict[frozenset[str], list[_EdgeRef]], base: float) -> float:
    """The gap between two neighbours in a row: wide enough for straight connectors."""
    joined = between.get(frozenset((a, b)), [])
    if not 1 <= len(joined) <= 2:
        return base
    label = max(edge.label_width for edge in joined)
    return max(base, label + 2 * LABEL_PAD_X + 2 * 8.0 + ARROW_LENGTH)


def _order_layers(
    digraph: nx.MultiDiGraph, nodes: dict[str, _Node], layers: dict[int, dict[str, list[str]]]
) -> None:
    """Barycentre ordering inside each group: a few deterministic sweeps."""
    undirected = {iri: set(nx.all_neighbors(digraph, iri)) - {iri} for iri in digraph.nodes}
    position: dict[str, float] = {}

    def index_layer(layer: int) -> None:
        flat = [
            iri
            for key in sorted(layers[layer], key=GROUP_ORDER.__getitem__)
            for iri in layers[layer][key]
        ]
        for i, iri in enumerate(flat):
            position[iri] = (i + 0.5) / len(flat)

    for layer in layers:
        index_layer(layer)
    order = sorted(layers)
    for sweep in range(6):
        for layer in order if sweep % 2 == 0 else reversed(order):
            for key, members in layers[layer].items():
                current = {iri: i for i, iri in enumerate(members)}

                def centre(
                    iri: str, layer: int = layer, current: dict[str, int] = current
                ) -> tuple[float, int, str]:
                    others = [position[n] for n in undirected[iri] if nodes[n].group.layer != layer]
                    value = sum(others) / len(others) if others else position[iri]
                    return (round(value, 6), current[iri], iri)

                members.sort(key=centre)
                layers[layer][key] = members
            index_layer(layer)


def _layered_plan(  # noqa: PLR0912 -- the compare layout, one pass
    digraph: nx.MultiDiGraph,
    nodes: dict[str, _Node],
    edges: Sequence[_EdgeRef],
    lang: Lang,
    font: Font,
) -> tuple[list[_Row], list[_GroupPlan]]:
    layers: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for iri in sorted(nodes, key=lambda i: (nodes[i].lines, i)):
        node = nodes[iri]
        layers[node.group.layer][node.group.key].append(iri)
    _order_layers(digraph, nodes, layers)
    between = _pair_edges(edges)
    rows: list[_Row] = []
    plans: list[_GroupPlan] = []
    layer_widths: dict[int, float] = {}
    layer_groups: dict[int, list[_GroupPlan]] = {}
    for layer in sorted(layers):
        keys = sorted(layers[layer], key=GROUP_ORDER.__getitem__)
        chunks = {
            key: [
                layers[layer][key][i : i + MAX_COLUMNS]
                for i in range(0, len(layers[layer][key]), MAX_COLUMNS)
            ]
            for key in keys
        }
        count = max(len(c) for c in chunks.values())
        first_row = len(rows)
        for r in range(count):
            rows.append(_Row(layer, [], first_of_layer=r == 0, last_of_layer=r == count - 1))
        cursor = 0.0
        groups_here = []
        for key in keys:
            group = GROUP_BY_KEY[key]
            label = group.label(lang)
            row_widths = []
            for chunk in chunks[key]:
                width = sum(nodes[i].w for i in chunk)
                width += sum(_gap(a, b, between, NODE_GAP) for a, b in itertools.pairwise(chunk))
                row_widths.append(width)
            inner = max(row_widths)
            w = max(inner, text_width(label, GROUP_FONT, font)) + 2 * GROUP_PAD
            plan = _GroupPlan(
                key, label, layer, cursor, w, list(range(first_row, first_row + len(chunks[key])))
            )
            for r, (chunk, width) in enumerate(zip(chunks[key], row_widths, strict=True)):
                x = cursor + (w - width) / 2
                for i, iri in enumerate(chunk):
                    if i:
                        x += _gap(chunk[i - 1], iri, between, NODE_GAP)
                    nodes[iri].x = x
                    nodes[iri].row = first_row + r
                    x += nodes[iri].w
                rows[first_row + r].nodes.extend(chunk)
            groups_here.append(plan)
            cursor += w + GROUP_GAP
        layer_widths[layer] = cursor - GROUP_GAP
        layer_groups[layer] = groups_here
        plans.extend(groups_here)
    widest = max(layer_widths.values(), default=0.0)
    for layer, groups_here in layer_groups.items():
        shift = (widest - layer_widths[layer]) / 2
        for plan in groups_here:
            plan.x += shift
            for r in plan.rows:
                for iri in rows[r].nodes:
                    if nodes[iri].group.key == plan.key:
                        nodes[iri].x += shift
    _align_groups(digraph, nodes, rows, layer_groups)
    for row in rows:
        row.nodes.sort(key=lambda iri: nodes[iri].x)
    return rows, plans


def _align_groups(
    digraph: nx.MultiDiGraph,
    nodes: dict[str, _Node],
    rows: list[_Row],
    layer_groups: dict[int, list[_GroupPlan]],
) -> None:
    """Slide each group box sideways towards its nodes' neighbours in other layers, keeping
    the boxes' order and gaps (a few sweeps down and up; deterministic)."""
    members: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        for iri in row.nodes:
            members[nodes[iri].group.key].append(iri)
    neighbours = {iri: sorted(set(nx.all_neighbors(digraph, iri)) - {iri}) for iri in digraph.nodes}

    def centre(iri: str) -> float:
        return nodes[iri].x + nodes[iri].w / 2

    order = sorted(layer_groups)
    for sweep in range(6):
        for layer in order if sweep % 2 == 0 else list(reversed(order)):
            plans = layer_groups[layer]
            targets = []
            for plan in plans:
                pulls = []
                for iri in members[plan.key]:
                    others = [centre(n) for n in neighbours[iri] if nodes[n].group.layer != layer]
                    if others:
                        pulls.append(sum(others) / len(others) - centre(iri))
                targets.append(plan.x + (sum(pulls) / len(pulls) if pulls else 0.0))
            placed: list[float] = []
            for i, target in enumerate(targets):
                low = placed[-1] + plans[i - 1].w + GROUP_GAP if placed else target
                placed.append(max(target, low))
            # pushing right to keep the gaps drifts the row; share the drift out again
            drift = sum(p - t for p, t in zip(placed, targets, strict=True)) / len(plans)
            for plan, x in zip(plans, placed, strict=True):
                shift = round(x - drift - plan.x, 2)
                plan.x += shift
                for iri in members[plan.key]:
                    nodes[iri].x += shift


def _compare_plan(  # noqa: PLR0912, PLR0915 -- the compare layout, one pass
    digraph: nx.MultiDiGraph,
    nodes: dict[str, _Node],
    edges: Sequence[_EdgeRef],
    lang: Lang,
    font: Font,
) -> tuple[list[_Row], list[_GroupPlan]]:
    """Two columns, one band per layer; counterpart pairs share a row."""
    side = {iri: str(digraph.nodes[iri].get("side") or "left") for iri in nodes}
    pairs: dict[int, list[tuple[str, str]]] = defaultdict(list)
    paired: set[str] = set()
    for edge in sorted(edges, key=lambda e: (e.source, e.target)):
        if not edge.key.endswith("counterpartOf"):
            continue
        a, b = edge.source, edge.target
        if side[a] == side[b] or a in paired or b in paired:
            continue
        left, right = (a, b) if side[a] == "left" else (b, a)
        layer = nodes[left].group.layer
        pairs[layer].append((left, right))
        paired.update((left, right))
    for layer_pairs in pairs.values():
        layer_pairs.sort(
            key=lambda pair: (GROUP_ORDER[nodes[pair[0]].group.key], nodes[pair[0]].lines, pair)
        )
    singles: dict[tuple[int, str], list[str]] = defaultdict(list)
    for iri in sorted(nodes, key=lambda i: (GROUP_ORDER[nodes[i].group.key], nodes[i].lines, i)):
        if iri not in paired:
            singles[(nodes[iri].group.layer, side[iri])].append(iri)
    between = _pair_edges(edges)
    per_row = 2
    layer_keys = sorted(set(pairs) | {layer for layer, _ in singles})
    rows: list[_Row] = []
    row_sides: list[tuple[list[str], list[str]]] = []
    for layer in layer_keys:
        left_singles = singles[(layer, "left")]
        right_singles = singles[(layer, "right")]
        content = [([a], [b]) for a, b in pairs[layer]]
        extra = max(math.ceil(len(left_singles) / per_row), math.ceil(len(right_singles) / per_row))
        for r in range(extra):
            content.append(
                (
                    left_singles[r * per_row : (r + 1) * per_row],
                    right_singles[r * per_row : (r + 1) * per_row],
                )
            )
        for r, (lefts, rights) in enumerate(content):
            rows.append(
                _Row(
                    layer,
                    [*lefts, *rights],
                    first_of_layer=r == 0,
                    last_of_layer=r == len(content) - 1,
                )
            )
            row_sides.append((lefts, rights))

    def span(chunk: list[str]) -> float:
        width = sum(nodes[i].w for i in chunk)
        return width + sum(_gap(a, b, between, NODE_GAP) for a, b in itertools.pairwise(chunk))

    left_width = max((span(lefts) for lefts, _ in row_sides), default=0.0)
    right_width = max((span(rights) for _, rights in row_sides), default=0.0)
    centre_gap = 2 * GROUP_PAD + 48.0
    for lefts, rights in row_sides:
        if lefts and rights:
            centre_gap = max(
                centre_gap, _gap(lefts[-1], rights[0], between, 0.0) + 2 * GROUP_PAD + 16.0
            )
    layer_labels = {layer.index: layer for layer in LAYERS}
    label_room = max(
        (
            text_width(
                layer_labels[layer].ko if lang == "ko" else layer_labels[layer].en, GROUP_FONT, font
            )
            for layer in layer_keys
        ),
        default=0.0,
    )
    left_width = max(left_width, label_room)
    right_width = max(right_width, label_room)
    left_right_edge = GROUP_PAD + left_width
    right_left_edge = left_right_edge + centre_gap
    for lefts, rights in row_sides:
        x = left_right_edge - span(lefts)
        for i, iri in enumerate(lefts):
            if i:
                x += _gap(lefts[i - 1], iri, between, NODE_GAP)
            nodes[iri].x = x
            x += nodes[iri].w
        x = right_left_edge
        for i, iri in enumerate(rights):
            if i:
                x += _gap(rights[i - 1], iri, between, NODE_GAP)
            nodes[iri].x = x
            x += nodes[iri].w
    plans = []
    for layer in layer_keys:
        indices = [r for r, row in enumerate(rows) if row.layer == layer]
        info = layer_labels[layer]
        label = info.ko if lang == "ko" else info.en
        for which, x, w in (
            ("left", 0.0, left_width + 2 * GROUP_PAD),
            ("right", right_left_edge - GROUP_PAD, right_width + 2 * GROUP_PAD),
        ):
            members = [r for r in indices if row_sides[r][0 if which == "left" else 1]]
            if members:
                plans.append(_GroupPlan(f"{which}-{info.key}", label, layer, x, w, indices))
    for r, row in enumerate(rows):
        for iri in row.nodes:
            nodes[iri].row = r
    return rows, plans


# -- routing -----------------------------------------------------------------------------------


@dataclasses.dataclass
class _Route:
    edge: _EdgeRef
    straight: bool = False
    straight_offset: float = 0.0
    start_side: str = "bottom"
    end_side: str = "top"
    start_x: float = 0.0
    end_x: float = 0.0
    # horizontal legs: (channel, x_from, x_to); consecutive legs meet by vertical segments
    legs: list[tuple[int, float, float]] = dataclasses.field(default_factory=list)
    tracks: list[int] = dataclasses.field(default_factory=list)
    label_leg: int = 0


def _free_x(obstacles: list[tuple[float, float]], desired: float, used: list[float]) -> float:
    """An x in a free gap of a row (outside every group box), near ``desired``, clear of
    the other edges passing there."""
    boxes = sorted((start - CORRIDOR_MARGIN, end + CORRIDOR_MARGIN) for start, end in obstacles)
    intervals: list[tuple[float, float]] = []
    left = -math.inf
    for start, end in boxes:
        if start > left:
            intervals.append((left, start))
        left = max(left, end)
    intervals.append((left, math.inf))

    def clear(x: float) -> bool:
        return all(abs(x - other) >= CORRIDOR_SPACING for other in used)

    candidates: list[tuple[float, float]] = []
    for low, high in intervals:
        if high - low < 1.0:
            continue
        x = min(max(desired, low), high)
        for step in range(0, 400):
            for sign in (1, -1):
                trial = x + sign * step * CORRIDOR_SPACING / 2
                if low <= trial <= high and clear(trial):
                    candidates.append((abs(trial - desired), trial))
                    break
            else:
                continue
            break
    best = min(candidates)
    return round(best[1], 2)


def _route(  # noqa: PLR0912, PLR0915 -- the router, one pass
    rows: list[_Row],
    nodes: dict[str, _Node],
    edges: Sequence[_EdgeRef],
    plans: Sequence[_GroupPlan] = (),
) -> list[_Route]:
    routes: list[_Route] = []
    row_order = {iri: i for row in rows for i, iri in enumerate(row.nodes)}
    between = _pair_edges(edges)
    straight_count: dict[frozenset[str], int] = defaultdict(int)
    for edge in edges:
        a, b = nodes[edge.source], nodes[edge.target]
        route = _Route(edge)
        joined = between.get(frozenset((edge.source, edge.target)), [])
        if (
            a.row == b.row
            and abs(row_order[a.iri] - row_order[b.iri]) == 1
            and 1 <= len(joined) <= 2
        ):
            pair = frozenset((edge.source, edge.target))
            index = straight_count[pair]
            straight_count[pair] += 1
            route.straight = True
            route.straight_offset = 0.0 if len(joined) == 1 else (index - 0.5) * 2 * STRAIGHT_OFFSET
        elif a.row < b.row:
            route.start_side, route.end_side = "bottom", "top"
        elif a.row > b.row:
            route.start_side, route.end_side = "top", "bottom"
        else:
            route.start_side, route.end_side = "bottom", "bottom"
        routes.append(route)
    # ports: spread each node side's endpoints in the order of the other ends; the
    # membership edges into one node share a port, a corridor and a track (a bus)
    ends: dict[tuple[str, str], dict[str, list[tuple[float, int, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for n, route in enumerate(routes):
        if route.straight:
            continue
        source, target = nodes[route.edge.source], nodes[route.edge.target]
        slot = f"bus:{route.end_side}" if route.edge.membership else f"edge:{n}"
        ends[(source.iri, route.start_side)][f"edge:{n}"].append(
            (target.x + target.w / 2, n, "start")
        )
        ends[(target.iri, route.end_side)][slot].append((source.x + source.w / 2, n, "end"))
    for (iri, _side), slots in ends.items():
        node = nodes[iri]
        low, high = _port_range(node)
        ordered = sorted(
            slots.values(), key=lambda items: (sum(i[0] for i in items) / len(items), items[0][1])
        )
        for k, items in enumerate(ordered):
            x = round(low + (high - low) * (k + 1) / (len(ordered) + 1), 2)
            for _, n, which in items:
                if which == "start":
                    routes[n].start_x = x
                else:
                    routes[n].end_x = x
    used: dict[int, list[float]] = defaultdict(list)
    bus_corridors: dict[tuple[str, int], float] = {}
    for route in routes:
        if route.straight:
            continue
        first, last = nodes[route.edge.source].row, nodes[route.edge.target].row
        if first == last:
            route.legs = [(first + 1, route.start_x, route.end_x)]
            continue
        step = 1 if last > first else -1
        channels = list(range(first + 1, last + 1)) if step == 1 else list(range(first, last, -1))
        passes = list(range(first + step, last, step))
        xs = [route.start_x]
        for k, r in enumerate(passes, start=1):
            bus = (route.edge.target, r) if route.edge.membership else None
            if bus is not None and bus in bus_corridors:
                xs.append(bus_corridors[bus])
                continue
            # membership buses head straight for their target; other edges interpolate
            share = 1.0 if bus is not None else k / (len(passes) + 1)
            desired = route.start_x + (route.end_x - route.start_x) * share
            obstacles = [(p.x, p.x + p.w) for p in plans if p.rows[0] <= r <= p.rows[-1]]
            obstacles += [(nodes[i].x, nodes[i].x + nodes[i].w) for i in rows[r].nodes]
            x = _free_x(obstacles, desired, used[r])
            used[r].append(x)
            if bus is not None:
                bus_corridors[bus] = x
            xs.append(x)
        xs.append(route.end_x)
        route.legs = [(channel, xs[i], xs[i + 1]) for i, channel in enumerate(channels)]
        lengths = [abs(x2 - x1) for _, x1, x2 in route.legs]
        route.label_leg = max(range(len(lengths)), key=lambda i: (round(lengths[i], 1), -i))
    return routes


def _port_range(node: _Node) -> tuple[float, float]:
    side, _, _ = _insets(node.style.shape, node.h)
    inner = 10.0 if node.style.shape in ("round", "machine", "banner", "note") else 4.0
    if node.style.shape == "pill":
        inner = node.h / 2
    return node.x + side + inner, node.x + node.w - side - inner


def _allocate_tracks(routes: list[_Route]) -> dict[int, int]:
    """Tracks per channel: no two horizontal stretches (with their labels) share one,
    except the legs of one membership bus, which share theirs."""
    spans: dict[int, dict[str, list[tuple[float, float, int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for n, route in enumerate(routes):
        route.tracks = [0] * len(route.legs)
        for leg_index, (channel, x1, x2) in enumerate(route.legs):
            low, high = min(x1, x2) - 6.0, max(x1, x2) + 6.0
            if route.edge.label and leg_index == route.label_leg:
                mid = (x1 + x2) / 2
                half = route.edge.label_width / 2 + LABEL_PAD_X + 6.0
                low, high = min(low, mid - half), max(high, mid + half)
            owner = f"bus:{route.edge.target}" if route.edge.membership else f"edge:{n}:{leg_index}"
            spans[channel][owner].append((low, high, n, leg_index))
    counts: dict[int, int] = {}
    for channel, owners in spans.items():
        ends: list[float] = []
        merged = sorted(
            (min(s[0] for s in items), max(s[1] for s in items), owner)
            for owner, items in owners.items()
        )
        for low, high, owner in merged:
            for track, end in enumerate(ends):
                if end < low:
                    ends[track] = high
                    break
            else:
                track = len(ends)
                ends.append(high)
            for _, _, n, leg_index in owners[owner]:
                routes[n].tracks[leg_index] = track
        counts[channel] = len(ends)
    return counts


# -- the whole layout --------------------------------------------------------------------------


def layout(  # noqa: PLR0915 -- the layout, step by step
    digraph: nx.MultiDiGraph,
    lang: Lang = "en",
    *,
    mode: Literal["layered", "compare"] = "layered",
    title: str = "",
) -> Geometry:
    """The diagram's geometry: every box, line and label, in px."""
    font = diagram_font()
    nodes = {
        iri: _measure_node(iri, dict(digraph.nodes[iri]), lang, font)
        for iri in sorted(digraph.nodes)
    }
    edges = []
    for index, (s, o, key, data) in enumerate(
        sorted(digraph.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))
    ):
        membership = bool(data.get("membership"))
        label = (
            "" if membership else str(data.get(f"label_{lang}") or data.get("label") or _local(key))
        )
        edges.append(
            _EdgeRef(
                index,
                s,
                o,
                key,
                label,
                text_width(label, EDGE_FONT, font),
                membership,
                bool(data.get("symmetric")),
            )
        )
    if not nodes:
        rows: list[_Row] = []
        plans: list[_GroupPlan] = []
    elif mode == "compare":
        rows, plans = _compare_plan(digraph, nodes, edges, lang, font)
    else:
        rows, plans = _layered_plan(digraph, nodes, edges, lang, font)
    drawn = [e for e in edges if e.source != e.target and not (mode == "compare" and e.membership)]
    # a compare column's boxes span the whole column: its edges may pass inside them
    routes = _route(rows, nodes, drawn, plans if mode != "compare" else ())
    tracks = _allocate_tracks(routes)
    # vertical placement: rows and the channels between them
    label_h = line_height(EDGE_FONT) + 2 * LABEL_PAD_Y
    y = 0.0
    channel_tracks: dict[int, list[float]] = {}
    for r, row in enumerate(rows):
        count = tracks.get(r, 0)
        need = 2 * CHANNEL_MARGIN + (count - 1) * TRACK if count else 0.0
        if r == 0:
            y += GROUP_LABEL_BAND
            start = y
        elif row.first_of_layer:
            y += GROUP_PAD
            gap = max(MIN_LAYER_GAP, need)
            start = y + (gap - need) / 2
            y += gap + GROUP_LABEL_BAND
        else:
            gap = max(MIN_ROW_GAP, need)
            start = y + (gap - need) / 2
            y += gap
        channel_tracks[r] = [start + CHANNEL_MARGIN + t * TRACK for t in range(count)]
        row.top = y
        row.height = max(nodes[i].h for i in row.nodes)
        for iri in row.nodes:
            nodes[iri].y = y + (row.height - nodes[iri].h) / 2
        y += row.height
    last = len(rows)
    count = tracks.get(last, 0)
    y += GROUP_PAD
    channel_tracks[last] = [y + CHANNEL_MARGIN + t * TRACK for t in range(count)]
    y += (2 * CHANNEL_MARGIN + (count - 1) * TRACK) if count else 0.0
    content_bottom = y
    # build shapes (content coordinates; shifted at the end)
    group_shapes = []
    for plan in plans:
        top = rows[plan.rows[0]].top - GROUP_LABEL_BAND
        bottom = rows[plan.rows[-1]].top + rows[plan.rows[-1]].height + GROUP_PAD
        box = Box(plan.x, top, plan.w, bottom - top)
        caption = _text(plan.label, GROUP_FONT, font, plan.x + GROUP_PAD, top + 5.0)
        group_shapes.append(GroupShape(plan.key, box, caption))
    node_shapes = {iri: _node_shape(node, font) for iri, node in nodes.items()}
    edge_shapes = []
    for route in routes:
        edge_shapes.append(_edge_shape(route, nodes, channel_tracks, font, label_h))
    return _finish(
        digraph, lang, font, title, node_shapes, group_shapes, edge_shapes, content_bottom
    )


def _text(text: str, size: float, font: Font, x: float, top: float) -> Text:
    """A line whose line box starts at ``top``; the baseline follows from the font's metrics."""
    height = line_height(size)
    baseline = top + (height - (font.ascent + font.descent) * size) / 2 + font.ascent * size
    return Text(text, round(x, 2), round(baseline, 2), text_width(text, size, font), size)


def _node_shape(node: _Node, font: Font) -> NodeShape:
    box = Box(round(node.x, 2), round(node.y, 2), node.w, node.h)
    side, top, bottom = _insets(node.style.shape, node.h)
    label_box = Box(
        box.x + side + NODE_PAD_X / 2,
        box.y + top + NODE_PAD_Y / 2,
        box.w - 2 * side - NODE_PAD_X,
        box.h - top - bottom - NODE_PAD_Y,
    )
    height = line_height(NODE_FONT)
    first = box.y + top + (box.h - top - bottom - len(node.lines) * height) / 2
    lines = tuple(
        _text(line, NODE_FONT, font, box.x + (box.w - width) / 2, first + i * height)
        for i, (line, width) in enumerate(zip(node.lines, node.widths, strict=True))
    )
    return NodeShape(node.iri, box, label_box, lines, node.style, node.tooltip, node.group.key)


def boundary_y(node: _Node | NodeShape, x: float, side: str) -> float:
    """Where a vertical line at ``x`` meets the node's outline, at its top or bottom."""
    box = node.box if isinstance(node, NodeShape) else Box(node.x, node.y, node.w, node.h)
    shape = node.style.shape
    if shape == "cylinder":
        rx = box.w / 2
        t = min(abs(x - (box.x + rx)) / rx, 1.0)
        sag = CYLINDER_CAP * math.sqrt(1 - t * t)
        if side == "top":
            return box.y + CYLINDER_CAP - sag
        return box.bottom - CYLINDER_CAP + sag
    return box.y if side == "top" else box.bottom


def boundary_x(node: _Node, dy: float, side: str) -> float:
    """Where a horizontal line ``dy`` from the node's middle meets its left or right outline."""
    shape = node.style.shape
    inset = 0.0
    if shape == "hexagon":
        inset = (node.h / 4) * abs(dy) / (node.h / 2)
    elif shape == "pill":
        r = node.h / 2
        inset = r - math.sqrt(max(r * r - dy * dy, 0.0))
    return node.x + inset if side == "left" else node.x + node.w - inset


def _edge_shape(
    route: _Route,
    nodes: dict[str, _Node],
    channel_tracks: dict[int, list[float]],
    font: Font,
    label_h: float,
) -> EdgeShape:
    edge = route.edge
    source, target = nodes[edge.source], nodes[edge.target]
    points: list[Point]
    label_at: Point
    if route.straight:
        y = source.y + source.h / 2 + route.straight_offset
        dy_s = y - (source.y + source.h / 2)
        dy_t = y - (target.y + target.h / 2)
        if source.x < target.x:
            points = [(boundary_x(source, dy_s, "right"), y), (boundary_x(target, dy_t, "left"), y)]
        else:
            points = [(boundary_x(source, dy_s, "left"), y), (boundary_x(target, dy_t, "right"), y)]
        label_at = ((points[0][0] + points[1][0]) / 2, y)
    else:
        points = [(route.start_x, boundary_y(source, route.start_x, route.start_side))]
        label_at = (0.0, 0.0)
        for i, ((channel, x1, x2), track) in enumerate(zip(route.legs, route.tracks, strict=True)):
            ty = channel_tracks[channel][track]
            points.append((x1, ty))
            points.append((x2, ty))
            if i == route.label_leg:
                label_at = ((x1 + x2) / 2, ty)
        points.append((route.end_x, boundary_y(target, route.end_x, route.end_side)))
    points = _simplify([(round(x, 2), round(y, 2)) for x, y in points])
    label = None
    label_box = None
    if edge.label:
        x = label_at[0] - edge.label_width / 2
        top = label_at[1] - line_height(EDGE_FONT) / 2
        label = _text(edge.label, EDGE_FONT, font, x, top)
        label_box = Box(
            round(x - LABEL_PAD_X, 2),
            round(label_at[1] - label_h / 2, 2),
            round(edge.label_width + 2 * LABEL_PAD_X, 2),
            round(label_h, 2),
        )
    arrow = None if edge.symmetric or edge.membership else _arrow(points)
    return EdgeShape(
        edge.source, edge.target, edge.key, tuple(points), label, label_box, edge.membership, arrow
    )


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and the middle of straight runs."""
    out: list[Point] = []
    for point in points:
        if out and abs(out[-1][0] - point[0]) < 0.01 and abs(out[-1][1] - point[1]) < 0.01:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (abs(x0 - x1) < 0.01 and abs(x1 - point[0]) < 0.01) or (
                abs(y0 - y1) < 0.01 and abs(y1 - point[1]) < 0.01
            ):
                out[-1] = point
                continue
        out.append(point)
    return out


def _arrow(points: Sequence[Point]) -> tuple[Point, ...]:
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    bx, by = x1 - ux * ARROW_LENGTH, y1 - uy * ARROW_LENGTH
    return (
        (round(x1, 2), round(y1, 2)),
        (round(bx - uy * ARROW_HALF_WIDTH, 2), round(by + ux * ARROW_HALF_WIDTH, 2)),
        (round(bx + uy * ARROW_HALF_WIDTH, 2), round(by - ux * ARROW_HALF_WIDTH, 2)),
    )


def _finish(
    digraph: nx.MultiDiGraph,
    lang: Lang,
    font: Font,
    title: str,
    node_shapes: dict[str, NodeShape],
    group_shapes: list[GroupShape],
    edge_shapes: list[EdgeShape],
    content_bottom: float,
) -> Geometry:
    """Shift everything into a canvas with a title above and a legend below."""
    xs: list[float] = [0.0]
    ys: list[float] = [0.0, content_bottom]
    for shape in node_shapes.values():
        xs += [shape.box.x, shape.box.right]
    for group in group_shapes:
        xs += [group.box.x, group.box.right]
        ys += [group.box.y, group.box.bottom]
    for edge in edge_shapes:
        xs += [x for x, _ in edge.points]
        ys += [y for _, y in edge.points]
        if edge.label_box is not None:
            xs += [edge.label_box.x, edge.label_box.right]
            ys += [edge.label_box.y, edge.label_box.bottom]
    title_text = _text(title, TITLE_FONT, font, MARGIN, MARGIN)
    top = MARGIN + line_height(TITLE_FONT) + 12.0
    dx, dy = MARGIN - min(xs), top - min(ys)
    content_width = max(xs) - min(xs)
    legend, legend_height = _legend(
        node_shapes.values(),
        edge_shapes,
        lang,
        font,
        max(content_width, 480.0),
        MARGIN,
        top + max(ys) - min(ys) + 20.0,
    )
    width = (
        max(
            content_width,
            title_text.width,
            max((e.label.x + e.label.width for e in legend), default=0.0) - MARGIN,
        )
        + 2 * MARGIN
    )
    height = top + max(ys) - min(ys) + 20.0 + legend_height + MARGIN
    return Geometry(
        width=round(width, 2),
        height=round(height, 2),
        title=title_text,
        nodes=tuple(
            dataclasses.replace(
                shape,
                box=shape.box.moved(dx, dy),
                label_box=shape.label_box.moved(dx, dy),
                lines=tuple(line.moved(dx, dy) for line in shape.lines),
            )
            for _, shape in sorted(node_shapes.items())
        ),
        groups=tuple(
            GroupShape(g.key, g.box.moved(dx, dy), g.label.moved(dx, dy)) for g in group_shapes
        ),
        edges=tuple(
            dataclasses.replace(
                e,
                points=tuple((round(x + dx, 2), round(y + dy, 2)) for x, y in e.points),
                label=e.label.moved(dx, dy) if e.label else None,
                label_box=e.label_box.moved(dx, dy) if e.label_box else None,
                arrow=tuple((round(x + dx, 2), round(y + dy, 2)) for x, y in e.arrow)
                if e.arrow
                else None,
            )
            for e in edge_shapes
        ),
        legend=legend,
        font=font,
        lang=lang,
    )


def _legend(
    node_shapes: Iterable[NodeShape],
    edges: Sequence[EdgeShape],
    lang: Lang,
    font: Font,
    width: float,
    x0: float,
    y0: float,
) -> tuple[tuple[LegendEntry, ...], float]:
    used = sorted({shape.style.key for shape in node_shapes}, key=STYLE_ORDER.__getitem__)
    items: list[
        tuple[Style | None, Literal["style", "membership", "relation", "symmetric"], str]
    ] = [(STYLE_BY_KEY[key], "style", STYLE_BY_KEY[key].label(lang)) for key in used]
    if any(not e.membership and e.arrow for e in edges):
        items.append(
            (
                None,
                "relation",
                "관계 (화살표 방향)" if lang == "ko" else "relation (arrow: direction)",
            )
        )
    if any(not e.membership and e.arrow is None for e in edges):
        items.append((None, "symmetric", "대칭 관계" if lang == "ko" else "symmetric relation"))
    if any(e.membership for e in edges):
        items.append(
            (None, "membership", "포함 관계 (의 일부임)" if lang == "ko" else "part of / member of")
        )
    entries = []
    x, y = x0, y0
    row_h = line_height(LEGEND_FONT) + 6.0
    swatch_w, swatch_h = 26.0, 14.0
    for style, kind, text in items:
        w = swatch_w + 6.0 + text_width(text, LEGEND_FONT, font) + 18.0
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + row_h
        swatch = Box(x, y + (row_h - swatch_h) / 2, swatch_w, swatch_h)
        label = _text(
            text, LEGEND_FONT, font, x + swatch_w + 6.0, y + (row_h - line_height(LEGEND_FONT)) / 2
        )
        entries.append(LegendEntry(swatch, style, kind, label))
        x += w
    height = (y - y0 + row_h) if entries else 0.0
    return tuple(entries), height
