"""Per-contact throttling: at most ``limit`` notifications to one contact per ``window``.

Throttling stops floods of repeats; it never hides a new emergency. When a contact's window
is full, a page still goes out if it is the first page of its incident to that contact, or if
its incident's priority is higher than that of every incident paged there within the window.
Any other page (a repeat) is coalesced into one digest, sent when the window has room.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fireline.domain.durations import span

UNRANKED = 10  # an incident without a priority ranks below P9


@dataclass(frozen=True)
class Throttle:
    limit: int  # 0: no throttling
    window: timedelta

    def next_slot(self, sent: Sequence[datetime], now: datetime) -> datetime | None:
        """None if one more may go now; otherwise when the window next has room.

        ``sent`` holds the times earlier notifications to this contact went out, oldest first.
        """
        if self.limit <= 0:
            return None
        recent = [at for at in sent if at > now - self.window]
        if len(recent) < self.limit:
            return None
        return recent[-self.limit] + self.window


@dataclass(frozen=True)
class Window:
    """What reached one contact within the throttle window."""

    sent: Sequence[datetime]  # when, oldest first
    priorities: Sequence[str | None]  # the priorities of the incidents paged there


def rank(priority: str | None) -> int:
    """P1 → 1 … P9 → 9; an incident without a priority ranks last."""
    if priority is None or not priority[1:].isdigit():
        return UNRANKED
    return int(priority[1:])


def outranks(priority: str | None, others: Iterable[str | None]) -> bool:
    """Whether ``priority`` is higher than every one of ``others`` (a priority, not none)."""
    return priority is not None and all(rank(priority) < rank(other) for other in others)


def page_goes_through(*, first: bool, priority: str | None, window: Window) -> bool:
    """A page to a full window still goes when it is the first of its incident to the contact,
    or when its incident outranks everything paged there within the window."""
    return first or outranks(priority, window.priorities)


def digest_text(incident_ids: Sequence[int], window: timedelta) -> str:
    """What a digest says: ``3 more pages for #7, #9, #12 in the last 15 min`` (one id a page)."""
    count = len(incident_ids)
    listed = ", ".join(f"#{i}" for i in sorted(set(incident_ids)))
    pages = "page" if count == 1 else "pages"
    return f"{count} more {pages} for {listed} in the last {span(window.total_seconds())}"
