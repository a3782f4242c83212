"""The options every API command shares (--url, --token, --database-url, --as, --json), and the
one call a command makes: method, path, body."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast, get_type_hints

import typer

from fireline.domain.due import bare_day

if TYPE_CHECKING:
    from fireline.cli.client import Api

F = TypeVar("F", bound=Callable[..., Any])
Document = dict[str, Any]  # a JSON object, as the API answers (a list comes wrapped in one)

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
    opened: list[Api] = field(default_factory=list)

    def call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, /, **query: Any
    ) -> Document:
        """One request to the API (path under /api/v1) and its answer; a bare list comes back as
        ``{"items": [...], "total": N}``. Options left out (None, empty) are not sent."""
        content = None if body is None else json.dumps(_given(body), default=_iso).encode()
        return _document(self._send(method, path, content, "application/json", query))

    def upload(self, path: str, text: str, media_type: str, **query: Any) -> Document:
        """POST a document as it is (a config file)."""
        return _document(self._send("POST", path, text.encode(), media_type, query))

    def text(self, path: str, **query: Any) -> str:
        """GET a document that is not JSON (a Markdown or HTML export)."""
        return str(self._send("GET", path, None, "application/json", query))

    def _send(
        self, method: str, path: str, content: bytes | None, media_type: str, query: dict[str, Any]
    ) -> Any:
        params = {k: _iso(v) if isinstance(v, datetime) else v for k, v in _given(query).items()}
        return self.api().request(
            method, path, content=content, media_type=media_type, params=params
        )

    def api(self) -> Api:
        """The server or the in-process application (closed when the command ends)."""
        if not self.opened:
            from fireline.cli.client import connect

            self.opened.append(
                connect(
                    url=self.url,
                    token=self.token,
                    database_url=self.database_url,
                    actor=self.actor,
                )
            )
        return self.opened[0]

    def close(self) -> None:
        for api in self.opened:
            api.close()

    def emit(self, data: Document, human: Callable[[Document], str]) -> None:
        """Print the data: as one JSON document with --json, else for people."""
        if self.as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            typer.echo(human(data))


def _document(answer: Any) -> Document:
    if answer is None:  # 204 No Content
        return {}
    if isinstance(answer, list):
        return {"items": answer, "total": len(answer)}
    return cast(Document, answer)


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != []}


def _iso(value: datetime) -> str:
    """ISO 8601; a time given without an offset is UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def due(text: str | None) -> str | None:
    """A ``--due`` value for the API: a date alone goes as it is (the API makes it the end of
    that day, UTC, as the web form does); a time without an offset is UTC."""
    if text is None or bare_day(text):
        return text.strip() if text else None
    try:
        return _iso(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r}: write a date (2026-12-15: the end of that day, UTC) or a time"
            " (2026-12-15T17:00, ISO 8601; UTC without an offset)",
            param_hint="--due",
        ) from None


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
