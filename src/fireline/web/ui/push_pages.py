"""Notify this device: the account page's script turns push on and off for the browser it runs
in (JSON, with the session's CSRF token in ``X-CSRF-Token``), and the device list's buttons turn
any of the person's devices off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from fireline.errors import FirelineError
from fireline.services.paging import push_devices
from fireline.services.paging.push_devices import DeviceCreate
from fireline.web.deps import Uow
from fireline.web.ui.account import account_page
from fireline.web.ui.session import AnyUserActs

router = APIRouter(include_in_schema=False)
DeviceId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ThisDevice(BaseModel):
    endpoint: str = Field(max_length=2000)


@router.post("/account/push-devices", status_code=201)
def turn_on(uow: Uow, login: AnyUserActs, body: DeviceCreate) -> JSONResponse:
    added = push_devices.subscribe(uow=uow, who=login.principal, device=body)
    return JSONResponse(added.model_dump(mode="json"), 201)


@router.post("/account/push-devices/off", status_code=204)
def turn_off_this(uow: Uow, login: AnyUserActs, body: ThisDevice) -> Response:
    push_devices.unsubscribe(uow=uow, who=login.principal, endpoint=body.endpoint)
    return Response(status_code=204)


@router.post("/account/push-devices/{device_id}/delete")
def turn_off(request: Request, uow: Uow, login: AnyUserActs, device_id: DeviceId) -> Response:
    try:
        push_devices.unsubscribe(uow=uow, who=login.principal, device_id=device_id)
    except FirelineError as error:
        user = login.principal.user_id
        return account_page(request, uow, user, error.status, error=error.message)
    return RedirectResponse("/account", status_code=303)
