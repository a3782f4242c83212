"""`fireline incident …`: declare and work incidents from a terminal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Optional

import typer

from fireline.cli import context, render
from fireline.cli.context import Context, connected

app = typer.Typer(help="Declare, list, show and work incidents.", no_args_is_help=True)
Id = Annotated[int, typer.Argument(help="Incident number.", min=1)]
Opt = Optional[str]  # noqa: UP045 - typer needs Optional here


def _change(ctx: Context, method: str, path: str, body: dict[str, Any] | None = None) -> None:
    """Change an incident through the API and print it as it is now."""
    ctx.emit(ctx.call(method, path, body), render.incident)


@app.command()
@connected
def declare(
    ctx: Context,
    title: Annotated[str, typer.Option(help="What is wrong, in a few words.")],
    service: Annotated[
        list[str] | None, typer.Option(help="Affected service id (repeatable).")
    ] = None,  # noqa: UP045
    impact: Annotated[Opt, typer.Option(help="high | medium | low")] = None,
    urgency: Annotated[Opt, typer.Option(help="high | medium | low")] = None,
    severity: Annotated[Opt, typer.Option(help="One of the configured severities.")] = None,
    summary: Annotated[str, typer.Option(help="What you see.")] = "",
    impact_started_at: Annotated[
        datetime | None, typer.Option(help="When the impact began (ISO 8601, UTC if no offset).")
    ] = None,  # noqa: UP045
    workflow: Annotated[
        Opt, typer.Option(help="Workflow id (default: the team's or the organisation's).")
    ] = None,
    drill: Annotated[
        bool, typer.Option("--drill", help="A practice incident, kept out of metrics.")
    ] = False,
    page: Annotated[
        bool | None,
        typer.Option(
            "--page/--no-page",
            help="Page the services' on-call (default: as the workflow says). "
            "You are never paged for your own incident.",
        ),
    ] = None,  # noqa: UP045
) -> None:
    """Declare an incident."""
    body = {
        "title": title,
        "services": service,
        "impact": impact,
        "urgency": urgency,
        "severity": severity,
        "summary": summary,
        "impact_started_at": impact_started_at,
        "workflow": workflow,
        "drill": drill,
        "page": page,
    }
    _change(ctx, "POST", "/incidents", body)


@app.command("list")
@connected
def list_(
    ctx: Context,
    phase: Annotated[
        list[str] | None, typer.Option(help="Only incidents in this phase (repeatable).")
    ] = None,  # noqa: UP045
    service: Annotated[Opt, typer.Option(help="Only incidents affecting this service.")] = None,
    priority: Annotated[Opt, typer.Option(help="Only incidents of this priority (P1…).")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only unresolved incidents.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List incidents, newest first."""
    page = ctx.call(
        "GET",
        "/incidents",
        phase=phase,
        service=service,
        priority=priority,
        open=open_only,
        limit=limit,
        offset=offset,
    )
    ctx.emit(page, render.incident_table)


@app.command()
@connected
def show(ctx: Context, incident_id: Id) -> None:
    """Show an incident with its timeline."""
    ctx.emit(ctx.call("GET", f"/incidents/{incident_id}"), render.incident_detail)


@app.command()
@connected
def transition(
    ctx: Context,
    incident_id: Id,
    phase: Annotated[str, typer.Argument(help="Target phase id.")],
    reason: Annotated[Opt, typer.Option(help="Why (needed to skip or go back).")] = None,
) -> None:
    """Move an incident to another phase."""
    body = {"phase": phase, "reason": reason}
    _change(ctx, "POST", f"/incidents/{incident_id}/transition", body)


@app.command()
@connected
def ack(ctx: Context, incident_id: Id) -> None:
    """Acknowledge an incident."""
    _change(ctx, "POST", f"/incidents/{incident_id}/acknowledge")


@app.command()
@connected
def mitigate(ctx: Context, incident_id: Id) -> None:
    """Record that the impact has stopped."""
    _change(ctx, "POST", f"/incidents/{incident_id}/mitigate")


@app.command()
@connected
def resolve(
    ctx: Context, incident_id: Id, summary: Annotated[str, typer.Option(help="What fixed it.")]
) -> None:
    """Resolve an incident with a resolution summary."""
    _change(ctx, "POST", f"/incidents/{incident_id}/resolve", {"summary": summary})


@app.command()
@connected
def close(ctx: Context, incident_id: Id, reason: Annotated[Opt, typer.Option()] = None) -> None:
    """Close an incident (move it to the workflow's closing phase)."""
    _change(ctx, "POST", f"/incidents/{incident_id}/close", {"reason": reason})


@app.command()
@connected
def exclude(
    ctx: Context,
    incident_id: Id,
    reason: Annotated[Opt, typer.Option(help="Why it is left out (a duplicate, a test…).")] = None,
    include: Annotated[bool, typer.Option("--include", help="Count it in metrics again.")] = False,
) -> None:
    """Leave an incident out of metrics (--reason), or count it again (--include)."""
    if not include and not reason:
        raise typer.BadParameter("say why with --reason, or count it again with --include")
    body = {"excluded": not include, "reason": reason}
    _change(ctx, "POST", f"/incidents/{incident_id}/metrics-exclusion", body)


@app.command()
@connected
def note(
    ctx: Context,
    incident_id: Id,
    text: Annotated[str, typer.Argument(help="The note.")],
    pin: Annotated[
        bool, typer.Option("--pin", help="Pin it: it goes into the postmortem.")
    ] = False,
) -> None:
    """Add a note to the timeline."""
    _change(ctx, "POST", f"/incidents/{incident_id}/notes", {"text": text, "pinned": pin})


@app.command()
@connected
def update(
    ctx: Context,
    incident_id: Id,
    message: Annotated[str, typer.Argument(help="The status update.")],
    public: Annotated[
        bool, typer.Option("--public", help="Publish it on the status page.")
    ] = False,
    component_status: Annotated[
        list[str] | None,
        typer.Option(
            "--component-status",
            metavar="ID=STATE",
            help="With --public: set the public state of a service or status page component"
            " (operational, recovering, investigating, degraded, partial_outage, major_outage)."
            " Repeatable.",
        ),
    ] = None,
) -> None:
    """Post a status update (internal unless --public)."""
    body: dict[str, object] = {"message": message, "visibility": "public" if public else "internal"}
    if component_status:
        body["component_status"] = _pairs(component_status, "--component-status")
    _change(ctx, "POST", f"/incidents/{incident_id}/status-updates", body)


def _pairs(texts: list[str], option: str) -> dict[str, str]:
    """ID=VALUE pairs from a repeatable option."""
    pairs: dict[str, str] = {}
    for text in texts:
        key, found, value = text.partition("=")
        if not found or not key or not value:
            raise typer.BadParameter(
                f"{text!r}: write ID=STATE, like checkout-api=degraded", param_hint=option
            )
        pairs[key] = value
    return pairs


@app.command()
@connected
def assign(
    ctx: Context,
    incident_id: Id,
    role: Annotated[str, typer.Argument(help="commander, operations, …")],
    user: Annotated[str, typer.Argument(help="User id.")],
) -> None:
    """Assign a role to a user (or hand it over)."""
    _change(ctx, "PUT", f"/incidents/{incident_id}/roles/{role}", {"user": user})


@app.command()
@connected
def unassign(ctx: Context, incident_id: Id, role: Annotated[str, typer.Argument()]) -> None:
    """Free a role."""
    _change(ctx, "DELETE", f"/incidents/{incident_id}/roles/{role}")


@app.command()
@connected
def escalate(ctx: Context, incident_id: Id) -> None:
    """Fire the next escalation step now."""
    _change(ctx, "POST", f"/incidents/{incident_id}/escalate")


@app.command()
@connected
def reassign(
    ctx: Context, incident_id: Id, user: Annotated[str, typer.Argument(help="User id to page now.")]
) -> None:
    """Page a user now, by their notification rules."""
    _change(ctx, "POST", f"/incidents/{incident_id}/reassign", {"user": user})


@app.command("set")
@connected
def set_(
    ctx: Context,
    incident_id: Id,
    impact: Annotated[Opt, typer.Option(help="high | medium | low")] = None,
    urgency: Annotated[Opt, typer.Option(help="high | medium | low")] = None,
    severity: Annotated[Opt, typer.Option()] = None,
    title: Annotated[Opt, typer.Option()] = None,
    summary: Annotated[Opt, typer.Option()] = None,
    service: Annotated[
        list[str] | None, typer.Option(help="Replace the services (repeatable).")
    ] = None,  # noqa: UP045
    impact_started_at: Annotated[Optional[datetime], typer.Option()] = None,  # noqa: UP045
) -> None:
    """Change impact, urgency, severity and other fields; priority follows."""
    body = {
        "impact": impact,
        "urgency": urgency,
        "severity": severity,
        "title": title,
        "summary": summary,
        "services": service,
        "impact_started_at": impact_started_at,
    }
    if all(value is None for value in body.values()):
        raise typer.BadParameter("give at least one field to change, for example --impact high")
    _change(ctx, "PATCH", f"/incidents/{incident_id}", body)


@app.command()
@connected
def task(
    ctx: Context,
    incident_id: Id,
    title: Annotated[str, typer.Argument()],
    owner: Annotated[Opt, typer.Option(help="User id.")] = None,
    due: Annotated[
        Opt,
        typer.Option(
            help="By when: a date (the end of that day, UTC) or an ISO 8601 time (UTC without"
            " an offset)."
        ),
    ] = None,
) -> None:
    """Add a task."""
    body = {"title": title, "owner": owner, "due_at": context.due(due)}
    _change(ctx, "POST", f"/incidents/{incident_id}/tasks", body)


@app.command("task-done")
@connected
def task_done(
    ctx: Context,
    incident_id: Id,
    task_id: Annotated[str, typer.Argument(help="T1, T2, …")],
    undo: Annotated[bool, typer.Option("--undo", help="Mark it not done.")] = False,
) -> None:
    """Mark a task done (or not, with --undo)."""
    _change(ctx, "PATCH", f"/incidents/{incident_id}/tasks/{task_id}", {"done": not undo})


@app.command()
@connected
def similar(
    ctx: Context,
    incident_id: Id,
    limit: Annotated[int, typer.Option(min=1, max=20, help="At most this many.")] = 5,
) -> None:
    """Earlier incidents on the same services that look like this one."""
    ctx.emit(ctx.call("GET", f"/incidents/{incident_id}/similar", limit=limit), _similar_table)


def _similar_table(found: dict[str, Any]) -> str:
    rows = found["items"]
    if not rows:
        return "no similar incidents"
    return "\n".join(
        f"#{r['incident_id']} {r['title']} (score {r['score']}; "
        f"postmortem {r['postmortem'] or 'none'}; {r['open_follow_ups']} open follow-ups"
        + ("; RECURRENCE?" if r["recurrence"] else "")
        + ")\n    "
        + "; ".join(r["reasons"])
        for r in rows
    )
