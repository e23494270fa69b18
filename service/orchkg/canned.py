"""Canned queries: SPARQL files with a metadata header, loaded once, bound as RDF terms.

    queries/<name>.rq ──load_catalogue──▶ Catalogue {name: CannedQuery}   (at start-up)
    request values ──Catalogue.bind──▶ BoundQuery (each value checked, made an RDF term)
    BoundQuery ──run_canned (in process) or EvaluatorPool.evaluate (a worker)──▶ result

The header format is in ``docs/queries.md``. Values never become query text: a single
value is substituted for its variable by the engine (pyoxigraph's ``substitutions``), and
a list becomes a ``VALUES`` block written from the parsed terms by pyoxigraph's own
N-Triples serialiser. The text that runs is derived from the file once, at load time:

* pyoxigraph substitutes only variables the query returns, so a SELECT whose projection
  lacks a parameter gets it appended (and to its GROUP BY, when it groups); the answer
  drops those *hidden* columns again. An ASK with parameters runs as a SELECT of them,
  answered true when a row comes back. A CONSTRUCT must name its single-valued
  parameters in its template.
* The derived text is run once against an empty store with sample values, so a file
  the engine cannot bind is refused at start-up, never at request time.

Every problem with a file is a ``ConfigurationError`` naming the file and, where it can,
the line: ``queries/x.rq:3: parameter 'left': unknown type 'url'; ...``.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Literal, Protocol, cast
from urllib.parse import parse_qs

import pyoxigraph as ox

from orchkg.errors import ClientError, ConfigurationError, NotFoundError, OrchkgError
from orchkg.guard import Token, check_query, scan, tokenize
from orchkg.namespaces import compact, prefixes
from orchkg.settings import Settings
from orchkg.store import QueryResult, Store

TYPES = ("iri", "string", "integer", "decimal", "boolean", "lang")
LANGUAGES = ("en", "ko")
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
DEFAULT_MAX_LENGTH = 200
MAX_LIST_VALUES = 100
MAX_VALUES_ROWS = 10_000
RESERVED_NAMES = frozenset({"format"})
"""URL parameters every canned query takes for itself; no query parameter may be called so."""

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"

Form = Literal["select", "ask", "construct"]

_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_PARAM_NAME = re.compile(r"[a-z][a-z0-9_]*")
_KEY = re.compile(r"[a-z_]+")
_PARAM_KEY_LINE = re.compile(r"([a-z_]+):(?:\s+(.*))?$")
_TOP_KEYS = ("title", "description", "tags", "param", "example")
_PARAM_KEYS = ("type", "class", "values", "default", "list", "max_length", "description")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}
_CURIE = re.compile(r"([A-Za-z][\w\-.]*)?:(.*)", re.DOTALL)
_AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})
_MODIFIERS = frozenset({"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"})
_ENGINE_POSITION = re.compile(r"error at (\d+):(\d+): ")


# -- terms -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Term:
    """An RDF term as a small picklable record; ``to_oxigraph`` builds the engine's term.

    >>> str(Term("literal", "a \\"b\\" } {", lang="en").to_oxigraph())
    '"a \\\\"b\\\\" } {"@en'
    """

    kind: Literal["iri", "literal"]
    value: str
    datatype: str | None = None
    lang: str | None = None

    def to_oxigraph(self) -> ox.NamedNode | ox.Literal:
        if self.kind == "iri":
            return ox.NamedNode(self.value)
        if self.lang is not None:
            return ox.Literal(self.value, language=self.lang)
        if self.datatype is not None:
            return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype))
        return ox.Literal(self.value)

    def ntriples(self) -> str:
        """The term in N-Triples syntax, written by pyoxigraph (quotes and brackets escaped)."""
        return str(self.to_oxigraph())


# -- the data ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One parameter of a canned query, as its header declares it."""

    name: str
    type: str
    cls: str | None
    values: tuple[str, ...]
    default: str | None
    is_list: bool
    max_length: int
    description: str

    @property
    def required(self) -> bool:
        """Without a default a value must be given; a ``lang`` always has one."""
        return self.default is None and self.type != "lang"

    @property
    def enumerated(self) -> bool:
        """Whether its values come from a fixed set (a class, a list, the languages)."""
        return bool(self.cls or self.values or self.type == "lang")


@dataclasses.dataclass(frozen=True)
class CannedQuery:
    """One ``queries/<name>.rq`` file, parsed and checked.

    ``execution`` is the text that runs (derived from the file, see the module notes),
    ``hidden`` the parameters it returns only for the engine's sake, ``as_boolean`` that
    an ASK runs as a SELECT, ``declares_dataset`` that the file names its own dataset.
    """

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    example: dict[str, list[str]]
    text: str
    form: Form
    path: Path
    execution: str = ""
    hidden: tuple[str, ...] = ()
    as_boolean: bool = False
    declares_dataset: bool = False

    def parameter(self, name: str) -> Parameter | None:
        return next((param for param in self.parameters if param.name == name), None)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.parameters)


@dataclasses.dataclass(frozen=True)
class Choice:
    """One allowed value of an enumerated parameter, with its labels by language."""

    value: str
    iri: str | None
    labels: dict[str, str]

    def label(self, lang: str) -> str:
        """The label in ``lang``, else English, else any, else the value itself."""
        for key in (lang, "en"):
            if key in self.labels:
                return self.labels[key]
        return next(iter(sorted(self.labels.values())), self.value)


@dataclasses.dataclass(frozen=True)
class BoundQuery:
    """A canned query with every parameter bound to RDF terms, ready to run."""

    query: CannedQuery
    substitutions: dict[str, Term]
    values: dict[str, list[Term]]
    lang: str

    def text(self) -> str:
        """The text to run: the derived query, then one VALUES block for the list parameters.

        The block is written from parsed terms in N-Triples syntax; no value is pasted.
        """
        if not self.values:
            return self.query.execution
        names = list(self.values)
        rows = list(itertools.product(*(self.values[name] for name in names)))
        if len(names) == 1:
            block = f"VALUES ?{names[0]} {{ {' '.join(row[0].ntriples() for row in rows)} }}"
        else:
            heading = " ".join(f"?{name}" for name in names)
            body = " ".join("(" + " ".join(term.ntriples() for term in row) + ")" for row in rows)
            block = f"VALUES ({heading}) {{ {body} }}"
        return f"{self.query.execution}\n{block}\n"

    def oxigraph_substitutions(self) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        return {ox.Variable(name): term.to_oxigraph() for name, term in self.substitutions.items()}

    def shown(self, known: Mapping[str, str]) -> dict[str, str | list[str]]:
        """The values bound, as a person would write them (``kg:kubernetes``, ``en``)."""

        def spell(term: Term) -> str:
            if term.kind == "iri":
                short = compact(term.value, dict(known))
                return term.value if short.startswith("<") else short
            return term.value

        shown: dict[str, str | list[str]] = {}
        for param in self.query.parameters:
            if param.name in self.substitutions:
                shown[param.name] = spell(self.substitutions[param.name])
            elif param.name in self.values:
                shown[param.name] = [spell(term) for term in self.values[param.name]]
        return shown


# -- reading values ----------------------------------------------------------------------


def expand_iri(text: str, known: Mapping[str, str]) -> str:
    """A full IRI from ``prefix:local``, ``<iri>`` or an absolute IRI; ValueError otherwise.

    >>> expand_iri("kg:etcd", {"kg": "https://w3id.org/orchkg/resource/"})
    'https://w3id.org/orchkg/resource/etcd'
    """
    value = text.strip()
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
    else:
        match = _CURIE.fullmatch(value)
        if match is not None and (match.group(1) or "") in known:
            iri = known[match.group(1) or ""] + match.group(2)
        elif match is not None and re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", value):
            iri = value
        else:
            raise ValueError("not an IRI")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise ValueError("not a valid IRI") from None
    if any(char in iri for char in ' <>"{}|^`\\') or any(ord(char) < 0x21 for char in iri):
        raise ValueError("not a valid IRI")
    return iri


def parse_value(param: Parameter, raw: str, known: Mapping[str, str]) -> Term:
    """The RDF term for one value of ``param``; ValueError saying what is wrong otherwise."""
    if len(raw) > param.max_length:
        raise ValueError(f"the value is longer than {param.max_length} characters")
    if param.type == "iri":
        return Term("iri", expand_iri(raw, known))
    if param.type == "string":
        return Term("literal", raw)
    text = raw.strip()
    if param.type == "integer":
        if not _INTEGER.fullmatch(text):
            raise ValueError("not an integer")
        return Term("literal", str(int(text)), f"{XSD}integer")
    if param.type == "decimal":
        if not _DECIMAL.fullmatch(text):
            raise ValueError("not a decimal number")
        return Term("literal", text, f"{XSD}decimal")
    if param.type == "boolean":
        if text.lower() not in _BOOLEANS:
            raise ValueError("not a boolean")
        return Term("literal", _BOOLEANS[text.lower()], f"{XSD}boolean")
    if text not in LANGUAGES:
        raise ValueError("not a language offered here")
    return Term("literal", text)


def accepts(param: Parameter, known: Mapping[str, str], choices: Sequence[Choice] = ()) -> str:
    """What a parameter takes, in words, for error messages and help."""
    if param.type == "lang":
        kind = "a language: " + ", ".join(LANGUAGES)
    elif choices:
        shown = ", ".join(choice.value for choice in choices[:12])
        more = f", ... ({len(choices)} in all)" if len(choices) > 12 else ""
        what = f"an instance of {compact(param.cls, dict(known))}" if param.cls else "one of"
        kind = f"{what}: {shown}{more}" if param.cls else f"one of: {shown}{more}"
    else:
        kind = {
            "iri": "an IRI (prefix:local or a full IRI)",
            "string": f"text of at most {param.max_length} characters",
            "integer": "an integer",
            "decimal": "a decimal number",
            "boolean": "true or false",
        }[param.type]
    if param.is_list:
        kind = f"one or more values, each {kind} (repeat the parameter or separate by commas)"
    return kind


def _split(param: Parameter, values: Sequence[str]) -> list[str]:
    """The values given, lists split at commas; empty values (a blank form field) dropped."""
    if param.is_list:
        return [part.strip() for value in values for part in value.split(",") if part.strip()]
    return [value for value in values if value.strip()]


# -- the catalogue ----------------------------------------------------------------------


class Catalogue(Mapping[str, CannedQuery]):
    """Every canned query by name, and the binding of request values to them."""

    def __init__(self, queries: Sequence[CannedQuery], known: Mapping[str, str]) -> None:
        self._queries = {query.name: query for query in sorted(queries, key=lambda q: q.name)}
        self.prefixes = dict(known)
        self._lock = threading.Lock()
        self._choices: dict[str, tuple[Choice, ...]] = {}
        self._choices_version: str | None = None

    def __getitem__(self, name: str) -> CannedQuery:
        return self._queries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)

    def require(self, name: str) -> CannedQuery:
        """The query called ``name``, or NotFoundError."""
        query = self._queries.get(name)
        if query is None:
            raise NotFoundError(f"there is no canned query called {name!r}")
        return query

    def allowed_values(self, param: Parameter, store: Store) -> tuple[Choice, ...]:
        """The values an enumerated parameter takes; for a ``class``, its instances in the
        graph (cached until the store's version changes). Empty when any value goes."""
        if param.type == "lang":
            return tuple(Choice(code, None, {"en": LANGUAGE_NAMES[code]}) for code in LANGUAGES)
        if param.values:
            return tuple(self._listed_choice(param, value) for value in param.values)
        if param.cls is None:
            return ()
        with self._lock:
            if self._choices_version != store.version:
                self._choices, self._choices_version = {}, store.version
            cached = self._choices.get(param.cls)
        if cached is not None:
            return cached
        found = self._instances(param.cls, store)
        with self._lock:
            if self._choices_version == store.version:
                self._choices[param.cls] = found
        return found

    def _listed_choice(self, param: Parameter, value: str) -> Choice:
        if param.type == "iri":
            iri = expand_iri(value, self.prefixes)
            return Choice(self._spell(iri), iri, {})
        return Choice(value, None, {})

    def _spell(self, iri: str) -> str:
        short = compact(iri, self.prefixes)
        return iri if short.startswith("<") else short

    def _instances(self, cls: str, store: Store) -> tuple[Choice, ...]:
        result = store.query(
            f"SELECT ?class ?value ?label WHERE {{ ?value <{RDF_TYPE}>/<{RDFS}subClassOf>* ?class "
            f"FILTER(isIRI(?value)) OPTIONAL {{ ?value <{RDFS}label> ?label }} }}",
            substitutions={"class": ox.NamedNode(cls)},
        )
        assert isinstance(result, ox.QuerySolutions)
        labels: dict[str, dict[str, str]] = {}
        for row in result:
            value, label = row["value"], row["label"]
            assert isinstance(value, ox.NamedNode)
            found = labels.setdefault(value.value, {})
            if isinstance(label, ox.Literal):
                tag = label.language or "en"
                if tag not in found or label.value < found[tag]:
                    found[tag] = label.value
        choices = [Choice(self._spell(iri), iri, names) for iri, names in labels.items()]
        return tuple(sorted(choices, key=lambda choice: (choice.label("en").lower(), choice.value)))

    def bind(
        self,
        name: str,
        raw: Mapping[str, Sequence[str]],
        store: Store,
        lang: str | None = None,
    ) -> BoundQuery:
        """Check every value and make it an RDF term; ClientError naming what is wrong.

        ``raw`` maps parameter names to the values given (a query string's lists).
        ``lang`` is the request's language: the value of a ``lang`` parameter not given.
        """
        query = self.require(name)
        if lang is not None and lang not in LANGUAGES:
            raise ClientError(f"lang: {lang!r} is not offered; use one of {', '.join(LANGUAGES)}")
        unknown = sorted(set(raw) - set(query.parameter_names))
        if unknown:
            takes = ", ".join(query.parameter_names) or "no parameters"
            raise ClientError(
                f"unknown parameter {unknown[0][:80]!r} for the query {name!r}; it takes: {takes}"
            )
        substitutions: dict[str, Term] = {}
        values: dict[str, list[Term]] = {}
        chosen = None
        for param in query.parameters:
            given = self._given(param, raw.get(param.name, ()), lang, store)
            terms = [self._term(param, value, store) for value in given]
            if param.type == "lang" and chosen is None:
                chosen = terms[0].value
            if param.is_list:
                values[param.name] = terms
            else:
                substitutions[param.name] = terms[0]
        rows = 1
        for terms in values.values():
            rows *= len(terms)
        if rows > MAX_VALUES_ROWS:
            raise ClientError(
                f"the list parameters combine into {rows:,} rows; the limit is {MAX_VALUES_ROWS:,}"
            )
        return BoundQuery(query, substitutions, values, chosen or lang or "en")

    def _given(
        self, param: Parameter, raw: Sequence[str], lang: str | None, store: Store
    ) -> list[str]:
        """The values to bind: those given, else the request's language or the default."""
        given = _split(param, raw)
        if not given:
            if param.type == "lang":
                given = [lang or param.default or "en"]
            elif param.default is not None:
                given = _split(param, [param.default])
            else:
                raise ClientError(
                    f"parameter {param.name!r} is required; it takes "
                    f"{accepts(param, self.prefixes, self.allowed_values(param, store))}"
                )
        if not param.is_list and len(given) > 1:
            raise ClientError(f"parameter {param.name!r} takes one value, not {len(given)}")
        if len(given) > MAX_LIST_VALUES:
            raise ClientError(
                f"parameter {param.name!r} takes at most {MAX_LIST_VALUES} values, not {len(given)}"
            )
        return given

    def _term(self, param: Parameter, value: str, store: Store) -> Term:
        choices = self.allowed_values(param, store) if param.enumerated else ()
        try:
            term = parse_value(param, value, self.prefixes)
        except ValueError as error:
            raise ClientError(
                f"parameter {param.name!r}: {error}; it takes "
                f"{accepts(param, self.prefixes, choices)}"
            ) from None
        if param.cls is not None:
            allowed = any(choice.iri == term.value for choice in choices)
        elif param.values:
            allowed = term in {parse_value(param, v, self.prefixes) for v in param.values}
        else:
            allowed = True
        if not allowed:
            raise ClientError(
                f"parameter {param.name!r}: {value[:80]!r} is not an allowed value; it takes "
                f"{accepts(param, self.prefixes, choices)}"
            )
        return term


def split_arguments(
    query: CannedQuery, arguments: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[str]], str | None]:
    """A request's arguments as (the query's parameter values, the ``lang=`` asked for).

    ``format`` is the answer's format, never a parameter; ``lang`` is a parameter when the
    query declares one, and otherwise the language of the page (labels, messages).
    """
    raw = {name: list(values) for name, values in arguments.items() if name != "format"}
    lang = None
    if "lang" not in query.parameter_names and "lang" in raw:
        given = [value for value in raw.pop("lang") if value.strip()]
        if len(given) > 1:
            raise ClientError(f"give one 'lang', not {len(given)}")
        lang = given[0].strip() if given else None
    return raw, lang


# -- running in process ----------------------------------------------------------------------


class Scratch(Protocol):
    """Where an intermediate serialisation goes: a byte sink that can give its bytes back."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...

    def getvalue(self) -> bytes: ...


def finish_result(
    result: QueryResult,
    hidden: Sequence[str],
    as_boolean: bool,
    scratch: Scratch | None = None,
) -> QueryResult:
    """The answer as the file asked for it: hidden columns dropped, an ASK a boolean.

    The solutions are written as SPARQL JSON to ``scratch`` (a size-limited sink in the
    workers), the hidden variables removed, and the document parsed back by pyoxigraph.
    """
    if as_boolean:
        assert isinstance(result, ox.QuerySolutions)
        found = next(iter(result), None) is not None
        document = json.dumps({"head": {}, "boolean": found})
        return ox.parse_query_results(document, ox.QueryResultsFormat.JSON)
    if not hidden or not isinstance(result, ox.QuerySolutions):
        return result
    sink: Scratch = scratch if scratch is not None else io.BytesIO()
    result.serialize(cast(IO[bytes], sink), ox.QueryResultsFormat.JSON)
    parsed = json.loads(sink.getvalue())
    parsed["head"]["vars"] = [name for name in parsed["head"]["vars"] if name not in hidden]
    for binding in parsed["results"]["bindings"]:
        for name in hidden:
            binding.pop(name, None)
    return ox.parse_query_results(json.dumps(parsed), ox.QueryResultsFormat.JSON)


def run_canned(store: Store, bound: BoundQuery) -> QueryResult:
    """Run a bound query in this process (the CLI, tests); the server uses its workers."""
    result = store.query(
        bound.text(),
        substitutions={name: term.to_oxigraph() for name, term in bound.substitutions.items()},
    )
    return finish_result(result, bound.query.hidden, bound.query.as_boolean)


# -- loading -------------------------------------------------------------------------------


@dataclasses.dataclass
class _Header:
    fields: dict[str, tuple[str, int]]
    params: list[tuple[str, int, dict[str, tuple[str, int]]]]


class _FileError(Exception):
    """A problem in one file, at a line when known (turned into a ConfigurationError)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _parse_header(lines: list[str]) -> _Header:  # noqa: PLR0912 -- one pass over the header lines
    header = _Header({}, [])
    current: tuple[dict[str, tuple[str, int]], str] | None = None
    block: dict[str, tuple[str, int]] | None = None
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#+"):
            break
        rest = line[2:].rstrip()
        if not rest.strip():
            continue
        if rest.startswith(" ") and not rest.startswith("  "):
            key, colon, value = rest[1:].partition(":")
            key = key.strip()
            if not colon or not _KEY.fullmatch(key):
                raise _FileError("expected '#+ key: value'", number)
            if key not in _TOP_KEYS:
                raise _FileError(
                    f"unknown key {key!r}; the keys are {', '.join(_TOP_KEYS)}", number
                )
            if key == "param":
                block = {}
                header.params.append((value.strip(), number, block))
                current = None
                continue
            if key in header.fields:
                raise _FileError(f"{key!r} is given twice", number)
            header.fields[key] = (value.strip(), number)
            current, block = (header.fields, key), None
        elif rest.startswith("  "):
            content = rest.strip()
            match = _PARAM_KEY_LINE.match(content) if block is not None else None
            if block is not None and match is not None:
                key = match.group(1)
                if key not in _PARAM_KEYS:
                    raise _FileError(
                        f"unknown parameter key {key!r}; the keys are {', '.join(_PARAM_KEYS)}",
                        number,
                    )
                if key in block:
                    raise _FileError(f"parameter key {key!r} is given twice", number)
                block[key] = ((match.group(2) or "").strip(), number)
                current = (block, key)
            elif current is not None:
                target, key = current
                value, first = target[key]
                target[key] = (f"{value} {content}".strip(), first)
            else:
                raise _FileError("a continuation line follows no key", number)
        else:
            raise _FileError("expected '#+ key: value' or an indented continuation", number)
    return header


def _header_length(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if not line.startswith("#+")), len(lines))


def _parameter(
    name: str, line: int, keys: dict[str, tuple[str, int]], known: Mapping[str, str]
) -> Parameter:
    if not _PARAM_NAME.fullmatch(name):
        raise _FileError(
            f"parameter name {name!r}: use lower-case letters, digits and '_', starting "
            "with a letter",
            line,
        )
    if name in RESERVED_NAMES:
        raise _FileError(f"parameter name {name!r} is reserved", line)

    def get(key: str) -> tuple[str | None, int]:
        value, where = keys.get(key, (None, line))
        return value, where

    kind, where = get("type")
    if kind is None:
        raise _FileError(f"parameter {name!r} has no type; give one of {', '.join(TYPES)}", line)
    if kind not in TYPES:
        raise _FileError(
            f"parameter {name!r}: unknown type {kind!r}; the types are {', '.join(TYPES)}", where
        )
    if name == "lang" and kind != "lang":
        raise _FileError("a parameter called 'lang' must have the type lang", where)
    cls = _parameter_class(name, kind, get("class"), known)
    listed, where = get("list")
    if listed not in (None, "true", "false"):
        raise _FileError(f"parameter {name!r}: list is true or false, not {listed!r}", where)
    length_text, where = get("max_length")
    if length_text is not None and (not length_text.isdigit() or int(length_text) < 1):
        raise _FileError(f"parameter {name!r}: max_length must be a positive integer", where)
    max_length = int(length_text) if length_text is not None else DEFAULT_MAX_LENGTH
    values_text, values_line = get("values")
    values = tuple(v.strip() for v in (values_text or "").split(",") if v.strip())
    if values_text is not None and not values:
        raise _FileError(f"parameter {name!r}: 'values' lists no value", values_line)
    if values and cls is not None:
        raise _FileError(f"parameter {name!r}: give 'class' or 'values', not both", values_line)
    default, default_line = get("default")
    description, _ = get("description")
    param = Parameter(
        name=name,
        type=kind,
        cls=cls,
        values=values,
        default=default,
        is_list=listed == "true",
        max_length=max_length,
        description=description or "",
    )
    for value in values:
        _check_sample(param, value, values_line, known, against_values=False)
    if default is not None:
        for value in _split(param, [default]):
            _check_sample(param, value, default_line, known)
    return param


def _parameter_class(
    name: str, kind: str, given: tuple[str | None, int], known: Mapping[str, str]
) -> str | None:
    text, where = given
    if text is None:
        return None
    if kind != "iri":
        raise _FileError(f"parameter {name!r}: 'class' is for iri parameters", where)
    try:
        return expand_iri(text, known)
    except ValueError as error:
        raise _FileError(f"parameter {name!r}: class {text!r}: {error}", where) from None


def _check_sample(
    param: Parameter,
    value: str,
    line: int,
    known: Mapping[str, str],
    *,
    against_values: bool = True,
) -> Term:
    try:
        term = parse_value(param, value, known)
    except ValueError as error:
        raise _FileError(f"parameter {param.name!r}: {value!r}: {error}", line) from None
    if against_values and param.values:
        allowed = {parse_value(param, v, known) for v in param.values}
        if term not in allowed:
            raise _FileError(
                f"parameter {param.name!r}: {value!r} is not among its values", line
            ) from None
    return term


def _variables(tokens: Sequence[Token]) -> dict[str, int]:
    """Each variable name with the offset of its first use."""
    found: dict[str, int] = {}
    for token in tokens:
        if token.kind == "var":
            found.setdefault(token.value[1:], token.start)
    return found


def _unbound_variables(text: str) -> set[str] | None:
    """Variables the query uses but never binds (parameters, or mistakes); None when rdflib
    cannot parse what pyoxigraph accepted (the check is then skipped)."""
    from pyparsing import ParseException, ParseResults  # noqa: PLC0415 -- start-up only
    from rdflib.plugins.sparql.parser import parseQuery  # noqa: PLC0415
    from rdflib.plugins.sparql.parserutils import CompValue  # noqa: PLC0415
    from rdflib.term import Variable  # noqa: PLC0415

    binding_nodes = {"TriplesBlock", "InlineData", "InlineDataOneVar", "InlineDataFull"}
    binding_keys = {("Bind", "var"), ("vars", "evar"), ("GroupAs", "var")}
    binding_keys.add(("GraphGraphPattern", "term"))
    used: set[str] = set()
    bound: set[str] = set()

    def walk(node: object, binding: bool) -> None:
        if isinstance(node, Variable):
            used.add(str(node))
            if binding:
                bound.add(str(node))
        elif isinstance(node, CompValue):
            inside = binding or node.name in binding_nodes
            for key, value in node.items():
                if (node.name, key) in binding_keys:
                    walk(value, True)
                elif node.name in ("Bind", "vars", "GroupAs"):
                    walk(value, False)
                else:
                    walk(value, inside)
        elif isinstance(node, list | tuple | ParseResults):
            for item in node:
                walk(item, binding)

    try:
        tree = parseQuery(text)
    except (ParseException, Exception):  # noqa: BLE001 -- parsing only: rdflib may refuse
        return None  # what pyoxigraph accepts, and then the check is skipped
    walk(tree, False)
    return used - bound


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _form(tokens: Sequence[Token]) -> tuple[str, int]:
    for index, token in enumerate(tokens):
        if token.depth == 0 and token.is_word("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return token.value.upper(), index
    raise _FileError("no SELECT, ASK or CONSTRUCT query follows the header")


def _group_end(tokens: Sequence[Token], start: int) -> int:
    """The index of the ``}`` closing the first top-level group at or after ``start``."""
    opening = next(
        i for i in range(start, len(tokens)) if tokens[i].depth == 0 and tokens[i].value == "{"
    )
    return next(
        i
        for i in range(opening + 1, len(tokens))
        if tokens[i].depth == 0 and tokens[i].value == "}"
    )


def _derive_select(
    text: str, tokens: Sequence[Token], at: int, params: list[str]
) -> tuple[str, tuple[str, ...]]:
    """The SELECT with ``params`` appended to its projection (and GROUP BY) where missing."""
    index = at + 1
    while index < len(tokens) and tokens[index].is_word("DISTINCT", "REDUCED"):
        index += 1
    end = index
    projected: set[str] = set()
    star = aggregates = False
    while end < len(tokens):
        token = tokens[end]
        if token.depth == 0 and (token.is_word("WHERE", "FROM") or token.value == "{"):
            break
        if token.kind == "var" and (token.depth == 0 or tokens[end - 1].is_word("AS")):
            projected.add(token.value[1:])
        star = star or (token.depth == 0 and token.value == "*")
        aggregates = aggregates or token.is_word(*_AGGREGATES)
        end += 1
    missing = tuple(name for name in params if name not in projected)
    if star or not missing or end == index:
        return text, ()
    inserts = [(tokens[end - 1].end, "".join(f" ?{name}" for name in missing))]
    closing = _group_end(tokens, end)
    group_by = next(
        (
            i
            for i in range(closing + 1, len(tokens) - 1)
            if tokens[i].depth == 0 and tokens[i].is_word("GROUP") and tokens[i + 1].is_word("BY")
        ),
        None,
    )
    having = any(t.depth == 0 and t.is_word("HAVING") for t in tokens[closing + 1 :])
    if group_by is not None:
        last = group_by + 1
        while last + 1 < len(tokens) and not (
            tokens[last + 1].depth == 0 and tokens[last + 1].is_word(*(_MODIFIERS - {"GROUP"}))
        ):
            last += 1
        inserts.append((tokens[last].end, "".join(f" ?{name}" for name in missing)))
    elif aggregates or having:
        clause = " GROUP BY" + "".join(f" ?{name}" for name in missing)
        inserts.append((tokens[closing].end, clause))
    derived = text
    for offset, addition in sorted(inserts, reverse=True):
        derived = derived[:offset] + addition + derived[offset:]
    return derived, missing


def _prologue(head: Sequence[Token], base_iri: str, known: Mapping[str, str]) -> str:
    """BASE and PREFIX lines for what the file relies on without declaring it, so the text
    runs the same on any store (the workers, the CLI, another endpoint)."""
    declared = {
        token.value.split(":", 1)[0]
        for before, token in itertools.pairwise(head)
        if before.is_word("PREFIX") and token.kind == "pname"
    }
    lines = [] if any(token.is_word("BASE") for token in head) else [f"BASE <{base_iri}>"]
    lines += [f"PREFIX {name}: <{iri}>" for name, iri in known.items() if name not in declared]
    return "\n".join(lines) + "\n"


def _sample_term(
    param: Parameter, query_example: dict[str, list[str]], known: Mapping[str, str]
) -> Term:
    given = _split(param, query_example.get(param.name, [])) or (
        _split(param, [param.default]) if param.default is not None else []
    )
    if given:
        return parse_value(param, given[0], known)
    return {
        "iri": Term("iri", "urn:orchkg:sample"),
        "string": Term("literal", "sample"),
        "integer": Term("literal", "1", f"{XSD}integer"),
        "decimal": Term("literal", "1.0", f"{XSD}decimal"),
        "boolean": Term("literal", "true", f"{XSD}boolean"),
        "lang": Term("literal", "en"),
    }[param.type]


def _message(error: SyntaxError | RuntimeError) -> tuple[str, int | None]:
    text = " ".join(str(error).split())
    match = _ENGINE_POSITION.match(text)
    if match is None:
        return text, None
    return text[match.end() :], int(match.group(1))


def load_query(path: Path, settings: Settings, *, shown: str | None = None) -> CannedQuery:
    """One query file, parsed and checked; ConfigurationError naming the file and line."""
    where = shown or path.name
    try:
        return _load_query(path, settings)
    except _FileError as error:
        line = f":{error.line}" if error.line is not None else ""
        raise ConfigurationError(f"{where}{line}: {error.message}") from None


def _load_query(path: Path, settings: Settings) -> CannedQuery:  # noqa: PLR0912, PLR0915 -- the checks, in order
    known = prefixes(settings.base_iri)
    if not _QUERY_NAME.fullmatch(path.stem):
        raise _FileError("a query's file name is lower-case letters, digits and hyphens")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _FileError(f"cannot read: {error}") from None
    lines = source.splitlines()
    header = _parse_header(lines)
    for key in ("title", "description"):
        if not header.fields.get(key, ("", 0))[0]:
            raise _FileError(f"the header has no {key!r} ('#+ {key}: ...')", 1)
    parameters: list[Parameter] = []
    lines_of: dict[str, int] = {}
    for name, line, keys in header.params:
        if name in lines_of:
            raise _FileError(f"parameter {name!r} is declared twice", line)
        parameters.append(_parameter(name, line, keys, known))
        lines_of[name] = line
    example_text, example_line = header.fields.get("example", ("", 1))
    example = parse_qs(example_text, keep_blank_values=True)
    for name, values in example.items():
        param = next((p for p in parameters if p.name == name), None)
        if param is None and name == "lang" and all(v in LANGUAGES for v in values):
            continue
        if param is None:
            raise _FileError(f"the example gives {name!r}, which is not a parameter", example_line)
        for value in _split(param, values):
            _check_sample(param, value, example_line, known)
    for param in parameters:
        if param.required and not _split(param, example.get(param.name, [])):
            raise _FileError(
                f"the example does not give the required parameter {param.name!r}",
                example_line,
            )

    try:
        checked = check_query(
            source,
            allowlist=settings.federation_allowlist,
            max_depth=settings.max_query_depth,
            predeclared=known,
        )
    except OrchkgError as error:
        found = scan(source, known).unknown_prefix
        raise _FileError(error.message, found[1] if found else None) from None
    text = checked.text
    try:
        ox.Store().query(text, base_iri=settings.base_iri, prefixes=known)
    except SyntaxError as error:
        message, where = _message(error)
        raise _FileError(f"SPARQL syntax error: {message}", where) from None
    tokens = tokenize(text)
    keyword, at = _form(tokens)
    if keyword == "DESCRIBE":
        raise _FileError("a canned query is a SELECT, ASK or CONSTRUCT, not a DESCRIBE", None)
    form = cast(Form, keyword.lower())

    used = _variables(tokens)
    for param in parameters:
        if param.name not in used:
            raise _FileError(
                f"parameter {param.name!r} is declared but the query has no ?{param.name}",
                lines_of[param.name],
            )
    unbound = _unbound_variables(text) or set()
    for name in sorted(unbound - set(lines_of), key=lambda n: used.get(n, 0)):
        raise _FileError(
            f"?{name} is used but never bound by the query; if it is a parameter, declare it "
            f"with '#+ param: {name}'",
            _line_of(text, used.get(name, 0)),
        )

    single = [param.name for param in parameters if not param.is_list]
    execution, as_boolean = text, False
    hidden: tuple[str, ...] = ()
    if form == "select":
        execution, hidden = _derive_select(text, tokens, at, single)
    elif form == "ask" and single:
        ask = tokens[at]
        selection = "SELECT" + "".join(f" ?{name}" for name in single)
        execution = text[: ask.start] + selection + text[ask.end :]
        as_boolean = True
    execution = _prologue(tokens[:at], settings.base_iri, known) + execution

    query = CannedQuery(
        name=path.stem,
        title=header.fields["title"][0],
        description=header.fields["description"][0],
        tags=tuple(
            t.strip() for t in header.fields.get("tags", ("", 0))[0].split(",") if t.strip()
        ),
        parameters=tuple(parameters),
        example=dict(example),
        text="\n".join(lines[_header_length(lines) :]).strip() + "\n",
        form=form,
        path=path,
        execution=execution,
        hidden=hidden,
        as_boolean=as_boolean,
        declares_dataset=checked.declares_dataset,
    )
    _try_binding(query, settings, known)
    return query


def _try_binding(query: CannedQuery, settings: Settings, known: Mapping[str, str]) -> None:
    """Run the derived text on an empty store with sample values: what the engine will not
    bind is refused now, not at the first request."""
    substitutions: dict[str, Term] = {}
    values: dict[str, list[Term]] = {}
    for param in query.parameters:
        term = _sample_term(param, query.example, known)
        if param.is_list:
            values[param.name] = [term]
        else:
            substitutions[param.name] = term
    bound = BoundQuery(query, substitutions, values, "en")
    try:
        result = ox.Store().query(
            bound.text(),
            base_iri=settings.base_iri,
            prefixes=dict(known),
            substitutions=bound.oxigraph_substitutions(),  # type: ignore[arg-type]
        )
        finish_result(result, query.hidden, query.as_boolean)
    except (SyntaxError, RuntimeError) as error:
        message, _ = _message(error)
        if query.form == "construct":
            message += (
                "; a CONSTRUCT takes a single-valued parameter only where its template "
                "uses it (make it a list parameter, or use it in the template)"
            )
        elif "VALUES" in bound.text().upper() and query.parameters:
            message += "; list parameters are bound by a VALUES block appended to the query"
        raise _FileError(f"the query cannot be bound: {message}") from None


def query_files(settings: Settings) -> list[Path]:
    """The ``queries/*.rq`` files of the content directory, by name (none if no folder)."""
    folder = settings.content_path / "queries"
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.rq"))


def load_catalogue(settings: Settings) -> Catalogue:
    """Every query file of the content directory, checked; the first problem is raised."""
    queries = []
    for path in query_files(settings):
        shown = f"queries/{path.name}"
        queries.append(load_query(path, settings, shown=shown))
    return Catalogue(queries, prefixes(settings.base_iri))


# -- the catalogue as RDF ----------------------------------------------------------------

_EXECUTABLES = {
    "select": ("SPARQLSelectExecutable", "select"),
    "ask": ("SPARQLAskExecutable", "ask"),
    "construct": ("SPARQLConstructExecutable", "construct"),
}


def query_iri(base_iri: str, name: str) -> str:
    return f"{base_iri}query/{name}"


def catalogue_triples(catalogue: Catalogue, base_iri: str) -> list[ox.Triple]:
    """The queries described in RDF (SHACL-AF executables), for ``<base>graph/queries``.

    Each is ``<base>query/<name>``, with its title, description, tags, text, API path and
    name; the prefixes its text relies on are declared once, as SHACL prefix declarations.
    """
    triples: list[ox.Triple] = []
    add = triples.append
    declarations = ox.NamedNode(f"{base_iri}query/prefixes")
    for prefix, namespace in catalogue.prefixes.items():
        node = ox.BlankNode()
        add(ox.Triple(declarations, ox.NamedNode(f"{SH}declare"), node))
        add(ox.Triple(node, ox.NamedNode(f"{SH}prefix"), ox.Literal(prefix)))
        add(
            ox.Triple(
                node,
                ox.NamedNode(f"{SH}namespace"),
                ox.Literal(namespace, datatype=ox.NamedNode(f"{XSD}anyURI")),
            )
        )
    for query in catalogue.values():
        subject = ox.NamedNode(query_iri(base_iri, query.name))
        kind, text_property = _EXECUTABLES[query.form]
        add(ox.Triple(subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(f"{SH}{kind}")))
        add(
            ox.Triple(subject, ox.NamedNode(f"{RDFS}label"), ox.Literal(query.title, language="en"))
        )
        add(
            ox.Triple(
                subject,
                ox.NamedNode(f"{RDFS}comment"),
                ox.Literal(query.description, language="en"),
            )
        )
        for tag in query.tags:
            add(ox.Triple(subject, ox.NamedNode(f"{SCHEMA}keywords"), ox.Literal(tag)))
        add(ox.Triple(subject, ox.NamedNode(f"{SH}{text_property}"), ox.Literal(query.text)))
        add(ox.Triple(subject, ox.NamedNode(f"{SH}prefixes"), declarations))
        add(
            ox.Triple(
                subject,
                ox.NamedNode(f"{SCHEMA}url"),
                ox.Literal(f"/api/queries/{query.name}", datatype=ox.NamedNode(f"{XSD}anyURI")),
            )
        )
        add(ox.Triple(subject, ox.NamedNode(f"{DCTERMS}identifier"), ox.Literal(query.name)))
    return triples if len(catalogue) else []
