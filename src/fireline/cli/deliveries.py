"""`fireline delivery list`: the delivery log of pages and announcements."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from fireline.cli.context import Context, connected

app = typer.Typer(help="The delivery log: pages and announcements.", no_args_is_help=True)
STATUSES = (
    "queued",
    "sending",
    "sent",
    "failed",
    "throttled",
    "coalesced",
    "digested",
    "cancelled",
)


@app.command("list")
@connected
def delivery_list(
    ctx: Context,
    incident: Annotated[int | None, typer.Option(min=1, help="One incident's deliveries.")] = None,  # noqa: UP045
    status: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional here
        typer.Option(help=f"Only these statuses (repeatable): {', '.join(STATUSES)}."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many rows.")] = 50,
    before: Annotated[
        Optional[int], typer.Option(min=1, help="Only rows older than this id (paging).")  # noqa: UP045
    ] = None,
) -> None:
    """Every page and announcement, newest first: queued, sending, sent, failed (why)."""
    unknown = sorted(set(status or ()) - set(STATUSES))
    if unknown:
        raise typer.BadParameter(
            f"unknown status {', '.join(unknown)}; choose from {', '.join(STATUSES)}",
            param_hint="--status",
        )
    found = ctx.call(
        "GET", "/deliveries", incident=incident, status=status, limit=limit, before=before
    )
    ctx.emit(found, _table)


def _table(found: dict[str, Any]) -> str:
    rows = found["items"]
    if not rows:
        return "no deliveries"
    lines = []
    for r in rows:
        why = f" — {r['reason']}" if r["reason"] else ""
        lines.append(
            f"{r['id']:>6} #{r['incident_id']} {r['purpose']:<12} {r['recipient']}/{r['contact']}"
            f" ({r['channel']}) {r['status']} after {r['attempts']} attempt(s){why}"
        )
    return "\n".join(lines)
