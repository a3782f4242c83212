"""Digests: the repeat pages a contact did not get while its throttle window was full, told in
one message when the window has room.

A page the throttle coalesces is logged ``coalesced`` and plans a :class:`Digest` job for when
the contact's window next has room (one per due time). When it runs, it takes every page still
waiting for that contact — marking them ``digested`` in the same transaction, so two digests
never tell the same page — and queues one digest notice, which is delivered (and retried, and
held if the window filled up again) like any other notification.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fireline.domain.jobs import Claimed, Digest, Notice
from fireline.domain.throttle import digest_text
from fireline.services.paging import delivery
from fireline.storage.uow import UnitOfWork


def gather(uow: UnitOfWork, claimed: Claimed[Digest], now: datetime) -> None:
    """Queue one digest of the pages still coalesced for this contact (none left: nothing)."""
    job = claimed.job
    incidents = uow.deliveries.take_coalesced(job.recipient, job.contact["id"], now)
    if not incidents:
        return  # an earlier digest told them, or their incidents were acknowledged
    notice = Notice(
        incident_id=job.incident_id,
        purpose="digest",
        recipient=job.recipient,
        contact=job.contact,
        text=digest_text(incidents, timedelta(seconds=job.window_seconds)),
        label=claimed.due_at.isoformat(),
    )
    delivery.queue(uow, notice, due_at=now, now=now)
