"""Wire Fireline together from settings: database, clock. Nothing happens at import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from slack_sdk import WebClient

from fireline import bus
from fireline.config import Settings
from fireline.domain.throttle import Throttle
from fireline.notify import ChannelNotifier, Message, Notifier
from fireline.notify.apprise import AppriseNotifier
from fireline.notify.chat import ChatNotifier, slack_message, teams_message
from fireline.notify.email import EmailNotifier
from fireline.notify.inbox import InboxNotifier, Keep
from fireline.notify.mattermost import Buttons, MattermostNotifier
from fireline.notify.phone import SmsNotifier, Twilio, VoiceNotifier
from fireline.notify.push import DeviceBook, PushNotifier, PushTargets
from fireline.notify.slack_app import SlackAppNotifier, SlackNotifier
from fireline.notify.webhook import WebhookNotifier
from fireline.services.admin import base_url
from fireline.services.admin.organisation import install_id, register_shipped_workflows
from fireline.services.admin.throttling import Attempts
from fireline.services.chatops import mattermost
from fireline.services.paging import inbox, push_devices
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
    _slack: WebClient | None = field(default=None, repr=False)

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
            book = DeviceBook(targets=self._push_targets, drop=self._drop_push_device)
            self.notifier = build_notifier(
                self.settings,
                install=install,
                keep=self._keep_in_inbox,
                devices=book,
                slack=self.slack() if self.settings.slack_bot_token else None,
                buttons=self._mattermost_buttons,
                phone=self.phone(),
            )
        return self.notifier

    def phone(self) -> Twilio | None:
        """Texts and calls through Twilio (None until FIRELINE_TWILIO_* are set)."""
        settings = self.settings
        wanted = (settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from)
        if self._phone is None and all(wanted):
            self._phone = Twilio(*wanted, base=self.base_url, api_url=settings.twilio_api_url)
        return self._phone

    def slack(self) -> WebClient:
        """Slack's Web API with the bot token, at FIRELINE_SLACK_API_URL (built on first use)."""
        if self._slack is None:
            base = self.settings.slack_api_url.rstrip("/") + "/"
            self._slack = WebClient(token=self.settings.slack_bot_token or None, base_url=base)
        return self._slack

    def _push_targets(self, message: Message) -> PushTargets:
        return push_devices.targets(uow=self.uow(), message=message, subject=self.vapid_subject())

    def _drop_push_device(self, endpoint: str) -> None:
        push_devices.drop(uow=self.uow(), endpoint=endpoint)

    def vapid_subject(self) -> str:
        """The VAPID ``sub`` of Fireline's push pages (FIRELINE_VAPID_SUBJECT or derived)."""
        settings = self.settings
        return push_devices.vapid_subject(
            settings.vapid_subject, self.base_url(), settings.smtp_from
        )

    def _keep_in_inbox(self, contact: dict[str, Any], message: Message) -> None:
        inbox.keep(uow=self.uow(), contact=contact, message=message)

    def _mattermost_buttons(self, incident_id: int) -> list[dict[str, Any]]:
        base = self.base_url()
        with self.uow() as uow:
            found = mattermost.buttons(uow=uow, base_url=base, incident_id=incident_id)
            uow.commit()  # the key is made on first use
        return found

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
    settings: Settings,
    *,
    install: str,
    keep: Keep | None = None,
    devices: DeviceBook | None = None,
    slack: WebClient | None = None,
    buttons: Buttons | None = None,
    phone: Twilio | None = None,
) -> Notifier:
    """Every channel Fireline delivers pages through, by contact method type (the inbox when
    given a way to ``keep`` its messages, push when given people's ``devices``: the core's
    database; the Slack app when given its ``slack`` client; Mattermost buttons when given a way
    to sign them; sms and voice given Twilio); ``install`` names this installation in mail Message-IDs."""
    client = httpx.Client()
    app = SlackAppNotifier(slack) if slack is not None else None
    adapters: dict[str, Notifier] = {
        "webhook": WebhookNotifier(client),
        "slack": SlackNotifier(ChatNotifier(client, slack_message), app),
        "mattermost": MattermostNotifier(client, buttons),
        "teams": ChatNotifier(client, teams_message),
        "apprise": AppriseNotifier(),
    }
    if keep is not None:
        adapters["inbox"] = InboxNotifier(keep)
    if devices is not None:
        adapters["push"] = PushNotifier(devices)
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
