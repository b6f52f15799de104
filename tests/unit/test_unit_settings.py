"""The settings' one declaration (sochat.settings) against what is derived from it and documented about it: the
options of `sochat serve` and README.md's Configuration table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sochat.cli.options import settings_from_options
from sochat.cli.serve import serve
from sochat.cli.users import user_list
from sochat.settings import DeclaredSetting, Settings, declared_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _configuration_rows() -> list[tuple[str, str, str]]:
    """(option, environment variable, default) of each row of README.md's Configuration table, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `--"):
            option, variable, default = (cell.strip() for cell in line.strip("|").split("|")[:3])
            rows.append((option, variable, default))
    return rows


def _documented_default(declared: DeclaredSetting) -> str:
    """How the table writes a setting's default: off for a flag, unset for nothing, the value in code quotes."""
    if isinstance(declared.default, bool):
        return "on" if declared.default else "off"
    if declared.default in ("", None):
        return "unset"
    return f"`{declared.default}`"


def test_the_readme_lists_every_setting_with_its_variable_and_default_and_nothing_else() -> None:
    expected = [
        (f"`{d.option.flag}`", f"`{d.option.environment_variable}`", _documented_default(d))
        for d in declared_settings()
    ]
    assert _configuration_rows() == expected


def test_every_setting_has_a_sochat_variable_and_a_distinct_flag() -> None:
    settings = declared_settings()
    for declared in settings:
        assert re.fullmatch(r"SOCHAT_[A-Z_]+", declared.option.environment_variable), declared.name
        assert re.fullmatch(r"--[a-z][a-z-]+", declared.option.flag), declared.name
    assert len({d.option.flag for d in settings}) == len(settings)
    assert len({d.option.environment_variable for d in settings}) == len(settings)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("SOCHAT_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_serve_without_options_runs_on_the_declared_defaults(clean_environment: pytest.MonkeyPatch) -> None:
    context = serve.make_context("serve", [])
    assert settings_from_options(context.params) == Settings()


def test_serve_reads_each_variable_and_the_command_line_wins(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("SOCHAT_PORT", "8123")
    clean_environment.setenv("SOCHAT_STRICT", "yes")
    clean_environment.setenv("SOCHAT_TIMEZONE", "NO")
    clean_environment.setenv("SOCHAT_TICKET_IDLE_MINUTES", "30")
    settings = settings_from_options(serve.make_context("serve", ["--timezone", "Europe/Oslo"]).params)
    assert (settings.port, settings.strict, settings.base_timezone) == (8123, True, "Europe/Oslo")
    assert (settings.ticket_idle_minutes, settings.session_idle_minutes) == (30, 30)


def test_database_commands_take_only_the_database_setting(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("SOCHAT_DATABASE_URL", "sqlite:///elsewhere.db")
    clean_environment.setenv("SOCHAT_PORT", "not a port: user list has no --port")
    assert user_list.make_context("list", []).params == {"database_url": "sqlite:///elsewhere.db"}
