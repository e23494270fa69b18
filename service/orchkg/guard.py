"""Checks on SPARQL text made before any engine sees it.

The engines fetch remote data on their own for ``SERVICE`` and ``LOAD`` (pyoxigraph
does so from Rust, out of Python's sight), so the decision is taken here, on the
query's tokens. SPARQL processes ``\\uXXXX`` escapes before parsing, so they are
decoded first and the decoded text is what the engine runs: no spelling can differ
between what is checked and what is evaluated.

The engine also recurses over a query's algebra, on the stack of the thread that runs
it, and a deep enough tree overflows that stack and kills the process (a segmentation
fault, not an exception). Brackets nest the tree, and so do long flat runs: each
UNION, OPTIONAL, MINUS, FILTER, BIND, operator or triple pattern adds a level. So the
checks bound both the nesting of brackets (``max_depth``) and the number of such
*operators* (``max_operators``); data blocks (``VALUES``, ``INSERT DATA``, templates)
are not algebra and do not count. The engine's own limit on this machine lies near
2,600 operators; the defaults keep well below it.

A ``Policy`` holds the checks as the settings configure them; it is small and
picklable, so query workers run the checks themselves, under the query's deadline.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Collection
from urllib.parse import unquote, urlsplit

from orchkg.errors import ClientError, ForbiddenError, QuerySyntaxError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.]*)?:[\w\-.%\\:]*)
  | (?P<var>[?$]\w+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
OPERATOR_WORDS = frozenset(
    {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "AS", "GRAPH", "SERVICE", "EXISTS"}
    | {"SELECT", "DESCRIBE", "VALUES", "LATERAL"}
)
"""Words that add a node to the algebra the engine builds (and recurses over)."""
OPERATOR_SIGNS = frozenset("!|&+-*/^=<>.;,")
"""Operators, and the separators of triple patterns: each adds a node too."""
DATA_WORDS = frozenset({"VALUES", "DATA", "CONSTRUCT", "INSERT", "DELETE"})
"""Words a data block or a template may follow: its contents are not algebra."""
DEFAULT_MAX_DEPTH = 200
DEFAULT_MAX_OPERATORS = 1000


@dataclasses.dataclass(frozen=True)
class CheckedQuery:
    """A read query that passed the checks: the text to run, whether it names its dataset,
    and the endpoints it federates to (on the allowlist)."""

    text: str
    declares_dataset: bool
    services: tuple[str, ...] = ()


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
    operators: int = 0


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
        if kind in ("comment", "space") or value.isspace():
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


class _Operators:
    """Counts the operators of a token stream, leaving data blocks and templates out."""

    def __init__(self) -> None:
        self.count = 0
        self.pending: str | None = None  # a word that a data block may follow
        self.data_depth: int | None = None  # the depth a data block closes back to
        self.describing = False  # in DESCRIBE's list of resources, each a node

    def see(self, kind: str | None, value: str, depth: int) -> None:
        """One token at bracket ``depth`` (a bracket: the depth outside it)."""
        if self.data_depth is not None:
            if kind == "close" and depth == self.data_depth:
                self.data_depth = None
            return
        upper = value.upper() if kind == "word" else ""
        if self.pending is not None:
            if value == "{":
                self.data_depth = depth
                self.pending = None
                return
            if self.pending != "VALUES" or kind not in ("var", "open", "close"):
                self.pending = None  # VALUES waits past its variables; the others only for "{"
        if upper in DATA_WORDS:
            self.pending = upper
        if upper == "DESCRIBE":
            self.describing = True
        elif upper in ("WHERE", "FROM") or value == "{":
            self.describing = False
        elif self.describing and kind in ("iri", "pname", "var"):
            self.count += 1
        if (
            upper in OPERATOR_WORDS
            or (kind == "other" and value in OPERATOR_SIGNS)
            or (kind == "open" and value in "{[")
        ):
            self.count += 1


def scan(  # noqa: PLR0912 -- one pass of a tokenizer
    text: str,
    predeclared: Collection[str] = (),
    *,
    stop_depth: int | None = None,
    stop_operators: int | None = None,
) -> Scan:
    """Tokenise SPARQL text (strings, IRIs and comments skipped) and note what matters.

    The scan stops early once the nesting passes ``stop_depth`` or the operators pass
    ``stop_operators``: the text will be refused for that, and need not be read on.
    """
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
    operators = _Operators()
    for match in _TOKEN.finditer(decoded):
        kind = match.lastgroup
        if kind in ("space", "comment", "string", "number"):
            continue
        value = match.group()
        if kind == "pname":
            prefix = value.split(":", 1)[0]
            if previous == "PREFIX":
                declared.add(prefix)
            elif prefix not in declared and unknown is None:
                line = decoded.count("\n", 0, match.start()) + 1
                column = match.start() - decoded.rfind("\n", 0, match.start())
                unknown = (prefix, line, column)
        previous = value.upper() if kind == "word" else value
        if kind == "close":
            depth -= 1
        operators.see(kind, value, depth)
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
        if (stop_depth is not None and max_depth > stop_depth) or (
            stop_operators is not None and operators.count > stop_operators
        ):
            break
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
        operators.count,
    )


def allowed(iri: str, allowlist: tuple[str, ...]) -> bool:
    """Whether an endpoint IRI is on the allowlist (exact, or under a listed prefix ending in /).

    The engine resolves dot segments before it connects (``/allowed/../secret`` reaches
    ``/secret``), so an IRI with one, plain or percent-encoded, is never admitted; nor is
    one with user information or a backslash, which clients read in different ways.

    >>> entries = ("http://example.org/sparql/",)
    >>> allowed("http://example.org/sparql/a", entries)
    True
    >>> allowed("http://example.org/sparql/../admin", entries)
    False
    >>> allowed("http://example.org/sparql/%2E%2e/admin", entries)
    False
    """
    if not iri or "\\" in iri:
        return False
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or "@" in parts.netloc:
        return False
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        return False
    return any(
        iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allowlist
    )


def service_endpoints(text: str) -> list[Token]:
    """The IRI tokens naming the endpoint of each ``SERVICE`` (``SILENT`` or not) in
    decoded text, as the checks read them; a SERVICE naming its endpoint otherwise (a
    variable, a prefixed name) is refused by the checks and has none here.

    >>> query = "SELECT * { SERVICE SILENT <http://a/s> { ?s ?p ?o } }"
    >>> [token.value for token in service_endpoints(query)]
    ['<http://a/s>']
    """
    tokens = tokenize(text)
    found: list[Token] = []
    for index, token in enumerate(tokens):
        if not token.is_word("SERVICE"):
            continue
        following = tokens[index + 1 : index + 3]
        if following and following[0].is_word("SILENT"):
            following = following[1:]
        if following and following[0].kind == "iri":
            found.append(following[0])
    return found


def redirect_services(text: str, address: Callable[[int, str], str]) -> tuple[str, list[str]]:
    """The text with each SERVICE endpoint IRI replaced by ``address(index, iri)``, and
    the endpoints replaced, in order (``orchkg.federation`` sends the calls through a relay).

    >>> redirect_services("ASK { SERVICE <http://a/s> {} }", lambda i, iri: f"http://r/{i}")
    ('ASK { SERVICE <http://r/0> {} }', ['http://a/s'])
    """
    pieces: list[str] = []
    endpoints: list[str] = []
    position = 0
    for token in service_endpoints(text):
        iri = token.value[1:-1]
        pieces.append(text[position : token.start])
        pieces.append(f"<{address(len(endpoints), iri)}>")
        endpoints.append(iri)
        position = token.end
    pieces.append(text[position:])
    return "".join(pieces), endpoints


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


def _refuse_oversized(found: Scan, what: str, max_depth: int, max_operators: int) -> None:
    """Refuse a text past the limits (the scan stopped there, so no exact count is told)."""
    if found.max_depth > max_depth:
        raise ClientError(f"{what} nests brackets more than {max_depth} deep, the limit")
    if found.operators > max_operators:
        raise ClientError(
            f"{what} holds more than {max_operators:,} operators and patterns, the limit "
            "(UNION, OPTIONAL, MINUS, FILTER, BIND, operators, triple patterns; a long list "
            "of values belongs in a VALUES block, which does not count)"
        )


def check_query(
    text: str,
    *,
    allowlist: tuple[str, ...] = (),
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_operators: int = DEFAULT_MAX_OPERATORS,
    predeclared: Collection[str] = (),
) -> CheckedQuery:
    """The query to evaluate, or a ClientError saying what is refused."""
    found = scan(text, predeclared, stop_depth=max_depth, stop_operators=max_operators)
    return _checked_query(found, allowlist, max_depth, max_operators)


def _checked_query(
    found: Scan, allowlist: tuple[str, ...], max_depth: int, max_operators: int
) -> CheckedQuery:
    _refuse_unknown_prefix(found)
    _refuse_oversized(found, "query", max_depth, max_operators)
    for target in found.services:
        if not allowed(target, allowlist):
            shown = target or "a variable"
            raise ForbiddenError(f"SERVICE {shown} is not on this server's federation allowlist")
    return CheckedQuery(found.text, found.declares_dataset, found.services)


def check_update(
    text: str,
    *,
    allowlist: tuple[str, ...] = (),
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_operators: int = DEFAULT_MAX_OPERATORS,
    predeclared: Collection[str] = (),
) -> str:
    """The text to run for an update: LOAD and SERVICE only to allowlisted IRIs."""
    found = scan(text, predeclared, stop_depth=max_depth, stop_operators=max_operators)
    _refuse_unknown_prefix(found)
    _refuse_oversized(found, "update", max_depth, max_operators)
    for target in found.loads:
        if not allowed(target, allowlist):
            raise ForbiddenError(f"LOAD <{target}> is refused: the source is not on the allowlist")
    for target in found.services:
        if not allowed(target, allowlist):
            raise ForbiddenError(f"SERVICE {target or 'a variable'} is not on the allowlist")
    return found.text


@dataclasses.dataclass(frozen=True)
class Policy:
    """The checks request text must pass, as configured: picklable, so a query worker can
    run them itself, under the query's deadline."""

    allowlist: tuple[str, ...] = ()
    max_depth: int = DEFAULT_MAX_DEPTH
    max_operators: int = DEFAULT_MAX_OPERATORS
    predeclared: tuple[str, ...] = ()

    def query(self, text: str) -> CheckedQuery:
        """Check a text sent to the query operation (an update there is refused too).

        One scan serves both checks: it stops early only for a text refused for its size.
        The outcome for a short text that passed is remembered (``REMEMBERED``): a server
        sees the same queries again and again, and the checks depend on nothing else.
        """
        if len(text) <= REMEMBERED_LENGTH:
            return _remembered_query(self, text)
        return self._query(text)

    def _query(self, text: str) -> CheckedQuery:
        found = scan(
            text, self.predeclared, stop_depth=self.max_depth, stop_operators=self.max_operators
        )
        if _is_update(found):
            raise ClientError("an update was sent to the query operation; POST it to /update")
        return _checked_query(found, self.allowlist, self.max_depth, self.max_operators)

    def update(self, text: str) -> str:
        return check_update(
            text,
            allowlist=self.allowlist,
            max_depth=self.max_depth,
            max_operators=self.max_operators,
            predeclared=self.predeclared,
        )


REMEMBERED = 1024
"""Checked queries remembered (the most recently used; a refusal is not remembered)."""
REMEMBERED_LENGTH = 4096
"""Longest query text remembered: at most REMEMBERED x this many characters are held."""


@functools.lru_cache(maxsize=REMEMBERED)
def _remembered_query(policy: Policy, text: str) -> CheckedQuery:
    return policy._query(text)  # Policy.query's own cache


def looks_like_update(text: str) -> bool:
    """A cheap test used only to give a better message; the engine has the last word."""
    return _is_update(scan(text))


def _is_update(found: Scan) -> bool:
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
        if kind == "space":
            pieces.append(value)
            continue
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
