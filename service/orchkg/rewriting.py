"""Query text rewritten for a remote store: the same answers, in forms such stores handle.

Two rewrites, both on the tokens of ``orchkg.guard.tokenize`` (never on raw text):

* ``substitute``: pyoxigraph binds a canned query's parameters by *substitution*; a
  SPARQL store has nothing like it, so the term is written into the text in place of
  the variable (and the variable kept in the answer).
* ``push_values``: a VALUES block at the top of the query's WHERE clause, or after the
  query (a canned query's list parameters), is copied into every group pattern below
  that uses one of its variables. A join with the same block changes no answer there
  (the solutions of the whole query carry those values anyway), but Virtuoso 7 needs
  the values where a property path starts ("transitive start not given") and loses
  trailing VALUES blocks in subqueries ("No column ...").
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping

import pyoxigraph as ox

from orchkg.guard import Token, tokenize

_CLAUSE_ENDS = frozenset({"WHERE", "HAVING", "LIMIT", "OFFSET", "VALUES", "ORDER", "GROUP"})


def substitute(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal | str]) -> str:
    """The query with each bound variable replaced by its term.

    The variable keeps its place in the answer: in a projection ``?v`` becomes
    ``(term AS ?v)``; in GROUP BY and ORDER BY it becomes ``(term)``; everywhere else,
    subqueries and filters included, the term itself.

    >>> substitute("SELECT ?x ?c WHERE { ?x a ?c } ORDER BY ?c", {"c": ox.NamedNode("http://e/C")})
    'SELECT ?x (<http://e/C> AS ?c) WHERE { ?x a <http://e/C> } ORDER BY (<http://e/C>)'
    """
    if not bindings:
        return text
    pieces: list[str] = []
    at = 0
    clause: tuple[str, int] | None = None  # ("select" | "by", depth) while in such a list
    tokens = tokenize(text)
    passed_up: dict[int, set[str]] = {}  # per SELECT depth: what its subqueries bind
    for index, token in enumerate(tokens):
        if token.is_word("SELECT"):
            clause = ("select", token.depth)
            passed_up[token.depth] = _bound_below(tokens, index)
        elif token.is_word("BY"):
            clause = ("by", token.depth)
        elif clause is not None and _ends_clause(token, clause):
            clause = None
        if token.kind != "var" or token.value[1:] not in bindings:
            continue
        if index and tokens[index - 1].is_word("AS"):
            continue  # the variable an expression is bound to keeps its name
        term = str(bindings[token.value[1:]])  # an engine term, or the text of one
        at_clause = clause is not None and token.depth == clause[1]
        if at_clause and token.value[1:] in passed_up.get(token.depth, set()):
            continue  # a subquery below binds it already (to the term): keep the variable
        if clause is not None and at_clause and clause[0] == "select":
            replacement = f"({term} AS {token.value})"
        elif at_clause:
            replacement = f"({term})"
        else:
            replacement = term
        pieces.append(text[at : token.start])
        pieces.append(replacement)
        at = token.end
    pieces.append(text[at:])
    return "".join(pieces)


def projection(text: str) -> list[str]:
    """The names the query's outermost SELECT gives its columns, in order (empty for
    ``SELECT *`` and the other query forms).

    >>> projection("SELECT ?a (?b AS ?c) (COUNT(*) AS ?n) WHERE { ?a ?p ?b }")
    ['a', 'c', 'n']
    """
    return projection_of(tokenize(text))


def projection_of(tokens: list[Token]) -> list[str]:
    """``projection`` of text already tokenized."""
    names: list[str] = []
    select = next((i for i, t in enumerate(tokens) if t.depth == 0 and t.is_word("SELECT")), None)
    if select is None:
        return names
    for index in range(select + 1, len(tokens)):
        token = tokens[index]
        if token.depth == 0 and (token.value in ("{", "*") or token.is_word("WHERE", "FROM")):
            return names if token.value != "*" else []
        if token.kind != "var":
            continue
        if token.depth == 0 or tokens[index - 1].is_word("AS"):
            names.append(token.value[1:])
    return names


def _bound_below(tokens: list[Token], select: int) -> set[str]:
    """The variables the subqueries inside the WHERE clause of the SELECT at ``select``
    project."""
    depth = tokens[select].depth
    start = next(
        (
            i
            for i in range(select + 1, len(tokens))
            if tokens[i].depth == depth and tokens[i].value == "{"
        ),
        None,
    )
    if start is None:
        return set()
    found: set[str] = set()
    for index in range(start + 1, len(tokens)):
        token = tokens[index]
        if token.depth <= depth:
            break
        if token.is_word("SELECT"):
            found.update(_projected(tokens, index))
    return found


def _projected(tokens: list[Token], select: int) -> list[str]:
    depth = tokens[select].depth
    names = []
    for index in range(select + 1, len(tokens)):
        token = tokens[index]
        if token.depth == depth and (token.value == "{" or token.is_word("WHERE")):
            break
        if token.kind == "var" and (token.depth == depth or tokens[index - 1].is_word("AS")):
            names.append(token.value[1:])
    return names


def _ends_clause(token: Token, clause: tuple[str, int]) -> bool:
    if token.depth > clause[1]:
        return False
    return (
        (token.kind == "open" and token.value == "{")
        or (token.kind == "close" and token.value == "}")
        or token.is_word(*_CLAUSE_ENDS)
        or (clause[0] == "select" and token.is_word("FROM"))
    )


@dataclasses.dataclass(frozen=True)
class _Block:
    """A VALUES block: where its text is, and the variables it binds."""

    start: int
    end: int
    variables: frozenset[str]
    inside: int | None  # the index of the "{" token of the group holding it (None: trailing)


def inline_values(text: str) -> str:
    """The query with each leading or trailing one-row VALUES block written in as constants
    (``substitute``), so a property path starts at a constant: Virtuoso 7 does not
    start one at a VALUES binding ("transitive start not given").

    >>> inline_values("SELECT ?n WHERE { VALUES ?p { <x:a> } ?p <x:q>* ?n }")
    'SELECT ?n WHERE {  <x:a> <x:q>* ?n }'
    """
    return inline_values_bound(text)[0]


def inline_values_bound(text: str) -> tuple[str, dict[str, str]]:
    """``inline_values``, and the terms it wrote in, by variable (as text)."""
    tokens = tokenize(text)
    bindings: dict[str, str] = {}
    cut: list[_Block] = []
    for block in _movable_blocks(tokens):
        row = _single_row(tokens, block)
        if row is not None:
            bindings.update(row)
            cut.append(block)
    for block in sorted(cut, key=lambda b: b.start, reverse=True):
        text = f"{text[: block.start]}{text[block.end :]}"
    return (substitute(text, bindings) if bindings else text), bindings


def _single_row(tokens: list[Token], block: _Block) -> dict[str, str] | None:
    """{variable: term text} when ``block`` holds exactly one row without UNDEF."""
    rows = _rows(tokens, block)
    return rows[0] if rows is not None and len(rows) == 1 else None


def _rows(tokens: list[Token], block: _Block) -> list[dict[str, str]] | None:
    """The rows of ``block`` as {variable: term text}, or None if one has UNDEF or anything
    this does not read."""
    inside = [t for t in tokens if block.start <= t.start < block.end]
    opened = next(i for i, t in enumerate(inside) if t.value == "{")
    names = [t.value[1:] for t in inside[:opened] if t.kind == "var"]
    data = inside[opened + 1 : -1]
    if len(names) == 1:
        terms = _terms(data)
        return None if terms is None else [{names[0]: term} for term in terms]
    rows: list[dict[str, str]] = []
    while data:
        if data[0].value != "(":
            return None
        close = next((i for i, t in enumerate(data) if t.value == ")"), None)
        if close is None:
            return None
        terms = _terms(data[1:close])
        if terms is None or len(terms) != len(names):
            return None
        rows.append(dict(zip(names, terms, strict=True)))
        data = data[close + 1 :]
    return rows


MAX_EXPANDED_ROWS = 100
"""The longest VALUES block ``expand_values`` writes out as a UNION."""


def uses_paths(text: str) -> bool:
    """Whether the query has a property path with ``*``, ``+`` or ``?`` (roughly: a false
    yes only costs a longer query)."""
    tokens = tokenize(text)
    return any(
        token.kind == "other"
        and token.value in ("*", "+", "?")
        and (before.kind in ("iri", "pname") or before.value == ")" or before.is_word("a"))
        for before, token in itertools.pairwise(tokens)
    )


def expand_values(text: str) -> str:
    """The query with the VALUES block first in its WHERE clause written out as a UNION of
    the clause, one branch per row with the row's terms written in (``substitute``) and
    bound again by BIND: Virtuoso 7 starts no property path at a VALUES binding.

    >>> print(expand_values("SELECT ?n { VALUES ?p { <a> <b> } ?p <q>+ ?n }"))
    SELECT ?n { { BIND(<a> AS ?p)  <a> <q>+ ?n } UNION { BIND(<b> AS ?p)  <b> <q>+ ?n } }
    """
    tokens = tokenize(text)
    where = _outer_where(tokens)
    block = next((b for b in _movable_blocks(tokens) if b.inside is not None), None)
    if where is None or block is None:
        return text
    rows = _rows(tokens, block)
    if rows is None or len(rows) < 2 or len(rows) > MAX_EXPANDED_ROWS:
        return text
    depth = tokens[where].depth
    close = next(
        i
        for i in range(where + 1, len(tokens))
        if tokens[i].depth == depth and tokens[i].value == "}"
    )
    body = text[block.end : tokens[close].start]
    branches = []
    for row in rows:
        binds = " ".join(f"BIND({term} AS ?{name})" for name, term in row.items())
        branches.append(f"{{ {binds} {substitute(body, row)}}}")
    return f"{text[: tokens[where].end]} {' UNION '.join(branches)} {text[tokens[close].start :]}"


def _terms(data: list[Token]) -> list[str] | None:
    """The RDF terms written in ``data`` as text, or None if anything else is there."""
    terms: list[str] = []
    index = 0
    while index < len(data):
        token = data[index]
        if token.kind in ("iri", "pname", "number"):
            terms.append(token.value)
            index += 1
        elif token.kind == "string":
            end = index + 1
            if end + 1 < len(data) and data[end].value == "@" and data[end + 1].kind == "word":
                end += 2
            elif (
                end + 2 < len(data)
                and data[end].value == data[end + 1].value == "^"
                and data[end + 2].kind in ("iri", "pname")
            ):
                end += 3
            terms.append("".join(t.value for t in data[index:end]))
            index = end
        elif token.is_word("true", "false"):
            terms.append(token.value)
            index += 1
        else:
            return None  # UNDEF, or something this does not read
    return terms


def push_values(text: str) -> str:
    """The query with its leading or trailing VALUES blocks copied into the groups below.

    >>> print(push_values("SELECT ?n { { ?p a ?n } UNION { ?n a ?p } } VALUES ?p { 1 }").strip())
    SELECT ?n { VALUES ?p { 1 } { VALUES ?p { 1 } ?p a ?n } UNION { VALUES ?p { 1 } ?n a ?p } }
    """
    tokens = tokenize(text)
    blocks = _movable_blocks(tokens)
    if not blocks:
        return text
    inserts: list[tuple[int, str]] = []
    where = _outer_where(tokens)
    for block in blocks:
        snippet = text[block.start : block.end]
        targets = set(_groups_using(tokens, block))
        if block.inside is None and where is not None:
            targets.add(where)  # a trailing block joins the whole WHERE clause
        for index in targets:
            inserts.append((tokens[index].end, f" {snippet}"))
    removals = [block for block in blocks if block.inside is None]
    edits = sorted(
        [(at, at, snippet) for at, snippet in inserts]
        + [(block.start, block.end, "") for block in removals],
        reverse=True,
    )
    for start, end, snippet in edits:
        text = f"{text[:start]}{snippet}{text[end:]}"
    return text


def _outer_where(tokens: list[Token]) -> int | None:
    """The index of the "{" that opens the query's WHERE clause."""
    opens = [i for i, t in enumerate(tokens) if t.depth == 0 and t.value == "{"]
    if not opens:
        return None
    if any(t.depth == 0 and t.is_word("CONSTRUCT") for t in tokens) and len(opens) > 1:
        first = opens[0]
        if not (first and tokens[first - 1].is_word("WHERE")):
            return opens[1]  # the first group is the template
    return opens[0]


def _movable_blocks(tokens: list[Token]) -> list[_Block]:
    """The VALUES blocks first in the outermost WHERE group, or after the query."""
    found = []
    where = _outer_where(tokens)
    for index, token in enumerate(tokens):
        if not token.is_word("VALUES"):
            continue
        if token.depth == 0:
            inside = None
        elif where is not None and token.depth == 1 and index == where + 1:
            inside = where
        else:
            continue
        block = _block_at(tokens, index, inside)
        if block is not None:
            found.append(block)
    return found


def _block_at(tokens: list[Token], index: int, inside: int | None) -> _Block | None:
    depth = tokens[index].depth
    variables = set()
    cursor = index + 1
    while cursor < len(tokens) and tokens[cursor].value != "{":
        if tokens[cursor].kind == "var":
            variables.add(tokens[cursor].value[1:])
        cursor += 1
    end = next(
        (
            j
            for j in range(cursor + 1, len(tokens))
            if tokens[j].depth == depth and tokens[j].kind == "close"
        ),
        None,
    )
    if end is None or not variables:
        return None
    return _Block(tokens[index].start, tokens[end].end, frozenset(variables), inside)


def _groups_using(tokens: list[Token], block: _Block) -> list[int]:
    """The "{" of every pattern group that uses a variable of ``block`` at its own level,
    not inside a data block, a template, a SERVICE or a subquery that hides the variable."""
    found = []
    stack: list[bool] = []  # per open bracket: may groups inside it get the block?
    for index, token in enumerate(tokens):
        if token.kind == "close":
            if stack:
                stack.pop()
            continue
        if token.kind != "open":
            continue
        allowed = stack[-1] if stack else True
        if token.value == "{":
            descend, join = _pattern_group(tokens, index, block)
            allowed = allowed and descend
            if allowed and join and index != block.inside and _uses(tokens, index, block.variables):
                found.append(index)
        stack.append(allowed)
    return found


def _pattern_group(tokens: list[Token], index: int, block: _Block) -> tuple[bool, bool]:
    """For the group opened at ``index``: (may the groups inside it get the block, may this
    group itself get it)."""
    before = tokens[index - 1] if index else None
    if before is None:
        return False, False
    if before.is_word("DATA", "CONSTRUCT") or _in_values_header(tokens, index):
        return False, False
    back = tokens[index - 2] if index > 1 else None
    if before.is_word("SILENT") or (back is not None and back.is_word("SERVICE", "SILENT")):
        return False, False  # SERVICE [SILENT] <endpoint> { ... }: the block stays here
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if after is not None and after.is_word("SELECT"):  # a subquery: only its WHERE may
        return _projects(tokens, index + 1, block.variables), False
    return True, True


def _in_values_header(tokens: list[Token], index: int) -> bool:
    """Whether the "{" at ``index`` opens the data of a VALUES block."""
    cursor = index - 1
    while (
        cursor >= 0
        and tokens[cursor].kind in ("var", "open", "close")
        and tokens[cursor].value != "}"
    ):
        cursor -= 1
    return cursor >= 0 and tokens[cursor].is_word("VALUES")


def _projects(tokens: list[Token], select: int, variables: frozenset[str]) -> bool:
    depth = tokens[select].depth
    for token in tokens[select + 1 :]:
        if token.depth == depth and (token.value == "{" or token.is_word("WHERE")):
            return False
        if token.value == "*":
            return True
        if token.kind == "var" and token.value[1:] in variables:
            return True
    return False


def _uses(tokens: list[Token], index: int, variables: frozenset[str]) -> bool:
    depth = tokens[index].depth + 1
    for token in tokens[index + 1 :]:
        if token.depth < depth:
            return False
        if token.depth == depth and token.kind == "var" and token.value[1:] in variables:
            return True
    return False
