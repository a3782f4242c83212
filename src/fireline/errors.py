"""The exceptions Fireline raises on purpose, and what each one means to a caller.

    FirelineError                 base; ``status`` is the HTTP status it maps to
    ├── InvalidInput      (422)   a value is wrong; ``field`` names it when known
    │   └── ConfigInvalid (422)   a config file is wrong; ``problems`` lists every key and line
    ├── NotFound          (404)   the thing named does not exist
    ├── Conflict          (409)   the request clashes with the current state
    │   ├── TransitionRefused     a workflow move is not allowed; ``missing`` says why
    │   └── StaleState            someone else changed the incident first; retry
    ├── Unauthenticated   (401)   no valid token or session
    ├── Forbidden         (403)   authenticated, but the role does not allow it
    ├── TooManyAttempts   (429)   too many failed logins or tokens; ``retry_after`` seconds
    └── ProviderFailed    (502)   a provider (Twilio) did not take what Fireline sent at once

Entry points turn these into problem+json (web) or one line on stderr and a
non-zero exit (CLI); ``extras()`` is what an error adds to the problem document.
Anything else escaping a service is a bug.
"""

from __future__ import annotations

from typing import Any


class FirelineError(Exception):
    """Base of every deliberate Fireline error."""

    status = 500
    title = "Internal error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extras(self) -> dict[str, Any]:
        """The problem document's fields beyond type, title, status and detail."""
        return {}


class InvalidInput(FirelineError):
    status = 422
    title = "Invalid input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def extras(self) -> dict[str, Any]:
        return {"field": self.field} if self.field else {}


class ConfigInvalid(InvalidInput):
    title = "Invalid configuration"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def extras(self) -> dict[str, Any]:
        return {"errors": [{"field": "config", "message": p} for p in self.problems]}


class NotFound(FirelineError):
    status = 404
    title = "Not found"


class Conflict(FirelineError):
    status = 409
    title = "Conflict"


class TransitionRefused(Conflict):
    title = "Transition refused"

    def __init__(self, message: str, *, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []

    def extras(self) -> dict[str, Any]:
        return {"missing": self.missing} if self.missing else {}


class StaleState(Conflict):
    title = "Changed by someone else"


class Unauthenticated(FirelineError):
    status = 401
    title = "Authentication required"


class Forbidden(FirelineError):
    status = 403
    title = "Forbidden"


class TooManyAttempts(FirelineError):
    status = 429
    title = "Too many attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderFailed(FirelineError):
    status = 502
    title = "Provider failed"
