"""One group commit's worth of alert events: everything read up front, once, and written once.

The rules are in domain/alerts.py and domain/incident.py; this module applies
them to many submissions together, so that a commit of N requests costs a few
queries, not a few per alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fireline.domain import incident as rules
from fireline.domain.alerts import (
    URGENCY_OF,
    AlertEvent,
    Flapping,
    Grouping,
    first_silence,
    group_key,
    incident_severity,
    joins,
)
from fireline.domain.durations import parse_duration
from fireline.domain.events import AlertAttached, AlertResolved, Event
from fireline.domain.incident import Act, Outcome
from fireline.domain.state import Incident
from fireline.domain.workflow import Workflow
from fireline.errors import FirelineError
from fireline.services.admin import organisation
from fireline.services.alerting.hot import HotState
from fireline.storage.alerts import AlertRecord
from fireline.storage.directory import IntegrationRecord
from fireline.storage.models import Service
from fireline.storage.uow import UnitOfWork

AUTO_RESOLVE_SUMMARY = "All alerts cleared; resolved automatically."
FLAPPING = Flapping()


@dataclass
class Touched:
    """An incident this commit changes: its state, workflow and the events to append."""

    state: Incident
    workflow: Workflow
    events: list[Event] = field(default_factory=list)
    new: bool = False


@dataclass
class Work:
    """The events one submission brings for one integration."""

    integration: IntegrationRecord
    events: list[AlertEvent]


class Batch:
    def __init__(self, uow: UnitOfWork, hot: HotState | None = None) -> None:
        self.uow = uow
        self.hot = hot or HotState()
        self.now = uow.now()
        self.silences = uow.silences.active(self.now)
        self.services: dict[str, Service] = {}
        self.groupings: dict[str, Grouping | None] = {}  # by service id
        self.incidents: dict[int, Touched] = {}
        self.open: dict[tuple[str, str], AlertRecord] = {}
        self.cleared_before: dict[tuple[str, str], int] = {}
        self.group_incident: dict[tuple[str, str], int] = {}
        self.new_alerts: list[AlertRecord] = []
        self.resolved: list[AlertRecord] = []  # no longer open, still to be written
        self.cleared: set[int] = set()  # incidents that lost an alert: auto-resolve candidates

    def prefetch(self, work: list[Work]) -> None:
        """Read every open alert, flapping history and open group incident the work can touch."""
        self._lock_groups(work)
        by_integration: dict[str, tuple[IntegrationRecord, set[str]]] = {}
        for item in work:
            keys = by_integration.setdefault(item.integration.id, (item.integration, set()))[1]
            keys.update(e.dedup_key for e in item.events)
        triggers = 0
        for integration_id, (integration, keys) in by_integration.items():
            for key, alert in self.uow.alerts.open_alerts(
                integration_id, keys, for_update=True
            ).items():
                self.open[(integration_id, key)] = alert
            fresh = {
                e.dedup_key
                for w in work
                if w.integration.id == integration_id
                for e in w.events
                if e.action == "trigger" and (integration_id, e.dedup_key) not in self.open
            }
            triggers += len(fresh)  # an alert that clears and fires again here takes one more
            self._prefetch_fresh(
                integration,
                fresh,
                [
                    e
                    for w in work
                    if w.integration.id == integration_id
                    for e in w.events
                    if e.dedup_key in fresh
                ],
            )
        self.uow.alerts.reserve_ids(triggers)

    def _lock_groups(self, work: list[Work]) -> None:
        """Before reading anything: lock the group of every trigger, so that another process's
        transaction opening an incident for the same group commits first, or waits for this one."""
        groups = set()
        for item in work:
            service = self.service(item.integration.service_id)
            grouping = grouping_of(service)
            groups |= {
                (service.id, group_key(e, grouping, item.integration.id)[:600])
                for e in item.events
                if e.action == "trigger"
            }
        self.uow.alerts.lock_groups(groups)

    def _prefetch_fresh(
        self, integration: IntegrationRecord, keys: set[str], events: list[AlertEvent]
    ) -> None:
        if not keys:
            return
        since = self.now - FLAPPING.window
        for key, count in self.uow.alerts.resolution_counts(integration.id, keys, since).items():
            self.cleared_before[(integration.id, key)] = count
        service = self.service(integration.service_id)
        grouping = self.grouping(service)
        groups = {group_key(e, grouping, integration.id)[:600] for e in events}
        for group, incident_id in self.uow.alerts.open_group_incidents(service.id, groups).items():
            self.group_incident[(service.id, group)] = incident_id
        self.hot.check(self.uow, sorted(set(self.group_incident.values())))

    def apply(self, item: Work) -> None:
        service = self.service(item.integration.service_id)
        act = Act(f"integration:{item.integration.id}", self.now)
        for event in item.events:
            slot = (item.integration.id, event.dedup_key)
            current = self.open.get(slot)
            if event.action == "trigger":
                if current is not None:
                    self._repeat(current, event)
                else:
                    self.open[slot] = self._open(act, item.integration, service, event)
            elif current is None:
                continue  # acknowledging or resolving nothing open: dropped, as PagerDuty does
            elif event.action == "acknowledge":
                self._acknowledge(act, current)
            else:
                self._resolve(act, current, event)
                del self.open[slot]

    def _repeat(self, alert: AlertRecord, event: AlertEvent) -> None:
        alert.change(occurrences=alert.occurrences + 1, last_seen_at=self.now)
        if event.payload != alert.payload:
            alert.change(payload=event.payload)

    def _open(
        self, act: Act, integration: IntegrationRecord, service: Service, event: AlertEvent
    ) -> AlertRecord:
        grouping = self.grouping(service)
        alert = AlertRecord(
            id=self.uow.alerts.take_id(),
            integration_id=integration.id,
            service_id=service.id,
            dedup_key=event.dedup_key,
            group_key=group_key(event, grouping, integration.id)[:600],
            status="firing",
            summary=event.summary[:1024],
            severity=event.severity,
            source=event.source[:255],
            labels=event.labels,
            payload=event.payload,
            starts_at=min(event.starts_at or self.now, self.now),
            first_seen_at=self.now,
            last_seen_at=self.now,
        )
        self.new_alerts.append(alert)
        alert.silence_id = first_silence(self.silences, service.id, event.labels, self.now)
        if alert.silence_id is not None:
            return alert
        target = self._refire_incident(alert)
        if target is None:
            target = self._group_incident(alert, grouping) or self._declare(act, service, alert)
        self._attach(act, target, alert)
        if not alert.flapping:
            self._reopen_if_resolved(act, target, alert)
        return alert

    def _refire_incident(self, alert: AlertRecord) -> int | None:
        """An alert that fires again within the flapping window rejoins its last incident (unless
        closed); once it has cleared ``threshold`` times in the window it is marked flapping."""
        slot = (alert.integration_id, alert.dedup_key)
        cleared = self.cleared_before.get(slot, 0)
        if not cleared:
            return None
        alert.flapping = FLAPPING.is_flapping(cleared)
        previous = self.uow.alerts.last_incident_of(*slot)
        if previous is None or self.incident(previous).state.timestamps.closed_at is not None:
            return None
        return previous

    def _reopen_if_resolved(self, act: Act, incident_id: int, alert: AlertRecord) -> None:
        """A resolved incident whose alert fires again goes back to where it was before resolving.

        A flapping alert does not reopen it: that is how the flapping stops paging people.
        """
        touched = self.incident(incident_id)
        state, workflow = touched.state, touched.workflow
        if state.timestamps.resolved_at is None:
            return
        resolved_phase = workflow.index(workflow.marked("resolved"))
        before = [v.phase for v in state.phase_history if workflow.index(v.phase) < resolved_phase]
        reason = f"alert {alert.dedup_key} fired again"
        try:
            self.record(
                incident_id, lambda s: rules.transition(act, s, workflow, before[-1], reason)
            )
        except (FirelineError, IndexError):
            self.record(
                incident_id,
                lambda s: rules.add_note(act, s, f"{reason}; the incident stays resolved"),
            )

    def _group_incident(self, alert: AlertRecord, grouping: Grouping | None) -> int | None:
        incident_id = self.group_incident.get((alert.service_id, alert.group_key))
        if incident_id is None:
            return None
        state = self.incident(incident_id).state
        detected = state.timestamps.detected_at or self.now
        if state.timestamps.resolved_at is None and joins(grouping, detected, alert.starts_at):
            return incident_id
        return None

    def _declare(self, act: Act, service: Service, alert: AlertRecord) -> int:
        version, workflow = organisation.choose_workflow(self.uow, None, [service])
        state, events = rules.declare(
            act,
            incident_id=self.uow.incidents.next_id(),
            workflow=workflow,
            workflow_version=version,
            policy=organisation.priority_policy(self.uow),
            title=alert.summary[:200] or alert.dedup_key[:200],
            origin="alert",
            detected_at=alert.starts_at,
            summary="",
            services=[service.id],
            impact=service.impact,
            urgency=URGENCY_OF[alert.severity],  # type: ignore[index]
            severity=incident_severity(alert.severity, organisation.severities(self.uow)),  # type: ignore[arg-type]
            impact_started_at=None,
            drill=False,
        )
        self.incidents[state.id] = Touched(state, workflow, events, new=True)
        self.group_incident[(service.id, alert.group_key)] = state.id
        return state.id

    def _attach(self, act: Act, incident_id: int, alert: AlertRecord) -> None:
        alert.incident_id = incident_id
        self.record(
            incident_id,
            lambda s: rules.record_news(
                s,
                AlertAttached(
                    at=act.now,
                    actor=act.actor,
                    alert_id=alert.id,
                    integration=alert.integration_id,
                    dedup_key=alert.dedup_key,
                    summary=alert.summary,
                    severity=alert.severity,
                    labels=alert.labels,
                    flapping=alert.flapping,
                    **(
                        {"derived": self._derivation(incident_id, alert)}
                        if self._opened_by(incident_id)
                        else {}
                    ),
                ),
            ),
        )

    def _opened_by(self, incident_id: int) -> bool:
        """Whether this commit declared the incident and nothing is attached to it yet."""
        touched = self.incidents[incident_id]
        return touched.new and not any(isinstance(e, AlertAttached) for e in touched.events)

    def _derivation(self, incident_id: int, alert: AlertRecord) -> dict[str, str]:
        """How the new incident's fields came from its first alert, for the timeline."""
        state = self.incidents[incident_id].state
        return {
            "detected_at": "the alert's start",
            "impact": f"{state.impact}: the default impact of service {alert.service_id}",
            "urgency": f"{state.urgency}: alert severity {alert.severity}",
            "severity": f"{state.severity}: alert severity {alert.severity}, by rank",
        }

    def _acknowledge(self, act: Act, alert: AlertRecord) -> None:
        if alert.status != "firing":
            return
        alert.change(status="acknowledged")
        incident = self.incident(alert.incident_id) if alert.incident_id is not None else None
        if incident is not None and incident.state.timestamps.resolved_at is None:
            self.record(incident.state.id, lambda s: rules.acknowledge(act, s))

    def _resolve(self, act: Act, alert: AlertRecord, event: AlertEvent) -> None:
        alert.change(
            status="resolved",
            resolved_at=max(min(event.ends_at or self.now, self.now), alert.starts_at),
        )
        self.resolved.append(alert)
        if alert.incident_id is not None:
            self.record(
                alert.incident_id,
                lambda s: rules.record_news(
                    s,
                    AlertResolved(
                        at=act.now, actor=act.actor, alert_id=alert.id, dedup_key=alert.dedup_key
                    ),
                ),
            )
            self.cleared.add(alert.incident_id)

    def record(self, incident_id: int, decide: Callable[[Incident], Outcome]) -> None:
        touched = self.incident(incident_id)
        touched.state, events = decide(touched.state)
        touched.events += events

    def incident(self, incident_id: int) -> Touched:
        if incident_id not in self.incidents:
            state = self.hot.incident(self.uow, incident_id)
            workflow = self.hot.workflow(self.uow, state.workflow, state.workflow_version)
            self.incidents[incident_id] = Touched(state, workflow)
        return self.incidents[incident_id]

    def service(self, service_id: str) -> Service:
        if service_id not in self.services:
            self.services[service_id] = self.uow.directory.service(service_id)
        return self.services[service_id]

    def grouping(self, service: Service) -> Grouping | None:
        if service.id not in self.groupings:
            self.groupings[service.id] = grouping_of(service)
        return self.groupings[service.id]

    def save(self) -> None:
        """Auto-resolve what cleared, then write incidents before the alerts that point at them."""
        for incident_id in sorted(self.cleared):
            self._auto_resolve(incident_id)
        for touched in self.incidents.values():
            if touched.new:
                self.uow.incidents.add(touched.state, touched.events)
        self.uow.incidents.save_many(
            [(t.state, t.events) for t in self.incidents.values() if not t.new]
        )
        new_ids = {a.id for a in self.new_alerts}
        # Resolutions first: an alert resolved and fired again in this commit has a new open row.
        self.uow.alerts.save(
            a for a in [*self.resolved, *self.open.values()] if a.id not in new_ids
        )
        self.uow.alerts.add(self.new_alerts)

    def _auto_resolve(self, incident_id: int) -> None:
        touched = self.incident(incident_id)
        services = [self.service(s) for s in touched.state.services]
        if not any(s.auto_resolve for s in services) or self._open_alert_count(incident_id):
            return
        if touched.state.timestamps.resolved_at is not None:
            return
        act = Act("fireline:auto-resolve", self.now)
        try:
            self.record(
                incident_id, lambda s: rules.resolve(act, s, touched.workflow, AUTO_RESOLVE_SUMMARY)
            )
        except FirelineError as refused:
            note = f"All alerts cleared, but the incident could not be resolved automatically: {refused}"
            self.record(incident_id, lambda s: rules.add_note(act, s, note))

    def _open_alert_count(self, incident_id: int) -> int:
        mine = [a for a in [*self.open.values(), *self.resolved] if a.incident_id == incident_id]
        stored = self.uow.alerts.open_ids(incident_id) - {a.id for a in mine}
        return len(stored) + sum(a.status != "resolved" for a in mine)


def grouping_of(service: Service) -> Grouping | None:
    config = service.alert_grouping
    if not config:
        return None
    window = parse_duration(config["window"]) if config.get("window") else None
    return Grouping(tuple(config.get("by") or ()), window)


def deadline(integration: IntegrationRecord) -> datetime | None:
    """When a heartbeat's next beat is due: an interval after the last one. None before its
    first beat: a new heartbeat waits for the job it watches to run once (no surprise alert)."""
    if integration.last_beat_at is None:
        return None
    return integration.last_beat_at + parse_duration(integration.settings["interval"])
