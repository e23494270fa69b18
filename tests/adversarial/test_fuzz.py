"""Fuzzing, bounded: hypothesis writes SPARQL-ish text and random parameter values, and
sends them to the query endpoint and to the canned-query API of a live server. Whatever
it sends, the server never answers 500 (``hostile.Probe``), never shows internals,
never connects to the local listener that some of the generated SERVICE and FROM
clauses aim at, and is still alive at the end.

Each test stops sending after its time budget (the examples left run as no-ops), so
the whole module stays under a minute; set ORCHKG_FUZZ_SECONDS to fuzz longer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import REPO, Probe
from support import Listener, live_server

BUDGET = float(os.environ.get("ORCHKG_FUZZ_SECONDS", "14"))
"""Seconds each fuzz test may send for."""
EXAMPLES = int(os.environ.get("ORCHKG_FUZZ_EXAMPLES", "400"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    """The shipped content with a short deadline, so a generated cross product costs little."""
    cwd = tmp_path_factory.mktemp("fuzz")
    with live_server(
        "--content-dir", str(REPO), "serve", "--query-timeout", "0.5", cwd=cwd
    ) as server:
        probe = Probe(server.url, server=server, timeout=15)
        yield probe
        assert probe.get("/healthz").status_code == 200
        assert server.process.poll() is None


class Budget:
    """Seconds a fuzz test may send for; once an example has failed, shrinking it may
    take longer (its replays must not turn into no-ops)."""

    def __init__(self) -> None:
        self.ends = time.monotonic() + BUDGET
        self.sent = 0
        self.failed = False

    def spent(self) -> bool:
        return time.monotonic() > self.ends and not self.failed

    def send(self, check: Callable[[], None]) -> None:
        self.sent += 1
        try:
            check()
        except AssertionError:
            self.failed = True
            raise


def tokens(listener_url: str) -> st.SearchStrategy[str]:
    words = [
        "SELECT",
        "ASK",
        "CONSTRUCT",
        "DESCRIBE",
        "WHERE",
        "FROM",
        "NAMED",
        "GRAPH",
        "SERVICE",
        "SILENT",
        "OPTIONAL",
        "UNION",
        "MINUS",
        "FILTER",
        "BIND",
        "AS",
        "VALUES",
        "EXISTS",
        "NOT",
        "LIMIT",
        "OFFSET",
        "ORDER",
        "BY",
        "GROUP",
        "HAVING",
        "PREFIX",
        "BASE",
        "INSERT",
        "DELETE",
        "DATA",
        "LOAD",
        "CLEAR",
        "DROP",
        "a",
        "*",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ".",
        ";",
        ",",
        "|",
        "/",
        "^",
        "!",
        "+",
        "?",
        "=",
        "<",
        ">",
        "&&",
        "||",
        "#",
        "\n",
        "'",
        '"',
        "'''",
        '"""',
        "\\",
        "\\u0053ERVICE",
        "\\u007B",
        "\\U0000007D",
        "?s",
        "?p",
        "?o",
        "$x",
        "_:b",
        "kg:etcd",
        "okg:partOf",
        "rdfs:label",
        "nope:x",
        ":x",
        "<a:b>",
        "<>",
        "<#x>",
        "1",
        "-1",
        "1.5e3",
        "true",
        '"x"@en',
        '"1"^^xsd:integer',
        "REGEX",
        "STR",
        "CONCAT",
        "COUNT",
        f"<{listener_url}/x>",
        f"<{listener_url}/sparql>",
        "<file:///etc/passwd>",
        "<http://169.254.169.254/>",
        "\x00",
        "\ufeff",
        "\u2028",
        "\U0001f600",
    ]
    return st.one_of(st.sampled_from(words), st.text(max_size=6))


def sparql_text(listener_url: str) -> st.SearchStrategy[str]:
    return st.lists(tokens(listener_url), max_size=40).map(" ".join)


@pytest.fixture(scope="module")
def sparql_budget() -> Budget:
    return Budget()


def test_fuzzed_queries_never_break_the_endpoint(
    fuzzed: Probe, listener: Listener, sparql_budget: Budget
) -> None:
    @FUZZ
    @given(
        text=sparql_text(listener.url),
        how=st.sampled_from(["get", "form", "body"]),
        params=st.dictionaries(
            st.sampled_from(["default-graph-uri", "named-graph-uri", "format", "output"]),
            st.text(max_size=30),
            max_size=2,
        ),
    )
    def run(text: str, how: str, params: dict[str, str]) -> None:
        if sparql_budget.spent():
            return

        def check() -> None:
            if how == "get":
                response = fuzzed.get("/sparql", params={"query": text, **params})
            elif how == "form":
                response = fuzzed.post("/sparql", data={"query": text, **params})
            else:
                response = fuzzed.post(
                    "/sparql",
                    params=params,
                    data=text.encode("utf-8", "surrogatepass"),
                    headers={"Content-Type": "application/sparql-query"},
                )
            assert response.status_code in (200, 304, 400, 403, 406, 413, 414, 415, 503)
            assert not listener.touched(), f"{text!r} made the server connect"

        sparql_budget.send(check)

    run()
    assert sparql_budget.sent >= 50, "too few examples were sent"


def value_strategy(parameter: dict[str, Any]) -> st.SearchStrategy[str]:
    allowed = [choice["value"] for choice in parameter.get("allowed", [])]
    options: list[st.SearchStrategy[str]] = [
        st.text(max_size=120),
        st.sampled_from(["kg:etcd", "kg:", "kg:../x", "<kg:etcd>", "okg:partOf", "1e999", "-0"]),
        st.sampled_from(["http://127.0.0.1:1/", "javascript:alert(1)", "file:///etc/passwd"]),
        st.text(alphabet="\"'<>{}()\\#.;,?$ \n\t\r\x00", max_size=20),
        st.integers().map(str),
    ]
    if allowed:
        options.append(st.sampled_from(allowed))
        options.append(st.lists(st.sampled_from(allowed), max_size=5).map(",".join))
    return st.one_of(options)


@pytest.fixture(scope="module")
def catalogue(fuzzed: Probe) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fuzzed.get("/api/queries").json()["queries"]
    assert found
    return found


@pytest.fixture(scope="module")
def canned_budget() -> Budget:
    return Budget()


def test_fuzzed_parameters_never_break_the_canned_api(
    fuzzed: Probe, catalogue: list[dict[str, Any]], canned_budget: Budget
) -> None:
    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        query = data.draw(st.sampled_from(catalogue))
        names = [parameter["name"] for parameter in query["parameters"]]
        chosen = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
        pairs = [
            (
                name,
                data.draw(
                    value_strategy(next(p for p in query["parameters"] if p["name"] == name))
                ),
            )
            for name in chosen
        ]
        extra = data.draw(
            st.lists(
                st.tuples(st.sampled_from(["lang", "format", "x", "q", ""]), st.text(max_size=20)),
                max_size=2,
            )
        )
        page = data.draw(st.booleans())
        path = ("/queries/" if page else "/api/queries/") + query["name"]
        if canned_budget.spent():  # after every draw: replays must draw the same
            return

        def check() -> None:
            response = fuzzed.get(path, params=pairs + extra)
            assert response.status_code in (200, 400, 404, 406, 413, 414, 503)

        canned_budget.send(check)

    run()
    assert canned_budget.sent >= 50, "too few examples were sent"
