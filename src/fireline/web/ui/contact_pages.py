"""Your contact methods on your account page: what each one is, and a test page to check it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from fireline.bootstrap import Fireline
from fireline.errors import FirelineError
from fireline.services.paging import contact_tests, phones
from fireline.web.deps import Uow
from fireline.web.ui.account import account_page
from fireline.web.ui.session import AnyUserActs, FormBody

router = APIRouter(include_in_schema=False)
ContactId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


@router.post("/account/contacts/{contact_id}/test")
def test_contact(request: Request, uow: Uow, login: AnyUserActs, contact_id: ContactId) -> Response:
    """Send me a test page: the result shows at the top of the account page."""
    core: Fireline = request.app.state.fireline
    who = login.principal
    try:
        tested = contact_tests.test(
            uow=core.uow(),
            notifier=core.pager(),
            base_url=core.base_url(),
            who=who,
            owner=who.user_id,
            contact_id=contact_id,
        )
    except FirelineError as error:
        return account_page(request, uow, who.user_id, error.status, error=error.message)
    if tested.result == "delivered":
        answer = f" ({tested.provider_status})" if tested.provider_status else ""
        notice = f"Test page to {contact_id} delivered{answer}."
        return account_page(request, uow, who.user_id, notice=notice)
    failed = f"Test page to {contact_id} failed: {tested.reason}"
    return account_page(request, uow, who.user_id, 502, error=failed)


@router.post("/account/contacts/{contact_id}/verify")
def verify_contact(
    request: Request, uow: Uow, login: AnyUserActs, form: FormBody, contact_id: ContactId
) -> Response:
    """Verify my number: without a code, send one; with the code, confirm it."""
    core: Fireline = request.app.state.fireline
    who, code = login.principal, (form.optional("code") or "").strip()
    try:
        if code:
            checked = phones.confirm(
                uow=core.uow(), who=who, owner=who.user_id, contact_id=contact_id, code=code
            )
        else:
            checked = phones.request_code(
                uow=core.uow(),
                phone=core.phone(),
                who=who,
                owner=who.user_id,
                contact_id=contact_id,
            )
    except FirelineError as error:
        return account_page(request, uow, who.user_id, error.status, error=error.message)
    notice = (
        f"{checked.number} is verified: your pages go to {contact_id}."
        if checked.verified
        else f"A code was sent to {checked.number}. Type it below within 10 minutes."
    )
    return account_page(request, uow, who.user_id, notice=notice, verifying=contact_id)
