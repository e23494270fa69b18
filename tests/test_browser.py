"""The web interface in a real browser: Debian's headless Chromium, driven by Playwright.

A person's paths through the site against a live server: home -> browse -> a resource page,
the language switch, a query run in the SPARQL editor, a view whose node leads to a
resource page, the comparison filter (with and without JavaScript); that no page asks any
other site for anything, that YASGUI runs within the Content-Security-Policy; and that
labels holding a script and an event handler run nothing.

These tests never skip: without Chromium or Playwright they fail, saying to run
scripts/setup (which installs both: Debian's chromium, and playwright's Python client;
Playwright's own browser downloads are never used).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/setup (it installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        pytest.fail("Playwright's Python client is missing: run scripts/setup")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shipped graph, served."""
    with live_server("serve", cwd=tmp_path_factory.mktemp("browser")) as running:
        yield running


class Visit:
    """A browser page that records what it requested, its dialogs and its console."""

    def __init__(self, browser: Any, server: LiveServer, *, javascript: bool = True) -> None:
        self.server = server
        self.context = browser.new_context(
            java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda message: self.console.append(message.text))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path: str) -> Any:
        response = self.page.goto(self.server.url + path)
        assert response is not None
        return response

    def outside(self) -> list[str]:
        """Requests to anywhere but this server (data: and blob: URLs stay in the page)."""
        return [
            url
            for url in self.requests
            if not url.startswith((self.server.url + "/", "data:", "blob:", "about:"))
        ]

    def csp_violations(self) -> list[str]:
        return [text for text in self.console if "Content Security Policy" in text]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, server: LiveServer) -> Iterator[Visit]:
    opened = Visit(browser, server)
    yield opened
    opened.close()


def test_home_browse_resource_and_language_switch(visit: Visit) -> None:
    page = visit.page
    visit.go("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Browse").first.click()
    page.wait_for_url(re.compile(r"/resources\?lang=en"))
    page.get_by_role("link", name="Kubernetes", exact=True).first.click()
    page.wait_for_url(re.compile(r"/page/kubernetes"))
    assert page.locator("h1").inner_text() == "Kubernetes"
    assert page.locator("svg").count() >= 1  # the neighbourhood, inline
    page.get_by_role("link", name="한국어").click()
    page.wait_for_url(re.compile(r"lang=ko"))
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("h1").inner_text() == "쿠버네티스"
    assert "Pod를 Node간에 배포하여 HA를 제공합니다." in page.locator("main").inner_text()
    # the resource's own IRI resolves to the page, by a 303
    visit.go("/resource/etcd")
    assert page.url.endswith("/page/etcd")
    assert page.locator("h1").inner_text() == "etcd"
    assert visit.outside() == []
    assert visit.dialogs == []


def test_keyboard_reaches_the_skip_link_first(visit: Visit) -> None:
    visit.go("/compare")
    visit.page.keyboard.press("Tab")
    focused = visit.page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#content"


def test_the_editor_runs_a_query_and_shows_the_table(visit: Visit) -> None:
    page = visit.page
    visit.go("/sparql-editor")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert "PREFIX okg:" in page.evaluate("window.orchkgEditor.getTab().getQuery()")
    page.locator(".yasqe_queryButton").first.click()
    table = page.locator(".yasr table tbody")
    table.locator("tr").first.wait_for()
    text = table.inner_text()
    for label in ("etcd", "kubelet"):
        assert label in text
    assert page.evaluate("String(window.orchkgEditor.getTab().getEndpoint())") == (
        visit.server.url + "/sparql"
    )
    # a canned question as an example, in a new tab
    page.select_option("#example", "shared-roles")
    page.locator("#open-example").click()
    assert "shared-roles" in page.locator(".tabsList").inner_text()
    assert visit.csp_violations() == []
    assert visit.outside() == []


def test_the_editor_ignores_an_endpoint_the_browser_saved(visit: Visit) -> None:
    """Saved settings (localStorage) naming another endpoint do not win over the page's."""
    page = visit.page
    visit.go("/sparql-editor")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.evaluate("window.orchkgEditor.getTab().setEndpoint('https://example.org/sparql') && 1")
    page.reload()
    page.wait_for_selector(".yasqe .CodeMirror")
    assert page.evaluate("String(window.orchkgEditor.getTab().getEndpoint())") == (
        visit.server.url + "/sparql"
    )
    assert visit.outside() == []


def test_a_view_node_leads_to_its_resource_page(visit: Visit) -> None:
    page = visit.page
    visit.go("/views/kubernetes")
    node = page.locator('svg a[href="/resource/etcd"]').first
    node.click()
    page.wait_for_url(re.compile(r"/page/etcd"))
    assert page.locator("h1").inner_text() == "etcd"
    assert visit.outside() == []


def test_the_comparison_filter(visit: Visit) -> None:
    page = visit.page
    visit.go("/compare")
    rows = page.locator("#compare-matrix tbody tr")
    everything = rows.count()
    assert everything >= 10
    page.get_by_label("high availability").check()
    visible = page.locator("#compare-matrix tbody tr:not([hidden])")
    assert visible.count() == 1
    assert visible.first.get_attribute("id") == "row-HighAvailability"
    assert "dimension=HighAvailability" in page.url
    page.get_by_label("storage").check()
    assert visible.count() == 2
    page.get_by_role("button", name="All").click()
    assert visible.count() == everything
    assert visit.outside() == []


def test_the_comparison_filter_without_javascript(browser: Any, server: LiveServer) -> None:
    visit = Visit(browser, server, javascript=False)
    try:
        page = visit.page
        visit.go("/compare?lang=ko")
        page.get_by_label("고가용성").check()
        page.get_by_role("button", name="보기").click()
        page.wait_for_url(re.compile(r"dimension=HighAvailability"))
        rows = page.locator("#compare-matrix tbody tr")
        assert rows.count() == 1
        assert "Pod를 Node간에 배포하여 HA를 제공합니다." in rows.first.inner_text()
    finally:
        visit.close()


@pytest.mark.parametrize("path", ["/", "/resources", "/ontology", "/compare", "/views"])
def test_no_page_asks_another_site(visit: Visit, path: str) -> None:
    visit.go(path)
    visit.page.wait_for_load_state("networkidle")
    assert visit.outside() == []
    assert visit.csp_violations() == []


# -- hostile labels ------------------------------------------------------------------------------

SCRIPT = "<script>window.pwned = 'script'; alert('script')</script>"
HANDLER = "<img src=x onerror=\"window.pwned = 'onerror'; alert('onerror')\">"
ATTRIBUTE = '" onmouseover="window.pwned=\'attribute\'" x="'
SVG = "<svg onload=\"window.pwned='svg'\"></svg>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose graph holds labels made to run scripts, wherever a label is shown."""
    root = tmp_path_factory.mktemp("hostile") / "content"
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(
        f"""@prefix okg: <ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<ontology> a owl:Ontology ; rdfs:label {json.dumps(SCRIPT)}@en .
okg:Platform a owl:Class ; rdfs:label {json.dumps(HANDLER)}@en , {json.dumps(SCRIPT)}@ko .
okg:Component a owl:Class ; rdfs:label "component"@en .
okg:partOf a owl:ObjectProperty ; rdfs:label {json.dumps(ATTRIBUTE)}@en ;
    rdfs:subPropertyOf okg:architectureRelation .
okg:architectureRelation a owl:ObjectProperty ; rdfs:label "relation"@en .
okg:Claim a owl:Class ; rdfs:label "claim"@en .
okg:Dimension a owl:Class ; rdfs:label {json.dumps(SVG)}@en .
okg:Storage a okg:Dimension ; rdfs:label {json.dumps(SCRIPT)}@en ; okg:order 1 .
""",
        encoding="utf-8",
    )
    (root / "graph" / "evil.ttl").write_text(
        f"""@prefix okg: <ontology#> .
@prefix kg: <resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
kg:evil a okg:Platform ; rdfs:label {json.dumps(SCRIPT + HANDLER)}@en , {json.dumps(SVG)}@ko ;
    skos:definition {json.dumps(ATTRIBUTE + HANDLER)}@en ;
    rdfs:seeAlso <javascript:alert('link')> .
kg:part a okg:Component ; rdfs:label {json.dumps(HANDLER)}@en ; okg:partOf kg:evil .
kg:claim-evil-storage-1 a okg:Claim ; okg:platform kg:evil ; okg:dimension okg:Storage ;
    okg:seedText {json.dumps(SCRIPT + HANDLER)}@en ; prov:wasDerivedFrom kg:evil ;
    okg:seedLine 1 .
""",
        encoding="utf-8",
    )
    with live_server("--content-dir", str(root), "serve", cwd=root.parent) as running:
        yield running


@pytest.mark.parametrize(
    "path",
    [
        "/page/evil",
        "/page/part?lang=ko",
        "/resources",
        "/ontology",
        "/compare",
        "/views/neighbourhood?resource=evil",
        "/queries",
        "/no-such-page?x=%3Cscript%3Ewindow.pwned=1%3C/script%3E",
    ],
)
def test_hostile_labels_run_nothing(browser: Any, hostile: LiveServer, path: str) -> None:
    visit = Visit(browser, hostile)
    try:
        visit.go(path)
        visit.page.wait_for_load_state("networkidle")
        for element in visit.page.locator("main a, main span, main td").all()[:40]:
            element.hover(timeout=2000, trial=False, force=True)
        assert visit.page.evaluate("typeof window.pwned") == "undefined"
        assert visit.dialogs == []
        shown = visit.page.locator("body").inner_text()
        if path.startswith("/page/evil"):
            assert "<script>window.pwned" in shown  # shown as text, not run
            assert visit.page.locator("a[href^='javascript:']").count() == 0
    finally:
        visit.close()


def test_hostile_labels_in_editor_results_run_nothing(browser: Any, hostile: LiveServer) -> None:
    visit = Visit(browser, hostile)
    try:
        page = visit.page
        visit.go(
            "/sparql-editor?query=SELECT%20%3Fs%20%3Flabel%20WHERE%20%7B%20%3Fs%20rdfs%3Alabel%20%3Flabel%20%7D"
        )
        page.wait_for_function("window.orchkgEditor !== undefined")
        page.locator(".yasqe_queryButton:visible").click()
        page.locator(".yasr table tbody tr:visible").first.wait_for()
        assert "<script>window.pwned" in page.locator(".yasr table:visible").inner_text()
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert visit.dialogs == []
    finally:
        visit.close()
