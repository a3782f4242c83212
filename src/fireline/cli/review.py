"""`fireline postmortem …` and `fireline follow-up …`: the review phase from the shell."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from fireline.cli import context, render
from fireline.cli.context import Context, connected

postmortem_app = typer.Typer(
    help="Postmortems: show, edit, review, publish, export.", no_args_is_help=True
)
follow_up_app = typer.Typer(help="Follow-up actions: add, update, list.", no_args_is_help=True)
drill_app = typer.Typer(help="Drills: practice incidents and their reports.", no_args_is_help=True)
Id = Annotated[int, typer.Argument(min=1, help="The incident's number.")]
Opt = Optional[str]  # noqa: UP045 - typer needs Optional here
When = Optional[datetime]  # noqa: UP045
STATUSES = ("draft", "in_review", "published")
DUE_HELP = "By when: a date (the end of that day, UTC) or an ISO 8601 time (UTC without an offset)."


@postmortem_app.command("show")
@connected
def show(ctx: Context, incident_id: Id) -> None:
    """The postmortem: status, version, reviewers, sections, comments."""
    ctx.emit(ctx.call("GET", f"/incidents/{incident_id}/postmortem"), _summary)


@postmortem_app.command("create")
@connected
def create(ctx: Context, incident_id: Id) -> None:
    """Draft the postmortem now, pre-filled from the incident's data."""
    ctx.emit(ctx.call("POST", f"/incidents/{incident_id}/postmortem"), _summary)


@postmortem_app.command("export")
@connected
def export(
    ctx: Context,
    incident_id: Id,
    format_: Annotated[str, typer.Option("--format", help="markdown or html.")] = "markdown",
    public: Annotated[bool, typer.Option("--public", help="Only the public sections.")] = False,
) -> None:
    """Print the postmortem as Markdown or HTML."""
    if format_ not in ("markdown", "html"):
        raise typer.BadParameter("choose markdown or html", param_hint="--format")
    path = f"/incidents/{incident_id}/postmortem/export"
    text = ctx.text(path, format=format_, public=public)
    sys.stdout.write(text)


@postmortem_app.command("edit")
@connected
def edit(
    ctx: Context,
    incident_id: Id,
    version: Annotated[int, typer.Option(min=1, help="The version you are editing (see show).")],
    section: Annotated[Opt, typer.Option(help="The section to replace.")] = None,
    text: Annotated[Opt, typer.Option(help="Its new Markdown; `-` reads standard input.")] = None,
    file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Read the new Markdown from this file.", exists=True, dir_okay=False),
    ] = None,
    refill: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Fill this section again from the incident's data (repeatable)."),
    ] = None,
    reviewer: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Set the reviewers (repeatable)."),
    ] = None,
    public: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--public/--private", help="Show the public sections on the status page."),
    ] = None,
) -> None:
    """Replace a section's text, re-fill sections, set reviewers or the public flag."""
    fields: dict[str, Any] = {"version": version}
    if section is not None:
        if (text is None) == (file is None):
            raise typer.BadParameter(
                "give the new text with --text or --file", param_hint="--section"
            )
        body = _read(text, file)
        fields["sections"] = {section: body}
    if refill:
        fields["refill"] = refill
    if reviewer is not None:
        fields["reviewers"] = reviewer
    if public is not None:
        fields["public"] = public
    ctx.emit(ctx.call("PATCH", f"/incidents/{incident_id}/postmortem", fields), _summary)


@postmortem_app.command("status")
@connected
def status(
    ctx: Context,
    incident_id: Id,
    to: Annotated[str, typer.Argument(help="draft, in_review or published.")],
) -> None:
    """Send the postmortem for review, publish it, or take it back to draft."""
    if to not in STATUSES:
        raise typer.BadParameter(f"choose {', '.join(STATUSES)}", param_hint="TO")
    path = f"/incidents/{incident_id}/postmortem/status"
    ctx.emit(ctx.call("POST", path, {"status": to}), _summary)


@postmortem_app.command("comment")
@connected
def comment(
    ctx: Context,
    incident_id: Id,
    text: Annotated[str, typer.Argument(help="The comment.")],
    section: Annotated[Opt, typer.Option(help="The section it is about.")] = None,
) -> None:
    """Comment on the postmortem or one of its sections."""
    body = {"body": text, "section": section}
    ctx.emit(ctx.call("POST", f"/incidents/{incident_id}/postmortem/comments", body), _summary)


@follow_up_app.command("add")
@connected
def add(
    ctx: Context,
    incident_id: Id,
    title: Annotated[str, typer.Argument(help="What is to be done.")],
    owner: Annotated[Opt, typer.Option(help="Who does it.")] = None,
    due: Annotated[Opt, typer.Option(help=DUE_HELP)] = None,
    priority: Annotated[str, typer.Option(help="high, medium or low.")] = "medium",
    type_: Annotated[
        str, typer.Option("--type", help="mitigate, prevent, detect or process.")
    ] = "prevent",
    link: Annotated[Opt, typer.Option(help="A ticket or pull request (its URL).")] = None,
) -> None:
    """Add a follow-up action to an incident."""
    body = {
        "title": title,
        "priority": priority,
        "type": type_,
        "owner": owner,
        "url": link,
        "due_at": context.due(due),
    }
    ctx.emit(ctx.call("POST", f"/incidents/{incident_id}/follow-ups", body), _follow_up_table)


@follow_up_app.command("update")
@connected
def update(
    ctx: Context,
    incident_id: Id,
    follow_up_id: Annotated[str, typer.Argument(help="F1, F2, …")],
    title: Annotated[Opt, typer.Option(help="New title.")] = None,
    owner: Annotated[Opt, typer.Option(help="New owner.")] = None,
    due: Annotated[Opt, typer.Option(help=DUE_HELP)] = None,
    priority: Annotated[Opt, typer.Option(help="high, medium or low.")] = None,
    type_: Annotated[
        Opt, typer.Option("--type", help="mitigate, prevent, detect or process.")
    ] = None,
    link: Annotated[Opt, typer.Option(help="A ticket or pull request (its URL).")] = None,
    done: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--done/--not-done", help="Mark it done (or open again)."),
    ] = None,
) -> None:
    """Change a follow-up, or mark it done."""
    body = {
        "title": title,
        "owner": owner,
        "due_at": context.due(due),
        "priority": priority,
        "type": type_,
        "url": link,
        "done": done,
    }
    if all(value is None for value in body.values()):
        raise typer.BadParameter("nothing to change: give at least one option")
    path = f"/incidents/{incident_id}/follow-ups/{follow_up_id}"
    ctx.emit(ctx.call("PATCH", path, body), _follow_up_table)


@follow_up_app.command("list")
@connected
def list_(
    ctx: Context,
    owner: Annotated[Opt, typer.Option(help="Only this owner's.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only those not done.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open ones past due.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 100,
) -> None:
    """Follow-ups across incidents, soonest due first."""
    found = ctx.call(
        "GET", "/follow-ups", owner=owner, open=open_only, overdue=overdue, limit=limit
    )
    ctx.emit(found, _follow_up_table)


@drill_app.command("report")
@connected
def drill_report(ctx: Context, incident_id: Id) -> None:
    """How fast a drill was paged, acknowledged and staffed (declare with --drill)."""
    ctx.emit(ctx.call("GET", f"/incidents/{incident_id}/drill-report"), _drill)


def _drill(r: dict[str, Any]) -> str:
    def mins(seconds: float | None) -> str:
        return "not yet" if seconds is None else f"{seconds / 60:.1f} min"

    lines = [
        f"Drill #{r['incident_id']} {r['title']} (from detection at {render.stamp(r['detected_at'])})",
        f"  first page:      {mins(r['seconds_to_first_page'])}",
        f"  acknowledged:    {mins(r['seconds_to_acknowledge'])}",
        f"  full team:       {mins(r['seconds_to_full_team'])}",
    ]
    lines += [f"  {role + ':':<16} {mins(s)}" for role, s in r["seconds_to_role"].items()]
    lines.append(
        f"  pages: {r['pages_sent']} sent, {r['pages_failed']} failed, to "
        + (", ".join(r["people_paged"]) or "nobody")
    )
    return "\n".join(lines)


def _read(text: str | None, file: Path | None) -> str:
    if text == "-":
        return sys.stdin.read()
    return text if text is not None else file.read_text() if file else ""


def _summary(view: dict[str, Any]) -> str:
    lines = [
        f"Postmortem of #{view['incident_id']} {view['title']}: {view['status']} "
        f"(version {view['version']}, template {view['template']})",
        f"Reviewers: {', '.join(view['reviewers']) or 'none'}; "
        f"public on the status page: {'yes' if view['public'] else 'no'}",
    ]
    for s in view["sections"]:
        words = len(s["body"].split())
        lines.append(
            f"  {s['id']:<24} {s['title']} ({words} words){' [public]' if s['public'] else ''}"
        )
    for c in view["comments"]:
        where = f" on {c['section']}" if c["section"] else ""
        lines.append(f"  comment by {c['author']}{where}: {c['body']}")
    return "\n".join(lines)


def _follow_up_table(found: dict[str, Any]) -> str:
    rows = found["items"]
    if not rows:
        return "no follow-ups"
    lines = []
    for r in rows:
        where = f"#{r['incident_id']} " if "incident_id" in r else ""
        state = "done" if r["done"] else ("OVERDUE" if r.get("overdue") else "open")
        lines.append(
            f"{where}{r['id']} [{state}] {r['title']} — {r['type']}, {r['priority']}, "
            f"owner {r['owner'] or 'NONE'}, due {render.stamp(r['due_at']) if r['due_at'] else 'NOT SET'}"
            + (f", {r['url']}" if r["url"] else "")
        )
    return "\n".join(lines)
