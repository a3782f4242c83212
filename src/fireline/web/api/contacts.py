"""/api/v1/contacts: people's and channels' contact methods — signing secrets and test pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from fireline.services.paging import contact_tests, phones, signing
from fireline.services.paging.contact_tests import ContactTested
from fireline.web.deps import Admin, Core, Uow, Viewer
from fireline.web.problems import document

router = APIRouter(responses=document((401, 403, 429)), tags=["contacts"])
Owner = Annotated[str, Path(pattern=r"^(?:team:|service:)?[a-z][a-z0-9_-]{0,39}$")]
ContactId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


@router.post(
    "/contacts/{owner}/{contact_id}/secret",
    tags=["security"],
    response_model=signing.SecretIssued,
    responses=document((404, 422)),
)
def issue_webhook_secret(
    uow: Uow, who: Admin, owner: Owner, contact_id: ContactId
) -> signing.SecretIssued:
    """A new Standard Webhooks secret for a webhook contact (a user's, or ``team:ID`` /
    ``service:ID`` for an announcement channel), shown this once; the old one stops at once."""
    return signing.issue(uow=uow, actor=who.user_id, owner=owner, contact_id=contact_id)


@router.post(
    "/contacts/{owner}/{contact_id}/test",
    response_model=ContactTested,
    responses=document((404, 422)),
)
def test_contact(core: Core, who: Viewer, owner: Owner, contact_id: ContactId) -> ContactTested:
    """Send a test page to one contact method now (its owner or an admin): ``result`` says
    whether it was delivered, with what the provider answered, or why it failed."""
    return contact_tests.test(
        uow=core.uow(),
        notifier=core.pager(),
        base_url=core.base_url(),
        who=who,
        owner=owner,
        contact_id=contact_id,
    )


@router.get(
    "/contacts/{owner}/tests", response_model=list[ContactTested], responses=document((404,))
)
def contact_tests_of(uow: Uow, who: Viewer, owner: Owner) -> list[ContactTested]:
    """The latest test pages to ``owner``'s contact methods, newest first (owner or admin)."""
    return contact_tests.recent(uow=uow, who=who, owner=owner)


class VerifyCode(BaseModel):
    """Without ``code``: send a new code to the number. With it: confirm that code."""

    code: str | None = Field(default=None, pattern=r"^\s*[0-9]{6}\s*$")


@router.post(
    "/contacts/{owner}/{contact_id}/verify",
    response_model=phones.Verification,
    responses=document((404, 409, 422, 502)),
)
def verify_contact(
    core: Core,
    who: Viewer,
    owner: Owner,
    contact_id: ContactId,
    body: VerifyCode | None = None,
) -> phones.Verification:
    """Verify an sms or voice contact's number (its owner or an admin): without a ``code``,
    send one (by SMS; read out in a call for a voice contact), valid 10 minutes; with the
    ``code``, confirm it. Only verified numbers are paged."""
    if body is not None and body.code is not None:
        return phones.confirm(
            uow=core.uow(), who=who, owner=owner, contact_id=contact_id, code=body.code
        )
    return phones.request_code(
        uow=core.uow(), phone=core.phone(), who=who, owner=owner, contact_id=contact_id
    )
