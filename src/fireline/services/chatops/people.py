"""Who a chat user is in Fireline: the user whose ``slack_user_id`` / ``mattermost_user_id``
names them, else (Slack) the user with the email address Slack has for them."""

from __future__ import annotations

from collections.abc import Callable

from fireline.services.chatops.commands import Uows

EmailOf = Callable[[str], str | None]  # a Slack user id → their email (users.info), if known


def slack_user(*, uows: Uows, slack_user_id: str, email_of: EmailOf) -> str | None:
    """The Fireline user acting from Slack as ``slack_user_id``, or None."""
    with uows().read() as uow:
        found = uow.chat.user_id_for_slack(slack_user_id)
    if found is not None:
        return found
    email = email_of(slack_user_id)  # a call to Slack: outside any transaction
    if not email:
        return None
    with uows().read() as uow:
        return uow.chat.user_id_by_email(email)


def mattermost_user(*, uows: Uows, user_id: str, username: str) -> str | None:
    """The Fireline user whose ``mattermost_user_id`` is this Mattermost user's id or name."""
    with uows().read() as uow:
        return uow.chat.user_id_for_mattermost(user_id.lower(), username)


def unknown(chat: str, who: str) -> str:
    """The reply to someone Fireline does not know."""
    field = "slack_user_id" if chat == "Slack" else "mattermost_user_id"
    return (
        f"Fireline does not know who you are ({chat} user {who}). Ask an admin to set "
        f"`{field}: {who}` on your Fireline user (or use the same email address in both)."
    )
