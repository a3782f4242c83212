"""The metrics dashboard: incidents over time, the MTTx trend, where the time goes (time per
phase) and SLA breach rates, drawn with a vendored Chart.js, with the numbers in tables.

Every number comes from services.reports.metrics_report (docs/metrics.md): the whole period
once, and each slice of it (a day, a week or 30 days) once for the trends. This module only
picks the slices and shapes the numbers for the charts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fireline.domain.metrics import DURATIONS, GROUP_BY
from fireline.domain.sentences import label
from fireline.errors import FirelineError
from fireline.services.review import reports
from fireline.services.review.reports import GroupMetricsRead, MetricsReportRead
from fireline.storage.uow import UnitOfWork
from fireline.web.deps import Uow
from fireline.web.ui.session import SignedIn
from fireline.web.ui.templating import render

router = APIRouter(include_in_schema=False)
PERIODS = {7: "7 days", 30: "30 days", 90: "90 days", 365: "1 year"}
Days = Annotated[int, Query(ge=1, le=366)]
By = Annotated[Literal["", "service", "team", "priority", "severity", "workflow"], Query()]
MTTX = {
    "time_to_detect": "MTTD",
    "time_to_acknowledge": "MTTA",
    "time_to_mitigate": "MTTM",
    "time_to_resolve": "MTTR",
}
TREND = ("time_to_acknowledge", "time_to_mitigate", "time_to_resolve")
SLA_TARGETS = ("acknowledge", "mitigate", "resolve")


def slice_length(days: int) -> timedelta:
    """Days up to a month, weeks up to a quarter, 30-day slices for a year."""
    return timedelta(days=1 if days <= 31 else 7 if days <= 120 else 30)


@router.get("/reports")
def dashboard(request: Request, uow: Uow, _: SignedIn, days: Days = 30, by: By = "") -> Response:
    try:
        now = request.app.state.fireline.clock()
        report = reports.metrics_report(
            uow=uow, start=now - timedelta(days=days), end=now, group_by=by or None, now=now
        )
        slices = _slices(uow, report, days)
    except FirelineError as error:
        return render(
            request, "error.html", error.status, title="Report refused", message=error.message
        )
    return render(
        request,
        "dashboard.html",
        report=report,
        days=days,
        by=by,
        periods=PERIODS,
        group_by=GROUP_BY,
        mttx=MTTX,
        durations=DURATIONS,
        sla_targets=SLA_TARGETS,
        charts=charts(report, slices),
    )


def _slices(uow: UnitOfWork, report: MetricsReportRead, days: int) -> list[MetricsReportRead]:
    step = slice_length(days)
    found, start = [], report.period.start
    while start < report.period.end:
        end = min(start + step, report.period.end)
        found.append(
            reports.metrics_report(
                uow=uow, start=start, end=end, group_by=report.group_by, now=report.now
            )
        )
        start = end
    return found


def charts(report: MetricsReportRead, slices: list[MetricsReportRead]) -> dict[str, Any]:
    """The four charts' data, as Chart.js reads it (labels and datasets)."""
    labels = [s.period.start.strftime("%Y-%m-%d") for s in slices]
    return {
        "incidents": {"labels": labels, "datasets": _counts(report, slices)},
        "mttx": _trend(labels, slices),
        "phases": _phases(report),
        "sla": {
            "labels": [target.capitalize() for target in SLA_TARGETS],
            "datasets": [
                {"label": _key(group), "data": [_rate(group, t) for t in SLA_TARGETS]}
                for group in _groups(report)
            ],
        },
    }


def _groups(report: MetricsReportRead) -> list[GroupMetricsRead]:
    return report.groups if report.group_by else [report.overall]


def _key(group: GroupMetricsRead) -> str:
    return "All incidents" if group.key is None else group.key


def _counts(report: MetricsReportRead, slices: list[MetricsReportRead]) -> list[dict[str, Any]]:
    if not report.group_by:
        return [{"label": "Incidents", "data": [s.overall.incidents for s in slices]}]
    keys = [g.key for g in report.groups]
    return [
        {
            "label": _key(g),
            "data": [next((x.incidents for x in s.groups if x.key == key), 0) for s in slices],
        }
        for g, key in zip(report.groups, keys, strict=True)
    ]


def _trend(labels: list[str], slices: list[MetricsReportRead]) -> dict[str, Any]:
    """Mean MTTA, MTTM and MTTR per slice, in minutes, or in hours once one passes 3 hours."""
    means = {name: [s.overall.durations[name].mean for s in slices] for name in TREND}
    longest = max((m for values in means.values() for m in values if m is not None), default=0)
    unit, seconds = ("hours", 3600) if longest > 3 * 3600 else ("minutes", 60)
    return {
        "labels": labels,
        "unit": unit,
        "datasets": [
            {
                "label": f"{MTTX[name]} (mean, {unit})",
                "data": [None if m is None else round(m / seconds, 1) for m in values],
            }
            for name, values in means.items()
        ],
    }


def _phases(report: MetricsReportRead) -> dict[str, Any]:
    """Hours spent in each phase, in total (mean × count), one stacked bar per group."""
    groups = _groups(report)
    phases = list(dict.fromkeys(p for g in groups for p in g.phases))
    return {
        "labels": [_key(g) for g in groups],
        "datasets": [
            {"label": label(phase), "data": [_hours(g, phase) for g in groups]} for phase in phases
        ],
    }


def _hours(group: GroupMetricsRead, phase: str) -> float:
    summary = group.phases.get(phase)
    if summary is None or summary.mean is None:
        return 0.0
    return round(summary.mean * summary.count / 3600, 2)


def _rate(group: GroupMetricsRead, target: str) -> float | None:
    tally = group.sla.get(target)
    if tally is None or tally.breach_rate is None:
        return None
    return round(tally.breach_rate * 100, 1)
