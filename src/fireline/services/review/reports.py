"""Reports: incident metrics (MTTx, time per phase, SLA breaches, reopens, follow-ups) and
on-call load.

The formulas are :mod:`fireline.domain.metrics` and docs/metrics.md; this
module picks the period, reads the compact rows from storage in one read-only
transaction and shapes the result as the API (and the CLI's JSON) returns it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from fireline.domain import metrics
from fireline.domain import oncall_load as oncall
from fireline.domain.metrics import GROUP_BY, GroupBy, Period
from fireline.errors import InvalidInput
from fireline.services.admin import organisation
from fireline.storage.uow import UnitOfWork

DEFAULT_SPAN = timedelta(days=30)
LONGEST_SPAN = timedelta(days=3660)


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PeriodRead(_Read):
    start: datetime
    end: datetime


class SummaryRead(_Read):
    """Seconds; ``count`` incidents had the value, ``counted_out`` did not."""

    count: int
    counted_out: int
    mean: float | None
    median: float | None
    p90: float | None


class SlaTallyRead(_Read):
    met: int
    breached: int
    running: int
    breach_rate: float | None


class FollowUpTallyRead(_Read):
    """``open_for``: how long the open ones have been open; ``done_after``: how long the done
    ones took from being added (seconds)."""

    total: int
    done: int
    overdue: int
    completion_rate: float | None
    open_for: SummaryRead
    done_after: SummaryRead


class GroupMetricsRead(_Read):
    key: str | None
    incidents: int
    resolved: int
    reopened: int
    reopens: int
    reopen_rate: float | None
    durations: dict[str, SummaryRead]
    phases: dict[str, SummaryRead]
    sla: dict[str, SlaTallyRead]
    follow_ups: FollowUpTallyRead


class MetricsReportRead(_Read):
    period: PeriodRead
    now: datetime
    group_by: GroupBy | None
    left_out: dict[str, int]
    overall: GroupMetricsRead
    groups: list[GroupMetricsRead]
    not_computed: dict[str, str]


class OncallLoadRead(_Read):
    user: str
    time_zone: str
    pages: int
    outside_working_hours: int
    incidents: int


class OncallLoadReportRead(_Read):
    period: PeriodRead
    items: list[OncallLoadRead]


def metrics_report(
    *,
    uow: UnitOfWork,
    start: datetime | None = None,
    end: datetime | None = None,
    group_by: str | None = None,
    now: datetime | None = None,
) -> MetricsReportRead:
    """Every incident metric over the incidents detected in [start, end), overall and per
    group (service, team, priority, severity or workflow), computed at ``now``.

    ``end`` defaults to now and ``start`` to 30 days before ``end``.
    """
    chosen = _group_by(group_by)
    with uow.read():
        now = now or uow.now()
        period = choose_period(start, end, now)
        result = metrics.report(
            uow.reports.list_facts(period.start, period.end),
            period=period,
            now=now,
            policy=organisation.priority_policy(uow),
            group_by=chosen,
        )
    return MetricsReportRead.model_validate(result)


def oncall_load(
    *, uow: UnitOfWork, start: datetime | None = None, end: datetime | None = None
) -> OncallLoadReportRead:
    """Pages per person sent in [start, end), and how many came outside their working hours
    (Monday to Friday, 09:00–17:00 in their own time zone); busiest person first."""
    with uow.read():
        period = choose_period(start, end, uow.now())
        pages = uow.reports.list_pages(period.start, period.end)
        zones = uow.reports.time_zones({page.user for page in pages})
    loads = oncall.oncall_load(pages, period=period, time_zones=zones)
    return OncallLoadReportRead(
        period=PeriodRead.model_validate(period),
        items=[OncallLoadRead.model_validate(found) for found in loads],
    )


def choose_period(start: datetime | None, end: datetime | None, now: datetime) -> Period:
    """[start, end): ``end`` defaults to now, ``start`` to 30 days before ``end``."""
    end = end or now
    start = start or end - DEFAULT_SPAN
    if start.tzinfo and end.tzinfo and start >= end:
        raise InvalidInput(
            f"the period must end after it starts: from {start.isoformat()} "
            f"is not before to {end.isoformat()}",
            field="from",
        )
    period = Period(start, end)  # refuses times without a time zone
    if end - start > LONGEST_SPAN:
        raise InvalidInput(
            "a report covers at most ten years; choose a shorter period", field="from"
        )
    return period


def _group_by(value: str | None) -> GroupBy | None:
    if value is None:
        return None
    for name in GROUP_BY:
        if value == name:
            return name
    raise InvalidInput(f"group by one of {', '.join(GROUP_BY)}, not {value!r}", field="by")
