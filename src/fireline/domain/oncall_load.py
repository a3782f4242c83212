"""On-call load: how often each person was paged, and how often outside their working hours.

A pure function of :class:`PageSent` rows (one per ``page_sent`` event) and
the people's time zones; :func:`pages_from` defines the rows from an
incident's timeline, and a storage query must return the same. The formulas
are in docs/metrics.md (On-call load).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fireline.domain.events import Event
from fireline.domain.events import PageSent as PageSentEvent
from fireline.domain.metrics import Period
from fireline.domain.schedule import DAYS, Window
from fireline.domain.state import Incident

WORKING_HOURS: tuple[Window, ...] = (Window(days=DAYS[:5], start=time(9), end=time(17)),)


@dataclass(slots=True)  # not frozen, like metrics.IncidentFacts: one per page of a report
class PageSent:
    """One ``page_sent`` event: a page that reached one of a person's contact methods."""

    incident_id: int
    user: str
    at: datetime
    drill: bool = False
    excluded: bool = False


@dataclass(frozen=True)
class OncallLoad:
    """How often one person was paged, and how often outside their working hours."""

    user: str
    time_zone: str
    pages: int
    outside_working_hours: int
    incidents: int


def pages_from(
    incident: Incident, events: Iterable[Event], *, excluded: bool = False
) -> list[PageSent]:
    """The incident's ``page_sent`` events as rows (failed pages reached nobody)."""
    return [
        PageSent(incident.id, e.user, e.at, incident.drill, excluded or incident.excluded)
        for e in events
        if isinstance(e, PageSentEvent)
    ]


def oncall_load(
    pages: Iterable[PageSent],
    *,
    period: Period,
    time_zones: Mapping[str, str],
    working_hours: Sequence[Window] = WORKING_HOURS,
) -> list[OncallLoad]:
    """Pages per person sent in the period, and how many came outside their working hours.

    Pages of drills and excluded incidents are left out. Working hours are
    wall-clock times in the person's time zone (UTC when unknown), checked on
    the instant of each page, so they follow DST. Busiest person first.
    """
    sent: dict[str, list[PageSent]] = defaultdict(list)
    for page in pages:
        if page.at in period and not (page.drill or page.excluded):
            sent[page.user].append(page)
    loads = [
        _load(user, found, time_zones.get(user, "UTC"), working_hours)
        for user, found in sent.items()
    ]
    return sorted(loads, key=lambda load: (-load.pages, load.user))


def _load(
    user: str, pages: Sequence[PageSent], zone_name: str, working_hours: Sequence[Window]
) -> OncallLoad:
    zone = ZoneInfo(zone_name)
    spans: dict[date, list[tuple[datetime, datetime]]] = {}  # Window.covers, once per local day
    outside = 0
    for page in pages:
        day = page.at.astimezone(zone).date()
        if day not in spans:
            spans[day] = [span for w in working_hours for span in w.spans(day, zone)]
        outside += not any(start <= page.at < end for start, end in spans[day])
    return OncallLoad(user, zone_name, len(pages), outside, len({p.incident_id for p in pages}))
