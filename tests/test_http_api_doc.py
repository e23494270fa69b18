"""docs/http-api.md lists every route of the application, with its methods."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from orchkg.app import create_app, services
from orchkg.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "http-api.md"


def documented_routes() -> dict[str, set[str]]:
    """Route -> methods, from the rows of the Routes table."""
    routes = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(/[^`]*)` \| ([A-Z, ]+) \|", line)
        if match:
            routes[match.group(1)] = {m.strip() for m in match.group(2).split(",")}
    return routes


def test_every_route_is_documented_with_its_methods(tiny_settings: Settings) -> None:
    app = create_app(dataclasses.replace(tiny_settings, query_workers=1))
    try:
        served = {
            re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule): set(rule.methods or ()) - {"OPTIONS"}
            for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
        }
    finally:
        services(app).close()
    assert documented_routes() == served
