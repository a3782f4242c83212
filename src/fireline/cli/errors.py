"""How a command fails: with a problem document (RFC 9457), the API's own when the API refused.

    CliError        a command failed; ``problem`` says how (type, title, status, detail and
                    whatever the API added: field, errors, missing), ``note`` follows the line
                    on stderr (the HTTP status in server mode)

Without --json a failure prints ``error: …`` on stderr, one line per problem; with --json the
problem document goes to stdout as well. A usage error (the parser's, or a value the request
schema rejects) exits 2; any other failure exits 1.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

Problem = dict[str, Any]
USAGE = "Invalid usage"


class CliError(Exception):
    """A command failed; ``problem`` is what the API (or the command) says about it."""

    def __init__(
        self, detail: str, *, title: str = "Command failed", status: int = 400, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.problem: Problem = problem(title, status, detail, **extra)
        self.note = ""

    @classmethod
    def refused(cls, document: Problem, note: str = "") -> CliError:
        """The API's refusal, its problem document as it came."""
        error = cls(str(document.get("detail") or document.get("title") or "refused"))
        error.problem, error.note = document, note
        return error


def problem(title: str, status: int, detail: str, **extra: Any) -> Problem:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}


def exit_code(document: Problem) -> int:
    """2 for usage: the parser's errors, or a request the API's schema rejected field by field."""
    if document.get("title") == USAGE:
        return 2
    schema = document.get("status") == 422 and document.get("title") == "Invalid input"
    return 2 if schema and "errors" in document else 1


def lines(document: Problem) -> list[str]:
    """One line per problem: each field error (a config file's, each of its problems), else
    the detail."""
    errors = document.get("errors") or []
    if not errors:
        return [str(document.get("detail", ""))]
    return [
        e["message"] if e["field"] == "config" else f"{e['field']}: {e['message']}" for e in errors
    ]


def fail(document: Problem, *, as_json: bool, note: str = "") -> NoReturn:
    """Report the problem (on stdout too under --json) and exit non-zero."""
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    for line in lines(document):
        sys.stderr.write(f"error: {line}{note}\n")
    sys.exit(exit_code(document))
