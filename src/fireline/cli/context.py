"""The options every data command shares (--url, --token, --database-url, --as, --json)."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar, get_type_hints

import typer

from fireline.cli.backend import Backend, HttpBackend, Json, LocalBackend
from fireline.config import Settings

F = TypeVar("F", bound=Callable[..., Any])

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="FIRELINE_URL",
        help="Talk to this Fireline server (else open the database directly).",
    ),
]
Token = Annotated[
    str | None, typer.Option("--token", envvar="FIRELINE_TOKEN", help="API token for --url.")
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="FIRELINE_DATABASE_URL",
        help="Database to open directly (default: sqlite:///fireline.db).",
    ),
]
Actor = Annotated[
    str,
    typer.Option(
        "--as",
        envvar="FIRELINE_ACTOR",
        help="Who the timeline records, when opening the database directly.",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]


@dataclass
class Context:
    url: str | None
    token: str | None
    database_url: str | None
    actor: str
    as_json: bool
    opened: list[Backend] = field(default_factory=list)

    def backend(self) -> Backend:
        """The server or database this command works on (closed when the command ends)."""
        if not self.opened:
            opened: Backend = (
                HttpBackend(self.url, self.token)
                if self.url
                else LocalBackend(settings(self.database_url), self.actor)
            )
            self.opened.append(opened)
        return self.opened[0]

    def close(self) -> None:
        for backend in self.opened:
            backend.close()

    def emit(self, data: Json, human: Callable[[Json], str]) -> None:
        """Print the data: as one JSON document with --json, else for people."""
        if self.as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            typer.echo(human(data))


def settings(database_url: str | None) -> Settings:
    return Settings(database_url=database_url) if database_url else Settings()


def connected(command: F) -> F:
    """Give a command the shared connection options; it receives a Context first."""
    signature = inspect.signature(command)
    hints = get_type_hints(command, include_extras=True)
    params = [p.replace(annotation=hints[p.name]) for p in list(signature.parameters.values())[1:]]
    extra = [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
        )
        for name, annotation, default in (
            ("url", Url, None),
            ("token", Token, None),
            ("database_url", DatabaseUrl, None),
            ("actor", Actor, "cli"),
            ("as_json", AsJson, False),
        )
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = Context(
            *(kwargs.pop(k) for k in ("url", "token", "database_url", "actor", "as_json"))
        )
        try:
            return command(ctx, *args, **kwargs)
        finally:
            ctx.close()

    wrapper.__signature__ = signature.replace(parameters=params + extra)  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
