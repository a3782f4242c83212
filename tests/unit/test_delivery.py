"""A notification's decisions without a database: send, cancel, hold or coalesce; sent, failed
or retry — with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fireline.domain.jobs import Notice, Notification, Page
from fireline.domain.throttle import Throttle, Window, digest_text, outranks, rank
from fireline.notify import DeliveryFailed, Receipt
from fireline.services.paging.delivery import (
    Cancel,
    Coalesce,
    Failed,
    Hold,
    Retry,
    Sent,
    after_send,
    decide,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HOOK = {"id": "carol-hook", "type": "webhook", "url": "http://h/carol"}
PAGE = Page(incident_id=1, recipient="carol", contact=HOOK, label="0", rule=0)
REASSIGNED = Page(
    incident_id=1, recipient="carol", contact=HOOK, label="r", rule=0, reassigned=True
)
ANNOUNCEMENT = Notice(incident_id=1, purpose="announcement", recipient="team:x", contact=HOOK)
REMINDER = Notice(incident_id=1, purpose="reminder", recipient="carol", contact=HOOK, rule=0)
NO_LIMIT = Throttle(limit=0, window=timedelta(minutes=15))
TWO_PER_15 = Throttle(limit=2, window=timedelta(minutes=15))


def _decide(
    job: Notification,
    *,
    acknowledged: bool = False,
    resolved: bool = False,
    sent: tuple[datetime, ...] = (),
    paged: tuple[str | None, ...] = (),
    throttle: Throttle = NO_LIMIT,
    first: bool = False,
    priority: str | None = None,
) -> Cancel | Hold | Coalesce | None:
    return decide(
        job,
        acknowledged=acknowledged,
        resolved=resolved,
        window=Window(sent=sent, priorities=paged),
        throttle=throttle,
        now=NOW,
        first=first,
        priority=priority,
    )


FULL = (NOW - timedelta(minutes=10), NOW - timedelta(minutes=4))  # two sent: TWO_PER_15 is full


def test_a_page_goes_out_while_the_incident_needs_it() -> None:
    assert _decide(PAGE) is None


@pytest.mark.parametrize(("acknowledged", "resolved"), [(True, False), (False, True), (True, True)])
def test_acknowledging_or_resolving_cancels_a_page(acknowledged: bool, resolved: bool) -> None:
    decision = _decide(PAGE, acknowledged=acknowledged, resolved=resolved)
    assert decision == Cancel("the incident was acknowledged or resolved")


def test_a_reassignment_pages_an_acknowledged_incident_but_not_a_resolved_one() -> None:
    assert _decide(REASSIGNED, acknowledged=True) is None
    assert isinstance(_decide(REASSIGNED, acknowledged=True, resolved=True), Cancel)


@pytest.mark.parametrize("job", [ANNOUNCEMENT, REMINDER], ids=["announcement", "reminder"])
def test_announcements_and_reminders_are_never_cancelled(job: Notification) -> None:
    assert _decide(job, acknowledged=True, resolved=True) is None


def test_a_full_window_holds_a_notice_until_it_has_room() -> None:
    assert _decide(ANNOUNCEMENT, sent=FULL, throttle=TWO_PER_15) == Hold(
        NOW + timedelta(minutes=5),
        "held: 2 notifications reached this contact within 0:15:00; "
        "next at 2026-03-02T09:35:00+00:00",
    )
    assert isinstance(_decide(REMINDER, sent=FULL, throttle=TWO_PER_15), Hold)
    assert _decide(ANNOUNCEMENT, sent=FULL[1:], throttle=TWO_PER_15) is None
    assert _decide(ANNOUNCEMENT, sent=FULL, throttle=NO_LIMIT) is None


def test_the_first_page_of_an_incident_to_a_contact_is_never_held() -> None:
    assert _decide(PAGE, sent=FULL, paged=("P1", "P1"), throttle=TWO_PER_15, first=True) is None
    assert _decide(PAGE, sent=FULL * 5, throttle=TWO_PER_15, first=True, priority="P5") is None


def test_a_repeat_page_to_a_full_window_is_coalesced_into_the_next_digest() -> None:
    decision = _decide(PAGE, sent=FULL, paged=("P2",), throttle=TWO_PER_15, priority="P2")
    assert decision == Coalesce(
        NOW + timedelta(minutes=5),
        "coalesced: 2 notifications reached this contact within 0:15:00; "
        "in the digest at 2026-03-02T09:35:00+00:00",
        timedelta(minutes=15),
    )
    assert _decide(PAGE, sent=FULL[1:], paged=("P2",), throttle=TWO_PER_15) is None  # room


def test_a_repeat_page_of_a_higher_priority_than_anything_in_the_window_goes_through() -> None:
    def repeat(priority: str | None, paged: tuple[str | None, ...]) -> object:
        return _decide(PAGE, sent=FULL, paged=paged, throttle=TWO_PER_15, priority=priority)

    assert repeat("P1", ("P2", "P3", None)) is None
    assert isinstance(repeat("P1", ("P1", "P3")), Coalesce)  # as high, not higher
    assert isinstance(repeat("P2", ("P1",)), Coalesce)
    assert isinstance(repeat(None, ()), Coalesce)  # no priority outranks nothing
    assert repeat("P3", (None,)) is None  # any priority outranks an incident without one


def test_priorities_rank_p1_first_and_none_last() -> None:
    assert [rank(p) for p in ("P1", "P9", None, "high")] == [1, 9, 10, 10]
    assert outranks("P1", []) and not outranks(None, [])


def test_a_digest_names_each_incident_once_and_counts_every_page() -> None:
    window = timedelta(minutes=15)
    assert digest_text([12, 7, 9, 7], window) == "4 more pages for #7, #9, #12 in the last 15 min"
    assert digest_text([3], timedelta(hours=1)) == "1 more page for #3 in the last 1 h 00 min"


def test_a_digest_is_held_not_coalesced_when_the_window_is_full() -> None:
    digest = Notice(incident_id=1, purpose="digest", recipient="carol", contact=HOOK, text="x")
    assert isinstance(_decide(digest, sent=FULL, throttle=TWO_PER_15), Hold)
    assert _decide(digest, acknowledged=True, resolved=True) is None  # it tells, never cancelled


def test_cancelling_comes_before_holding() -> None:
    sent = (NOW - timedelta(minutes=1),) * 2
    assert isinstance(_decide(PAGE, resolved=True, sent=sent, throttle=TWO_PER_15), Cancel)
    assert isinstance(_decide(PAGE, acknowledged=True, sent=sent, throttle=TWO_PER_15), Cancel)


def test_after_a_send() -> None:
    busy = DeliveryFailed("http://h/carol answered 503", temporary=True)
    refused = DeliveryFailed("http://h/carol refused the message (404)", temporary=False)
    answer = Receipt(ref="SM123", status="queued")
    assert after_send(answer, 1, NOW) == Sent(answer)
    assert after_send(busy, 1, NOW) == Retry(NOW + timedelta(seconds=5), str(busy))
    assert after_send(busy, 4, NOW) == Retry(NOW + timedelta(seconds=40), str(busy))
    assert after_send(busy, 5, NOW) == Failed(str(busy))  # the last attempt
    assert after_send(refused, 1, NOW) == Failed(str(refused))
