"""Content negotiation as small pure functions: parse an Accept header, pick an offer."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed parts are skipped.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/*;q=0.5, application/json")]
    [('text', '*', 0.5), ('application', 'json', 1.0)]
    """
    if not header:
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [field.strip() for field in part.split(";")]
        kind, slash, sub = fields[0].lower().partition("/")
        if not slash or not kind or not sub:
            continue
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q, order))
    return ranges


def choose(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers most, or None when nothing it accepts is offered.

    Each offer gets the q of the most specific range that matches it; ties go to the
    client's order, then to the server's order of ``offers``.

    >>> choose("text/csv;q=0.4, application/json", ["text/csv", "application/json"])
    'application/json'
    >>> choose("image/png", ["text/csv"]) is None
    True
    """
    return _choose(header, tuple(offers))


@functools.lru_cache(maxsize=512)
def _choose(header: str | None, offers: tuple[str, ...]) -> str | None:
    """``choose``, remembered: a server sees the same few Accept headers again and again."""
    ranges = parse_accept(header)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for index, offer in enumerate(offers):
        matching = [r for r in ranges if r.matches(offer)]
        if not matching:
            continue
        top = max(matching, key=lambda r: (r.specificity, -r.order))
        if top.q <= 0:
            continue
        exact = top.specificity
        key = (top.q, exact, -top.order, -index)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def choose_language(header: str | None, offers: Sequence[str]) -> str | None:
    """The offered language the client prefers most by its Accept-Language, or None.

    A range matches an offer when their primary subtags agree (``ko-KR`` takes ``ko``);
    ``*`` matches any offer. Ties go to the client's order, then to the order of ``offers``.

    >>> choose_language("fr-CH, fr;q=0.9, ko-KR;q=0.8, en;q=0.5", ["en", "ko"])
    'ko'
    >>> choose_language("de", ["en", "ko"]) is None
    True
    """
    best: tuple[float, int, int] | None = None
    chosen = None
    for order, part in enumerate((header or "").split(",")):
        fields = [field.strip() for field in part.split(";")]
        tag = fields[0].lower()
        if not tag:
            continue
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        primary = tag.split("-", 1)[0]
        for index, offer in enumerate(offers):
            if tag == "*" or primary == offer.lower().split("-", 1)[0]:
                key = (q, -order, -index)
                if best is None or key > best:
                    best, chosen = key, offer
    return chosen
