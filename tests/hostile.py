"""What the adversarial suite (``tests/adversarial/``) checks on every answer it gets.

``Probe`` is the suite's HTTP client: each response it returns has already been
checked by ``check_response``: never a 500, the security headers present, and an error
body free of tracebacks, file paths and engine internals. ``raw_exchange`` sends bytes
no HTTP library would (invalid UTF-8, bare CR/LF, truncated requests) and checks the
answer the same way. ``page_problems`` and ``svg_problems`` read HTML and SVG as a
browser would and list whatever could run script or lead off to a non-web scheme.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
TOKEN = "adversarial-test-token"  # noqa: S105 -- a throwaway credential for test servers
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = {**AUTH, "Content-Type": "application/sparql-update"}
ONTOLOGY = "<ontology#Thing> a <http://www.w3.org/2002/07/owl#Class> .\n"
LEAK_MARKERS = ("Traceback", "/work", "site-packages", '.py"', "pyoxigraph", str(REPO))
"""What no error body may hold: stack traces, file paths, the engine's name."""
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options")


class Census:
    """How many answers the suite checked, by status (for the report in docs/security.md)."""

    def __init__(self) -> None:
        self.by_status: dict[int, int] = {}

    def count(self, status: int) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1


CENSUS = Census()


def leaks(text: str) -> list[str]:
    """The markers of internals found in a body."""
    return [marker for marker in LEAK_MARKERS if marker in text]


def check_response(status: int, headers: Any, body: str, what: str) -> None:
    """The promises every answer keeps, whatever was asked."""
    CENSUS.count(status)
    assert status != 500, f"{what}: 500\n{body[:2000]}"
    for name in SECURITY_HEADERS:
        assert headers.get(name), f"{what}: no {name} header ({status})"
    assert headers.get("X-Content-Type-Options", "").lower() == "nosniff", what
    if status >= 400:
        found = leaks(body)
        assert not found, f"{what}: the {status} body shows {found}:\n{body[:2000]}"


class Probe:
    """An HTTP client for one server whose every answer is checked by ``check_response``."""

    def __init__(self, url: str, timeout: float = 30, server: Any = None) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        self.server = server  # the support.LiveServer, when there is one

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 80)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        response = self.session.request(method, self.url + path, **kwargs)
        body = "" if method == "HEAD" else response.content.decode("utf-8", "replace")
        check_response(response.status_code, response.headers, body, f"{method} {path[:200]}")
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def sparql(self, query: str, **params: Any) -> requests.Response:
        return self.get("/sparql", params={"query": query, **params})

    def count(self, query: str) -> int:
        """The single integer a ``SELECT (COUNT(...) AS ?n)`` answers."""
        response = self.sparql(query)
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    def version(self) -> str:
        """The store's version: it changes with every write."""
        found: str = self.get("/readyz").json()["version"]
        return found


@dataclasses.dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    raw_headers: bytes
    body: bytes


def raw_exchange(port: int, data: bytes, *, timeout: float = 10) -> RawAnswer:
    """Send bytes as they are, read the answer until the server closes, and check it.

    The bytes are sent from another thread while the answer is read, so an answer the
    server gives before it has read everything (a body over the limit) is not lost when
    it then resets the connection.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:

        def send() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        sender.join(timeout)
    answer = b"".join(chunks)
    assert answer, f"no answer to {data[:80]!r}"
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip()] = value.strip()
    check_response(status, headers, body.decode("utf-8", "replace"), repr(data[:80]))
    return RawAnswer(status, headers, head, body)


def small_content(root: Path, graph: str = "") -> Path:
    """A content directory with one ontology line and ``graph`` as its one graph file."""
    (root / "ontology").mkdir(parents=True)
    (root / "graph").mkdir()
    (root / "ontology" / "orchkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "graph" / "data.ttl").write_text(graph, encoding="utf-8")
    return root


# -- what a browser would do with a page -----------------------------------------------

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "data")
WEB_SCHEMES = ("http", "https", "")


def unsafe_url(value: str) -> bool:
    """Whether a link target leads anywhere but a web page (javascript:, data:, ...).

    >>> unsafe_url("/page/etcd"), unsafe_url("https://example.org/"), unsafe_url(" JavaScript:x")
    (False, False, True)
    """
    cleaned = "".join(ch for ch in value if ch > " ").lower()
    return urlsplit(cleaned).scheme not in WEB_SCHEMES


class _Page(HTMLParser):
    def __init__(self, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.problems: list[str] = []
        self.links: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler {name}={value!r}")
            if name in URL_ATTRIBUTES and value is not None:
                if unsafe_url(value):
                    self.problems.append(f"<{tag} {name}={value!r}> is not a web link")
                elif name == "href":
                    self.links.append(value)
        if tag == "script":
            self.in_script = True
            source = dict(attrs).get("src")
            if source and urlsplit(source).netloc:
                self.problems.append(f"a script from another site: {source}")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"a <{tag}> element")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and self.marker in data:
            self.problems.append(f"the marker runs as script: {data[:120]!r}")


def page_problems(html: str, marker: str) -> tuple[list[str], list[str]]:
    """(problems, same-page links) of an HTML page: event-handler attributes, non-web link
    targets, foreign scripts, embedded frames, and ``marker`` inside a script."""
    parser = _Page(marker)
    parser.feed(html)
    parser.close()
    if f"<script>{marker}" in html or "<script>alert" in html:
        parser.problems.append("a hostile <script> element is in the markup")
    return parser.problems, parser.links


def svg_problems(svg: str) -> list[str]:
    """What in an SVG document could run script or lead off the web (it must parse as XML)."""
    root = ET.fromstring(svg)  # noqa: S314 -- our own server's output, parsed to be inspected
    problems = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("script", "foreignObject", "iframe"):
            problems.append(f"a <{tag}> element")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.startswith("on"):
                problems.append(f"<{tag}> has {local}={value!r}")
            if local == "href" and unsafe_url(value):
                problems.append(f"<{tag} href={value!r}> is not a web link")
    return problems


def same_site(base: str, links: Iterable[str]) -> list[str]:
    """The links that stay on this server, as paths with their query strings."""
    found = []
    for link in links:
        absolute = urljoin(base, link)
        parts = urlsplit(absolute)
        if parts.netloc == urlsplit(base).netloc:
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found
