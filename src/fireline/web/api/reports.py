"""/api/v1/reports: incident metrics and on-call load over a period (see docs/metrics.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fireline.domain.metrics import GroupBy
from fireline.schemas import Time
from fireline.services.review import reports
from fireline.web.deps import Uow, Viewer
from fireline.web.problems import document

router = APIRouter(prefix="/reports", tags=["reports"], responses=document((401, 403, 429, 422)))
From = Annotated[
    Time | None,
    Query(alias="from", description="Start of the period, included (default: 30 days before `to`)"),
]
To = Annotated[Time | None, Query(description="End of the period, excluded (default: now)")]


@router.get(
    "/metrics",
    response_model=reports.MetricsReportRead,
    summary="MTTD, MTTA, MTTM, MTTR, time per phase, SLA breaches and reopens, overall and grouped",
)
def metrics(
    uow: Uow,
    _: Viewer,
    start: From = None,
    to: To = None,
    by: Annotated[GroupBy | None, Query(description="Group the incidents by this")] = None,
) -> reports.MetricsReportRead:
    return reports.metrics_report(uow=uow, start=start, end=to, group_by=by)


@router.get(
    "/oncall-load",
    response_model=reports.OncallLoadReportRead,
    summary="Pages per person, and how many came outside their working hours",
)
def oncall_load(
    uow: Uow, _: Viewer, start: From = None, to: To = None
) -> reports.OncallLoadReportRead:
    return reports.oncall_load(uow=uow, start=start, end=to)
