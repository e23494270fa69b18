"""SHACL validation: the shipped graph conforms; broken graphs fail, naming node and problem."""

from __future__ import annotations

import shutil
from pathlib import Path

from orchkg.settings import Settings
from orchkg.store import OxigraphStore
from orchkg.validation import validate_store
from support import CliRunner

REPO = Path(__file__).resolve().parents[1]

BROKEN = """\
@prefix okg: <ontology#> .
@prefix kg: <resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

# 1. a component with no Korean label
kg:broken-agent a okg:Component ;
    rdfs:label "Broken agent"@en ;
    skos:definition "An agent made for a test."@en ;
    prov:wasDerivedFrom kg:seed-sec-kubernetes ; okg:seedLine 20 ;
    okg:partOf kg:kubernetes ; okg:hasRole okg:NodeAgentRole .

# 2. a relation with no rdf:Statement recording where it came from
kg:kubelet okg:storesStateIn kg:zookeeper .

# 3. a claim without a dimension
kg:claim-broken a okg:Claim ;
    rdfs:label "A broken claim"@en , "깨진 주장"@ko ;
    okg:platform kg:kubernetes ;
    okg:seedText "테스트"@ko , "test"@en ;
    prov:wasDerivedFrom kg:seed-sec-storage ; okg:seedLine 94 .
"""


def test_the_shipped_graph_conforms(
    shipped_store: OxigraphStore, shipped_settings: Settings
) -> None:
    report = validate_store(shipped_store, shipped_settings)
    assert report.conforms, "\n".join(str(v) for v in report.violations)
    assert report.data_triples > 4000
    assert all(v.severity in ("Warning", "Info") for v in report.violations)


def test_broken_graph_fails_naming_node_and_problem(run_cli: CliRunner, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO / "ontology", content / "ontology")
    shutil.copytree(REPO / "graph", content / "graph")
    (content / "graph" / "broken.ttl").write_text(BROKEN, encoding="utf-8")
    completed = run_cli("--content-dir", str(content), "validate")
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert "5 violation(s)" in lines[-1]

    def reported(focus: str, message: str) -> bool:
        return any(focus in line and message in line and "Violation" in line for line in lines)

    assert reported("kg:broken-agent", "needs exactly one rdfs:label in Korean (@ko)")
    assert reported("kg:kubelet", "rdf:Statement")
    assert reported("kg:claim-broken", "needs exactly one okg:dimension")
    violations = [line for line in lines if line.startswith("Violation")]
    assert all(
        any(node in line for node in ("kg:broken-agent", "kg:kubelet", "kg:claim-broken"))
        for line in violations
    ), violations


def test_checking_a_file_before_loading_it(run_cli: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text(
        "@prefix okg: <ontology#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<resource/x> rdfs:label "x"@en .\n',
        encoding="utf-8",
    )
    completed = run_cli("--content-dir", str(REPO), "validate", str(good), "--format", "json")
    assert completed.returncode == 0, completed.stdout
    assert '"conforms": true' in completed.stdout
