"""The inbox in the browser: the list is on My work (the board); this polls it for desktop
notifications (static/inbox.js) and marks it read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from fireline.services.paging import inbox
from fireline.web.deps import Uow
from fireline.web.ui.session import AnyUserActs, SignedIn

router = APIRouter(prefix="/inbox", include_in_schema=False)


@router.get("/poll", response_model=inbox.InboxRead)
def poll(uow: Uow, who: SignedIn, after: Annotated[int, Query(ge=0)] = 0) -> inbox.InboxRead:
    """The messages newer than ``after`` and the unread count, for the open tab's script."""
    return inbox.my_inbox(uow=uow, user_id=who.principal.user_id, unread=True, after_id=after)


@router.post("/read")
def mark_all_read(uow: Uow, who: AnyUserActs) -> Response:
    inbox.mark_read(uow=uow, user_id=who.principal.user_id, ids=None)
    return RedirectResponse("/#me-inbox", status_code=303)
