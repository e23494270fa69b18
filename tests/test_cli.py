"""The orchkg command line, run as a user runs it: a subprocess with arguments and stdin."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree  # our own output, not untrusted input

import pyoxigraph as ox
import pytest
import rdflib

from support import CliRunner

Q = "SELECT ?label WHERE { ?p a okg:Platform ; rdfs:label ?label FILTER(lang(?label) = 'en') }"
PREFIXES = (
    "PREFIX okg: <https://w3id.org/orchkg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)


@pytest.mark.parametrize("command", ["", "load", "query", "export", "validate", "stats", "reload"])
def test_every_command_has_help(run_cli: CliRunner, command: str) -> None:
    completed = run_cli(*([command] if command else []), "--help", check=True)
    assert "Usage: orchkg" in completed.stdout


def test_query_table(run_cli: CliRunner, tiny_content: Path) -> None:
    out = run_cli("--content-dir", str(tiny_content), "query", PREFIXES + Q, check=True).stdout
    lines = out.splitlines()
    assert lines[0].strip() == "label"
    assert sorted(line.strip() for line in lines[2:4]) == ['"Apache Mesos"@en', '"Marathon"@en']
    assert lines[-1] == "(2 rows)"


def test_query_table_compacts_iris(run_cli: CliRunner, tiny_content: Path) -> None:
    out = run_cli(
        "--content-dir",
        str(tiny_content),
        "query",
        "SELECT ?s WHERE { ?s <https://w3id.org/orchkg/ontology#runsOn> ?o }",
        check=True,
    ).stdout
    assert "kg:marathon" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_query_results_formats(run_cli: CliRunner, tiny_content: Path, fmt: str) -> None:
    out = run_cli(
        "--content-dir", str(tiny_content), "query", PREFIXES + Q, "--format", fmt, check=True
    ).stdout
    if fmt == "json":
        values = sorted(b["label"]["value"] for b in json.loads(out)["results"]["bindings"])
    elif fmt == "csv":
        values = sorted(row["label"] for row in csv.DictReader(io.StringIO(out)))
    elif fmt == "tsv":
        values = sorted(line for line in out.splitlines()[1:])
        assert out.splitlines()[0] == "?label"
        values = sorted(v.split("@")[0].strip('"') for v in values)
    else:
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        document = ElementTree.fromstring(out)  # noqa: S314
        values = sorted(e.text or "" for e in document.findall(".//r:literal", ns))
    assert values == ["Apache Mesos", "Marathon"]


def test_query_from_stdin_and_file(run_cli: CliRunner, tiny_content: Path, tmp_path: Path) -> None:
    ask = (
        "ASK { <https://w3id.org/orchkg/resource/marathon> "
        "<https://w3id.org/orchkg/ontology#runsOn> <https://w3id.org/orchkg/resource/mesos> }"
    )
    assert (
        run_cli("--content-dir", str(tiny_content), "query", stdin=ask, check=True).stdout
        == "true\n"
    )
    file = tmp_path / "q.rq"
    file.write_text(ask.replace("ASK {", "ASK { FILTER(false) "), encoding="utf-8")
    assert (
        run_cli("--content-dir", str(tiny_content), "query", "--file", str(file), check=True).stdout
        == "false\n"
    )


def test_construct_is_turtle(run_cli: CliRunner, tiny_content: Path) -> None:
    out = run_cli(
        "--content-dir",
        str(tiny_content),
        "query",
        "CONSTRUCT WHERE { ?s <https://w3id.org/orchkg/ontology#runsOn> ?o }",
        check=True,
    ).stdout
    graph = rdflib.Graph().parse(data=out, format="turtle")
    assert len(graph) == 1
    assert "kg:marathon" in out


def test_bad_query_is_one_line_with_position(run_cli: CliRunner, tiny_content: Path) -> None:
    completed = run_cli("--content-dir", str(tiny_content), "query", "SELECT * WHERE { ?s ?p }")
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1
    assert completed.stderr.startswith("orchkg: error: SPARQL syntax error")
    assert "1:25" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_wrong_output_format_for_a_graph(run_cli: CliRunner, tiny_content: Path) -> None:
    completed = run_cli(
        "--content-dir",
        str(tiny_content),
        "query",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "--format",
        "csv",
    )
    assert completed.returncode == 1
    assert "a graph result is written as RDF" in completed.stderr


def test_load_bad_file_names_file_line_and_column(
    run_cli: CliRunner, tmp_path: Path, tiny_content: Path
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://e/a> <http://e/p> 1 .\n<http://e/a> <http://e/p> .\n", encoding="utf-8")
    completed = run_cli("--content-dir", str(tiny_content), "load", str(bad))
    assert completed.returncode == 1
    assert completed.stderr.startswith(f"orchkg: error: {bad}:2:")
    assert completed.stderr.count("\n") == 1


def test_load_unknown_extension_and_missing_file(
    run_cli: CliRunner, tmp_path: Path, tiny_content: Path
) -> None:
    odd = tmp_path / "data.xyz"
    odd.write_text("", encoding="utf-8")
    completed = run_cli("--content-dir", str(tiny_content), "load", str(odd))
    assert completed.returncode == 1
    assert "cannot tell the RDF format from the extension '.xyz'" in completed.stderr
    completed = run_cli("--content-dir", str(tiny_content), "load", str(tmp_path / "missing.ttl"))
    assert completed.returncode == 1
    assert "missing.ttl: cannot read" in completed.stderr


def test_load_persists_reports_rate_and_is_idempotent(
    run_cli: CliRunner, tmp_path: Path, tiny_content: Path
) -> None:
    data = tmp_path / "extra.nt"
    data.write_text(
        "".join(f'<http://e/s{i}> <http://e/p> "{i}" .\n' for i in range(120_000)), encoding="utf-8"
    )
    store = tmp_path / "store"
    common = ("--content-dir", str(tiny_content), "--store", str(store))
    first = run_cli(*common, "load", str(data), check=True)
    assert "extra.nt:" in first.stderr  # progress lines during the load
    assert "quads/s" in first.stderr
    assert "loaded 120,000 quads from" in first.stderr
    run_cli(*common, "load", str(data), check=True)
    stats = json.loads(run_cli(*common, "stats", "--format", "json", check=True).stdout)
    assert stats["graphs"]["https://w3id.org/orchkg/graph/extra"] == 120_000
    assert stats["graphs"]["https://w3id.org/orchkg/graph/mesos"] == 9


def test_export_trig_holds_every_graph(
    run_cli: CliRunner, tiny_content: Path, tmp_path: Path
) -> None:
    target = tmp_path / "dump.trig"
    run_cli("--content-dir", str(tiny_content), "export", "-o", str(target), check=True)
    names = {quad.graph_name.value for quad in ox.parse(path=target)}  # type: ignore[union-attr]
    assert names == {"https://w3id.org/orchkg/graph/orchkg", "https://w3id.org/orchkg/graph/mesos"}


def test_export_one_graph_as_ntriples(run_cli: CliRunner, tiny_content: Path) -> None:
    out = run_cli(
        "--content-dir",
        str(tiny_content),
        "export",
        "--graph",
        "https://w3id.org/orchkg/graph/mesos",
        "--format",
        "ntriples",
        check=True,
    ).stdout
    assert len(out.splitlines()) == 9


def test_base_iri_setting_moves_every_iri(run_cli: CliRunner, tiny_content: Path) -> None:
    out = run_cli(
        "--content-dir",
        str(tiny_content),
        "--base-iri",
        "http://localhost:8000/",
        "query",
        "SELECT ?s WHERE { ?s <http://localhost:8000/ontology#runsOn> "
        "<http://localhost:8000/resource/mesos> }",
        "--format",
        "csv",
        check=True,
    ).stdout
    assert out.splitlines() == ["s", "http://localhost:8000/resource/marathon"]
