"""Prometheus Alertmanager webhooks (payload version 4), exactly as Alertmanager sends them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

from fireline.domain.alerts import AlertEvent, severity_of
from fireline.integrations.limits import (
    MAX_ALERTS_PER_REQUEST,
    PayloadInvalid,
    check_labels,
    decode,
)

Text = Annotated[str, msgspec.Meta(max_length=4096)]


class Alert(msgspec.Struct, frozen=True):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: datetime | None = None  # noqa: N815 - Alertmanager's field names
    endsAt: datetime | None = None  # noqa: N815
    generatorURL: Text = ""  # noqa: N815
    fingerprint: Annotated[str, msgspec.Meta(max_length=255)] = ""


class Webhook(msgspec.Struct, frozen=True):
    alerts: Annotated[list[Alert], msgspec.Meta(max_length=MAX_ALERTS_PER_REQUEST)]
    version: str = "4"
    groupKey: Text = ""  # noqa: N815
    truncatedAlerts: int = 0  # noqa: N815
    status: str = "firing"
    receiver: Text = ""
    groupLabels: dict[str, str] = {}  # noqa: N815
    commonLabels: dict[str, str] = {}  # noqa: N815
    commonAnnotations: dict[str, str] = {}  # noqa: N815
    externalURL: Text = ""  # noqa: N815


_decoder = msgspec.json.Decoder(Webhook)
_EPOCH = datetime(
    1970, 1, 2, tzinfo=UTC
)  # Alertmanager writes "0001-01-01T00:00:00Z" for "not set"


def parse(body: bytes) -> list[AlertEvent]:
    """The alert events in a webhook body; PayloadInvalid says what is wrong."""
    try:
        webhook = decode(body, _decoder.decode)
    except msgspec.ValidationError as error:
        raise PayloadInvalid([str(error)]) from None
    except msgspec.DecodeError as error:
        raise PayloadInvalid([f"not valid JSON: {error}"]) from None
    if webhook.version != "4":
        raise PayloadInvalid([f"webhook version {webhook.version!r}; Fireline reads version 4"])
    events = []
    for i, alert in enumerate(webhook.alerts):
        check_labels(alert.labels, f"alerts[{i}].labels")
        check_labels(alert.annotations, f"alerts[{i}].annotations")
        events.append(_event(webhook, alert))
    return events


def _event(webhook: Webhook, alert: Alert) -> AlertEvent:
    labels, notes = alert.labels, alert.annotations
    summary = notes.get("summary") or notes.get("description") or labels.get("alertname") or "Alert"
    return AlertEvent(
        action="trigger" if alert.status == "firing" else "resolve",
        dedup_key=alert.fingerprint or _fingerprint(labels),
        summary=summary,
        severity=severity_of(labels.get("severity")),
        source=labels.get("instance") or labels.get("job") or webhook.receiver,
        labels=labels,
        starts_at=_set(alert.startsAt),
        ends_at=_set(alert.endsAt),
        group_hint=webhook.groupKey or None,
        payload={
            **msgspec.to_builtins(alert),
            "groupKey": webhook.groupKey,
            "receiver": webhook.receiver,
            "externalURL": webhook.externalURL,
        },
    )


def _set(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)  # no zone given: UTC
    return None if value < _EPOCH else value


def _fingerprint(labels: dict[str, str]) -> str:
    """For senders too old to send one: a stable hash of the label set."""
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
