"""Chat: the channel opened for each incident, and who a chat user is in Fireline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fireline.storage.models import ChatChannel, User
from fireline.storage.records import record_of


@dataclass(frozen=True)
class ChannelRecord:
    incident_id: int
    provider: str
    channel_id: str
    name: str
    created_at: datetime


class ChatRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_channel(
        self, *, incident_id: int, provider: str, channel_id: str, name: str, now: datetime
    ) -> None:
        self.session.add(
            ChatChannel(
                incident_id=incident_id,
                provider=provider,
                channel_id=channel_id,
                name=name,
                created_at=now,
            )
        )
        self.session.flush()

    def channel_of(self, incident_id: int, provider: str) -> ChannelRecord | None:
        row = self.session.get(ChatChannel, (incident_id, provider))
        return record_of(ChannelRecord, row) if row else None

    def incident_in(self, provider: str, channel_id: str) -> int | None:
        """The incident whose channel this is, if it is one."""
        query = select(ChatChannel.incident_id).where(
            ChatChannel.provider == provider, ChatChannel.channel_id == channel_id
        )
        return self.session.execute(query).scalar_one_or_none()

    def user_id_for_slack(self, slack_user_id: str) -> str | None:
        query = select(User.id).where(User.slack_user_id == slack_user_id)
        return self.session.execute(query).scalars().first()

    def user_id_for_mattermost(self, mattermost_id: str, username: str) -> str | None:
        """The user whose ``mattermost_user_id`` is the Mattermost user's id or username."""
        names = [n for n in (mattermost_id, username.lower()) if n]
        query = select(User.id).where(User.mattermost_user_id.in_(names))
        return self.session.execute(query).scalars().first()

    def user_id_by_email(self, email: str) -> str | None:
        query = select(User.id).where(func.lower(User.email) == email.lower())
        return self.session.execute(query).scalars().first()

    def slack_ids(self, user_ids: list[str]) -> list[str]:
        """The Slack user ids of these users (those that have one)."""
        query = select(User.slack_user_id).where(
            User.id.in_(user_ids), User.slack_user_id.is_not(None)
        )
        return [s for s in self.session.execute(query).scalars() if s]
