"""RFC 9457 problem details: every error the API returns, as application/problem+json."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from fireline.errors import FirelineError, TooManyAttempts

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("fireline.web")


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error: ``detail`` says what went wrong and what to do about it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    missing: list[str] | None = None
    errors: list[FieldError] | None = None


class ProblemResponse(JSONResponse):
    """problem+json that survives any text an error quotes back: a lone surrogate from a
    hostile body (YAML and JSON can carry one) is written as its escape, not a 500."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, **extra)
    return ProblemResponse(body.model_dump(exclude_none=True), status, headers=headers)


def install(app: FastAPI) -> None:
    """Turn every error into a problem response."""
    app.add_exception_handler(FirelineError, _fireline_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


async def _fireline_error(request: Request, error: FirelineError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    return problem(error.status, error.title, error.message, headers, **error.extras())


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        FieldError(field=_field(e["loc"]), message=e["msg"].removeprefix("Value error, "))
        for e in error.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    first = errors[0].field if errors else None
    return problem(422, "Invalid input", detail, field=first, errors=errors)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    detail = error.detail if isinstance(error.detail, str) else str(error.detail)
    if error.status_code == 404 and detail == "Not Found":
        detail = f"there is no route {request.url.path}; see /docs for the API"
    titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request"}
    return problem(
        error.status_code,
        titles.get(error.status_code, "HTTP error"),
        detail,
        dict(error.headers) if error.headers else None,
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        500, "Internal error", "something went wrong on our side; the server log has the details"
    )


def document(status_codes: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problems a route can return."""
    return {
        code: {"model": Problem, "description": _DESCRIPTIONS[code], "content": {MEDIA_TYPE: {}}}
        for code in status_codes
    }


_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing or invalid token",
    403: "The role does not allow this",
    404: "Not found",
    409: "Conflicts with the current state (a refused transition, a concurrent change)",
    422: "Invalid input; `field` names the culprit",
    429: "Too many invalid API tokens from this address; `Retry-After` says when to try again",
    502: "A provider (Twilio) did not take what Fireline sent; `detail` says what it answered",
}


def problem_only_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are problem+json only (FastAPI also lists application/json)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code.startswith(("4", "5")) and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return schema
