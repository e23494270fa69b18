"""Writing query results: SPARQL results formats, RDF formats, and a text table for people."""

from __future__ import annotations

from typing import IO

import pyoxigraph as ox
from pyoxigraph import serialize

from orchkg.errors import UnknownFormatError
from orchkg.formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format, results_format
from orchkg.namespaces import compact
from orchkg.store import QueryResult

TABLE = "table"


def term_text(term: object, known: dict[str, str] | None = None) -> str:
    """A compact, readable spelling of an RDF term for the text table."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, known or {})
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'"{term.value}"@{term.language}'
        return term.value
    return str(term)


def text_table(result: ox.QuerySolutions, known: dict[str, str] | None = None) -> str:
    """Solutions as an aligned plain-text table with a row count; IRIs compacted by ``known``."""
    variables = [variable.value for variable in result.variables]
    rows = [[term_text(solution[name], known) for name in variables] for solution in result]
    widths = [len(name) for name in variables]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    out = [line(variables), "-+-".join("-" * width for width in widths)]
    out.extend(line(row) for row in rows)
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def default_format(result: QueryResult) -> str:
    return "turtle" if isinstance(result, ox.QueryTriples) else TABLE


def write_result(
    result: QueryResult,
    output: IO[bytes],
    format_name: str | None = None,
    *,
    known: dict[str, str] | None = None,
) -> None:
    """Serialise any query result in the named format (a table or turtle when None).

    ``known`` prefixes compact IRIs in the text table and in RDF outputs that use prefixes.
    """
    name = format_name or default_format(result)
    if isinstance(result, ox.QueryTriples):
        if name == TABLE or name in {fmt.name for fmt in RESULTS_FORMATS}:
            choices = ", ".join(fmt.name for fmt in RDF_FORMATS)
            raise UnknownFormatError(f"a graph result is written as RDF: pick one of {choices}")
        fmt = rdf_format(name)
        if known and fmt.name in {"turtle", "trig"}:
            serialize(result, output, fmt.engine, prefixes=known)
        else:
            result.serialize(output, fmt.engine)
        return
    if name == TABLE:
        if isinstance(result, ox.QueryBoolean):
            output.write(b"true\n" if bool(result) else b"false\n")
        else:
            output.write(text_table(result, known).encode("utf-8"))
        return
    if name in {fmt.name for fmt in RDF_FORMATS}:
        choices = ", ".join([TABLE, *(fmt.name for fmt in RESULTS_FORMATS)])
        raise UnknownFormatError(f"a SELECT or ASK result is written as one of: {choices}")
    result.serialize(output, results_format(name).engine)
