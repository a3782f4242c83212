"""Typed jobs: rows queued before jobs were typed still read, and keys are the ones they had."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fireline.domain.jobs import (
    JOB_KINDS,
    JOB_TYPES,
    AckTimeout,
    Claimed,
    Digest,
    Escalate,
    FollowUpDue,
    IncidentChannel,
    Job,
    Notice,
    Page,
    RecurrenceCheck,
    SlaCheck,
    StatusReminder,
    Unreadable,
    UnreadableJob,
    backoff,
    kind_of,
    page_or_notice,
    parse_job,
)

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
POLICY = {"id": "payments-default", "steps": [{"targets": [{"user": "carol"}]}]}
HOOK = {"id": "carol-hook", "type": "webhook", "url": "http://127.0.0.1:9199/hooks/carol"}
ROOM = {"id": "room", "type": "webhook", "url": "http://h/room", "events": ["declared"]}

# Payloads exactly as the code before typed jobs wrote them, one per shape it could write.
OLD_ROWS: list[tuple[str, dict[str, Any], Job]] = [
    (
        "escalate",
        {"incident_id": 7, "policy": POLICY, "position": 1, "run": "@12"},
        Escalate(incident_id=7, policy=POLICY, position=1, run="@12"),
    ),
    (
        "escalate",
        {"incident_id": 7, "policy": POLICY, "position": 0},  # written before restarts had runs
        Escalate(incident_id=7, policy=POLICY),
    ),
    (
        "notify",
        {
            "incident_id": 7,
            "purpose": "page",
            "recipient": "carol",
            "contact": HOOK,
            "reassigned": False,
        },
        Page(incident_id=7, recipient="carol", contact=HOOK),
    ),
    (
        "message",
        {
            "incident_id": 7,
            "purpose": "announcement",
            "recipient": "service:checkout-api",
            "contact": ROOM,
            "text": "Incident declared by dana, in reporting.",
        },
        Notice(
            incident_id=7,
            purpose="announcement",
            recipient="service:checkout-api",
            contact=ROOM,
            text="Incident declared by dana, in reporting.",
        ),
    ),
    (
        "message",
        {
            "incident_id": 7,
            "purpose": "reminder",
            "recipient": "carol",
            "contact": HOOK,
            "reassigned": False,
            "text": "Follow-up F1 of incident #7 was due",
        },
        Notice(
            incident_id=7,
            purpose="reminder",
            recipient="carol",
            contact=HOOK,
            text="Follow-up F1 of incident #7 was due",
        ),
    ),
    ("status_reminder", {"incident_id": 7}, StatusReminder(incident_id=7)),
    (
        "ack_timeout",
        {"incident_id": 7, "acknowledged_at": "2026-03-02T09:05:00+00:00"},
        AckTimeout(incident_id=7, acknowledged_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC)),
    ),
    (
        "sla_check",
        {"incident_id": 7, "target": "mitigate"},
        SlaCheck(incident_id=7, target="mitigate"),
    ),
    (
        "follow_up_due",
        {"incident_id": 7, "follow_up": "F1", "due_at": "2026-03-09T12:00:00+00:00"},
        FollowUpDue(incident_id=7, follow_up="F1", due_at=datetime(2026, 3, 9, 12, tzinfo=UTC)),
    ),
    ("recurrence_check", {"incident_id": 7}, RecurrenceCheck(incident_id=7)),
    ("incident_channel", {"incident_id": 7}, IncidentChannel(incident_id=7)),
    (
        "digest",
        {"incident_id": 7, "recipient": "carol", "contact": HOOK, "window_seconds": 900},
        Digest(incident_id=7, recipient="carol", contact=HOOK, window_seconds=900),
    ),
]


@pytest.mark.parametrize(("kind", "payload", "job"), OLD_ROWS, ids=lambda v: str(v)[:20])
def test_a_row_queued_before_jobs_were_typed_still_reads(
    kind: str, payload: dict[str, Any], job: Job
) -> None:
    assert parse_job(kind, payload) == job


def test_every_kind_has_an_old_row_in_these_tests() -> None:
    assert {kind for kind, _, _ in OLD_ROWS} == set(JOB_KINDS)


@pytest.mark.parametrize(
    ("job", "key"),
    [
        (Escalate(incident_id=7, policy=POLICY), "escalate:7:0"),
        (Escalate(incident_id=7, policy=POLICY, run="@12").next_step(), "escalate:7:1@12"),
        (
            Page(incident_id=7, recipient="carol", contact=HOOK, label="1@12", rule=0),
            "page:7:1@12:carol:carol-hook:0",
        ),
        (
            Notice(
                incident_id=7, purpose="reminder", recipient="bob", contact=HOOK, label="x", rule=2
            ),
            "reminder:7:x:bob:carol-hook:2",
        ),
        (
            Notice(
                incident_id=7,
                purpose="announcement",
                recipient="team:payments",
                contact=ROOM,
                label="3",
            ),
            "announce:7:3:team:payments:room",
        ),
        (StatusReminder(incident_id=7), "reminder:7:2026-03-02T09:30:00+00:00"),
        (
            AckTimeout(incident_id=7, acknowledged_at=datetime(2026, 3, 2, 9, 5, tzinfo=UTC)),
            "ack_timeout:7:2026-03-02T09:05:00+00:00",
        ),
        (SlaCheck(incident_id=7, target="mitigate"), "sla:7:mitigate:2026-03-02T09:30:00+00:00"),
        (
            FollowUpDue(incident_id=7, follow_up="F1", due_at=datetime(2026, 3, 1, tzinfo=UTC)),
            "follow_up:7:F1:2026-03-01T00:00:00+00:00:2026-03-02T09:30:00+00:00",
        ),
        (RecurrenceCheck(incident_id=7), "recurrence:7"),
        (
            Digest(incident_id=7, recipient="carol", contact=HOOK, window_seconds=900),
            "digest:carol:carol-hook:2026-03-02T09:30:00+00:00",
        ),
        (
            Notice(incident_id=7, purpose="digest", recipient="carol", contact=HOOK, label="x"),
            "digest:7:x:carol:carol-hook",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_keys_are_the_ones_jobs_had_before_they_were_typed(job: Job, key: str) -> None:
    assert job.key(AT) == key


@pytest.mark.parametrize(("kind", "payload", "job"), OLD_ROWS, ids=lambda v: str(v)[:20])
def test_a_job_reads_back_as_it_was_written(kind: str, payload: dict[str, Any], job: Job) -> None:
    assert job.kind == kind
    assert parse_job(job.kind, job.payload) == job
    assert payload.items() <= job.payload.items()  # every key and value the old code wrote


def test_times_in_a_payload_keep_their_offset() -> None:
    job = AckTimeout(incident_id=7, acknowledged_at=datetime(2026, 3, 2, 9, 5, 1, 5, tzinfo=UTC))
    assert job.payload == {"incident_id": 7, "acknowledged_at": "2026-03-02T09:05:01.000005+00:00"}


def test_a_page_or_a_notice_by_purpose() -> None:
    page = page_or_notice("page", incident_id=1, recipient="a", contact=HOOK, label="0", rule=0)
    notice = page_or_notice("reminder", incident_id=1, recipient="a", contact=HOOK, label="x")
    assert isinstance(page, Page) and page.kind == "notify"
    assert isinstance(notice, Notice) and notice.kind == "message"


@pytest.mark.parametrize(
    ("kind", "payload", "problem"),
    [
        ("page_everyone", {"incident_id": 1}, "unknown job kind 'page_everyone'"),
        ("sla_check", {"incident_id": 1}, "a sla_check job that does not fit its class"),
        ("recurrence_check", {"incident_id": 1, "extra": 2}, "extra"),
        ("escalate", {"incident_id": "one", "policy": {}}, "incident_id"),
    ],
)
def test_a_row_no_class_describes_is_unreadable(
    kind: str, payload: dict[str, Any], problem: str
) -> None:
    with pytest.raises(UnreadableJob, match=problem):
        parse_job(kind, payload)


def test_kinds_are_unique_and_named_by_their_class() -> None:
    assert len(set(JOB_KINDS)) == len(JOB_TYPES) == 10
    assert kind_of(Page) == "notify" and kind_of(Notice) == "message"


def test_a_claim_narrows_to_its_class_or_says_why_not() -> None:
    claimed: Claimed[Job] = Claimed(1, "recurrence:7", 1, AT, RecurrenceCheck(incident_id=7))
    assert claimed.narrow(RecurrenceCheck).job.incident_id == 7
    assert (claimed.kind, claimed.incident_id) == ("recurrence_check", 7)
    with pytest.raises(UnreadableJob, match="not a SlaCheck"):
        claimed.narrow(SlaCheck)
    unreadable = Unreadable(2, "k", 1, AT, "page_everyone", 7, "unknown job kind")
    with pytest.raises(UnreadableJob, match="unknown job kind"):
        unreadable.narrow(RecurrenceCheck)


def test_backoff_doubles_from_five_seconds_up_to_five_minutes() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [5, 10, 20, 40, 80, 160, 300, 300]
    assert backoff(1) == timedelta(seconds=5)
