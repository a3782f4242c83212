"""The one way a command reaches Fireline: a request to its API, over HTTP to a server (--url),
else to the same application in this process (direct mode, see ``direct.py``).

Either way the API validates, refuses and answers, so both modes print the same documents and
the same errors.
"""

from __future__ import annotations

from typing import Any

import httpx

from fireline.cli.errors import CliError, Problem, problem


class Api:
    """Sends requests under /api/v1 and returns their answers; a refusal raises CliError."""

    def __init__(self, http: httpx.Client, *, remote: bool) -> None:
        self.http, self.remote = http, remote

    def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        media_type: str = "application/json",
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The answer: JSON, text (a Markdown export), or None (204)."""
        headers = {"Content-Type": media_type} if content is not None else None
        try:
            response = self.http.request(
                method, path, content=content, headers=headers, params=params
            )
        except httpx.HTTPError as error:
            raise CliError(
                f"cannot reach the Fireline server: {error}", title="Unreachable", status=503
            ) from None
        if response.status_code >= 400:
            note = f" (HTTP {response.status_code})" if self.remote else ""
            raise CliError.refused(_problem(response), note)
        if not response.content:
            return None
        is_json = "json" in response.headers.get("content-type", "")
        return response.json() if is_json else response.text

    def close(self) -> None:
        self.http.close()


def _problem(response: httpx.Response) -> Problem:
    """The problem document, or one made up for an answer that is none (a proxy's error page)."""
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict) and "detail" in document:
        return document
    reason = response.reason_phrase or "Error"
    return problem(reason, response.status_code, response.text[:200] or reason)


def over_http(url: str, token: str | None) -> httpx.Client:
    """A client for the server at ``url``, with the API token."""
    if not token:
        raise CliError(
            "--token (or FIRELINE_TOKEN) is needed with --url; create one with "
            "`fireline token create`",
            title="Authentication required",
            status=401,
        )
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=url.rstrip("/") + "/api/v1", headers=headers, timeout=30)


def connect(*, url: str | None, token: str | None, database_url: str | None, actor: str) -> Api:
    """The server at ``url``, else the application in-process on the database, as ``actor``."""
    if url:
        return Api(over_http(url, token), remote=True)
    from fireline.cli import direct  # the application: imported only when a command needs it

    return Api(direct.in_process(database_url, actor), remote=False)
