"""Typed events: one model per kind, stored exactly as before they were typed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from fireline.domain.events import EVENT_KINDS, EVENT_TYPES, kind_of, parse_event
from fireline.domain.state import apply

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T = "2026-03-02T09:05:00+00:00"
CHANGE = {"before": None, "after": "high"}
# What the code wrote into incident_events.data for each kind before events were typed.
STORED: dict[str, dict[str, Any]] = {
    "declared": {
        "incident_id": 7, "title": "Checkout 502", "workflow": "standard", "workflow_version": 1,
        "phase": "reporting", "origin": "declared", "detected_at": T, "priority": "P2",
        "sets": ["reported"], "summary": "", "services": ["checkout-api"], "impact": "high",
        "urgency": "medium", "severity": None, "impact_started_at": None, "drill": False,
    },
    "phase_changed": {
        "from": "reporting", "to": "resolution", "move": "skip", "reason": "fixed",
        "sets": ["resolved", "mitigated"], "clears": [],
    },
    "fields_changed": {"changes": {"impact": CHANGE, "priority": {"before": "P3", "after": None}}},
    "acknowledged": {},
    "acknowledgement_expired": {"acknowledged_at": T, "timeout": "0:30:00"},
    "mitigated": {},
    "sla_breached": {"target": "acknowledge", "due_at": T, "priority": "P1"},
    "postmortem_status_changed": {"before": None, "after": "draft", "template": "default"},
    "follow_up_added": {"follow_up_id": "F1", "title": "Canary releases", "owner": "bob",
                        "due_at": T},
    "follow_up_updated": {"follow_up_id": "F1", "changes": {"done": {"before": False, "after": True}}},
    "resolution_summary_set": {"summary": "Rolled back"},
    "metrics_exclusion_set": {"excluded": True, "reason": "a test"},
    "role_assigned": {"role": "commander", "before": None, "after": "alice"},
    "task_added": {"task_id": "T1", "title": "Set impact", "owner": None, "due_at": None,
                   "phase": "assessment", "source": "checklist"},
    "task_updated": {"task_id": "T1", "changes": {"done": {"before": False, "after": True}}},
    "note_added": {"text": "Replica lag 40s", "pinned": True},
    "status_update_posted": {"message": "Rolling back", "visibility": "public"},
    "alert_attached": {
        "alert_id": 3, "integration": "checkout-alertmanager", "dedup_key": "fp1",
        "summary": "HighErrorRate", "severity": "critical", "labels": {"alertname": "X"},
        "flapping": False, "derived": {"impact": "high: the default impact"},
    },
    "alert_resolved": {"alert_id": 3, "dedup_key": "fp1"},
    "escalation_step_fired": {"policy": "payments-default", "step": 1, "round": 1,
                              "users": ["carol"], "unreachable": []},
    "escalated_now": {"step": 2},
    "reassigned": {"user": "bob"},
    "status_update_due": {"lead": "bob", "last_update": T, "every": "0:30:00"},
    "page_sent": {"user": "carol", "contact": "carol-hook", "channel": "webhook",
                  "attempts": 1, "idempotency_key": "page:7:0:carol:carol-hook:0"},
    "page_failed": {"user": "carol", "contact": "carol-mail", "channel": "email", "attempts": 5,
                    "idempotency_key": "page:7:0:carol:carol-mail:1", "reason": "refused"},
    "page_throttled": {"user": "carol", "contact": "carol-hook", "channel": "webhook",
                       "until": T, "idempotency_key": "page:7:1:carol:carol-hook:0"},
    "page_coalesced": {"user": "bob", "contact": "bob-hook", "channel": "webhook",
                       "digest_at": T, "idempotency_key": "page:9:1:bob:bob-hook:0"},
    "digest_sent": {"user": "bob", "contact": "bob-hook", "channel": "webhook", "attempts": 1,
                    "idempotency_key": "digest:7:x:bob:bob-hook",
                    "text": "3 more pages for #7, #9, #12 in the last 15 min"},
    "job_failed": {"job": "escalate", "attempts": 5, "error": "boom"},
    "follow_up_overdue": {"follow_up_id": "F1", "owner": "bob", "due_at": T, "reminded": True},
    "recurrence_suspected": {"matches": [{"incident_id": 2, "title": "Checkout 502",
                                          "score": 0.75, "open_follow_ups": 1,
                                          "reasons": ["3 shared words"]}]},
}  # fmt: skip


def test_every_kind_has_one_type_and_a_stored_example() -> None:
    assert len(set(EVENT_KINDS)) == len(EVENT_TYPES)
    assert set(EVENT_KINDS) == set(STORED)


@pytest.mark.parametrize("kind", sorted(STORED))
def test_stored_data_reads_and_writes_back_unchanged(kind: str) -> None:
    event = parse_event(kind, AT, "alice", STORED[kind])
    assert (event.kind, event.at, event.actor) == (kind, AT, "alice")
    assert event.data == STORED[kind]
    assert kind_of(type(event)) == kind


def test_fields_an_event_was_not_given_are_not_stored() -> None:
    note = parse_event("note_added", AT, "bob", {"text": "coffee"})
    assert note.data == {"text": "coffee"}


def test_unknown_kinds_and_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        parse_event("acknowleged", AT, "bob", {})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse_event("acknowledged", AT, "bob", {"by": "phone"})
    with pytest.raises(ValidationError, match="Field required"):
        parse_event("role_assigned", AT, "bob", {"before": None})


def test_every_kind_applies_to_a_declared_incident() -> None:
    state = apply(None, parse_event("declared", AT, "alice", STORED["declared"]))
    for kind in EVENT_KINDS:
        if kind != "declared":
            state = apply(state, parse_event(kind, AT, "alice", STORED[kind]))
    assert state.seq == len(EVENT_KINDS)
    with pytest.raises(ValueError, match="declared already"):
        apply(state, parse_event("declared", AT, "alice", STORED["declared"]))
