from __future__ import annotations

from pathlib import Path

import pytest

from orchkg.errors import ConfigurationError
from orchkg.settings import DEFAULT_BASE_IRI, SETTINGS, load_settings

REPO = Path(__file__).resolve().parents[1]


def test_defaults() -> None:
    settings = load_settings(environ={})
    assert settings.base_iri == DEFAULT_BASE_IRI
    assert settings.store is None
    assert settings.union_default_graph is True
    assert (settings.content_path / "graph").is_dir()


def test_layers_win_in_order(tmp_path: Path) -> None:
    config = tmp_path / "orchkg.toml"
    config.write_text('base_iri = "http://file.example/"\nstore = "/from/file"\n')
    environ = {"ORCHKG_BASE_IRI": "http://env.example/", "ORCHKG_UNION_DEFAULT_GRAPH": "no"}
    settings = load_settings({"store": "/from/flag"}, config_file=config, environ=environ)
    assert settings.base_iri == "http://env.example/"
    assert settings.store == "/from/flag"
    assert settings.union_default_graph is False


def test_a_flag_left_unset_does_not_override() -> None:
    settings = load_settings({"base_iri": None}, environ={"ORCHKG_BASE_IRI": "http://env.example/"})
    assert settings.base_iri == "http://env.example/"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"colour": "blue"}, "unknown setting 'colour' in overrides"),
        ({"union_default_graph": "maybe"}, "expected bool, got 'maybe'"),
        ({"base_iri": "https://example.org/kg"}, "must end with '/' or '#'"),
    ],
)
def test_bad_settings_are_named(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        load_settings(overrides, environ={})


def test_bad_settings_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("base_iri = \n")
    with pytest.raises(ConfigurationError, match=r"broken\.toml"):
        load_settings(config_file=config, environ={})


def test_the_readme_settings_table_is_the_settings_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`ORCHKG_"):
            documented[cells[0].strip("`")] = (cells[1].strip("`"), cells[3])
    assert documented == {
        setting.name: (f"ORCHKG_{setting.name.upper()}", setting.help) for setting in SETTINGS
    }
