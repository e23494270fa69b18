"""RDF uploads through /data: a hostile body is refused whole, in time, without taking
the server's memory (part of promises 2 and 5).

Bodies that do not parse, half valid ones, wrong or lying content types, a bad part
among good ones: nothing of them is stored. Bodies built to cost the parser more than
their size (deep JSON-LD, deep RDF/XML, entity expansion) are refused before parsing,
and the server's own memory hardly moves. ``tests/test_graph_store.py`` has the
protocol's refusals; these are the hostile ones.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostile import AUTH, TOKEN, Probe, small_content
from support import live_server

GRAPH = "http://example.org/adversarial/uploads"
KEPT = '<http://example.org/kept> <http://example.org/p> "kept" .\n'
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    root = small_content(tmp_path_factory.mktemp("uploads") / "content")
    with live_server(
        "--content-dir", str(root), "serve", "--update-token", TOKEN, cwd=root
    ) as running:
        yield Probe(running.url, server=running)


def rss_mb(probe: Probe) -> float:
    statm = Path(f"/proc/{probe.server.process.pid}/statm").read_text().split()
    return int(statm[1]) * 4096 / 2**20


def stored(probe: Probe, graph: str = GRAPH) -> str:
    response = probe.get(
        "/data", params={"graph": graph}, headers={"Accept": "application/n-quads"}
    )
    return response.text if response.status_code == 200 else f"({response.status_code})"


def put(probe: Probe, body: bytes, media_type: str, graph: str = GRAPH) -> int:
    return probe.put(
        "/data", params={"graph": graph}, data=body, headers={**AUTH, "Content-Type": media_type}
    ).status_code


def laughs(levels: int, where: str) -> bytes:
    entities = '<!ENTITY l0 "' + "ha" * 40 + '">\n'
    for level in range(1, levels + 1):
        entities += f'<!ENTITY l{level} "' + f"&l{level - 1};" * 10 + '">\n'
    top = f"&l{levels};"
    about = top if where == "attribute" else "http://example.org/s"
    text = top if where == "text" else "x"
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{entities}]>\n'
        f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">'
        f'<rdf:Description rdf:about="{about}"><ex:p>{text}</ex:p></rdf:Description></rdf:RDF>'
    ).encode()


def deep_xml(levels: int) -> bytes:
    return (
        f'<?xml version="1.0"?><rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/s">'
        + '<ex:p rdf:parseType="Resource">' * levels
        + "</ex:p>" * levels
        + "</rdf:Description></rdf:RDF>"
    ).encode()


def deep_jsonld(levels: int, kind: str) -> bytes:
    if kind == "objects":
        inner = '{"http://example.org/p": ' * levels + '"x"' + "}" * levels
    elif kind == "arrays":
        inner = "[" * levels + '"x"' + "]" * levels
    else:
        inner = '{"http://example.org/p": [' * levels + '"x"' + "]}" * levels
    return f'{{"@id": "http://example.org/s", "http://example.org/p": {inner}}}'.encode()


COSTLY = {
    "laughs-9-levels-in-text": (laughs(9, "text"), "application/rdf+xml"),
    "laughs-9-levels-in-attribute": (laughs(9, "attribute"), "application/rdf+xml"),
    "laughs-6-levels-in-text": (laughs(6, "text"), "application/rdf+xml"),
    "xml-100k-deep": (deep_xml(100_000), "application/rdf+xml"),
    "xml-1k-deep": (deep_xml(1_000), "application/rdf+xml"),
    "jsonld-objects-6k-deep": (deep_jsonld(6_000, "objects"), "application/ld+json"),
    "jsonld-objects-1k-deep": (deep_jsonld(1_000, "objects"), "application/ld+json"),
    "jsonld-arrays-60k-deep": (deep_jsonld(60_000, "arrays"), "application/ld+json"),
    "jsonld-mixed-3k-deep": (deep_jsonld(3_000, "mixed"), "application/ld+json"),
}


@pytest.mark.parametrize("case", COSTLY)
@pytest.mark.parametrize("way", ["put", "multipart"])
def test_bodies_that_would_cost_the_parser_are_refused(server: Probe, case: str, way: str) -> None:
    body, media_type = COSTLY[case]
    graph = f"{GRAPH}/{case}"
    before = rss_mb(server)
    started = time.monotonic()
    if way == "put":
        status = put(server, body, media_type, graph)
    else:
        extension = "rdf" if media_type.endswith("xml") else "jsonld"
        status = server.post(
            "/data",
            params={"graph": graph},
            files={"part": (f"costly.{extension}", io.BytesIO(body))},
            headers=AUTH,
        ).status_code
    assert status == 400
    assert time.monotonic() - started < 3
    assert rss_mb(server) - before < 100
    assert stored(server, graph) == "(404)"
    assert server.get("/healthz").status_code == 200


def test_moderate_nesting_and_common_entities_are_fine(server: Probe) -> None:
    assert put(server, deep_jsonld(20, "mixed"), "application/ld+json", f"{GRAPH}/ok-1") == 201
    owl = (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/">]>\n'
        f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">'
        '<rdf:Description rdf:about="&ex;s"><ex:p rdf:resource="&ex;o"/></rdf:Description>'
        "</rdf:RDF>"
    ).encode()
    assert put(server, owl, "application/rdf+xml", f"{GRAPH}/ok-2") == 201
    assert "<http://example.org/o>" in stored(server, f"{GRAPH}/ok-2")
    assert put(server, deep_xml(30), "application/rdf+xml", f"{GRAPH}/ok-3") == 201
    # entities may expand a body, up to max_body_bytes of text
    assert put(server, laughs(4, "text"), "application/rdf+xml", f"{GRAPH}/ok-4") == 201


INVALID = {
    "turtle-syntax-error": (
        KEPT + "<http://example.org/s> <http://example.org/p> .\n",
        "text/turtle",
    ),
    "turtle-unterminated": (KEPT + '<http://e/s> <http://e/p> "open', "text/turtle"),
    "ntriples-relative-iri": (KEPT + "<s> <p> <o> .\n", "application/n-triples"),
    "turtle-as-rdfxml": (KEPT, "application/rdf+xml"),
    "turtle-as-jsonld": (KEPT, "application/ld+json"),
    "jsonld-trailing-garbage": (
        '{"@id": "http://e/s", "http://e/p": "x"} }}',
        "application/ld+json",
    ),
    "jsonld-not-json": ("{'@id': 'single quotes'}", "application/ld+json"),
    "rdfxml-not-well-formed": (
        f'<rdf:RDF xmlns:rdf="{RDF}"><rdf:Description rdf:about="http://e/s">',
        "application/rdf+xml",
    ),
    "rdfxml-undefined-entity": (
        f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://e/"><rdf:Description rdf:about="http://e/s">'
        "<ex:p>&nowhere;</ex:p></rdf:Description></rdf:RDF>",
        "application/rdf+xml",
    ),
    "invalid-utf8": (KEPT.encode() + b'<http://e/s> <http://e/p> "\xff\xfe" .\n', "text/turtle"),
    "nul-in-iri": (KEPT + "<http://e/s\x00> <http://e/p> 1 .\n", "text/turtle"),
    "named-graph-in-trig": (
        KEPT + "GRAPH <http://e/g> { <http://e/s> <http://e/p> 1 }\n",
        "application/trig",
    ),
}


@pytest.mark.parametrize("case", INVALID)
def test_an_invalid_body_changes_nothing(server: Probe, case: str) -> None:
    body, media_type = INVALID[case]
    data = body if isinstance(body, bytes) else body.encode()
    assert put(server, KEPT.encode(), "text/turtle") in (201, 204)
    before = stored(server)
    for method in ("PUT", "POST"):
        response = server.request(
            method,
            "/data",
            params={"graph": GRAPH},
            data=data,
            headers={**AUTH, "Content-Type": media_type},
        )
        assert response.status_code in (400, 415), response.text
    assert stored(server) == before


@pytest.mark.parametrize(
    ("media_type", "status"),
    [
        ("text/plain", 415),
        ("application/octet-stream", 415),
        ("text/turtle; charset=latin-1", 415),
        ("application/sparql-query", 415),
        ("", 415),
    ],
)
def test_wrong_content_types_change_nothing(server: Probe, media_type: str, status: int) -> None:
    assert put(server, KEPT.encode(), "text/turtle") in (201, 204)
    before = stored(server)
    response = server.put(
        "/data",
        params={"graph": GRAPH},
        data=b"<http://e/s> <http://e/p> 2 .\n",
        headers={**AUTH, "Content-Type": media_type},
    )
    assert response.status_code in (status, 400), response.text
    assert stored(server) == before


def test_one_bad_part_spoils_the_whole_multipart(server: Probe) -> None:
    assert put(server, KEPT.encode(), "text/turtle") in (201, 204)
    before = stored(server)
    response = server.post(
        "/data",
        params={"graph": GRAPH},
        files=[
            ("a", ("good.ttl", io.BytesIO(b"<http://e/good> <http://e/p> 1 .\n"))),
            ("b", ("good.jsonld", io.BytesIO(b'{"@id": "http://e/j", "http://e/p": "x"}'))),
            ("c", ("bad.rdf", io.BytesIO(laughs(9, "text")))),
        ],
        headers=AUTH,
    )
    assert response.status_code == 400
    assert "bad.rdf" in response.text
    assert stored(server) == before
