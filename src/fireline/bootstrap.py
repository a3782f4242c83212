"""Wire Fireline together from settings: database, clock. Nothing happens at import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from fireline import bus
from fireline.config import Settings
from fireline.domain.throttle import Throttle
from fireline.notify import ChannelNotifier, Message, Notifier
from fireline.notify.chat import ChatNotifier, slack_message, teams_message
from fireline.notify.email import EmailNotifier
from fireline.notify.inbox import InboxNotifier, Keep
from fireline.notify.phone import SmsNotifier, Twilio, VoiceNotifier
from fireline.notify.webhook import WebhookNotifier
from fireline.services.admin import base_url
from fireline.services.admin.organisation import install_id, register_shipped_workflows
from fireline.services.admin.throttling import Attempts
from fireline.services.paging import inbox
from fireline.storage.db import Database
from fireline.storage.migrate import upgrade
from fireline.storage.rate_limits import DatabaseStorage
from fireline.storage.uow import Clock, UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Fireline:
    """The wired application core that every entry point (web, CLI, worker) uses."""

    settings: Settings
    database: Database
    clock: Clock
    notifier: Notifier | None = None
    _phone: Twilio | None = field(default=None, repr=False)
    _attempts: Attempts | None = field(default=None, repr=False)

    def attempts(self) -> Attempts:
        """Failed logins and tokens, counted in the database (shared by every process)."""
        if self._attempts is None:
            self._attempts = Attempts(DatabaseStorage(self.database.engine, self.clock), self.clock)
        return self._attempts

    def pager(self) -> Notifier:
        """The notifier pages go through (built on first use; tests may set ``notifier``)."""
        if self.notifier is None:
            with self.uow() as uow:
                install = install_id(uow)
                uow.commit()
            self.notifier = build_notifier(
                self.settings, install=install, keep=self._keep_in_inbox, phone=self.phone()
            )
        return self.notifier

    def phone(self) -> Twilio | None:
        """Texts and calls through Twilio (None until FIRELINE_TWILIO_* are set)."""
        settings = self.settings
        wanted = (settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from)
        if self._phone is None and all(wanted):
            self._phone = Twilio(*wanted, base=self.base_url, api_url=settings.twilio_api_url)
        return self._phone

    def _keep_in_inbox(self, contact: dict[str, Any], message: Message) -> None:
        inbox.keep(uow=self.uow(), contact=contact, message=message)

    def base_url(self) -> str:
        """Where pages, feeds and integration URLs point (services/admin/base_url.py)."""
        return base_url.current(self.uow(), self.settings.base_url)

    def throttle(self) -> Throttle:
        """How many notifications one contact may receive per window."""
        return Throttle(self.settings.throttle_limit, self.settings.throttle_window)

    def uow(self) -> UnitOfWork:
        """A fresh unit of work (one per use case)."""
        return UnitOfWork(self.database.sessions, self.clock, bus.handle)

    def close(self) -> None:
        self.database.close()


def build(settings: Settings, *, clock: Clock = utc_now, migrate: bool = True) -> Fireline:
    """Connect to the database and, unless told not to, bring its schema up to date."""
    fireline = Fireline(
        settings, Database(settings.database_url, durability=settings.durability), clock
    )
    if migrate:
        prepare_database(fireline)
    return fireline


def prepare_database(fireline: Fireline) -> None:
    """Run migrations and store the shipped workflows (idempotent)."""
    upgrade(fireline.database.engine)
    with fireline.uow() as uow:
        register_shipped_workflows(uow, uow.now())
        uow.commit()


def build_notifier(
    settings: Settings, *, install: str, keep: Keep | None = None, phone: Twilio | None = None
) -> Notifier:
    """Every channel Fireline delivers pages through, by contact method type (the inbox when
    given a way to ``keep`` its messages: the core's database; sms and voice given Twilio);
    ``install`` names this installation in mail Message-IDs."""
    client = httpx.Client()
    adapters: dict[str, Notifier] = {
        "webhook": WebhookNotifier(client),
        "slack": ChatNotifier(client, slack_message),
        "mattermost": ChatNotifier(client, slack_message),
        "teams": ChatNotifier(client, teams_message),
    }
    if keep is not None:
        adapters["inbox"] = InboxNotifier(keep)
    if phone is not None:
        adapters["sms"], adapters["voice"] = SmsNotifier(phone), VoiceNotifier(phone)
    if settings.smtp_host:
        adapters["email"] = EmailNotifier(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            install=install,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )
    return ChannelNotifier(adapters)
