"""SVG and PNG renderings of a diagram's geometry (``layout.Geometry``).

The SVG is written here, not by a plotting library, so every element is ours: each
node is an ``<a href="/resource/<name>">`` with a ``<title>`` tooltip holding its
definition, and carries its measured geometry as ``data-*`` attributes (box, label
box, and each text line's measured width) so tests can check it. All text is
escaped. The PNG draws the same geometry with matplotlib (Agg): the same outlines,
and the text as glyph outlines of the same font (``TextPath``), so the two agree.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Literal

from orchkg.fonts import LOCK, require_coverage
from orchkg.layout import (
    CYLINDER_CAP,
    Box,
    EdgeShape,
    Geometry,
    LegendEntry,
    NodeShape,
    Style,
    Text,
)

if TYPE_CHECKING:
    from matplotlib.path import Path as MplPath

Command = tuple[Literal["M", "L", "C", "Z"], tuple[float, ...]]
KAPPA = 0.5522847498

EDGE_COLOUR = "#4a5563"
MEMBERSHIP_COLOUR = "#9aa3ab"
TEXT_COLOUR = "#1f2933"
GROUP_FILL = "#f8f9fb"
GROUP_STROKE = "#c3cad3"
GROUP_TEXT = "#52606d"


# -- outlines shared by both renderers ---------------------------------------------------------


def _rounded(box: Box, r: float) -> list[Command]:
    r = min(r, box.w / 2, box.h / 2)
    k = r * (1 - KAPPA)
    x, y, right, bottom = box.x, box.y, box.right, box.bottom
    return [
        ("M", (x + r, y)),
        ("L", (right - r, y)),
        ("C", (right - k, y, right, y + k, right, y + r)),
        ("L", (right, bottom - r)),
        ("C", (right, bottom - k, right - k, bottom, right - r, bottom)),
        ("L", (x + r, bottom)),
        ("C", (x + k, bottom, x, bottom - k, x, bottom - r)),
        ("L", (x, y + r)),
        ("C", (x, y + k, x + k, y, x + r, y)),
        ("Z", ()),
    ]


def _rect(box: Box) -> list[Command]:
    return [
        ("M", (box.x, box.y)),
        ("L", (box.right, box.y)),
        ("L", (box.right, box.bottom)),
        ("L", (box.x, box.bottom)),
        ("Z", ()),
    ]


def _half_ellipse(
    cx: float, cy: float, rx: float, ry: float, lower: bool, leftward: bool
) -> list[Command]:
    """Half an ellipse from one end of its horizontal axis to the other, as two cubics."""
    sign = 1 if lower else -1
    start, end = (cx + rx, cx - rx) if leftward else (cx - rx, cx + rx)
    direction = -1 if leftward else 1
    return [
        (
            "C",
            (
                start,
                cy + sign * ry * KAPPA,
                cx - direction * rx * KAPPA,
                cy + sign * ry,
                cx,
                cy + sign * ry,
            ),
        ),
        ("C", (cx + direction * rx * KAPPA, cy + sign * ry, end, cy + sign * ry * KAPPA, end, cy)),
    ]


def outline(shape: str, box: Box) -> tuple[list[Command], list[Command]]:
    """The filled outline of a node shape, and its stroked decoration."""
    x, y, right, bottom = box.x, box.y, box.right, box.bottom
    if shape in ("round",):
        return _rounded(box, 6.0), []
    if shape == "pill":
        return _rounded(box, box.h / 2), []
    if shape == "machine":
        return _rect(box), _rect(Box(x + 3, y + 3, box.w - 6, box.h - 6))
    if shape == "banner":
        return _rounded(box, 3.0), [("M", (x + 3, y + 5)), ("L", (right - 3, y + 5))]
    if shape == "hexagon":
        inset = box.h / 4
        cy = y + box.h / 2
        return [
            ("M", (x + inset, y)),
            ("L", (right - inset, y)),
            ("L", (right, cy)),
            ("L", (right - inset, bottom)),
            ("L", (x + inset, bottom)),
            ("L", (x, cy)),
            ("Z", ()),
        ], []
    if shape == "cylinder":
        c = CYLINDER_CAP
        cx, rx = x + box.w / 2, box.w / 2
        body: list[Command] = [("M", (x, y + c))]
        body += _half_ellipse(cx, y + c, rx, c, lower=False, leftward=False)
        body.append(("L", (right, bottom - c)))
        body += _half_ellipse(cx, bottom - c, rx, c, lower=True, leftward=True)
        body.append(("Z", ()))
        rim: list[Command] = [
            ("M", (x, y + c)),
            *_half_ellipse(cx, y + c, rx, c, lower=True, leftward=False),
        ]
        return body, rim
    if shape == "note":
        fold = 10.0
        return [
            ("M", (x, y)),
            ("L", (right - fold, y)),
            ("L", (right, y + fold)),
            ("L", (right, bottom)),
            ("L", (x, bottom)),
            ("Z", ()),
        ], [("M", (right - fold, y)), ("L", (right - fold, y + fold)), ("L", (right, y + fold))]
    return _rect(box), []


def _stroke_width(style: Style) -> float:
    return 2.2 if style.shape == "banner" else 1.4


# -- SVG -------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Text without the control characters XML cannot hold."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def esc(text: str) -> str:
    """Escape for XML text and double-quoted attributes.

    >>> esc('<script>alert(1)</script> " onerror="x')
    '&lt;script&gt;alert(1)&lt;/script&gt; &quot; onerror=&quot;x'
    """
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _d(commands: Sequence[Command]) -> str:
    return " ".join(
        name + (" " + " ".join(_n(v) for v in values) if values else "")
        for name, values in commands
    )


def _svg_text(line: Text, fill: str, extra: str = "") -> str:
    return (
        f'<text x="{_n(line.x)}" y="{_n(line.baseline)}" font-size="{_n(line.size)}" '
        f'textLength="{_n(line.width)}" lengthAdjust="spacingAndGlyphs" '
        f'data-width="{_n(line.width)}" fill="{fill}"{extra}>{esc(line.text)}</text>'
    )


def render_svg(geometry: Geometry, *, href: dict[str, str] | None = None) -> str:
    """The diagram as an SVG document (a string). ``href`` maps node IRIs to links."""
    links = href or {}
    out: list[str] = []
    w, h = _n(geometry.width), _n(geometry.height)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family="{esc(geometry.font.css_family)}" data-font="{esc(geometry.font.family)}" '
        f'lang="{geometry.lang}" role="img" aria-labelledby="diagram-title" class="orchkg-diagram">'
    )
    out.append(f'<title id="diagram-title">{esc(geometry.title.text)}</title>')
    out.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>')
    out.append(_svg_text(geometry.title, TEXT_COLOUR, ' class="title"'))
    out.append('<g class="groups">')
    for group in geometry.groups:
        b = group.box
        out.append(
            f'<rect class="group" data-key="{esc(group.key)}" x="{_n(b.x)}" y="{_n(b.y)}" '
            f'width="{_n(b.w)}" height="{_n(b.h)}" rx="8" fill="{GROUP_FILL}" '
            f'stroke="{GROUP_STROKE}" stroke-width="1"/>'
        )
    out.append("</g>")
    out.append('<g class="edges">')
    for edge in geometry.edges:
        out.append(_svg_edge(edge))
    out.append("</g>")
    out.append('<g class="nodes">')
    for node in geometry.nodes:
        out.append(_svg_node(node, links.get(node.iri)))
    out.append("</g>")
    out.append('<g class="group-labels">')
    for group in geometry.groups:
        out.append(
            _svg_text(
                group.label,
                GROUP_TEXT,
                f' class="group-label" data-key="{esc(group.key)}" stroke="{GROUP_FILL}" '
                'stroke-width="3" paint-order="stroke"',
            )
        )
    out.append("</g>")
    out.append('<g class="edge-labels">')
    for edge in geometry.edges:
        if edge.label is None or edge.label_box is None:
            continue
        b = edge.label_box
        out.append(
            f'<g class="edge-label" data-property="{esc(edge.property)}" data-x="{_n(b.x)}" '
            f'data-y="{_n(b.y)}" data-w="{_n(b.w)}" data-h="{_n(b.h)}">'
            f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" rx="3" '
            f'fill="#ffffff" fill-opacity="0.94"/>{_svg_text(edge.label, EDGE_COLOUR)}</g>'
        )
    out.append("</g>")
    out.append('<g class="legend">')
    for entry in geometry.legend:
        out.append(_svg_legend(entry))
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_edge(edge: EdgeShape) -> str:
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in edge.points)
    colour = MEMBERSHIP_COLOUR if edge.membership else EDGE_COLOUR
    dash = ' stroke-dasharray="2 3"' if edge.membership else ""
    width = "1" if edge.membership else "1.3"
    parts = [
        f'<g class="edge{" membership" if edge.membership else ""}" '
        f'data-source="{esc(edge.source)}" data-target="{esc(edge.target)}" '
        f'data-property="{esc(edge.property)}">',
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>',
    ]
    if edge.arrow:
        arrow = " ".join(f"{_n(x)},{_n(y)}" for x, y in edge.arrow)
        parts.append(f'<polygon points="{arrow}" fill="{colour}"/>')
    parts.append("</g>")
    return "".join(parts)


def _svg_node(node: NodeShape, link: str | None) -> str:
    body, decoration = outline(node.style.shape, node.box)
    b, lb = node.box, node.label_box
    attributes = (
        f'class="node" data-iri="{esc(node.iri)}" data-style="{esc(node.style.key)}" '
        f'data-shape="{node.style.shape}" data-x="{_n(b.x)}" data-y="{_n(b.y)}" '
        f'data-w="{_n(b.w)}" data-h="{_n(b.h)}" data-label-x="{_n(lb.x)}" '
        f'data-label-y="{_n(lb.y)}" data-label-w="{_n(lb.w)}" data-label-h="{_n(lb.h)}"'
    )
    opening = f'<a href="{esc(link)}" {attributes}>' if link else f"<g {attributes}>"
    closing = "</a>" if link else "</g>"
    parts = [opening, f"<title>{esc(node.tooltip or node.lines[0].text)}</title>"]
    parts.append(
        f'<path d="{_d(body)}" fill="{node.style.fill}" stroke="{node.style.stroke}" '
        f'stroke-width="{_n(_stroke_width(node.style))}"/>'
    )
    if decoration:
        stroke = node.style.stroke
        parts.append(f'<path d="{_d(decoration)}" fill="none" stroke="{stroke}" stroke-width="1"/>')
    parts.extend(_svg_text(line, TEXT_COLOUR) for line in node.lines)
    parts.append(closing)
    return "".join(parts)


def _svg_legend(entry: LegendEntry) -> str:
    s = entry.swatch
    if entry.style is not None:
        body, decoration = outline(entry.style.shape, s)
        stroke = entry.style.stroke
        swatch = (
            f'<path d="{_d(body)}" fill="{entry.style.fill}" stroke="{stroke}" stroke-width="1.2"/>'
        )
        if decoration:
            swatch += (
                f'<path d="{_d(decoration)}" fill="none" stroke="{stroke}" stroke-width="0.8"/>'
            )
    else:
        y = s.y + s.h / 2
        colour = MEMBERSHIP_COLOUR if entry.kind == "membership" else EDGE_COLOUR
        dash = ' stroke-dasharray="2 3"' if entry.kind == "membership" else ""
        swatch = (
            f'<line x1="{_n(s.x)}" y1="{_n(y)}" x2="{_n(s.right)}" y2="{_n(y)}" '
            f'stroke="{colour}" stroke-width="1.3"{dash}/>'
        )
        if entry.kind == "relation":
            swatch += (
                f'<polygon points="{_n(s.right)},{_n(y)} {_n(s.right - 8)},{_n(y - 4)} '
                f'{_n(s.right - 8)},{_n(y + 4)}" fill="{colour}"/>'
            )
    text = _svg_text(entry.label, TEXT_COLOUR)
    return f'<g class="legend-entry" data-kind="{entry.kind}">{swatch}{text}</g>'


# -- PNG ----------------------------------------------------------------------------------------


def _vertices(commands: Sequence[Command]) -> Iterator[tuple[tuple[float, float], int]]:
    from matplotlib.path import Path  # noqa: PLC0415 -- heavy

    start = (0.0, 0.0)
    for name, values in commands:
        if name == "M":
            start = (values[0], values[1])
            yield start, int(Path.MOVETO)
        elif name == "L":
            yield (values[0], values[1]), int(Path.LINETO)
        elif name == "C":
            yield (values[0], values[1]), int(Path.CURVE4)
            yield (values[2], values[3]), int(Path.CURVE4)
            yield (values[4], values[5]), int(Path.CURVE4)
        else:
            yield start, int(Path.CLOSEPOLY)


def render_png(geometry: Geometry, *, scale: float = 2.0) -> bytes:  # noqa: PLR0915 -- draws every kind of element in order
    """The diagram as a PNG, drawn with matplotlib (Agg) from the same geometry."""
    texts = [geometry.title.text, *(line.text for n in geometry.nodes for line in n.lines)]
    texts += [e.label.text for e in geometry.edges if e.label]
    texts += [g.label.text for g in geometry.groups] + [e.label.text for e in geometry.legend]
    require_coverage(geometry.font, "".join(texts))
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 -- heavy
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.patches import PathPatch, Polygon  # noqa: PLC0415
    from matplotlib.path import Path  # noqa: PLC0415
    from matplotlib.transforms import Affine2D  # noqa: PLC0415

    with LOCK:
        figure = Figure(figsize=(geometry.width / 72, geometry.height / 72), dpi=72 * scale)
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(0, geometry.width)
        axes.set_ylim(geometry.height, 0)
        axes.set_axis_off()
        z = [0]

        def patch(commands: Sequence[Command], **style: object) -> None:
            if not commands:
                return
            vertices, codes = zip(*_vertices(commands), strict=True)
            z[0] += 1
            axes.add_artist(PathPatch(Path(list(vertices), list(codes)), zorder=z[0], **style))

        def text(line: Text, colour: str, halo: str | None = None) -> None:
            if not line.text:
                return
            path = _glyphs(geometry.font.path, line.text, line.size)
            placed = Affine2D().scale(1, -1).translate(line.x, line.baseline).transform_path(path)
            z[0] += 1
            if halo:
                axes.add_artist(
                    PathPatch(
                        placed, facecolor=halo, edgecolor=halo, linewidth=3 / scale * 2, zorder=z[0]
                    )
                )
                z[0] += 1
            axes.add_artist(
                PathPatch(placed, facecolor=colour, edgecolor="none", linewidth=0, zorder=z[0])
            )

        patch(
            _rect(Box(0, 0, geometry.width, geometry.height)), facecolor="#ffffff", edgecolor="none"
        )
        text(geometry.title, TEXT_COLOUR)
        for group in geometry.groups:
            patch(
                _rounded(group.box, 8.0),
                facecolor=GROUP_FILL,
                edgecolor=GROUP_STROKE,
                linewidth=1.0,
            )
        for edge in geometry.edges:
            colour = MEMBERSHIP_COLOUR if edge.membership else EDGE_COLOUR
            commands: list[Command] = [("M", edge.points[0]), *(("L", p) for p in edge.points[1:])]
            patch(
                commands,
                facecolor="none",
                edgecolor=colour,
                linewidth=1.0 if edge.membership else 1.3,
                linestyle=(0, (2, 3)) if edge.membership else "solid",
            )
            if edge.arrow:
                z[0] += 1
                axes.add_artist(
                    Polygon(
                        list(edge.arrow),
                        closed=True,
                        facecolor=colour,
                        edgecolor="none",
                        zorder=z[0],
                    )
                )
        for node in geometry.nodes:
            body, decoration = outline(node.style.shape, node.box)
            patch(
                body,
                facecolor=node.style.fill,
                edgecolor=node.style.stroke,
                linewidth=_stroke_width(node.style),
            )
            patch(decoration, facecolor="none", edgecolor=node.style.stroke, linewidth=1.0)
            for line in node.lines:
                text(line, TEXT_COLOUR)
        for group in geometry.groups:
            text(group.label, GROUP_TEXT, halo=GROUP_FILL)
        for edge in geometry.edges:
            if edge.label and edge.label_box:
                patch(
                    _rounded(edge.label_box, 3.0), facecolor="#ffffff", edgecolor="none", alpha=0.94
                )
                text(edge.label, EDGE_COLOUR)
        for entry in geometry.legend:
            s = entry.swatch
            if entry.style is not None:
                body, decoration = outline(entry.style.shape, s)
                patch(body, facecolor=entry.style.fill, edgecolor=entry.style.stroke, linewidth=1.2)
                patch(decoration, facecolor="none", edgecolor=entry.style.stroke, linewidth=0.8)
            else:
                y = s.y + s.h / 2
                colour = MEMBERSHIP_COLOUR if entry.kind == "membership" else EDGE_COLOUR
                patch(
                    [("M", (s.x, y)), ("L", (s.right, y))],
                    facecolor="none",
                    edgecolor=colour,
                    linewidth=1.3,
                    linestyle=(0, (2, 3)) if entry.kind == "membership" else "solid",
                )
                if entry.kind == "relation":
                    z[0] += 1
                    axes.add_artist(
                        Polygon(
                            [(s.right, y), (s.right - 8, y - 4), (s.right - 8, y + 4)],
                            closed=True,
                            facecolor=colour,
                            edgecolor="none",
                            zorder=z[0],
                        )
                    )
            text(entry.label, TEXT_COLOUR)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=72 * scale, metadata={"Software": None})
    return buffer.getvalue()


@functools.lru_cache(maxsize=4096)
def _glyphs(font_path: str, text: str, size: float) -> MplPath:
    """The outlines of a line of text, from its baseline's left end (y up), kept for reuse."""
    from matplotlib.font_manager import FontProperties  # noqa: PLC0415 -- heavy
    from matplotlib.textpath import TextPath  # noqa: PLC0415

    with LOCK:
        return TextPath((0, 0), text, size=size, prop=FontProperties(fname=font_path))
