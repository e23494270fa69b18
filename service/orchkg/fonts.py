"""The font diagrams are measured and drawn with, found through matplotlib's font manager.

One font serves both languages, so a diagram's geometry does not depend on the
language of its labels: the first installed of ``PREFERRED_FAMILIES`` (Noto Sans CJK
or Nanum Gothic, which ``scripts/setup`` installs on Debian). Without one, the
diagrams fall back to matplotlib's own DejaVu Sans, which has no Hangul:
``Font.covers`` says so, and the PNG of a Korean diagram is refused rather than
drawn with empty boxes.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from pathlib import Path

from orchkg.errors import ConfigurationError

PREFERRED_FAMILIES = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "NanumGothic",
    "NanumBarunGothic",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
)
FILE_HINTS = ("NotoSansCJK-Regular", "NotoSansKR-Regular", "NanumGothic.", "NanumBarunGothic.")
FALLBACK_FAMILY = "DejaVu Sans"

LOCK = threading.RLock()
"""matplotlib's font objects are not thread-safe: measuring and drawing hold this lock."""


@dataclasses.dataclass(frozen=True)
class Font:
    """A font file and what the SVG should ask browsers for."""

    path: str
    family: str
    ascent: float
    """Ascender, as a fraction of the font size."""
    descent: float
    """Descender (positive), as a fraction of the font size."""
    codepoints: frozenset[int]

    def covers(self, text: str) -> bool:
        """Whether every non-space character of ``text`` has a glyph in this font."""
        return all(ord(ch) in self.codepoints for ch in text if not ch.isspace())

    def missing(self, text: str) -> str:
        return "".join(sorted({ch for ch in text if not ch.isspace() and not self.covers(ch)}))

    @property
    def has_hangul(self) -> bool:
        return self.covers("한국어 라벨")

    @property
    def css_family(self) -> str:
        """The CSS font-family list for the SVG: this font first, then its usual names."""
        names = [self.family, *PREFERRED_FAMILIES[:3], "sans-serif"]
        unique = list(dict.fromkeys(names))
        return ", ".join(name if name == "sans-serif" else f"'{name}'" for name in unique)


def _candidates() -> list[tuple[str, str]]:
    from matplotlib import font_manager  # noqa: PLC0415 -- heavy; only when drawing

    entries = [(entry.name, entry.fname) for entry in font_manager.fontManager.ttflist]
    found: list[tuple[str, str]] = []
    for family in PREFERRED_FAMILIES:
        files = sorted(
            fname
            for name, fname in entries
            if name == family and "Bold" not in Path(fname).name and "Serif" not in fname
        )
        found.extend((family, fname) for fname in files)
    if not found:  # installed after matplotlib built its cache: look at the files themselves
        for fname in sorted(font_manager.findSystemFonts()):
            if any(hint in Path(fname).name for hint in FILE_HINTS):
                font_manager.fontManager.addfont(fname)
                found.append((font_manager.FontProperties(fname=fname).get_name(), fname))
    return found


@functools.cache
def diagram_font() -> Font:
    """The font for diagrams: the first preferred family installed, else DejaVu Sans."""
    from matplotlib import font_manager  # noqa: PLC0415
    from matplotlib.ft2font import FT2Font  # noqa: PLC0415

    with LOCK:
        candidates = _candidates()
        if candidates:
            family, path = candidates[0]
        else:
            family = FALLBACK_FAMILY
            path = font_manager.findfont(FALLBACK_FAMILY, fallback_to_default=True)
        face = FT2Font(path)
        units = float(face.units_per_EM)
        return Font(
            path=path,
            family=face.family_name or family,
            ascent=face.ascender / units,
            descent=-face.descender / units,
            codepoints=frozenset(face.get_charmap()),
        )


def require_coverage(font: Font, text: str) -> None:
    """Refuse to draw text whose glyphs the font lacks (they would come out as empty boxes)."""
    missing = font.missing(text)
    if missing:
        raise ConfigurationError(
            f"the diagram font {font.family} ({font.path}) has no glyphs for {missing[:20]!r}; "
            "install a font with Hangul (Debian: apt-get install fonts-noto-cjk) and run "
            "scripts/setup again"
        )
