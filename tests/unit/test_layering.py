"""The domain layer imports only the standard library, pydantic, itself and fireline.errors."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import fireline.domain

DOMAIN = Path(fireline.domain.__file__).parent
MODULES = sorted(DOMAIN.glob("*.py"))


def imported(source: str) -> list[str]:
    """Every absolute module name a source file imports (relative imports stay in the package)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append("fireline.domain")
            else:
                names.append(node.module or "")
    return names


def allowed(name: str) -> bool:
    top = name.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or top == "pydantic"
        or name == "fireline.domain"
        or name.startswith("fireline.domain.")
        or name == "fireline.errors"
    )


def foreign(source: str) -> list[str]:
    return [name for name in imported(source) if not allowed(name)]


def test_every_domain_module_is_checked() -> None:
    names = {path.name for path in MODULES}
    expected = {
        "__init__.py",
        "configuration.py",
        "durations.py",
        "events.py",
        "incident.py",
        "priority.py",
        "sla.py",
        "workflow.py",
    }
    assert expected <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_imports_only_what_it_may(path: Path) -> None:
    assert foreign(path.read_text()) == []


def test_domain_modules_do_import_things() -> None:
    everything = {name for path in MODULES for name in imported(path.read_text())}
    assert {"pydantic", "fireline.errors", "datetime"} <= everything


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import sqlalchemy", ["sqlalchemy"]),
        ("from sqlalchemy.orm import Session", ["sqlalchemy.orm"]),
        ("import yaml, json", ["yaml"]),
        ("from fireline.storage import db", ["fireline.storage"]),
        ("from fireline import services", ["fireline"]),
        ("import fireline.services.incidents.commands", ["fireline.services.incidents.commands"]),
        ("from fireline.config import Settings", ["fireline.config"]),
        ("def f():\n    import httpx\n", ["httpx"]),
        ("import fastapi as api", ["fastapi"]),
    ],
)
def test_the_check_catches_foreign_imports(source: str, bad: list[str]) -> None:
    assert foreign(source) == bad


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import re, hashlib, json",
        "from zoneinfo import ZoneInfo",
        "from pydantic import BaseModel",
        "from fireline.domain.workflow import Workflow",
        "from fireline.errors import NotFound",
        "from . import events",
        "from .priority import Level",
    ],
)
def test_the_check_allows_what_the_domain_may_use(source: str) -> None:
    assert imported(source)
    assert foreign(source) == []


PACKAGE = DOMAIN.parent
OUTSIDE_STORAGE = sorted(
    p for p in PACKAGE.rglob("*.py") if "storage" not in p.relative_to(PACKAGE).parts
)


@pytest.mark.parametrize("module", OUTSIDE_STORAGE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_storage_imports_sqlalchemy(module: Path) -> None:
    names = imported(module.read_text())
    assert [n for n in names if n.split(".")[0] == "sqlalchemy"] == []


@pytest.mark.parametrize("module", sorted((PACKAGE / "domain").glob("*.py")), ids=lambda p: p.name)
def test_domain_imports_no_framework(module: Path) -> None:
    frameworks = {"fastapi", "starlette", "httpx", "sqlalchemy", "msgspec", "yaml", "typer"}
    assert {n.split(".")[0] for n in imported(module.read_text())} & frameworks == set()
