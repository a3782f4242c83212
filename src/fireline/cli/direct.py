"""Direct mode: the API application, built in this process on the database, answers the command.

The caller is the operator: whoever can open the database can do anything, so requests act as
the ``--as`` name with the admin role, and need no token. Importing this module imports the
application; the command tree imports it only when a command runs in direct mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI

from fireline.bootstrap import Fireline, build
from fireline.cli.errors import CliError
from fireline.config import Settings
from fireline.services.admin.auth import Principal
from fireline.web.api import create_api
from fireline.web.deps import act_as

OPERATOR_ROLE = "admin"


def in_process(database_url: str | None, actor: str) -> httpx.Client:
    """A client whose requests the application in this process answers, as ``actor``."""
    core = open_database(database_url)
    app = create_api(core)
    act_as(app, Principal(actor, OPERATOR_ROLE))
    return httpx.Client(transport=InProcess(app, core), base_url="http://direct/api/v1")


class InProcess(httpx.BaseTransport):
    """Hands each request to the ASGI application and waits for the whole answer.

    The application runs on an event loop in a thread of its own, so that a caller whose
    thread runs a loop already (a notebook, a test with Playwright) can use it too.
    """

    def __init__(self, app: FastAPI, core: Fireline) -> None:
        # An error the application did not expect is its 500 problem, as a server would answer.
        self.asgi = httpx.ASGITransport(app, raise_app_exceptions=False)
        self.core = core
        self.opened = ExitStack()
        self.loop = self.opened.enter_context(start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.loop.call(self._answer, request)

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        response = await self.asgi.handle_async_request(request)
        body = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    def close(self) -> None:
        self.opened.close()
        self.core.close()


def open_database(database_url: str | None) -> Fireline:
    """The database, opened and migrated; one clear error when it cannot be."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    try:
        return build(settings)
    except Exception as error:  # a bad URL, an unreachable server, a locked file
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise CliError(
            f"cannot open the database {settings.database_url}: {reason}",
            title="Database unavailable",
            status=503,
        ) from None


@contextmanager
def opened(database_url: str | None) -> Iterator[Fireline]:
    """The database for a command that calls services itself (it has no API route)."""
    core = open_database(database_url)
    try:
        yield core
    finally:
        core.close()
