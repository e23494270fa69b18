"""Checks on RDF input made before the engine parses it.

pyoxigraph's parsers have costs that grow faster than their input in two formats, and
no switch to bound them:

* JSON-LD: each level of nesting costs more than the one above it (1,000 levels of
  objects take a second and 200 MB; 6,000 overflow the stack and kill the process);
* RDF/XML: nesting costs grow with depth (40,000 levels take 5 s), and internal entities
  are expanded without limit (a 1 KB "billion laughs" document grows to gigabytes).

So a JSON-LD or RDF/XML source from a request is read once, cheaply, before it is
parsed, and refused (``ClientError``, 400) when it nests deeper than ``max_depth`` or,
for RDF/XML, when its entities expand its text past ``max_expansion`` characters, or
when it is not well-formed XML (what Python's expat refuses, pyoxigraph's parser would
have had to guess at). expat fetches nothing: external entities and DTDs are not read.

    >>> limits = BodyLimits(max_depth=3, max_expansion=100)
    >>> screen(b'{"a": {"b": [1]}}', "jsonld", "body", limits)
    >>> screen(b'{"a": {"b": [[1]]}}', "jsonld", "body", limits)
    Traceback (most recent call last):
    ...
    orchkg.errors.ClientError: body: nests deeper than 3 levels, the limit
"""

from __future__ import annotations

import dataclasses
import re
import xml.parsers.expat

from orchkg.errors import ClientError


@dataclasses.dataclass(frozen=True)
class BodyLimits:
    """How deep an RDF body may nest, and how much text its entities may expand it to."""

    max_depth: int
    max_expansion: int


SCREENED_FORMATS = frozenset({"jsonld", "rdfxml"})
"""The formats whose parsers need a look at the input first."""

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_EMPTY_PAIR = re.compile(rb"\{\}|\[\]")


def json_depth_over(data: bytes, limit: int) -> bool:
    """Whether JSON text nests objects and arrays deeper than ``limit``.

    Strings go first, then everything but brackets; each pass then removes the innermost
    empty pairs, one level at a time, so at most ``limit`` passes are made, and a run of
    more than ``limit`` opening brackets ends the search at once.

    >>> json_depth_over(b'[{"x": "]]]]"}, [[]]]', 3), json_depth_over(b"[[[[]]]]", 3)
    (False, True)
    """
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    too_deep = re.compile(rb"[\[{]{%d}" % (limit + 1))
    for _ in range(limit):
        if not brackets:
            return False
        if too_deep.search(brackets):
            return True
        shorter = _EMPTY_PAIR.sub(b"", brackets)
        if len(shorter) == len(brackets):
            return False  # unbalanced: the parser will say where
        brackets = shorter
    return bool(_EMPTY_PAIR.search(brackets))


class _XmlScreen:
    """One expat pass over an RDF/XML document, counting depth and expanded text."""

    def __init__(self, source: str, limits: BodyLimits) -> None:
        self.source = source
        self.limits = limits
        self.depth = 0
        self.text = 0
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.characters

    def start(self, _name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ClientError(
                f"{self.source}: nests elements deeper than {self.limits.max_depth} levels, "
                "the limit"
            )
        self.grow(sum(len(value) for value in attributes.values()))

    def end(self, _name: str) -> None:
        self.depth -= 1

    def characters(self, data: str) -> None:
        self.grow(len(data))

    def grow(self, count: int) -> None:
        self.text += count
        if self.text > self.limits.max_expansion:
            raise ClientError(
                f"{self.source}: its text (entities expanded) is over "
                f"{self.limits.max_expansion:,} characters, the limit"
            )

    def run(self, data: bytes) -> None:
        try:
            self.parser.Parse(data, True)
        except xml.parsers.expat.ExpatError as error:
            message = xml.parsers.expat.ErrorString(error.code)
            raise ClientError(
                f"{self.source}:{error.lineno}:{error.offset + 1}: not well-formed XML: {message}"
            ) from None


def screen(data: bytes, fmt_name: str, source: str, limits: BodyLimits) -> None:
    """Refuse a JSON-LD or RDF/XML source that would cost the parser too much (else None)."""
    if fmt_name == "jsonld" and json_depth_over(data, limits.max_depth):
        raise ClientError(f"{source}: nests deeper than {limits.max_depth} levels, the limit")
    if fmt_name == "rdfxml":
        _XmlScreen(source, limits).run(data)
