"""The caller's built-in inbox: what the `inbox` contact method delivered to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from fireline.schemas import Input
from fireline.services.paging import inbox
from fireline.web.deps import Uow, Viewer
from fireline.web.problems import document

router = APIRouter(tags=["inbox"], responses=document((401, 403, 429, 422)))


class InboxReadCreate(Input):
    """Which messages to mark read: ``ids``, or every one when it is absent."""

    ids: list[Annotated[int, Field(ge=1)]] | None = Field(default=None, max_length=500)


class InboxMarked(BaseModel):
    marked: int
    unread: int


@router.get(
    "/me/inbox",
    response_model=inbox.InboxRead,
    summary="Your inbox, newest first, with the number unread",
)
def my_inbox(
    uow: Uow,
    who: Viewer,
    unread: bool = False,
    after: Annotated[int, Query(ge=0, description="Only messages with a larger id")] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = inbox.LIMIT,
) -> inbox.InboxRead:
    return inbox.my_inbox(uow=uow, user_id=who.user_id, unread=unread, after_id=after, limit=limit)


@router.post(
    "/me/inbox/read", response_model=InboxMarked, summary="Mark messages of your inbox read"
)
def mark_read(uow: Uow, who: Viewer, body: InboxReadCreate | None = None) -> InboxMarked:
    ids = (body or InboxReadCreate()).ids
    marked = inbox.mark_read(uow=uow, user_id=who.user_id, ids=ids)
    unread = inbox.my_inbox(uow=uow, user_id=who.user_id, limit=1).unread
    return InboxMarked(marked=marked, unread=unread)
