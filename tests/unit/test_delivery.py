"""A notification's decisions without a database: send, cancel or hold; sent, failed or retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fireline.domain.jobs import Notice, Notification, Page
from fireline.domain.throttle import Throttle
from fireline.notify import DeliveryFailed
from fireline.services.paging.delivery import Cancel, Failed, Hold, Retry, Sent, after_send, decide

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
    throttle: Throttle = NO_LIMIT,
) -> Cancel | Hold | None:
    return decide(
        job, acknowledged=acknowledged, resolved=resolved, sent=sent, throttle=throttle, now=NOW
    )


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


def test_a_full_window_holds_until_it_has_room() -> None:
    sent = (NOW - timedelta(minutes=10), NOW - timedelta(minutes=4))
    assert _decide(PAGE, sent=sent, throttle=TWO_PER_15) == Hold(
        NOW + timedelta(minutes=5),
        "held: 2 notifications reached this contact within 0:15:00; "
        "next at 2026-03-02T09:35:00+00:00",
    )
    assert isinstance(_decide(ANNOUNCEMENT, sent=sent, throttle=TWO_PER_15), Hold)
    assert _decide(PAGE, sent=sent[1:], throttle=TWO_PER_15) is None
    assert _decide(PAGE, sent=sent, throttle=NO_LIMIT) is None


def test_cancelling_comes_before_holding() -> None:
    sent = (NOW - timedelta(minutes=1),) * 2
    assert isinstance(_decide(PAGE, resolved=True, sent=sent, throttle=TWO_PER_15), Cancel)


def test_after_a_send() -> None:
    busy = DeliveryFailed("http://h/carol answered 503", temporary=True)
    refused = DeliveryFailed("http://h/carol refused the message (404)", temporary=False)
    assert after_send(None, 1, NOW) == Sent()
    assert after_send(busy, 1, NOW) == Retry(NOW + timedelta(seconds=5), str(busy))
    assert after_send(busy, 4, NOW) == Retry(NOW + timedelta(seconds=40), str(busy))
    assert after_send(busy, 5, NOW) == Failed(str(busy))  # the last attempt
    assert after_send(refused, 1, NOW) == Failed(str(refused))
