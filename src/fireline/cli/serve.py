"""`fireline serve`: check the port and files, migrate, make sure someone can log in, run uvicorn."""

from __future__ import annotations

import gc
import socket
from pathlib import Path

import typer
import uvicorn

from fireline import logs
from fireline.bootstrap import Fireline
from fireline.cli.direct import open_database
from fireline.cli.errors import CliError
from fireline.services.admin import auth
from fireline.web.app import create_app


def run(
    database_url: str | None,
    *,
    host: str,
    port: int,
    tls: tuple[Path, Path] | None,
    worker: bool,
) -> None:
    _check_port(host, port)
    for path in tls or ():
        if not path.is_file():
            raise CliError(f"cannot read {path}: no such file", title="Cannot read the file")
    core = open_database(database_url)  # migrates; a bad URL is one clear error
    scheme = "https" if tls else "http"
    url = f"{scheme}://{host}:{port}"
    typer.echo(f"Fireline is serving {url} on {core.settings.database_url}")
    typer.echo(f"  API docs: {url}/docs")
    _explain_login(core, url)
    app = create_app(fireline=core, worker=worker)
    # The app's objects live as long as the process: a full garbage collection need not walk
    # them on every pass (measured: the board's p99 141 → 33 ms, docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    certfile, keyfile = (str(tls[0]), str(tls[1])) if tls else (None, None)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=logs.config(),  # secrets in request paths never reach a log line
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CliError(
                f"cannot listen on {host}:{port}: {error.strerror}; pick another --port",
                title="Cannot listen",
                status=503,
            ) from None


def _explain_login(core: Fireline, url: str) -> None:
    first = auth.create_first_admin(uow=core.uow())
    if first is None:
        admins = auth.admin_ids(uow=core.uow())
        who = admins[0] if admins else "<id>"
        typer.echo(f"  Get an API token with: fireline token create --user {who}")
        return
    user_id, password = first
    token = auth.create_token(uow=core.uow(), user_id=user_id, name="first start")
    typer.echo(f"  First start: created admin user '{user_id}' with password {password}")
    typer.echo(f"  Its API token (shown once): {token}")
    typer.echo(f"  Try: fireline incident list --url {url} --token {token}")
