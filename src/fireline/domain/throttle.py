"""Per-contact throttling: at most ``limit`` notifications to one contact per ``window``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


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
