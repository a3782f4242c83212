"""`fireline serve`: check the port and files, migrate, make sure someone can log in, run uvicorn."""

from __future__ import annotations

import contextlib
import gc
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import typer
import uvicorn

from fireline import logs
from fireline.bootstrap import Fireline
from fireline.cli.direct import open_database
from fireline.cli.errors import CliError
from fireline.services.admin import auth, base_url
from fireline.web.app import create_app
from fireline.web.draining import Stopping

GRACE_SECONDS = 5  # for requests in flight at SIGTERM; then the writer drains (within STOP_SECONDS)


def run(
    database_url: str | None,
    *,
    host: str,
    port: int,
    tls: tuple[Path, Path] | None,
    worker: bool,
) -> None:
    for path in tls or ():
        if not path.is_file():
            raise CliError(f"cannot read {path}: no such file", title="Cannot read the file")
    listener = _listen(host, port)
    port = listener.getsockname()[1]  # the real one, when --port 0 asked for any free port
    core = open_database(database_url)  # migrates; a bad URL is one clear error
    url = _announce_links(core, base_url.derive(host, port, tls=tls is not None))
    if host in ("0.0.0.0", "::"):
        typer.echo(f"  Listening on every address ({host} port {port})")
    typer.echo(f"  API docs: {url}/docs")
    _explain_login(core, url)
    app = create_app(fireline=core, worker=worker)
    # The app's objects live as long as the process: a full garbage collection need not walk
    # them on every pass (measured: the board's p99 141 → 33 ms, docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    certfile, keyfile = (str(tls[0]), str(tls[1])) if tls else (None, None)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        # secrets in request paths never reach a log line; one line per request is Fireline's
        # own (with its request id), so uvicorn's access log is off
        log_config=logs.config(log_format=core.settings.log_format),
        access_log=False,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    GracefulServer(config, app.state.stopping).run(sockets=[listener])


class GracefulServer(uvicorn.Server):
    """uvicorn's server, which on SIGTERM or Ctrl-C also refuses late requests and stops the worker.

    uvicorn stops accepting and waits up to ``GRACE_SECONDS`` for the requests in flight;
    the app then drains the ingest writer and waits for the embedded worker. A clean stop
    exits 0 (uvicorn would re-raise the signal); a second Ctrl-C still forces the exit.
    """

    def __init__(self, config: uvicorn.Config, stopping: Stopping) -> None:
        super().__init__(config)
        self.stopping = stopping

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopping.begin()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def _listen(host: str, port: int) -> socket.socket:
    """Bind the port now, so the links are built on the port really held (and no one takes it)."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise CliError(
            f"cannot listen on {host}:{port}: {error.strerror}; pick another --port",
            title="Cannot listen",
            status=503,
        ) from None
    listener.set_inheritable(True)
    return listener


def _announce_links(core: Fireline, derived: str) -> str:
    """Say where the server is and which base URL links use; keep a derived one for workers."""
    typer.echo(f"Fireline is serving {derived} on {core.settings.database_url}")
    configured = core.settings.base_url.rstrip("/")
    if configured:
        typer.echo(f"  Links in pages use {configured} (FIRELINE_BASE_URL)")
        return derived
    base_url.remember(core.uow(), derived)
    typer.echo(
        f"  Links in pages use {derived}; for a name others can reach, set "
        "FIRELINE_BASE_URL=https://fireline.example.com"
    )
    return derived


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
