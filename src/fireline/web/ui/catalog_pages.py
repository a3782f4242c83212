"""Services and teams: the catalog with owners, escalation policies, integrations and their
ingest URLs (keys, rotate and revoke for admins), and who is in each team."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from fireline.errors import FirelineError
from fireline.services.admin import directory
from fireline.services.alerting import integrations
from fireline.storage.uow import UnitOfWork
from fireline.web.api.alerts import Rotation
from fireline.web.deps import Uow
from fireline.web.ui.forms import validated
from fireline.web.ui.session import AdminActs, FormBody, SignedIn
from fireline.web.ui.templating import render

router = APIRouter(prefix="/services", include_in_schema=False)
IntegrationId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
GRACES = ("0s", "15m", "1h", "1d", "7d")


@router.get("")
def catalog(request: Request, uow: Uow, who: SignedIn) -> Response:
    return _page(request, uow, is_admin=who.principal.role == "admin")


def _page(
    request: Request,
    uow: UnitOfWork,
    *,
    is_admin: bool,
    status: int = 200,
    error: str | None = None,
    failed: str | None = None,
) -> Response:
    users = directory.list_users(uow=uow, reader=directory.ANYONE)  # names only
    teams = directory.list_teams(uow=uow)
    return render(
        request,
        "services.html",
        status,
        services=directory.list_services(
            uow=uow, show_keys=is_admin, base_url=request.app.state.fireline.base_url()
        ),
        teams=teams,
        team_names={t.id: t.name for t in teams},
        members={t.id: [u for u in users if t.id in u.teams] for t in teams},
        is_admin=is_admin,
        graces=GRACES,
        error=error,
        failed=failed,
    )


@router.post("/integrations/{integration_id}/rotate")
def rotate(
    request: Request, uow: Uow, login: AdminActs, integration_id: IntegrationId, form: FormBody
) -> Response:
    try:
        body = validated(Rotation, grace=form.get("grace", "1h"))
        grace = integrations.parse_grace(body.grace)
        actor = login.principal.user_id
        integrations.rotate_key(uow=uow, actor=actor, integration_id=integration_id, grace=grace)
    except FirelineError as error:
        return _failed(request, uow, integration_id, error)
    return RedirectResponse(f"/services#integration-{integration_id}", status_code=303)


@router.post("/integrations/{integration_id}/revoke")
def revoke(
    request: Request, uow: Uow, login: AdminActs, integration_id: IntegrationId, form: FormBody
) -> Response:
    try:
        actor = login.principal.user_id
        integrations.revoke(uow=uow, actor=actor, integration_id=integration_id)
    except FirelineError as error:
        return _failed(request, uow, integration_id, error)
    return RedirectResponse(f"/services#integration-{integration_id}", status_code=303)


def _failed(request: Request, uow: UnitOfWork, where: str, error: FirelineError) -> Response:
    return _page(
        request, uow, is_admin=True, status=error.status, error=error.message, failed=where
    )
