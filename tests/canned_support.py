"""A small content directory with canned queries of its own (importable as ``canned_support``).

Four platforms (one a subclass instance, one with a label that is a script, and components
whose labels a spreadsheet would run as formulas) and one query of each form: SELECT with
a class parameter and a language, SELECT with a string, ASK, CONSTRUCT with a list, and a
grouped SELECT with an integer.
"""

from __future__ import annotations

from pathlib import Path

BASE = "https://w3id.org/orchkg/"
SCRIPT = "<script>alert(1)</script>"
FORMULAS = ('=HYPERLINK("http://evil.example/")', "+1+1", "-2+3", "@SUM(1)")

ONTOLOGY = """\
@prefix okg: <ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
okg:Platform a owl:Class ; rdfs:label "platform"@en, "플랫폼"@ko .
okg:Framework a owl:Class ; rdfs:subClassOf okg:Platform ; rdfs:label "framework"@en .
"""

GRAPH = """\
@prefix okg: <ontology#> .
@prefix kg: <resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kg:kubernetes a okg:Platform ; rdfs:label "Kubernetes"@en, "쿠버네티스"@ko .
kg:mesos a okg:Platform ; rdfs:label "Apache Mesos"@en, "메소스"@ko .
kg:marathon a okg:Framework ; rdfs:label "Marathon"@en, "마라톤"@ko ; okg:runsOn kg:mesos .
kg:evil a okg:Platform ; rdfs:label "<script>alert(1)</script>"@en .
kg:etcd okg:partOf kg:kubernetes ; rdfs:label "etcd"@en, "엣시디"@ko ; okg:port 2379 .
kg:kubelet okg:partOf kg:kubernetes ; rdfs:label "kubelet"@en, "큐블릿"@ko ; okg:port 10250 .
kg:zookeeper okg:partOf kg:mesos ; rdfs:label "ZooKeeper"@en, "주키퍼"@ko ; okg:port 2181 .
kg:quoted okg:partOf kg:mesos ; rdfs:label "He said \\"hi\\" } { ?s"@en .
kg:formula-1 okg:partOf kg:evil ; rdfs:label "=HYPERLINK(\\"http://evil.example/\\")"@en .
kg:formula-2 okg:partOf kg:evil ; rdfs:label "+1+1"@en .
kg:formula-3 okg:partOf kg:evil ; rdfs:label "-2+3"@en .
kg:formula-4 okg:partOf kg:evil ; rdfs:label "@SUM(1)"@en .
"""

QUERIES = {
    "components": """\
#+ title: Components of a platform
#+ description: The components of one platform, with their labels in the language
#+   asked for.
#+ tags: components, platforms
#+ param: platform
#+   type: iri
#+   class: okg:Platform
#+   default: kg:kubernetes
#+   description: The platform whose components are listed.
#+ param: lang
#+   type: lang
#+ example: platform=kg:kubernetes&lang=en
SELECT ?component ?label WHERE {
  ?component okg:partOf ?platform ; rdfs:label ?label
  FILTER(lang(?label) = ?lang)
}
ORDER BY ?label
""",
    "search": """\
#+ title: Search labels
#+ description: Everything whose English label contains a text.
#+ tags: search
#+ param: text
#+   type: string
#+   max_length: 50
#+   description: The text to look for (case does not matter).
#+ example: text=kube
SELECT ?thing ?label WHERE {
  ?thing rdfs:label ?label
  FILTER(lang(?label) = "en" && CONTAINS(LCASE(STR(?label)), LCASE(?text)))
}
ORDER BY ?thing
""",
    "runs-on": """\
#+ title: Does one platform run on another?
#+ description: Whether the graph says the first platform runs on the second.
#+ param: platform
#+   type: iri
#+   class: okg:Platform
#+ param: base
#+   type: iri
#+   class: okg:Platform
#+ example: platform=kg:marathon&base=kg:mesos
ASK { ?platform okg:runsOn ?base }
""",
    "platform-labels": """\
#+ title: Labels of platforms
#+ description: The labels of the platforms chosen, as RDF.
#+ tags: platforms, rdf
#+ param: platforms
#+   type: iri
#+   class: okg:Platform
#+   list: true
#+   default: kg:kubernetes, kg:mesos
#+ example: platforms=kg:kubernetes&platforms=kg:marathon
CONSTRUCT { ?platforms rdfs:label ?label } WHERE { ?platforms rdfs:label ?label }
""",
    "port-count": """\
#+ title: Components listening above a port
#+ description: How many components of a platform listen on a port above a number.
#+ param: platform
#+   type: iri
#+   class: okg:Platform
#+   default: kg:kubernetes
#+ param: min
#+   type: integer
#+   default: 0
#+ example: platform=kg:kubernetes&min=1000
SELECT (COUNT(?c) AS ?n) WHERE { ?c okg:partOf ?platform ; okg:port ?port FILTER(?port > ?min) }
""",
}


def make_canned_content(root: Path, queries: dict[str, str] | None = None) -> Path:
    """Write the content directory under ``root``: ontology, graph and query files."""
    for folder in ("ontology", "graph", "queries"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "graph" / "platforms.ttl").write_text(GRAPH, encoding="utf-8")
    for name, text in (QUERIES if queries is None else queries).items():
        (root / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    return root
