"""Servers for the adversarial suite: real ``orchkg serve`` processes on 127.0.0.1.

Each module is one promise (see ``docs/security.md``); every answer goes through
``hostile.Probe``, which fails the test on a 500, a missing security header or an
error body that shows internals. Tests that write use graph IRIs of their own under
``http://example.org/adversarial/``, so the shared servers stay order-independent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostile import CENSUS, REPO, TOKEN, Probe
from support import live_server


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    """The shipped content (canned queries, views, pages), in memory, writes on."""
    cwd = tmp_path_factory.mktemp("site")
    with live_server(
        "--content-dir",
        str(REPO),
        "serve",
        "--update-token",
        TOKEN,
        "--query-timeout",
        "3",
        cwd=cwd,
    ) as server:
        yield Probe(server.url, server=server)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With ORCHKG_CENSUS=<file>, write how many answers the suite checked, by status
    (``scripts/security_report.py`` reads it)."""
    target = os.environ.get("ORCHKG_CENSUS")
    if target:
        Path(target).write_text(json.dumps(CENSUS.by_status, sort_keys=True), encoding="utf-8")
