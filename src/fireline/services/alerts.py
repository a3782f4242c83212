"""Ingest alerts: deduplicate, silence, group into incidents, clear, auto-resolve.

:func:`ingest` takes many submissions (HTTP requests) and handles them in one
transaction: the ingest endpoints commit in groups, and answer each request
only after the commit that holds its alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

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
    map_generic,
)
from fireline.domain.durations import parse_duration
from fireline.domain.events import Event, Incident
from fireline.domain.incident import Act
from fireline.domain.workflow import Workflow
from fireline.errors import FirelineError
from fireline.services import organisation
from fireline.storage.alerts import AlertRecord
from fireline.storage.models import Integration, Service
from fireline.storage.uow import UnitOfWork

Kind = Literal["alertmanager", "events_v2", "generic", "heartbeat"]
HEARTBEAT_KEY = "heartbeat"
AUTO_RESOLVE_SUMMARY = "All alerts cleared; resolved automatically."


@dataclass(frozen=True)
class Submission:
    """One request's worth of alert events for one integration key."""

    key: str
    kind: Kind
    events: list[AlertEvent] = field(default_factory=list)
    document: dict[str, Any] | None = None  # generic JSON, mapped once the integration is known
    beat: bool = False  # a heartbeat ping


@dataclass(frozen=True)
class Accepted:
    dedup_keys: list[str]


@dataclass(frozen=True)
class Rejected:
    status: int
    message: str


Outcome = Accepted | Rejected


def ingest(*, uow: UnitOfWork, submissions: list[Submission]) -> list[Outcome]:
    """Handle every submission in one transaction; a rejected one changes nothing."""
    with uow:
        batch = _Batch(uow)
        outcomes = [batch.take(s) for s in submissions]
        batch.save()
        uow.commit()
    return outcomes


@dataclass
class _Touched:
    state: Incident
    workflow: Workflow
    events: list[Event] = field(default_factory=list)
    new: bool = False


class _Batch:
    """Everything one group commit reads and changes, loaded once and written once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.now = uow.now()
        self.silences = uow.silences.active(self.now)
        self.services: dict[str, Service] = {}
        self.incidents: dict[int, _Touched] = {}
        self.new_alerts: list[AlertRecord] = []
        self.new_ids: set[int | None] = set()
        self.changed_alerts: dict[int, AlertRecord] = {}
        self.cleared: set[int] = set()  # incidents that lost an alert: auto-resolve candidates

    def take(self, submission: Submission) -> Outcome:
        integration = self.uow.alerts.integration_for_key(submission.key, self.now)
        refusal = _refusal(integration, submission)
        if refusal is not None or integration is None:
            return refusal or Rejected(404, "unknown integration key")
        events = submission.events
        if submission.document is not None:
            try:
                events = [
                    map_generic(submission.document, integration.settings.get("mapping") or {})
                ]
            except ValueError as error:
                return Rejected(400, str(error))
        if submission.beat:
            integration.last_beat_at = self.now
            events = [AlertEvent(action="resolve", dedup_key=HEARTBEAT_KEY)]
        service = self._service(integration.service_id)
        open_alerts = self.uow.alerts.open_alerts(integration.id, [e.dedup_key for e in events])
        actor = f"integration:{integration.id}"
        for event in events:
            self._apply(Act(actor, self.now), integration, service, event, open_alerts)
        return Accepted([e.dedup_key for e in events])

    def _apply(
        self,
        act: Act,
        integration: Integration,
        service: Service,
        event: AlertEvent,
        open_alerts: dict[str, AlertRecord],
    ) -> None:
        current = open_alerts.get(event.dedup_key)
        if event.action == "trigger":
            if current is not None:
                self._repeat(current, event)
            else:
                open_alerts[event.dedup_key] = self._open(act, integration, service, event)
        elif current is None:
            return  # acknowledging or resolving nothing open: dropped, as PagerDuty does
        elif event.action == "acknowledge":
            self._acknowledge(act, current)
        else:
            self._resolve(act, current, event)
            del open_alerts[event.dedup_key]

    def _repeat(self, alert: AlertRecord, event: AlertEvent) -> None:
        alert.occurrences += 1
        alert.last_seen_at = self.now
        alert.payload = event.payload
        self._changed(alert)

    def _open(
        self, act: Act, integration: Integration, service: Service, event: AlertEvent
    ) -> AlertRecord:
        grouping = _grouping(service)
        starts_at = min(event.starts_at or self.now, self.now)
        alert = AlertRecord(
            id=self.uow.alerts.reserve_id(),
            integration_id=integration.id,
            service_id=service.id,
            dedup_key=event.dedup_key,
            group_key=group_key(event, grouping)[:600],
            status="firing",
            summary=event.summary[:1024],
            severity=event.severity,
            source=event.source[:255],
            labels=event.labels,
            payload=event.payload,
            starts_at=starts_at,
            first_seen_at=self.now,
            last_seen_at=self.now,
        )
        self.new_alerts.append(alert)
        self.new_ids.add(alert.id)
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
        rule = Flapping()
        cleared = self.uow.alerts.recent_resolutions(
            alert.integration_id, alert.dedup_key, self.now - rule.window
        )
        if not cleared:
            return None
        alert.flapping = rule.is_flapping(cleared)
        previous = self.uow.alerts.last_incident_of(alert.integration_id, alert.dedup_key)
        if previous is None or self._incident(previous).state.timestamps.closed_at is not None:
            return None
        return previous

    def _reopen_if_resolved(self, act: Act, incident_id: int, alert: AlertRecord) -> None:
        """A resolved incident whose alert fires again goes back to where it was before resolving.

        A flapping alert does not reopen it: that is how the flapping stops paging people.
        """
        touched = self._incident(incident_id)
        state, workflow = touched.state, touched.workflow
        if state.timestamps.resolved_at is None:
            return
        resolved_phase = workflow.index(workflow.marked("resolved"))
        before = [v.phase for v in state.phase_history if workflow.index(v.phase) < resolved_phase]
        reason = f"alert {alert.dedup_key} fired again"
        try:
            self._record(
                incident_id, lambda s: rules.transition(act, s, workflow, before[-1], reason)
            )
        except (FirelineError, IndexError):
            self._record(
                incident_id,
                lambda s: rules.add_note(act, s, f"{reason}; the incident stays resolved"),
            )

    def _group_incident(self, alert: AlertRecord, grouping: Grouping | None) -> int | None:
        batch_ids = [
            a.incident_id
            for a in self.new_alerts
            if a.group_key == alert.group_key
            and a.service_id == alert.service_id
            and a.incident_id is not None
        ]
        stored = self.uow.alerts.group_incidents(alert.service_id, alert.group_key)
        for incident_id in dict.fromkeys([*reversed(batch_ids), *stored]):
            state = self._incident(incident_id).state
            detected = state.timestamps.detected_at or self.now
            if state.timestamps.resolved_at is None and joins(grouping, detected, alert.starts_at):
                return incident_id
        return None

    def _declare(self, act: Act, service: Service, alert: AlertRecord) -> int:
        version, workflow = organisation.choose_workflow(self.uow, None, [service])
        severity = alert.severity
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
            urgency=URGENCY_OF[severity],  # type: ignore[index]
            severity=incident_severity(severity, organisation.severities(self.uow)),  # type: ignore[arg-type]
            impact_started_at=None,
            drill=False,
        )
        self.incidents[state.id] = _Touched(state, workflow, events, new=True)
        return state.id

    def _attach(self, act: Act, incident_id: int, alert: AlertRecord) -> None:
        alert.incident_id = incident_id
        self._record(
            incident_id,
            lambda s: rules.record_alert(
                act,
                s,
                "alert_attached",
                alert_id=alert.id,
                integration=alert.integration_id,
                dedup_key=alert.dedup_key,
                summary=alert.summary,
                severity=alert.severity,
                labels=alert.labels,
                flapping=alert.flapping,
            ),
        )

    def _acknowledge(self, act: Act, alert: AlertRecord) -> None:
        if alert.status != "firing":
            return
        alert.status = "acknowledged"
        self._changed(alert)
        incident = self._incident(alert.incident_id) if alert.incident_id is not None else None
        if incident is not None and incident.state.timestamps.resolved_at is None:
            self._record(incident.state.id, lambda s: rules.acknowledge(act, s))

    def _resolve(self, act: Act, alert: AlertRecord, event: AlertEvent) -> None:
        alert.status = "resolved"
        alert.resolved_at = max(min(event.ends_at or self.now, self.now), alert.starts_at)
        self._changed(alert)
        if alert.incident_id is not None:
            self._record(
                alert.incident_id,
                lambda s: rules.record_alert(
                    act,
                    s,
                    "alert_resolved",
                    alert_id=alert.id,
                    dedup_key=alert.dedup_key,
                ),
            )
            self.cleared.add(alert.incident_id)

    def _changed(self, alert: AlertRecord) -> None:
        if alert.id not in self.new_ids:
            self.changed_alerts[alert.id] = alert  # type: ignore[index]

    def _record(self, incident_id: int, decide: Any) -> None:
        touched = self._incident(incident_id)
        touched.state, events = decide(touched.state)
        touched.events += events

    def _incident(self, incident_id: int) -> _Touched:
        if incident_id not in self.incidents:
            state = self.uow.incidents.get(incident_id, for_update=True)
            workflow = self.uow.workflows.get(state.workflow, state.workflow_version)
            self.incidents[incident_id] = _Touched(state, workflow)
        return self.incidents[incident_id]

    def _service(self, service_id: str) -> Service:
        if service_id not in self.services:
            self.services[service_id] = self.uow.directory.get(Service, service_id)
        return self.services[service_id]

    def save(self) -> None:
        """Auto-resolve what cleared, then write incidents before the alerts that point at them."""
        for incident_id in sorted(self.cleared):
            self._auto_resolve(incident_id)
        for touched in self.incidents.values():
            if touched.new:
                self.uow.incidents.add(touched.state, touched.events)
            else:
                self.uow.incidents.save(touched.state, touched.events)
        self.uow.alerts.add(self.new_alerts)
        self.uow.alerts.save(list(self.changed_alerts.values()))

    def _auto_resolve(self, incident_id: int) -> None:
        touched = self._incident(incident_id)
        services = [self._service(s) for s in touched.state.services]
        if not any(s.auto_resolve for s in services) or self._open_alert_count(incident_id):
            return
        if touched.state.timestamps.resolved_at is not None:
            return
        act = Act("fireline:auto-resolve", self.now)
        try:
            self._record(
                incident_id, lambda s: rules.resolve(act, s, touched.workflow, AUTO_RESOLVE_SUMMARY)
            )
        except FirelineError as refused:
            note = f"All alerts cleared, but the incident could not be resolved automatically: {refused}"
            self._record(incident_id, lambda s: rules.add_note(act, s, note))

    def _open_alert_count(self, incident_id: int) -> int:
        mine = [
            a
            for a in [*self.new_alerts, *self.changed_alerts.values()]
            if a.incident_id == incident_id
        ]
        stored = self.uow.alerts.open_ids(incident_id) - {a.id for a in mine}
        return len(stored) + sum(a.status != "resolved" for a in mine)


def _refusal(integration: Integration | None, submission: Submission) -> Rejected | None:
    if integration is None:
        return Rejected(
            404,
            "unknown integration key; check the URL (or routing_key) against `fireline integration list`",
        )
    if integration.revoked_at is not None:
        return Rejected(403, f"integration {integration.id}'s key was revoked; use its new key")
    if integration.type != submission.kind:
        return Rejected(
            400, f"this key belongs to a {integration.type} integration, not {submission.kind}"
        )
    return None


def _grouping(service: Service) -> Grouping | None:
    config = service.alert_grouping
    if not config:
        return None
    window = parse_duration(config["window"]) if config.get("window") else None
    return Grouping(tuple(config.get("by") or ()), window)


def _beat_deadline(integration: Integration) -> datetime:
    """When the next beat is due: an interval after the last one (or after the integration's creation)."""
    return (integration.last_beat_at or integration.created_at) + parse_duration(
        integration.settings["interval"]
    )


def check_heartbeats(*, uow: UnitOfWork) -> list[str]:
    """Open an alert for every heartbeat that missed its interval; return their integration ids.

    The alert starts when the beat was due; the next beat resolves it.
    """
    with uow.read():
        now = uow.now()
        due = [
            (i.id, i.key, i.settings["interval"], _beat_deadline(i))
            for i in uow.alerts.heartbeats()
            if _beat_deadline(i) <= now and not uow.alerts.open_alerts(i.id, [HEARTBEAT_KEY])
        ]
    missed = []
    for integration_id, key, interval, deadline in due:
        event = AlertEvent(
            action="trigger",
            dedup_key=HEARTBEAT_KEY,
            severity="critical",
            starts_at=deadline,
            summary=f"No heartbeat from {integration_id} for {interval}",
        )
        outcome = ingest(uow=uow, submissions=[Submission(key, "heartbeat", [event])])[0]
        if isinstance(outcome, Accepted):
            missed.append(integration_id)
    return missed
