"""`fireline report`: incident metrics or on-call load over a period, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any, Optional

import typer

from fireline.cli import render
from fireline.cli.context import Context, connected
from fireline.domain.durations import parse_duration

Json = dict[str, Any]
REPORTS = ("metrics", "oncall-load")
FORMATS = ("table", "json", "csv")
Opt = Optional[str]  # noqa: UP045 - typer needs Optional here


When = Optional[datetime]  # noqa: UP045


def _when(text: str) -> datetime:
    """An ISO 8601 time (UTC when it has no offset), or a duration back from now."""
    try:
        return datetime.now(UTC) - parse_duration(text)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither an ISO 8601 time (2026-03-01 or 2026-03-01T09:00:00+01:00) "
            "nor a duration like 30d"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@connected
def report(
    ctx: Context,
    what: Annotated[
        str, typer.Argument(help="metrics (MTTx, phases, SLA breaches) or oncall-load.")
    ] = "metrics",
    start: Annotated[
        When,
        typer.Option(
            "--from",
            "--since",
            parser=_when,
            help="Start, included: ISO 8601 (UTC if no offset) or a duration back from now, "
            "like 30d. Default: 30 days before --to.",
        ),
    ] = None,
    end: Annotated[
        When,
        typer.Option(
            "--to", parser=_when, help="End, excluded: ISO 8601 or a duration ago. Default: now."
        ),
    ] = None,
    by: Annotated[
        Opt,
        typer.Option(help="Group the metrics by service, team, priority, severity or workflow."),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
) -> None:
    """Incident metrics (or on-call load) over a period; docs/metrics.md says how each is computed."""
    from fireline.domain.metrics import GROUP_BY

    _check(what, REPORTS, "WHAT")
    _check(output, FORMATS, "--format")
    if by is not None:
        _check(by, GROUP_BY, "--by")
    if by is not None and what != "metrics":
        raise typer.BadParameter("only the metrics report is grouped", param_hint="--by")
    if what == "metrics":
        data = ctx.call("GET", "/reports/metrics", by=by, **{"from": start, "to": end})
        table, rows = metrics_table, metrics_rows
    else:
        data = ctx.call("GET", "/reports/oncall-load", **{"from": start, "to": end})
        table, rows = oncall_table, oncall_rows
    if ctx.as_json or output == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif output == "csv":
        sys.stdout.write(_csv(rows(data)))
    else:
        typer.echo(table(data))


def _check(value: str, choices: tuple[str, ...], hint: str) -> None:
    if value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=hint)


# --- metrics --------------------------------------------------------------------------------

NAMES = {
    "time_to_detect": "time to detect (MTTD)",
    "time_to_acknowledge": "time to acknowledge (MTTA)",
    "time_to_mitigate": "time to mitigate (MTTM)",
    "time_to_resolve": "time to resolve (MTTR)",
}


def metrics_table(d: Json) -> str:
    left_out = ", ".join(f"{n} {why}" for why, n in d["left_out"].items())
    lines = [
        f"Incidents detected from {render.stamp(d['period']['start'])} to {render.stamp(d['period']['end'])}"
        f" (left out: {left_out})",
        *_group_lines("all incidents", d["overall"]),
    ]
    for group in d["groups"]:
        name = group["key"] if group["key"] is not None else f"no {d['group_by']}"
        lines += ["", *_group_lines(f"{d['group_by']} {name}", group)]
    if d["not_computed"]:
        lines += ["", *(f"not computed: {k}: {why}" for k, why in d["not_computed"].items())]
    return "\n".join(lines)


def _group_lines(title: str, g: Json) -> list[str]:
    rate, f = _percent(g["reopen_rate"]), g["follow_ups"]
    lines = [
        f"{title}: {g['incidents']} incidents, {g['resolved']} resolved, "
        f"{g['reopened']} reopened (reopen rate {rate})",
        f"  {'':<30} {'n':>5} {'out':>5} {'mean':>10} {'median':>10} {'p90':>10}",
    ]
    summaries = [(NAMES.get(n, n), s) for n, s in g["durations"].items()]
    summaries += [(f"time in {phase}", s) for phase, s in g["phases"].items()]
    summaries += [
        (name, f[key])
        for name, key in (
            ("follow-ups open for", "open_for"),
            ("follow-ups done after", "done_after"),
        )
        if f[key]["count"]
    ]
    for name, s in summaries:
        lines.append(
            f"  {name:<30} {s['count']:>5} {s['counted_out']:>5} {_duration(s['mean']):>10}"
            f" {_duration(s['median']):>10} {_duration(s['p90']):>10}"
        )
    for target, t in g["sla"].items():
        lines.append(
            f"  SLA {target}: {t['met']} met, {t['breached']} breached, {t['running']} running"
            f" (breach rate {_percent(t['breach_rate'])})"
        )
    lines.append(
        f"  follow-ups: {f['total']}, {f['done']} done, {f['overdue']} overdue"
        f" (completion rate {_percent(f['completion_rate'])})"
    )
    return lines


def metrics_rows(d: Json) -> list[Json]:
    """One CSV row per group (the first is every incident); durations in seconds."""
    phases = list(dict.fromkeys(p for g in [d["overall"], *d["groups"]] for p in g["phases"]))
    rows = []
    for g in [d["overall"], *d["groups"]]:
        row: Json = {"group_by": d["group_by"] or "", "group": _key(g, d)}
        row |= {k: g[k] for k in ("incidents", "resolved", "reopened", "reopens", "reopen_rate")}
        for name, summary in g["durations"].items():
            row |= _summary_columns(name, summary)
        for phase in phases:
            row |= _summary_columns(f"phase_{phase}", g["phases"].get(phase))
        for target, t in g["sla"].items():
            row |= {f"sla_{target}_{k}": v for k, v in t.items()}
        f = g["follow_ups"]
        row |= {f"follow_ups_{k}": f[k] for k in ("total", "done", "overdue", "completion_rate")}
        row |= _summary_columns("follow_ups_open_for", f["open_for"])
        row |= _summary_columns("follow_ups_done_after", f["done_after"])
        rows.append(row)
    return rows


def _key(g: Json, d: Json) -> str:
    if d["group_by"] is None or g is d["overall"]:
        return "all"
    return "" if g["key"] is None else str(g["key"])


def _summary_columns(name: str, s: Json | None) -> Json:
    keys = ("count", "counted_out", "mean", "median", "p90")
    return {f"{name}_{k}": (s or {}).get(k) for k in keys}


# --- on-call load ---------------------------------------------------------------------------


def oncall_table(d: Json) -> str:
    lines = [
        f"Pages sent from {render.stamp(d['period']['start'])} to {render.stamp(d['period']['end'])}"
    ]
    if not d["items"]:
        return "\n".join([*lines, "no pages"])
    lines.append(
        f"{'USER':<16} {'TIME ZONE':<24} {'PAGES':>6} {'OUTSIDE HOURS':>14} {'INCIDENTS':>10}"
    )
    for x in d["items"]:
        lines.append(
            f"{x['user']:<16} {x['time_zone']:<24} {x['pages']:>6}"
            f" {x['outside_working_hours']:>14} {x['incidents']:>10}"
        )
    return "\n".join(lines)


def oncall_rows(d: Json) -> list[Json]:
    return list(d["items"])


# --- formatting -----------------------------------------------------------------------------


def _csv(rows: list[Json]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return out.getvalue()


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _duration(seconds: float | None) -> str:
    """Seconds for people: 45s, 12m30s, 5h55m, 2d03h."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    return f"{secs}s"
