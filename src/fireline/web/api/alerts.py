"""/api/v1: alerts, silences and maintenance windows, integrations and their keys, the delivery
log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from fireline.schemas import Input, Reason, Ref, Time
from fireline.services.admin import list_filters
from fireline.services.alerting import integrations, silences
from fireline.services.alerting import views as alert_views
from fireline.services.paging import delivery
from fireline.web.deps import Admin, Core, Responder, Uow, Viewer
from fireline.web.problems import document

router = APIRouter(responses=document((401, 403, 429, 422)))
Number = Annotated[int, Path(ge=1, le=2**31 - 1)]
Slug = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


@router.get(
    "/alerts", tags=["alerts"], response_model=alert_views.AlertPage, summary="Alerts, newest first"
)
def list_alerts(
    uow: Uow,
    _: Viewer,
    status: Annotated[
        list[Literal["firing", "acknowledged", "resolved"]] | None, Query(max_length=3)
    ] = None,
    service: Annotated[str | None, Query(max_length=40)] = None,
    incident: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> alert_views.AlertPage:
    list_filters.check_filters(uow=uow, service=service, incident=incident)
    return alert_views.list_alerts(
        uow=uow,
        status=status or (),
        service=service,
        incident_id=incident,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/alerts/{alert_id}",
    tags=["alerts"],
    response_model=alert_views.AlertDetail,
    responses=document((404,)),
    summary="One alert with its source payload",
)
def show_alert(uow: Uow, _: Viewer, alert_id: Number) -> alert_views.AlertDetail:
    return alert_views.get_alert(uow=uow, alert_id=alert_id)


class Matcher(Input):
    name: Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\x00]+$")]
    op: Literal["=", "!=", "=~", "!~"] = "="
    value: Annotated[str, Field(max_length=1024, pattern=r"^[^\x00]*$")]


class SilenceCreate(Input):
    kind: Literal["silence", "maintenance"] = "silence"
    matchers: list[Matcher] = Field(default_factory=list, max_length=20)
    service: Ref | None = None
    starts_at: Time | None = None
    ends_at: Time
    comment: Reason = ""


@router.get(
    "/silences",
    tags=["silences"],
    response_model=list[silences.SilenceRead],
    summary="Silences and maintenance windows in force or scheduled",
)
def list_silences(
    uow: Uow, _: Viewer, expired: Annotated[bool, Query(description="Include expired ones")] = False
) -> list[silences.SilenceRead]:
    return silences.list_silences(uow=uow, include_expired=expired)


@router.post(
    "/silences",
    tags=["silences"],
    status_code=201,
    response_model=silences.SilenceRead,
    summary="Silence matching alerts, or put a service in maintenance",
)
def create_silence(uow: Uow, who: Responder, body: SilenceCreate) -> silences.SilenceRead:
    matchers = [silences.MatcherSpec(**m.model_dump()) for m in body.matchers]
    return silences.create_silence(
        uow=uow,
        actor=who.user_id,
        kind=body.kind,
        matchers=matchers,
        service=body.service,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        comment=body.comment,
    )


@router.post(
    "/silences/{silence_id}/expire",
    tags=["silences"],
    response_model=silences.SilenceRead,
    responses=document((404,)),
    summary="End a silence now",
)
def expire_silence(uow: Uow, who: Responder, silence_id: Number) -> silences.SilenceRead:
    return silences.expire_silence(uow=uow, actor=who.user_id, silence_id=silence_id)


class IntegrationCreate(Input):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
    service: Ref
    type: Literal["alertmanager", "events_v2", "generic", "heartbeat"]
    interval: Annotated[str, Field(max_length=20, pattern=r"^[0-9]+[smhdw]$")] | None = None
    mapping: (
        dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=200)]] | None
    ) = None

    def settings(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (("interval", self.interval), ("mapping", self.mapping))
            if v is not None
        }


class Rotation(Input):
    grace: Annotated[str, Field(max_length=20, pattern=r"^[0-9]+[smhdw]$")] = "1h"


@router.get(
    "/integrations",
    tags=["integrations"],
    response_model=list[integrations.IntegrationRead],
    summary="Integrations (keys and URLs for admins only)",
)
def list_integrations(uow: Uow, who: Viewer, core: Core) -> list[integrations.IntegrationRead]:
    return integrations.list_integrations(
        uow=uow, show_keys=who.role == "admin", base_url=core.base_url()
    )


@router.post(
    "/integrations",
    tags=["integrations"],
    status_code=201,
    response_model=integrations.IntegrationRead,
    responses=document((409,)),
)
def create_integration(
    uow: Uow, who: Admin, core: Core, body: IntegrationCreate
) -> integrations.IntegrationRead:
    return integrations.create_integration(
        uow=uow,
        actor=who.user_id,
        base_url=core.base_url(),
        integration_id=body.id,
        service=body.service,
        kind=body.type,
        settings=body.settings(),
    )


@router.post(
    "/integrations/{integration_id}/rotate",
    tags=["integrations"],
    response_model=integrations.IntegrationRead,
    responses=document((404, 409)),
    summary="New key; the old one keeps working for the grace period",
)
def rotate(
    uow: Uow, who: Admin, core: Core, integration_id: Slug, body: Rotation | None = None
) -> integrations.IntegrationRead:
    grace = integrations.parse_grace((body or Rotation()).grace)
    return integrations.rotate_key(
        uow=uow,
        actor=who.user_id,
        integration_id=integration_id,
        grace=grace,
        base_url=core.base_url(),
    )


@router.post(
    "/integrations/{integration_id}/revoke",
    tags=["integrations"],
    response_model=integrations.IntegrationRead,
    responses=document((404,)),
    summary="Stop accepting alerts on this integration at once",
)
def revoke(uow: Uow, who: Admin, core: Core, integration_id: Slug) -> integrations.IntegrationRead:
    return integrations.revoke(
        uow=uow, actor=who.user_id, integration_id=integration_id, base_url=core.base_url()
    )


DeliveryStatus = Literal[
    "queued", "sending", "sent", "failed", "throttled", "coalesced", "digested", "cancelled"
]


@router.get(
    "/deliveries",
    tags=["deliveries"],
    response_model=list[delivery.DeliveryRead],
    summary="The delivery log: every page and announcement, newest first",
)
def list_deliveries(
    uow: Uow,
    _: Viewer,
    incident: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status: Annotated[list[DeliveryStatus] | None, Query(max_length=8)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Only rows with a smaller id (paging).")
    ] = None,
) -> list[delivery.DeliveryRead]:
    list_filters.check_filters(uow=uow, incident=incident)
    return delivery.list_deliveries(
        uow=uow, incident_id=incident, statuses=status or (), limit=limit, before_id=before
    )
