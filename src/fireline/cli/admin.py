"""Running and keeping Fireline: serve, worker, apply, secret, token, user and workflow commands.

`apply`, `workflow list` and `workflow show` go through the API like every other command.
The rest have no API route, or must work before a server runs, so they call services on the
database themselves (``direct.opened``); `workflow validate` opens no database at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from fireline.cli import render
from fireline.cli.context import AsJson, Context, DatabaseUrl, connected
from fireline.cli.errors import CliError

token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
workflow_app = typer.Typer(help="Workflow definitions.", no_args_is_help=True)
secret_app = typer.Typer(help="Fireline's signing keys, one per purpose.", no_args_is_help=True)
audit_app = typer.Typer(help="Who changed what, and when.", no_args_is_help=True)
throttle_app = typer.Typer(
    help="Accounts and addresses refused after too many failed logins or tokens.",
    no_args_is_help=True,
)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="Port to listen on; 0: any free port.", min=0, max=65535)
    ] = 8080,
    database_url: DatabaseUrl = None,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Do not run the embedded job worker.")
    ] = False,
    tls_cert: Annotated[Optional[Path], typer.Option(help="PEM certificate: serve HTTPS.")] = None,  # noqa: UP045
    tls_key: Annotated[Optional[Path], typer.Option(help="PEM private key for --tls-cert.")] = None,  # noqa: UP045
) -> None:
    """Serve the API, the ingest endpoints and an embedded worker (migrating the database first)."""
    from fireline.cli.serve import run

    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("--tls-cert and --tls-key go together")
    if no_worker:
        typer.echo(
            "no embedded worker: run `fireline worker` too, or no page goes out and heartbeats are never checked",
            err=True,
        )
    run(
        database_url,
        host=host,
        port=port,
        tls=(tls_cert, tls_key) if tls_cert and tls_key else None,
        worker=not no_worker,
    )


def worker(
    database_url: DatabaseUrl = None,
    metrics_port: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            help="Serve this worker's own metrics on this port (/metrics).", min=0, max=65535
        ),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Address for --metrics-port.")] = "127.0.0.1",
) -> None:
    """Run a worker: due jobs (escalation steps, pages) and heartbeat checks; any number may run.

    SIGTERM or Ctrl-C stops it cleanly: it claims nothing more, finishes the job in hand,
    gives back the jobs it claimed but did not start, and exits 0.
    """
    import signal
    import threading

    from fireline import logs, telemetry
    from fireline.cli.direct import opened
    from fireline.worker import run

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with opened(database_url) as core:
        logs.configure(log_format=core.settings.log_format)
        typer.echo(f"worker running on {core.settings.database_url}; Ctrl-C stops it")
        if metrics_port is not None:
            server = telemetry.serve(metrics_host, metrics_port, core.settings.metrics_token)
            typer.echo(f"  Its metrics: http://{metrics_host}:{server.server_port}/metrics")
        typer.echo(
            f"  Links in pages use {core.base_url()} (FIRELINE_BASE_URL, else what "
            "`fireline serve` last listened on)"
        )
        run(core, stop)
        typer.echo("worker stopped")


@connected
def apply(
    ctx: Context,
    file: Annotated[Path, typer.Argument(help="Config file (YAML).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan (what would change); change nothing.")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Also delete integrations made through the API/CLI/UI that the file omits.",
        ),
    ] = False,
) -> None:
    """Make the database match a config file (idempotent; all or nothing).

    It changes and deletes only what config owns; objects made through the API, the CLI or
    the UI are left alone unless the file names them (then config adopts them) or --prune.
    """
    report = ctx.upload(
        "/config/apply",
        read(file),
        "application/yaml",
        source=file.name,
        dry_run=dry_run or None,
        prune=prune or None,
    )
    ctx.emit(report, render.apply_report)


@secret_app.command("list")
@connected
def secret_list(ctx: Context) -> None:
    """List the signing keys: what each is for and when it was made (never the values)."""
    ctx.emit(ctx.call("GET", "/secrets"), render.secrets)


@secret_app.command("rotate")
@connected
def secret_rotate(
    ctx: Context,
    purpose: Annotated[
        str, typer.Argument(help="ack-links, calendar-feeds, web-push or push-actions.")
    ],
) -> None:
    """Replace a signing key; every link signed with the old one stops working at once."""
    ctx.emit(ctx.call("POST", f"/secrets/{purpose}/rotate"), render.secret_rotated)


@audit_app.command("list")
@connected
def audit_list(
    ctx: Context,
    limit: Annotated[
        int, typer.Option(help="How many entries, newest first.", min=1, max=500)
    ] = 50,
    action: Annotated[
        str | None, typer.Option(help="Only this action, like token.created.")
    ] = None,
    before: Annotated[int | None, typer.Option(help="Entries older than this id.")] = None,
) -> None:
    """The audit log: config applied, tokens, passwords, keys, secrets, silences, refusals."""
    ctx.emit(ctx.call("GET", "/audit", limit=limit, action=action, before=before), render.audit_log)


@throttle_app.command("list")
@connected
def throttle_list(ctx: Context) -> None:
    """List who is refused now: kind, account or address, failures counted, until when."""
    ctx.emit(ctx.call("GET", "/throttles"), render.throttles)


@throttle_app.command("clear")
@connected
def throttle_clear(
    ctx: Context,
    kind: Annotated[str, typer.Argument(help="account, address or token-address.")],
    subject: Annotated[str, typer.Argument(help="The account (user id) or the address.")],
) -> None:
    """Lift a refusal at once (and forget the failures counted)."""
    ctx.call("DELETE", f"/throttles/{kind}/{subject}")
    typer.echo(f"{kind} {subject} may try again now")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="User id the token acts as.")],
    name: Annotated[str, typer.Option(help="A label to recognise it by.")] = "cli",
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create an API token and print it (only its hash is stored)."""
    from fireline.cli.direct import opened
    from fireline.services.admin import auth

    with opened(database_url) as core:
        token = auth.create_token(uow=core.uow(), user_id=user, name=name, actor="cli")
    typer.echo(json.dumps({"token": token, "user": user, "name": name}) if as_json else token)


@token_app.command("list")
def token_list(
    user: Annotated[str, typer.Option(help="User id.")],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """List a user's tokens (ids and names; the tokens themselves are never stored)."""
    from fireline.cli.direct import opened
    from fireline.services.admin import auth

    with opened(database_url) as core:
        tokens = [t.model_dump(mode="json") for t in auth.list_tokens(uow=core.uow(), user_id=user)]
    if as_json:
        typer.echo(json.dumps({"items": tokens, "total": len(tokens)}, indent=2))
        return
    for t in tokens:
        typer.echo(
            f"{t['id']:>4}  {t['name']:<20} created {render.stamp(t['created_at'])}"
            f"  {'REVOKED' if t['revoked_at'] else ''}"
        )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (from `token list`).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token."""
    from fireline.cli.direct import opened
    from fireline.services.admin import auth

    with opened(database_url) as core:
        operator = auth.Principal("cli", "admin")
        auth.revoke_token(uow=core.uow(), principal=operator, token_id=token_id)
    typer.echo(f"token {token_id} revoked")


@user_app.command("password")
def user_password(
    user_id: Annotated[str, typer.Argument(help="User id.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Set a user's web login password."""
    from fireline.cli.direct import opened
    from fireline.services.admin import auth

    if not password_stdin:
        raise typer.BadParameter(
            "pass the password on stdin with --password-stdin (never on the command line)"
        )
    password = sys.stdin.readline().rstrip("\r\n")
    with opened(database_url) as core:
        auth.set_password(uow=core.uow(), user_id=user_id, password=password, actor="cli")
    typer.echo(f"password set for {user_id}")


@workflow_app.command("list")
@connected
def workflow_list(ctx: Context) -> None:
    """List the workflows (newest versions)."""
    ctx.emit(
        ctx.call("GET", "/workflows"),
        lambda d: "\n".join(f"{w['id']:<12} v{w['version']:<3} {w['name']}" for w in d["items"]),
    )


@workflow_app.command("show")
@connected
def workflow_show(ctx: Context, workflow_id: Annotated[str, typer.Argument()]) -> None:
    """Show a workflow's phases, gates and checklists."""
    ctx.emit(ctx.call("GET", f"/workflows/{workflow_id}"), _render_workflow)


@workflow_app.command("validate")
def workflow_validate(file: Annotated[Path, typer.Argument()], as_json: AsJson = False) -> None:
    """Check a workflow definition file; say what is wrong, line by line."""
    from fireline.domain.workflow import Workflow
    from fireline.services.admin.yamlfile import load_model

    workflow, _ = load_model(Workflow, read(file), file.name)
    if as_json:
        typer.echo(workflow.model_dump_json(indent=2))
    else:
        typer.echo(f"{file}: workflow {workflow.id} is valid ({len(workflow.phases)} phases)")


def _render_workflow(d: dict[str, Any]) -> str:
    definition = d["definition"]
    lines = [f"{d['id']} v{d['version']}: {d['name']}"]
    for phase in definition["phases"]:
        gate = f"  requires: {', '.join(phase['requires'])}" if phase["requires"] else ""
        lines.append(f"  {phase['id']:<20} {phase['name']}{gate}")
        lines += [f"      - {_task_line(item)}" for item in phase["checklist"]]
    moves = definition["transitions"]
    lines.append(f"  moves: forward {moves['forward']}, back {moves['back']}, skip {moves['skip']}")
    return "\n".join(lines)


def _task_line(item: str | dict[str, Any]) -> str:
    """A checklist item: its title, and what ticks it or whether a gate needs it."""
    if isinstance(item, str):
        return item
    notes = [f"done when {item['done_when']}"] if item.get("done_when") else []
    notes += ["required"] if item.get("required") else []
    return f"{item['title']} ({', '.join(notes)})"


def read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {file}: {error}", title="Cannot read the file") from None
