"""docs/client.md's examples, run as doctests against a real server with the shipped graph."""

from __future__ import annotations

import doctest
from pathlib import Path

from support import live_server

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "client.md"
DOC_URL = "http://127.0.0.1:8000"
DOC_TOKEN = "docs-example-token"  # noqa: S105 -- the token the page's update example shows


def examples() -> str:
    """The page with everything but its ``pycon`` blocks blanked out: a doctest text whose
    line numbers are the page's."""
    kept: list[str] = []
    inside = False
    blocks = 0
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line == "```pycon":
            inside, blocks = True, blocks + 1
            kept.append("")
        elif line == "```" and inside:
            inside = False
            kept.append("")
        else:
            kept.append(line if inside else "")
    assert blocks >= 6, "docs/client.md lost its examples"
    return "\n".join(kept) + "\n"


def test_every_example_of_the_client_page_runs(tmp_path: Path) -> None:
    text = examples()
    assert DOC_URL in text
    env = {"ORCHKG_UPDATE_TOKEN": DOC_TOKEN}
    with live_server("--content-dir", str(REPO), "serve", env=env, cwd=tmp_path) as server:
        parser = doctest.DocTestParser()
        test = parser.get_doctest(
            text.replace(DOC_URL, server.url), {}, "docs/client.md", str(DOC), 0
        )
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        report: list[str] = []
        runner.run(test, out=report.append)
        results = runner.summarize(verbose=False)
    assert results.attempted > 20
    assert results.failed == 0, "".join(report)
