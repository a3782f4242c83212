"""The unit of work: one use case, one transaction, every repository on the same session."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fireline.errors import Conflict, StaleState
from fireline.storage.alerts import AlertRepository, SilenceRepository
from fireline.storage.audit import AuditRepository
from fireline.storage.chat_channels import ChatRepository
from fireline.storage.db import READ_ONLY
from fireline.storage.deliveries import DeliveryRepository
from fireline.storage.directory import DirectoryRepository, SettingsRepository
from fireline.storage.inbox import InboxRepository
from fireline.storage.incidents import IncidentRepository
from fireline.storage.jobs import JobRepository
from fireline.storage.phones import PhoneRepository
from fireline.storage.push_devices import PushDeviceRepository
from fireline.storage.reports import ReportRepository
from fireline.storage.review import ReviewRepository
from fireline.storage.search import SearchRepository
from fireline.storage.status_page import StatusPageRepository
from fireline.storage.tokens import TokenRepository
from fireline.storage.web_sessions import WebSessionRepository
from fireline.storage.webhook_secrets import WebhookSecretRepository
from fireline.storage.workflows import WorkflowRepository

Clock = Callable[[], datetime]
Reactor = Callable[["UnitOfWork"], None]


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back."""

    incidents: IncidentRepository
    directory: DirectoryRepository
    settings: SettingsRepository
    workflows: WorkflowRepository
    tokens: TokenRepository
    alerts: AlertRepository
    silences: SilenceRepository
    jobs: JobRepository
    web_sessions: WebSessionRepository
    status_page: StatusPageRepository
    deliveries: DeliveryRepository
    inbox: InboxRepository
    reports: ReportRepository
    review: ReviewRepository
    search: SearchRepository
    webhook_secrets: WebhookSecretRepository
    audit: AuditRepository
    push_devices: PushDeviceRepository
    chat: ChatRepository

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, react: Reactor) -> None:
        self._sessions = sessions
        self._clock = clock
        self._react = react
        self._session: Session | None = None
        self._read_only = False

    def now(self) -> datetime:
        return self._clock()

    def read(self) -> UnitOfWork:
        """``with uow.read(): ...`` — a transaction that only reads and never waits for writers."""
        self._read_only = True
        return self

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open; use a new one per use case")
        session = self._session = self._sessions()
        if self._read_only:
            session.connection(execution_options={READ_ONLY: True})
        self.incidents = IncidentRepository(session)
        self.directory = DirectoryRepository(session)
        self.settings = SettingsRepository(session)
        self.workflows = WorkflowRepository(session)
        self.tokens = TokenRepository(session)
        self.alerts = AlertRepository(session)
        self.silences = SilenceRepository(session)
        self.jobs = JobRepository(session)
        self.web_sessions = WebSessionRepository(session)
        self.status_page = StatusPageRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.inbox = InboxRepository(session)
        self.reports = ReportRepository(session)
        self.review = ReviewRepository(session)
        self.search = SearchRepository(session)
        self.webhook_secrets = WebhookSecretRepository(session)
        self.audit = AuditRepository(session)
        self.push_devices = PushDeviceRepository(session)
        self.chat = ChatRepository(session)
        self.phones = PhoneRepository(session)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        self._session.close()  # rolls back whatever was not committed; loaded objects stay readable
        self._session = None
        self._read_only = False

    def lock(self, name: str) -> None:
        """Serialise this transaction with every other one that takes the same lock.

        On PostgreSQL a transaction-scoped advisory lock; on SQLite writers are
        serialised already (``BEGIN IMMEDIATE``).
        """
        assert self._session is not None
        if self._session.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(name.encode()) - 2**31
            self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def commit(self) -> None:
        """Run the reactions to what was saved, then commit them with it in one transaction.

        A concurrent writer that got there first becomes a StaleState (409).
        """
        assert self._session is not None
        self._react(self)
        try:
            self._session.commit()
        except IntegrityError as error:
            if "incident_events" in str(error):
                raise StaleState(
                    "the incident was changed by someone else meanwhile; try again"
                ) from error
            raise Conflict(
                f"the change clashes with data stored meanwhile; try again ({error.orig})"
            ) from None
