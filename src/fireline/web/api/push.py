"""Web Push: Fireline's public application server key, and the caller's own push devices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from fireline.services.paging import push_devices
from fireline.services.paging.push_devices import ApplicationServerKey, DeviceCreate, DeviceRead
from fireline.web.deps import Uow, Viewer
from fireline.web.problems import document

router = APIRouter(tags=["push"], responses=document((401, 403, 429)))
DeviceId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/push/key", response_model=ApplicationServerKey, summary="Fireline's VAPID public key")
def push_key(uow: Uow, _: Viewer) -> ApplicationServerKey:
    """What browsers subscribe with (``PushManager.subscribe({applicationServerKey})``)."""
    return push_devices.application_server_key(uow=uow)


@router.get("/me/push-subscriptions", response_model=list[DeviceRead], summary="Your push devices")
def my_devices(uow: Uow, who: Viewer) -> list[DeviceRead]:
    return push_devices.devices(uow=uow, who=who)


@router.post(
    "/me/push-subscriptions",
    status_code=201,
    response_model=DeviceRead,
    responses=document((422,)),
    summary="Turn on push pages for one of your devices",
)
def subscribe(uow: Uow, who: Viewer, body: DeviceCreate) -> DeviceRead:
    """The body is the browser's ``PushSubscription.toJSON()`` and a ``name`` for the device;
    the `push` contact method then pages every device you turned on."""
    return push_devices.subscribe(uow=uow, who=who, device=body)


@router.delete(
    "/me/push-subscriptions/{device_id}",
    status_code=204,
    responses=document((404,)),
    summary="Turn off push pages for one of your devices",
)
def unsubscribe(uow: Uow, who: Viewer, device_id: DeviceId) -> None:
    push_devices.unsubscribe(uow=uow, who=who, device_id=device_id)
