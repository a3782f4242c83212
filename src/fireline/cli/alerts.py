"""`fireline alert …`, `fireline silence …`, `fireline integration …`: detection from a terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Optional

import typer

from fireline.cli import render
from fireline.cli.context import Context, connected
from fireline.domain.durations import parse_duration

alert_app = typer.Typer(help="Alerts received from monitoring.", no_args_is_help=True)
silence_app = typer.Typer(help="Silences and maintenance windows.", no_args_is_help=True)
integration_app = typer.Typer(help="Integrations and their keys.", no_args_is_help=True)
Opt = Optional[str]  # noqa: UP045 - typer needs Optional here


@alert_app.command("list")
@connected
def alert_list(
    ctx: Context,
    status: Annotated[
        list[str] | None, typer.Option(help="firing, acknowledged or resolved (repeatable).")
    ] = None,  # noqa: UP045
    service: Annotated[Opt, typer.Option(help="Only this service's alerts.")] = None,
    incident: Annotated[
        int | None, typer.Option(help="Only this incident's alerts.", min=1)
    ] = None,  # noqa: UP045
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List alerts, newest first."""
    page = ctx.call(
        "GET",
        "/alerts",
        status=status,
        service=service,
        incident=incident,
        limit=limit,
        offset=offset,
    )
    ctx.emit(page, render.alert_table)


@alert_app.command("show")
@connected
def alert_show(ctx: Context, alert_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Show an alert with the payload its source sent."""
    ctx.emit(ctx.call("GET", f"/alerts/{alert_id}"), render.alert)


@silence_app.command("create")
@connected
def silence_create(
    ctx: Context,
    match: Annotated[
        list[str] | None,
        typer.Option(help="A label matcher: name=value, name!=value, name=~regex, name!~regex."),
    ] = None,  # noqa: UP045
    service: Annotated[Opt, typer.Option(help="Only this service's alerts.")] = None,
    duration: Annotated[
        Opt, typer.Option(help="How long from now (2h, 1d); or give --ends-at.")
    ] = None,
    starts_at: Annotated[
        datetime | None, typer.Option(help="Start (ISO 8601, UTC without offset).")
    ] = None,  # noqa: UP045
    ends_at: Annotated[
        datetime | None, typer.Option(help="End (ISO 8601, UTC without offset).")
    ] = None,  # noqa: UP045
    maintenance: Annotated[
        bool, typer.Option("--maintenance", help="A maintenance window for --service.")
    ] = False,
    comment: Annotated[str, typer.Option(help="Why.")] = "",
) -> None:
    """Silence matching alerts (stored, no incident, no page) until a time."""
    end = _end(starts_at, ends_at, duration)
    body = {
        "kind": "maintenance" if maintenance else "silence",
        "matchers": [_matcher(m) for m in match or []],
        "service": service,
        "starts_at": starts_at,
        "ends_at": end,
        "comment": comment,
    }
    ctx.emit(ctx.call("POST", "/silences", body), render.silence_table)


@silence_app.command("list")
@connected
def silence_list(
    ctx: Context,
    expired: Annotated[bool, typer.Option("--expired", help="Include expired.")] = False,
) -> None:
    """List silences and maintenance windows."""
    ctx.emit(ctx.call("GET", "/silences", expired=expired), render.silence_table)


@silence_app.command("expire")
@connected
def silence_expire(ctx: Context, silence_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """End a silence now."""
    ctx.emit(ctx.call("POST", f"/silences/{silence_id}/expire"), render.silence_table)


@integration_app.command("list")
@connected
def integration_list(ctx: Context) -> None:
    """List integrations with their URLs (keys for admins)."""
    ctx.emit(ctx.call("GET", "/integrations"), render.integration_table)


@integration_app.command("create")
@connected
def integration_create(
    ctx: Context,
    integration_id: Annotated[str, typer.Argument(help="Id of the new integration.")],
    service: Annotated[str, typer.Option(help="The service its alerts belong to.")],
    type_: Annotated[
        str, typer.Option("--type", help="alertmanager, events_v2, generic or heartbeat.")
    ],
    interval: Annotated[
        Opt, typer.Option(help="Heartbeats: the longest gap between beats (5m).")
    ] = None,
    map_: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--map", help="Generic: FIELD=PATH, e.g. dedup_key=check.id (repeatable)."),
    ] = None,
) -> None:
    """Create an integration with a fresh key."""
    mapping = dict(_pair(m) for m in map_) if map_ else None
    body = {
        "id": integration_id,
        "service": service,
        "type": type_,
        "interval": interval,
        "mapping": mapping,
    }
    ctx.emit(ctx.call("POST", "/integrations", body), render.integration_table)


@integration_app.command("rotate")
@connected
def integration_rotate(
    ctx: Context,
    integration_id: Annotated[str, typer.Argument()],
    grace: Annotated[str, typer.Option(help="How long the old key keeps working.")] = "1h",
) -> None:
    """Give an integration a new key; the old one works for the grace period."""
    rotated = ctx.call("POST", f"/integrations/{integration_id}/rotate", {"grace": grace})
    ctx.emit(rotated, render.integration_table)


@integration_app.command("revoke")
@connected
def integration_revoke(ctx: Context, integration_id: Annotated[str, typer.Argument()]) -> None:
    """Stop accepting alerts on an integration, at once."""
    revoked = ctx.call("POST", f"/integrations/{integration_id}/revoke")
    ctx.emit(revoked, render.integration_table)


def _pair(text: str) -> tuple[str, str]:
    field, found, path = text.partition("=")
    if not found or not field or not path:
        raise typer.BadParameter(f"{text!r}: write FIELD=PATH, like dedup_key=check.id")
    return field.strip(), path.strip()


def _matcher(text: str) -> dict[str, str]:
    for op in ("!~", "=~", "!=", "="):
        name, found, value = text.partition(op)
        if found and name:
            return {"name": name.strip(), "op": op, "value": value.strip()}
    raise typer.BadParameter(f"{text!r}: write name=value, name!=value, name=~regex or name!~regex")


def _end(starts_at: datetime | None, ends_at: datetime | None, duration: str | None) -> datetime:
    if (ends_at is None) == (duration is None):
        raise typer.BadParameter("give exactly one of --duration or --ends-at")
    if ends_at is not None:
        return ends_at
    try:
        return (_utc(starts_at) or datetime.now(UTC)) + parse_duration(duration or "")
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
