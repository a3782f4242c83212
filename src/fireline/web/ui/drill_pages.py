"""A drill's report in the browser: how fast the practice incident was paged, taken on and
staffed (services.drills.drill_report, as ``GET …/drill-report``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fireline.errors import Conflict, NotFound
from fireline.services.incidents import drills
from fireline.web.deps import Uow
from fireline.web.ui.incident_page import IncidentId, not_found
from fireline.web.ui.session import SignedIn
from fireline.web.ui.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/incidents/{incident_id}/drill-report")
def drill_report(request: Request, uow: Uow, _: SignedIn, incident_id: IncidentId) -> Response:
    try:
        report = drills.drill_report(uow=uow, incident_id=incident_id)
    except NotFound as error:
        return not_found(request, error.message)
    except Conflict as error:
        return render(request, "error.html", 409, title="Not a drill", message=error.message)
    return render(request, "drill_report.html", report=report)
