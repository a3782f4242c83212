"""PagerDuty Events API v2: the same fields, rules and answers, so PagerDuty clients work unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

from fireline.domain.alerts import AlertEvent
from fireline.integrations.limits import PayloadInvalid, check_depth, check_labels, decode

Short = Annotated[str, msgspec.Meta(max_length=1024)]


class Payload(msgspec.Struct, frozen=True, rename={"class_": "class"}):
    summary: Annotated[str, msgspec.Meta(max_length=1024)] = ""
    source: Short = ""
    severity: str = ""
    timestamp: datetime | None = None
    component: Short | None = None
    group: Short | None = None
    class_: Short | None = None
    custom_details: Any = None


class Event(msgspec.Struct, frozen=True):
    routing_key: Annotated[str, msgspec.Meta(max_length=64)]
    event_action: str
    dedup_key: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    payload: Payload | None = None
    images: list[Any] | None = None
    links: list[Any] | None = None
    client: Short | None = None
    client_url: Short | None = None


_decoder = msgspec.json.Decoder(Event)
SEVERITIES = ("critical", "error", "warning", "info")


def parse(body: bytes) -> tuple[str, AlertEvent]:
    """The routing key and the event; PayloadInvalid lists what PagerDuty would reject."""
    try:
        event = decode(body, _decoder.decode)
    except msgspec.ValidationError as error:
        raise PayloadInvalid([str(error)]) from None
    except msgspec.DecodeError:
        raise PayloadInvalid(["Event object is not valid JSON"]) from None
    for name in ("images", "links"):
        check_depth(getattr(event, name), name)
    if event.payload is not None:
        check_depth(event.payload.custom_details, "payload.custom_details")
    errors = _errors(event)
    if errors:
        raise PayloadInvalid(errors)
    return event.routing_key, _alert(event)


def _errors(event: Event) -> list[str]:
    errors = []
    if not event.routing_key:
        errors.append("'routing_key' is missing or blank")
    if event.event_action not in ("trigger", "acknowledge", "resolve"):
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
    if event.event_action in ("acknowledge", "resolve") and not event.dedup_key:
        errors.append("'dedup_key' is required to acknowledge or resolve")
    if event.event_action == "trigger":
        payload = event.payload
        if payload is None:
            errors.append("'payload' is missing")
        else:
            errors += [
                f"'payload.{f}' is missing or blank"
                for f in ("summary", "source")
                if not getattr(payload, f)
            ]
            if payload.severity not in SEVERITIES:
                errors.append("'payload.severity' must be one of critical, error, warning, info")
    return errors


def _alert(event: Event) -> AlertEvent:
    payload = event.payload or Payload()
    details = payload.custom_details if isinstance(payload.custom_details, dict) else {}
    labels = {k: str(v) for k, v in details.items() if isinstance(v, str | int | float | bool)}
    labels.update(
        {
            k: v
            for k, v in (
                ("source", payload.source),
                ("component", payload.component),
                ("group", payload.group),
                ("class", payload.class_),
            )
            if v
        }
    )
    check_labels(labels, "payload.custom_details")
    timestamp = payload.timestamp
    if timestamp is not None and timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    return AlertEvent(
        action=event.event_action,  # type: ignore[arg-type]
        dedup_key=event.dedup_key or uuid.uuid4().hex,
        summary=payload.summary,
        severity=payload.severity if payload.severity in SEVERITIES else "error",  # type: ignore[arg-type]
        source=payload.source,
        labels={**labels, "severity": payload.severity} if payload.severity else labels,
        starts_at=timestamp,
        payload={k: v for k, v in msgspec.to_builtins(event).items() if k != "routing_key"},
    )


def accepted(dedup_key: str) -> dict[str, str]:
    return {"status": "success", "message": "Event processed", "dedup_key": dedup_key}


def invalid(errors: list[str]) -> dict[str, Any]:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
