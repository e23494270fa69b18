"""``orchkg queries list | run`` and a server that will not start on a broken query file,
run as a user runs them: subprocesses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from canned_support import QUERIES, make_canned_content
from support import CliRunner, free_port


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return make_canned_content(tmp_path / "content")


@pytest.mark.parametrize("command", [["queries"], ["queries", "list"], ["queries", "run"]])
def test_help(run_cli: CliRunner, command: list[str]) -> None:
    assert "Usage: orchkg" in run_cli(*command, "--help", check=True).stdout


def test_list(run_cli: CliRunner, content: Path) -> None:
    out = run_cli("--content-dir", str(content), "queries", "list", check=True).stdout
    lines = out.splitlines()
    assert lines[0] == "components  Components of a platform"
    assert lines[1] == "    platform (iri, default kg:kubernetes), lang (lang)"
    assert "    platforms (iri list, default kg:kubernetes, kg:mesos)" in lines
    assert "    text (string, required)" in lines
    assert lines[-1] == f"({len(QUERIES)} queries)"
    listed = json.loads(
        run_cli(
            "--content-dir", str(content), "queries", "list", "--format", "json", check=True
        ).stdout
    )
    assert [query["name"] for query in listed] == sorted(QUERIES)


def test_run_as_a_table(run_cli: CliRunner, content: Path) -> None:
    out = run_cli(
        "--content-dir",
        str(content),
        "queries",
        "run",
        "components",
        "--param",
        "platform=kg:mesos",
        "--lang",
        "ko",
        check=True,
    ).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["component", "|", "label"]
    assert "kg:zookeeper" in out
    assert '"주키퍼"@ko' in out
    assert lines[-1] == "(1 row)"


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_run_in_results_formats(run_cli: CliRunner, content: Path, fmt: str) -> None:
    out = run_cli(
        "--content-dir",
        str(content),
        "queries",
        "run",
        "search",
        "-p",
        "text=kube",
        "--format",
        fmt,
        check=True,
    ).stdout
    assert "kubelet" in out
    assert "Kubernetes" in out
    if fmt == "json":
        assert json.loads(out)["head"]["vars"] == ["thing", "label"]
    if fmt == "csv":
        assert next(csv.reader(io.StringIO(out))) == ["thing", "label"]


def test_run_lists_ask_and_construct(run_cli: CliRunner, content: Path) -> None:
    base = ("--content-dir", str(content), "queries", "run")
    ask = run_cli(*base, "runs-on", "-p", "platform=kg:marathon", "-p", "base=kg:mesos").stdout
    assert ask == "true\n"
    turtle = run_cli(
        *base, "platform-labels", "-p", "platforms=kg:mesos", "-p", "platforms=kg:marathon"
    ).stdout
    assert 'kg:mesos rdfs:label "메소스"@ko , "Apache Mesos"@en .' in turtle
    assert "kg:marathon" in turtle


def test_run_binds_values_harmlessly(run_cli: CliRunner, content: Path) -> None:
    out = run_cli(
        "--content-dir",
        str(content),
        "queries",
        "run",
        "search",
        "-p",
        "text=} ; ?s ?p ?o {",
        check=True,
    ).stdout
    assert out.splitlines()[-1] == "(0 rows)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["components", "-p", "platform=kg:etcd"], "parameter 'platform': 'kg:etcd' is not an"),
        (["components", "-p", "colour=blue"], "unknown parameter 'colour'"),
        (["components", "-p", "nonsense"], "--param 'nonsense': write it as key=value"),
        (["search"], "parameter 'text' is required"),
        (["nope"], "there is no canned query called 'nope'"),
    ],
)
def test_run_refusals(run_cli: CliRunner, content: Path, args: list[str], message: str) -> None:
    completed = run_cli("--content-dir", str(content), "queries", "run", *args)
    assert completed.returncode == 1
    assert completed.stderr.startswith("orchkg: error: ")
    assert message in completed.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "#+ title: T\n#+ description: D.\nSELECT ?x WHERE {\n ?x ?p ?o\n}\nLIMIT x\n",
            "orchkg: error: queries/broken.rq:6: SPARQL syntax error: expected ",
        ),
        (
            "#+ title: T\n#+ description: D.\nSELECT ?x WHERE { ?x ?p ?o FILTER(?o = ?v) }\n",
            "orchkg: error: queries/broken.rq:3: ?v is used but never bound by the query",
        ),
        (
            "#+ title: T\n#+ description: D.\n#+ param: v\n#+   type: string\n#+   default: a\n"
            "SELECT ?x WHERE { ?x ?p ?o }\n",
            "orchkg: error: queries/broken.rq:3: parameter 'v' is declared but the query has no ?v",
        ),
        (
            "#+ title: T\n#+ description: D.\n#+ param: v\n#+   type: text\n"
            "SELECT ?x WHERE { ?x ?p ?v }\n",
            "orchkg: error: queries/broken.rq:4: parameter 'v': unknown type 'text'",
        ),
        (
            "#+ description: D.\nSELECT ?x WHERE { ?x ?p ?o }\n",
            "orchkg: error: queries/broken.rq:1: the header has no 'title'",
        ),
    ],
    ids=["unparsable", "undeclared", "unused", "unknown-type", "no-title"],
)
def test_serve_refuses_a_broken_query_file(
    run_cli: CliRunner, content: Path, text: str, message: str
) -> None:
    (content / "queries" / "broken.rq").write_text(text, encoding="utf-8")
    completed = run_cli("--content-dir", str(content), "serve", "--port", str(free_port()))
    assert completed.returncode == 1
    assert completed.stderr.startswith(message), completed.stderr
    assert completed.stderr.count("\n") == 1
    assert "Traceback" not in completed.stderr
