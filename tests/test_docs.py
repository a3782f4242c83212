"""The docs keep up with the code: every command, option and setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from fireline.cli import app
from fireline.config import Settings
from fireline.domain.configuration import ConfigDocument

DOCS = Path(__file__).parent.parent / "docs"


def _commands() -> list[tuple[str, list[str]]]:
    found = []

    def walk(command: typer.core.TyperGroup | typer.core.TyperCommand, path: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            options = [
                o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"
            ]
            found.append((path, options))

    walk(typer.main.get_command(app), "")  # type: ignore[arg-type]
    return found


@pytest.mark.parametrize(
    ("command", "options"), _commands(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_and_option_is_in_the_cli_docs(command: str, options: list[str]) -> None:
    text = (DOCS / "cli.md").read_text()
    assert f"fireline {command}" in text
    missing = [o for o in options if o not in text]
    assert missing == []


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    text = (DOCS / "configuration.md").read_text()
    assert f"FIRELINE_{name.upper()}" in text


@pytest.mark.parametrize("section", sorted(ConfigDocument.model_fields))
def test_every_config_section_is_documented(section: str) -> None:
    assert f"`{section}`" in (DOCS / "configuration.md").read_text()


def test_the_docs_promise_nothing_that_already_shipped() -> None:
    stale = [p.name for p in DOCS.glob("*.md") if "arrives later" in p.read_text()]
    assert stale == []


def test_make_run_takes_a_port_and_the_readme_says_so() -> None:
    root = DOCS.parent
    makefile, readme = (root / "Makefile").read_text(), (root / "README.md").read_text()
    assert "PORT ?= 8080" in makefile and "serve --port $(PORT)" in makefile
    assert readme.startswith("# Fireline\n\n```sh\nmake run")
    assert "make run PORT=9000" in readme
