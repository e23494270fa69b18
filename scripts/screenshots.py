"""Take the README's screenshots of the web interface (docs/screenshots/*.png).

    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000] [--out docs/screenshots]

Against a running ``orchkg serve`` (the shipped graph), with Debian's headless Chromium
(``/usr/bin/chromium``, installed by scripts/setup) driven by Playwright: the home page, the
page of kg:kubernetes, the comparison and the SPARQL editor with a result.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

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


def editor_with_result(page: Page) -> None:
    page.wait_for_function("window.orchkgEditor !== undefined")
    page.locator(".yasqe_queryButton:visible").click()
    page.locator(".yasr table tbody tr:visible").first.wait_for()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shots = [
        ("home", "/", None, 900),
        ("resource-kubernetes", "/page/kubernetes", None, 1400),
        ("compare", "/compare", None, 1400),
        ("sparql-editor", "/sparql-editor", editor_with_result, 1000),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for name, path, prepare, height in shots:
            context = browser.new_context(viewport={"width": 1280, "height": height})
            page = context.new_page()
            page.goto(args.url + path)
            page.wait_for_load_state("networkidle")
            if prepare is not None:
                prepare(page)
            page.screenshot(path=str(args.out / f"{name}.png"))
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
