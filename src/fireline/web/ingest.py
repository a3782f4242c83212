"""The ingest hot path: lean routes, fast parsing, per-key rate limits and group commit.

Each request waits while one writer commits everything pending in one
transaction; its 2xx goes out only after the commit that holds its alerts.
On shutdown the writer commits and answers everything submitted before it
stops; a submission after that is refused with a 503 (retry elsewhere).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from fireline import telemetry
from fireline.bootstrap import Fireline
from fireline.errors import StaleState
from fireline.integrations import alertmanager, events_v2
from fireline.integrations.limits import MAX_BODY_BYTES, PayloadInvalid, check_depth, decode
from fireline.services.alerting.hot import HotState
from fireline.services.alerting.ingest import Kind, Outcome, Rejected, Submission, ingest
from fireline.web.draining import RETRY_AFTER_SECONDS
from fireline.web.problems import problem

log = logging.getLogger("fireline.ingest")
MAX_GROUP = 1000  # submissions per transaction
RETRIES = 3  # a clash with another process's writer (PostgreSQL) is retried
DRAIN_SECONDS = 3.0  # at shutdown, at most this long to commit what is still pending
SHUTTING_DOWN = Rejected(503, "the server is shutting down; retry in a few seconds")


class GroupCommitWriter:
    """One writer thread; requests queue up and are committed together."""

    def __init__(self, core: Fireline) -> None:
        self.core = core
        self._pending: list[tuple[Submission, asyncio.Future[Outcome]]] = []
        self._wake = asyncio.Event()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="fireline-ingest")
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._hot = HotState()  # used by the writer thread only

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self, timeout: float = DRAIN_SECONDS) -> None:
        """Refuse new submissions, commit and answer the pending ones, then stop."""
        self._closed = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout)
            except TimeoutError:
                log.error("ingest writer still committing after %.0f s; refusing the rest", timeout)
        for _, future in self._pending:  # only left if the drain timed out: never committed
            if not future.done():
                future.set_result(SHUTTING_DOWN)
        self._pending = []
        self._thread.shutdown(wait=True)

    async def submit(self, submission: Submission) -> Outcome:
        """Wait until the submission is committed (or refused) and return what happened."""
        if self._closed:
            return SHUTTING_DOWN
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((submission, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not (self._closed and not self._pending):
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                group, self._pending = self._pending[:MAX_GROUP], self._pending[MAX_GROUP:]
                outcomes = await loop.run_in_executor(
                    self._thread, self._commit, [s for s, _ in group]
                )
                for (_, future), outcome in zip(group, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)

    def _commit(self, submissions: list[Submission]) -> list[Outcome]:
        try:
            return self._with_retries(submissions)
        except Exception:
            if len(submissions) == 1:
                log.exception("ingest failed")
                return [
                    Rejected(500, "the alert could not be stored; the server log has the details")
                ]
            return [self._commit([s])[0] for s in submissions]  # isolate the culprit

    def _with_retries(self, submissions: list[Submission]) -> list[Outcome]:
        for attempt in range(RETRIES):
            try:
                return ingest(uow=self.core.uow(), submissions=submissions, hot=self._hot)
            except StaleState:
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")


class RateLimiter:
    """A token bucket per integration key: ``rate`` requests a second, bursts up to ``burst``."""

    MAX_KEYS = 10_000

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def retry_after(self, key: str) -> float | None:
        """None if the request may go ahead, else the seconds to wait."""
        if self.rate <= 0:
            return None
        now = self.clock()
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        if len(self._buckets) >= self.MAX_KEYS and key not in self._buckets:
            self._buckets.clear()  # forget everyone rather than grow without bound
        self._buckets[key] = (tokens - 1, now)
        return None


class TooLarge(Exception):
    pass


async def read_body(request: Request) -> bytes:
    """The request body, refusing anything over MAX_BODY_BYTES without reading it all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


Handler = Callable[[Request], Awaitable[Response]]


def _writer(request: Request) -> GroupCommitWriter:
    writer: GroupCommitWriter = request.app.state.ingest_writer
    return writer


def _limited(request: Request, key: str) -> float | None:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter.retry_after(key)


def _too_many(retry_after: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, round(retry_after + 0.5)))}


def _problem_for(outcome: Rejected) -> Response:
    titles = {
        400: "Bad request",
        403: "Key revoked",
        404: "Unknown integration key",
        500: "Internal error",
        503: "Shutting down",
    }
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if outcome.status == 503 else None
    title = titles.get(outcome.status, "Rejected")
    return problem(outcome.status, title, outcome.message, headers)


async def _keyed(request: Request, kind: Kind, parse: Callable[[bytes], Submission]) -> Response:
    """The shared path of the key-in-URL endpoints (Alertmanager, generic, heartbeats)."""
    key = request.path_params["key"]
    wait = _limited(request, key)
    if wait is not None:
        return problem(
            429, "Too many requests", f"this key is limited; retry in {wait:.1f} s", _too_many(wait)
        )
    try:
        submission = parse(await read_body(request))
    except TooLarge:
        return problem(413, "Payload too large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    except PayloadInvalid as error:
        return problem(
            400,
            "Invalid payload",
            str(error),
            errors=[{"field": "body", "message": e} for e in error.errors],
        )
    outcome = await _writer(request).submit(submission)
    if isinstance(outcome, Rejected):
        return _problem_for(outcome)
    _accepted(kind, max(1, len(outcome.dedup_keys)))
    return JSONResponse({"status": "success", "alerts": len(outcome.dedup_keys)})


async def alertmanager_webhook(request: Request) -> Response:
    key = request.path_params["key"]
    return await _keyed(
        request,
        "alertmanager",
        lambda body: Submission(key, "alertmanager", alertmanager.parse(body)),
    )


async def generic_webhook(request: Request) -> Response:
    key = request.path_params["key"]
    return await _keyed(
        request, "generic", lambda body: Submission(key, "generic", document=_object(body))
    )


async def heartbeat(request: Request) -> Response:
    key = request.path_params["key"]
    return await _keyed(request, "heartbeat", lambda body: Submission(key, "heartbeat", beat=True))


def _object(body: bytes) -> dict[str, object]:
    try:
        document = decode(body, msgspec.json.decode)
    except msgspec.DecodeError as error:
        raise PayloadInvalid([f"not valid JSON: {error}"]) from None
    if not isinstance(document, dict):
        raise PayloadInvalid(["the body must be a JSON object"])
    check_depth(document, "body")
    return document


async def enqueue_v2(request: Request) -> Response:
    """PagerDuty Events API v2: 202 with the dedup key, 400 with errors, 429 when limited."""
    try:
        routing_key, event = events_v2.parse(await read_body(request))
    except TooLarge:
        return JSONResponse(events_v2.invalid(["Event object is too large"]), 413)
    except PayloadInvalid as error:
        return JSONResponse(events_v2.invalid(error.errors), 400)
    wait = _limited(request, routing_key)
    if wait is not None:
        return JSONResponse(
            {
                "status": "throttle event",
                "message": "Requests for this service are arriving too quickly.  Please retry later.",
            },
            429,
            headers=_too_many(wait),
        )
    outcome = await _writer(request).submit(Submission(routing_key, "events_v2", [event]))
    if outcome is SHUTTING_DOWN:
        return _problem_for(outcome)
    if isinstance(outcome, Rejected):
        status = 500 if outcome.status == 500 else 400
        return JSONResponse(events_v2.invalid([outcome.message]), status)
    _accepted("events_v2", 1)
    return JSONResponse(events_v2.accepted(event.dedup_key), 202)


_REFUSED = {400: "invalid", 403: "rejected", 404: "rejected", 413: "invalid", 429: "throttled"}


def _accepted(kind: str, alerts: int) -> None:
    telemetry.ALERTS_RECEIVED.labels(kind, "accepted").inc(alerts)


def _measured(kind: str, handler: Handler) -> Handler:
    """The handler, timed, with each refused request counted once (accepted alerts are counted
    where their number is known). A few microseconds: no database work."""

    async def measured(request: Request) -> Response:
        started = time.perf_counter()
        response = await handler(request)
        telemetry.INGEST_DURATION.labels(kind).observe(time.perf_counter() - started)
        if response.status_code >= 300:
            outcome = _REFUSED.get(response.status_code, "error")
            telemetry.ALERTS_RECEIVED.labels(kind, outcome).inc()
        return response

    return measured


def routes() -> list[Route]:
    return [
        Route(
            "/api/v1/integrations/alertmanager/{key}",
            _measured("alertmanager", alertmanager_webhook),
            methods=["POST"],
        ),
        Route(
            "/api/v1/integrations/generic/{key}",
            _measured("generic", generic_webhook),
            methods=["POST"],
        ),
        Route(
            "/api/v1/heartbeats/{key}", _measured("heartbeat", heartbeat), methods=["POST", "GET"]
        ),
        Route("/v2/enqueue", _measured("events_v2", enqueue_v2), methods=["POST"]),
    ]


# API routes whose paths an ingest route would also match; they keep going to the API.
API_PATHS_UNDER_INGEST = (
    "/api/v1/integrations/{integration_id}/rotate",
    "/api/v1/integrations/{integration_id}/revoke",
)
INGEST_PREFIXES = ("/api/v1/integrations/", "/api/v1/heartbeats/", "/v2/enqueue")


class IngestFirst:
    """Send ingest requests straight to their routes, ahead of the application's router.

    The ingest routes come after the API's in the router (so an API path they would also
    match stays the API's), and FastAPI tries every API route first: measured, that took
    about 2 ms of the event loop per alert request. This middleware sits innermost, inside
    the access log, the security headers and the draining check, so an ingest request still
    passes through those; any other request, or a method the ingest route does not take,
    goes through the router as before.
    """

    def __init__(self, app: ASGIApp, routes: list[Route]) -> None:
        self.app = app
        self.routes = routes
        self.shadowed = [Route(path, _never, methods=["POST"]) for path in API_PATHS_UNDER_INGEST]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(INGEST_PREFIXES):
            route = self._route(scope)
            if route is not None:
                await route.handle(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _route(self, scope: Scope) -> Route | None:
        if any(r.matches(scope)[0] is not Match.NONE for r in self.shadowed):
            return None
        for route in self.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                return route
        return None


async def _never(request: Request) -> Response:  # pragma: no cover - only matched, never run
    raise AssertionError("an API route is answered by the API")
