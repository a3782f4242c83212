"""The `fireline` command: one Typer tree, and the entry point that reports failures.

The tree imports only Typer and the command modules; a command imports the application (the
web app, the database) when it runs, so `fireline --help` starts fast.
"""

from __future__ import annotations

import atexit
import gc
import sys
from typing import Annotated, NoReturn

import typer

from fireline.cli import (
    admin,
    alerts,
    contacts,
    database,
    deliveries,
    incidents,
    oncall,
    reports,
    review,
)
from fireline.cli.errors import USAGE, CliError, fail, problem
from fireline.errors import FirelineError

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(incidents.app, name="incident")
app.add_typer(alerts.alert_app, name="alert")
app.add_typer(alerts.silence_app, name="silence")
app.add_typer(alerts.integration_app, name="integration")
app.add_typer(oncall.app, name="oncall")
app.add_typer(deliveries.app, name="delivery")
app.add_typer(review.postmortem_app, name="postmortem")
app.add_typer(review.follow_up_app, name="follow-up")
app.add_typer(review.drill_app, name="drill")
app.command("report")(reports.report)
app.command()(admin.serve)
app.command()(admin.worker)
app.command()(admin.apply)
app.add_typer(database.db_app, name="db")
app.add_typer(admin.secret_app, name="secret")
app.add_typer(admin.audit_app, name="audit")
app.add_typer(contacts.contact_app, name="contact")
app.add_typer(admin.throttle_app, name="throttle")
app.add_typer(admin.token_app, name="token")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.workflow_app, name="workflow")


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("fireline")
        except PackageNotFoundError:  # run from a source tree that was never installed
            from fireline import __version__ as number
        typer.echo(f"fireline {number}")
        raise typer.Exit()


@app.callback()
def fireline(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Fireline: incident management from the first alert to the lessons learned."""


def main() -> None:
    """Entry point: run the command; a failure is `error: …` on stderr, the problem document on
    stdout as well under --json, and a non-zero exit (2 for usage errors)."""
    # The process ends with the command: freezing its objects at exit spares the interpreter
    # collecting the whole application on the way out (half a second, docs/benchmarks.md).
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    as_json = "--json" in sys.argv[1:]
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:  # the parser's, or a typer.BadParameter of a command
        _usage(error, as_json)
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        sys.exit(1)
    except CliError as error:
        fail(error.problem, as_json=as_json, note=error.note)
    except FirelineError as error:  # from a command that calls services itself
        document = problem(error.title, error.status, error.message, **error.extras())
        fail(document, as_json=as_json)
    sys.exit(code if isinstance(code, int) else 0)


def _usage(error: typer.TyperException, as_json: bool) -> NoReturn:
    """A usage block and the message (none when the help has been printed instead)."""
    message = error.format_message()
    if as_json:
        title = USAGE if error.exit_code == 2 else "Command failed"
        fail(problem(title, 400, message), as_json=True)
    show = getattr(error, "show", None)
    if message and show is not None:
        show()
    elif message:
        typer.echo(f"error: {message}", err=True)
    sys.exit(error.exit_code)
