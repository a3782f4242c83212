"""Fuzz every ingest format with hypothesis: no 5xx, and a refused request stores nothing.

Each case starts from a valid body of its format and breaks it: any field replaced by any JSON
(text over all of Unicode, NUL included; times with and without a zone; deep nesting), or the
bytes themselves cut or made wrong. Runs on SQLite and PostgreSQL (the `ingest_app` fixture).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fireline.storage import models
from tests.e2e.ingest_support import (
    AM_URL,
    EV_KEY,
    HB_KEY,
    Ingest,
    am_alert,
    am_webhook,
    with_generic_integration,
)

GENERIC_KEY = "gn0fuzz00000000000000000000000001"
EXAMPLES = 120

text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\u0000", "a\u0000b", "2026-03-02T08:58:00", "2026-03-02T08:58:00Z", "0001-01-01T00:00:00"]
)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)
nested = st.integers(1, 3000).map(
    lambda n: {"deep": json.loads("[" * min(n, 900) + "]" * min(n, 900))}
)


def _paths(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*path, key))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            found += _paths(value, (*path, i))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = _replace(document[head], rest, value)
    return copy


@st.composite
def broken(draw: st.DrawFn, valid: Any) -> bytes:
    """A valid document with one to three parts replaced, or its bytes damaged."""
    document = valid
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        document = _replace(document, path, draw(json_values | nested))
    body = json.dumps(document).encode()
    damage = draw(st.sampled_from(["none", "none", "cut", "bytes", "key"]))
    if damage == "cut":
        return body[: draw(st.integers(0, len(body)))]
    if damage == "bytes":
        at = draw(st.integers(0, max(0, len(body) - 1)))
        return body[:at] + draw(st.binary(min_size=1, max_size=4)) + body[at + 1 :]
    if damage == "key":  # an extra field anywhere at the top
        extra = json.dumps({draw(text): draw(json_values)})[1:-1]
        return body[:-1] + (b", " if len(body) > 2 else b"") + extra.encode() + b"}"
    return body


def _stored(ingest: Ingest) -> tuple[int, int, int]:
    tables = (models.AlertRow, models.IncidentRow, models.IncidentEvent)
    with ingest.core.database.engine.connect() as connection:
        a, i, e = (connection.scalar(select(func.count()).select_from(t)) or 0 for t in tables)
    return a, i, e


def _check(ingest: Ingest, url: str, body: bytes) -> None:
    before = _stored(ingest)
    response = ingest.client.post(url, content=body, headers={"content-type": "application/json"})
    assert response.status_code < 500, (body[:300], response.text)
    if response.status_code >= 400:
        assert _stored(ingest) == before, body[:300]  # refused: nothing half-stored


@pytest.fixture
def fuzzed(ingest_app: Ingest) -> Ingest:
    return with_generic_integration(ingest_app, GENERIC_KEY, "fuzz")


def _run(ingest: Ingest, url: str, valid: Any) -> None:
    @given(body=broken(valid))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def case(body: bytes) -> None:
        _check(ingest, url, body)

    case()


def test_alertmanager_webhooks(fuzzed: Ingest) -> None:
    alerts = [am_alert(n, f"fp-{n}", fuzzed.clock.now) for n in ("HighErrorRate", "DiskFull")]
    _run(fuzzed, AM_URL, am_webhook(*alerts))


def test_events_v2(fuzzed: Ingest) -> None:
    valid = {
        "routing_key": EV_KEY,
        "event_action": "trigger",
        "dedup_key": "disk-1",
        "payload": {
            "summary": "Disk full",
            "source": "db1",
            "severity": "error",
            "timestamp": "2026-03-02T08:58:00Z",
            "custom_details": {"free": "2%", "mount": "/var"},
        },
        "links": [{"href": "https://x", "text": "x"}],
    }
    _run(fuzzed, "/v2/enqueue", valid)


def test_generic_json(fuzzed: Ingest) -> None:
    valid = {"check": {"id": "c1", "name": "billing down"}, "level": "crit", "state": "down"}
    _run(fuzzed, f"/api/v1/integrations/generic/{GENERIC_KEY}", valid)


def test_heartbeats(fuzzed: Ingest) -> None:
    _run(fuzzed, f"/api/v1/heartbeats/{HB_KEY}", {"anything": "at all"})
