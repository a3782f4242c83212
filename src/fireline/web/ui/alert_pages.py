"""Alerts (list with filters, one alert with its labels and payload) and silences and
maintenance windows (list, create, expire), on the same services as the API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from fireline.domain.durations import parse_duration
from fireline.errors import FirelineError, InvalidInput, NotFound
from fireline.services.alerting import silences
from fireline.services.alerting import views as alert_views
from fireline.services.incidents import views as incident_views
from fireline.storage.uow import UnitOfWork
from fireline.web.api.alerts import SilenceCreate
from fireline.web.deps import Uow
from fireline.web.ui.forms import validated
from fireline.web.ui.session import Form, FormBody, ResponderActs, SignedIn
from fireline.web.ui.templating import render

router = APIRouter(include_in_schema=False)
Number = Annotated[int, Path(ge=1, le=2**31 - 1)]
ALERT_PAGE = 50
STATUSES = ("firing", "acknowledged", "resolved")
LASTS = ("30m", "1h", "2h", "4h", "8h", "1d", "3d", "7d")
MATCHER_ROWS = 3
Status = Literal["firing", "acknowledged", "resolved", "any"]


@router.get("/alerts")
def alert_list(
    request: Request,
    uow: Uow,
    _: SignedIn,
    status: Annotated[Status, Query()] = "any",
    service: Annotated[str, Query(max_length=40)] = "",
    incident: Annotated[str, Query(pattern=r"^[0-9]{0,9}$")] = "",  # blank in the form
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
) -> Response:
    found = alert_views.list_alerts(
        uow=uow,
        status=() if status == "any" else (status,),
        service=service or None,
        incident_id=int(incident) if incident else None,
        limit=ALERT_PAGE,
        offset=(page - 1) * ALERT_PAGE,
    )
    filters = {"status": status, "service": service, "incident": incident}
    return render(
        request,
        "alerts.html",
        found=found,
        page=page,
        pages=max(1, -(-found.total // ALERT_PAGE)),
        filters=filters,
        query=urlencode({k: v for k, v in filters.items() if v not in ("", "any")}),
        statuses=STATUSES,
        directory=incident_views.directory(uow=uow),
    )


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, uow: Uow, _: SignedIn, alert_id: Number) -> Response:
    try:
        alert = alert_views.get_alert(uow=uow, alert_id=alert_id)
    except NotFound as error:
        return render(request, "error.html", 404, title="Not found", message=error.message)
    payload = json.dumps(alert.payload, indent=2, sort_keys=True, ensure_ascii=False)
    return render(request, "alert.html", alert=alert, payload=payload)


@router.get("/silences")
def silence_list(
    request: Request,
    uow: Uow,
    _: SignedIn,
    expired: Annotated[bool, Query()] = False,
    created: Annotated[bool, Query()] = False,
) -> Response:
    return _silences_page(request, uow, expired=expired, created=created)


def _silences_page(
    request: Request,
    uow: UnitOfWork,
    *,
    expired: bool = False,
    created: bool = False,
    status: int = 200,
    error: str | None = None,
    form: Form | None = None,
) -> Response:
    return render(
        request,
        "silences.html",
        status,
        silences=silences.list_silences(uow=uow, include_expired=expired),
        expired=expired,
        created=created,
        error=error,
        form=form or Form({}),
        lasts=LASTS,
        matcher_rows=MATCHER_ROWS,
        directory=incident_views.directory(uow=uow),
    )


@router.post("/silences")
def create_silence(request: Request, uow: Uow, who: ResponderActs, form: FormBody) -> Response:
    try:
        body = validated(SilenceCreate, **_silence_fields(form, request.app.state.fireline.clock()))
        silences.create_silence(
            uow=uow,
            actor=who.principal.user_id,
            kind=body.kind,
            matchers=[silences.MatcherSpec(**m.model_dump()) for m in body.matchers],
            service=body.service,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            comment=body.comment,
        )
    except FirelineError as error:
        return _silences_page(request, uow, status=error.status, error=error.message, form=form)
    return RedirectResponse("/silences?created=1", status_code=303)


def _silence_fields(form: Form, now: datetime) -> dict[str, object]:
    """The form as the API's request body: UTC times, a duration or an end, matcher rows."""
    starts_at = form_time(form, "starts_at")
    ends_at = form_time(form, "ends_at")
    if ends_at is None:
        lasts = form.get("lasts", "2h")
        if lasts not in LASTS:
            raise InvalidInput("lasts: choose how long it lasts, or when it ends", field="lasts")
        ends_at = (starts_at or now) + parse_duration(lasts)
    rows = zip(
        form.fields.get("matcher_name", []),
        form.fields.get("matcher_op", []),
        form.fields.get("matcher_value", []),
        strict=False,
    )
    return {
        "kind": form.get("kind", "silence"),
        "matchers": [
            {"name": n.strip(), "op": o, "value": v} for n, o, v in rows if n.strip() or v
        ],
        "service": form.optional("service"),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "comment": form.get("comment").strip(),
    }


def form_time(form: Form, name: str, zone: str = "UTC") -> datetime | None:
    """A ``datetime-local`` field (``2026-11-27T18:30``), read in ``zone``; None when blank."""
    text = form.optional(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name}: not a date and time like 2026-11-27T18:30", field=name
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


@router.post("/silences/{silence_id}/expire")
def expire_silence(
    request: Request, uow: Uow, login: ResponderActs, silence_id: Number, form: FormBody
) -> Response:
    try:
        actor = login.principal.user_id
        silences.expire_silence(uow=uow, actor=actor, silence_id=silence_id)
    except FirelineError as error:
        return _silences_page(request, uow, status=error.status, error=error.message)
    return RedirectResponse("/silences", status_code=303)
