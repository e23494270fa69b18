"""Run the W3C SPARQL 1.1 Protocol and Graph Store Protocol tests against a live orchkg.

    python scripts/conformance.py /work/shared/w3c-protocol-tests \\
        --url http://127.0.0.1:8000 --token TOKEN

The manifests describe each test as HTTP requests (``ht:Request``: method, path,
headers, body) and what each answer must be (status, content type, ASK boolean, an RDF
body isomorphic to the expected one). Paths are the test suite's own: ``/sparql/`` is
mapped to orchkg's ``/sparql``, or to ``/update`` for a request carrying an update, and
``/gsp`` to ``/data``. The protocol tests' data files are loaded as named graphs through
the Graph Store Protocol; every Graph Store test starts from an empty store.

The run changes the server's data (``DROP ALL``): point it at a scratch server. Prints a
line per test and a summary; exits 1 if any test fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import rdflib
import requests
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.term import Node

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

PROTOCOL_MANIFEST = "sparql11/protocol/manifest.ttl"
GRAPH_STORE_MANIFESTS = (
    "sparql11/graph-store-protocol/manifest-indirect.ttl",
    "sparql11/graph-store-protocol/manifest-direct.ttl",
)
STATUS_CODES = {"OK": 200, "Created": 201, "NoContent": 204, "BadRequest": 400, "NotFound": 404}
FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml"},
}
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
SPARQL_RESULTS_XML = "{http://www.w3.org/2005/sparql-results#}boolean"
TIMEOUT = 30


@dataclasses.dataclass(frozen=True)
class Expected:
    statuses: tuple[str, ...]
    boolean: bool | None
    result_format: str | None
    location_variable: str | None
    content_type: str | None
    body: str | None


@dataclasses.dataclass(frozen=True)
class Step:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    encoding: str
    expected: Expected


@dataclasses.dataclass(frozen=True)
class Case:
    suite: str
    name: str
    title: str
    steps: tuple[Step, ...]
    graph_data: tuple[tuple[str, Path], ...]


class ExpectationError(Exception):
    """A test's expectation that the server's answer did not meet."""


# -- reading the manifests -------------------------------------------------------------


def _one(graph: rdflib.Graph, subject: Node, predicate: rdflib.URIRef) -> Node | None:
    return next(iter(graph.objects(subject, predicate)), None)


def _text(graph: rdflib.Graph, subject: Node, predicate: rdflib.URIRef) -> str | None:
    value = _one(graph, subject, predicate)
    return None if value is None else str(value)


def _headers(graph: rdflib.Graph, node: Node) -> tuple[tuple[str, str], ...]:
    listed = _one(graph, node, HT.headers)
    if listed is None:
        return ()
    return tuple(
        (_text(graph, header, HT.fieldName) or "", _text(graph, header, HT.fieldValue) or "")
        for header in Collection(graph, listed)
    )


def _expected(graph: rdflib.Graph, response: Node) -> Expected:
    statuses = tuple(
        sorted(str(s).rsplit("#", 1)[-1] for s in graph.objects(response, MF.expectedStatus))
    )
    boolean = _one(graph, response, MF.expectedBoolean)
    content_types = [
        value for name, value in _headers(graph, response) if name.lower() == "content-type"
    ]
    body = _one(graph, response, HT.body)
    return Expected(
        statuses=statuses,
        boolean=None if boolean is None else bool(boolean.toPython()),  # type: ignore[attr-defined]
        result_format=_text(graph, response, MF.expectedFormat),
        location_variable=_text(graph, response, MF.expectedLocation),
        content_type=content_types[0] if content_types else None,
        body=None if body is None else _text(graph, body, CNT.chars),
    )


def _step(graph: rdflib.Graph, request: Node) -> Step:
    body = _one(graph, request, HT.body)
    response = _one(graph, request, HT.resp)
    if response is None:
        raise ValueError(f"request {request} has no ht:resp")
    return Step(
        method=_text(graph, request, HT.methodName) or "GET",
        path=_text(graph, request, HT.absolutePath) or "/",
        headers=_headers(graph, request),
        body=None if body is None else _text(graph, body, CNT.chars),
        encoding=(None if body is None else _text(graph, body, CNT.characterEncoding)) or "UTF-8",
        expected=_expected(graph, response),
    )


def read_manifest(path: Path, suite: str) -> list[Case]:
    """The tests a manifest lists in ``mf:entries``, in order."""
    graph = rdflib.Graph()
    graph.parse(path, format="turtle", publicID=path.resolve().as_uri())
    manifest = next(iter(graph.subjects(MF.entries, None)))
    entries = _one(graph, manifest, MF.entries)
    assert entries is not None
    cases = []
    for test in Collection(graph, entries):
        action = _one(graph, test, MF.action)
        requests_list = None if action is None else _one(graph, action, HT.requests)
        if requests_list is None:
            raise ValueError(f"{path}: {test} has no ht:requests")
        graph_data = tuple(
            (
                _text(graph, data, rdflib.RDFS.label) or "",
                Path(urlsplit(str(_one(graph, data, UT.graph))).path),
            )
            for data in graph.objects(test, UT.graphData)
        )
        cases.append(
            Case(
                suite=suite,
                name=str(test).rsplit("#", 1)[-1],
                title=_text(graph, test, MF.name) or "",
                steps=tuple(_step(graph, request) for request in Collection(graph, requests_list)),
                graph_data=tuple(sorted(graph_data)),
            )
        )
    return cases


# -- running them ----------------------------------------------------------------------


def _carries_update(step: Step) -> bool:
    """Whether a /sparql/ request is an update (and so goes to orchkg's /update)."""
    headers = {name.lower(): value for name, value in step.headers}
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/sparql-update":
        return True
    query = urlsplit(step.path).query
    if "update" in parse_qs(query, keep_blank_values=True):
        return True
    return (
        media_type == "application/x-www-form-urlencoded"
        and step.body is not None
        and "update" in parse_qs(step.body, keep_blank_values=True)
    )


def map_path(step: Step) -> str:
    """The test suite's path as orchkg's path (query string kept byte for byte)."""
    path = step.path
    if path.startswith("/sparql/"):
        return ("/update" if _carries_update(step) else "/sparql") + path[len("/sparql/") :]
    if path.startswith("/gsp"):
        return "/data" + path[len("/gsp") :]
    raise ValueError(f"unexpected test path {path!r}")


def _is_write(step: Step, path: str) -> bool:
    return path.startswith("/update") or (
        path.startswith("/data") and step.method in ("PUT", "POST", "DELETE")
    )


def _media_type(value: str | None) -> tuple[str, dict[str, str]]:
    """A Content-Type as (media type, parameters), lowercased."""
    if not value:
        return "", {}
    head, *rest = value.split(";")
    params = {}
    for item in rest:
        name, _, parameter = item.partition("=")
        params[name.strip().lower()] = parameter.strip().strip('"').lower()
    return head.strip().lower(), params


def _status_ok(status: int, expected: tuple[str, ...]) -> bool:
    for name in expected:
        if name.startswith("StatusCode") and name.endswith("xx"):
            if str(status)[0] == name[len("StatusCode")]:
                return True
        elif STATUS_CODES.get(name) == status:
            return True
    return False


def _boolean(response: requests.Response) -> bool:
    media_type, _ = _media_type(response.headers.get("Content-Type"))
    if media_type == "application/sparql-results+xml":
        found = ET.fromstring(response.content).find(f".//{SPARQL_RESULTS_XML}")  # noqa: S314
        if found is None or found.text is None:
            raise ExpectationError("no <boolean> in the XML results")
        return found.text.strip() == "true"
    value = json.loads(response.content).get("boolean")
    if not isinstance(value, bool):
        raise ExpectationError("no boolean in the JSON results")
    return value


def _check_body(expected: Expected, response: requests.Response) -> None:
    if expected.body is None:
        return
    wanted_type, _ = _media_type(expected.content_type or "text/turtle")
    got_type, _ = _media_type(response.headers.get("Content-Type"))
    if got_type not in RDFLIB_FORMATS:
        raise ExpectationError(f"cannot compare a body of {got_type or 'no type'}")
    wanted = rdflib.Graph().parse(data=expected.body, format=RDFLIB_FORMATS[wanted_type])
    got = rdflib.Graph().parse(data=response.content, format=RDFLIB_FORMATS[got_type])
    if not isomorphic(wanted, got):
        raise ExpectationError(
            f"the body is not the expected graph ({len(got)} triples, wanted {len(wanted)})"
        )


def check(step: Step, response: requests.Response) -> None:
    """Raise ExpectationError unless the response meets the step's expectations."""
    expected = step.expected
    if not _status_ok(response.status_code, expected.statuses):
        detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
        raise ExpectationError(
            f"status {response.status_code}, expected {' or '.join(expected.statuses)}"
            + (f" ({detail})" if detail else "")
        )
    got_type, got_params = _media_type(response.headers.get("Content-Type"))
    if expected.content_type is not None:
        wanted_type, wanted_params = _media_type(expected.content_type)
        if got_type != wanted_type or (
            "charset" in wanted_params and got_params.get("charset") != wanted_params["charset"]
        ):
            shown = response.headers.get("Content-Type")
            raise ExpectationError(f"Content-Type {shown!r}, expected {expected.content_type!r}")
    if expected.result_format is not None and got_type not in FORMATS[expected.result_format]:
        raise ExpectationError(
            f"Content-Type {got_type!r} is not a {expected.result_format} format"
        )
    if expected.boolean is not None and _boolean(response) is not expected.boolean:
        raise ExpectationError(f"the ASK answer is not {str(expected.boolean).lower()}")
    if step.method != "HEAD":
        _check_body(expected, response)
    if expected.location_variable is not None and not response.headers.get("Location"):
        raise ExpectationError("no Location header")


class Runner:
    """Sends a test's requests to one orchkg server."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.session = requests.Session()

    def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> requests.Response:
        prepared = self.session.prepare_request(
            requests.Request(method, self.url + path, headers=headers, data=body)
        )
        prepared.url = self.url + path  # exactly as the test wrote it: no re-quoting
        return self.session.send(prepared, timeout=TIMEOUT, allow_redirects=False)

    def write(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> None:
        response = self.send(method, path, {**headers, **self._auth()}, body)
        if response.status_code >= 300:
            raise ExpectationError(
                f"setup {method} {path}: {response.status_code} {response.text.strip()}"
            )

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def empty_store(self) -> None:
        self.write("POST", "/update", {"Content-Type": "application/sparql-update"}, b"DROP ALL")

    def load(self, graph: str, path: Path) -> None:
        self.write(
            "PUT",
            f"/data?graph={quote(graph, safe='')}",
            {"Content-Type": "application/n-triples"},
            path.read_bytes(),
        )

    def run(self, case: Case) -> None:
        """Run one test; raise ExpectationError at the first expectation not met."""
        if case.suite == "graph store":
            self.empty_store()
        for graph, data_file in case.graph_data:
            self.load(graph, data_file)
        variables: dict[str, str] = {}
        for number, template in enumerate(case.steps, start=1):
            path, body_text = template.path, template.body
            for name, value in variables.items():
                path = path.replace(name, quote(value, safe=":/"))
                body_text = None if body_text is None else body_text.replace(name, value)
            step = dataclasses.replace(template, path=path, body=body_text)
            target = map_path(step)
            headers = dict(step.headers)
            if _is_write(step, target):
                headers.update(self._auth())
            body = None if body_text is None else body_text.encode(step.encoding.lower())
            response = self.send(step.method, target, headers, body)
            try:
                check(step, response)
            except ExpectationError as error:
                raise ExpectationError(
                    f"request {number} ({step.method} {target}): {error}"
                ) from None
            if step.expected.location_variable is not None:
                variables[step.expected.location_variable] = response.headers["Location"]


def run_suite(runner: Runner, cases: list[Case]) -> Iterator[tuple[Case, str | None]]:
    for case in cases:
        try:
            runner.run(case)
        except ExpectationError as error:
            yield case, str(error)
        except (requests.RequestException, ValueError, SyntaxError) as error:
            yield case, f"{type(error).__name__}: {error}"
        else:
            yield case, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("tests", type=Path, help="the folder holding sparql11/ (the W3C manifests)")
    parser.add_argument(
        "--url", required=True, help="the orchkg server, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument("--token", required=True, help="the server's update token")
    args = parser.parse_args(argv)
    protocol = read_manifest(args.tests / PROTOCOL_MANIFEST, "protocol")
    graph_store = [
        case
        for name in GRAPH_STORE_MANIFESTS
        for case in read_manifest(args.tests / name, "graph store")
    ]
    runner = Runner(args.url, args.token)
    summary = []
    failed = 0
    for suite, cases in (("protocol", protocol), ("graph store", graph_store)):
        passed = 0
        for case, reason in run_suite(runner, cases):
            if reason is None:
                passed += 1
                print(f"PASS {suite}: {case.name}")
            else:
                print(f"FAIL {suite}: {case.name}: {reason}")
        failed += len(cases) - passed
        summary.append(f"{suite}: {passed}/{len(cases)} passed")
    print("; ".join(summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
