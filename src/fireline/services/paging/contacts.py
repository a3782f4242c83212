"""Contact methods by owner: a user (``OWNER`` is the user id) or an announcement channel of a
team or a service (``team:ID``, ``service:ID``), and who may manage them."""

from __future__ import annotations

from typing import Any

from fireline.errors import Forbidden, NotFound
from fireline.services.admin.auth import Principal
from fireline.storage.models import Service, Team, User
from fireline.storage.uow import UnitOfWork


def find(uow: UnitOfWork, owner: str, contact_id: str) -> dict[str, Any]:
    """The contact method ``contact_id`` of ``owner`` (inside an open unit of work)."""
    for contact in _contacts_of(uow, owner):
        if contact["id"] == contact_id:
            return dict(contact)
    raise NotFound(f"{owner} has no contact method {contact_id!r}")


def of_user(*, uow: UnitOfWork, user_id: str) -> list[dict[str, Any]]:
    """A user's own contact methods, as config or the API wrote them; an sms or voice one says
    whether its number is ``verified``."""
    with uow.read():
        verified = uow.phones.verified(user_id)
        return [_marked(dict(c), set(verified.values())) for c in _contacts_of(uow, user_id)]


def _marked(contact: dict[str, Any], verified: set[str]) -> dict[str, Any]:
    if "number" in contact:
        contact["verified"] = contact["number"] in verified
    return contact


def _contacts_of(uow: UnitOfWork, owner: str) -> list[dict[str, Any]]:
    kind, _, owner_id = owner.rpartition(":")
    contacts: list[dict[str, Any]] | None = None
    if kind == "team":
        team = uow.directory.find(Team, owner_id)
        contacts = team.announcements if team else None
    elif kind == "service":
        service = uow.directory.find(Service, owner_id)
        contacts = service.announcements if service else None
    elif not kind:
        user = uow.directory.find(User, owner_id)
        contacts = user.contact_methods if user else None
    if contacts is None:
        raise NotFound(f"there is no {owner!r}: name a user id, team:ID or service:ID")
    return contacts


def may_manage(who: Principal, owner: str) -> None:
    """A person manages their own contact methods; an admin manages everyone's."""
    if who.user_id != owner and who.role != "admin":
        raise Forbidden(f"only {owner} or an admin may do this with {owner}'s contact methods")
