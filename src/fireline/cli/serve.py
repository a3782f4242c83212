"""`fireline serve`: migrate, make sure someone can log in, then run uvicorn."""

from __future__ import annotations

from pathlib import Path

import typer
import uvicorn

from fireline.bootstrap import build
from fireline.config import Settings
from fireline.services import auth
from fireline.web.app import create_app


def run(
    settings: Settings, *, host: str, port: int, tls: tuple[Path, Path] | None, worker: bool
) -> None:
    core = build(settings)
    scheme = "https" if tls else "http"
    url = f"{scheme}://{host}:{port}"
    typer.echo(f"Fireline is serving {url} on {settings.database_url}")
    typer.echo(f"  API docs: {url}/docs")
    first = auth.create_first_admin(uow=core.uow())
    if first:
        user_id, password = first
        token = auth.create_token(uow=core.uow(), user_id=user_id, name="first start")
        typer.echo(f"  First start: created admin user '{user_id}' with password {password}")
        typer.echo(f"  Its API token (shown once): {token}")
        typer.echo(f"  Try: fireline incident list --url {url} --token {token}")
    else:
        typer.echo("  Get an API token with: fireline token create --user <id>")
    app = create_app(fireline=core, worker=worker)
    certfile, keyfile = (str(tls[0]), str(tls[1])) if tls else (None, None)
    uvicorn.run(
        app, host=host, port=port, log_level="info", ssl_certfile=certfile, ssl_keyfile=keyfile
    )
