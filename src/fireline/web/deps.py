"""Typed dependencies: the wired core, a unit of work, and the caller with their role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fireline.bootstrap import Fireline
from fireline.errors import Unauthenticated
from fireline.services.admin import auth
from fireline.services.admin.auth import Principal
from fireline.storage.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="An API token from `fireline token create`.")


def get_fireline(request: Request) -> Fireline:
    fireline: Fireline = request.app.state.fireline
    return fireline


Core = Annotated[Fireline, Depends(get_fireline)]


def get_uow(fireline: Annotated[Fireline, Depends(get_fireline)]) -> UnitOfWork:
    return fireline.uow()


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def client_address(request: Request) -> str:
    """Who is asking, as far as the network says (behind a proxy: what uvicorn trusts of it)."""
    return request.client.host if request.client else "unknown"


def current_principal(
    request: Request,
    fireline: Annotated[Fireline, Depends(get_fireline)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthenticated("send an API token: `Authorization: Bearer <token>`")
    return auth.authenticate_from(
        uow=fireline.uow(),
        attempts=fireline.attempts(),
        token=credentials.credentials,
        address=client_address(request),
    )


def act_as(app: FastAPI, principal: Principal) -> None:
    """Every request to ``app`` is ``principal``'s, with no token: the CLI's direct mode, where
    whoever can open the database is its operator."""
    app.dependency_overrides[current_principal] = lambda: principal


def _role(role: str) -> object:
    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        principal.require(role)
        return principal

    return Depends(check)


Viewer = Annotated[Principal, _role("viewer")]
Responder = Annotated[Principal, _role("responder")]
Admin = Annotated[Principal, _role("admin")]
