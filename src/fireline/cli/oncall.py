"""`fireline oncall …`: who is on call, shifts and gaps, overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Optional
from zoneinfo import ZoneInfo

import typer

from fireline.cli import render
from fireline.cli.context import Context, connected

app = typer.Typer(
    help="On-call schedules: who is on call, shifts, overrides.", no_args_is_help=True
)
Opt = Optional[str]  # noqa: UP045 - typer needs Optional here
When = Optional[datetime]  # noqa: UP045


@app.command()
@connected
def who(
    ctx: Context,
    schedule: Annotated[Opt, typer.Option(help="One schedule (default: every schedule).")] = None,
    at: Annotated[
        When, typer.Option(help="When (ISO 8601; UTC without an offset; default now).")
    ] = None,
) -> None:
    """Who is on call now, or at a given time."""
    found = ctx.call("GET", "/oncall", schedule=schedule, at=at)
    ctx.emit(
        found,
        lambda d: (
            "\n".join(
                f"{r['schedule']:<24} {', '.join(r['users']) or 'NOBODY (gap)'}" for r in d["items"]
            )
            or "no schedules"
        ),
    )


@app.command()
@connected
def shifts(
    ctx: Context,
    schedule: Annotated[str, typer.Option(help="The schedule.")],
    start: Annotated[When, typer.Option("--from", help="From (default now).")] = None,
    end: Annotated[When, typer.Option("--to", help="Until (default 14 days later).")] = None,
    user: Annotated[Opt, typer.Option(help="Only this user's shifts.")] = None,
) -> None:
    """The merged shifts of a schedule, gaps included."""
    found = ctx.call("GET", f"/schedules/{schedule}/shifts", start=start, end=end, user=user)
    ctx.emit(found, _render_shifts)


@app.command()
@connected
def override(
    ctx: Context,
    schedule: Annotated[str, typer.Argument(help="The schedule.")],
    start: Annotated[datetime, typer.Option("--from", help="Start (ISO 8601).")],
    end: Annotated[datetime, typer.Option("--to", help="End (ISO 8601).")],
    user: Annotated[Opt, typer.Option(help="Who takes over (or is added).")] = None,
    replaces: Annotated[
        Opt, typer.Option(help="Who is replaced (or removed, without --user).")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why.")] = "",
) -> None:
    """Put someone on call instead of someone else (or add, or remove someone) for a while."""
    body = {"start": start, "end": end, "user": user, "replaces": replaces, "reason": reason}
    made = ctx.call("POST", f"/schedules/{schedule}/overrides", body)
    ctx.emit(
        made,
        lambda o: (
            f"override #{o['id']}: {o['user'] or 'nobody'} instead of "
            f"{o['replaces'] or 'nobody'} from {render.stamp(o['start'])} to {render.stamp(o['end'])}"
        ),
    )


@app.command()
@connected
def overrides(ctx: Context, schedule: Annotated[str, typer.Argument(help="The schedule.")]) -> None:
    """The overrides of a schedule that have not ended."""
    ctx.emit(
        ctx.call("GET", f"/schedules/{schedule}/overrides"),
        lambda d: (
            "\n".join(
                f"#{o['id']} {render.stamp(o['start'])} → {render.stamp(o['end'])}: {o['user'] or '-'} instead of "
                f"{o['replaces'] or '-'} {o['reason']}"
                for o in d["items"]
            )
            or "no overrides"
        ),
    )


@app.command("delete-override")
@connected
def delete_override(
    ctx: Context,
    schedule: Annotated[str, typer.Argument()],
    override_id: Annotated[int, typer.Argument(min=1)],
) -> None:
    """Delete an override."""
    ctx.call("DELETE", f"/schedules/{schedule}/overrides/{override_id}")
    ctx.emit({"deleted": override_id}, lambda d: f"override #{d['deleted']} deleted")


def _render_shifts(found: dict[str, Any]) -> str:
    zone = ZoneInfo(found["time_zone"])

    def local(text: str) -> str:
        return datetime.fromisoformat(text).astimezone(zone).strftime("%a %Y-%m-%d %H:%M")

    lines = [f"{found['schedule']} (times in {found['time_zone']}), {found['gaps']} gap(s)"]
    for s in found["shifts"]:
        who = ", ".join(s["users"]) or "GAP: nobody on call"
        lines.append(f"  {local(s['start'])} → {local(s['end'])}  {who}")
    return "\n".join(lines)
