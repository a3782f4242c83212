"""Alerts from monitoring, normalised: what an event asks for, how it groups, what silences it.

Every ingestion format (Alertmanager, PagerDuty Events v2, generic JSON,
heartbeats) is turned into :class:`AlertEvent` values; the rules here decide
what they mean, without any I/O.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

Action = Literal["trigger", "acknowledge", "resolve"]
Severity = Literal["critical", "error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "error", "warning", "info")
URGENCY_OF: dict[Severity, str] = {
    "critical": "high",
    "error": "high",
    "warning": "medium",
    "info": "low",
}
SEVERITY_ALIASES: dict[str, Severity] = {
    "critical": "critical",
    "crit": "critical",
    "fatal": "critical",
    "page": "critical",
    "p1": "critical",
    "high": "error",
    "error": "error",
    "err": "error",
    "major": "error",
    "p2": "error",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "minor": "warning",
    "p3": "warning",
    "info": "info",
    "information": "info",
    "low": "info",
    "none": "info",
    "p4": "info",
    "p5": "info",
}


@dataclass(frozen=True)
class AlertEvent:
    """One thing a monitoring system said about one alert."""

    action: Action
    dedup_key: str
    summary: str = ""
    severity: Severity = "error"
    source: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    group_hint: str | None = None  # Alertmanager's groupKey: its own grouping
    payload: dict[str, Any] = field(default_factory=dict)


def severity_of(value: object, default: Severity = "error") -> Severity:
    """Read a severity written any common way ("crit", "P2", "warning"…); unknown → default."""
    return (
        SEVERITY_ALIASES.get(str(value).strip().lower(), default) if value is not None else default
    )


def incident_severity(severity: Severity, configured: tuple[str, ...]) -> str | None:
    """The organisation's severity at the same rank (critical → the first, info → the fourth)."""
    rank = SEVERITIES.index(severity)
    return configured[min(rank, len(configured) - 1)] if configured else None


@dataclass(frozen=True)
class Grouping:
    """A service's alert grouping: by labels, by time window, or one incident per alert."""

    by: tuple[str, ...] = ()
    window: timedelta | None = None


def group_key(event: AlertEvent, grouping: Grouping | None, integration_id: str) -> str:
    """Alerts with the same key may share an incident.

    With ``by`` labels: the values of those labels. With only a window: all
    alerts of the service. Without grouping: Alertmanager's own group, else
    one incident per alert (per integration and dedup key).
    """
    if grouping and grouping.by:
        values = [event.labels.get(name, "") for name in grouping.by]
        return "labels:" + json.dumps(values, ensure_ascii=False)
    if grouping and grouping.window:
        return "service"
    if event.group_hint:
        return "am:" + event.group_hint
    return f"alert:{integration_id}:{event.dedup_key}"


def joins(grouping: Grouping | None, incident_detected_at: datetime, alert_at: datetime) -> bool:
    """Whether an alert may join an open incident of its group (within the window, if any)."""
    if grouping is None or grouping.window is None:
        return True
    return alert_at - incident_detected_at <= grouping.window


Operator = Literal["=", "!=", "=~", "!~"]


@dataclass(frozen=True)
class Matcher:
    """A label matcher as Alertmanager writes them: name, operator, value (regex anchored)."""

    name: str
    op: Operator
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = compiled(self.value).fullmatch(actual) is not None
        return found if self.op == "=~" else not found


@functools.lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """A matcher's regular expression, compiled once (raises re.error when it is not one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": valid today
        return re.compile(pattern)


@dataclass(frozen=True)
class Silence:
    """Alerts matching every matcher (and the service, if set) during [starts_at, ends_at)."""

    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    service_id: str | None = None

    def silences(self, service_id: str, labels: dict[str, str], at: datetime) -> bool:
        if not self.starts_at <= at < self.ends_at:
            return False
        if self.service_id is not None and self.service_id != service_id:
            return False
        return all(m.matches(labels) for m in self.matchers)


def first_silence(
    silences: list[Silence], service_id: str, labels: dict[str, str], at: datetime
) -> int | None:
    """The id of the first silence that covers this alert, or None."""
    return next((s.id for s in silences if s.silences(service_id, labels, at)), None)


@dataclass(frozen=True)
class Flapping:
    """An alert that resolved ``threshold`` times within ``window`` and fires again is flapping."""

    window: timedelta = timedelta(hours=1)
    threshold: int = 3

    def is_flapping(self, recent_resolutions: int) -> bool:
        return recent_resolutions >= self.threshold


def _label(value: str | int | float | bool) -> str:
    """A scalar as a label value, booleans spelt as in JSON."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


RESOLVED_WORDS = {
    "resolved",
    "ok",
    "closed",
    "recovered",
    "clear",
    "cleared",
    "inactive",
    "normal",
    "up",
}
ACK_WORDS = {"acknowledged", "ack", "acked"}


def dig(data: object, path: str) -> object:
    """The value at a dotted path (``alert.labels.host``; list items by number), or None."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def map_generic(data: dict[str, Any], mapping: dict[str, str]) -> AlertEvent:
    """Read an alert out of any JSON document with a per-integration mapping of dotted paths.

    ``dedup_key`` and ``summary`` name fields; ``severity`` is read leniently; a
    ``status`` field whose value is resolved/ok/closed/… resolves the alert.
    """
    dedup = dig(data, mapping.get("dedup_key", "dedup_key"))
    if dedup is None or dedup == "":
        raise ValueError(
            f"no dedup key at `{mapping.get('dedup_key', 'dedup_key')}` in the document"
        )
    status = str(dig(data, mapping.get("status", "status")) or "").strip().lower()
    action: Action = (
        "resolve"
        if status in RESOLVED_WORDS
        else "acknowledge"
        if status in ACK_WORDS
        else "trigger"
    )
    labels = {k: _label(v) for k, v in data.items() if isinstance(v, str | int | float | bool)}
    return AlertEvent(
        action=action,
        dedup_key=str(dedup)[:255],
        summary=str(dig(data, mapping.get("summary", "summary")) or dedup)[:1024],
        severity=severity_of(dig(data, mapping.get("severity", "severity"))),
        source=str(dig(data, mapping.get("source", "source")) or "")[:255],
        labels=labels,
        payload=data,
    )
