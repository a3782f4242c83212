"""Failed logins and API tokens, counted per account and per client address with the
``limits`` package (fixed windows in Fireline's database, so every process counts alike).

Growing back-off: an account is refused after 10 failures in 15 minutes, then — if failures go
on — after 20 in an hour, then 40 in a day; each refusal lasts until its window ends, even
with the right password. A client address has its own, wider limits, for logins and for API
tokens separately. An admin sees who is refused and can clear them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, get_args
from urllib.parse import quote, unquote

from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter
from pydantic import BaseModel

from fireline.errors import InvalidInput, TooManyAttempts
from fireline.services.admin import audit
from fireline.storage.rate_limits import DatabaseStorage
from fireline.storage.uow import UnitOfWork

log = logging.getLogger("fireline.throttling")
Kind = Literal["account", "address", "token-address"]
KINDS: tuple[Kind, ...] = get_args(Kind)
LIMITS: dict[Kind, list[RateLimitItem]] = {
    "account": parse_many("10 per 15 minutes; 20 per hour; 40 per day"),
    "address": parse_many("30 per 15 minutes; 100 per day"),
    "token-address": parse_many("30 per 15 minutes; 100 per day"),
}
WHAT: dict[Kind, str] = {
    "account": "failed logins for this account",
    "address": "failed logins from this address",
    "token-address": "requests with an invalid API token from this address",
}


class ThrottleRead(BaseModel):
    """Who is refused, how many failures were counted, and until when."""

    kind: Kind
    subject: str
    failures: int
    until: datetime


class Attempts:
    """The counters of one Fireline (its database), and the rules above."""

    def __init__(self, storage: DatabaseStorage, clock: Callable[[], datetime]) -> None:
        self.storage, self.clock = storage, clock
        self.limiter = FixedWindowRateLimiter(storage)

    def check(self, kind: Kind, subject: str) -> None:
        """Raise TooManyAttempts while ``subject`` is over any of its kind's limits (the
        refusal lasts until the longest of the exhausted windows ends)."""
        key = quote(subject, safe="")
        resets = [
            self.limiter.get_window_stats(item, kind, key).reset_time
            for item in LIMITS[kind]
            if not self.limiter.test(item, kind, key)
        ]
        if resets:
            until = datetime.fromtimestamp(max(resets), UTC)
            wait = max(1, math.ceil(max(resets) - self.clock().timestamp()))
            raise TooManyAttempts(
                f"too many {WHAT[kind]}; try again after {until:%H:%M} UTC (in {_minutes(wait)})",
                retry_after=wait,
            )

    def failed(self, kind: Kind, subject: str) -> bool:
        """Count a failure; True when it is the one that makes ``subject`` refused."""
        key = quote(subject, safe="")
        newly = False
        for item in LIMITS[kind]:
            was_open = self.limiter.test(item, kind, key)
            self.limiter.hit(item, kind, key)
            newly |= was_open and not self.limiter.test(item, kind, key)
        if newly:
            log.warning("throttled: %s %s", WHAT[kind], subject)
        return newly

    def forget(self, kind: Kind, subject: str) -> None:
        key = quote(subject, safe="")
        for item in LIMITS[kind]:
            self.storage.clear(item.key_for(kind, key))

    def throttled(self) -> list[ThrottleRead]:
        """Everyone refused now, longest refusal first."""
        found: dict[tuple[Kind, str], ThrottleRead] = {}
        for kind in KINDS:
            for counter in self.storage.live(f"LIMITER/{kind}/"):
                _, _, key, amount, *_ = counter.key.split("/")
                if counter.hits < int(amount):
                    continue
                subject = unquote(key)
                now = found.get((kind, subject))
                if now is None or counter.expires_at > now.until:
                    found[(kind, subject)] = ThrottleRead(
                        kind=kind, subject=subject, failures=counter.hits, until=counter.expires_at
                    )
        return sorted(found.values(), key=lambda t: t.until, reverse=True)

    def clear(self, kind: str, subject: str) -> None:
        """An admin lifts a refusal (and forgets the failures counted)."""
        if kind not in KINDS:
            raise InvalidInput(f"no such kind {kind!r}; kinds: {', '.join(KINDS)}", field="kind")
        self.forget(kind, subject)


def failed(uow: UnitOfWork, attempts: Attempts, kind: Kind, subject: str, address: str) -> None:
    """Count a failure, and note in the audit log when it makes ``subject`` refused."""
    if attempts.failed(kind, subject):
        with uow:
            audit.record(uow, "fireline", "login.throttled", f"{kind} {subject}", address=address)
            uow.commit()


def lift(*, uow: UnitOfWork, attempts: Attempts, actor: str, kind: str, subject: str) -> None:
    """An admin lets ``subject`` try again now."""
    attempts.clear(kind, subject)
    with uow:
        audit.record(uow, actor, "throttle.cleared", f"{kind} {subject}")
        uow.commit()


def account_of(uow: UnitOfWork, login: str) -> str:
    """The account a login names: the user's id (id and email count together), else the login
    as typed (so an unknown name is throttled alike, and reveals nothing)."""
    with uow.read():
        user = uow.directory.user_by_login(login)
        return user.id if user else login.strip().lower()


def _minutes(seconds: int) -> str:
    return f"{seconds} s" if seconds < 60 else f"{(seconds + 59) // 60} min"
