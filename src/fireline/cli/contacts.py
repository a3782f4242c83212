"""Contact methods: test pages, signing secrets."""

from __future__ import annotations

from typing import Annotated

import typer

from fireline.cli import render
from fireline.cli.context import Context, connected

contact_app = typer.Typer(help="People's contact methods.", no_args_is_help=True)
Owner = Annotated[str, typer.Argument(help="User id (or team:ID, service:ID for a channel).")]


@contact_app.command("test")
@connected
def contact_test(
    ctx: Context,
    owner: Owner,
    contact: Annotated[str, typer.Argument(help="The contact method's id.")],
) -> None:
    """Send a test page to a contact method now; exit 1 if it was not delivered."""
    tested = ctx.call("POST", f"/contacts/{owner}/{contact}/test")
    ctx.emit(tested, render.contact_tested)
    if tested["result"] != "delivered":
        raise typer.Exit(1)


@contact_app.command("verify")
@connected
def contact_verify(
    ctx: Context,
    owner: Owner,
    contact: Annotated[str, typer.Argument(help="The sms or voice contact method's id.")],
    code: Annotated[
        str | None, typer.Option(help="The code the number received; without it, send one.")
    ] = None,
) -> None:
    """Verify a phone number: send it a code, then confirm the code with --code."""
    body = {"code": code} if code is not None else {}
    ctx.emit(ctx.call("POST", f"/contacts/{owner}/{contact}/verify", body), render.verification)


@contact_app.command("secret")
@connected
def contact_secret(
    ctx: Context,
    owner: Owner,
    contact: Annotated[str, typer.Argument(help="The webhook contact method's id.")],
) -> None:
    """Make a new signing secret for a webhook contact and show it once (the old one stops)."""
    ctx.emit(ctx.call("POST", f"/contacts/{owner}/{contact}/secret"), render.webhook_secret)
