"""Checks on SPARQL text made before any engine sees it.

The engines fetch remote data on their own for ``SERVICE`` and ``LOAD`` (pyoxigraph
does so from Rust, out of Python's sight), so the decision is taken here, on the
query's tokens. SPARQL processes ``\\uXXXX`` escapes before parsing, so they are
decoded first and the decoded text is what the engine runs: no spelling can differ
between what is checked and what is evaluated.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from urllib.parse import urlsplit

from orchkg.errors import ClientError, ForbiddenError, QuerySyntaxError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.]*)?:[\w\-.%\\:]*)
  | (?P<var>[?$]\w+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


@dataclasses.dataclass(frozen=True)
class CheckedQuery:
    """A read query that passed the checks: the text to run and whether it names its dataset."""

    text: str
    declares_dataset: bool


@dataclasses.dataclass(frozen=True)
class Scan:
    """What the checks found in a request's text."""

    text: str
    services: tuple[str, ...]
    loads: tuple[str, ...]
    update_keywords: tuple[str, ...]
    max_depth: int
    declares_dataset: bool
    unknown_prefix: tuple[str, int, int] | None


@dataclasses.dataclass(frozen=True)
class Token:
    """One token of SPARQL text: its kind, its text, where it starts, and the bracket depth
    it sits at; a bracket has the depth outside it (comments and whitespace are no tokens)."""

    kind: str
    value: str
    start: int
    depth: int

    @property
    def end(self) -> int:
        return self.start + len(self.value)

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.value.upper() in words


def tokenize(text: str) -> list[Token]:
    """The tokens of SPARQL text (already decoded), with strings, IRIs and names whole.

    >>> [(t.kind, t.value, t.depth) for t in tokenize("ASK { ?s a <x:y> } # end")]
    [('word', 'ASK', 0), ('open', '{', 0), ('var', '?s', 1), ('word', 'a', 1), \
('iri', '<x:y>', 1), ('close', '}', 0)]
    """
    found: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        value = match.group()
        if kind == "comment" or value.isspace():
            continue
        if kind == "close":
            depth -= 1
        found.append(Token(kind, value, match.start(), depth))
        if kind == "open":
            depth += 1
    return found


def decode_escapes(text: str) -> str:
    """Apply SPARQL's codepoint escapes to the whole text, as the grammar says."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"invalid codepoint escape {match.group(0)!r}")
        return chr(code)

    return _ESCAPE.sub(replace, text)


def scan(text: str, predeclared: Collection[str] = ()) -> Scan:  # noqa: PLR0912 -- one pass of a tokenizer
    """Tokenise SPARQL text (strings, IRIs and comments skipped) and note what matters."""
    decoded = decode_escapes(text)
    services: list[str] = []
    loads: list[str] = []
    updates: list[str] = []
    depth = max_depth = 0
    expecting: str | None = None
    declares_dataset = False
    declared: set[str] = set(predeclared)
    unknown: tuple[str, int, int] | None = None
    previous = ""
    for match in _TOKEN.finditer(decoded):
        kind = match.lastgroup
        value = match.group()
        if kind in ("comment", "string") or value.isspace():
            continue
        if kind == "pname":
            prefix = value.split(":", 1)[0]
            if previous == "PREFIX":
                declared.add(prefix)
            elif prefix not in declared and unknown is None:
                line = decoded.count("\n", 0, match.start()) + 1
                column = match.start() - decoded.rfind("\n", 0, match.start())
                unknown = (prefix, line, column)
        previous = value.upper() if kind == "word" else value
        if kind == "word" and depth == 0 and value.upper() == "FROM":
            declares_dataset = True
        if expecting is not None:
            if kind == "word" and value.upper() == "SILENT":
                continue
            target = value[1:-1] if kind == "iri" else value
            (services if expecting == "SERVICE" else loads).append(target)
            expecting = None
        if kind == "word":
            upper = value.upper()
            if upper in ("SERVICE", "LOAD"):
                expecting = upper
            if upper in UPDATE_KEYWORDS:
                updates.append(upper)
        elif kind == "open":
            depth += 1
            max_depth = max(max_depth, depth)
        elif kind == "close":
            depth -= 1
    if expecting is not None:
        (services if expecting == "SERVICE" else loads).append("")
    return Scan(
        decoded,
        tuple(services),
        tuple(loads),
        tuple(updates),
        max_depth,
        declares_dataset,
        unknown,
    )


def allowed(iri: str, allowlist: tuple[str, ...]) -> bool:
    """Whether an endpoint IRI is on the allowlist (exact, or under a listed prefix ending in /)."""
    if not iri or urlsplit(iri).scheme not in ("http", "https"):
        return False
    return any(
        iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allowlist
    )


def syntax_message(text: str, engine_message: str, predeclared: Collection[str] = ()) -> str:
    """A clearer message for a parse error: name an undeclared prefix when that is the cause."""
    found = scan(text, predeclared)
    if found.unknown_prefix is not None:
        prefix, line, column = found.unknown_prefix
        return (
            f"unknown prefix '{prefix}:' at line {line}, column {column}; declare it with "
            f"PREFIX {prefix}: <...>"
        )
    return f"SPARQL syntax error: {engine_message}"


def _refuse_unknown_prefix(found: Scan) -> None:
    if found.unknown_prefix is not None:
        prefix, line, column = found.unknown_prefix
        raise QuerySyntaxError(
            f"unknown prefix '{prefix}:' at line {line}, column {column}; declare it with "
            f"PREFIX {prefix}: <...>"
        )


def check_query(
    text: str,
    *,
    allowlist: tuple[str, ...] = (),
    max_depth: int = 200,
    predeclared: Collection[str] = (),
) -> CheckedQuery:
    """The query to evaluate, or a ClientError saying what is refused."""
    found = scan(text, predeclared)
    _refuse_unknown_prefix(found)
    if found.max_depth > max_depth:
        raise ClientError(f"query nests brackets {found.max_depth} deep; the limit is {max_depth}")
    for target in found.services:
        if not allowed(target, allowlist):
            shown = target or "a variable"
            raise ForbiddenError(f"SERVICE {shown} is not on this server's federation allowlist")
    return CheckedQuery(found.text, found.declares_dataset)


def check_update(
    text: str,
    *,
    allowlist: tuple[str, ...] = (),
    max_depth: int = 200,
    predeclared: Collection[str] = (),
) -> str:
    """The text to run for an update: LOAD and SERVICE only to allowlisted IRIs."""
    found = scan(text, predeclared)
    _refuse_unknown_prefix(found)
    if found.max_depth > max_depth:
        raise ClientError(f"update nests brackets {found.max_depth} deep; the limit is {max_depth}")
    for target in found.loads:
        if not allowed(target, allowlist):
            raise ForbiddenError(f"LOAD <{target}> is refused: the source is not on the allowlist")
    for target in found.services:
        if not allowed(target, allowlist):
            raise ForbiddenError(f"SERVICE {target or 'a variable'} is not on the allowlist")
    return found.text


def looks_like_update(text: str) -> bool:
    """A cheap test used only to give a better message; the engine has the last word."""
    found = scan(text)
    head = [word for word in found.update_keywords if word != "WITH"]
    return bool(head) and not re.search(
        r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", found.text, flags=re.IGNORECASE
    )


def with_using(
    text: str, default_graphs: tuple[str, ...] | None, named_graphs: tuple[str, ...] | None
) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri to an update.

    The graphs become ``USING`` / ``USING NAMED`` clauses before the ``WHERE`` of each
    operation. An update that names its own dataset (``USING`` or ``WITH``) cannot also
    take one from the protocol: that is a client error, as the protocol says.
    """
    found = scan(text)
    if "WITH" in found.update_keywords or re.search(r"\bUSING\b", _code_only(found.text), re.I):
        raise ClientError(
            "the update names its dataset with USING or WITH and also with "
            "using-graph-uri / using-named-graph-uri; give it one way only"
        )
    clause = "".join(f" USING <{iri}>" for iri in default_graphs or ())
    clause += "".join(f" USING NAMED <{iri}>" for iri in named_graphs or ())
    for iri in (*(default_graphs or ()), *(named_graphs or ())):
        if not _IRI_OK.fullmatch(iri):
            raise ClientError(f"not an IRI: {iri!r}")
    pieces: list[str] = []
    depth = 0
    previous = ""
    for match in _TOKEN.finditer(found.text):
        kind, value = match.lastgroup, match.group()
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and value.upper() == "WHERE" and previous != "DELETE":
            pieces.append(clause + " ")
        if kind == "word":
            previous = value.upper()
        elif kind not in ("comment",) and not value.isspace():
            previous = value
        pieces.append(value)
    return "".join(pieces)


_IRI_OK = re.compile(r"[^<>\"{}|^`\\\x00-\x20]+")


def _code_only(text: str) -> str:
    """The text with strings, IRIs and comments blanked out."""
    return "".join(
        " " if m.lastgroup in ("comment", "string", "iri") else m.group()
        for m in _TOKEN.finditer(text)
    )
