"""One log line per request with its request id, plain or JSON, secrets redacted on every line."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from fireline import logs
from fireline.web.access_log import AccessLog

KEY = "hb0ledger000000000000000000000001"


async def beat(request: Request) -> PlainTextResponse:
    logging.getLogger("fireline.ingest").warning("stored a beat for %s", request.url.path)
    return PlainTextResponse("ok")


def _client() -> TestClient:
    app = Starlette(routes=[Route("/api/v1/heartbeats/{key}", beat, methods=["POST"])])
    app.add_middleware(AccessLog)
    return TestClient(app)


@contextmanager
def _writing(log_format: logs.LogFormat) -> Iterator[io.StringIO]:
    """What Fireline's logging set-up writes, in the given format, to one stream."""
    stream = io.StringIO()
    settings = logs.config(log_format=log_format)
    for handler in settings["handlers"].values():
        handler["stream"] = stream
    logging.config.dictConfig(settings)
    try:
        yield stream
    finally:
        logging.config.dictConfig(logs.config())


@pytest.fixture(params=["text", "json"])
def written(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    with _writing(request.param) as stream:
        yield stream


@pytest.fixture
def written_json() -> Iterator[io.StringIO]:
    with _writing("json") as stream:
        yield stream


def test_each_request_gets_an_id_echoed_in_its_response() -> None:
    client = _client()
    given = client.post(f"/api/v1/heartbeats/{KEY}", headers={"X-Request-ID": "lb-1234.abc"})
    made = client.post(f"/api/v1/heartbeats/{KEY}")
    forged = client.post(f"/api/v1/heartbeats/{KEY}", headers={"X-Request-ID": "x\nFAKE line"})

    assert given.headers["x-request-id"] == "lb-1234.abc"
    assert len(made.headers["x-request-id"]) == 32
    assert forged.headers["x-request-id"] not in ("x\nFAKE line", made.headers["x-request-id"])


def test_one_redacted_line_per_request_with_its_id(written: io.StringIO) -> None:
    response = _client().post(f"/api/v1/heartbeats/{KEY}?token=s3cr3t")
    rid = response.headers["x-request-id"]

    lines = written.getvalue().splitlines()
    access = [line for line in lines if "POST" in line and "stored a beat" not in line]
    assert len(access) == 1 and rid in access[0]
    assert KEY not in written.getvalue() and "s3cr3t" not in written.getvalue()
    assert f"/api/v1/heartbeats/{logs.REDACTED}" in access[0]


def test_json_lines_carry_the_request_fields_and_the_id_of_lines_inside_it(
    written_json: io.StringIO,
) -> None:
    response = _client().post(f"/api/v1/heartbeats/{KEY}")
    inside, access = (json.loads(line) for line in written_json.getvalue().splitlines())

    assert access["request_id"] == inside["request_id"] == response.headers["x-request-id"]
    assert access["logger"] == "fireline.access" and access["level"] == "info"
    assert access["method"] == "POST" and access["status"] == 200
    assert access["path"] == f"/api/v1/heartbeats/{logs.REDACTED}"
    assert isinstance(access["duration_ms"], float)
    assert inside["message"] == f"stored a beat for /api/v1/heartbeats/{logs.REDACTED}"
